//! Cards carry every link that matters: a recap card reaches every deck and replay within
//! the card's counts; fields shown as plain text carry no markup; the source label is the
//! community's; what a card cannot hold is named (and `check` reports it).

use super::{event, render_as};
use herald::model::{ChannelSpec, Format, Message, MessageKind, Platform};
use herald::render::{RenderRequest, Renderer, Site};
use serde_json::Value;

fn body(m: &Message) -> Value {
    let mut spec = ChannelSpec::console("cards");
    spec.platform = m.platform;
    spec.format = m.asked;
    herald::channels::request_body(&spec, m, 0, 0).unwrap()
}

fn urls(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap().to_string())
        .collect()
}

/// Every deck and replay of the Chengdu meetup (four talks with slides).
fn decks_and_replays(m: &Message) -> Vec<String> {
    m.buttons.iter().map(|b| b.url.clone()).collect()
}

#[test]
fn recap_cards_reach_every_deck_and_replay() {
    let e = event("sofa-meetup-8-chengdu");
    let links = decks_and_replays(&render_as(
        &e,
        MessageKind::Recap,
        Platform::Dingtalk,
        Format::ActionCard,
    ));
    assert!(links.len() >= 4, "{links:?}");
    for talk in &e.talks {
        if let Some(s) = &talk.slides {
            assert!(links.contains(&herald::model::href(s)), "{s}");
        }
    }
    let action = body(&render_as(
        &e,
        MessageKind::Recap,
        Platform::Dingtalk,
        Format::ActionCard,
    ));
    assert_eq!(urls(&action["actionCard"]["btns"], "actionURL"), links);
    let feed = body(&render_as(
        &e,
        MessageKind::Recap,
        Platform::Dingtalk,
        Format::FeedCard,
    ));
    assert_eq!(urls(&feed["feedCard"]["links"], "messageURL"), links);
    let news = body(&render_as(
        &e,
        MessageKind::Recap,
        Platform::Wecom,
        Format::News,
    ));
    assert_eq!(urls(&news["news"]["articles"], "url"), links);
    let card = body(&render_as(
        &e,
        MessageKind::Recap,
        Platform::Wecom,
        Format::TemplateCard,
    ));
    let card = &card["template_card"];
    let mut reached = vec![card["card_action"]["url"].as_str().unwrap().to_string()];
    reached.extend(urls(&card["jump_list"], "url"));
    assert!(card["jump_list"].as_array().unwrap().len() <= 3);
    let feishu = body(&render_as(
        &e,
        MessageKind::Recap,
        Platform::Feishu,
        Format::Interactive,
    ));
    let buttons = feishu["card"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|el| el["tag"] == "action")
        .unwrap();
    assert_eq!(urls(&buttons["actions"], "url"), links);
    // The template card names three links as jumps (the card opens the first); the rest
    // is named as left out, not lost.
    let m = render_as(
        &e,
        MessageKind::Recap,
        Platform::Wecom,
        Format::TemplateCard,
    );
    let named: Vec<String> = m.dropped.iter().map(|l| l.url.clone()).collect();
    for url in &links {
        assert!(reached.contains(url) || named.contains(url), "{url}");
    }
}

#[test]
fn plain_text_card_fields_carry_no_markup_and_name_the_community() {
    let mut e = event("sofa-meetup-8-chengdu");
    e.registration = Some("https://example.com/register?a_b=1".into());
    let renderer = Renderer::new(None).unwrap().with_site(Site {
        community: Some("SOFAStack".into()),
        base: None,
    });
    let render = |kind, platform, format| {
        renderer
            .render(&RenderRequest {
                event: &e,
                kind,
                platform,
                format,
                now: e.start.to_utc() - chrono::TimeDelta::hours(20),
                changes: &[],
                digest: &[],
            })
            .unwrap()
    };
    for kind in [MessageKind::Announce, MessageKind::Recap] {
        let news = body(&render(kind, Platform::Wecom, Format::News));
        let card = body(&render(kind, Platform::Wecom, Format::TemplateCard));
        let link = body(&render(kind, Platform::Dingtalk, Format::Link));
        for text in [
            &news["news"]["articles"][0]["description"],
            &card["template_card"]["sub_title_text"],
            &card["template_card"]["main_title"]["desc"],
            &link["link"]["text"],
        ] {
            let text = text.as_str().unwrap_or_default();
            for markup in ["**", "### ", "](", "\n> ", "\n- "] {
                assert!(!text.contains(markup), "{kind}: `{markup}` in {text}");
            }
        }
        assert_eq!(card["template_card"]["source"]["desc"], "SOFAStack");
    }
}

