//! One reviewed snapshot per fixture × kind × platform (plus change and cancel for the
//! sample): every part with its byte count against the limit.

use super::{fixtures, render};
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

#[test]
fn every_fixture_kind_and_platform() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for event in fixtures() {
            for kind in [
                MessageKind::Announce,
                MessageKind::Remind,
                MessageKind::Recap,
            ] {
                for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
                    insta::assert_snapshot!(
                        format!("{}__{kind}__{platform}", event.id),
                        show(&render(&event, kind, platform))
                    );
                }
            }
        }
        let sample = super::event("sofa-meetup-8-chengdu");
        for kind in [
            MessageKind::Change,
            MessageKind::Cancel,
            MessageKind::Digest,
        ] {
            insta::assert_snapshot!(
                format!("{}__{kind}__wecom", sample.id),
                show(&render(&sample, kind, Platform::Wecom))
            );
        }
    });
}
