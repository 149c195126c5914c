//! Signed durations as written in config: `-7d`, `1h30m`, `90s`, `2w`, `0`.

use chrono::TimeDelta;

/// Parse a signed duration made of `<number><unit>` pieces (units w, d, h, m, s).
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
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("cannot read `{text}` as a duration"))?;
        digits.clear();
        total += match c {
            'w' => TimeDelta::weeks(n),
            'd' => TimeDelta::days(n),
            'h' => TimeDelta::hours(n),
            'm' => TimeDelta::minutes(n),
            's' => TimeDelta::seconds(n),
            _ => {
                return Err(format!(
                    "unknown unit `{c}` in `{text}` (use w, d, h, m or s)"
                ));
            }
        };
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
}
