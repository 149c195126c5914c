//! Validates `[[rules]]` into `model::Rule`s, and the built-in rules used when none are given.

use super::Checker;
use super::duration::parse_duration;
use super::raw::RawRule;
use crate::model::Zone;
use crate::model::{Anchor, Deadline, DeadlineAnchor, EventFormat, MessageKind, Rule, Slot, When};
use chrono::TimeDelta;
use std::str::FromStr;
use toml::Spanned;

/// Parse a cron slot: the `cron` crate's 6/7-field form, or the usual 5-field form (whose
/// weekday numbers are the usual ones: 0 or 7 is Sunday, 1 Monday).
pub fn parse_slot(expr: &str) -> Result<Slot, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let full = match fields.len() {
        5 => format!(
            "0 {} {}",
            fields[..4].join(" "),
            weekday_names(fields[4]).map_err(|e| format!("bad cron expression `{expr}`: {e}"))?
        ),
        6 | 7 => expr.to_string(),
        n => {
            return Err(format!(
                "`{expr}` has {n} fields; write 5 (min hour day month weekday) or 6-7 (with seconds)"
            ));
        }
    };
    let schedule = cron::Schedule::from_str(&full).map_err(|e| {
        // Point at the field the user wrote, not at the expanded 6-field expression.
        let culprit = (fields.len() == 5).then(|| bad_field(&fields)).flatten();
        match culprit {
            Some(why) => {
                format!("bad cron expression `{expr}`: {why}; e.g. `0 10 * * *` is 10:00 every day")
            }
            None => {
                format!("bad cron expression `{expr}`: {e}; e.g. `0 10 * * *` is 10:00 every day")
            }
        }
    })?;
    Ok(Slot {
        expr: expr.to_string(),
        schedule,
    })
}

/// The names and ranges of the usual five fields.
const FIELDS: [(&str, &str); 5] = [
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day of month", "1-31"),
    ("month", "1-12 or JAN-DEC"),
    ("day of week", "0-7 or SUN-SAT"),
];

/// Which of the five fields the `cron` crate refuses, tried one at a time.
fn bad_field(fields: &[&str]) -> Option<String> {
    (0..4).find_map(|i| {
        let mut probe = ["0", "*", "*", "*", "*", "*"];
        probe[i + 1] = fields[i];
        cron::Schedule::from_str(&probe.join(" ")).err().map(|_| {
            let (name, range) = FIELDS[i];
            format!("the {name} field `{}` is not {range}", fields[i])
        })
    })
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A 5-field cron weekday field (`1-5`, `0,6`, `*/2`, `MON-FRI`, `7`) as the day names the
/// `cron` crate reads the same way (it numbers weekdays 1-7 from Sunday, unlike usual cron).
fn weekday_names(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok(field.to_string());
    }
    let day = |t: &str| -> Result<usize, String> {
        if let Ok(n) = t.parse::<usize>() {
            return if n <= 7 {
                Ok(n % 7)
            } else {
                Err(format!("weekday {n} is not 0-7"))
            };
        }
        WEEKDAYS
            .iter()
            .position(|d| d.eq_ignore_ascii_case(t))
            .ok_or_else(|| format!("`{t}` is not a weekday (0-7 or SUN-SAT)"))
    };
    let mut days = [false; 7];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<usize>()
                    .map_err(|_| format!("bad step in `{item}`"))?,
            ),
            None => (item, 1),
        };
        if step == 0 {
            return Err(format!("bad step in `{item}`"));
        }
        let (from, to) = match range.split_once('-') {
            _ if range == "*" => (0, 6),
            Some((a, b)) => (day(a)?, if b == "7" { 7 } else { day(b)? }),
            None if step > 1 => (day(range)?, 6),
            None => (day(range)?, day(range)?),
        };
        if from > to {
            return Err(format!("weekday range `{range}` runs backwards"));
        }
        for d in (from..=to).step_by(step) {
            days[d % 7] = true;
        }
    }
    let names: Vec<&str> = (0..7).filter(|&d| days[d]).map(|d| WEEKDAYS[d]).collect();
    Ok(names.join(","))
}

