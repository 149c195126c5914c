//! The silent traps `check` warns about: valid input that will not do what its writer meant —
//! an event already over, a talk outside its event, a slot with seconds first, one that
//! never fires or one inside a target channel's quiet hours, a rule target that picks no
//! channel, a robot budget of 0 (read as 1) or above the platform's limit, a local time that happens
//! twice (a daylight-saving fold). Warnings fail `check` only with `--strict`.

use crate::daemon::Workspace;
use crate::model::{Event, EventStatus, Location, Platform, Problem, QuietHours, Rule, Slot, When};
use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One event's own traps that do not depend on today: talks outside it, times that happen
/// twice.
pub fn of_event(event: &Event) -> Vec<Problem> {
    let mut out = talks_outside(event);
    out.extend(local_times_twice(event));
    out
}

/// The traps of the rules and channels: `first_fold[i]` is the id of the first event for
/// which rule `i`'s slot falls at a local time that happens twice (see [`folds`]).
pub fn of_rules(ws: &Workspace, now: DateTime<Utc>, first_fold: &[Option<&str>]) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, rule) in ws.config.rules.iter().enumerate() {
        out.extend(slot_traps(
            ws,
            rule,
            now,
            first_fold.get(i).copied().flatten(),
        ));
        out.extend(targets_nothing(ws, rule));
    }
    out.extend(budgets(ws));
    out
}

/// When an event is over (a cancelled one never is), and what the warning then says: its
/// end has passed, so it is never planned — usually a typo in the year. Kept instead of the
/// warning, which is made (and its line looked up) only once `now` reaches `end`.
#[derive(Clone, Serialize, Deserialize)]
pub struct Over {
    end: DateTime<Utc>,
    start: String,
    file: PathBuf,
}

impl Over {
    pub fn at(&self, now: DateTime<Utc>) -> Option<Problem> {
        if self.end > now {
            return None;
        }
        Some(
            Problem::warning(
                located(&self.file, |line| key_of(line) == Some("start")),
                format!(
                    "field `start`: the event is already over ({}): nothing will be planned for it",
                    self.start
                ),
            )
            .with_hint(
                "a typo in the year? a past event only needs its record for history and export",
            ),
        )
    }
}

pub fn over(event: &Event) -> Option<Over> {
    (event.status != EventStatus::Cancelled).then(|| Over {
        end: event.end.to_utc(),
        start: event.start.format("%Y-%m-%d %H:%M %Z").to_string(),
        file: event_file(event).to_path_buf(),
    })
}

/// A talk whose time lies outside the event's (same-day events): an agenda from another
/// episode, or a wrong start/end.
fn talks_outside(event: &Event) -> Vec<Problem> {
    if event.all_day || event.start.date_naive() != event.end.date_naive() {
        return Vec::new();
    }
    let (from, to) = (event.start.time(), event.end.time());
    event
        .talks
        .iter()
        .filter_map(|talk| {
            let slot = talk.slot.as_ref()?;
            let end = slot.end.unwrap_or(slot.start);
            let outside = slot.start < from || (!event.open_end && end > to);
            outside.then(|| {
                let shown = match slot.end {
                    Some(e) => format!("{}-{}", slot.start.format("%H:%M"), e.format("%H:%M")),
                    None => slot.start.format("%H:%M").to_string(),
                };
                let range = if event.open_end {
                    format!("from {}", from.format("%H:%M"))
                } else {
                    format!("{}-{}", from.format("%H:%M"), to.format("%H:%M"))
                };
                Problem::warning(
                    line_with(event_file(event), &talk.title),
                    format!(
                        "talk `{}`: time {shown} is outside the event ({range})",
                        talk.title
                    ),
                )
                .with_hint("fix the talk's `time` or the event's `start`/`end`")
            })
        })
        .collect()
}

/// A local time in a daylight-saving fold happens twice; herald takes the earlier one.
fn local_times_twice(event: &Event) -> Vec<Problem> {
    let zone = event.start.timezone();
    [("start", event.start), ("end", event.end)]
        .into_iter()
        .filter(|(field, _)| *field == "start" || !event.open_end)
        .filter_map(|(field, t)| {
            let LocalResult::Ambiguous(first, second) = zone.from_local_datetime(&t.naive_local())
            else {
                return None;
            };
            Some(
                Problem::warning(
                    field_location(event, field),
                    format!(
                        "field `{field}`: {} happens twice in {zone} (daylight saving ends): herald takes {}, not {}",
                        t.naive_local().format("%Y-%m-%d %H:%M"),
                        first.format("%H:%M%:z"),
                        second.format("%H:%M%:z")
                    ),
                )
                .with_hint(format!(
                    "write the offset you mean, e.g. {field} = {}",
                    first.format("%Y-%m-%dT%H:%M:%S%:z")
                )),
            )
        })
        .collect()
}

