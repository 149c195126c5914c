//! Request bodies: only this file knows each platform's JSON. One function per platform
//! builds the body for one part of a message in the format `Shape::decide` chose (carried by
//! the message), with the channel's mentions. Nothing is decided or clipped here: the part
//! texts, the card links and the format are the rendered message's.

use super::ChannelError;
use crate::model::{ChannelSpec, Format, Inline, Limits, Measured, Message, PartBody, Platform};
use serde_json::{Value, json};

/// The unsigned body of part `index` (0-based) for `spec`.
pub fn body(spec: &ChannelSpec, message: &Message, index: usize) -> Result<Value, ChannelError> {
    let part = message
        .parts
        .get(index)
        .ok_or_else(|| bad(spec, format!("no part {}", index + 1)))?;
    let last = index + 1 == message.parts.len();
    match spec.platform {
        Platform::Dingtalk => dingtalk(spec, message, &part.body, last),
        Platform::Wecom => wecom(spec, message, &part.body, last),
        Platform::Feishu => feishu(spec, message, &part.body, index, last),
        Platform::Console => Ok(json!({ "title": message.title, "text": part.body.plain() })),
    }
}

fn bad(spec: &ChannelSpec, why: String) -> ChannelError {
    ChannelError::Payload {
        channel: spec.name.clone(),
        why,
    }
}

fn text_of(body: &PartBody) -> String {
    body.plain()
}

fn dingtalk(
    spec: &ChannelSpec,
    m: &Message,
    body: &PartBody,
    last: bool,
) -> Result<Value, ChannelError> {
    let mut text = text_of(body);
    let mentions = &spec.mentions;
    let mention = last && !mentions.is_empty();
    if mention {
        // DingTalk only pings a mobile or user id that also appears in the text.
        let ats: Vec<String> = mentions
            .mobiles
            .iter()
            .chain(&mentions.user_ids)
            .map(|m| format!("@{m}"))
            .collect();
        if !ats.is_empty() {
            text.push_str(&format!("\n\n{}", ats.join(" ")));
        }
    }
    let at = json!({ "atMobiles": mentions.mobiles, "atUserIds": mentions.user_ids, "isAtAll": mention && mentions.all });
    Ok(match m.format {
        Format::Text => json!({ "msgtype": "text", "text": { "content": text }, "at": at }),
        Format::Markdown => {
            json!({ "msgtype": "markdown", "markdown": { "title": m.title, "text": text }, "at": at })
        }
        Format::ActionCard => {
            let mut card = json!({ "title": m.title, "text": text, "btnOrientation": if m.buttons.len() > 2 { "0" } else { "1" } });
            match m.buttons.as_slice() {
                [] => return Err(no_link(spec)),
                [one] => {
                    card["singleTitle"] = json!(one.title);
                    card["singleURL"] = json!(one.url);
                }
                many => {
                    card["btns"] = json!(
                        many.iter()
                            .map(|b| json!({ "title": b.title, "actionURL": b.url }))
                            .collect::<Vec<_>>()
                    )
                }
            }
            json!({ "msgtype": "actionCard", "actionCard": card })
        }
        Format::Link => {
            let url = m.url.clone().ok_or_else(|| no_link(spec))?;
            let mut link = json!({ "title": m.title, "text": text, "messageUrl": url });
            if let Some(pic) = &m.cover {
                link["picUrl"] = json!(pic);
            }
            json!({ "msgtype": "link", "link": link })
        }
        Format::FeedCard => {
            let pic = m.cover.clone().unwrap_or_default();
            let links: Vec<Value> = m
                .buttons
                .iter()
                .map(|b| json!({ "title": b.title, "messageURL": b.url, "picURL": pic }))
                .collect();
            if links.is_empty() {
                return Err(no_link(spec));
            }
            json!({ "msgtype": "feedCard", "feedCard": { "links": links } })
        }
        other => return Err(bad(spec, format!("dingtalk has no format {other}"))),
    })
}

fn no_link(spec: &ChannelSpec) -> ChannelError {
    bad(
        spec,
        "a card needs a link (registration, live, replay or slides)".into(),
    )
}

