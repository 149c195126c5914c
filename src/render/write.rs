//! Platform writers: blocks of neutral markup → the text (or rich paragraphs) one platform
//! format shows correctly, within its Markdown subset (`shared/docs/platform-apis.md`).
//! Escaping belongs here: plain text and rich elements show the text as written; a Markdown
//! writer escapes only what its client would interpret, and never inside a URL.

use super::markup::{Block, Kind};
use crate::model::{Format, Inline, PartBody, Platform};

/// How a (platform, wire format) wants its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DingTalk markdown / actionCard: headings, quotes, lists, bold, links; a blank line
    /// between blocks (a single `\n` is often not shown as a break).
    DingtalkMarkdown,
    /// WeCom markdown: headings, bold, links, quotes, no lists (`•` lines); single newlines.
    WecomMarkdown,
    /// WeCom markdown_v2: headings, bold, links, lists, quotes and tables.
    WecomMarkdownV2,
    /// Feishu card `lark_md`: bold and links; no headings, lists or quotes (`•` lines).
    LarkMarkdown,
    /// Plain text: the text as written, every URL alone between whitespace or line ends.
    Text,
    /// A card's plain-text field (link/news descriptions, template_card texts): no markup,
    /// links shown by their names (the card's buttons carry them).
    CardText,
    /// Feishu post paragraphs.
    Rich,
    /// The console: readable Markdown.
    Console,
}

impl Dialect {
    /// The dialect of a wire format (the one `Shape::decide` chose).
    pub fn of(platform: Platform, format: Format) -> Dialect {
        match (platform, format) {
            (_, Format::Text) => Dialect::Text,
            (Platform::Console, _) => Dialect::Console,
            (Platform::Feishu, Format::Post) => Dialect::Rich,
            (Platform::Feishu, _) => Dialect::LarkMarkdown,
            (Platform::Wecom, Format::Markdown) => Dialect::WecomMarkdown,
            (Platform::Wecom, Format::MarkdownV2) => Dialect::WecomMarkdownV2,
            (Platform::Dingtalk, Format::Markdown | Format::ActionCard) => {
                Dialect::DingtalkMarkdown
            }
            _ => Dialect::CardText,
        }
    }

    fn is_markdown(self) -> bool {
        !matches!(self, Dialect::Text | Dialect::CardText | Dialect::Rich)
    }
}

/// Write blocks as one part's body.
pub fn write(dialect: Dialect, blocks: &[Block]) -> PartBody {
    let tables = dialect == Dialect::WecomMarkdownV2;
    // Where tables do not render, a header row says nothing the rows do not.
    let blocks: Vec<&Block> = blocks
        .iter()
        .filter(|b| tables || b.kind != Kind::HeaderRow)
        .collect();
    if dialect == Dialect::Rich {
        return PartBody::Rich(blocks.into_iter().map(rich).collect());
    }
    let sep = match dialect {
        Dialect::DingtalkMarkdown => "\n\n",
        _ => "\n",
    };
    let mut out = String::new();
    let mut in_table = false;
    for (i, b) in blocks.iter().enumerate() {
        let row = matches!(b.kind, Kind::Row | Kind::HeaderRow);
        if i > 0 {
            out.push_str(sep);
            // A table stands apart from the text around it.
            if tables && (row != in_table || b.kind == Kind::HeaderRow) {
                out.push('\n');
            }
        }
        in_table = tables && row;
        out.push_str(&line(dialect, b));
    }
    PartBody::Text(out)
}

/// A table row in markdown_v2: `| a | b |`, a header row followed by its delimiter row.
fn table_row(dialect: Dialect, block: &Block) -> String {
    let cells: Vec<String> = block
        .cells
        .iter()
        .map(|c| markdown(dialect, c, false))
        .collect();
    let row = format!("| {} |", cells.join(" | "));
    if block.kind == Kind::HeaderRow {
        let delimiter = vec![":--"; cells.len()].join(" | ");
        format!("{row}\n| {delimiter} |")
    } else {
        row
    }
}

