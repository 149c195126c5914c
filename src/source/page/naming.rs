//! Who and what the event is: its title without 【活动回顾】-style prefixes, series and number,
//! format, city, organizers, cover and summary.

use super::facts::Facts;
use super::fields;
use super::lines::{self, Kind};
use super::{Note, NoteKind, read_when};
use crate::model::{EventFormat, EventStatus};
use chrono::Datelike;
use std::collections::BTreeMap;

pub(super) fn strip_title(title: &str) -> (String, EventStatus) {
    let mut t = lines::clean(title).trim().to_string();
    let mut status = EventStatus::Scheduled;
    loop {
        let before = t.clone();
        for (open, close) in [('【', '】'), ('（', '）'), ('(', ')')] {
            if t.starts_with(open)
                && let Some(end) = t.find(close)
            {
                let inner = &t[open.len_utf8()..end];
                if inner.contains("活动")
                    || inner.contains("报名")
                    || inner.contains("回顾")
                    || inner.contains("预告")
                {
                    if inner.contains("取消") {
                        status = EventStatus::Cancelled;
                    } else if inner.contains("延期") {
                        status = EventStatus::Postponed;
                    }
                    t = t[end + close.len_utf8()..].trim().to_string();
                }
            }
            if t.ends_with(close)
                && let Some(open_at) = t.rfind(open)
            {
                let inner = &t[open_at + open.len_utf8()..t.len() - close.len_utf8()];
                if inner.contains("报名中") || inner.contains("报名开启") {
                    t = t[..open_at].trim().to_string();
                }
            }
        }
        if t == before {
            return (t, status);
        }
    }
}

impl super::Reader {
    pub(super) fn series(&self, title: &str, facts: &Facts) -> (Option<String>, Option<u32>) {
        if self.front.series.is_some() || self.front.number.is_some() {
            return (self.front.series.clone(), self.front.number);
        }
        if let Some((s, n)) = fields::numbered_series(title) {
            return (Some(s), Some(n));
        }
        let body = facts.theme.iter().cloned().chain(
            self.lines
                .iter()
                .filter(|l| matches!(l.kind, Kind::Heading(_)) || l.strong)
                .map(|l| l.text.clone()),
        );
        for text in body {
            if let Some((s, n)) = fields::numbered_series(&text) {
                let s = s.rsplit(" x ").next().unwrap_or(&s).to_string();
                if !s.contains(" x ") {
                    return (Some(s), Some(n));
                }
            }
        }
        match fields::plain_series(title) {
            Some((s, n)) => (Some(s), n),
            None => (None, None),
        }
    }

    /// An agenda or talk block that names another episode of the series (`SOFAChannel#23` on
    /// the page of #24) was copied from that episode's page.
    pub(super) fn other_episode(
        &mut self,
        series: Option<&str>,
        number: Option<u32>,
        used: &[bool],
    ) {
        let (Some(series), Some(number)) = (series, number) else {
            return;
        };
        for (i, line) in self.lines.iter().enumerate() {
            let in_agenda = used[i] || self.section_of(i).contains("议程");
            if let Some((s, n)) = fields::numbered_series(&line.text)
                && in_agenda
                && s == series
                && n != number
            {
                self.notes.push(Note::new(
                    line.line,
                    NoteKind::Conflict,
                    format!("the agenda names {s}#{n} but this page is {series}#{number}: it may belong to another episode; kept as written"),
                ));
            }
        }
    }

    pub(super) fn format(&mut self, facts: &Facts) -> EventFormat {
        if let Some((line, form)) = &facts.form {
            let off = form.contains("线下") || form.contains("现场");
            let on = form.contains("线上") || form.contains("直播") || form.contains("在线");
            return match (off, on) {
                (true, true) => EventFormat::Hybrid,
                (false, true) => EventFormat::Online,
                (true, false) => EventFormat::Offline,
                (false, false) => {
                    self.notes.push(Note::new(
                        *line,
                        NoteKind::Unread,
                        format!("活动形式 `{form}`: neither 线下 nor 线上; read as offline"),
                    ));
                    EventFormat::Offline
                }
            };
        }
        let format = match (facts.place.is_some(), !facts.live.is_empty()) {
            (true, true) => EventFormat::Hybrid,
            (false, true) => EventFormat::Online,
            _ => EventFormat::Offline,
        };
        let why = match (facts.place.is_some(), facts.live.is_empty()) {
            (true, true) => "offline: a place and no live link",
            (true, false) => "hybrid: a place and a live link",
            (false, false) => "online: a live link and no place",
            (false, true) => "offline: neither a place nor a live link",
        };
        self.notes.push(Note::new(
            1,
            NoteKind::Inferred,
            format!("no 活动形式 on the page: read as {why}"),
        ));
        format
    }

