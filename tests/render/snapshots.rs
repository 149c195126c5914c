//! Reviewed snapshots: per fixture file × kind × platform (every part with its byte count
//! against the limit, named after its case), the sample's notices, and the exact request
//! bodies of every format.

use super::render;
use herald::model::{Limits, Message, MessageKind, PartBody, Platform};
use std::fmt::Write;

fn show(m: &Message) -> String {
    let limit = Limits::of(m.platform, m.format).content_bytes;
    let mut out = format!(
        "title: {}\nbuttons: {:?}\nurl: {:?}\n",
        m.title,
        m.buttons
            .iter()
            .map(|b| (&b.title, &b.url))
            .collect::<Vec<_>>(),
        m.url
    );
    for p in &m.parts {
        assert!(
            p.bytes() <= limit,
            "{} part {} is {} bytes > {limit}",
            m.title,
            p.index,
            p.bytes()
        );
        writeln!(
            out,
            "\n──── part {}/{} · {} / {limit} bytes ────",
            p.index,
            p.total,
            p.bytes()
        )
        .unwrap();
        match &p.body {
            PartBody::Text(t) => out.push_str(t),
            PartBody::Rich(paras) => out.push_str(&serde_json::to_string_pretty(paras).unwrap()),
        }
        out.push('\n');
    }
    out
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// One snapshot per fixture file × kind × platform, named after its case
/// (`announce__wecom@sofa-meetup-7.toml`): a mismatch names the fixture.
#[test]
fn every_fixture_kind_and_platform() {
    settings().bind(|| {
        insta::glob!(
            "../..",
            "{tests/fixtures/events,tests/fixtures/shipped/events}/*.toml",
            |path| {
                let text = std::fs::read_to_string(path).unwrap();
                let event = herald::source::parse_event(path, &text, herald::model::Zone::SHANGHAI)
                    .unwrap();
                for kind in [
                    MessageKind::Announce,
                    MessageKind::Remind,
                    MessageKind::Recap,
                ] {
                    for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
                        insta::assert_snapshot!(
                            format!("{kind}__{platform}"),
                            show(&render(&event, kind, platform))
                        );
                    }
                }
            }
        );
    });
}

/// The sample's change, cancel, resume and digest notices (WeCom markdown).
#[test]
fn notices_of_the_sample() {
    settings().bind(|| {
        let sample = super::event("sofa-meetup-8-chengdu");
        for kind in [
            MessageKind::Change,
            MessageKind::Cancel,
            MessageKind::Resume,
            MessageKind::Digest,
        ] {
            insta::assert_snapshot!(
                format!("{}__{kind}__wecom", sample.id),
                show(&render(&sample, kind, Platform::Wecom))
            );
        }
    });
}

/// The exact request bodies of every kind of the sample, one snapshot per platform and
/// format (`bodies__wecom_template_card`).
#[test]
fn exact_request_bodies_of_every_format() {
    settings().bind(|| {
        let sample = super::event("sofa-meetup-8-chengdu");
        for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
            for &format in platform.formats() {
                let mut spec = herald::model::ChannelSpec::console("snapshot");
                spec.platform = platform;
                spec.format = format;
                let mut all = serde_json::Map::new();
                for kind in MessageKind::ALL {
                    let m = super::render_as(&sample, kind, platform, format);
                    let bodies: Vec<serde_json::Value> = (0..m.parts.len())
                        .map(|i| herald::channels::request_body(&spec, &m, i, 0).unwrap())
                        .collect();
                    all.insert(kind.to_string(), bodies.into());
                }
                insta::assert_json_snapshot!(format!("bodies__{platform}_{format}"), all);
            }
        }
    });
}
