//! An instant as a person reads it in logs: the local time in a zone with its offset and the
//! zone's name (`2026-11-28T10:00:00+08:00[Asia/Shanghai]`, RFC 9557's form), or `none`.

use crate::model::Zone;
use chrono::{DateTime, Utc};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    at: Option<DateTime<Utc>>,
    zone: Zone,
}

impl LocalTime {
    pub fn new(at: DateTime<Utc>, zone: Zone) -> LocalTime {
        LocalTime { at: Some(at), zone }
    }

    /// `none` when there is no instant (nothing planned).
    pub fn maybe(at: Option<DateTime<Utc>>, zone: Zone) -> LocalTime {
        LocalTime { at, zone }
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some(t) => write!(
                f,
                "{}[{}]",
                t.with_timezone(&self.zone).format("%Y-%m-%dT%H:%M:%S%:z"),
                self.zone.name()
            ),
            None => f.write_str("none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_local_time_with_its_zone_or_none() {
        let t = DateTime::parse_from_rfc3339("2026-11-28T02:00:00Z")
            .unwrap()
            .to_utc();
        let zone = crate::model::Zone::SHANGHAI;
        assert_eq!(
            LocalTime::new(t, zone).to_string(),
            "2026-11-28T10:00:00+08:00[Asia/Shanghai]"
        );
        assert_eq!(LocalTime::maybe(None, zone).to_string(), "none");
    }
}