    /// The sentence that gives the event's date also names its city (`我们于 4 月 15 日回到北京`).
    pub(super) fn city_by_date(
        &mut self,
        md: (u32, u32),
        description: Option<&str>,
    ) -> Option<String> {
        let texts = self
            .lines
            .iter()
            .map(|l| (l.line, l.text.clone()))
            .chain(description.map(|d| (self.front_line("description"), d.to_string())));
        for (line, text) in texts {
            if read_when(&text).month_day == Some(md)
                && let Some(city) = fields::city_in(&text)
            {
                self.notes.push(Note::new(
                    line,
                    NoteKind::Inferred,
                    format!("city {city} from the sentence with the event's date"),
                ));
                return Some(city);
            }
        }
        None
    }

    pub(super) fn organizers(
        &self,
        title: &str,
        facts: &Facts,
        description: Option<&str>,
    ) -> Vec<String> {
        if let Some(list) = description.and_then(fields::organizers_in) {
            return list;
        }
        for text in [Some(title), facts.theme.as_deref()].into_iter().flatten() {
            if let Some((name, _)) = fields::numbered_series(text)
                && name.contains(" x ")
            {
                let mut parts: Vec<String> =
                    name.split(" x ").map(|p| p.trim().to_string()).collect();
                if let Some(last) = parts.last_mut() {
                    *last = last.trim_end_matches("Meetup").trim().to_string();
                }
                return parts.into_iter().filter(|p| !p.is_empty()).collect();
            }
        }
        if let Some((_, tail)) = title.rsplit_once("——")
            && !tail.contains('》')
            && tail.chars().count() <= 16
        {
            return vec![tail.trim().to_string()];
        }
        Vec::new()
    }

    pub(super) fn cover(&mut self) -> (Option<String>, BTreeMap<String, serde_json::Value>) {
        let mut extra = BTreeMap::new();
        let cover = match self.front.cover.as_deref().map(str::trim) {
            Some(c) if c.starts_with("http://") || c.starts_with("https://") => Some(c.to_string()),
            Some(c) if !c.is_empty() => {
                let line = self.front_line("cover");
                self.notes.push(Note::new(line, NoteKind::Inferred, format!("cover `{c}` is relative to the site: kept as extra.page_cover (herald's cover needs a full URL)")));
                extra.insert(
                    "page_cover".to_string(),
                    serde_json::Value::String(c.to_string()),
                );
                None
            }
            _ => None,
        };
        (cover, extra)
    }

    /// 活动介绍 / 介绍: its paragraphs before any sub-heading.
    pub(super) fn summary(&self) -> Option<String> {
        let i = self.lines.iter().position(|l| {
            matches!(l.kind, Kind::Heading(1 | 2))
                && matches!(l.text.trim(), "活动介绍" | "介绍" | "活动简介")
        })?;
        let parts: Vec<(String, bool)> = self.lines[i + 1..]
            .iter()
            .take_while(|l| !matches!(l.kind, Kind::Heading(_)) && !l.strong)
            .filter(|l| l.kind == Kind::Para && l.images.is_empty())
            .map(|l| (l.text.clone(), l.soft))
            .collect();
        let paras = lines::paragraphs(&parts);
        (!paras.is_empty()).then(|| paras.join("\n\n"))
    }

    /// The city: a 活动城市 field, `成都站` in the title or theme, the address, or the sentence
    /// that gives the event's date (not for online events).
    pub(super) fn city(
        &mut self,
        title: &str,
        facts: &Facts,
        format: EventFormat,
        day: chrono::NaiveDate,
        description: Option<&str>,
    ) -> Option<String> {
        facts
            .city
            .clone()
            .or_else(|| fields::station_city(title))
            .or_else(|| facts.theme.as_deref().and_then(fields::station_city))
            .or_else(|| facts.place.as_deref().and_then(fields::city_in))
            .or_else(|| {
                (format != EventFormat::Online)
                    .then(|| self.city_by_date((day.month(), day.day()), description))
                    .flatten()
            })
    }
}
