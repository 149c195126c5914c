//! Words that fit the moment: the title once per message, reminders that know whether the
//! event is ahead, running or over, recaps without registration, text without chained labels.

use super::{fixtures, render_as};
use herald::model::{ChannelSpec, Format, Message, MessageKind, Platform};
use herald::render::{RenderRequest, Renderer};
use serde_json::Value;

/// What a reader sees of a request body: every string except the fields only a notification
/// shows (DingTalk `markdown.title` / `actionCard.title`) and URLs.
fn visible(v: &Value, key: &str, out: &mut Vec<String>) {
    match v {
        Value::String(s) if !matches!(key, "title_notification" | "msgtype" | "msg_type") => {
            out.push(s.clone())
        }
        Value::Array(a) => a.iter().for_each(|x| visible(x, key, out)),
        Value::Object(m) => {
            let notification = m.contains_key("singleURL")
                || m.contains_key("btns")
                || (m.contains_key("text")
                    && m.contains_key("title")
                    && !m.contains_key("messageUrl"));
            for (k, x) in m {
                let k = if notification && k == "title" {
                    "title_notification"
                } else {
                    k.as_str()
                };
                visible(x, k, out);
            }
        }
        _ => {}
    }
}

fn bodies(m: &Message) -> Vec<Value> {
    let mut spec = ChannelSpec::console("words");
    spec.platform = m.platform;
    spec.format = m.asked;
    (0..m.parts.len())
        .map(|i| herald::channels::request_body(&spec, m, i, 0).unwrap())
        .collect()
}

