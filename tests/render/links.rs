//! Links always work: for every fixture, kind, platform and format, every URL that matters
//! for that kind appears intact and clickable in the request bodies that are posted — inside
//! `[text](url)` in Markdown, as an `a` element in a Feishu post, as a card's button or item,
//! alone between whitespace (or after a `：` label) and a line end in plain text — or is
//! named by the message as left out of a card (which `herald check` reports). Plain text
//! never shows a look-alike character the event text does not have.

use super::{fixtures, render_as};
use herald::model::{ChannelSpec, Event, Message, MessageKind, Platform, href};
use serde_json::Value;

/// The URLs a reader of this kind of message needs, in their link-safe form.
fn urls(e: &Event, kind: MessageKind) -> Vec<String> {
    let links = |l: &[herald::model::Link]| l.iter().map(|l| l.url.clone()).collect::<Vec<_>>();
    let mut out: Vec<String> = match kind {
        MessageKind::Recap => {
            let mut v = links(&e.slides);
            v.extend(links(&e.replays));
            v.extend(links(&e.articles));
            for t in &e.talks {
                v.extend(t.slides.clone());
                v.extend(t.replay.clone());
            }
            v
        }
        MessageKind::Cancel => Vec::new(),
        _ => {
            let mut v: Vec<String> = e.registration.iter().cloned().collect();
            v.extend(links(&e.live));
            v
        }
    };
    out.extend(links(&e.project_links));
    out.iter().map(|u| href(u)).collect()
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn post_links(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| post_links(x, out)),
        Value::Object(m) => {
            if m.get("tag").and_then(Value::as_str) == Some("a")
                && let Some(h) = m.get("href").and_then(Value::as_str)
            {
                out.push(h.to_string());
            }
            m.values().for_each(|x| post_links(x, out));
        }
        _ => {}
    }
}

/// In plain text: `url` alone, after the line start, whitespace or a `：` label, before
/// whitespace or the line end.
fn alone(text: &str, url: &str) -> bool {
    text.match_indices(url).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + url.len()..].chars().next();
        before.is_none_or(|c| c.is_whitespace() || c == '：')
            && after.is_none_or(char::is_whitespace)
    })
}

fn bodies(m: &Message) -> Vec<Value> {
    let mut spec = ChannelSpec::console("links");
    spec.platform = m.platform;
    spec.format = m.asked;
    (0..m.parts.len())
        .map(|i| herald::channels::request_body(&spec, m, i, 0).unwrap())
        .collect()
}

fn check(e: &Event, m: &Message) -> Vec<String> {
    let bodies = bodies(m);
    let mut texts = Vec::new();
    let mut anchors = Vec::new();
    for b in &bodies {
        strings(b, &mut texts);
        post_links(b, &mut anchors);
    }
    let plain = m.format == herald::model::Format::Text;
    let mut failures = Vec::new();
    for url in urls(e, m.kind) {
        let shown = if plain {
            texts.iter().any(|t| alone(t, &url))
        } else {
            texts
                .iter()
                .any(|t| t.contains(&format!("]({url})")) || t == &url)
                || anchors.contains(&url)
        };
        let named = m.dropped.iter().any(|l| l.url == url);
        if !(shown || named) {
            failures.push(format!(
                "{} {} {} {}: `{url}` neither shown as a link nor named as left out",
                e.id, m.kind, m.platform, m.asked
            ));
        }
    }
    if plain {
        let written: String = texts.concat();
        for c in ['＿', '＊', '［', '］', '＜', '＞', '｀'] {
            let source = serde_json::to_string(e).unwrap();
            if written.contains(c) && !source.contains(c) {
                failures.push(format!(
                    "{} {} {}: plain text shows a look-alike `{c}`",
                    e.id, m.kind, m.platform
                ));
            }
        }
    }
    failures
}

#[test]
fn every_url_of_every_fixture_works_in_every_format() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for e in fixtures() {
        for kind in MessageKind::ALL {
            for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
                for &format in platform.formats() {
                    let m = render_as(&e, kind, platform, format);
                    failures.extend(check(&e, &m));
                    checked += 1;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, fixtures().len() * MessageKind::ALL.len() * 13);
}

#[test]
fn a_plain_url_with_underscores_stays_whole_in_text_and_markdown() {
    let e = super::event("sofa-meetup-8-chengdu");
    let mut e = e.clone();
    let url = "https://www.bilibili.com/video/BV1?spm_id_from=333.999&vd_source=ab_cd";
    e.replays = vec![herald::model::Link {
        title: "回放".into(),
        url: url.into(),
    }];
    for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
        for &format in platform.formats() {
            let m = render_as(&e, MessageKind::Recap, platform, format);
            let failures = check(&e, &m);
            assert!(failures.is_empty(), "{}", failures.join("\n"));
            let all: String = bodies(&m).iter().map(Value::to_string).collect();
            assert!(!all.contains("spm＿id"), "{platform} {format}");
        }
    }
}