fn slot_traps(
    ws: &Workspace,
    rule: &Rule,
    now: DateTime<Utc>,
    first_fold: Option<&str>,
) -> Vec<Problem> {
    let slot = match &rule.when {
        When::Event { slot: Some(s), .. } | When::Digest { slot: s, .. } => s,
        When::Event { slot: None, .. } => return Vec::new(),
    };
    let at = rule_location(ws, rule);
    let mut out = Vec::new();
    if slot
        .schedule
        .after(&now.with_timezone(&rule.zone))
        .next()
        .is_none()
    {
        out.push(
            Problem::warning(
                at.clone(),
                format!(
                    "rule `{}`: slot `{}` never fires (no such date after today)",
                    rule.name, slot.expr
                ),
            )
            .with_hint("e.g. `0 10 * * *` for 10:00 every day; day 30 of February does not exist"),
        );
        return out;
    }
    out.extend(seconds_first(rule, slot, at.clone()));
    out.extend(slot_in_quiet_hours(ws, rule, slot, now, &at));
    out.extend(first_fold.map(|id| slot_in_fold(rule, id, at)));
    out
}

/// How many of a slot's next firings are looked at for quiet hours (a daily slot: over a
/// year, so a slot that only fires on some days or months is met too).
const SLOT_FIRINGS_LOOKED_AT: usize = 400;

/// A slot that fires inside the quiet hours of a channel the rule targets: the message still
/// goes then (only late catch-ups and notices wait), which is rarely what was meant. One
/// warning per span of quiet hours, naming its channels.
fn slot_in_quiet_hours(
    ws: &Workspace,
    rule: &Rule,
    slot: &Slot,
    now: DateTime<Utc>,
    at: &Location,
) -> Vec<Problem> {
    let mut spans: Vec<(QuietHours, Vec<&str>)> = Vec::new();
    for ch in &ws.config.channels {
        let Some(quiet) = ch.quiet_hours else {
            continue;
        };
        if !rule.targets.iter().any(|t| ch.matches(t)) {
            continue;
        }
        match spans.iter_mut().find(|(q, _)| *q == quiet) {
            Some((_, names)) => names.push(&ch.name),
            None => spans.push((quiet, vec![&ch.name])),
        }
    }
    let firings: Vec<DateTime<Utc>> = slot
        .schedule
        .after(&now.with_timezone(&rule.zone))
        .take(SLOT_FIRINGS_LOOKED_AT)
        .map(|t| t.to_utc())
        .collect();
    spans
        .into_iter()
        .filter_map(|(quiet, names)| {
            let inside = firings.iter().find(|t| quiet.ends_after(**t).is_some())?;
            let local = inside.with_timezone(&quiet.zone);
            let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            Some(
                Problem::warning(
                    at.clone(),
                    format!(
                        "rule `{}`: slot `{}` fires at {} ({}), inside the quiet hours {quiet} of channel {}: its messages still go then (quiet hours hold back only late catch-ups and notices)",
                        rule.name,
                        slot.expr,
                        local.format("%H:%M"),
                        local.format("%Y-%m-%d %Z"),
                        names.join(", ")
                    ),
                )
                .with_hint("move the slot into the day, e.g. slot = \"0 10 * * *\", or change the channel's quiet_hours if night posts are meant"),
            )
        })
        .collect()
}

/// A 6- or 7-field slot counts seconds first: `0 10 * * * *` is minute 10 of every hour.
fn seconds_first(rule: &Rule, slot: &Slot, at: Location) -> Option<Problem> {
    let fields: Vec<&str> = slot.expr.split_whitespace().collect();
    if fields.len() < 6 {
        return None;
    }
    let day = rule.zone.with_ymd_and_hms(2030, 1, 7, 0, 0, 0).single()?;
    let fires: Vec<String> = slot
        .schedule
        .after(&day)
        .take_while(|t| t.date_naive() == day.date_naive())
        .take(4)
        .map(|t| t.format("%H:%M:%S").to_string())
        .collect();
    if fires.len() < 2 && fields[0] == "0" {
        return None;
    }
    let five = fields[1..6.min(fields.len())].join(" ");
    Some(
        Problem::warning(
            at,
            format!(
                "rule `{}`: slot `{}` has 6 fields, so the first is seconds: it fires at {}{} on a day, and a message goes at the first",
                rule.name,
                slot.expr,
                fires[..fires.len().min(3)].join(", "),
                if fires.len() > 3 { ", …" } else { "" }
            ),
        )
        .with_hint(format!(
            "5 fields are min hour day month weekday: `{}` for 10:00 every day",
            if fields[0] == "0" && fields[2] == "*" {
                "0 10 * * *".to_string()
            } else {
                five
            }
        )),
    )
}

