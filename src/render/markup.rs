//! herald's neutral markup, written by templates and read by the platform writers: one block
//! per line (`# ` title, `## ` heading, `- ` bullet, `> ` quote, else a paragraph), `---`
//! between sections (the split points), inline `**bold**` and `[text](url)`.
//!
//! Event text is escaped into it so it can never be mistaken for markup: `[ ] * < > ` | are
//! replaced by their full-width forms (natural in Chinese text), and a leading `#`, `-` or `>`
//! too. URLs become link-safe: spaces, brackets and quotes are percent-encoded, and a `#`
//! followed by more path (e.g. `…/SOFAChannel#35%20SOFABoot….pdf`) is encoded as `%23`, so it
//! cannot cut the link short — a `#` that starts a real fragment (`#section`) stays.

use crate::model::Inline;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Title,
    Heading,
    Bullet,
    Quote,
    Para,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: Kind,
    pub inlines: Vec<Inline>,
}

impl Block {
    pub fn text(kind: Kind, text: &str) -> Block {
        Block {
            kind,
            inlines: vec![Inline::Text {
                text: text.to_string(),
                bold: false,
            }],
        }
    }
}

/// A run of blocks between `---` lines: the unit kept together when splitting.
pub type Section = Vec<Block>;

/// Escape event text for the markup.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let mut chars = trimmed.chars().peekable();
        if let Some(&first) = chars.peek()
            && matches!(first, '#' | '-' | '+' | '>')
        {
            chars.next();
            out.push(match first {
                '#' => '＃',
                '-' => '－',
                '+' => '＋',
                _ => '＞',
            });
        }
        for c in chars {
            out.push(match c {
                '[' => '［',
                ']' => '］',
                '*' => '＊',
                '<' => '＜',
                '>' => '＞',
                '`' => '｀',
                '|' => '｜',
                '_' => '＿',
                c => c,
            });
        }
    }
    out
}

/// A URL that survives inside `[text](url)` on every platform.
pub fn href(url: &str) -> String {
    let url = url.trim();
    let fragment_at = url.rfind('#').filter(|&i| {
        let rest = &url[i + 1..];
        !rest.is_empty() && !rest.contains(['%', '/', '.', ' '])
    });
    let mut out = String::with_capacity(url.len() + 8);
    for (i, c) in url.char_indices() {
        match c {
            '#' if Some(i) != fragment_at => out.push_str("%23"),
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            c => out.push(c),
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
        let inlines = inlines(rest);
        if !inlines.is_empty() {
            sections
                .last_mut()
                .expect("never empty")
                .push(Block { kind, inlines });
        }
    }
    sections.retain(|s| !s.is_empty());
    sections
}

fn directive(line: &str) -> (Kind, &str) {
    for (prefix, kind) in [
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

/// Inline elements of one line: `**bold**`, `[text](url)`, plain text.
pub fn inlines(line: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut plain = String::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
        {
            flush(&mut plain, &mut out);
            push_text(&mut out, &after[..end], true);
            rest = &after[end + 2..];
        } else if let Some((text, url, len)) = link_at(rest) {
            flush(&mut plain, &mut out);
            out.push(Inline::Link {
                text: text.to_string(),
                href: url.to_string(),
            });
            rest = &rest[len..];
        } else {
            let c = rest.chars().next().expect("not empty");
            plain.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    flush(&mut plain, &mut out);
    out
}

fn link_at(s: &str) -> Option<(&str, &str, usize)> {
    let body = s.strip_prefix('[')?;
    let close = body.find("](")?;
    let text = &body[..close];
    let url_part = &body[close + 2..];
    let end = url_part.find(')')?;
    let url = &url_part[..end];
    (!text.contains('[') && !url.contains(' ')).then_some((text, url, 1 + close + 2 + end + 1))
}

fn flush(plain: &mut String, out: &mut Vec<Inline>) {
    if !plain.is_empty() {
        push_text(out, &std::mem::take(plain), false);
    }
}

fn push_text(out: &mut Vec<Inline>, text: &str, bold: bool) {
    if !text.is_empty() {
        out.push(Inline::Text {
            text: text.to_string(),
            bold,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_cannot_become_markup() {
        let nasty = "# 标题 [点我](http://x) **粗** <font color=red>红</font> `code`\n- 列表";
        let escaped = escape(nasty);
        assert_eq!(
            escaped,
            "＃ 标题 ［点我］(http://x) ＊＊粗＊＊ ＜font color=red＞红＜/font＞ ｀code｀\n－ 列表"
        );
        let parsed = parse(&escaped);
        assert!(parsed[0].iter().all(|b| b.kind == Kind::Para));
        assert!(
            parsed[0]
                .iter()
                .flat_map(|b| &b.inlines)
                .all(|i| matches!(i, Inline::Text { bold: false, .. }))
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
