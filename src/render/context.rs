//! What templates see: the event with derived fields (place, format label, times in the event
//! zone), the send instant, changes and digest events.

use super::RenderRequest;
use super::zh_time;
use crate::model::{ContactKind, Event, EventFormat, FieldChange, Link, Moment, Speaker};
use minijinja::Value;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct Context {
    /// An [`EventView`].
    pub event: Value,
    pub kind: &'static str,
    /// The send instant in the event's zone (RFC 3339 with the zone's offset then).
    pub now: String,
    pub minutes_to_start: i64,
    /// Where the send instant falls: `ahead` of the start, `running`, or `over` (after the end).
    pub moment: &'static str,
    /// For `change`: one line per changed fact, worded.
    pub changes: Vec<ChangeLine>,
    /// [`EventView`]s (the event's own value again when a digest lists just it).
    pub digest: Vec<Value>,
    /// Recap 资料下载: event slides, then talk slides not already listed.
    pub downloads: Vec<Link>,
}

#[derive(Serialize)]
pub struct EventView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub series: Option<&'a str>,
    pub number: Option<u32>,
    pub status: crate::model::EventStatus,
    pub format: crate::model::EventFormat,
    pub format_label: &'static str,
    pub start: String,
    pub end: String,
    /// When, in the house form (a range, `… 全天`, or `… 19:00 开始` without an end).
    pub when: String,
    pub all_day: bool,
    pub open_end: bool,
    pub zone: &'static str,
    pub city: Option<&'a str>,
    pub venue: Option<&'a str>,
    pub address: Option<&'a str>,
    /// One line for 活动地点: the address if it names the venue, else venue（address）, else city.
    pub place: Option<String>,
    pub registration: Option<&'a str>,
    pub live: &'a [Link],
    pub cover: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub hosts: &'a [String],
    pub organizers: &'a [String],
    pub partners: &'a [String],
    pub talks: Vec<TalkView<'a>>,
    pub slides: &'a [Link],
    pub replays: &'a [Link],
    pub articles: &'a [Link],
    pub project_links: &'a [Link],
    pub contacts: Vec<ContactView<'a>>,
    pub tags: &'a [String],
    pub extra: &'a BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize)]
pub struct TalkView<'a> {
    pub title: &'a str,
    pub speakers: &'a [Speaker],
    pub slot: Option<String>,
    pub r#abstract: Option<&'a str>,
    pub takeaways: &'a [String],
    pub outline: &'a [String],
    pub slides: Option<&'a str>,
    pub replay: Option<&'a str>,
}

#[derive(Serialize)]
pub struct ContactView<'a> {
    pub kind: &'static str,
    pub value: &'a str,
    pub label: Option<&'a str>,
}

/// An event as templates read it: its [`EventView`] as a value.
pub fn event(e: &Event) -> Value {
    Value::from_serialize(view(e))
}

/// The context of one render, as the value templates read; `event` is [`event`] of
/// `req.event`.
pub fn build(req: &RenderRequest<'_>, event: Value) -> Value {
    let e = req.event;
    let zone = e.start.timezone();
    let digest = req
        .digest()
        .iter()
        .map(|d| {
            if std::ptr::eq(d, e) {
                event.clone()
            } else {
                Value::from_serialize(view(d))
            }
        })
        .collect();
    Value::from_serialize(Context {
        event,
        kind: req.kind.as_str(),
        now: req.now.with_timezone(&zone).to_rfc3339(),
        minutes_to_start: (e.start.to_utc() - req.now).num_minutes(),
        moment: Moment::at(e, req.now).as_str(),
        changes: req.changes.iter().map(change_line).collect(),
        digest,
        downloads: downloads(e),
    })
}