/// Parse `start`, `end` or `due`, optionally followed by a signed duration (`start+30m`).
pub fn parse_deadline(text: &str) -> Result<Deadline, String> {
    let s = text.trim();
    let split = s.find(['+', '-']).unwrap_or(s.len());
    let anchor = match &s[..split] {
        "start" => DeadlineAnchor::Start,
        "end" => DeadlineAnchor::End,
        "due" => DeadlineAnchor::Due,
        other => {
            return Err(format!(
                "deadline anchor `{other}` is not start, end or due"
            ));
        }
    };
    let offset = if split == s.len() {
        TimeDelta::zero()
    } else {
        parse_duration(&s[split..])?
    };
    Ok(Deadline { anchor, offset })
}

fn default_deadline(kind: MessageKind) -> Deadline {
    let (anchor, offset) = match kind {
        MessageKind::Recap => (DeadlineAnchor::End, TimeDelta::days(30)),
        MessageKind::Digest => (DeadlineAnchor::Due, TimeDelta::hours(12)),
        _ => (DeadlineAnchor::Start, TimeDelta::zero()),
    };
    Deadline { anchor, offset }
}

/// Whether a rule can never go out before its deadline, whatever the event (the end is never
/// before the start). Slotted rules depend on the calendar, so only exact offsets are judged.
fn never_before_deadline(when: &When, deadline: Deadline) -> bool {
    use DeadlineAnchor as D;
    if deadline.anchor == D::Due {
        return deadline.offset <= TimeDelta::zero();
    }
    let When::Event {
        anchor,
        offset,
        slot: None,
        ..
    } = when
    else {
        return false;
    };
    match (anchor, deadline.anchor) {
        (Anchor::Start, D::Start) | (Anchor::End, D::End) | (Anchor::End, D::Start) => {
            *offset >= deadline.offset
        }
        _ => false,
    }
}

impl Checker<'_> {
    pub(super) fn rule(&mut self, raw: &RawRule, zone: Zone) -> Option<Rule> {
        // Every field is read before any problem ends the rule: each is reported.
        let kind = self.parsed(&raw.kind, "rules.kind", MessageKind::from_str);
        let zone = match &raw.timezone {
            Some(z) => self.parsed(z, "rules.timezone", |s| {
                s.parse::<Zone>().map_err(|_| format!("unknown zone `{s}`"))
            }),
            None => Some(zone),
        };
        let slot = raw
            .slot
            .as_ref()
            .and_then(|s| self.parsed(s, "rules.slot", parse_slot));
        let deadline = match &raw.deadline {
            Some(d) => self.parsed(d, "rules.deadline", parse_deadline),
            None => kind.map(default_deadline),
        };
        let anchor = match raw.anchor.as_ref() {
            Some(a) => self.parsed(a, "rules.anchor", |s| match s {
                "start" => Ok(Anchor::Start),
                "end" => Ok(Anchor::End),
                other => Err(format!("anchor `{other}` is not start or end")),
            }),
            None => Some(Anchor::Start),
        };
        let offset = self.duration(raw.offset.as_ref(), "rules.offset", TimeDelta::zero());
        let require_slides = match &raw.require_slides {
            Some(d) => self
                .parsed(d, "rules.require_slides", parse_duration)
                .map(Some),
            None => Some(None),
        };
        let window = self.duration(raw.window.as_ref(), "rules.window", TimeDelta::days(7));
        let (kind, zone, deadline) = (kind?, zone?, deadline?);
        let when = if kind == MessageKind::Digest {
            let Some(slot) = slot else {
                self.at(
                    raw.name.span().start,
                    "rule: a digest rule needs a `slot`",
                    Some("e.g. slot = \"0 9 * * MON\""),
                );
                return None;
            };
            When::Digest {
                slot,
                window: window?,
            }
        } else {
            When::Event {
                anchor: anchor?,
                offset: offset?,
                slot,
                require_slides: require_slides?,
            }
        };
        if never_before_deadline(&when, deadline) {
            let at = raw.deadline.as_ref().map_or(raw.name.span(), |d| d.span());
            self.at(
                at.start,
                format!(
                    "rule `{}`: it falls due at or after its deadline, so it would always be recorded as missed",
                    raw.name.get_ref()
                ),
                Some("give it a later `deadline`, e.g. deadline = \"start+30m\""),
            );
            return None;
        }
        Some(Rule {
            name: raw.name.get_ref().clone(),
            kind,
            when,
            deadline,
            targets: if raw.targets.is_empty() {
                vec!["*".to_string()]
            } else {
                raw.targets.clone()
            },
            formats: raw.formats.clone(),
            zone,
        })
    }

    fn duration(
        &mut self,
        raw: Option<&Spanned<String>>,
        field: &str,
        default: TimeDelta,
    ) -> Option<TimeDelta> {
        match raw {
            Some(d) => self.parsed(d, field, parse_duration),
            None => Some(default),
        }
    }
}

