//! PLACEHOLDER renderer (to be replaced by the real one): one plain part per message.

use crate::model::{
    Event, FieldChange, Format, Message, MessageKind, Part, PartBody, Platform, Problem,
};
use chrono::{DateTime, Utc};

pub struct Renderer;

pub struct RenderRequest<'a> {
    pub event: &'a Event,
    pub kind: MessageKind,
    pub platform: Platform,
    pub format: Format,
    pub now: DateTime<Utc>,
    pub changes: &'a [FieldChange],
    pub digest: &'a [Event],
}

#[derive(Debug, thiserror::Error)]
#[error("render {event}: {why}")]
pub struct RenderError {
    event: String,
    why: String,
}

impl Renderer {
    pub fn new(_overrides: Option<&std::path::Path>) -> Result<Renderer, Vec<Problem>> {
        Ok(Renderer)
    }

    pub fn render(&self, req: &RenderRequest<'_>) -> Result<Message, RenderError> {
        let e = req.event;
        let mut text = format!(
            "【{}】{}\n时间：{}",
            req.kind,
            e.title,
            e.start.format("%Y 年 %m 月 %d 日 %H:%M")
        );
        for c in req.changes {
            text.push_str(&format!("\n{}：{} → {}", c.label, c.old, c.new));
        }
        Ok(Message {
            kind: req.kind,
            platform: req.platform,
            format: req.format,
            title: e.title.clone(),
            parts: vec![Part {
                index: 1,
                total: 1,
                body: PartBody::Text(text),
            }],
            buttons: Vec::new(),
            cover: None,
            url: None,
        })
    }
}
