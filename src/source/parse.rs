//! Validates one event record into a `model::Event`, collecting every problem with its location.

use super::hint::did_you_mean;
use super::raw::{RawEvent, RawLink, RawTalk, RawTime};
use crate::model::Zone;
use crate::model::{
    Contact, Event, EventDetails, Link, Location, Problem, Sparse, Speaker, Talk, TalkDetails,
    TalkSlot,
};
use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use std::path::Path;
use toml::Spanned;

/// Parse and validate one event file. `text` is its content; `path` is used for the id (file
/// stem) and in problem locations.
pub fn parse_event(path: &Path, text: &str, default_zone: Zone) -> Result<Event, Vec<Problem>> {
    let (raw, set_aside) = super::recover::read_all::<RawEvent>(path, text);
    let Some(raw) = raw else {
        return Err(set_aside);
    };
    // Keys that could not be read were set aside: still validate the rest, so one typo does
    // not hide the file's other problems.
    let checked = Validator {
        path,
        text,
        problems: Vec::new(),
    }
    .event(raw, default_zone);
    match (checked, set_aside.is_empty()) {
        (Ok(event), true) => Ok(event),
        (Ok(_), false) => Err(set_aside),
        (Err(more), _) => Err(set_aside.into_iter().chain(more).collect()),
    }
}

/// A problem for a TOML syntax or type error, with a did-you-mean hint for unknown keys.
pub fn toml_problem(path: &Path, text: &str, err: &toml::de::Error) -> Problem {
    let location = match err.span() {
        Some(span) => Location::at_offset(path, text, span.start),
        None => Location::file(path),
    };
    let message = err.message().trim().to_string();
    let hint = did_you_mean(&message);
    let problem = Problem::new(location, message);
    match hint {
        Some(h) => problem.with_hint(h),
        None => problem,
    }
}

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<Problem>,
}

/// The longest event title: it heads every part of a split message, so it must leave room
/// for content within the smallest part limit (WeCom's 4,096 bytes; a Chinese character is
/// 3 bytes).
pub const MAX_TITLE_CHARS: usize = 200;

