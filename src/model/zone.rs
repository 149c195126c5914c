//! `Zone`: an IANA time zone from herald's embedded copy of the tz database, a two-byte value
//! chrono computes with (`DateTime<Zone>`).
//!
//! Why not `chrono-tz`: its tables hold a string pointer in every transition, so the whole
//! database (1 MB) sits in relocated read-only data that the loader writes at every start — a
//! private MiB of each process's memory. `tzdb_data`'s rules are plain numbers read only for
//! the zones used, and its database is newer.

use chrono::{FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, Offset, TimeZone};
use std::fmt;
use std::str::FromStr;
use tz::{LocalTimeType, TimeZoneRef};

/// A zone of the tz database, by its index in `tzdb_data::TZ_NAMES`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Zone(u16);

/// A name the tz database does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownZone;

impl fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a time zone of the tz database")
    }
}

impl std::error::Error for UnknownZone {}

impl Zone {
    /// China Standard Time, the zone herald assumes when a file names none.
    pub const SHANGHAI: Zone = Zone::known("Asia/Shanghai");

    /// A zone by its exact name, at compile time (a name the database lacks fails the build).
    pub const fn known(name: &str) -> Zone {
        let names = tzdb_data::TZ_NAMES;
        let mut i = 0;
        while i < names.len() {
            if bytes_eq(names[i].as_bytes(), name.as_bytes()) {
                return Zone(i as u16);
            }
            i += 1;
        }
        panic!("not a zone of the tz database");
    }

    /// A zone by name (`Asia/Shanghai`, `UTC`, a link such as `PRC`); letter case is not
    /// significant, and the zone keeps the database's spelling.
    pub fn parse(name: &str) -> Result<Zone, UnknownZone> {
        let names = tzdb_data::TZ_NAMES;
        // The list is sorted without regard to case, so it is searched in order (600 names).
        let index = names
            .iter()
            .position(|n| *n == name)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(name)))
            .ok_or(UnknownZone)?;
        u16::try_from(index).map(Zone).map_err(|_| UnknownZone)
    }

    /// The database's name of the zone.
    pub fn name(self) -> &'static str {
        tzdb_data::TZ_NAMES[usize::from(self.0)]
    }

    fn rules(self) -> &'static TimeZoneRef<'static> {
        RULES[usize::from(self.0)]
    }

    /// The local time type in force at a Unix time. Beyond what the rules can compute (years
    /// far outside any calendar herald plans in), the zone's first type.
    fn offset_at(self, unix: i64) -> ZoneOffset {
        let rules = self.rules();
        let kind = rules
            .find_local_time_type(unix)
            .unwrap_or(&rules.local_time_types()[0]);
        ZoneOffset::new(self, kind)
    }
}

