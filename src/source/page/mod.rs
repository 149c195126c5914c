//! Activity pages of a Hugo site (`content/zh/activities/<dir>/index.md`) → event records,
//! with a located note for everything that could not be read, every contradiction (both
//! readings and the one chosen) and every fact inferred rather than stated.

mod diff;
mod fields;
mod front;
mod lines;
mod people;
mod schedule;
mod talks;
mod when;

pub use diff::differences;
pub use when::{When, read as read_when};

use crate::model::{Contact, Event, EventFormat, EventStatus, Link, Location, Talk};
use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;
use fields::{Field, generic, labelled, only_links, urls};
use front::Front;
use lines::{Kind, Line};
use schedule::Reading;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// How sure the importer is about something it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteKind {
    /// Something on the page the importer could not read.
    Unread,
    /// The page says two different things; the note names both and the one chosen.
    Conflict,
    /// A fact taken from elsewhere on the page (a year from the front matter, an end from the
    /// agenda) rather than stated where it belongs.
    Inferred,
}

/// One located remark about a page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub location: Location,
    pub kind: NoteKind,
    pub message: String,
}

impl Note {
    fn new(line: usize, kind: NoteKind, message: impl Into<String>) -> Note {
        Note {
            location: Location {
                file: PathBuf::new(),
                line,
                col: 0,
            },
            kind,
            message: message.into(),
        }
    }

    /// Whether `--strict` fails on it.
    pub fn is_strict(&self) -> bool {
        self.kind != NoteKind::Inferred
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            NoteKind::Unread => "cannot read",
            NoteKind::Conflict => "contradiction",
            NoteKind::Inferred => "inferred",
        };
        write!(f, "{}: {kind}: {}", self.location, self.message)
    }
}

/// A page read into an event, with its notes.
#[derive(Debug, Clone)]
pub struct Imported {
    pub event: Event,
    pub notes: Vec<Note>,
}

/// The id of a page: its directory for `…/<dir>/index.md`, else its file stem.
pub fn page_id(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    match stem.as_deref() {
        Some("index" | "_index") => path
            .parent()
            .and_then(|p| p.file_name())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => stem.unwrap_or_default(),
    }
}

/// Every page under `dir`: `*/index.md` and `*.md`, sorted.
pub fn page_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            let index = path.join("index.md");
            if index.is_file() {
                out.push(index);
            }
        } else if path.extension().is_some_and(|x| x == "md") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Read one page. `Err` holds the notes when no event can be made (no readable time).
pub fn read_page(path: &Path, text: &str, zone: Tz) -> Result<Imported, Vec<Note>> {
    let split = front::split(text);
    let mut notes = Vec::new();
    let front: Front = match serde_yaml_ng::from_str::<Option<Front>>(split.yaml) {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => {
            let line = e
                .location()
                .map_or(split.yaml_line, |l| split.yaml_line + l.line() - 1);
            notes.push(Note::new(
                line,
                NoteKind::Unread,
                format!("front matter: {e}"),
            ));
            Front::default()
        }
    };
    let body = lines::lines(split.body, split.body_line);
    let mut reader = Reader {
        lines: body,
        front,
        split_yaml: split.yaml.to_string(),
        yaml_line: split.yaml_line,
        notes,
    };
    let event = reader.event(path, zone);
    let mut notes = reader.notes;
    for n in &mut notes {
        n.location.file = path.to_path_buf();
    }
    notes.sort_by_key(|n| n.location.line);
    match event {
        Some(event) => Ok(Imported { event, notes }),
        None => Err(notes),
    }
}

struct Reader {
    lines: Vec<Line>,
    front: Front,
    split_yaml: String,
    yaml_line: usize,
    notes: Vec<Note>,
}

/// Event-level facts gathered from labelled lines.
#[derive(Default)]
struct Facts {
    theme: Option<String>,
    place: Option<String>,
    venue: Option<String>,
    city: Option<String>,
    form: Option<(usize, String)>,
    registration: Option<String>,
    live: Vec<Link>,
    slides: Vec<Link>,
    replays: Vec<Link>,
    articles: Vec<Link>,
    projects: Vec<Link>,
    hosts: Vec<String>,
    organizers: Vec<String>,
    partners: Vec<String>,
    readings: Vec<Reading>,
}