impl Validator<'_> {
    fn event(mut self, raw: RawEvent, default_zone: Zone) -> Result<Event, Vec<Problem>> {
        let id = match &raw.id {
            Some(id) => self.id(id),
            None => self
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let title_chars = raw.title.get_ref().trim().chars().count();
        if title_chars == 0 {
            self.problem(
                raw.title.span().start,
                "field `title`: must not be empty",
                None,
            );
        } else if title_chars > MAX_TITLE_CHARS {
            self.problem(
                raw.title.span().start,
                format!(
                    "field `title`: {title_chars} characters; at most {MAX_TITLE_CHARS} (it heads every part of a message, which must fit the platforms' limits)"
                ),
                Some("put the details in `summary` or a talk's `abstract`"),
            );
        }
        let zone = raw
            .timezone
            .as_ref()
            .map_or(Some(default_zone), |z| self.zone(z));
        let all_day = date_only(raw.start.get_ref());
        let start = zone.and_then(|z| self.time(&raw.start, z, "start"));
        let end = match &raw.end {
            Some(end) if date_only(end.get_ref()) != all_day => {
                let why = if all_day {
                    "an all-day event (`start` is a date) ends on a date too"
                } else {
                    "is a date, but `start` has a time"
                };
                self.problem(
                    end.span().start,
                    format!("field `end`: {why}"),
                    Some("write both as dates (all day) or both with times"),
                );
                None
            }
            Some(end) => zone.and_then(|z| self.time(end, z, "end")),
            None => start,
        };
        if let (Some(s), Some(e), Some(raw_end)) = (start, end, &raw.end)
            && e < s
        {
            self.problem(
                raw_end.span().start,
                "field `end`: is before `start`",
                Some("end must be at or after start"),
            );
        }
        // All day, or without an end: the event runs until the end of its (last) day.
        let open_end = raw.end.is_none() && !all_day;
        let end = match (end, all_day || open_end) {
            (Some(e), true) => Some(next_midnight(e)),
            (e, _) => e,
        };
        let registration = self.opt_url(&raw.registration, "registration");
        // A cover may be relative to the community site (`/img/cover.jpg`, `[herald].site`).
        let cover = raw.cover.as_ref().and_then(|u| match u.get_ref().trim() {
            path if path.starts_with('/') && !path.starts_with("//") => Some(path.to_string()),
            _ => self.url(u, "cover"),
        });
        let live = self.links(&raw.live, "live");
        let slides = self.links(&raw.slides, "slides");
        let replays = self.links(&raw.replays, "replays");
        let articles = self.links(&raw.articles, "articles");
        let project_links = self.links(&raw.project_links, "project_links");
        let talks: Vec<Talk> = raw.talks.iter().map(|t| self.talk(t)).collect();
        let contacts = raw
            .contacts
            .into_iter()
            .map(|c| Contact {
                kind: c.kind,
                value: c.value,
                label: c.label,
            })
            .collect();
        let extra = raw
            .extra
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
                )
            })
            .collect();
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        let (Some(start), Some(end)) = (start, end) else {
            unreachable!("a missing time is always reported as a problem")
        };
        Ok(Event {
            id,
            title: clean(raw.title.into_inner()),
            status: raw.status,
            start,
            end,
            all_day,
            open_end,
            format: raw.format,
            city: raw.city,
            live,
            talks,
            details: Sparse::new(EventDetails {
                venue: raw.venue,
                address: raw.address,
                targets: raw.targets,
                series: raw.series,
                number: raw.number,
                registration,
                cover,
                summary: raw.summary,
                hosts: raw.hosts,
                organizers: raw.organizers,
                partners: raw.partners,
                slides,
                replays,
                articles,
                project_links,
                contacts,
                tags: raw.tags,
                extra,
            }),
            source: Some(self.path.to_path_buf()),
        })
    }

    fn problem(&mut self, offset: usize, message: impl Into<String>, hint: Option<&str>) {
        let mut p = Problem::new(Location::at_offset(self.path, self.text, offset), message);
        p.hint = hint.map(str::to_string);
        self.problems.push(p);
    }

    fn id(&mut self, id: &Spanned<String>) -> String {
        let ok = !id.get_ref().is_empty()
            && id
                .get_ref()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ok {
            self.problem(
                id.span().start,
                "field `id`: must be ASCII letters, digits, `-`, `_` or `.`",
                Some("ids are used in ledger keys and on the command line"),
            );
        }
        id.get_ref().clone()
    }

    fn zone(&mut self, zone: &Spanned<String>) -> Option<Zone> {
        match zone.get_ref().parse::<Zone>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                self.problem(
                    zone.span().start,
                    format!("field `timezone`: unknown zone `{}`", zone.get_ref()),
                    Some("use an IANA name such as `Asia/Shanghai`"),
                );
                None
            }
        }
    }

    fn time(&mut self, raw: &Spanned<RawTime>, zone: Zone, field: &str) -> Option<DateTime<Zone>> {
        match to_datetime(raw.get_ref(), zone) {
            Ok(t) => Some(t),
            Err(why) => {
                self.problem(raw.span().start, format!("field `{field}`: {why}"), Some("write e.g. 2021-09-11T13:30:00 (in the event's timezone) or with an offset"));
                None
            }
        }
    }

    fn url(&mut self, raw: &Spanned<String>, field: &str) -> Option<String> {
        match check_url(raw.get_ref()) {
            Ok(()) => Some(raw.get_ref().trim().to_string()),
            Err(why) => {
                self.problem(
                    raw.span().start,
                    format!("field `{field}`: {why}"),
                    Some("write a full http(s) URL"),
                );
                None
            }
        }
    }

    fn opt_url(&mut self, raw: &Option<Spanned<String>>, field: &str) -> Option<String> {
        raw.as_ref().and_then(|u| self.url(u, field))
    }

    fn links(&mut self, raw: &[RawLink], field: &str) -> Vec<Link> {
        // Sized to the record: `filter_map` would leave room for four links (kept for as long
        // as the daemon runs).
        let mut links = Vec::with_capacity(raw.len());
        for l in raw {
            if let Some(url) = self.url(&l.url, field) {
                links.push(Link {
                    title: clean(l.title.clone()),
                    url,
                });
            }
        }
        links
    }

    fn talk(&mut self, raw: &RawTalk) -> Talk {
        let slot = raw
            .time
            .as_ref()
            .and_then(|t| match parse_slot(t.get_ref()) {
                Some(slot) => Some(slot),
                None => {
                    self.problem(
                        t.span().start,
                        format!("field `talks.time`: cannot read `{}`", t.get_ref()),
                        Some("write HH:MM or HH:MM-HH:MM"),
                    );
                    None
                }
            });
        Talk {
            title: clean(raw.title.clone()),
            speakers: raw
                .speakers
                .iter()
                .map(|s| {
                    Speaker::new(
                        clean(s.name.clone()),
                        s.alias.clone(),
                        s.role.clone(),
                        s.bio.clone(),
                    )
                })
                .collect(),
            slot,
            details: Sparse::new(TalkDetails {
                slides: self.opt_url(&raw.slides, "talks.slides"),
                r#abstract: raw.r#abstract.clone(),
                takeaways: raw.takeaways.clone(),
                outline: raw.outline.clone(),
                replay: self.opt_url(&raw.replay, "talks.replay"),
            }),
        }
    }
}