#[test]
fn the_title_appears_once_per_message_in_every_format() {
    let mut failures = Vec::new();
    for e in fixtures() {
        for kind in MessageKind::ALL {
            for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
                for &format in platform.formats() {
                    let m = render_as(&e, kind, platform, format);
                    let title = if kind == MessageKind::Digest {
                        &m.title
                    } else {
                        &e.title
                    };
                    for (i, body) in bodies(&m).iter().enumerate() {
                        let mut seen = Vec::new();
                        visible(body, "", &mut seen);
                        let n: usize = seen.iter().map(|s| s.matches(title.as_str()).count()).sum();
                        if n != 1 {
                            failures.push(format!(
                                "{} {kind} {platform} {format} part {}: title {n} times",
                                e.id,
                                i + 1
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn remind_at(minutes_from_start: i64) -> String {
    let e = super::event("sofa-channel-35");
    let req = RenderRequest {
        event: &e,
        kind: MessageKind::Remind,
        platform: Platform::Wecom,
        format: Format::Text,
        now: e.start.to_utc() + chrono::TimeDelta::minutes(minutes_from_start),
        changes: &[],
        digest: &[],
    };
    let m = Renderer::new(None).unwrap().render(&req).unwrap();
    m.parts.iter().map(|p| p.body.plain()).collect()
}

#[test]
fn a_reminder_knows_whether_the_event_is_ahead_running_or_over() {
    let ahead = remind_at(-27 * 60);
    assert!(ahead.contains("活动将于明天晚上 19:00 开始"), "{ahead}");
    let soon = remind_at(-30);
    assert!(soon.contains("活动即将开始"), "{soon}");
    let running = remind_at(10);
    assert!(running.contains("活动正在进行"), "{running}");
    assert!(running.contains("http://live.bilibili.com/21954520"));
    let over = remind_at(3 * 60);
    assert!(over.contains("活动已经结束"), "{over}");
    assert!(
        !over.contains("正在进行") && !over.contains("不见不散"),
        "{over}"
    );
}

#[test]
fn recaps_drop_registration_and_text_never_chains_labels() {
    for e in fixtures() {
        for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
            for &format in platform.formats() {
                let text: String = render_as(&e, MessageKind::Recap, platform, format)
                    .parts
                    .iter()
                    .map(|p| p.body.plain())
                    .collect();
                assert!(!text.contains("报名"), "{} {platform} {format}", e.id);
            }
            for kind in MessageKind::ALL {
                let text: String = render_as(&e, kind, platform, Format::Text)
                    .parts
                    .iter()
                    .map(|p| p.body.plain())
                    .collect();
                for chained in ["点击报名：", "【《", "：观看回放："] {
                    assert!(
                        !text.contains(chained),
                        "{} {kind} {platform}: {text}",
                        e.id
                    );
                }
            }
        }
    }
}

/// A manual digest of one event (no events given) lists that event, as its preview does.
#[test]
fn a_digest_without_events_lists_its_own_event() {
    let e = super::event("sofa-meetup-8-chengdu");
    let req = RenderRequest {
        event: &e,
        kind: MessageKind::Digest,
        platform: Platform::Wecom,
        format: Format::Markdown,
        now: e.start.to_utc() - chrono::TimeDelta::days(3),
        changes: &[],
        digest: &[],
    };
    let m = Renderer::new(None).unwrap().render(&req).unwrap();
    assert_eq!(m.title, "【本周活动】共 1 场");
    assert!(m.parts[0].body.plain().contains(&e.title));
}

/// Records hold what pages say: an all-day event and one without an end read naturally
/// (never `00:00-00:00`), contact notes and project links are shown.
#[test]
fn all_day_open_ended_notes_and_project_links() {
    let parse = |text: &str| {
        herald::source::parse_event(
            std::path::Path::new("x.toml"),
            text,
            herald::model::Zone::SHANGHAI,
        )
        .unwrap()
    };
    let text = |e: &herald::model::Event, kind| -> String {
        render_as(e, kind, Platform::Wecom, Format::Text)
            .parts
            .iter()
            .map(|p| p.body.plain())
            .collect()
    };
    let all_day = parse(
        "title = \"SOFA 五周年\"\nstart = 2025-04-26\n[[project_links]]\ntitle = \"SOFARPC\"\nurl = \"https://github.com/sofastack/sofa-rpc\"\n[[contacts]]\nkind = \"dingtalk_group\"\nvalue = \"123\"\nlabel = \"直播答疑群\"\n",
    );
    let announce = text(&all_day, MessageKind::Announce);
    assert!(
        announce.contains("活动时间：2025 年 04 月 26 日（周六）全天"),
        "{announce}"
    );
    assert!(!announce.contains("00:00"), "{announce}");
    assert!(
        announce.contains("SOFARPC：https://github.com/sofastack/sofa-rpc"),
        "{announce}"
    );
    assert!(announce.contains("123（直播答疑群）"), "{announce}");
    let remind = text(&all_day, MessageKind::Remind);
    assert!(remind.contains("活动将于后天举行"), "{remind}");
    let open = parse("title = \"T\"\nstart = 2025-04-26T19:00:00\n");
    let announce = text(&open, MessageKind::Announce);
    assert!(
        announce.contains("活动时间：2025 年 04 月 26 日（周六）19:00 开始"),
        "{announce}"
    );
    assert!(!announce.contains("19:00-"), "{announce}");
}

/// Each platform's Markdown as its client renders it, for every fixture and kind: Feishu's
/// lark_md (interactive cards) has no list or quote syntax, so no line starts with `- ` or
/// `> ` (lists are `•` lines); DingTalk's markdown runs single line breaks together, so text
/// lines are always separated by a blank line.
#[test]
fn markdown_is_written_as_each_client_renders_it() {
    for e in fixtures() {
        for kind in MessageKind::ALL {
            let card = render_as(&e, kind, Platform::Feishu, Format::Interactive);
            assert_eq!(card.format, Format::Interactive, "{} {kind}", e.id);
            for part in &card.parts {
                let text = part.body.plain();
                for line in text.lines() {
                    assert!(
                        !line.starts_with("- ") && !line.starts_with("> "),
                        "{} {kind} lark_md: {line}",
                        e.id
                    );
                }
            }
            let md = render_as(&e, kind, Platform::Dingtalk, Format::Markdown);
            for part in &md.parts {
                let text = part.body.plain();
                let single = text
                    .match_indices('\n')
                    .find(|(i, _)| !text[..*i].ends_with('\n') && !text[i + 1..].starts_with('\n'));
                assert!(
                    single.is_none(),
                    "{} {kind} dingtalk: a single line break in {text}",
                    e.id
                );
            }
        }
    }
}
