//! The page's YAML front matter (between `---` lines): title, publish date, cover, description,
//! tags; each key with the page line it is on.

use serde::Deserialize;

/// The keys herald reads. `date` is when the page was published, not when the event is.
#[derive(Debug, Default, Deserialize)]
pub struct Front {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub date: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub cover: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// A misspelling some pages carry; read as `description`.
    #[serde(default)]
    pub descripton: Option<String>,
    #[serde(default)]
    pub tags: Option<serde_yaml_ng::Value>,
    /// Written by `herald export` when the title alone does not give them back.
    #[serde(default)]
    pub series: Option<String>,
    #[serde(default)]
    pub number: Option<u32>,
    #[serde(default)]
    pub timezone: Option<String>,
}

/// The front matter and where the body starts.
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based page line of the first YAML line.
    pub yaml_line: usize,
    pub body: &'a str,
    pub body_line: usize,
}

/// Split `---\n…\n---\n` from the body. A page without front matter is all body.
pub fn split(text: &str) -> Split<'_> {
    let none = Split {
        yaml: "",
        yaml_line: 1,
        body: text,
        body_line: 1,
    };
    let text_nb = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(after) = text_nb
        .strip_prefix("---\n")
        .or_else(|| text_nb.strip_prefix("---\r\n"))
    else {
        return none;
    };
    let mut offset = 0;
    for line in after.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml = &after[..offset];
            let body = &after[offset + line.len()..];
            return Split {
                yaml,
                yaml_line: 2,
                body,
                body_line: 2 + yaml.matches('\n').count() + 1,
            };
        }
        offset += line.len();
    }
    none
}

/// The page line of a top-level `key:` in the front matter, if present.
pub fn key_line(split: &Split, key: &str) -> Option<usize> {
    split
        .yaml
        .lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|i| split.yaml_line + i)
}

/// A YAML scalar or list of scalars as strings (`tags: ["a", "b"]` or `categories: "x"`).
pub fn strings(v: &Option<serde_yaml_ng::Value>) -> Vec<String> {
    use serde_yaml_ng::Value;
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The publish date's text (`2021-09-11T15:00:00+08:00` or `2019-05-08T10:20:00.000Z`).
pub fn date_text(v: &Option<serde_yaml_ng::Value>) -> Option<String> {
    match v {
        Some(serde_yaml_ng::Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_locates_keys() {
        let text = "---\ntitle: \"T\"\t\ndate: 2019-05-08T10:20:00.000Z\ntags: [\"a\",\"b\"]\n---\n\n## 概要\n";
        let s = split(text);
        assert_eq!(s.body_line, 6);
        assert!(s.body.starts_with("\n## 概要"));
        assert_eq!(key_line(&s, "date"), Some(3));
        let f: Front = serde_yaml_ng::from_str(s.yaml).unwrap();
        assert_eq!(f.title.as_deref(), Some("T"));
        assert_eq!(strings(&f.tags), ["a", "b"]);
        assert_eq!(
            date_text(&f.date).as_deref(),
            Some("2019-05-08T10:20:00.000Z")
        );
    }
}
