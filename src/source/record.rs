//! Writes an event as a TOML record in the layout of `config/events/*.toml` (what
//! `herald import` saves); `parse_event` reads it back to the same event.

use crate::model::{ContactKind, Event, EventFormat, EventStatus, Link};
use std::fmt::Write;

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn opt(out: &mut String, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        let _ = writeln!(out, "{key} = {}", q(v));
    }
}

fn arr(out: &mut String, key: &str, items: &[String]) {
    if !items.is_empty() {
        let _ = writeln!(out, "{key} = {}", list(items));
    }
}

fn links(out: &mut String, table: &str, items: &[Link]) {
    for l in items {
        let _ = write!(
            out,
            "\n[[{table}]]\ntitle = {}\nurl = {}\n",
            q(&l.title),
            q(&l.url)
        );
    }
}

fn contact_kind(k: ContactKind) -> &'static str {
    match k {
        ContactKind::DingtalkGroup => "dingtalk_group",
        ContactKind::WechatOfficialAccount => "wechat_official_account",
        ContactKind::WechatGroup => "wechat_group",
        ContactKind::Email => "email",
        ContactKind::Other => "other",
    }
}

/// The record's text. `header` becomes a leading `#` comment (e.g. where it was imported from).
pub fn write_record(e: &Event, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "title = {}", q(&e.title));
    opt(&mut out, "series", &e.series);
    if let Some(n) = e.number {
        let _ = writeln!(out, "number = {n}");
    }
    match e.status {
        EventStatus::Scheduled => {}
        EventStatus::Postponed => out.push_str("status = \"postponed\"\n"),
        EventStatus::Cancelled => out.push_str("status = \"cancelled\"\n"),
    }
    if e.all_day {
        let _ = writeln!(out, "start = {}", e.start.date_naive());
        let last_day = (e.end - chrono::TimeDelta::days(1)).date_naive();
        if !e.open_end && last_day != e.start.date_naive() {
            let _ = writeln!(out, "end = {last_day}");
        }
    } else {
        let _ = writeln!(out, "start = {}", e.start.to_rfc3339());
        if !e.open_end {
            let _ = writeln!(out, "end = {}", e.end.to_rfc3339());
        }
    }
    let _ = writeln!(out, "timezone = {}", q(e.start.timezone().name()));
    let format = match e.format {
        EventFormat::Offline => "offline",
        EventFormat::Online => "online",
        EventFormat::Hybrid => "hybrid",
    };
    let _ = writeln!(out, "format = \"{format}\"");
    opt(&mut out, "city", &e.city);
    opt(&mut out, "venue", &e.venue);
    opt(&mut out, "address", &e.address);
    opt(&mut out, "registration", &e.registration);
    opt(&mut out, "cover", &e.cover);
    opt(&mut out, "summary", &e.summary);
    arr(&mut out, "hosts", &e.hosts);
    arr(&mut out, "organizers", &e.organizers);
    arr(&mut out, "partners", &e.partners);
    arr(&mut out, "tags", &e.tags);
    arr(&mut out, "targets", &e.targets);
    links(&mut out, "live", &e.live);
    links(&mut out, "slides", &e.slides);
    links(&mut out, "replays", &e.replays);
    links(&mut out, "articles", &e.articles);
    links(&mut out, "project_links", &e.project_links);
    for c in &e.contacts {
        let _ = write!(
            out,
            "\n[[contacts]]\nkind = \"{}\"\nvalue = {}\n",
            contact_kind(c.kind),
            q(&c.value)
        );
        opt(&mut out, "label", &c.label);
    }
    for t in &e.talks {
        let _ = write!(out, "\n[[talks]]\ntitle = {}\n", q(&t.title));
        if let Some(slot) = t.slot {
            let time = match slot.end {
                Some(end) => format!("{}-{}", slot.start.format("%H:%M"), end.format("%H:%M")),
                None => slot.start.format("%H:%M").to_string(),
            };
            let _ = writeln!(out, "time = \"{time}\"");
        }
        opt(&mut out, "abstract", &t.r#abstract);
        arr(&mut out, "takeaways", &t.takeaways);
        arr(&mut out, "outline", &t.outline);
        opt(&mut out, "slides", &t.slides);
        opt(&mut out, "replay", &t.replay);
        for s in &t.speakers {
            let _ = writeln!(out, "  [[talks.speakers]]\n  name = {}", q(&s.name));
            for (key, value) in [("alias", &s.alias), ("role", &s.role), ("bio", &s.bio)] {
                if let Some(v) = value {
                    let _ = writeln!(out, "  {key} = {}", q(v));
                }
            }
        }
    }
    if !e.extra.is_empty() {
        out.push_str("\n[extra]\n");
        for (k, v) in &e.extra {
            if let Ok(v) = toml::Value::try_from(v) {
                let _ = writeln!(out, "{} = {v}", q(k));
            }
        }
    }
    out
}
