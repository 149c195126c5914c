//! The event-level facts of a page: labelled lines (`- 活动时间：…`, `**时间**：…`), their
//! links named by field, the statements of the time, and the 概要 items herald does not know.

use super::fields::{self, Field, generic, labelled, only_links, urls};
use super::lines::{Kind, Line};
use super::schedule::Reading;
use super::{Note, NoteKind, read_when};
use crate::model::Link;

/// Event-level facts gathered from labelled lines.
#[derive(Default)]
pub(super) struct Facts {
    pub(super) theme: Option<String>,
    pub(super) place: Option<String>,
    pub(super) venue: Option<String>,
    pub(super) city: Option<String>,
    pub(super) form: Option<(usize, String)>,
    pub(super) registration: Option<String>,
    pub(super) live: Vec<Link>,
    pub(super) slides: Vec<Link>,
    pub(super) replays: Vec<Link>,
    pub(super) articles: Vec<Link>,
    pub(super) projects: Vec<Link>,
    pub(super) hosts: Vec<String>,
    pub(super) organizers: Vec<String>,
    pub(super) partners: Vec<String>,
    pub(super) readings: Vec<Reading>,
}

pub(super) fn push_link(list: &mut Vec<Link>, title: &str, url: &str) {
    if !list.iter().any(|l| l.url == url) {
        list.push(Link {
            title: title.to_string(),
            url: url.to_string(),
        });
    }
}

/// `B 站直播间地址` → `B 站直播`.
pub(super) fn live_title(label: &str) -> String {
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

/// A `label：value` item of the 概要 list (or of a page without one) whose label herald does
/// not know: listed, so nothing on the page is dropped silently.
pub(super) fn unknown_field(line: &Line, section: &str, has_summary: bool) -> Option<Note> {
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

/// A line without a label: links in the 概要 list (回顾, 文章), a 直播回放 section, a
/// `… 官方网站：URL` sentence, an organizers sentence (`由 X 主办`).
fn loose_line(f: &mut Facts, line: &Line, section: &str) {
    if section.contains("概要") && only_links(line) {
        for l in &line.links {
            if l.text.contains("文章") {
                push_link(&mut f.articles, &l.text, &l.url);
            } else if ["回顾", "回放", "视频"].iter().any(|w| l.text.contains(w)) {
                push_link(&mut f.replays, &l.text, &l.url);
            }
        }
    }
    if ["直播回放", "活动回放", "视频回放"].contains(&section) && line.kind != Kind::Heading(2)
    {
        for l in urls(line) {
            push_link(&mut f.replays, section, &l.url);
        }
    }
    if let Some((head, _)) = line
        .text
        .split_once("官方网站：")
        .or_else(|| line.text.split_once("官网："))
        && let Some(u) = urls(line).first()
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

impl super::Reader {
    pub(super) fn facts(&mut self, used: &[bool]) -> Facts {
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
            loose_line(&mut f, &line, section.trim());
        }
        f
    }

    pub(super) fn time_reading(&self, i: usize, f: &mut Facts) -> Option<Note> {
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

    pub(super) fn field(
        &mut self,
        f: &mut Facts,
        field: Field,
        label: &str,
        value: &str,
        line: &Line,
    ) {
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
                    let title = if generic(&l.text, &l.url) {
                        live_title(label)
                    } else {
                        l.text.clone()
                    };
                    push_link(&mut f.live, &title, &l.url);
                }
            }
            Field::Replay => {
                // A label that names the place (`B 站直播回放`) names the link; a bare `回放`
                // leaves it to the link text.
                let bare = matches!(label.trim(), "回放" | "视频回放" | "回放地址");
                for l in &links {
                    let title = if bare && !generic(&l.text, &l.url) {
                        l.text.as_str()
                    } else {
                        label
                    };
                    push_link(&mut f.replays, title, &l.url);
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
}