fn wecom(
    spec: &ChannelSpec,
    m: &Message,
    body: &PartBody,
    last: bool,
) -> Result<Value, ChannelError> {
    let mut text = text_of(body);
    let mentions = &spec.mentions;
    Ok(match m.format {
        Format::Text => {
            let mut users: Vec<String> = if last {
                mentions.user_ids.clone()
            } else {
                Vec::new()
            };
            if last && mentions.all {
                users.push("@all".into());
            }
            let mobiles: Vec<String> = if last {
                mentions.mobiles.clone()
            } else {
                Vec::new()
            };
            json!({ "msgtype": "text", "text": { "content": text, "mentioned_list": users, "mentioned_mobile_list": mobiles } })
        }
        Format::Markdown => {
            if last && !mentions.user_ids.is_empty() {
                // `<@userid>` is the only way to mention in WeCom markdown.
                let ats: Vec<String> = mentions
                    .user_ids
                    .iter()
                    .map(|u| format!("<@{u}>"))
                    .collect();
                text.push_str(&format!("\n{}", ats.join(" ")));
            }
            json!({ "msgtype": "markdown", "markdown": { "content": text } })
        }
        Format::MarkdownV2 => {
            json!({ "msgtype": "markdown_v2", "markdown_v2": { "content": text } })
        }
        Format::News => {
            let first = m.buttons.first().ok_or_else(|| no_link(spec))?;
            let mut lead = json!({ "title": m.field_title, "description": text, "url": first.url });
            if let Some(pic) = &m.cover {
                lead["picurl"] = json!(pic);
            }
            let articles: Vec<Value> = std::iter::once(lead)
                .chain(
                    m.buttons[1..]
                        .iter()
                        .map(|b| json!({ "title": b.title, "url": b.url })),
                )
                .collect();
            json!({ "msgtype": "news", "news": { "articles": articles } })
        }
        Format::TemplateCard => {
            // The card opens the first link; the jump list names every link it carries.
            let first = m.buttons.first().ok_or_else(|| no_link(spec))?;
            let jumps: Vec<Value> = m
                .buttons
                .iter()
                .map(|b| json!({ "type": 1, "url": b.url, "title": b.title }))
                .collect();
            let mut card = json!({
                "card_type": "text_notice",
                "main_title": { "title": m.field_title, "desc": m.subtitle.as_deref().unwrap_or(&first.title) },
                "sub_title_text": text,
                "card_action": { "type": 1, "url": first.url },
            });
            if !jumps.is_empty() {
                card["jump_list"] = json!(jumps);
            }
            // The source label: the community's name (`[herald].community`), if configured.
            if let Some(community) = &m.source {
                card["source"] = json!({ "desc": community, "desc_color": 0 });
            }
            json!({ "msgtype": "template_card", "template_card": card })
        }
        other => return Err(bad(spec, format!("wecom has no format {other}"))),
    })
}

fn feishu(
    spec: &ChannelSpec,
    m: &Message,
    body: &PartBody,
    index: usize,
    last: bool,
) -> Result<Value, ChannelError> {
    let mentions = &spec.mentions;
    let mut at_ids: Vec<String> = if last {
        mentions.user_ids.clone()
    } else {
        Vec::new()
    };
    if last && mentions.all {
        at_ids.push("all".into());
    }
    Ok(match m.format {
        Format::Post => {
            let mut paragraphs: Vec<Value> = match body {
                PartBody::Rich(paras) => paras
                    .iter()
                    .map(|p| Value::Array(p.iter().map(feishu_inline).collect()))
                    .collect(),
                PartBody::Text(t) => t
                    .lines()
                    .map(|l| json!([{ "tag": "text", "text": l }]))
                    .collect(),
            };
            if !at_ids.is_empty() {
                paragraphs.push(Value::Array(
                    at_ids
                        .iter()
                        .map(|id| json!({ "tag": "at", "user_id": id }))
                        .collect(),
                ));
            }
            json!({ "msg_type": "post", "content": { "post": { "zh_cn": { "title": part_title(m, index), "content": paragraphs } } } })
        }
        Format::Text => {
            let mut text = text_of(body);
            for id in &at_ids {
                let name = if id == "all" {
                    "所有人"
                } else {
                    id.as_str()
                };
                text.push_str(&format!(" <at user_id=\"{id}\">{name}</at>"));
            }
            json!({ "msg_type": "text", "content": { "text": text } })
        }
        Format::Interactive => {
            let mut text = text_of(body);
            for id in &at_ids {
                text.push_str(&format!(" <at id={id}></at>"));
            }
            let mut elements =
                vec![json!({ "tag": "div", "text": { "tag": "lark_md", "content": text } })];
            if last && !m.buttons.is_empty() {
                let actions: Vec<Value> = m.buttons.iter().map(|b| json!({ "tag": "button", "text": { "tag": "plain_text", "content": b.title }, "type": "primary", "url": b.url })).collect();
                elements.push(json!({ "tag": "action", "actions": actions }));
            }
            json!({ "msg_type": "interactive", "card": {
                "config": { "wide_screen_mode": true },
                "header": { "title": { "tag": "plain_text", "content": part_title(m, index) }, "template": "blue" },
                "elements": elements,
            }})
        }
        other => return Err(bad(spec, format!("feishu has no format {other}"))),
    })
}

fn feishu_inline(i: &Inline) -> Value {
    match i {
        Inline::Text { text, bold: true } => {
            json!({ "tag": "text", "text": text, "style": ["bold"] })
        }
        Inline::Text { text, .. } => json!({ "tag": "text", "text": text }),
        Inline::Link { text, href } => json!({ "tag": "a", "text": text, "href": href }),
    }
}

/// The title a part shows in its own field, marked (2/3) when there are several parts.
fn part_title(m: &Message, index: usize) -> String {
    if m.parts.len() > 1 {
        format!("{} ({}/{})", m.title, index + 1, m.parts.len())
    } else {
        m.title.clone()
    }
}

/// The size the platform limits (`Limits::of` the posted format says which) and its limit.
pub fn limited_bytes(m: &Message, body: &Value) -> (usize, usize) {
    let limits = Limits::of(m.platform, m.format);
    let bytes = match limits.measured {
        Measured::Content => ["/text/content", "/markdown/content", "/markdown_v2/content"]
            .iter()
            .find_map(|p| body.pointer(p).and_then(Value::as_str))
            .map_or(0, str::len),
        Measured::Body => body.to_string().len(),
    };
    (bytes, limits.max_bytes)
}