fn push_link(list: &mut Vec<Link>, title: &str, url: &str) {
    if !list.iter().any(|l| l.url == url) {
        list.push(Link {
            title: title.to_string(),
            url: url.to_string(),
        });
    }
}

/// `B 站直播间地址` → `B 站直播`.
fn live_title(label: &str) -> String {
    let t = label.trim();
    let t = t
        .strip_suffix("地址")
        .or_else(|| t.strip_suffix("链接"))
        .unwrap_or(t);
    t.trim()
        .strip_suffix('间')
        .unwrap_or(t.trim())
        .trim()
        .to_string()
}

fn strip_title(title: &str) -> (String, EventStatus) {
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

fn same_words(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && !"-—–《》".contains(*c))
            .collect()
    };
    norm(a) == norm(b)
}

impl Reader {
    fn front_line(&self, key: &str) -> usize {
        let split = front::Split {
            yaml: &self.split_yaml,
            yaml_line: self.yaml_line,
            body: "",
            body_line: 0,
        };
        front::key_line(&split, key).unwrap_or(1)
    }

    fn event(&mut self, path: &Path, zone: Tz) -> Option<Event> {
        let found = talks::find(&self.lines);
        let mut facts = self.facts(&found.used);
        let (title, status) = strip_title(self.front.title.as_deref().unwrap_or_default());
        let title = if title.is_empty() {
            self.notes.push(Note::new(
                1,
                NoteKind::Unread,
                "no `title` in the front matter",
            ));
            facts.theme.clone().unwrap_or_default()
        } else {
            title
        };
        let zone = match self.front.timezone.as_deref().map(str::parse::<Tz>) {
            Some(Ok(z)) => z,
            Some(Err(_)) => {
                let line = self.front_line("timezone");
                self.notes.push(Note::new(
                    line,
                    NoteKind::Unread,
                    "front matter `timezone`: not an IANA zone",
                ));
                zone
            }
            None => zone,
        };
        let description = self
            .front
            .description
            .clone()
            .or(self.front.descripton.clone());
        if let Some(d) = &description {
            let w = read_when(d);
            if w.has_date() && w.has_time() {
                let key = if self.front.description.is_some() {
                    "description"
                } else {
                    "descripton"
                };
                facts.readings.push(Reading {
                    line: self.front_line(key),
                    text: d.clone(),
                    when: w,
                    primary: false,
                });
            }
        }
        let publish = front::date_text(&self.front.date).and_then(|d| {
            d.get(..10)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        });
        let (start, end) =
            schedule::resolve(&facts.readings, publish, &found.slots, &mut self.notes)?;
        let local = |t| match zone.from_local_datetime(&t) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => Some(t),
            chrono::LocalResult::None => None,
        };
        let (Some(start), Some(end)) = (local(start), local(end)) else {
            self.notes.push(Note::new(
                1,
                NoteKind::Unread,
                "the event time does not exist in its zone",
            ));
            return None;
        };
        let (series, number) = self.series(&title, &facts);
        self.other_episode(series.as_deref(), number, &found.used);
        let mut talks: Vec<Talk> = found.talks.iter().map(|(_, t)| t.clone()).collect();
        if talks.is_empty() {
            talks = self.talks_from_guests(&facts.slides);
        }
        self.single_talk(&mut talks, &title, &found.used);
        attach_links(&mut talks, &facts);
        if talks.is_empty() {
            self.no_talks();
        }
        let mut hosts = found.hosts.clone();
        for h in self.guest_hosts().into_iter().chain(facts.hosts.clone()) {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
        let format = self.format(&facts);
        let city = facts
            .city
            .clone()
            .or_else(|| fields::station_city(&title))
            .or_else(|| facts.theme.as_deref().and_then(fields::station_city))
            .or_else(|| facts.place.as_deref().and_then(fields::city_in))
            .or_else(|| {
                (format != EventFormat::Online)
                    .then(|| {
                        self.city_by_date((start.month(), start.day()), description.as_deref())
                    })
                    .flatten()
            });
        let venue = facts.venue.clone().or_else(|| {
            facts
                .place
                .as_deref()
                .map(fields::venue_of)
                .filter(|v| !v.is_empty())
        });
        let organizers = if facts.organizers.is_empty() {
            self.organizers(&title, &facts, description.as_deref())
        } else {
            facts.organizers.clone()
        };
        let mut contacts: Vec<Contact> = Vec::new();
        for line in &self.lines {
            fields::contacts(line, &mut contacts);
        }
        let (cover, extra) = self.cover();
        let series_name = series.clone();
        let tags = front::strings(&self.front.tags)
            .into_iter()
            .filter(|t| Some(t) != series_name.as_ref())
            .collect();
        Some(Event {
            id: page_id(path),
            title,
            series,
            number,
            status,
            start,
            end,
            format,
            city,
            venue,
            address: facts.place.clone(),
            registration: facts.registration.clone(),
            live: facts.live.clone(),
            cover,
            summary: self.summary(),
            hosts,
            organizers,
            partners: facts.partners.clone(),
            talks,
            slides: facts.slides.clone(),
            replays: facts.replays.clone(),
            articles: facts.articles.clone(),
            project_links: facts.projects.clone(),
            contacts,
            tags,
            targets: Vec::new(),
            extra,
            source: Some(path.to_path_buf()),
        })
    }