/// Titles from real pages carry non-breaking and zero-width spaces; normalise them.
fn clean(s: String) -> String {
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}'))
        .map(|c| {
            if c == '\u{a0}' || c == '\u{3000}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    s.trim().to_string()
}

fn check_url(s: &str) -> Result<(), String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("bad URL `{s}`: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(()),
        other => Err(format!("bad URL `{s}`: scheme `{other}` is not http(s)")),
    }
}

/// `2025-04-26`: a date without a time (an all-day event).
fn date_only(raw: &RawTime) -> bool {
    match raw {
        RawTime::Toml(dt) => dt.date.is_some() && dt.time.is_none(),
        RawTime::Text(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").is_ok(),
    }
}

/// The first instant of the day after `t`'s, in its zone.
fn next_midnight(t: DateTime<Zone>) -> DateTime<Zone> {
    let zone = t.timezone();
    let day = t.date_naive().succ_opt().unwrap_or(t.date_naive());
    first_instant(zone, day).unwrap_or(t)
}

/// The first instant of `day` in `zone` (midnight, or the end of a daylight-saving gap).
fn first_instant(zone: Zone, day: NaiveDate) -> Option<DateTime<Zone>> {
    (0..=3).find_map(|h| {
        zone.from_local_datetime(&day.and_hms_opt(h, 0, 0)?)
            .earliest()
    })
}

fn to_datetime(raw: &RawTime, zone: Zone) -> Result<DateTime<Zone>, String> {
    if let RawTime::Toml(dt) = raw
        && let Some(t) = from_toml(dt, zone)
    {
        return Ok(t);
    }
    if date_only(raw) {
        let text = match raw {
            RawTime::Toml(dt) => dt.to_string(),
            RawTime::Text(s) => s.trim().to_string(),
        };
        let day = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|e| format!("cannot read `{text}` as a date: {e}"))?;
        return first_instant(zone, day).ok_or_else(|| format!("`{text}` has no start in {zone}"));
    }
    let text = match raw {
        RawTime::Toml(dt) => {
            if dt.date.is_none() || dt.time.is_none() {
                return Err(format!("`{dt}` needs a date"));
            }
            dt.to_string()
        }
        RawTime::Text(s) => s.trim().to_string(),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(&text) {
        return Ok(t.with_timezone(&zone));
    }
    let local = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
    .ok_or_else(|| format!("cannot read `{text}` as a date and time"))?;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t),
        LocalResult::Ambiguous(first, _) => Ok(first),
        LocalResult::None => Err(format!(
            "`{text}` does not exist in {zone} (a daylight-saving gap)"
        )),
    }
}

