//! The event record: everything herald knows about one meetup or live stream.

use super::sparse::{Empty, Sparse};
use crate::model::Zone;
use chrono::{DateTime, NaiveTime};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;

/// One event, validated: `end >= start`, URLs parse, the zone is a real IANA zone.
///
/// What scheduling, change notices and most messages read is stored in the struct; the parts
/// most records leave empty are in [`EventDetails`], boxed only when the record gives one
/// (a daemon keeps every planned event in memory). `Event` derefs to its details, so
/// `event.summary` reads (and writes) them like a field of its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Stable id: the file stem unless the record gives one. Part of every ledger key.
    pub id: String,
    pub title: String,
    pub status: EventStatus,
    /// Start and end in the event's own zone. An all-day event starts at the first instant of
    /// its first day; one without a given end (or all day) ends at the first instant of the
    /// day after its last.
    pub start: DateTime<Zone>,
    pub end: DateTime<Zone>,
    /// `start = 2025-04-26`: the record gives dates, no times.
    pub all_day: bool,
    /// The record gives no end: messages show only the start.
    pub open_end: bool,
    pub format: EventFormat,
    pub city: Option<String>,
    /// Live-stream links; `title` names the platform (e.g. "B 站直播").
    pub live: Vec<Link>,
    pub talks: Vec<Talk>,
    /// Everything else the record may give (serialized as the event's own fields).
    #[serde(flatten)]
    pub details: Sparse<EventDetails>,
    /// The file the record came from (for messages), if any.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// The parts of an event record that are often absent. (A field every record gives would
/// cost more here than in [`Event`]: its box, in every event.)
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EventDetails {
    pub venue: Option<String>,
    pub address: Option<String>,
    /// Channel names or `tag:NAME` selectors this event goes to; empty = every channel a rule picks.
    pub targets: Vec<String>,
    pub series: Option<String>,
    pub number: Option<u32>,
    pub registration: Option<String>,
    pub cover: Option<String>,
    /// A short introduction of the event (a paragraph, plain text).
    pub summary: Option<String>,
    pub hosts: Vec<String>,
    pub organizers: Vec<String>,
    pub partners: Vec<String>,
    /// Event-level slides (资料下载) and replays (回放).
    pub slides: Vec<Link>,
    pub replays: Vec<Link>,
    pub articles: Vec<Link>,
    pub project_links: Vec<Link>,
    pub contacts: Vec<Contact>,
    /// Audience tags, e.g. "云原生", "Java".
    pub tags: Vec<String>,
    /// Free-form table, visible to templates as `event.extra`.
    pub extra: BTreeMap<String, serde_json::Value>,
}

static NO_EVENT_DETAILS: EventDetails = EventDetails {
    venue: None,
    address: None,
    targets: Vec::new(),
    series: None,
    number: None,
    registration: None,
    cover: None,
    summary: None,
    hosts: Vec::new(),
    organizers: Vec::new(),
    partners: Vec::new(),
    slides: Vec::new(),
    replays: Vec::new(),
    articles: Vec::new(),
    project_links: Vec::new(),
    contacts: Vec::new(),
    tags: Vec::new(),
    extra: BTreeMap::new(),
};

impl Empty for EventDetails {
    fn empty() -> &'static EventDetails {
        &NO_EVENT_DETAILS
    }
}

impl Deref for Event {
    type Target = EventDetails;

    fn deref(&self) -> &EventDetails {
        self.details.get()
    }
}

impl DerefMut for Event {
    fn deref_mut(&mut self) -> &mut EventDetails {
        self.details.get_mut()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    #[default]
    Scheduled,
    Postponed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EventFormat {
    #[default]
    Offline,
    Online,
    Hybrid,
}

/// A titled URL (slides, replays, live streams, articles, project links).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// A talk; like [`Event`], it derefs to the parts often absent ([`TalkDetails`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Talk {
    pub title: String,
    pub speakers: Vec<Speaker>,
    pub slot: Option<TalkSlot>,
    #[serde(flatten)]
    pub details: Sparse<TalkDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TalkDetails {
    pub slides: Option<String>,
    /// 议题简介, plain text; paragraphs separated by blank lines.
    pub r#abstract: Option<String>,
    /// 听众收获.
    pub takeaways: Vec<String>,
    /// 议题大纲.
    pub outline: Vec<String>,
    pub replay: Option<String>,
}

static NO_TALK_DETAILS: TalkDetails = TalkDetails {
    slides: None,
    r#abstract: None,
    takeaways: Vec::new(),
    outline: Vec::new(),
    replay: None,
};

impl Empty for TalkDetails {
    fn empty() -> &'static TalkDetails {
        &NO_TALK_DETAILS
    }
}

impl Deref for Talk {
    type Target = TalkDetails;

