//! Pure planning: (events, rules, channels, window) → deliveries with due instants and
//! deadlines. `herald plan` and the daemon use the same functions; nothing here does I/O.

use crate::model::Zone;
use crate::model::{
    Anchor, ChannelSpec, Deadline, DeadlineAnchor, Delivery, DeliveryKey, Event, EventStatus,
    Origin, Rule, Slot, Subject, When,
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

/// Every delivery with `due` in `[from, until)`, sorted by (due, key): one per
/// (event, rule, channel), plus one per (digest slot, channel).
pub fn plan(
    events: &[Event],
    rules: &[Rule],
    channels: &[ChannelSpec],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<Delivery> {
    let mut out = Vec::new();
    for rule in rules {
        match &rule.when {
            When::Event { .. } => {
                for event in events {
                    let Some((due, deadline)) = schedule(rule, event) else {
                        continue;
                    };
                    if due < from || due >= until {
                        continue;
                    }
                    let subject = Subject::about(&event.id, rule.kind);
                    for ch in targets(rule, event, channels) {
                        out.push(delivery(&subject, rule, &ch.name, due, deadline));
                    }
                }
            }
            When::Digest { slot, window } => {
                for due in slots(slot, rule.zone, from, until) {
                    if digest_events(events, due, *window).is_empty() {
                        continue;
                    }
                    let deadline = deadline_for(rule, due, due, due);
                    let subject = Subject::digest(due, rule.zone);
                    for ch in channels
                        .iter()
                        .filter(|c| rule.targets.iter().any(|t| c.matches(t)))
                    {
                        out.push(delivery(&subject, rule, &ch.name, due, deadline));
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (a.due, &a.key).cmp(&(b.due, &b.key)));
    out
}

fn delivery(
    subject: &Subject,
    rule: &Rule,
    channel: &str,
    due: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Delivery {
    Delivery {
        key: DeliveryKey::new(subject, &Origin::Rule(rule.name.clone()), channel),
        kind: rule.kind,
        due,
        deadline,
    }
}

/// A delivery firing this much after its due instant is a late catch-up (herald was down):
/// it waits out quiet hours, where one on time does not.
pub const LATE_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// When an event rule fires for one event: `(due, deadline)`, or `None` if it does not apply
/// (a digest rule, a cancelled or postponed event, a format the rule excludes).
pub fn schedule(rule: &Rule, event: &Event) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let When::Event {
        anchor,
        offset,
        slot,
        require_slides,
    } = &rule.when
    else {
        return None;
    };
    if event.status != EventStatus::Scheduled
        || (!rule.formats.is_empty() && !rule.formats.contains(&event.format))
    {
        return None;
    }
    let base = match anchor {
        Anchor::Start => event.start.to_utc(),
        Anchor::End => event.end.to_utc(),
    };
    let offset = match require_slides {
        Some(fallback) if !has_slides(event) => *fallback,
        _ => *offset,
    };
    let instant = base + offset;
    let due = match slot {
        Some(slot) => first_slot_on_day(slot, rule.zone, instant)?,
        None => instant,
    };
    Some((
        due,
        deadline_for(rule, event.start.to_utc(), event.end.to_utc(), due),
    ))
}

/// The rule's deadline for a delivery due at `due` of an event from `start` to `end`.
pub fn deadline_for(
    rule: &Rule,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    due: DateTime<Utc>,
) -> DateTime<Utc> {
    let Deadline { anchor, offset } = rule.deadline;
    let base = match anchor {
        DeadlineAnchor::Start => start,
        DeadlineAnchor::End => end,
        DeadlineAnchor::Due => due,
    };
    base + offset
}

fn has_slides(event: &Event) -> bool {
    !event.slides.is_empty() || event.talks.iter().any(|t| t.slides.is_some())
}

/// The first slot at or after the start of the calendar day (in `zone`) of `instant`.
fn first_slot_on_day(slot: &Slot, zone: Zone, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let day = instant.with_timezone(&zone).date_naive();
    let midnight = zone
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()?;
    // `after` is exclusive: start one second before midnight so a 00:00 slot counts.
    slot.schedule
        .after(&(midnight - TimeDelta::seconds(1)))
        .next()
        .map(|t| t.to_utc())
}

/// Slot occurrences in `[from, until)`.
fn slots(slot: &Slot, zone: Zone, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let start = (from - TimeDelta::seconds(1)).with_timezone(&zone);
    slot.schedule
        .after(&start)
        .map(|t| t.to_utc())
        .take_while(|t| *t < until)
        .filter(|t| *t >= from)
        .collect()
}

/// Channels a rule picks for an event: the rule's selectors, intersected with the event's own
/// `targets` when it has any. Selectors are names, `tag:NAME` or `*`.
pub fn targets<'a>(
    rule: &Rule,
    event: &Event,
    channels: &'a [ChannelSpec],
) -> Vec<&'a ChannelSpec> {
    channels
        .iter()
        .filter(|c| rule.targets.iter().any(|t| c.matches(t)))
        .filter(|c| event.targets.is_empty() || event.targets.iter().any(|t| c.matches(t)))
        .collect()
}

/// The events a digest sent at `at` lists: scheduled or postponed ones starting in `[at, at + window)`, by start.
pub fn digest_events(events: &[Event], at: DateTime<Utc>, window: TimeDelta) -> Vec<&Event> {
    let mut out: Vec<&Event> = events
        .iter()
        .filter(|e| e.status != EventStatus::Cancelled)
        .filter(|e| e.start.to_utc() >= at && e.start.to_utc() < at + window)
        .collect();
    out.sort_by_key(|e| e.start);
    out
}
