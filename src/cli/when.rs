//! Times typed on the command line (`--now`, `--from`): an RFC 3339 instant, or a local
//! time or a date read in the herald zone (`2026-11-25 10:00`, `2026-11-25T10:00`,
//! `2026-11-25`, which is its first instant).

use crate::model::Zone;
use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// A time as typed: an instant, or a wall-clock time still to be read in a zone.
#[derive(Debug, Clone, Copy)]
pub enum TimeArg {
    Instant(DateTime<Utc>),
    Local(NaiveDateTime),
}

const FORMS: &str = "an RFC 3339 time (2026-11-25T10:00:00+08:00), a local time (2026-11-25 10:00) or a date (2026-11-25)";

/// clap's value parser.
pub fn parse(s: &str) -> Result<TimeArg, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(TimeArg::Instant(t.to_utc()));
    }
    for form in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, form) {
            return Ok(TimeArg::Local(t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(TimeArg::Local(d.and_time(chrono::NaiveTime::MIN)));
    }
    Err(format!("`{s}` is not {FORMS}"))
}

impl TimeArg {
    /// The instant meant, reading a local time in `zone` (a time that happens twice is its
    /// first; one that does not exist, in a daylight-saving gap, is an error).
    pub fn resolve(self, zone: Zone) -> Result<DateTime<Utc>, String> {
        match self {
            TimeArg::Instant(t) => Ok(t),
            TimeArg::Local(t) => match zone.from_local_datetime(&t) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.to_utc()),
                LocalResult::None => Err(format!(
                    "{} does not exist in {zone} (a daylight-saving gap)",
                    t.format("%Y-%m-%d %H:%M")
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_instants_local_times_and_dates_in_the_zone() {
        let zone = crate::model::Zone::SHANGHAI;
        let at = |s: &str| parse(s).unwrap().resolve(zone).unwrap().to_rfc3339();
        assert_eq!(at("2026-11-25"), "2026-11-24T16:00:00+00:00");
        assert_eq!(at("2026-11-25 10:00"), "2026-11-25T02:00:00+00:00");
        assert_eq!(at("2026-11-25T10:00:30"), "2026-11-25T02:00:30+00:00");
        assert_eq!(at("2026-11-25T10:00:00Z"), "2026-11-25T10:00:00+00:00");
        let err = parse("25/11/2026").unwrap_err();
        assert!(err.contains("a date (2026-11-25)"), "{err}");
    }

    #[test]
    fn a_local_time_in_a_gap_is_refused() {
        let ny = crate::model::Zone::known("America/New_York");
        let err = parse("2026-03-08 02:30").unwrap().resolve(ny).unwrap_err();
        assert!(err.contains("daylight-saving gap"), "{err}");
    }
}