/// A TOML datetime with a date and a time, read from its parts (formatting it and reading
/// the text back was a tenth of parsing an event file). `None` for anything else — a date
/// alone, a leap second, a local time in a daylight-saving gap — which the text path reads
/// or words the problem of.
fn from_toml(dt: &toml::value::Datetime, zone: Zone) -> Option<DateTime<Zone>> {
    let (d, t) = (dt.date?, dt.time?);
    let date = NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())?;
    let time = NaiveTime::from_hms_nano_opt(
        t.hour.into(),
        t.minute.into(),
        t.second.into(),
        t.nanosecond,
    )?;
    let local = date.and_time(time);
    match dt.offset {
        Some(offset) => {
            let minutes = match offset {
                toml::value::Offset::Z => 0,
                toml::value::Offset::Custom { minutes } => i32::from(minutes),
            };
            let fixed = FixedOffset::east_opt(minutes * 60)?;
            Some(
                fixed
                    .from_local_datetime(&local)
                    .single()?
                    .with_timezone(&zone),
            )
        }
        None => match zone.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t),
            LocalResult::None => None,
        },
    }
}

fn parse_slot(s: &str) -> Option<TalkSlot> {
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
    match s.split_once(['-', '–']) {
        Some((a, b)) => Some(TalkSlot {
            start: time(a)?,
            end: Some(time(b)?),
        }),
        None => Some(TalkSlot {
            start: time(s)?,
            end: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Zone;
    const SHANGHAI: Zone = Zone::SHANGHAI;

    const MINIMAL: &str = "title = \"T\"\nstart = 2021-09-11T13:30:00\nend = 2021-09-11T17:00:00\n";

    fn parse(text: &str) -> Result<Event, Vec<Problem>> {
        parse_event(Path::new("events/x.toml"), text, SHANGHAI)
    }

    #[test]
    fn all_day_and_open_ended_events() {
        let all_day = "title = \"T\"\nstart = 2025-04-26\n";
        let e = parse_event(Path::new("events/x.toml"), all_day, SHANGHAI).unwrap();
        assert!(e.all_day && !e.open_end);
        assert_eq!(e.start.to_rfc3339(), "2025-04-26T00:00:00+08:00");
        assert_eq!(e.end.to_rfc3339(), "2025-04-27T00:00:00+08:00");
        let two_days = "title = \"T\"\nstart = 2025-04-26\nend = \"2025-04-27\"\n";
        let e = parse_event(Path::new("events/x.toml"), two_days, SHANGHAI).unwrap();
        assert_eq!(e.end.to_rfc3339(), "2025-04-28T00:00:00+08:00");
        let open = "title = \"T\"\nstart = 2025-04-26T19:00:00\n";
        let e = parse_event(Path::new("events/x.toml"), open, SHANGHAI).unwrap();
        assert!(e.open_end && !e.all_day);
        assert_eq!(e.end.to_rfc3339(), "2025-04-27T00:00:00+08:00");
        let mixed = "title = \"T\"\nstart = 2025-04-26\nend = 2025-04-26T18:00:00\n";
        let errs = parse_event(Path::new("events/x.toml"), mixed, SHANGHAI).unwrap_err();
        assert!(
            errs[0]
                .to_string()
                .starts_with("events/x.toml:3:7: field `end`: an all-day event"),
            "{errs:?}"
        );
    }

    #[test]
    fn local_times_are_read_in_the_event_zone() {
        let e = parse(MINIMAL).unwrap();
        assert_eq!(e.id, "x");
        assert_eq!(e.start.to_rfc3339(), "2021-09-11T13:30:00+08:00");
        let e = parse(&format!("{MINIMAL}timezone = \"Europe/Berlin\"\n")).unwrap();
        assert_eq!(e.start.to_rfc3339(), "2021-09-11T13:30:00+02:00");
    }

    #[test]
    fn unknown_field_is_located_with_a_hint() {
        let errs = parse(&format!("{MINIMAL}venu = \"x\"\n")).unwrap_err();
        assert_eq!(errs.len(), 1);
        let shown = errs[0].to_string();
        assert!(
            shown.starts_with("events/x.toml:4:1: unknown field `venu`"),
            "{shown}"
        );
        assert!(shown.contains("did you mean `venue`?"), "{shown}");
    }

    #[test]
    fn every_semantic_problem_is_reported() {
        let text = "title = \"T\"\nstart = 2021-09-11T13:30:00\nend = 2021-09-11T12:00:00\nregistration = \"not a url\"\ncover = \"cover.jpg\"\n";
        let errs = parse(text).unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(
            shown[0].starts_with("events/x.toml:3:7: field `end`: is before `start`"),
            "{shown:?}"
        );
        assert!(
            shown[1].starts_with("events/x.toml:4:16: field `registration`: bad URL"),
            "{shown:?}"
        );
        assert!(shown[2].contains("field `cover`"), "{shown:?}");
    }

    #[test]
    fn unknown_zone_and_dst_gap_are_errors() {
        let errs = parse(&format!("{MINIMAL}timezone = \"Asia/Chengdu\"\n")).unwrap_err();
        assert!(errs[0].to_string().contains("unknown zone `Asia/Chengdu`"));
        let gap = "title = \"T\"\nstart = 2021-03-28T02:30:00\nend = 2021-03-28T05:00:00\ntimezone = \"Europe/Berlin\"\n";
        let errs = parse(gap).unwrap_err();
        assert!(
            errs[0].to_string().contains("daylight-saving gap"),
            "{:?}",
            errs
        );
    }

    #[test]
    fn wrong_type_is_located() {
        let errs = parse(&format!("{MINIMAL}number = \"eight\"\n")).unwrap_err();
        assert!(
            errs[0].to_string().starts_with("events/x.toml:4:10:"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn toml_datetimes_read_from_their_parts_as_from_their_text() {
        for (value, zone) in [
            ("2026-12-26T01:48:08.127+00:00", "Asia/Shanghai"),
            ("2026-12-26T01:48:08Z", "Europe/Berlin"),
            ("2021-03-28T04:30:00.000000001+05:45", "Europe/Berlin"),
            ("2021-09-11T13:30:00", "Asia/Shanghai"),
            ("2021-10-31T02:30:00", "Europe/Berlin"),
            ("1999-12-31 23:59:59.5", "America/New_York"),
        ] {
            let dt: toml::value::Datetime = value.parse().unwrap();
            let zone: Zone = zone.parse().unwrap();
            let direct = from_toml(&dt, zone).expect("read from parts");
            let text = RawTime::Text(dt.to_string());
            assert_eq!(Ok(direct), to_datetime(&text, zone), "{value}");
        }
        // Left to the text path, which words the problem.
        let gap: toml::value::Datetime = "2021-03-28T02:30:00".parse().unwrap();
        assert_eq!(from_toml(&gap, "Europe/Berlin".parse().unwrap()), None);
        let date: toml::value::Datetime = "2021-03-28".parse().unwrap();
        assert_eq!(from_toml(&date, SHANGHAI), None);
    }

    #[test]
    fn a_start_of_the_wrong_type_says_what_it_wants() {
        let errs = parse("title = \"T\"\nstart = 5\n").unwrap_err();
        let shown = errs[0].to_string();
        assert!(shown.starts_with("events/x.toml:2:9:"), "{shown}");
        assert!(shown.contains("expected a date and time"), "{shown}");
    }

    #[test]
    fn talk_slots_and_invisible_spaces() {
        let text =
            format!("{MINIMAL}[[talks]]\ntitle = \"\u{200b}A\u{a0}B \"\ntime = \"13:30-14:10\"\n");
        let e = parse(&text).unwrap();
        assert_eq!(e.talks[0].title, "A B");
        assert_eq!(
            e.talks[0].slot.unwrap().end.unwrap().to_string(),
            "14:10:00"
        );
    }
}