/// The rules (by index) whose slot falls at a local time that happens twice for `event`.
pub fn folds(ws: &Workspace, event: &Event) -> Vec<usize> {
    let in_fold = |rule: &Rule| {
        crate::plan::schedule(rule, event).is_some_and(|(due, _)| {
            let local: NaiveDateTime = due.with_timezone(&rule.zone).naive_local();
            matches!(
                rule.zone.from_local_datetime(&local),
                LocalResult::Ambiguous(..)
            )
        })
    };
    let slotted = |rule: &Rule| {
        matches!(
            rule.when,
            When::Event { slot: Some(_), .. } | When::Digest { .. }
        )
    };
    (ws.config.rules.iter().enumerate())
        .filter(|(_, r)| slotted(r) && in_fold(r))
        .map(|(i, _)| i)
        .collect()
}

/// A slot that falls in a daylight-saving fold for some event fires at the first of the two.
fn slot_in_fold(rule: &Rule, event: &str, at: Location) -> Problem {
    Problem::warning(
        at,
        format!(
            "rule `{}`: for event `{event}` the slot falls at a local time that happens twice in {} (daylight saving ends); it goes at the first",
            rule.name, rule.zone
        ),
    )
}

/// A rule target that picks no channel (a typo in a name or tag): that rule sends nothing there.
fn targets_nothing(ws: &Workspace, rule: &Rule) -> Vec<Problem> {
    let channels = &ws.config.channels;
    if channels.is_empty() {
        return Vec::new(); // nothing to pick from: not a typo in a target
    }
    rule.targets
        .iter()
        .filter(|t| *t != "*" && !channels.iter().any(|c| c.matches(t)))
        .map(|t| {
            let what = match t.strip_prefix("tag:") {
                Some(tag) => super::super::suggest::unknown(
                    "channel tag",
                    tag,
                    channels
                        .iter()
                        .flat_map(|c| c.tags.iter().map(String::as_str)),
                ),
                None => super::super::suggest::unknown(
                    "channel",
                    t,
                    channels.iter().map(|c| c.name.as_str()),
                ),
            };
            Problem::warning(
                rule_location(ws, rule),
                format!(
                    "rule `{}`: target `{t}` picks no channel: {what}",
                    rule.name
                ),
            )
            .with_hint(
                "targets are channel names, `tag:NAME` or `*`, e.g. targets = [\"tag:sofa\"]",
            )
        })
        .collect()
}

/// A budget of 0 (read as 1) crawls; one above the platform's limit gets the robot throttled.
fn budgets(ws: &Workspace) -> Vec<Problem> {
    let mut out = Vec::new();
    for ch in &ws.config.channels {
        if ch.platform == Platform::Console {
            continue;
        }
        let at = || line_with_key(&ws.config.path, "name", &ch.name);
        let limit = ch.platform.default_per_minute();
        if ch.per_minute == 0 {
            out.push(
                Problem::warning(
                    at(),
                    format!(
                        "channel `{}`: field `per_minute` is 0, read as 1: a fan-out to this robot crawls",
                        ch.name
                    ),
                )
                .with_hint(format!(
                    "leave it out for the default, {limit} a minute ({}'s limit)",
                    ch.platform
                )),
            );
        } else if ch.per_minute > limit {
            out.push(
                Problem::warning(
                    at(),
                    format!(
                        "channel `{}`: field `per_minute` = {} is above {}'s limit of {limit} a minute: the robot will be throttled",
                        ch.name, ch.per_minute, ch.platform
                    ),
                )
                .with_hint(format!("per_minute = {limit}")),
            );
        }
        if ch.per_second == Some(0) {
            out.push(Problem::warning(
                at(),
                format!(
                    "channel `{}`: field `per_second` is 0, read as 1: leave it out for the default",
                    ch.name
                ),
            ));
        }
    }
    out
}

fn event_file(event: &Event) -> &Path {
    event.source.as_deref().unwrap_or(Path::new(""))
}

/// The line of `field = …` in an event's file (the file alone if it cannot be found).
pub fn field_location(event: &Event, field: &str) -> Location {
    located(event_file(event), |line| key_of(line) == Some(field))
}

/// The line of the `name = "VALUE"` entry (a channel or rule) in the config.
fn rule_location(ws: &Workspace, rule: &Rule) -> Location {
    line_with_key(&ws.config.path, "name", &rule.name)
}

fn line_with_key(file: &Path, key: &str, value: &str) -> Location {
    let quoted = format!("\"{value}\"");
    located(file, |line| {
        key_of(line) == Some(key) && line.contains(&quoted)
    })
}

fn line_with(file: &Path, needle: &str) -> Location {
    located(file, |line| line.contains(needle))
}

/// The key of a `key = value` TOML line.
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    Some(key.trim())
}

fn located(file: &Path, wanted: impl Fn(&str) -> bool) -> Location {
    let mut at = Location::file(file);
    if let Ok(text) = crate::input::read_text(file, None)
        && let Some(n) = text.lines().position(wanted)
    {
        at.line = n + 1;
    }
    at
}
