//! From every place a page states a time to one start and end: years from the front matter or
//! another line, weekdays checked against dates, two different dates reported with the one
//! chosen, the end from the agenda when the page gives only a start.

use super::talks::Slot;
use super::when::When;
use super::{Note, NoteKind};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

/// One statement of the event's time.
#[derive(Debug, Clone)]
pub struct Reading {
    pub line: usize,
    pub text: String,
    pub when: When,
    /// From a 活动时间/时间/日期 field (preferred over running text).
    pub primary: bool,
}

struct Dated {
    reading: Reading,
    date: NaiveDate,
    weekday_ok: bool,
    /// How the year was found, when the text has none.
    year_note: Option<Note>,
}

fn zh_weekday(w: Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][w.num_days_from_monday() as usize]
}

/// Start and end, or `None` (with an unread note) when the page states no usable time.
pub fn resolve(
    readings: &[Reading],
    publish: Option<NaiveDate>,
    slots: &[Slot],
    notes: &mut Vec<Note>,
) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let mut dated: Vec<Dated> = Vec::new();
    for r in readings
        .iter()
        .filter(|r| r.when.has_date() && r.when.has_time())
    {
        let mut year_notes = Vec::new();
        let date = date_of(r, readings, publish, &mut year_notes);
        let (unread, year_note): (Vec<Note>, Vec<Note>) = year_notes
            .into_iter()
            .partition(|n| n.kind == NoteKind::Unread);
        notes.extend(unread);
        if let Some(d) = date {
            let weekday_ok = r.when.weekday.is_none_or(|w| w == d.weekday());
            dated.push(Dated {
                reading: r.clone(),
                date: d,
                weekday_ok,
                year_note: year_note.into_iter().next(),
            });
        }
    }
    let Some(first) = dated
        .iter()
        .position(|d| d.reading.primary)
        .or((!dated.is_empty()).then_some(0))
    else {
        let line = readings.first().map_or(0, |r| r.line);
        notes.push(Note::new(
            line,
            NoteKind::Unread,
            "no event date and time on the page (活动时间 missing or unreadable)",
        ));
        return None;
    };
    let mut chosen = first;
    if !dated[first].weekday_ok
        && let Some(better) = dated.iter().position(|d| {
            d.weekday_ok && d.reading.when.weekday.is_some() && d.date != dated[first].date
        })
    {
        chosen = better;
    }
    report_conflicts(&dated, chosen, notes);
    let c = &dated[chosen];
    notes.extend(c.year_note.clone());
    let start = c.reading.when.start.expect("filtered on has_time");
    let end = c
        .reading
        .when
        .end
        .or_else(|| {
            dated
                .iter()
                .filter(|d| d.date == c.date && d.reading.when.start == Some(start))
                .find_map(|d| d.reading.when.end)
        })
        .or_else(|| agenda_end(start, slots, c.reading.line, notes));
    let end = match end {
        Some(e) => e,
        None => {
            notes.push(Note::new(
                c.reading.line,
                NoteKind::Unread,
                format!(
                    "`{}` gives no end time and there is no agenda: end set to the start",
                    c.reading.text
                ),
            ));
            start
        }
    };
    let start_at = c.date.and_time(start);
    let end_day = c
        .reading
        .when
        .end_date
        .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y.unwrap_or(c.date.year()), m, d))
        .filter(|d| *d >= c.date)
        .unwrap_or(c.date);
    let mut end_at = end_day.and_time(end);
    if end_at < start_at {
        end_at += chrono::Duration::days(1);
    }
    check_slots(slots, start, end, notes);
    Some((start_at, end_at))
}

