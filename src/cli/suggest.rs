//! Did-you-mean for names typed on the command line: event ids, channels, rules.

/// `unknown {what} `{got}``, with the closest known name when one is close, else the list.
pub fn unknown<'a>(what: &str, got: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: Vec<&str> = known.into_iter().collect();
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(got, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!("no {what} `{got}` (did you mean `{k}`?)"),
        None if known.is_empty() => format!("no {what} `{got}` (there are none)"),
        None => format!("no {what} `{got}` (known: {})", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_closest_or_lists_them_all() {
        let names = ["console", "sofa-dingtalk"];
        assert_eq!(
            unknown("channel", "consol", names),
            "no channel `consol` (did you mean `console`?)"
        );
        assert_eq!(
            unknown("channel", "zz", names),
            "no channel `zz` (known: console, sofa-dingtalk)"
        );
    }
}
