//! Change, cancel and resume notices: an announced event whose time, venue or live link
//! changed gets a `change` message (old → new) on exactly the channels that got its
//! announcement; a cancelled one gets `cancel`; one un-cancelled after that went out gets
//! `resume` (恢复举办) on exactly the channels that got the cancel. The baseline is the
//! snapshot stored when it was announced. The changes are typed values; `render` words them.

use super::queue::{Entry, Job, Notice};
use super::workspace::Workspace;
use crate::ledger::{Ledger, LedgerError, State};
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

/// Notices due now for announced events that changed, were cancelled or were un-cancelled,
/// skipping those already sent to every channel they go to.
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
        let deadline = event.start.to_utc().max(announced.start);
        if deadline <= now {
            continue;
        }
        let due = settled(event, now, ws.config.settle);
        let Some(mut notice) = event_notice(ledger, event, &announced)
            .filter(|n| !all_sent(ledger, &n.subject, &n.channels))
        else {
            continue;
        };
        notice.event = index;
        notice.settled = due;
        out.extend(after_quiet_hours(ws, notice, due, deadline));
    }
    out
}

/// One queue entry per span of quiet hours among the notice's channels, due when they end
/// (deadline allowing): the wait is in the queue, which every reload rebuilds, so a notice
/// made stale by a later edit (a cancel taken back at night) is dropped, never posted at 08:00.
fn after_quiet_hours(
    ws: &Workspace,
    notice: Notice,
    due: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Vec<Entry> {
    let mut groups: Vec<(DateTime<Utc>, Vec<String>)> = Vec::new();
    for channel in &notice.channels {
        let quiet = ws.config.channel(channel).and_then(|c| c.quiet_hours);
        let at = quiet.map_or(due, |q| q.defer(due, deadline));
        match groups.iter_mut().find(|(t, _)| *t == at) {
            Some((_, names)) => names.push(channel.clone()),
            None => groups.push((at, vec![channel.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(at, channels)| Entry {
            due: at,
            deadline,
            job: Job::Notice(Box::new(Notice {
                channels,
                ..notice.clone()
            })),
        })
        .collect()
}

/// The one notice `event` calls for against what its groups were told (`announced`): a
/// cancel to the groups that got the announcement; for an event on again after a cancel
/// notice went out, a resume (with any changes) to the groups that got the cancel; else a
/// change when its facts changed. The `event` index and settle time are left for the caller.
fn event_notice(ledger: &Ledger, event: &Event, announced: &Snapshot) -> Option<Notice> {
    let rounds = Rounds::of(ledger, &event.id);
    let notice = |subject, channels| Notice {
        event: 0,
        subject,
        channels,
        settled: DateTime::<Utc>::MIN_UTC,
    };
    let (id, round) = (event.id.clone(), rounds.round());
    if event.status == EventStatus::Cancelled {
        let cancel = Subject::Cancel { id, round };
        return Some(notice(
            cancel,
            audience(ledger, &event.id, MessageKind::Cancel),
        ));
    }
    let changes = announced.diff(&Snapshot::of(event), event);
    let cancelled_to = rounds.cancelled_to;
    let on_again = event.status == EventStatus::Scheduled && !cancelled_to.is_empty();
    let resume = Subject::Resume {
        id,
        changes: changes.clone(),
        round,
    };
    if on_again && !all_sent(ledger, &resume, &cancelled_to) {
        return Some(notice(resume, cancelled_to));
    }
    let told = || audience(ledger, &event.id, MessageKind::Change);
    (!changes.is_empty()).then(|| notice(change(event, changes), told()))
}

/// The groups a notice of `kind` about `event` goes to: a change or cancel to those that got
/// the announcement (or may have), a resume to those that got the cancel since the last
/// resume; nobody for other kinds. The daemon's notices and a manual `herald send` of a
/// notice kind without `--channel` both ask here.
pub fn audience(ledger: &Ledger, event: &str, kind: MessageKind) -> Vec<String> {
    match kind {
        MessageKind::Change | MessageKind::Cancel => ledger
            .sent_channels(event, MessageKind::Announce)
            .unwrap_or_default(),
        MessageKind::Resume => Rounds::of(ledger, event).cancelled_to,
        _ => Vec::new(),
    }
}

/// Cancel and resume notices come in rounds: an event cancelled, on again, cancelled again
/// gets a second cancel (`cancel:2`) and a second resume (`resume:2`).
struct Rounds {
    /// Resume notices that went out (or may have).
    resumed: usize,
    /// Channels that got a cancel (by any key, also a manual one) since the last resume.
    cancelled_to: Vec<String>,
}

impl Rounds {
    /// Reads the event's rows only when it ever had a cancel (most events never do).
    fn of(ledger: &Ledger, event: &str) -> Rounds {
        let cancelled = ledger.sent_channels(event, MessageKind::Cancel);
        if cancelled.is_ok_and(|c| c.is_empty()) {
            return Rounds {
                resumed: 0,
                cancelled_to: Vec::new(),
            };
        }
        let rows = ledger.history(Some(event)).unwrap_or_default();
        let out = |r: &&crate::ledger::Row| {
            r.part == 1 && matches!(r.state, State::Sent | State::Posting | State::Ambiguous)
        };
        let mut resumes: Vec<_> = rows
            .iter()
            .filter(out)
            .filter(|r| r.kind == MessageKind::Resume.as_str())
            .collect();
        resumes.sort_by_key(|r| r.claimed_at);
        let since = resumes.last().map(|r| r.claimed_at);
        let mut keys: Vec<&str> = resumes.iter().map(|r| r.rule.as_str()).collect();
        keys.dedup();
        let mut cancelled_to: Vec<String> = rows
            .iter()
            .filter(out)
            .filter(|r| r.kind == MessageKind::Cancel.as_str())
            .filter(|r| since.is_none_or(|t| r.claimed_at > t))
            .map(|r| r.channel.clone())
            .collect();
        cancelled_to.sort();
        cancelled_to.dedup();
        Rounds {
            resumed: keys.len(),
            cancelled_to,
        }
    }

    /// This round: 1 (keys `cancel`/`resume`) in the first, 2 (`cancel:2`/`resume:2`) in the
    /// next…
    fn round(&self) -> u32 {
        u32::try_from(self.resumed).map_or(u32::MAX, |n| n.saturating_add(1))
    }
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

/// Does `event` as it is now still call for the notice about `subject`? A cancel only while
/// it is cancelled, a resume only while it is scheduled, a change only for the facts it has
/// now (a notice held or waiting while the record changed again is stale).
pub fn still_wanted(event: &Event, subject: &Subject) -> bool {
    match subject {
        Subject::Cancel { .. } => event.status == EventStatus::Cancelled,
        Subject::Resume { .. } => event.status == EventStatus::Scheduled,
        Subject::Change { facts, .. } => {
            event.status != EventStatus::Cancelled
                && *facts == short_hash(&Snapshot::of(event).to_json())
        }
        Subject::Event { .. } | Subject::Digest { .. } => true,
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
