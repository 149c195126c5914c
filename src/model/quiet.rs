//! Quiet hours: a daily span of local time (e.g. 22:00–08:00) in which herald posts no late
//! catch-up and no change notice that can wait. Pure: when does a span that contains an
//! instant end?

use crate::model::Zone;
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub zone: Zone,
}

impl QuietHours {
    /// Parse `HH:MM-HH:MM` (the span may run past midnight).
    pub fn parse(text: &str, zone: Zone) -> Result<QuietHours, String> {
        let bad = || format!("`{text}` is not a span of local time like `22:00-08:00`");
        let (a, b) = text.trim().split_once('-').ok_or_else(bad)?;
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
        let (start, end) = (time(a)?, time(b)?);
        if start == end {
            return Err(format!("`{text}`: the span is empty"));
        }
        Ok(QuietHours { start, end, zone })
    }

    fn contains_local(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// If `at` falls inside quiet hours, the instant they end; else `None`.
    pub fn ends_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&self.zone);
        if !self.contains_local(local.time()) {
            return None;
        }
        let mut day = local.date_naive();
        if local.time() >= self.end {
            day = day.succ_opt()?;
        }
        // The first instant at or after the local end time (a DST gap moves it forward).
        let naive = day.and_time(self.end);
        let end = self
            .zone
            .from_local_datetime(&naive)
            .earliest()
            .or_else(|| {
                self.zone
                    .from_local_datetime(&(naive + chrono::TimeDelta::hours(1)))
                    .earliest()
            })?;
        Some(end.to_utc())
    }

    /// When a message that could go at `at` and must go by `deadline` goes out: at the end
    /// of quiet hours if `at` is inside them and the deadline allows, else at `at`.
    pub fn defer(&self, at: DateTime<Utc>, deadline: DateTime<Utc>) -> DateTime<Utc> {
        match self.ends_after(at) {
            Some(end) if end < deadline => end,
            _ => at,
        }
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{} {}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M"),
            self.zone.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_night_span_defers_to_the_morning_if_the_deadline_allows() {
        let q = QuietHours::parse("22:00-08:00", crate::model::Zone::SHANGHAI).unwrap();
        let late = at("2026-11-25T23:26:00+08:00");
        assert_eq!(
            q.defer(late, at("2026-11-27T00:00:00+08:00")),
            at("2026-11-26T08:00:00+08:00")
        );
        // The deadline falls inside: it goes now.
        assert_eq!(q.defer(late, at("2026-11-26T07:00:00+08:00")), late);
        // After midnight, before the end.
        assert_eq!(
            q.ends_after(at("2026-11-26T03:00:00+08:00")),
            Some(at("2026-11-26T08:00:00+08:00"))
        );
        // Outside.
        assert_eq!(q.ends_after(at("2026-11-26T10:00:00+08:00")), None);
        assert_eq!(q.ends_after(at("2026-11-26T08:00:00+08:00")), None);
    }

    #[test]
    fn a_day_span_and_bad_spans() {
        let q = QuietHours::parse("12:00-13:30", crate::model::Zone::SHANGHAI).unwrap();
        assert_eq!(
            q.ends_after(at("2026-11-26T12:10:00+08:00")),
            Some(at("2026-11-26T13:30:00+08:00"))
        );
        assert_eq!(q.ends_after(at("2026-11-26T11:59:00+08:00")), None);
        for bad in ["22:00", "25:00-08:00", "08:00-08:00", "night"] {
            assert!(
                QuietHours::parse(bad, crate::model::Zone::SHANGHAI).is_err(),
                "{bad}"
            );
        }
    }
}
