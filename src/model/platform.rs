//! The chat platforms herald posts to, the message formats each accepts, and their byte limits.
//! Facts from `shared/docs/platform-apis.md`; limits are UTF-8 bytes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Dingtalk,
    Wecom,
    Feishu,
    /// Prints what would be posted; needs no secret. The demo channel.
    Console,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Dingtalk,
        Platform::Wecom,
        Platform::Feishu,
        Platform::Console,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Dingtalk => "dingtalk",
            Platform::Wecom => "wecom",
            Platform::Feishu => "feishu",
            Platform::Console => "console",
        }
    }

    /// The format used when a channel does not choose one.
    pub fn default_format(self) -> Format {
        match self {
            Platform::Dingtalk | Platform::Wecom | Platform::Console => Format::Markdown,
            Platform::Feishu => Format::Post,
        }
    }

    /// Formats this platform accepts for a rendered event message.
    pub fn formats(self) -> &'static [Format] {
        match self {
            Platform::Dingtalk => &[
                Format::Markdown,
                Format::Text,
                Format::ActionCard,
                Format::Link,
                Format::FeedCard,
            ],
            Platform::Wecom => &[
                Format::Markdown,
                Format::MarkdownV2,
                Format::Text,
                Format::News,
                Format::TemplateCard,
            ],
            Platform::Feishu => &[Format::Post, Format::Text, Format::Interactive],
            Platform::Console => &[Format::Markdown, Format::Text],
        }
    }

    /// Requests per minute a robot accepts before the platform throttles it.
    pub fn default_per_minute(self) -> u32 {
        match self {
            Platform::Dingtalk | Platform::Wecom => 20,
            Platform::Feishu => 100,
            Platform::Console => 6000,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                format!("unknown platform `{s}` (expected dingtalk, wecom, feishu or console)")
            })
    }
}

/// A message format (the platform's `msgtype` / `msg_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Markdown,
    /// WeCom markdown_v2: lists and tables, but no `<@userid>` mentions or colours.
    #[serde(rename = "markdown_v2")]
    MarkdownV2,
    Text,
    /// DingTalk actionCard: markdown text plus buttons (报名 / 直播 / 回放).
    ActionCard,
    /// DingTalk link card.
    Link,
    /// DingTalk feedCard.
    FeedCard,
    /// WeCom news (cover + link).
    News,
    /// WeCom template_card (text_notice).
    TemplateCard,
    /// Feishu rich text.
    Post,
    /// Feishu interactive card.
    Interactive,
}

impl Format {
    /// Cards: they carry the message's links as buttons, items or jumps.
    pub fn is_card(self) -> bool {
        self.needs_link() || self == Format::Interactive
    }

    /// Cards that cannot be posted without a link: without one they go out as the
    /// platform's markdown.
    pub fn needs_link(self) -> bool {
        matches!(
            self,
            Format::ActionCard
                | Format::Link
                | Format::FeedCard
                | Format::News
                | Format::TemplateCard
        )
    }

    /// Cards that show a summary (a clipped description and a link), not the whole text:
    /// they go out as one part, since several would repeat the same title and link.
    pub fn is_summary_card(self) -> bool {
        matches!(
            self,
            Format::Link | Format::FeedCard | Format::News | Format::TemplateCard
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::MarkdownV2 => "markdown_v2",
            Format::Text => "text",
            Format::ActionCard => "action_card",
            Format::Link => "link",
            Format::FeedCard => "feed_card",
            Format::News => "news",
            Format::TemplateCard => "template_card",
            Format::Post => "post",
            Format::Interactive => "interactive",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bytes kept free in a WeCom markdown part for `<@userid>` mentions (about ten of them).
pub const WECOM_MENTION_ROOM: usize = 256;

/// What a platform counts against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measured {
    /// The text or markdown content field (WeCom).
    Content,
    /// The whole JSON request body (DingTalk, Feishu, WeCom cards).
    Body,
}

/// Byte limits for one (platform, wire format): the only place they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// The most UTF-8 bytes one part's rendered content may take. Rendering splits to stay
    /// within it (for a summary card: clips its one text to it); for body-limited platforms
    /// it leaves room for the JSON envelope.
    pub content_bytes: usize,
    /// What the platform measures, and its limit on that.
    pub measured: Measured,
    pub max_bytes: usize,
    /// What a card's short fields hold.
    pub fields: FieldLimits,
}

/// Byte limits of a card's short fields; `None` where the format has no such limit. Render
/// clips the fields to them, so the payload builder clips nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FieldLimits {
    /// Each link's title: a WeCom news article title (128 bytes [W10]), a template_card
    /// jump title (39 bytes).
    pub link_title: Option<usize>,
    /// The line under a template_card's title (`main_title.desc`, 90 bytes).
    pub subtitle: Option<usize>,
    /// A template_card's source label (39 bytes).
    pub source: Option<usize>,
}

impl FieldLimits {
    fn of(platform: Platform, format: Format) -> FieldLimits {
        match (platform, format) {
            (Platform::Wecom, Format::News) => FieldLimits {
                link_title: Some(128),
                ..FieldLimits::default()
            },
            // [W13] gives character counts; as bytes they also hold for CJK text.
            (Platform::Wecom, Format::TemplateCard) => FieldLimits {
                link_title: Some(39),
                subtitle: Some(90),
                source: Some(39),
            },
            _ => FieldLimits::default(),
        }
    }
}

/// `text` within `max` bytes (when there is a limit): cut at a character boundary with `…`.
pub fn clip_bytes(text: &str, max: Option<usize>) -> String {
    match max {
        Some(max) if text.len() > max => {
            let cut = text.floor_char_boundary(max.saturating_sub(3));
            format!("{}…", &text[..cut])
        }
        _ => text.to_string(),
    }
}

impl Limits {
    pub fn of(platform: Platform, format: Format) -> Limits {
        let (content_bytes, measured, max_bytes) = match (platform, format) {
            // WeCom limits the content field itself [W1][W5].
            (Platform::Wecom, Format::Text) => (2048, Measured::Content, 2048),
            // markdown_v2 cannot mention, so it needs no room for mentions [W8][W9].
            (Platform::Wecom, Format::MarkdownV2) => (4096, Measured::Content, 4096),
            // Markdown: 4096 [W1], less room for the `<@userid>` mentions appended to the
            // last part (WeCom has no mention field for markdown).
            (Platform::Wecom, Format::Markdown) => {
                (4096 - WECOM_MENTION_ROOM, Measured::Content, 4096)
            }
            // news description 512 bytes [W10]; template_card sub_title_text ≈ 112 chars [W13].
            (Platform::Wecom, Format::News) => (512, Measured::Body, 20_000),
            (Platform::Wecom, _) => (336, Measured::Body, 20_000),
            // A link card's text is cut in the bubble; a feed card shows only titles.
            (Platform::Dingtalk, Format::Link) => (500, Measured::Body, 20_000),
            (Platform::Dingtalk, Format::FeedCard) => (0, Measured::Body, 20_000),
            // DingTalk limits the whole body to 20 000 bytes [D5]; keep 2 000 for the envelope
            // (title, `at`, JSON escaping of quotes and newlines).
            (Platform::Dingtalk, _) => (18_000, Measured::Body, 20_000),
            // Feishu: 20 KB request body [F1]; rich text elements cost ~30 bytes of JSON each.
            (Platform::Feishu, _) => (12_000, Measured::Body, 20_000),
            (Platform::Console, _) => (1 << 20, Measured::Body, usize::MAX),
        };
        Limits {
            content_bytes,
            measured,
            max_bytes,
            fields: FieldLimits::of(platform, format),
        }
    }
}
