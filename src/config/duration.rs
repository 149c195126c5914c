//! Signed durations as written in config: `-7d`, `1h30m`, `90s`, `2w`, `0`, bounded to
//! [`MAX_DAYS`] either way so that no date sum made from them can overflow.

use chrono::TimeDelta;

/// The largest duration herald accepts in config (about ten years): any offset, window or
/// deadline beyond it is a typo, and the bound keeps every date sum in range.
pub const MAX_DAYS: i64 = 3660;

/// Parse a signed duration made of `<number><unit>` pieces (units w, d, h, m, s), at most
/// [`MAX_DAYS`] days either way.
pub fn parse_duration(text: &str) -> Result<TimeDelta, String> {
    let s = text.trim();
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    if body == "0" {
        return Ok(TimeDelta::zero());
    }
    let mut total = TimeDelta::zero();
    let mut digits = String::new();
    for c in body.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let too_long = || format!("`{text}` is out of range (at most {MAX_DAYS} days)");
        let n: i64 = match digits.parse() {
            Ok(n) => n,
            Err(_) if !digits.is_empty() => return Err(too_long()),
            Err(_) => return Err(format!("cannot read `{text}` as a duration")),
        };
        digits.clear();
        let piece = match c {
            'w' => TimeDelta::try_weeks(n),
            'd' => TimeDelta::try_days(n),
            'h' => TimeDelta::try_hours(n),
            'm' => TimeDelta::try_minutes(n),
            's' => TimeDelta::try_seconds(n),
            _ => {
                return Err(format!(
                    "unknown unit `{c}` in `{text}` (use w, d, h, m or s)"
                ));
            }
        };
        total = piece
            .and_then(|p| total.checked_add(&p))
            .filter(|t| t.num_days() <= MAX_DAYS)
            .ok_or_else(too_long)?;
    }
    if !digits.is_empty() || body.is_empty() {
        return Err(format!(
            "cannot read `{text}` as a duration (e.g. `-7d`, `1h30m`)"
        ));
    }
    Ok(total * sign)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_signed_compound_durations() {
        assert_eq!(parse_duration("-7d"), Ok(TimeDelta::days(-7)));
        assert_eq!(parse_duration("1h30m"), Ok(TimeDelta::minutes(90)));
        assert_eq!(parse_duration("+2w"), Ok(TimeDelta::days(14)));
        assert_eq!(parse_duration("0"), Ok(TimeDelta::zero()));
        assert!(parse_duration("7").is_err());
        assert!(parse_duration("7y").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn refuses_out_of_range_durations_instead_of_overflowing() {
        for text in [
            "99999999999999w",
            "106751991167300d",
            "99999999999999999999999s",
            "3661d",
            "-3661d",
            "3660d1d",
        ] {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains("out of range"), "{text}: {err}");
        }
        assert_eq!(parse_duration("-3660d"), Ok(TimeDelta::days(-3660)));
    }
}
