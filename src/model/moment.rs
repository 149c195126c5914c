//! Where an instant falls relative to an event: ahead of its start, while it runs, or after
//! its end. Reminders read it (and `send` refuses a reminder for an event that is over).

use super::Event;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    Ahead,
    Running,
    Over,
}

impl Moment {
    pub fn at(event: &Event, now: DateTime<Utc>) -> Moment {
        if now < event.start.to_utc() {
            Moment::Ahead
        } else if now < event.end.to_utc() {
            Moment::Running
        } else {
            Moment::Over
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Moment::Ahead => "ahead",
            Moment::Running => "running",
            Moment::Over => "over",
        }
    }
}
