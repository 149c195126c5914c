//! `herald export`: an event as a page of the community's Hugo site, in the seeds' format
//! (front matter; 概要; 活动回顾 or 活动议程 with each talk's 嘉宾介绍 / 议题简介 / 听众收获;
//! 资料下载 links; the contacts footer), so that `herald import` reads the same event back.

use super::zh_time;
use crate::model::{Event, EventStatus, Speaker, Talk};
use minijinja::Environment;
use serde::Serialize;

/// Which page: the recap after the event, or the announcement before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Recap,
    Announce,
}

#[derive(Debug, thiserror::Error)]
#[error("page for event `{event}`: {message}")]
pub struct PageError {
    pub event: String,
    pub message: String,
}

#[derive(Serialize)]
struct TalkContext {
    heading: String,
    speakers: Vec<String>,
    bios: Vec<String>,
    r#abstract: Vec<String>,
    outline: Vec<String>,
    takeaways: Vec<String>,
    slides: Option<String>,
    replay: Option<String>,
}

#[derive(Serialize)]
struct PageContext<'a> {
    e: &'a Event,
    recap: bool,
    page_title: String,
    author: &'a str,
    description: String,
    category: String,
    tags: Vec<String>,
    date: String,
    cover: Option<String>,
    timezone: Option<String>,
    time: String,
    format_label: &'static str,
    talks: Vec<TalkContext>,
}

/// `周群力（花名：仪式），开源爱好者`: one speaker line.
fn person_line(s: &Speaker) -> String {
    let mut line = s.name.clone();
    if let Some(alias) = &s.alias {
        line.push_str(&format!("（花名：{alias}）"));
    }
    if let Some(role) = &s.role {
        line.push_str(&format!("，{role}"));
    }
    line
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn talk(t: &Talk) -> TalkContext {
    let slot = t.slot.map(|s| match s.end {
        Some(end) => format!("{}-{} ", s.start.format("%H:%M"), end.format("%H:%M")),
        None => format!("{} ", s.start.format("%H:%M")),
    });
    TalkContext {
        heading: format!("{}《{}》", slot.unwrap_or_default(), t.title),
        speakers: t.speakers.iter().map(person_line).collect(),
        bios: t.speakers.iter().filter_map(|s| s.bio.clone()).collect(),
        r#abstract: t.r#abstract.as_deref().map(paragraphs).unwrap_or_default(),
        outline: t.outline.clone(),
        takeaways: t.takeaways.clone(),
        slides: t.slides.clone(),
        replay: t.replay.clone(),
    }
}

/// Markdown-escape text so the page shows it as written (and reads back the same).
fn md(text: String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut line_start = true;
    for c in text.chars() {
        let leading = line_start && matches!(c, '#' | '-' | '+' | '>' | '=');
        line_start = c == '\n';
        if leading || matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '`' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn yaml(value: minijinja::Value) -> String {
    serde_json::to_string(&value).unwrap_or_else(|_| "\"\"".to_string())
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_keep_trailing_newline(true);
    env.add_filter("md", md);
    env.add_filter("yaml", yaml);
    env.add_filter("paras", |s: String| paragraphs(&s));
    env.add_template("page", include_str!("templates/page.j2"))
        .expect("the built-in page template parses");
    env
}

/// The front matter's author when `herald export` is not told one (as the seeds write it).
pub const DEFAULT_PAGE_AUTHOR: &str = "SOFA 团队";

/// The page's text. `author` goes into the front matter.
pub fn page(event: &Event, kind: PageKind, author: &str) -> Result<String, PageError> {
    let prefix = match (event.status, kind) {
        (EventStatus::Cancelled, _) => "【活动取消】",
        (EventStatus::Postponed, _) => "【活动延期】",
        (_, PageKind::Recap) => "【活动回顾】",
        (_, PageKind::Announce) => "【活动报名】",
    };
    let mut tags: Vec<String> = event.series.iter().cloned().collect();
    tags.extend(event.tags.iter().cloned());
    let zone = event.start.timezone();
    let ctx = PageContext {
        e: event,
        recap: kind == PageKind::Recap,
        page_title: format!("{prefix}{}", event.title),
        author,
        description: event
            .summary
            .as_deref()
            .and_then(|s| paragraphs(s).into_iter().next())
            .unwrap_or_else(|| event.title.clone()),
        category: event.series.clone().unwrap_or_else(|| "活动".to_string()),
        tags,
        date: event.start.to_rfc3339(),
        cover: event.cover.clone().or_else(|| {
            event
                .extra
                .get("page_cover")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        }),
        timezone: (zone != crate::model::Zone::SHANGHAI).then(|| zone.name().to_string()),
        time: zh_time::range(&event.start, &event.end),
        format_label: super::context::format_label(event.format),
        talks: event.talks.iter().map(talk).collect(),
    };
    environment()
        .get_template("page")
        .and_then(|t| t.render(&ctx))
        .map_err(|e| PageError {
            event: event.id.clone(),
            message: e.to_string(),
        })
}