fn line(dialect: Dialect, block: &Block) -> String {
    let body = inline_text(dialect, &block.inlines, block.kind == Kind::Para);
    let kind = match block.kind {
        Kind::Row | Kind::HeaderRow if dialect == Dialect::WecomMarkdownV2 => {
            return table_row(dialect, block);
        }
        Kind::Row | Kind::HeaderRow => Kind::Bullet,
        k => k,
    };
    match dialect {
        Dialect::Text | Dialect::CardText => match kind {
            Kind::Heading if !body.starts_with(['【', '《']) => format!("【{body}】"),
            Kind::Bullet => format!("· {body}"),
            Kind::Quote => format!("  {body}"),
            _ => body,
        },
        Dialect::LarkMarkdown => match kind {
            Kind::Title | Kind::Heading => all_bold(dialect, &block.inlines),
            Kind::Quote => format!("　◦ {body}"),
            Kind::Para => body,
            _ => format!("• {body}"),
        },
        Dialect::WecomMarkdown => match kind {
            Kind::Title => format!("### {body}"),
            Kind::Heading => format!("#### {body}"),
            Kind::Quote => format!("> {body}"),
            Kind::Para => body,
            _ => format!("• {body}"),
        },
        _ => match kind {
            Kind::Title => format!("### {body}"),
            Kind::Heading => format!("#### {body}"),
            Kind::Quote => format!("> {body}"),
            Kind::Para => body,
            _ => format!("- {body}"),
        },
    }
}

/// A title or heading in lark_md (which has no headings): every piece of text bold.
fn all_bold(dialect: Dialect, inlines: &[Inline]) -> String {
    let bold: Vec<Inline> = inlines
        .iter()
        .map(|i| match i {
            Inline::Text { text, .. } => Inline::Text {
                text: text.clone(),
                bold: true,
            },
            link => link.clone(),
        })
        .collect();
    inline_text(dialect, &bold, false)
}

fn inline_text(dialect: Dialect, inlines: &[Inline], line_start: bool) -> String {
    match dialect {
        Dialect::Text => plain_text(inlines),
        Dialect::CardText => card_text(inlines),
        _ => markdown(dialect, inlines, line_start),
    }
}

fn markdown(dialect: Dialect, inlines: &[Inline], line_start: bool) -> String {
    let mut out = String::new();
    for (k, i) in inlines.iter().enumerate() {
        let start = line_start && k == 0;
        match i {
            Inline::Text { text, bold: true } if !text.trim().is_empty() => {
                // `** x**` is not bold in Markdown: whitespace stays outside the markers.
                let inner = text.trim();
                let lead = text.len() - text.trim_start().len();
                out.push_str(&text[..lead]);
                out.push_str(&format!("**{}**", escape_md(dialect, inner, false)));
                out.push_str(&text[lead + inner.len()..]);
            }
            Inline::Text { text, .. } => out.push_str(&escape_md(dialect, text, start)),
            Inline::Link { text, href } => {
                let shown = if text == href || text.is_empty() {
                    href.clone()
                } else {
                    escape_md(dialect, text, false)
                        .replace('[', "［")
                        .replace(']', "］")
                };
                out.push_str(&format!("[{shown}]({href})"));
            }
        }
    }
    out
}

/// Plain text: the text as written; a link's URL written out alone, after its name unless
/// the text before it already labels it (`报名方式：https://…`), with whitespace after it
/// when more text follows on the line.
fn plain_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    let mut after_url = false;
    for i in inlines {
        match i {
            Inline::Text { text, .. } => {
                if after_url && !text.starts_with(char::is_whitespace) {
                    out.push(' ');
                }
                out.push_str(text);
                after_url = false;
            }
            Inline::Link { text, href } => {
                let labelled = out.trim_end().ends_with(['：', ':']);
                if !labelled && text != href && !text.is_empty() {
                    if after_url {
                        out.push(' ');
                    }
                    out.push_str(text);
                }
                if !(out.is_empty() || out.ends_with(char::is_whitespace) || out.ends_with('：')) {
                    out.push(' ');
                }
                out.push_str(href);
                after_url = true;
            }
        }
    }
    out
}