fn view(e: &Event) -> EventView<'_> {
    EventView {
        id: &e.id,
        title: &e.title,
        series: e.series.as_deref(),
        number: e.number,
        status: e.status,
        format: e.format,
        format_label: format_label(e.format),
        start: e.start.to_rfc3339(),
        end: e.end.to_rfc3339(),
        when: zh_time::when(&e.start, &e.end, e.all_day, e.open_end),
        all_day: e.all_day,
        open_end: e.open_end,
        zone: e.start.timezone().name(),
        city: e.city.as_deref(),
        venue: e.venue.as_deref(),
        address: e.address.as_deref(),
        place: place(e),
        registration: e.registration.as_deref(),
        live: &e.live,
        cover: e.cover.as_deref(),
        summary: e.summary.as_deref(),
        hosts: &e.hosts,
        organizers: &e.organizers,
        partners: &e.partners,
        talks: e
            .talks
            .iter()
            .map(|t| TalkView {
                title: &t.title,
                speakers: &t.speakers,
                slot: t.slot.map(|s| match s.end {
                    Some(end) => format!("{}-{}", s.start.format("%H:%M"), end.format("%H:%M")),
                    None => s.start.format("%H:%M").to_string(),
                }),
                r#abstract: t.r#abstract.as_deref(),
                takeaways: &t.takeaways,
                outline: &t.outline,
                slides: t.slides.as_deref(),
                replay: t.replay.as_deref(),
            })
            .collect(),
        slides: &e.slides,
        replays: &e.replays,
        articles: &e.articles,
        project_links: &e.project_links,
        contacts: e
            .contacts
            .iter()
            .map(|c| ContactView {
                kind: contact_kind(c.kind),
                value: &c.value,
                label: c.label.as_deref(),
            })
            .collect(),
        tags: &e.tags,
        extra: &e.extra,
    }
}

/// A changed fact as readers see it: `label：old → new`, dates in the house form.
#[derive(Serialize)]
pub struct ChangeLine {
    pub label: &'static str,
    pub old: String,
    pub new: String,
    /// For links: the new URLs, written as links.
    pub new_links: Vec<String>,
}

fn change_line(c: &FieldChange) -> ChangeLine {
    let none = || "（无）".to_string();
    let text = |v: &Option<String>| v.clone().unwrap_or_else(none);
    let line = |label, old, new| ChangeLine {
        label,
        old,
        new,
        new_links: Vec::new(),
    };
    match c {
        FieldChange::Time { old, new } => line(
            "时间",
            zh_time::range(&old.0, &old.1),
            zh_time::range(&new.0, &new.1),
        ),
        FieldChange::City { old, new } => line("城市", text(old), text(new)),
        FieldChange::Venue { old, new } => line("场地", text(old), text(new)),
        FieldChange::Address { old, new } => line("地址", text(old), text(new)),
        FieldChange::Live { old, new } => ChangeLine {
            label: "直播链接",
            old: if old.is_empty() {
                none()
            } else {
                old.join(" ")
            },
            new: if new.is_empty() {
                none()
            } else {
                new.join(" ")
            },
            new_links: new.clone(),
        },
    }
}

/// The house-style label for 活动形式.
pub(crate) fn format_label(format: EventFormat) -> &'static str {
    match format {
        EventFormat::Offline => "线下活动",
        EventFormat::Online => "线上直播",
        EventFormat::Hybrid => "线下活动 + 线上直播",
    }
}

fn contact_kind(kind: ContactKind) -> &'static str {
    match kind {
        ContactKind::DingtalkGroup => "dingtalk_group",
        ContactKind::WechatOfficialAccount => "wechat_official_account",
        ContactKind::WechatGroup => "wechat_group",
        ContactKind::Email => "email",
        ContactKind::Other => "other",
    }
}

fn place(e: &Event) -> Option<String> {
    let (city, venue, address) = (e.city.as_deref(), e.venue.as_deref(), e.address.as_deref());
    let main = match (venue, address) {
        (Some(v), Some(a)) if a.contains(v) => a.to_string(),
        (Some(v), Some(a)) => format!("{v}（{a}）"),
        (Some(v), None) => v.to_string(),
        (None, Some(a)) => a.to_string(),
        (None, None) => return city.map(str::to_string),
    };
    match city {
        Some(c) if !main.contains(c) => Some(format!("{c} {main}")),
        _ => Some(main),
    }
}

fn downloads(e: &Event) -> Vec<Link> {
    let mut out: Vec<Link> = e.slides.clone();
    for t in &e.talks {
        if let Some(url) = &t.slides
            && !out.iter().any(|l| &l.url == url)
        {
            out.push(Link {
                title: format!("《{}》", t.title),
                url: url.clone(),
            });
        }
    }
    out
}
