//! The kinds of message herald sends about an event, and what a `change` message reports.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// 活动预告 / 报名.
    Announce,
    /// Day before, same day, starting soon (with the live link).
    Remind,
    /// 活动回顾: slides, replays.
    Recap,
    /// Time, venue or link changed: old → new.
    Change,
    /// 活动取消.
    Cancel,
    /// 恢复举办: a cancelled event is on again (to the groups that got the cancel).
    Resume,
    /// 本周活动: several events in one message.
    Digest,
}

impl MessageKind {
    pub const ALL: [MessageKind; 7] = [
        MessageKind::Announce,
        MessageKind::Remind,
        MessageKind::Recap,
        MessageKind::Change,
        MessageKind::Cancel,
        MessageKind::Resume,
        MessageKind::Digest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Announce => "announce",
            MessageKind::Remind => "remind",
            MessageKind::Recap => "recap",
            MessageKind::Change => "change",
            MessageKind::Cancel => "cancel",
            MessageKind::Resume => "resume",
            MessageKind::Digest => "digest",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MessageKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown message kind `{s}` (expected one of announce, remind, recap, change, cancel, resume, digest)"))
    }
}

/// One changed fact of an already-announced event, for `change` messages: typed values, old
/// and new; `render` words and formats them (house date form, one line per field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum FieldChange {
    /// Start and end, in the event's zone.
    Time {
        old: (DateTime<FixedOffset>, DateTime<FixedOffset>),
        new: (DateTime<FixedOffset>, DateTime<FixedOffset>),
    },
    City {
        old: Option<String>,
        new: Option<String>,
    },
    Venue {
        old: Option<String>,
        new: Option<String>,
    },
    Address {
        old: Option<String>,
        new: Option<String>,
    },
    /// Live-stream URLs.
    Live { old: Vec<String>, new: Vec<String> },
}
