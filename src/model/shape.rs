//! The one decision of a message's shape: for a (platform, channel format, kind, event), the
//! wire format (the card asked for, or the platform's markdown when the card has nothing to
//! link to), where the title goes, the links a card carries (and what it cannot hold), and
//! each part's byte budget. Render, `preview`, `check`, `send` and the daemon all take it
//! from here; the payload builder only follows it.

use super::{Event, Format, Limits, MessageKind, Platform, href};
use serde::Serialize;

/// What a card link is for; `render` words its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRole {
    Registration,
    Live,
    Replay,
    Slides,
    Article,
    Project,
}

/// One link a card may carry: its role, the name of what it links (a talk's or link's
/// title; empty for registration) and its link-safe URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardLink {
    pub role: LinkRole,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shape {
    pub platform: Platform,
    /// The format the channel asked for.
    pub asked: Format,
    /// The format posted: `asked`, or the platform's markdown for a card with no link.
    pub format: Format,
    /// Byte budgets of `format`.
    pub limits: Limits,
    /// The title has a field of its own that readers see (Feishu post title, card header,
    /// link/news/feed titles): the body does not repeat it.
    pub title_field: bool,
    /// The most characters that title field shows (WeCom template_card ≈ 26, news 128
    /// bytes); a longer title is clipped there and written in full at the top of the body.
    pub title_chars: Option<usize>,
    /// A summary card shows one short text: one part, never split.
    pub summary: bool,
    /// The links the card carries (buttons, feed items, news articles, jump list), link-safe.
    pub links: Vec<CardLink>,
    /// Links of the event this card cannot hold (its documented count); `check` names them.
    pub dropped: Vec<CardLink>,
}

impl Shape {
    pub fn decide(platform: Platform, asked: Format, kind: MessageKind, event: &Event) -> Shape {
        let all = card_links(event, kind);
        let format = if asked.needs_link() && all.is_empty() {
            Format::Markdown
        } else {
            asked
        };
        let max = max_links(format);
        let keep = all.len().min(max);
        let (links, mut dropped) = (all[..keep].to_vec(), all[keep..].to_vec());
        if format.is_summary_card() {
            // The footer's project links are text a summary card does not show.
            dropped.extend(event.project_links.iter().map(|l| CardLink {
                role: LinkRole::Project,
                name: l.title.clone(),
                url: href(&l.url),
            }));
        }
        Shape {
            platform,
            asked,
            format,
            limits: Limits::of(platform, format),
            title_field: title_field(platform, format),
            title_chars: match format {
                Format::TemplateCard => Some(26),
                Format::News => Some(42),
                _ => None,
            },
            summary: format.is_summary_card(),
            links: if format.is_card() { links } else { Vec::new() },
            dropped: if format.is_card() {
                dropped
            } else {
                Vec::new()
            },
        }
    }

    /// Whether the body starts with the title: when the format has no title field of its
    /// own, or its field would clip `title`.
    pub fn title_in_body(&self, title: &str) -> bool {
        !self.title_field || self.title_chars.is_some_and(|n| title.chars().count() > n)
    }

    /// The title as its field shows it: clipped with `…` to what the field holds.
    pub fn field_title(&self, title: &str) -> String {
        match self.title_chars {
            Some(n) if title.chars().count() > n => {
                let kept: String = title.chars().take(n - 1).collect();
                format!("{kept}…")
            }
            _ => title.to_string(),
        }
    }

    /// The one link a link card / news article / template card opens as a whole.
    pub fn main_url(&self) -> Option<&str> {
        self.links.first().map(|l| l.url.as_str())
    }
}

fn title_field(platform: Platform, format: Format) -> bool {
    match (platform, format) {
        (Platform::Feishu, Format::Post | Format::Interactive) => true,
        (_, f) => f.is_summary_card(),
    }
}

/// How many links each card holds: WeCom news 8 articles and template_card 3 jumps (the
/// documented and commonly quoted counts; the card itself opens the first); the others have no documented maximum, so herald
/// keeps a readable 10 (DingTalk) / 10 (Feishu buttons).
fn max_links(format: Format) -> usize {
    match format {
        Format::News => 8,
        Format::TemplateCard => 3,
        Format::ActionCard | Format::FeedCard | Format::Interactive => 10,
        Format::Link => 1,
        _ => 0,
    }
}

/// Every link that matters for this kind of message, in the order a reader wants them:
/// registration and live streams before the event; replays, every deck and the articles
/// after it.
pub fn card_links(e: &Event, kind: MessageKind) -> Vec<CardLink> {
    let mut out: Vec<CardLink> = Vec::new();
    let mut push = |role: LinkRole, name: &str, url: &str| {
        let url = href(url);
        if !out.iter().any(|l| l.url == url) {
            out.push(CardLink {
                role,
                name: name.to_string(),
                url,
            });
        }
    };
    match kind {
        MessageKind::Recap => {
            for r in &e.replays {
                push(LinkRole::Replay, &r.title, &r.url);
            }
            for t in &e.talks {
                if let Some(r) = &t.replay {
                    push(LinkRole::Replay, &t.title, r);
                }
            }
            for s in &e.slides {
                push(LinkRole::Slides, &s.title, &s.url);
            }
            for t in &e.talks {
                if let Some(s) = &t.slides {
                    push(LinkRole::Slides, &t.title, s);
                }
            }
            for a in &e.articles {
                push(LinkRole::Article, &a.title, &a.url);
            }
        }
        MessageKind::Cancel => {}
        _ => {
            if let Some(r) = &e.registration {
                push(LinkRole::Registration, "", r);
            }
            for l in &e.live {
                push(LinkRole::Live, &l.title, &l.url);
            }
        }
    }
    out
}
