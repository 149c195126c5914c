//! Change and cancel notices: an announced event whose time, venue or live link changed gets
//! a `change` message (old → new) on exactly the channels that got its announcement; a
//! cancelled one gets `cancel`. The baseline is the snapshot stored when it was announced.
//! The changes are typed values; `render` words them.

use super::queue::{Entry, Job, Notice};
use super::workspace::Workspace;
use crate::ledger::{Ledger, LedgerError};
use crate::model::{DeliveryKey, Event, EventStatus, FieldChange, MessageKind, Origin, Subject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The facts a reader acts on: when, where, and how to watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub zone: String,
    pub city: Option<String>,
    pub venue: Option<String>,
    pub address: Option<String>,
    pub live: Vec<String>,
}

impl Snapshot {
    pub fn of(event: &Event) -> Snapshot {
        Snapshot {
            start: event.start.to_utc(),
            end: event.end.to_utc(),
            zone: event.start.timezone().name().to_string(),
            city: event.city.clone(),
            venue: event.venue.clone(),
            address: event.address.clone(),
            live: event.live.iter().map(|l| l.url.clone()).collect(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a snapshot always serializes")
    }

    /// What changed from `self` (as announced) to `now`, one entry per fact, as typed
    /// values (times in the event's zone); `render` words them.
    pub fn diff(&self, now: &Snapshot, event: &Event) -> Vec<FieldChange> {
        let zone = event.start.timezone();
        let when = |s: &Snapshot| {
            (
                s.start.with_timezone(&zone).fixed_offset(),
                s.end.with_timezone(&zone).fixed_offset(),
            )
        };
        let mut out = Vec::new();
        if (self.start, self.end) != (now.start, now.end) {
            out.push(FieldChange::Time {
                old: when(self),
                new: when(now),
            });
        }
        if self.city != now.city {
            out.push(FieldChange::City {
                old: self.city.clone(),
                new: now.city.clone(),
            });
        }
        if self.venue != now.venue {
            out.push(FieldChange::Venue {
                old: self.venue.clone(),
                new: now.venue.clone(),
            });
        }
        if self.address != now.address {
            out.push(FieldChange::Address {
                old: self.address.clone(),
                new: now.address.clone(),
            });
        }
        if self.live != now.live {
            out.push(FieldChange::Live {
                old: self.live.clone(),
                new: now.live.clone(),
            });
        }
        out
    }
}

/// What changed since the group was last told about `event` (the ledger's snapshot of the
/// announcement or last change notice); `None` when it was never told.
pub fn changes_since_told(
    ledger: &Ledger,
    event: &Event,
) -> Result<Option<Vec<FieldChange>>, LedgerError> {
    let Some(json) = ledger.snapshot_get(&event.id)? else {
        return Ok(None);
    };
    Ok(serde_json::from_str::<Snapshot>(&json)
        .ok()
        .map(|told| told.diff(&Snapshot::of(event), event)))
}

/// Notices due now for announced events that changed or were cancelled, skipping those
/// already sent to every channel that got the announcement.
pub fn notices(ws: &Workspace, ledger: &Ledger, now: DateTime<Utc>) -> Vec<Entry> {
    notices_among(ws, ledger, now, |_| true)
}

/// [`notices`] for the events `maybe_told` lets through (the others are known to have no
/// snapshot: nothing was announced to them), without asking the ledger about the rest.
pub fn notices_among(
    ws: &Workspace,
    ledger: &Ledger,
    now: DateTime<Utc>,
    maybe_told: impl Fn(&Event) -> bool,
) -> Vec<Entry> {
    let mut out = Vec::new();
    for (index, event) in ws.events.iter().enumerate() {
        if !maybe_told(event) {
            continue;
        }
        let Ok(Some(json)) = ledger.snapshot_get(&event.id) else {
            continue;
        };
        let Ok(announced) = serde_json::from_str::<Snapshot>(&json) else {
            continue;
        };
        let subject = match event.status {
            EventStatus::Cancelled => Subject::Cancel {
                id: event.id.clone(),
            },
            _ => {
                let changes = announced.diff(&Snapshot::of(event), event);
                if changes.is_empty() {
                    continue;
                }
                change(event, changes)
            }
        };
        let deadline = event.start.to_utc().max(announced.start);
        let channels = ledger
            .sent_channels(&event.id, MessageKind::Announce)
            .unwrap_or_default();
        if deadline <= now || all_sent(ledger, &subject, &channels) {
            continue;
        }
        out.push(Entry {
            due: settled(event, now, ws.config.settle),
            deadline,
            job: Job::Notice(Box::new(Notice {
                event: index,
                subject,
                channels,
            })),
        });
    }
    out
}

/// A change goes out once its record has been left alone for `settle`: edits saved within it
/// coalesce into one notice (from what the groups were told to the final value), and an edit
/// undone within it posts nothing. The record file's modification time is when it last
/// changed, so a restart keeps the same due time.
fn settled(event: &Event, now: DateTime<Utc>, settle: chrono::TimeDelta) -> DateTime<Utc> {
    let modified = event
        .source
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok())
        .map(DateTime::<Utc>::from);
    match modified {
        Some(m) => (m + settle).max(now).min(now + settle),
        None => now,
    }
}

/// The change notice reporting `changes` to `event`: its facts (a hash of the event's facts
/// now) make a later change a new notice.
pub fn change(event: &Event, changes: Vec<FieldChange>) -> Subject {
    Subject::Change {
        id: event.id.clone(),
        changes,
        facts: short_hash(&Snapshot::of(event).to_json()),
    }
}

fn all_sent(ledger: &Ledger, subject: &Subject, channels: &[String]) -> bool {
    channels.iter().all(|ch| {
        let key = DeliveryKey::new(subject, &Origin::Notice, ch);
        ledger.done(&key).unwrap_or(false)
    })
}

fn short_hash(s: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}