/// A card's plain-text field: no markup, no URLs (the card's buttons carry the links).
fn card_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for i in inlines {
        match i {
            Inline::Text { text, .. } => out.push_str(text),
            Inline::Link { text, href } if text != href => out.push_str(text),
            Inline::Link { .. } => {}
        }
    }
    out.trim_end_matches(['：', ':', ' ']).to_string()
}

/// Escape `text` for a Markdown dialect: only what that client would interpret becomes its
/// full-width look-alike (emphasis markers that touch text, a `](` that would close a link,
/// tags, code spans, a leading `#`, `>`, list marker; `|` in a v2 table), never a character
/// inside a URL.
pub fn escape_md(dialect: Dialect, text: &str, line_start: bool) -> String {
    // Every other character is written as it is, URLs included.
    const MAY_CHANGE: [char; 12] = ['*', '_', '`', '~', ']', '<', '|', '#', '>', '-', '+', '.'];
    if !dialect.is_markdown() || !text.contains(MAY_CHANGE) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Whether everything before `i` is whitespace / ASCII digits (kept as we go: asking at
    // every character made long texts quadratic).
    let (mut blank, mut digits) = (true, true);
    while i < chars.len() {
        if let Some(len) = (chars[i] == 'h').then(|| url_len(&chars[i..])).flatten() {
            out.extend(&chars[i..i + len]);
            i += len;
            (blank, digits) = (false, false);
            continue;
        }
        let (prev, c, next) = (
            i.checked_sub(1).map(|p| chars[p]),
            chars[i],
            chars.get(i + 1).copied(),
        );
        let word = |x: Option<char>| x.is_some_and(char::is_alphanumeric);
        let solid = |x: Option<char>| x.is_some_and(|x| !x.is_whitespace());
        let first = line_start && blank;
        out.push(match c {
            '*' if solid(prev) || solid(next) => '＊',
            '_' if !(word(prev) && word(next)) => '＿',
            '`' => '｀',
            '~' if next == Some('~') || prev == Some('~') => '～',
            ']' if next == Some('(') => '］',
            '<' if next
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '@' | '!')) =>
            {
                '＜'
            }
            '|' if dialect == Dialect::WecomMarkdownV2 => '｜',
            '#' | '>' if first => {
                if c == '#' {
                    '＃'
                } else {
                    '＞'
                }
            }
            '-' | '+' if first && next.is_none_or(char::is_whitespace) => {
                if c == '-' {
                    '－'
                } else {
                    '＋'
                }
            }
            '.' if line_start && i > 0 && digits && next.is_none_or(char::is_whitespace) => '．',
            c => c,
        });
        blank &= c.is_whitespace();
        digits &= c.is_ascii_digit();
        i += 1;
    }
    out
}

