//! Did-you-mean hints for unknown keys and enum values in serde error messages.

/// For a serde message like "unknown field `statsu`, expected one of `id`, `status`", suggest
/// the closest expected name.
pub fn did_you_mean(message: &str) -> Option<String> {
    let (got, rest) = backticked(message)?;
    let expected = message[rest..].split('`').skip(1).step_by(2);
    let best = expected
        .map(|cand| (strsim::jaro_winkler(got, cand), cand))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(format!("did you mean `{}`?", best.1))
}

/// The first backticked word and the byte offset just after it.
fn backticked(message: &str) -> Option<(&str, usize)> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some((&message[start..start + len], start + len + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_field() {
        let msg = "unknown field `statsu`, expected one of `id`, `title`, `status`";
        assert_eq!(did_you_mean(msg).as_deref(), Some("did you mean `status`?"));
    }

    #[test]
    fn no_hint_when_nothing_is_close() {
        let msg = "unknown field `zzzz`, expected one of `id`, `title`";
        assert_eq!(did_you_mean(msg), None);
    }
}
