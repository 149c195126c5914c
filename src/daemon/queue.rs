//! The daemon's timer queue: what falls due next. Entries are compact (indices into the
//! workspace, 24 bytes), one per (event, rule) — channels are expanded only when an entry
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

/// An entry as the heap keeps it, ordered by (due, insertion order) only: 24 bytes. An event
/// rule's entry is its due instant and two indices (its deadline is the rule's, computed
/// again when it fires); anything else is kept aside in `Queue::others`.
#[derive(Debug)]
struct Queued {
    due: DateTime<Utc>,
    /// Insertion order among entries due at the same instant (the queue is rebuilt, and this
    /// restarted, on every reload).
    seq: u32,
    /// The event index, or for `rule == OTHER` the index in `Queue::others`.
    event: u32,
    rule: u32,
}

/// `Queued::rule` of an entry kept in `Queue::others`.
const OTHER: u32 = u32::MAX;

impl Queued {
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

/// A min-heap on due time; ties keep insertion order. Event rules' entries live in the heap
/// itself (one allocation, 24 bytes per entry); digests and notices, a few at a time, beside it.
#[derive(Debug, Default)]
pub struct Queue {
    heap: BinaryHeap<Reverse<Queued>>,
    others: Vec<Option<Entry>>,
    /// Free places in `others`.
    free: Vec<u32>,
    seq: u32,
}

impl Queue {
    /// Room for `n` entries at once (a replan knows how many it will push).
    pub fn with_capacity(n: usize) -> Queue {
        Queue {
            heap: BinaryHeap::with_capacity(n),
            ..Queue::default()
        }
    }

    pub fn push(&mut self, entry: Entry) {
        // 4 billion pushes between two reloads would only reorder entries due together.
        self.seq = self.seq.wrapping_add(1);
        let (due, seq) = (entry.due, self.seq);
        let indices = match entry.job {
            Job::Rule { event, rule } => u32::try_from(event)
                .ok()
                .zip(u32::try_from(rule).ok().filter(|r| *r != OTHER)),
            _ => None,
        };
        let (event, rule) = match indices {
            Some(indices) => indices,
            None => (self.set_aside(entry), OTHER),
        };
        self.heap.push(Reverse(Queued {
            due,
            seq,
            event,
            rule,
        }));
    }

    fn set_aside(&mut self, entry: Entry) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.others[i as usize] = Some(entry);
                i
            }
            None => {
                self.others.push(Some(entry));
                u32::try_from(self.others.len() - 1).unwrap_or(u32::MAX)
            }
        }
    }

    /// Give back the room left over from building the queue (it is rebuilt on every reload).
    pub fn shrink_to_fit(&mut self) {
        self.heap.shrink_to_fit();
        self.others.shrink_to_fit();
    }

    /// When the next entry falls due.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.heap.peek().map(|Reverse(q)| q.due)
    }

    /// Remove and return every entry due at or before `now`, in due order. `deadline` gives
    /// an event rule's deadline (`None`: the workspace no longer plans it, so it is dropped).
    pub fn pop_due(
        &mut self,
        now: DateTime<Utc>,
        deadline: impl Fn(usize, usize) -> Option<DateTime<Utc>>,
    ) -> Vec<Entry> {
        let mut out = Vec::new();
        while self.next_due().is_some_and(|due| due <= now) {
            let Some(Reverse(q)) = self.heap.pop() else {
                break;
            };
            if q.rule == OTHER {
                let i = q.event as usize;
                self.free.push(q.event);
                out.extend(self.others.get_mut(i).and_then(Option::take));
                continue;
            }
            let (event, rule) = (q.event as usize, q.rule as usize);
            if let Some(deadline) = deadline(event, rule) {
                out.push(Entry {
                    due: q.due,
                    deadline,
                    job: Job::Rule { event, rule },
                });
            }
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

    /// The deadline `entry` gives a rule due at `min`: an hour later (rule 9 is no longer planned).
    fn deadline(_event: usize, rule: usize) -> Option<DateTime<Utc>> {
        let due = [(0, 5), (1, 1), (2, 5), (3, 9), (7, 1)];
        let min = due.iter().find(|(r, _)| *r == rule)?.1;
        Some(at(min + 60))
    }

    #[test]
    fn pops_in_due_order_and_keeps_ties_in_insertion_order() {
        let mut q = Queue::default();
        q.push(entry(5, 0));
        q.push(entry(1, 1));
        q.push(entry(5, 2));
        q.push(entry(9, 3));
        assert_eq!(q.next_due(), Some(at(1)));
        let popped = q.pop_due(at(5), deadline);
        assert_eq!(popped, [entry(1, 1), entry(5, 0), entry(5, 2)]);
        assert_eq!(q.next_due(), Some(at(9)));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn every_kind_of_entry_comes_back_as_it_went_in() {
        let notice = |event| Entry {
            due: at(3),
            deadline: at(30),
            job: Job::Notice(Box::new(Notice {
                event,
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
        for e in [huge.clone(), notice(7), entry(1, 7), digest.clone()] {
            q.push(e);
        }
        assert_eq!(
            q.pop_due(at(4), deadline),
            [entry(1, 7), digest, notice(7), huge]
        );
        assert_eq!(q.len(), 0);
        // The places set aside are used again.
        q.push(notice(8));
        assert_eq!(q.others.len(), 3);
        assert_eq!(q.pop_due(at(3), deadline), [notice(8)]);
    }

    #[test]
    fn a_rule_the_workspace_no_longer_plans_is_dropped() {
        let mut q = Queue::default();
        q.push(entry(9, 9));
        q.push(entry(9, 3));
        assert_eq!(q.pop_due(at(9), deadline), [entry(9, 3)]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn an_entry_in_the_heap_takes_24_bytes() {
        assert_eq!(std::mem::size_of::<Reverse<Queued>>(), 24);
    }
}