/// Each zone's rules by its index, found once, at compile time (a lookup by name hashes it).
static RULES: [&TimeZoneRef<'static>; tzdb_data::TZ_NAMES.len()] = rules_by_index();

const fn rules_by_index() -> [&'static TimeZoneRef<'static>; tzdb_data::TZ_NAMES.len()] {
    const fn find(name: &str) -> &'static TimeZoneRef<'static> {
        match tzdb_data::find_tz(name.as_bytes()) {
            Some(rules) => rules,
            None => panic!("a tz database name without rules"),
        }
    }
    let names = tzdb_data::TZ_NAMES;
    let mut out = [find("UTC"); tzdb_data::TZ_NAMES.len()];
    let mut i = 0;
    while i < names.len() {
        out[i] = find(names[i]);
        i += 1;
    }
    out
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl FromStr for Zone {
    type Err = UnknownZone;

    fn from_str(name: &str) -> Result<Zone, UnknownZone> {
        Zone::parse(name)
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The offset a zone has at one instant, with its abbreviation (`CST`, `CEST`, `+08`), which
/// is what `%Z` prints.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ZoneOffset {
    zone: Zone,
    seconds: i32,
    /// The abbreviation, at most 7 ASCII bytes (the tz database's limit is 6), then zeros.
    abbreviation: [u8; 7],
}

impl ZoneOffset {
    fn new(zone: Zone, kind: &LocalTimeType) -> ZoneOffset {
        let mut abbreviation = [0; 7];
        let text = kind.time_zone_designation().as_bytes();
        let n = text.len().min(abbreviation.len());
        abbreviation[..n].copy_from_slice(&text[..n]);
        ZoneOffset {
            zone,
            seconds: kind.ut_offset(),
            abbreviation,
        }
    }

    fn abbreviation(&self) -> &str {
        let n = self
            .abbreviation
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.abbreviation.len());
        std::str::from_utf8(&self.abbreviation[..n]).unwrap_or("")
    }
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        // The database's offsets are all within a day.
        FixedOffset::east_opt(self.seconds).unwrap_or(chrono::Utc.fix())
    }
}

impl fmt::Debug for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.abbreviation())
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.abbreviation())
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Zone {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
    }

    /// A wall-clock time read in the zone: one offset, two around a clock set back (the
    /// earlier instant first), none in the hour a clock skips.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        let wall = local.and_utc().timestamp();
        // The offsets in force a day around the wall time are the only candidates: the
        // database has no two changes of offset within two days. The same offset on both
        // sides (almost always): one instant.
        let (before, after) = (self.offset_at(wall - 86_400), self.offset_at(wall + 86_400));
        if before.seconds == after.seconds {
            let at = self.offset_at(wall - i64::from(before.seconds));
            if at.seconds == before.seconds {
                return MappedLocalTime::Single(at);
            }
        }
        let mut found: Vec<(i64, ZoneOffset)> = Vec::with_capacity(2);
        for probe in [wall - 86_400, wall, wall + 86_400] {
            let guess = self.offset_at(probe).seconds;
            let instant = wall - i64::from(guess);
            let actual = self.offset_at(instant);
            if actual.seconds == guess && !found.iter().any(|(at, _)| *at == instant) {
                found.push((instant, actual));
            }
        }
        found.sort_by_key(|(at, _)| *at);
        match found.as_slice() {
            [] => MappedLocalTime::None,
            [(_, one)] => MappedLocalTime::Single(*one),
            [(_, earlier), .., (_, later)] => MappedLocalTime::Ambiguous(*earlier, *later),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.offset_at(utc.and_utc().timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn wall(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn names_are_found_exactly_case_blind_and_as_links() {
        assert_eq!(Zone::parse("Asia/Shanghai"), Ok(Zone::SHANGHAI));
        assert_eq!(
            Zone::parse("asia/shanghai").unwrap().name(),
            "Asia/Shanghai"
        );
        assert_eq!(Zone::parse("PRC").unwrap().name(), "PRC");
        assert_eq!(Zone::parse("UTC").unwrap().name(), "UTC");
        assert_eq!(Zone::parse("Asia/Beijing"), Err(UnknownZone));
        assert_eq!(Zone::parse(""), Err(UnknownZone));
        assert_eq!(Zone::known("Europe/Berlin").name(), "Europe/Berlin");
    }

    #[test]
    fn utc_instants_get_the_offset_and_abbreviation_in_force() {
        let berlin = Zone::known("Europe/Berlin");
        let summer = utc("2026-07-01T10:00:00Z").with_timezone(&berlin);
        assert_eq!(
            summer.format("%H:%M %:z %Z").to_string(),
            "12:00 +02:00 CEST"
        );
        let winter = utc("2026-12-01T10:00:00Z").with_timezone(&berlin);
        assert_eq!(
            winter.format("%H:%M %:z %Z").to_string(),
            "11:00 +01:00 CET"
        );
        let shanghai = utc("2026-11-28T02:00:00Z").with_timezone(&Zone::SHANGHAI);
        assert_eq!(
            shanghai.format("%H:%M %:z %Z").to_string(),
            "10:00 +08:00 CST"
        );
        // Before the zone's rules: local mean time, as the database says.
        let old = utc("1900-01-01T00:00:00Z").with_timezone(&Zone::SHANGHAI);
        assert_eq!(old.offset().fix().local_minus_utc(), 8 * 3600 + 5 * 60 + 43);
    }

    #[test]
    fn wall_times_are_single_ambiguous_or_skipped() {
        let berlin = Zone::known("Europe/Berlin");
        let plain = berlin
            .from_local_datetime(&wall("2026-07-01 12:00"))
            .single()
            .unwrap();
        assert_eq!(plain.to_utc(), utc("2026-07-01T10:00:00Z"));
        // 2026-03-29 02:00 → 03:00: the skipped hour has no instant.
        assert!(matches!(
            berlin.from_local_datetime(&wall("2026-03-29 02:30")),
            MappedLocalTime::None
        ));
        // 2026-10-25 03:00 → 02:00: 02:30 happens twice, the summer-time one first.
        match berlin.from_local_datetime(&wall("2026-10-25 02:30")) {
            MappedLocalTime::Ambiguous(first, second) => {
                assert_eq!(first.to_utc(), utc("2026-10-25T00:30:00Z"));
                assert_eq!(second.to_utc(), utc("2026-10-25T01:30:00Z"));
                assert_eq!(first.format("%Z").to_string(), "CEST");
                assert_eq!(second.format("%Z").to_string(), "CET");
            }
            other => panic!("expected two instants, got {other:?}"),
        }
    }

    #[test]
    fn a_wall_time_round_trips_through_every_zone() {
        let at = utc("2026-11-28T02:00:00Z");
        for name in tzdb_data::TZ_NAMES {
            let zone = Zone::parse(name).unwrap();
            let local = at.with_timezone(&zone);
            let back = zone.from_local_datetime(&local.naive_local());
            assert!(
                back.earliest().map(|t| t.to_utc()) == Some(at)
                    || back.latest().map(|t| t.to_utc()) == Some(at),
                "{name}: {local} does not map back to {at}"
            );
        }
    }

    #[test]
    fn far_future_instants_follow_the_zone_rule() {
        let ny = Zone::known("America/New_York");
        let july = utc("2100-07-04T16:00:00Z").with_timezone(&ny);
        assert_eq!(july.format("%H:%M %Z").to_string(), "12:00 EDT");
    }
}