/// The length of an `http(s)://` URL starting at `chars`, up to whitespace or a character
/// that cannot be in a URL.
fn url_len(chars: &[char]) -> Option<usize> {
    let starts = |scheme: &str| chars.iter().copied().take(scheme.len()).eq(scheme.chars());
    if !(starts("http://") || starts("https://")) {
        return None;
    }
    Some(
        chars
            .iter()
            .position(|c| c.is_whitespace() || !c.is_ascii() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(chars.len()),
    )
}

fn rich(block: &Block) -> Vec<Inline> {
    let mut out = Vec::with_capacity(block.inlines.len() + 1);
    let bold = matches!(block.kind, Kind::Title | Kind::Heading);
    match block.kind {
        Kind::Bullet | Kind::Row | Kind::HeaderRow => out.push(Inline::Text {
            text: "• ".into(),
            bold: false,
        }),
        Kind::Quote => out.push(Inline::Text {
            text: "　◦ ".into(),
            bold: false,
        }),
        _ => {}
    }
    for i in &block.inlines {
        out.push(match i {
            Inline::Text { text, bold: b } => Inline::Text {
                text: text.clone(),
                bold: *b || bold,
            },
            link => link.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::markup::parse;

    fn body(dialect: Dialect, markup: &str) -> String {
        let blocks: Vec<Block> = parse(markup).into_iter().flatten().collect();
        match write(dialect, &blocks) {
            PartBody::Text(t) => t,
            PartBody::Rich(r) => format!("{r:?}"),
        }
    }

    const SAMPLE: &str = "# 标题\n## 概要\n- 报名：[点击报名](https://x.com/r)\n**嘉宾**\n";

    #[test]
    fn dingtalk_needs_blank_lines_between_blocks() {
        assert_eq!(
            body(Dialect::DingtalkMarkdown, SAMPLE),
            "### 标题\n\n#### 概要\n\n- 报名：[点击报名](https://x.com/r)\n\n**嘉宾**"
        );
    }

    #[test]
    fn text_writes_each_url_alone_without_chaining_labels() {
        assert_eq!(
            body(Dialect::Text, SAMPLE),
            "标题\n【概要】\n· 报名：https://x.com/r\n嘉宾"
        );
        assert_eq!(
            body(
                Dialect::Text,
                "> [《议题》](https://x.com/a_b.pdf)后\n## 《议题》"
            ),
            "  《议题》 https://x.com/a_b.pdf 后\n《议题》"
        );
    }

    #[test]
    fn lark_has_no_headings_lists_or_quotes() {
        assert_eq!(
            body(Dialect::LarkMarkdown, "# 标题\n- a\n> b"),
            "**标题**\n• a\n　◦ b"
        );
    }

    #[test]
    fn markdown_v2_writes_an_agenda_table_the_others_a_line_per_row() {
        let markup = "## 议程\n|| 时间 | 议题\n| 13:30 | 《a\\|b》\n|  | 《c》\n尾\n";
        assert_eq!(
            body(Dialect::WecomMarkdownV2, markup),
            "#### 议程\n\n| 时间 | 议题 |\n| :-- | :-- |\n| 13:30 | 《a｜b》 |\n|  | 《c》 |\n\n尾"
        );
        assert_eq!(
            body(Dialect::WecomMarkdown, markup),
            "#### 议程\n• 13:30 《a|b》\n• 《c》\n尾"
        );
    }

    #[test]
    fn plain_text_shows_event_text_as_written() {
        let markup = format!("{}\n", crate::render::markup::escape("a_b *c* [d] <e> #f"));
        assert_eq!(body(Dialect::Text, &markup), "a_b *c* [d] <e> #f");
    }

    #[test]
    fn markdown_escapes_only_what_its_client_interprets_and_never_a_url() {
        let text = "#1 spm_id_from _x_ a * b *c* [d](e) <font> `f` https://x.com/a_b*c";
        let markup = format!("{}\n", crate::render::markup::escape(text));
        assert_eq!(
            body(Dialect::WecomMarkdown, &markup),
            "＃1 spm_id_from ＿x＿ a * b ＊c＊ [d］(e) ＜font> ｀f｀ https://x.com/a_b*c"
        );
    }

    #[test]
    fn a_link_inside_bold_stays_a_link_everywhere() {
        let markup = "**B 站直播：[https://b.tv/?a_b=1](https://b.tv/?a_b=1)**";
        assert_eq!(
            body(Dialect::DingtalkMarkdown, markup),
            "**B 站直播：**[https://b.tv/?a_b=1](https://b.tv/?a_b=1)"
        );
        assert_eq!(body(Dialect::Text, markup), "B 站直播：https://b.tv/?a_b=1");
    }

    #[test]
    fn rich_keeps_links_as_elements() {
        let blocks: Vec<Block> = parse(SAMPLE).into_iter().flatten().collect();
        let PartBody::Rich(paras) = write(Dialect::Rich, &blocks) else {
            panic!()
        };
        assert_eq!(paras.len(), 4);
        assert_eq!(
            paras[2][2],
            Inline::Link {
                text: "点击报名".into(),
                href: "https://x.com/r".into()
            }
        );
        assert_eq!(
            paras[0][0],
            Inline::Text {
                text: "标题".into(),
                bold: true
            }
        );
    }
}
