//! herald's neutral markup, written by templates and read by the platform writers: one block
//! per line (`# ` title, `## ` heading, `- ` bullet, `> ` quote, else a paragraph), `---`
//! between sections (the split points), inline `**bold**` (which may hold links) and
//! `[text](url)`.
//!
//! Event text is escaped into it with backslashes (`\*`, `\[`, `\]`, `\\`, and a leading
//! `\#`, `\-`, `\>`), so it can never be mistaken for markup; the parser turns it back into
//! the text as written, and each platform writer escapes only what its own client would
//! interpret (see `write.rs`). URLs become link-safe: spaces, brackets and quotes are
//! percent-encoded, and a `#` followed by more path (e.g. `…/SOFAChannel#35%20SOFABoot….pdf`)
//! is encoded as `%23`, so it cannot cut the link short — a `#` that starts a real fragment
//! (`#section`) stays.

use crate::model::Inline;
pub use crate::model::href;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Title,
    Heading,
    Bullet,
    Quote,
    Para,
    /// `|| a | b`: a table's header row (only a table dialect shows it).
    HeaderRow,
    /// `| a | b`: a table row (a line of its non-empty cells where tables do not render).
    Row,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: Kind,
    /// The line's inline elements (for a row: its non-empty cells, space-separated).
    pub inlines: Vec<Inline>,
    /// A row's cells; empty for other blocks.
    pub cells: Vec<Vec<Inline>>,
}

impl Block {
    pub fn text(kind: Kind, text: &str) -> Block {
        Block {
            kind,
            inlines: vec![Inline::Text {
                text: text.to_string(),
                bold: false,
            }],
            cells: Vec::new(),
        }
    }
}

/// A run of blocks between `---` lines: the unit kept together when splitting.
pub type Section = Vec<Block>;

/// Escape event text for the markup: markup characters get a backslash, so the parser reads
/// them back as the text as written.
pub fn escape(text: &str) -> String {
    let markup = ['\\', '*', '[', ']', '|', '#', '-', '+', '>'];
    if !text.contains(markup) && !text.split('\n').any(|l| l.starts_with(char::is_whitespace)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with(['#', '-', '+', '>']) {
            out.push('\\');
        }
        for c in trimmed.chars() {
            if matches!(c, '\\' | '*' | '[' | ']' | '|') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Parse template output into sections of blocks.
pub fn parse(markup: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = vec![Vec::new()];
    for line in markup.lines() {
        let line = line.trim_end();
        if line.trim() == "---" {
            if !sections.last().is_some_and(Vec::is_empty) {
                sections.push(Vec::new());
            }
            continue;
        }
        let line = line.trim_start();
        if line.is_empty() {
            continue;
        }
        let (kind, rest) = directive(line);
        let block = if matches!(kind, Kind::Row | Kind::HeaderRow) {
            row(kind, rest)
        } else {
            Block {
                kind,
                inlines: inlines(rest),
                cells: Vec::new(),
            }
        };
        if !block.inlines.is_empty() {
            sections.last_mut().expect("never empty").push(block);
        }
    }
    sections.retain(|s| !s.is_empty());
    sections
}

fn directive(line: &str) -> (Kind, &str) {
    for (prefix, kind) in [
        ("|| ", Kind::HeaderRow),
        ("| ", Kind::Row),
        ("## ", Kind::Heading),
        ("# ", Kind::Title),
        ("- ", Kind::Bullet),
        ("> ", Kind::Quote),
    ] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return (kind, rest.trim_start());
        }
    }
    (Kind::Para, line)
}

/// A table row: cells split at unescaped `|` (a trailing one is optional).
fn row(kind: Kind, rest: &str) -> Block {
    let mut cells_text = Vec::new();
    let mut cell = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cell.push(c);
                if let Some(n) = chars.next() {
                    cell.push(n);
                }
            }
            '|' => cells_text.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    if !cell.trim().is_empty() {
        cells_text.push(cell);
    }
    let cells: Vec<Vec<Inline>> = cells_text.iter().map(|c| inlines(c.trim())).collect();
    let mut joined = Vec::new();
    for c in cells.iter().filter(|c| !c.is_empty()) {
        if !joined.is_empty() {
            joined.push(Inline::Text {
                text: " ".into(),
                bold: false,
            });
        }
        joined.extend(c.iter().cloned());
    }
    Block {
        kind,
        inlines: joined,
        cells,
    }
}

/// Inline elements of one line: `**bold**` (links inside it stay links), `[text](url)`,
/// backslash escapes, plain text. Adjacent text of the same weight is merged.
pub fn inlines(line: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut plain = String::new();
    let mut bold = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("**")
            && (bold || closes(after))
        {
            flush(&mut plain, bold, &mut out);
            bold = !bold;
            rest = after;
        } else if let Some((text, url, len)) = link_at(rest) {
            flush(&mut plain, bold, &mut out);
            out.push(Inline::Link {
                text,
                href: url.to_string(),
            });
            rest = &rest[len..];
        } else {
            // Up to the next character that may start markup, the text is as written.
            let run = rest.find(['*', '[', '\\']).unwrap_or(rest.len());
            let len = if run > 0 {
                plain.push_str(&rest[..run]);
                run
            } else {
                let (c, len) = next_char(rest);
                plain.push(c);
                len
            };
            rest = &rest[len..];
        }
    }
    flush(&mut plain, bold, &mut out);
    out
}

