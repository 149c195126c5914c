//! `herald export` then `herald import` gives back the event, for every fixture (the corpus
//! fixtures and the shipped samples), as a recap page and as an announcement page; and an
//! imported event written as a TOML record reads back the same.

use herald::model::Event;
use herald::render::page::{PageKind, page};
use herald::source::page::{differences, read_page};
use herald::source::{parse_event, write_record};
use std::path::Path;

fn fixtures() -> Vec<Event> {
    crate::render::fixtures()
}

#[test]
fn import_of_export_gives_back_every_fixture() {
    let events = fixtures();
    assert!(events.len() >= 12, "{} fixtures", events.len());
    for e in &events {
        for kind in [PageKind::Recap, PageKind::Announce] {
            let text = page(e, kind, "SOFA 团队").unwrap();
            let path = Path::new("site").join(&e.id).join("index.md");
            let back = read_page(&path, &text, herald::model::Zone::SHANGHAI)
                .unwrap_or_else(|n| panic!("{}: {n:#?}\n{text}", e.id))
                .event;
            let diff = differences(&back, e);
            assert!(
                diff.is_empty(),
                "{} ({kind:?}):\n{}\n--- page:\n{text}",
                e.id,
                diff.join("\n")
            );
            assert_eq!(back.id, e.id);
        }
    }
}

#[test]
fn an_imported_record_reads_back_the_same() {
    for id in [
        "sofa-meetup-10",
        "sofa-channel-5",
        "sofastack-cloud-native-workshop",
    ] {
        let imported = super::import(id).event;
        let text = write_record(&imported, "imported");
        let path = Path::new("events").join(format!("{id}.toml"));
        let mut back = parse_event(&path, &text, herald::model::Zone::SHANGHAI)
            .unwrap_or_else(|p| panic!("{id}: {p:#?}\n{text}"));
        back.source = imported.source.clone();
        assert_eq!(back, imported, "{id}\n{text}");
    }
}

#[test]
fn the_exported_recap_of_sofameetup_8_reads_like_its_seed() {
    let e = fixtures()
        .into_iter()
        .find(|e| e.id == "sofa-meetup-10")
        .unwrap();
    let text = page(&e, PageKind::Recap, "SOFA 团队").unwrap();
    for expected in [
        "title: \"【活动回顾】SOFAMeetup#8 成都站 云原生基础设施建设的现在及未来\"",
        "## 概要",
        "- 活动时间：2021 年 09 月 11 日（周六）13:30-17:00",
        "- 活动地点：四川省成都市武侯区蚂蚁 C 空间 101 猎户座",
        "- 活动形式：线下活动",
        "- 资料下载：<br/>\n[《从云原生视角，解读 Erda 微服务观测系统的实现》](https://gw.alipayobjects.com/os/bmw-prod/75201cac-3aff-499b-8715-8809c00ae977.pdf)<br/>",
        "## 活动回顾",
        "**《Service Mesh落地之后：为 sidecar 注入灵魂》**",
        ">周群力（花名：仪式），开源爱好者, co-founder of Layotto，Dapr contributor",
        "**听众收获**\n\n- 了解 Mesh 架构下的限流熔断技术优势",
        "## 了解更多技术干货\n\n使用钉钉搜索群号：**34197075**，即可加入，获取一手开源技术干货；",
        "或微信扫码关注“金融级分布式架构”微信公众号",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn differences_name_the_field_and_both_values() {
    let e = fixtures()
        .into_iter()
        .find(|e| e.id == "sofa-meetup-10")
        .unwrap();
    let mut changed = e.clone();
    changed.talks[1].speakers[0].role = Some("蚂蚁集团技术专家".into());
    changed.venue = None;
    let diff = differences(&changed, &e);
    assert_eq!(
        diff,
        [
            "talks[1].speakers[0].role: page \"蚂蚁集团技术专家\", record \"开源爱好者, co-founder of Layotto，Dapr contributor\"",
            "venue: page absent, record \"蚂蚁 C 空间 101 猎户座\"",
        ]
    );
}

#[test]
fn exported_recap_of_the_chengdu_sample_snapshot() {
    let e = fixtures()
        .into_iter()
        .find(|e| e.id == "sofa-meetup-8-chengdu")
        .unwrap();
    let text = page(&e, PageKind::Recap, "SOFA 团队").unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("page__sofa-meetup-8-chengdu__recap", text));
}

#[test]
fn links_titled_any_way_come_back() {
    let mut e = fixtures()
        .into_iter()
        .find(|e| e.id == "sofa-channel-35")
        .unwrap();
    e.live[0].title = "Zoom".into();
    e.live.push(herald::model::Link {
        title: "视频号直播".into(),
        url: "https://example.com/live".into(),
    });
    e.replays[0].title = "活动录像".into();
    e.replays.push(herald::model::Link {
        title: "B 站回放".into(),
        url: "https://example.com/replay".into(),
    });
    for kind in [PageKind::Recap, PageKind::Announce] {
        let text = page(&e, kind, "SOFA 团队").unwrap();
        let back = read_page(
            Path::new("x/sofa-channel-35/index.md"),
            &text,
            herald::model::Zone::SHANGHAI,
        )
        .unwrap()
        .event;
        let diff = differences(&back, &e);
        assert!(diff.is_empty(), "{}\n{text}", diff.join("\n"));
    }
}

#[test]
fn line_breaks_inside_paragraphs_and_leading_markdown_characters_come_back() {
    let mut e = fixtures()
        .into_iter()
        .find(|e| e.id == "sofa-meetup-8-chengdu")
        .unwrap();
    e.summary = Some("第一行\n- 不是列表\n\n# 不是标题".into());
    e.talks[0].r#abstract = Some("议题第一行\n议题第二行\n\n> 第二段".into());
    e.talks[0].speakers[0].bio =
        Some("从事开发超过 10 年。\n曾在金融行业。\n\n目前负责社区。".into());
    let text = page(&e, PageKind::Recap, "SOFA 团队").unwrap();
    let back = read_page(
        Path::new("x/sofa-meetup-8-chengdu/index.md"),
        &text,
        herald::model::Zone::SHANGHAI,
    )
    .unwrap()
    .event;
    let diff = differences(&back, &e);
    assert!(diff.is_empty(), "{}\n{text}", diff.join("\n"));
}

#[test]
fn contacts_of_every_kind_come_back() {
    use herald::model::{Contact, ContactKind};
    let mut e = fixtures()
        .into_iter()
        .find(|e| e.id == "sofa-channel-24")
        .unwrap();
    for (kind, value, label) in [
        (ContactKind::WechatGroup, "sofastack", None),
        (ContactKind::Email, "sofastack@example.com", None),
        (ContactKind::Other, "#sofa on Slack", Some("Slack")),
        (ContactKind::Other, "https://example.com/join", None),
    ] {
        e.contacts.push(Contact {
            kind,
            value: value.into(),
            label: label.map(Into::into),
        });
    }
    let text = page(&e, PageKind::Recap, "SOFA 团队").unwrap();
    let back = read_page(
        Path::new("x/sofa-channel-24/index.md"),
        &text,
        herald::model::Zone::SHANGHAI,
    )
    .unwrap()
    .event;
    let diff = differences(&back, &e);
    assert!(diff.is_empty(), "{}\n{text}", diff.join("\n"));
}
