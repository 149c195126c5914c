//! Platform writers: blocks of neutral markup → the text (or rich paragraphs) one platform
//! format shows correctly, within its Markdown subset (`shared/docs/platform-apis.md`).

use super::markup::{Block, Kind};
use crate::model::{Format, Inline, PartBody, Platform};

/// How a (platform, format) wants its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DingTalk markdown / actionCard: headings, quotes, lists, bold, links; blank line between blocks.
    DingtalkMarkdown,
    /// WeCom markdown: headings, bold, links, quotes; single newlines break lines.
    WecomMarkdown,
    /// Feishu card `lark_md`: bold and links, no headings.
    LarkMarkdown,
    /// Plain text: links written out as `text：url`.
    Text,
    /// Feishu post paragraphs.
    Rich,
    /// The console: readable Markdown.
    Console,
}

impl Dialect {
    pub fn of(platform: Platform, format: Format) -> Dialect {
        match (platform, format) {
            (_, Format::Text) => Dialect::Text,
            (Platform::Console, _) => Dialect::Console,
            (Platform::Feishu, Format::Post) => Dialect::Rich,
            (Platform::Feishu, _) => Dialect::LarkMarkdown,
            (Platform::Wecom, Format::Markdown | Format::TemplateCard) => Dialect::WecomMarkdown,
            (Platform::Wecom, _) => Dialect::Text,
            (Platform::Dingtalk, Format::Link | Format::FeedCard) => Dialect::Text,
            (Platform::Dingtalk, _) => Dialect::DingtalkMarkdown,
        }
    }
}

/// Write blocks as one part's body.
pub fn write(dialect: Dialect, blocks: &[Block]) -> PartBody {
    if dialect == Dialect::Rich {
        return PartBody::Rich(blocks.iter().filter_map(rich).collect());
    }
    let sep = match dialect {
        Dialect::DingtalkMarkdown => "\n\n",
        _ => "\n",
    };
    PartBody::Text(
        blocks
            .iter()
            .map(|b| line(dialect, b))
            .collect::<Vec<_>>()
            .join(sep),
    )
}

fn line(dialect: Dialect, block: &Block) -> String {
    let body = inline_text(dialect, &block.inlines);
    match dialect {
        Dialect::Text => match block.kind {
            Kind::Title => body,
            Kind::Heading => format!("【{body}】"),
            Kind::Bullet => format!("· {body}"),
            Kind::Quote => format!("  {body}"),
            Kind::Para => body,
        },
        Dialect::LarkMarkdown => match block.kind {
            Kind::Title | Kind::Heading => {
                format!("**{}**", inline_text(Dialect::Text, &block.inlines))
            }
            Kind::Bullet => format!("- {body}"),
            Kind::Quote => format!("> {body}"),
            Kind::Para => body,
        },
        _ => match block.kind {
            Kind::Title => format!("### {body}"),
            Kind::Heading => format!("#### {body}"),
            Kind::Bullet => format!("- {body}"),
            Kind::Quote => format!("> {body}"),
            Kind::Para => body,
        },
    }
}

fn inline_text(dialect: Dialect, inlines: &[Inline]) -> String {
    let plain = dialect == Dialect::Text;
    inlines
        .iter()
        .map(|i| match i {
            Inline::Text { text, bold: true } if !plain => format!("**{text}**"),
            Inline::Text { text, .. } => text.clone(),
            Inline::Link { text, href } if plain && text == href => href.clone(),
            Inline::Link { text, href } if plain => format!("{text}：{href}"),
            Inline::Link { text, href } => format!("[{text}]({href})"),
        })
        .collect()
}

fn rich(block: &Block) -> Option<Vec<Inline>> {
    let mut out = Vec::with_capacity(block.inlines.len() + 1);
    let bold = matches!(block.kind, Kind::Title | Kind::Heading);
    match block.kind {
        Kind::Bullet => out.push(Inline::Text {
            text: "• ".into(),
            bold: false,
        }),
        Kind::Quote => out.push(Inline::Text {
            text: "｜".into(),
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
    Some(out)
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
    fn text_writes_links_out() {
        assert_eq!(
            body(Dialect::Text, SAMPLE),
            "标题\n【概要】\n· 报名：点击报名：https://x.com/r\n嘉宾"
        );
    }

    #[test]
    fn lark_has_no_headings() {
        assert_eq!(body(Dialect::LarkMarkdown, "# 标题\n- a"), "**标题**\n- a");
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