/// Whether a `**` opened before `s` is closed within it (outside escapes).
fn closes(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        if rest.starts_with("**") {
            return true;
        }
        rest = &rest[next_char(rest).1..];
    }
    false
}

/// The next character as written (a backslash escape is one character) and its length.
fn next_char(s: &str) -> (char, usize) {
    let mut chars = s.chars();
    let c = chars.next().expect("not empty");
    match (c, chars.next()) {
        ('\\', Some(e)) if matches!(e, '\\' | '*' | '[' | ']' | '|' | '#' | '-' | '+' | '>') => {
            (e, 1 + e.len_utf8())
        }
        _ => (c, c.len_utf8()),
    }
}

/// `[text](url)` at the start of `s`: its text as written, its URL, and its length.
fn link_at(s: &str) -> Option<(String, &str, usize)> {
    let mut rest = s.strip_prefix('[')?;
    let mut text = String::new();
    loop {
        if let Some(after) = rest.strip_prefix("](") {
            let end = after.find(')')?;
            let url = &after[..end];
            let len = s.len() - after.len() + end + 1;
            return (!url.is_empty() && !url.contains(char::is_whitespace))
                .then_some((text, url, len));
        }
        if rest.is_empty() || rest.starts_with('[') || rest.starts_with(']') {
            return None;
        }
        let (c, len) = next_char(rest);
        text.push(c);
        rest = &rest[len..];
    }
}

fn flush(plain: &mut String, bold: bool, out: &mut Vec<Inline>) {
    if plain.is_empty() {
        return;
    }
    let text = std::mem::take(plain);
    if let Some(Inline::Text {
        text: last,
        bold: b,
    }) = out.last_mut()
        && *b == bold
    {
        last.push_str(&text);
        return;
    }
    out.push(Inline::Text { text, bold });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_cannot_become_markup_and_reads_back_as_written() {
        let nasty =
            "# 标题 [点我](http://x) **粗** <font color=red>红</font> `code` C:\\dir\n- 列表\n---";
        let parsed = parse(&escape(nasty));
        assert_eq!(parsed.len(), 1);
        assert!(parsed[0].iter().all(|b| b.kind == Kind::Para));
        let lines: Vec<&Inline> = parsed[0].iter().flat_map(|b| &b.inlines).collect();
        let expected: Vec<Inline> = nasty
            .lines()
            .map(|l| Inline::Text {
                text: l.to_string(),
                bold: false,
            })
            .collect();
        assert_eq!(lines, expected.iter().collect::<Vec<_>>());
    }

    #[test]
    fn plain_text_is_kept_and_leading_whitespace_still_dropped() {
        assert_eq!(escape("云原生 Meetup 2.0：杭州"), "云原生 Meetup 2.0：杭州");
        assert_eq!(escape("a\n  b\n\tc"), "a\nb\nc");
        assert_eq!(escape("a\n- b"), "a\n\\- b");
    }

    #[test]
    fn bold_may_hold_a_link() {
        let parsed = parse("**B 站直播：[https://b.tv/1_2](https://b.tv/1_2)**");
        assert_eq!(
            parsed[0][0].inlines,
            vec![
                Inline::Text {
                    text: "B 站直播：".into(),
                    bold: true
                },
                Inline::Link {
                    text: "https://b.tv/1_2".into(),
                    href: "https://b.tv/1_2".into()
                }
            ]
        );
    }

    #[test]
    fn a_hash_inside_a_path_is_encoded_but_a_fragment_stays() {
        let slides = "https://mdn.alipayobjects.com/huamei_soxoym/afts/file/A*yD0T/SOFAChannel#35%20SOFABoot%204.0.pdf";
        assert_eq!(
            href(slides),
            "https://mdn.alipayobjects.com/huamei_soxoym/afts/file/A*yD0T/SOFAChannel%2335%20SOFABoot%204.0.pdf"
        );
        assert_eq!(
            href("https://example.com/page#agenda"),
            "https://example.com/page#agenda"
        );
        assert_eq!(
            href("https://x.com/a (1).pdf"),
            "https://x.com/a%20%281%29.pdf"
        );
    }

    #[test]
    fn parses_directives_sections_and_inlines() {
        let sections =
            parse("# 标题\n- 时间：**今天**\n---\n## 议题\n资料：[下载](https://x.com/a.pdf) 完\n");
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0][0].kind, Kind::Title);
        assert_eq!(sections[0][1].kind, Kind::Bullet);
        assert_eq!(
            sections[0][1].inlines[1],
            Inline::Text {
                text: "今天".into(),
                bold: true
            }
        );
        assert_eq!(
            sections[1][1].inlines[1],
            Inline::Link {
                text: "下载".into(),
                href: "https://x.com/a.pdf".into()
            }
        );
    }
}