    fn deref(&self) -> &TalkDetails {
        self.details.get()
    }
}

impl DerefMut for Talk {
    fn deref_mut(&mut self) -> &mut TalkDetails {
        self.details.get_mut()
    }
}

/// A talk's time slot, on the event's day(s), in the event's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TalkSlot {
    pub start: NaiveTime,
    pub end: Option<NaiveTime>,
}

/// A speaker; derefs to the parts often absent ([`SpeakerDetails`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Speaker {
    pub name: String,
    #[serde(flatten)]
    pub details: Sparse<SpeakerDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpeakerDetails {
    /// 花名 (Alibaba/Ant nickname), shown as `刘浩杨（花名：某某）`.
    pub alias: Option<String>,
    /// Role and organisation in one line, e.g. "蚂蚁集团技术专家".
    pub role: Option<String>,
    pub bio: Option<String>,
}

static NO_SPEAKER_DETAILS: SpeakerDetails = SpeakerDetails {
    alias: None,
    role: None,
    bio: None,
};

impl Empty for SpeakerDetails {
    fn empty() -> &'static SpeakerDetails {
        &NO_SPEAKER_DETAILS
    }
}

impl Speaker {
    pub fn new(
        name: String,
        alias: Option<String>,
        role: Option<String>,
        bio: Option<String>,
    ) -> Speaker {
        Speaker {
            name,
            details: Sparse::new(SpeakerDetails { alias, role, bio }),
        }
    }
}

impl Deref for Speaker {
    type Target = SpeakerDetails;

    fn deref(&self) -> &SpeakerDetails {
        self.details.get()
    }
}

impl DerefMut for Speaker {
    fn deref_mut(&mut self) -> &mut SpeakerDetails {
        self.details.get_mut()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub kind: ContactKind,
    pub value: String,
    /// Optional label, e.g. "SOFAStack 社区群".
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    DingtalkGroup,
    WechatOfficialAccount,
    WechatGroup,
    Email,
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event() -> Event {
        let start = crate::model::Zone::SHANGHAI
            .with_ymd_and_hms(2031, 1, 1, 10, 0, 0)
            .unwrap();
        Event {
            id: "e".into(),
            title: "T".into(),
            status: EventStatus::Scheduled,
            start,
            end: start,
            all_day: false,
            open_end: false,
            format: EventFormat::Offline,
            city: None,
            live: Vec::new(),
            talks: vec![Talk {
                title: "A".into(),
                speakers: vec![Speaker::new("S".into(), None, None, None)],
                slot: None,
                details: Sparse::default(),
            }],
            details: Sparse::default(),
            source: None,
        }
    }

    /// A daemon keeps 10,000 of these: the sizes the idle-memory figures rest on.
    #[test]
    fn an_event_its_talks_and_speakers_stay_small() {
        assert!(std::mem::size_of::<Event>() <= 256);
        assert!(std::mem::size_of::<Talk>() <= 80);
        assert_eq!(std::mem::size_of::<Speaker>(), 32);
    }

    #[test]
    fn details_read_and_serialize_as_the_events_own_fields_given_or_not() {
        let mut e = event();
        let bare = serde_json::to_value(&e).unwrap();
        for key in [
            "summary", "venue", "hosts", "targets", "extra", "city", "talks",
        ] {
            assert!(bare.get(key).is_some(), "{key} missing from {bare}");
        }
        assert_eq!(bare["hosts"], serde_json::json!([]));
        assert_eq!(bare["talks"][0]["abstract"], serde_json::Value::Null);
        assert_eq!(
            bare["talks"][0]["speakers"][0]["role"],
            serde_json::Value::Null
        );

        e.summary = Some("S".into());
        e.talks[0].r#abstract = Some("A".into());
        e.talks[0].speakers[0].role = Some("R".into());
        assert_eq!(e.summary.as_deref(), Some("S"));
        let given = serde_json::to_value(&e).unwrap();
        assert_eq!(given["summary"], "S");
        assert_eq!(given["talks"][0]["abstract"], "A");
        assert_eq!(given["talks"][0]["speakers"][0]["role"], "R");
        // Every key the bare event has, and no other.
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&bare), keys(&given));
        assert_ne!(e, event());
    }
}