    /// Sections: the text of the last H1/H2 heading above each line.
    fn section_of(&self, i: usize) -> &str {
        self.lines[..=i]
            .iter()
            .rev()
            .find(|l| matches!(l.kind, Kind::Heading(1 | 2)))
            .map_or("", |l| l.text.as_str())
    }

    fn facts(&mut self, used: &[bool]) -> Facts {
        let mut f = Facts::default();
        let mut pending: Option<(Field, String)> = None;
        let mut register_next = false;
        let has_summary = self
            .lines
            .iter()
            .any(|l| matches!(l.kind, Kind::Heading(_)) && l.text.contains("概要"));
        for (i, &is_used) in used.iter().enumerate() {
            let line = self.lines[i].clone();
            let section = self.section_of(i).to_string();
            if let Some(note) = self.time_reading(i, &mut f) {
                self.notes.push(note);
            }
            if is_used || line.kind == Kind::Row {
                pending = None;
                continue;
            }
            if register_next {
                register_next = false;
                if let Some(u) = urls(&line).first() {
                    f.registration.get_or_insert(u.url.clone());
                    continue;
                }
            }
            if line.text.contains("即可报名")
                && (line.strong || matches!(line.kind, Kind::Heading(_)))
            {
                register_next = true;
            }
            if let Some(note) = unknown_field(&line, &section, has_summary) {
                self.notes.push(note);
            }
            if let Some((field, label, value)) = labelled(&line.text) {
                pending = None;
                self.field(&mut f, field, label, value, &line);
                if matches!(field, Field::Slides) {
                    pending = Some((field, label.to_string()));
                }
                continue;
            }
            if let Some((Field::Slides, label)) = &pending
                && only_links(&line)
            {
                let label = label.clone();
                for l in urls(&line) {
                    let title = if generic(&l.text, &l.url) {
                        label.clone()
                    } else {
                        l.text.clone()
                    };
                    push_link(&mut f.slides, &title, &l.url);
                }
                continue;
            }
            pending = None;
            if section.contains("概要") && only_links(&line) {
                for l in &line.links {
                    if l.text.contains("文章") {
                        push_link(&mut f.articles, &l.text, &l.url);
                    } else if ["回顾", "回放", "视频"].iter().any(|w| l.text.contains(w)) {
                        push_link(&mut f.replays, &l.text, &l.url);
                    }
                }
            }
            if ["直播回放", "活动回放", "视频回放"].contains(&section.trim())
                && line.kind != Kind::Heading(2)
            {
                for l in urls(&line) {
                    push_link(&mut f.replays, section.trim(), &l.url);
                }
            }
            if let Some((head, _)) = line
                .text
                .split_once("官方网站：")
                .or_else(|| line.text.split_once("官网："))
                && let Some(u) = urls(&line).first()
            {
                let name = head
                    .rsplit(['。', '，', '！'])
                    .next()
                    .unwrap_or(head)
                    .trim();
                let name = if line.text.contains("官方网站：") {
                    format!("{name} 官方网站")
                } else {
                    format!("{name} 官网")
                };
                push_link(&mut f.projects, name.trim(), &u.url);
            }
            if f.organizers.is_empty()
                && let Some(list) = fields::organizers_in(&line.text)
            {
                f.organizers = list;
            }
        }
        f
    }

