//! Every problem of a TOML file, not only the first: serde stops at the first key it cannot
//! read, so the line of that `key = value` is blanked (offsets kept) and the file read again,
//! until it reads or the next error cannot be isolated to one such line.

use super::toml_problem;
use crate::model::Problem;
use serde::de::DeserializeOwned;
use std::path::Path;

/// The most keys set aside in one file before giving up (a file of nothing but typos).
const MAX_SET_ASIDE: usize = 50;

/// Deserialize `text`; on errors, the value read without the offending lines (if it could
/// be) and every error, each at its place in the original text.
pub fn read_all<T: DeserializeOwned>(path: &Path, text: &str) -> (Option<T>, Vec<Problem>) {
    // Most files read at once: copy the text only to set a line aside.
    let first = match toml::from_str::<T>(text) {
        Ok(v) => return (Some(v), Vec::new()),
        Err(e) => e,
    };
    let mut problems = Vec::new();
    let mut current = text.to_string();
    let mut error = Some(first);
    for round in 0..MAX_SET_ASIDE {
        let err = match error
            .take()
            .map_or_else(|| toml::from_str::<T>(&current), Err)
        {
            Ok(v) => return (Some(v), problems),
            Err(e) => e,
        };
        if round > 0 && (is_syntax(&current) || is_cascade(text, err.message())) {
            break; // caused by setting a line aside, not by the file
        }
        problems.push(toml_problem(path, text, &err));
        if round == 0 && is_syntax(&current) {
            break; // TOML that does not parse: nothing after it can be trusted
        }
        match err.span().and_then(|s| key_line(&current, s.start, s.end)) {
            Some(line) => blank(&mut current, line),
            None => break,
        }
    }
    (None, problems)
}

/// Is `text` not TOML at all (rather than TOML with a wrong key or value)?
fn is_syntax(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_err()
}

/// `missing field `x`` for a key the original text has: its line was set aside.
fn is_cascade(original: &str, message: &str) -> bool {
    let Some(rest) = message.trim().strip_prefix("missing field `") else {
        return false;
    };
    let field = rest.split('`').next().unwrap_or_default();
    original.lines().any(|l| {
        l.split_once('=')
            .is_some_and(|(key, _)| key.trim() == field)
    })
}

/// The byte range of the one `key = value` line holding `start..end`, if it is one.
fn key_line(text: &str, start: usize, end: usize) -> Option<std::ops::Range<usize>> {
    let from = text[..start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let to = text[from..].find('\n').map_or(text.len(), |i| from + i);
    let line = text[from..to].trim_start();
    let is_key_value = line.contains('=') && !line.starts_with('[') && !line.starts_with('#');
    (is_key_value && end <= to && !line.trim_end().ends_with("\"\"\"")).then_some(from..to)
}

/// Replace a line's characters by spaces, so every later offset still points at the same
/// place of the original text.
fn blank(text: &mut String, range: std::ops::Range<usize>) {
    let spaces = " ".repeat(range.len());
    text.replace_range(range, &spaces);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct T {
        #[allow(dead_code)]
        a: Option<u32>,
        #[allow(dead_code)]
        b: Option<u32>,
    }

    #[test]
    fn every_bad_key_is_reported_and_the_rest_is_read() {
        let (value, problems) = read_all::<T>(Path::new("t.toml"), "a = \"x\"\nc = 1\nb = 2\n");
        assert!(value.is_some());
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(shown[0].starts_with("t.toml:1:5:"), "{shown:?}");
        assert!(
            shown[1].starts_with("t.toml:2:1: unknown field `c`"),
            "{shown:?}"
        );
    }

    #[test]
    fn a_syntax_error_stops_at_itself() {
        let (value, problems) = read_all::<T>(Path::new("t.toml"), "a = \n[[\n");
        assert!(value.is_none());
        assert_eq!(problems.len(), 1);
    }
}
