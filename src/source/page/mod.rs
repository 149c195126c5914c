//! Activity pages of a Hugo site (`content/zh/activities/<dir>/index.md`) → event records,
//! with a located note for everything that could not be read, every contradiction (both
//! readings and the one chosen) and every fact inferred rather than stated.

mod diff;
mod facts;
mod fields;
mod front;
mod lines;
mod naming;
mod people;
mod program;
mod schedule;
mod talks;
mod when;

pub use diff::differences;
pub use when::{When, read as read_when};

use crate::model::Zone;
use crate::model::{Contact, Event, EventDetails, Location, Sparse, Talk};
use chrono::{NaiveDate, TimeZone};
use facts::Facts;
use front::Front;
use lines::{Kind, Line};
use naming::strip_title;
use program::attach_links;
use schedule::Reading;
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

/// Every page under `dir`: `*/index.md` and `*.md` (not Hugo's `_index.md` list pages), sorted.
pub fn page_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            let index = path.join("index.md");
            if index.is_file() {
                out.push(index);
            }
        } else if path.extension().is_some_and(|x| x == "md")
            && !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Read one page. `Err` holds the notes when no event can be made (no readable time).
pub fn read_page(path: &Path, text: &str, zone: Zone) -> Result<Imported, Vec<Note>> {
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

    /// The front matter's `timezone`, else the given default.
    fn zone(&mut self, default: Zone) -> Zone {
        match self.front.timezone.as_deref().map(str::parse::<Zone>) {
            Some(Ok(z)) => z,
            Some(Err(_)) => {
                let line = self.front_line("timezone");
                self.notes.push(Note::new(
                    line,
                    NoteKind::Unread,
                    "front matter `timezone`: not an IANA zone",
                ));
                default
            }
            None => default,
        }
    }

    /// Start and end from every statement of the time (fields, text, description, agenda).
    fn times(
        &mut self,
        facts: &mut Facts,
        slots: &[talks::Slot],
        zone: Zone,
    ) -> Option<(chrono::DateTime<Zone>, chrono::DateTime<Zone>)> {
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
        let (start, end) = schedule::resolve(&facts.readings, publish, slots, &mut self.notes)?;
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
        Some((start, end))
    }
    /// The talks (with slides and replays attached) and the hosts.
    fn program(
        &mut self,
        found: &talks::Found,
        facts: &Facts,
        title: &str,
    ) -> (Vec<Talk>, Vec<String>) {
        let mut talks: Vec<Talk> = found.talks.iter().map(|(_, t)| t.clone()).collect();
        if talks.is_empty() {
            talks = self.talks_from_guests(&facts.slides);
        }
        self.single_talk(&mut talks, title, &found.used);
        attach_links(&mut talks, facts);
        if talks.is_empty() {
            self.no_talks();
        }
        let mut hosts = found.hosts.clone();
        for h in self.guest_hosts().into_iter().chain(facts.hosts.clone()) {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
        (talks, hosts)
    }

    /// Group numbers, official accounts and e-mail anywhere; in the contacts footer
    /// (了解更多…), any other `label：value` line as a contact of kind `other`.
    fn contacts(&self) -> Vec<Contact> {
        let mut contacts: Vec<Contact> = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let before = contacts.len();
            fields::contacts(line, &mut contacts);
            let footer = self.section_of(i).contains("了解更多");
            if footer
                && contacts.len() == before
                && !matches!(line.kind, Kind::Heading(_))
                && let Some((label, value)) = line.text.split_once('：')
                && !value.trim().is_empty()
                && label.chars().count() <= 12
            {
                let label = label.trim();
                contacts.push(Contact {
                    kind: crate::model::ContactKind::Other,
                    value: value.trim().to_string(),
                    label: (label != "联系方式").then(|| label.to_string()),
                });
            }
        }
        contacts
    }

    fn event(&mut self, path: &Path, zone: Zone) -> Option<Event> {
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
        let zone = self.zone(zone);
        let description = self
            .front
            .description
            .clone()
            .or(self.front.descripton.clone());
        let (start, end) = self.times(&mut facts, &found.slots, zone)?;
        let (series, number) = self.series(&title, &facts);
        self.other_episode(series.as_deref(), number, &found.used);
        let (talks, hosts) = self.program(&found, &facts, &title);
        let format = self.format(&facts);
        let city = self.city(
            &title,
            &facts,
            format,
            start.date_naive(),
            description.as_deref(),
        );
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
        let contacts = self.contacts();
        let (cover, extra) = self.cover();
        let series_name = series.clone();
        let tags = front::strings(&self.front.tags)
            .into_iter()
            .filter(|t| Some(t) != series_name.as_ref())
            .collect();
        Some(Event {
            id: page_id(path),
            title,
            status,
            start,
            end,
            all_day: false,
            open_end: false,
            format,
            city,
            live: facts.live.clone(),
            talks,
            details: Sparse::new(EventDetails {
                venue,
                address: facts.place.clone(),
                targets: Vec::new(),
                series,
                number,
                registration: facts.registration.clone(),
                cover,
                summary: self.summary(),
                hosts,
                organizers,
                partners: facts.partners.clone(),
                slides: facts.slides.clone(),
                replays: facts.replays.clone(),
                articles: facts.articles.clone(),
                project_links: facts.projects.clone(),
                contacts,
                tags,
                extra,
            }),
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
}
