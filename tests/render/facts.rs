//! Fact survival: for every corpus event, each talk title, speaker (name and 花名), slide,
//! replay, live and registration URL, the date and start time, the venue and each DingTalk
//! group number in its facts file appears in the rendered recap (registration and live links:
//! in the announcement), all parts together, each part within its platform limit.

use super::{event, render};
use herald::model::{Limits, Message, MessageKind, Platform};
use serde_json::Value;

fn all_text(m: &Message) -> String {
    let limit = Limits::of(m.platform, m.format).content_bytes;
    m.parts
        .iter()
        .map(|p| {
            assert!(
                p.bytes() <= limit,
                "{} part {} over {limit}",
                m.title,
                p.index
            );
            p.body.plain()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A URL survives if it appears as written or in its documented link-safe form.
fn has_url(text: &str, url: &str) -> bool {
    text.contains(url) || text.contains(&herald::render::href(url))
}

fn strs<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn speaker_names(s: &str) -> Vec<String> {
    s.split('、')
        .flat_map(|n| {
            n.split(['（', '）', '：'])
                .map(|x| x.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|x| !x.is_empty() && x != "花名")
        .collect()
}

#[test]
fn every_corpus_fact_survives_rendering_and_splitting() {
    // A copy of shared/corpus/facts, so the test runs on any clean clone.
    let dir = super::root().join("tests/fixtures/facts");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/facts") {
        let path = entry.unwrap().path();
        let facts: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let ev = event(facts["id"].as_str().unwrap());
        for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
            let recap = all_text(&render(&ev, MessageKind::Recap, platform));
            let announce = all_text(&render(&ev, MessageKind::Announce, platform));
            let missing = |what: &str, needle: &str, text: &str| {
                format!("{} {platform}: {what} `{needle}` missing", ev.id)
                    + &format!("\n{text}").chars().take(0).collect::<String>()
            };
            let start =
                chrono::DateTime::parse_from_rfc3339(facts["start"].as_str().unwrap()).unwrap();
            for needle in [
                start.format("%Y 年 %m 月 %d 日").to_string(),
                start.format("%H:%M").to_string(),
            ] {
                assert!(
                    recap.contains(&needle) && announce.contains(&needle),
                    "{}",
                    missing("date", &needle, &recap)
                );
            }
            for talk in facts["talks"].as_array().unwrap() {
                let title = talk["title"].as_str().unwrap();
                assert!(recap.contains(title), "{}", missing("talk", title, &recap));
                for name in speaker_names(talk["speaker"].as_str().unwrap()) {
                    assert!(
                        recap.contains(&name),
                        "{}",
                        missing("speaker", &name, &recap)
                    );
                }
                for key in ["slides_url", "replay_url"] {
                    if let Some(url) = talk[key].as_str() {
                        assert!(has_url(&recap, url), "{}", missing(key, url, &recap));
                    }
                }
            }
            for key in ["slides", "replay_urls"] {
                for link in facts[key].as_array().unwrap() {
                    let url = link["url"].as_str().unwrap();
                    assert!(has_url(&recap, url), "{}", missing(key, url, &recap));
                }
            }
            for url in strs(&facts, "live_urls")
                .into_iter()
                .chain(facts["registration_url"].as_str())
            {
                assert!(
                    has_url(&announce, url),
                    "{}",
                    missing("link", url, &announce)
                );
            }
            if let Some(venue) = facts["venue"].as_str() {
                assert!(recap.contains(venue), "{}", missing("venue", venue, &recap));
            }
            for c in facts["community_contacts"].as_array().unwrap() {
                if c["type"] == "dingtalk_group" {
                    let group = c["value"].as_str().unwrap();
                    assert!(
                        recap.contains(group) && announce.contains(group),
                        "{}",
                        missing("group", group, &recap)
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 30, "ten corpus events × three platforms");
}

#[test]
fn the_chengdu_sample_as_a_wecom_recap() {
    let m = render(
        &event("sofa-meetup-8-chengdu"),
        MessageKind::Recap,
        Platform::Wecom,
    );
    assert!(m.parts.len() > 1, "a faithful recap is over 4096 bytes");
    let text = all_text(&m);
    for slide in [
        "75201cac-3aff-499b-8715-8809c00ae977.pdf",
        "ce6c26b1-c98e-4d9f-b9ef-21ad42e012c7.pdf",
        "82be6ceb-89e0-4d4e-9cc9-42128fc2491f.pdf",
        "26189392-95ec-403c-9187-b8af6a22ee95.pdf",
    ] {
        assert_eq!(text.matches(slide).count(), 1, "{slide}");
    }
    for speaker in ["刘浩杨", "周群力（花名：仪式）", "张稀虹", "侯璐瑶"] {
        assert!(text.contains(speaker), "{speaker}");
    }
    assert!(text.contains("34197075"));
}

#[test]
fn a_raw_hash_in_a_slide_url_does_not_cut_the_link() {
    let m = render(
        &event("sofa-channel-35"),
        MessageKind::Recap,
        Platform::Dingtalk,
    );
    let text = all_text(&m);
    assert!(
        text.contains("SOFAChannel%2335%20SOFABoot%204.0%20%E2%80%94"),
        "{text}"
    );
    assert!(
        !text.contains("SOFAChannel#35%20"),
        "a raw # would end the link's path"
    );
}