fn date_of(
    r: &Reading,
    all: &[Reading],
    publish: Option<NaiveDate>,
    notes: &mut Vec<Note>,
) -> Option<NaiveDate> {
    let (m, d) = r.when.month_day?;
    let year = match r.when.year {
        Some(y) => y,
        None => {
            if let Some(other) = all
                .iter()
                .find(|o| o.when.month_day == Some((m, d)) && o.when.year.is_some())
            {
                other.when.year.expect("checked")
            } else if let Some(p) = publish {
                let mut y = p.year();
                if NaiveDate::from_ymd_opt(y, m, d).is_some_and(|t| (p - t).num_days() > 180) {
                    y += 1;
                }
                notes.push(Note::new(
                    r.line,
                    NoteKind::Inferred,
                    format!("`{}` has no year: {y} from the front-matter date", r.text),
                ));
                y
            } else {
                notes.push(Note::new(
                    r.line,
                    NoteKind::Unread,
                    format!(
                        "`{}` has no year and the page has no date to take it from",
                        r.text
                    ),
                ));
                return None;
            }
        }
    };
    let date = NaiveDate::from_ymd_opt(year, m, d);
    if date.is_none() {
        notes.push(Note::new(
            r.line,
            NoteKind::Unread,
            format!("`{}`: {year} 年 {m} 月 {d} 日 is not a date", r.text),
        ));
    }
    date
}

fn describe(d: &Dated) -> String {
    let wd = match d.reading.when.weekday {
        Some(w) if w != d.date.weekday() => format!(
            ", written {} but a {}",
            zh_weekday(w),
            zh_weekday(d.date.weekday())
        ),
        _ => String::new(),
    };
    format!(
        "line {} `{}` ({}{wd})",
        d.reading.line, d.reading.text, d.date
    )
}

fn report_conflicts(dated: &[Dated], chosen: usize, notes: &mut Vec<Note>) {
    let c = &dated[chosen];
    let mut seen = vec![c.date];
    for d in dated {
        if !seen.contains(&d.date) {
            seen.push(d.date);
            let (a, b) = if d.reading.line < c.reading.line {
                (d, c)
            } else {
                (c, d)
            };
            notes.push(Note::new(
                a.reading.line,
                NoteKind::Conflict,
                format!(
                    "two different dates: {} and {}; using {}",
                    describe(a),
                    describe(b),
                    c.date
                ),
            ));
        } else if d.date == c.date && d.reading.when.start != c.reading.when.start {
            notes.push(Note::new(
                d.reading.line,
                NoteKind::Conflict,
                format!(
                    "two different start times: {} and {}; using {}",
                    describe(c),
                    describe(d),
                    c.reading
                        .when
                        .start
                        .map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default()
                ),
            ));
        }
    }
    if !c.weekday_ok {
        notes.push(Note::new(
            c.reading.line,
            NoteKind::Conflict,
            format!("the weekday does not match the date: {}", describe(c)),
        ));
    }
}

fn agenda_end(
    start: NaiveTime,
    slots: &[Slot],
    line: usize,
    notes: &mut Vec<Note>,
) -> Option<NaiveTime> {
    let last = slots
        .iter()
        .filter_map(|s| Some((s.end?, s)))
        .filter(|(e, _)| *e > start)
        .max_by_key(|(e, _)| *e)?;
    notes.push(Note::new(
        line,
        NoteKind::Inferred,
        format!(
            "the end {} is the end of the last agenda slot (line {})",
            last.0.format("%H:%M"),
            last.1.line
        ),
    ));
    Some(last.0)
}

fn check_slots(slots: &[Slot], start: NaiveTime, end: NaiveTime, notes: &mut Vec<Note>) {
    let hour = chrono::Duration::hours(1);
    for s in slots {
        match s.end {
            Some(e) if e < s.start => notes.push(Note::new(
                s.line,
                NoteKind::Unread,
                format!("agenda slot `{}` ends before it starts", s.text),
            )),
            _ if s.start + hour < start || s.end.unwrap_or(s.start) > end + hour => {
                notes.push(Note::new(
                    s.line,
                    NoteKind::Conflict,
                    format!(
                        "agenda slot `{}` lies outside the event's time {}-{}: the agenda may belong to another episode",
                        s.text,
                        start.format("%H:%M"),
                        end.format("%H:%M")
                    ),
                ))
            }
            _ => {}
        }
    }
}
