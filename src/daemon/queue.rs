//! The daemon's timer queue: what falls due next. Entries are compact (indices into the
//! workspace, 40 bytes), one per (event, rule) — channels are expanded only when an entry
//! fires — so 100,000 planned sends cost a few thousand entries, not 100,000 allocations.

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

/// An entry as the heap keeps it, ordered by (due, insertion order) only: 40 bytes, the
/// common case (an event rule) inline, anything else boxed.
#[derive(Debug)]
struct Queued {
    due: DateTime<Utc>,
    /// Insertion order among entries due at the same instant (the queue is rebuilt, and this
    /// restarted, on every reload).
    seq: u32,
    stored: Stored,
}

#[derive(Debug)]
enum Stored {
    /// `Job::Rule` with indices that fit in 32 bits (all of them, in practice).
    Rule {
        deadline: DateTime<Utc>,
        event: u32,
        rule: u32,
    },
    /// Digests, notices: few at a time.
    Other(Box<Entry>),
}

impl Queued {
    fn new(seq: u32, entry: Entry) -> Queued {
        let due = entry.due;
        let stored = match entry.job {
            Job::Rule { event, rule } => match (u32::try_from(event), u32::try_from(rule)) {
                (Ok(event), Ok(rule)) => Stored::Rule {
                    deadline: entry.deadline,
                    event,
                    rule,
                },
                _ => Stored::Other(Box::new(entry)),
            },
            _ => Stored::Other(Box::new(entry)),
        };
        Queued { due, seq, stored }
    }

    fn into_entry(self) -> Entry {
        match self.stored {
            Stored::Rule {
                deadline,
                event,
                rule,
            } => Entry {
                due: self.due,
                deadline,
                job: Job::Rule {
                    event: event as usize,
                    rule: rule as usize,
                },
            },
            Stored::Other(entry) => *entry,
        }
    }

    fn key(&self) -> (DateTime<Utc>, u32) {
        (self.due, self.seq)
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
/// one allocation, 40 bytes per entry.
#[derive(Debug, Default)]
pub struct Queue {
    heap: BinaryHeap<Reverse<Queued>>,
    seq: u32,
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
        // 4 billion pushes between two reloads would only reorder entries due together.
        self.seq = self.seq.wrapping_add(1);
        self.heap.push(Reverse(Queued::new(self.seq, entry)));
    }

    /// Give back the room left over from building the queue (it is rebuilt on every reload).
    pub fn shrink_to_fit(&mut self) {
        self.heap.shrink_to_fit();
    }

    /// When the next entry falls due.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.heap.peek().map(|Reverse(q)| q.due)
    }

    /// Remove and return every entry due at or before `now`, in due order.
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Vec<Entry> {
        let mut out = Vec::new();
        while self.next_due().is_some_and(|due| due <= now) {
            out.extend(self.heap.pop().map(|Reverse(q)| q.into_entry()));
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

    #[test]
    fn every_kind_of_entry_comes_back_as_it_went_in() {
        let notice = Entry {
            due: at(3),
            deadline: at(30),
            job: Job::Notice(Box::new(Notice {
                event: 7,
                subject: Subject::Cancel {
                    id: "e".into(),
                    round: 1,
                },
                channels: vec!["a".into()],
                settled: at(2),
            })),
        };
        let digest = Entry {
            due: at(2),
            deadline: at(20),
            job: Job::Digest {
                rule: 4,
                slot: at(2),
            },
        };
        let huge = Entry {
            due: at(4),
            deadline: at(40),
            job: Job::Rule {
                event: usize::MAX,
                rule: 1,
            },
        };
        let mut q = Queue::default();
        for e in [huge.clone(), notice.clone(), entry(1, 9), digest.clone()] {
            q.push(e);
        }
        assert_eq!(q.pop_due(at(4)), [entry(1, 9), digest, notice, huge]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn a_rule_entry_is_kept_in_forty_bytes() {
        assert_eq!(std::mem::size_of::<Reverse<Queued>>(), 40);
    }
}
