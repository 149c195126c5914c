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

/// Byte limits for one (platform, format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// The most UTF-8 bytes one part's rendered content may take. Rendering splits to stay
    /// within it; for body-limited platforms it leaves room for the JSON envelope.
    pub content_bytes: usize,
    /// The platform's limit on the whole JSON request body, if it has one.
    pub body_bytes: Option<usize>,
}

impl Limits {
    pub fn of(platform: Platform, format: Format) -> Limits {
        match (platform, format) {
            // WeCom limits the content field itself [W1][W5].
            (Platform::Wecom, Format::Text) => Limits {
                content_bytes: 2048,
                body_bytes: None,
            },
            // Markdown: 4096 [W1], less room for the `<@userid>` mentions appended to the
            // last part (WeCom has no mention field for markdown).
            (Platform::Wecom, _) => Limits {
                content_bytes: 4096 - WECOM_MENTION_ROOM,
                body_bytes: None,
            },
            // DingTalk limits the whole body to 20 000 bytes [D5]; keep 2 000 for the envelope
            // (title, `at`, JSON escaping of quotes and newlines).
            (Platform::Dingtalk, _) => Limits {
                content_bytes: 18_000,
                body_bytes: Some(20_000),
            },
            // Feishu: 20 KB request body [F1]; rich text elements cost ~30 bytes of JSON each.
            (Platform::Feishu, _) => Limits {
                content_bytes: 12_000,
                body_bytes: Some(20_000),
            },
            (Platform::Console, _) => Limits {
                content_bytes: 1 << 20,
                body_bytes: None,
            },
        }
    }
}
