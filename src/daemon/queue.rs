//! The daemon's timer queue: what falls due next. Entries are compact (indices into the
//! workspace), one per (event, rule) — channels are expanded only when an entry fires — so
//! 100,000 planned sends cost a few thousand entries, not 100,000 allocations.

use crate::model::Subject;
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What to do when an entry fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Rule `rule` for event `event` (indices into the workspace).
    Rule { event: usize, rule: usize },
    /// Digest rule `rule` for the slot at `slot`.
    Digest { rule: usize, slot: DateTime<Utc> },
    /// A change or cancel notice, to the channels that got the event's announcement (boxed:
    /// rare, and it would otherwise make every entry three times bigger).
    Notice(Box<Notice>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Index of the event in the workspace.
    pub event: usize,
    /// A `Subject::Change` (with what changed), `Subject::Cancel` or `Subject::Resume`, each
    /// with its round (the ledger rule `change:…`, `cancel`, `resume`, `cancel:2`…).
    pub subject: Subject,
    /// The channels it goes to, when it was planned: those that got (or may have got) the
    /// announcement, or for a resume the cancel.
    pub channels: Vec<String>,
    /// When the record settled (the entry is due then, or when quiet hours end).
    pub settled: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub due: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub job: Job,
}

/// An entry in the heap, ordered by (due, insertion order) only.
#[derive(Debug)]
struct Queued {
    seq: u64,
    entry: Entry,
}

impl Queued {
    fn key(&self) -> (DateTime<Utc>, u64) {
        (self.entry.due, self.seq)
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// A min-heap on due time; ties keep insertion order. The entries live in the heap itself:
/// one allocation, about 64 bytes per entry.
#[derive(Debug, Default)]
pub struct Queue {
    heap: BinaryHeap<Reverse<Queued>>,
    seq: u64,
}

impl Queue {
    /// Room for `n` entries at once (a replan knows how many it will push).
    pub fn with_capacity(n: usize) -> Queue {
        Queue {
            heap: BinaryHeap::with_capacity(n),
            seq: 0,
        }
    }

    pub fn push(&mut self, entry: Entry) {
        self.seq += 1;
        self.heap.push(Reverse(Queued {
            seq: self.seq,
            entry,
        }));
    }

    /// Give back the room left over from building the queue (it is rebuilt on every reload).
    pub fn shrink_to_fit(&mut self) {
        self.heap.shrink_to_fit();
    }

    /// When the next entry falls due.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.heap.peek().map(|Reverse(q)| q.entry.due)
    }

    /// Remove and return every entry due at or before `now`, in due order.
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Vec<Entry> {
        let mut out = Vec::new();
        while self.next_due().is_some_and(|due| due <= now) {
            out.extend(self.heap.pop().map(|Reverse(q)| q.entry));
        }
        out
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::minutes(min)
    }

    fn entry(min: i64, rule: usize) -> Entry {
        Entry {
            due: at(min),
            deadline: at(min + 60),
            job: Job::Rule { event: 0, rule },
        }
    }

    #[test]
    fn pops_in_due_order_and_keeps_ties_in_insertion_order() {
        let mut q = Queue::default();
        q.push(entry(5, 0));
        q.push(entry(1, 1));
        q.push(entry(5, 2));
        q.push(entry(9, 3));
        assert_eq!(q.next_due(), Some(at(1)));
        let due: Vec<usize> = q
            .pop_due(at(5))
            .into_iter()
            .map(|e| match e.job {
                Job::Rule { rule, .. } => rule,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(due, [1, 0, 2]);
        assert_eq!(q.next_due(), Some(at(9)));
        assert_eq!(q.len(), 1);
    }
}
