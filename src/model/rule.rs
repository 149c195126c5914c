//! A rule: when a kind of message goes out relative to each event (or on a cron schedule, for
//! digests), until when it is still worth sending, and to which channels.

use super::{EventFormat, MessageKind};
use crate::model::Zone;
use chrono::TimeDelta;

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub kind: MessageKind,
    pub when: When,
    /// After this the delivery is recorded as missed.
    pub deadline: Deadline,
    /// Channel names, `tag:NAME` or `*`.
    pub targets: Vec<String>,
    /// Only events of these formats (empty = all), e.g. the live-link reminder is online-only.
    pub formats: Vec<EventFormat>,
    /// Zone the slot is read in.
    pub zone: Zone,
}

#[derive(Debug, Clone)]
pub enum When {
    /// Relative to an event: `anchor + offset`; with a `slot`, the first slot at or after the
    /// start of that day (so "-7d at 10:00" is 10:00 seven calendar days before).
    Event {
        anchor: Anchor,
        offset: TimeDelta,
        slot: Option<Slot>,
        /// Recap: wait for slides; without them go out at `anchor + this` (same slot) instead.
        require_slides: Option<TimeDelta>,
    },
    /// A digest of the events starting within `window` after each slot (e.g. Monday 09:00).
    Digest { slot: Slot, window: TimeDelta },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    End,
}

/// A cron slot: the `cron` crate's 6/7-field expressions, or the usual 5-field form
/// (normalized by prefixing seconds = 0).
#[derive(Debug, Clone)]
pub struct Slot {
    pub expr: String,
    pub schedule: cron::Schedule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub anchor: DeadlineAnchor,
    pub offset: TimeDelta,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineAnchor {
    Start,
    End,
    Due,
}