/// The rules used when the config gives none: announce a week before at 10:00, remind the day
/// before at 10:00 and an hour before, post the live link at the start of online events, and a
/// recap the day after at 10:00 once slides exist (at the latest a week after).
pub fn default_rules(zone: Zone) -> Vec<Rule> {
    let ten = || Some(parse_slot("0 10 * * *").expect("valid built-in slot"));
    let rule = |name: &str, kind, anchor, offset, slot, deadline: &str| Rule {
        name: name.to_string(),
        kind,
        when: When::Event {
            anchor,
            offset,
            slot,
            require_slides: None,
        },
        deadline: parse_deadline(deadline).expect("valid built-in deadline"),
        targets: vec!["*".to_string()],
        formats: Vec::new(),
        zone,
    };
    let mut live = rule(
        "live-at-start",
        MessageKind::Remind,
        Anchor::Start,
        TimeDelta::zero(),
        None,
        "start+30m",
    );
    live.formats = vec![EventFormat::Online, EventFormat::Hybrid];
    let mut recap = rule(
        "recap",
        MessageKind::Recap,
        Anchor::End,
        TimeDelta::days(1),
        ten(),
        "end+30d",
    );
    recap.when = When::Event {
        anchor: Anchor::End,
        offset: TimeDelta::days(1),
        slot: ten(),
        require_slides: Some(TimeDelta::days(7)),
    };
    vec![
        rule(
            "announce",
            MessageKind::Announce,
            Anchor::Start,
            TimeDelta::days(-7),
            ten(),
            "start",
        ),
        rule(
            "remind-day-before",
            MessageKind::Remind,
            Anchor::Start,
            TimeDelta::days(-1),
            ten(),
            "start",
        ),
        rule(
            "remind-hour-before",
            MessageKind::Remind,
            Anchor::Start,
            TimeDelta::hours(-1),
            None,
            "start",
        ),
        live,
        recap,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_field_cron_gets_seconds() {
        let slot = parse_slot("0 9 * * MON").unwrap();
        assert_eq!(slot.expr, "0 9 * * MON");
        assert!(parse_slot("0 0 9 * * MON").is_ok());
        assert!(parse_slot("9 * *").is_err());
        assert!(parse_slot("0 99 * * *").is_err());
    }

    /// Usual cron: 0 and 7 are Sunday, 1 is Monday; the planned instants must agree.
    #[test]
    fn five_field_weekdays_are_numbered_as_usual() {
        let next = |expr: &str| {
            let slot = parse_slot(expr).unwrap();
            let after = chrono::NaiveDate::from_ymd_opt(2030, 1, 1) // a Tuesday
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc();
            let days: Vec<String> = slot
                .schedule
                .after(&after)
                .take(3)
                .map(|t| t.format("%a").to_string())
                .collect();
            days.join(" ")
        };
        assert_eq!(next("0 9 * * 1"), "Mon Mon Mon");
        assert_eq!(next("0 9 * * 0"), "Sun Sun Sun");
        assert_eq!(next("0 9 * * 7"), "Sun Sun Sun");
        assert_eq!(next("0 9 * * 1-5"), "Tue Wed Thu");
        assert_eq!(next("0 9 * * 5-7"), "Fri Sat Sun");
        assert_eq!(next("0 9 * * 0,6"), "Sat Sun Sat");
        assert_eq!(next("0 9 * * */3"), "Wed Sat Sun");
        assert_eq!(next("0 9 * * mon-wed"), "Tue Wed Mon");
        assert_eq!(weekday_names("1-5").unwrap(), "Mon,Tue,Wed,Thu,Fri");
        assert!(parse_slot("0 9 * * 8").is_err());
        assert!(parse_slot("0 9 * * 5-1").is_err());
        assert!(parse_slot("0 9 * * 1/0").is_err());
    }

    #[test]
    fn deadlines_read_anchor_and_offset() {
        assert_eq!(
            parse_deadline("start").unwrap(),
            Deadline {
                anchor: DeadlineAnchor::Start,
                offset: TimeDelta::zero()
            }
        );
        assert_eq!(
            parse_deadline("end+30d").unwrap().offset,
            TimeDelta::days(30)
        );
        assert_eq!(
            parse_deadline("start-1h").unwrap().offset,
            TimeDelta::hours(-1)
        );
        assert!(parse_deadline("later").is_err());
    }
}