#[test]
fn a_card_with_nothing_to_link_to_is_the_platforms_markdown() {
    let mut e = event("sofa-meetup-8-chengdu");
    e.registration = None;
    e.live.clear();
    for (platform, format) in [
        (Platform::Dingtalk, Format::ActionCard),
        (Platform::Dingtalk, Format::FeedCard),
        (Platform::Dingtalk, Format::Link),
        (Platform::Wecom, Format::News),
        (Platform::Wecom, Format::TemplateCard),
    ] {
        let m = render_as(&e, MessageKind::Announce, platform, format);
        assert_eq!((m.asked, m.format), (format, Format::Markdown));
        let text: String = m.parts.iter().map(|p| p.body.plain()).collect();
        assert!(text.contains("**34197075**"), "{platform} {format}: {text}");
        if platform == Platform::Dingtalk {
            assert!(text.contains("\n\n#### 概要\n\n"), "{text}");
        }
        let b = body(&m);
        assert_eq!(b["msgtype"], "markdown");
    }
}

/// A card's short fields hold what the platform documents, clipped by render (the payload
/// builder clips nothing): WeCom template_card jump titles and source label 39 bytes, its
/// line under the title 90; news article titles 128.
#[test]
fn card_fields_are_clipped_to_their_documented_bytes() {
    let mut e = event("sofa-meetup-8-chengdu");
    e.registration = Some("https://example.com/register".into());
    let long = "很长的议题标题".repeat(30);
    for talk in &mut e.talks {
        talk.title = format!("{}{long}", talk.title);
    }
    for deck in &mut e.slides {
        deck.title = format!("{}{long}", deck.title);
    }
    let community = "SOFAStack 开源社区与金融级分布式架构的朋友们".to_string();
    let renderer = Renderer::new(None).unwrap().with_site(Site {
        community: Some(community.clone()),
        base: None,
    });
    let render = |kind, format| {
        renderer
            .render(&RenderRequest {
                event: &e,
                kind,
                platform: Platform::Wecom,
                format,
                now: e.start.to_utc() + chrono::TimeDelta::days(2),
                changes: &[],
                digest: &[],
            })
            .unwrap()
    };
    let bytes = |v: &Value| v.as_str().unwrap().len();
    for kind in [MessageKind::Announce, MessageKind::Recap] {
        let card = body(&render(kind, Format::TemplateCard));
        let card = &card["template_card"];
        let jumps = card["jump_list"].as_array().unwrap();
        assert!(!jumps.is_empty());
        for jump in jumps {
            assert!(bytes(&jump["title"]) <= 39, "{kind}: {jump}");
        }
        assert!(bytes(&card["main_title"]["desc"]) <= 90, "{kind}: {card}");
        assert!(bytes(&card["source"]["desc"]) <= 39, "{card}");
        assert!(community.len() > 39);
        assert!(card["source"]["desc"].as_str().unwrap().ends_with('…'));
    }
    let news = body(&render(MessageKind::Recap, Format::News));
    let articles = news["news"]["articles"].as_array().unwrap();
    assert!(articles.len() > 1);
    for article in &articles[1..] {
        assert!(bytes(&article["title"]) <= 128, "{article}");
    }
    assert!(
        articles[1..]
            .iter()
            .any(|a| a["title"].as_str().unwrap().ends_with('…')),
        "the long deck titles are clipped: {articles:?}"
    );
}
