//! A rendered message: what one channel receives for one (event, kind), already in the
//! platform's dialect and split into parts that each fit the platform's byte limit.

use super::{Format, Link, MessageKind, Platform};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub kind: MessageKind,
    pub platform: Platform,
    /// The format posted, as `Shape::decide` chose it (a card without a link is markdown).
    pub format: Format,
    /// The format the channel asked for.
    pub asked: Format,
    /// Notification / chat-list title (DingTalk `markdown.title`, Feishu post title, card header).
    pub title: String,
    /// The title as the format's own title field shows it (clipped where the field is short).
    pub field_title: String,
    /// Ordered parts, each within `Limits::of(platform, format).content_bytes`. Marked (1/3)…
    /// in their text when there is more than one.
    pub parts: Vec<Part>,
    /// The links a card carries (buttons, feed items, news articles, jump list); empty for
    /// text and markdown.
    pub buttons: Vec<Link>,
    /// Links of the event the card cannot hold (`herald check` names them).
    pub dropped: Vec<Link>,
    /// One line under a card's title: when the event happens, in the house form.
    pub subtitle: Option<String>,
    /// The community the card names as its source (`[herald].community`).
    pub source: Option<String>,
    /// Cover image URL for card formats.
    pub cover: Option<String>,
    /// The one link a card opens as a whole (its first link).
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// 1-based.
    pub index: usize,
    pub total: usize,
    pub body: PartBody,
}

impl Part {
    /// The content's size in UTF-8 bytes, as counted against the platform limit.
    pub fn bytes(&self) -> usize {
        self.body.bytes()
    }
}

/// The JSON around one rich-text element's text (tag, keys, quotes, a bold style, a comma).
const RICH_ELEMENT_JSON: usize = 48;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "content", rename_all = "snake_case")]
pub enum PartBody {
    /// Markdown (in the platform's subset) or plain text, ready for the content field.
    Text(String),
    /// Rich text paragraphs (Feishu `post`): each paragraph a list of inline elements.
    Rich(Vec<Vec<Inline>>),
}

impl PartBody {
    pub fn bytes(&self) -> usize {
        match self {
            PartBody::Text(s) => s.len(),
            // As the request body carries them: each element's JSON
            // (`{"tag":"text","text":"…","style":["bold"]},`) and each paragraph's brackets,
            // so a part within its budget is within the platform's body limit.
            PartBody::Rich(paras) => {
                paras
                    .iter()
                    .flat_map(|p| p.iter())
                    .map(|i| i.bytes() + RICH_ELEMENT_JSON)
                    .sum::<usize>()
                    + 3 * paras.len()
            }
        }
    }

    /// All visible text and link targets, for checks such as keyword mode and fact survival.
    pub fn plain(&self) -> String {
        match self {
            PartBody::Text(s) => s.clone(),
            PartBody::Rich(paras) => paras
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|i| match i {
                            Inline::Text { text, .. } => text.clone(),
                            Inline::Link { text, href } => format!("{text} {href}"),
                        })
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "tag", rename_all = "snake_case")]
pub enum Inline {
    Text { text: String, bold: bool },
    Link { text: String, href: String },
}

impl Inline {
    pub fn bytes(&self) -> usize {
        match self {
            Inline::Text { text, .. } => text.len(),
            Inline::Link { text, href } => text.len() + href.len(),
        }
    }
}