    fn time_reading(&self, i: usize, f: &mut Facts) -> Option<Note> {
        let line = &self.lines[i];
        if matches!(line.kind, Kind::Row) {
            return None;
        }
        let (text, primary) = match labelled(&line.text) {
            Some((Field::Time | Field::Date, _, value)) => (value.to_string(), true),
            Some(_) => return None,
            None => (line.text.clone(), false),
        };
        let mut when = read_when(&text);
        let mut text = text;
        if when.has_date()
            && !when.has_time()
            && let Some(next) = self.lines.get(i + 1)
        {
            let next_text =
                labelled(&next.text).map_or(next.text.clone(), |(_, _, v)| v.to_string());
            let nw = read_when(&next_text);
            if nw.has_time() && !nw.has_date() {
                when.start = nw.start;
                when.end = nw.end;
                text = format!("{text} {next_text}");
            }
        }
        if !primary {
            // Running text states the event's time at its start: `6 月 27 日周四晚 7 点，将邀请…`.
            let head: String = text
                .split('。')
                .next()
                .unwrap_or("")
                .split('，')
                .take(2)
                .collect::<Vec<_>>()
                .join("，");
            let w = read_when(&head);
            if w.month_day != when.month_day || !w.has_time() {
                return None;
            }
            text = head;
        }
        if when.has_date() || when.has_time() {
            f.readings.push(Reading {
                line: line.line,
                text,
                when,
                primary,
            });
        } else if primary {
            return Some(Note::new(
                line.line,
                NoteKind::Unread,
                format!("`{}`: no date or time in it", line.text),
            ));
        }
        None
    }

    fn field(&mut self, f: &mut Facts, field: Field, label: &str, value: &str, line: &Line) {
        let links = urls(line);
        let first = links.first().map(|l| l.url.clone());
        match field {
            Field::Theme => {
                f.theme.get_or_insert(value.to_string());
            }
            Field::Place => {
                f.place.get_or_insert(value.to_string());
            }
            Field::Venue => {
                f.venue.get_or_insert(value.to_string());
            }
            Field::City => {
                f.city.get_or_insert(value.to_string());
            }
            Field::Form => {
                f.form.get_or_insert((line.line, value.to_string()));
            }
            Field::Register => {
                if let Some(u) = first {
                    f.registration.get_or_insert(u);
                }
            }
            Field::Live => {
                for l in &links {
                    push_link(&mut f.live, &live_title(label), &l.url);
                }
            }
            Field::Replay => {
                for l in &links {
                    push_link(&mut f.replays, label, &l.url);
                }
            }
            Field::Article => {
                for l in &links {
                    let title = if generic(&l.text, &l.url) {
                        label
                    } else {
                        l.text.as_str()
                    };
                    push_link(&mut f.articles, title, &l.url);
                }
            }
            Field::Project => {
                for l in &links {
                    let title = if generic(&l.text, &l.url) {
                        label
                    } else {
                        l.text.as_str()
                    };
                    push_link(&mut f.projects, title, &l.url);
                }
            }
            Field::Slides => {
                for l in &links {
                    let title = if generic(&l.text, &l.url) {
                        label
                    } else {
                        l.text.as_str()
                    };
                    push_link(&mut f.slides, title, &l.url);
                }
            }
            Field::Hosts => f.hosts.extend(fields::names(value)),
            Field::Organizers => f.organizers.extend(fields::names(value)),
            Field::Partners => f.partners.extend(fields::names(value)),
            Field::Time | Field::Date => {}
            Field::Bio | Field::Abstract | Field::Takeaways | Field::Outline => {}
        }
    }

    fn series(&self, title: &str, facts: &Facts) -> (Option<String>, Option<u32>) {
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
    fn other_episode(&mut self, series: Option<&str>, number: Option<u32>, used: &[bool]) {
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

    fn format(&mut self, facts: &Facts) -> EventFormat {
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
    fn city_by_date(&mut self, md: (u32, u32), description: Option<&str>) -> Option<String> {
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

    fn organizers(&self, title: &str, facts: &Facts, description: Option<&str>) -> Vec<String> {
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

    fn cover(&mut self) -> (Option<String>, BTreeMap<String, serde_json::Value>) {
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
    fn summary(&self) -> Option<String> {
        let i = self.lines.iter().position(|l| {
            matches!(l.kind, Kind::Heading(1 | 2))
                && matches!(l.text.trim(), "活动介绍" | "介绍" | "活动简介")
        })?;
        let paras: Vec<&str> = self.lines[i + 1..]
            .iter()
            .take_while(|l| !matches!(l.kind, Kind::Heading(_)) && !l.strong)
            .filter(|l| l.kind == Kind::Para && l.images.is_empty())
            .map(|l| l.text.as_str())
            .collect();
        (!paras.is_empty()).then(|| paras.join("\n\n"))
    }

    /// Items of a 嘉宾 section.
    fn guests(&self) -> Vec<(usize, String)> {
        (0..self.lines.len())
            .filter(|&i| {
                matches!(self.section_of(i).trim(), "嘉宾" | "分享嘉宾" | "活动嘉宾")
                    && matches!(self.lines[i].kind, Kind::Item { .. })
            })
            .map(|i| (self.lines[i].line, self.lines[i].text.clone()))
            .collect()
    }

    fn guest_hosts(&self) -> Vec<String> {
        self.guests()
            .into_iter()
            .filter(|(_, t)| t.trim_end().ends_with("主持人"))
            .map(|(_, t)| talks::host_name(&t))
            .collect()
    }

    /// No talk blocks, but a 嘉宾 list and as many titled slides: one talk per slide, in order.
    fn talks_from_guests(&mut self, slides: &[Link]) -> Vec<Talk> {
        let guests: Vec<(usize, String)> = self
            .guests()
            .into_iter()
            .filter(|(_, t)| !t.ends_with("主持人"))
            .collect();
        let titled: Vec<&Link> = slides
            .iter()
            .filter(|s| s.title.starts_with('《'))
            .collect();
        if guests.is_empty() || guests.len() != titled.len() {
            return Vec::new();
        }
        self.notes.push(Note::new(
            guests[0].0,
            NoteKind::Inferred,
            format!(
                "no talk blocks: {} talks from the slide titles and the 嘉宾 list, in order",
                guests.len()
            ),
        ));
        guests
            .iter()
            .zip(titled)
            .filter_map(|((_, g), s)| {
                let speaker = people::person(g)?.speaker();
                Some(Talk {
                    title: s
                        .title
                        .trim_start_matches('《')
                        .trim_end_matches('》')
                        .trim()
                        .to_string(),
                    speakers: vec![speaker],
                    slot: None,
                    r#abstract: None,
                    takeaways: Vec::new(),
                    outline: Vec::new(),
                    slides: Some(s.url.clone()),
                    replay: None,
                })
            })
            .collect()
    }

    /// A live stream with one talk: its title as the event title spells it, its abstract from
    /// the introduction that names it, its outline and takeaways from the event-level lists.
    fn single_talk(&mut self, talks: &mut [Talk], title: &str, used: &[bool]) {
        let [talk] = talks else { return };
        let candidates = [
            title
                .split_once('《')
                .and_then(|(_, r)| r.split_once('》'))
                .map(|(t, _)| t.to_string()),
            title.split_once('：').map(|(_, t)| t.to_string()),
        ];
        if let Some(better) = candidates
            .into_iter()
            .flatten()
            .find(|c| same_words(c, &talk.title))
        {
            talk.title = better.trim().to_string();
        }
        let mut i = 0;
        while i < self.lines.len() {
            let l = &self.lines[i];
            let heading = matches!(l.kind, Kind::Heading(3..)) || l.strong;
            let plain: String = l.text.chars().filter(|c| !c.is_whitespace()).collect();
            let names: String = talk.title.chars().filter(|c| !c.is_whitespace()).collect();
            if heading && !used[i] && plain.contains(&names) && talk.r#abstract.is_none() {
                let mut abstract_lines = Vec::new();
                let mut part = None;
                for next in &self.lines[i + 1..] {
                    if let Some(p) = fields::part_label(&next.text) {
                        part = Some(p);
                        continue;
                    }
                    if matches!(next.kind, Kind::Heading(_)) || next.strong {
                        break;
                    }
                    match part {
                        Some(Field::Outline)
                            if talk.outline.is_empty() || part == Some(Field::Outline) =>
                        {
                            if !talk.outline.contains(&next.text) {
                                talk.outline.push(next.text.clone());
                            }
                        }
                        Some(_) => {}
                        None => abstract_lines.push(next.text.clone()),
                    }
                }
                if !abstract_lines.is_empty() {
                    talk.r#abstract = Some(abstract_lines.join("\n\n"));
                }
            }
            if !used[i]
                && fields::part_label(&l.text) == Some(Field::Takeaways)
                && talk.takeaways.is_empty()
            {
                talk.takeaways = self.lines[i + 1..]
                    .iter()
                    .take_while(|n| matches!(n.kind, Kind::Item { .. }))
                    .map(|n| n.text.clone())
                    .collect();
            }
            if !used[i]
                && fields::part_label(&l.text) == Some(Field::Outline)
                && talk.outline.is_empty()
            {
                talk.outline = self.lines[i + 1..]
                    .iter()
                    .take_while(|n| matches!(n.kind, Kind::Item { .. }))
                    .map(|n| n.text.clone())
                    .collect();
            }
            i += 1;
        }
    }

    fn no_talks(&mut self) {
        let poster = self
            .lines
            .iter()
            .find(|l| !l.images.is_empty())
            .map(|l| l.line);
        let message = match poster {
            Some(line) => format!(
                "no talks on the page: the programme is only in images (first at line {line})"
            ),
            None => "no talks on the page".to_string(),
        };
        let line = poster.unwrap_or(1);
        self.notes.push(Note::new(line, NoteKind::Unread, message));
    }
}

/// A `label：value` item of the 概要 list (or of a page without one) whose label herald does
/// not know: listed, so nothing on the page is dropped silently.
fn unknown_field(line: &Line, section: &str, has_summary: bool) -> Option<Note> {
    let in_summary = if has_summary {
        section.contains("概要")
    } else {
        matches!(line.kind, Kind::Item { first: true, .. })
    };
    if !in_summary || labelled(&line.text).is_some() {
        return None;
    }
    let (label, value) = line.text.split_once('：')?;
    let label = label.trim();
    let short = (1..=10).contains(&label.chars().count())
        && !label.contains(['，', '。', '、', '！', '？']);
    (short && !value.trim().is_empty()).then(|| {
        Note::new(
            line.line,
            NoteKind::Unread,
            format!(
                "`{}`: no field herald knows as `{label}`; not imported",
                line.text
            ),
        )
    })
}

/// Talks get their slides and replays from the event's lists: the slide whose title matches
/// the talk's, or the only slide and replay of a one-talk event.
fn attach_links(talks: &mut [Talk], facts: &Facts) {
    let norm = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    if let [talk] = talks {
        if talk.slides.is_none() && facts.slides.len() == 1 {
            talk.slides = Some(facts.slides[0].url.clone());
        }
        if talk.replay.is_none() && facts.replays.len() == 1 {
            talk.replay = Some(facts.replays[0].url.clone());
        }
        return;
    }
    let mut taken: Vec<bool> = facts
        .slides
        .iter()
        .map(|s| {
            talks
                .iter()
                .any(|t| t.slides.as_deref() == Some(s.url.as_str()))
        })
        .collect();
    for talk in talks.iter_mut().filter(|t| t.slides.is_none()) {
        let best = facts
            .slides
            .iter()
            .enumerate()
            .filter(|(k, _)| !taken[*k])
            .map(|(k, s)| {
                (
                    k,
                    strsim::normalized_levenshtein(&norm(&s.title), &norm(&talk.title)),
                )
            })
            .filter(|(_, score)| *score >= 0.6)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((k, _)) = best {
            taken[k] = true;
            talk.slides = Some(facts.slides[k].url.clone());
        }
    }
}
