//! One decision of shape: what `herald preview --json` prints is byte for byte what the
//! platforms receive. Every fixture × kind × format × platform is posted to the fake servers
//! (accepted first time) and compared with the request bodies preview builds; and the
//! `preview --json` process itself prints what the fake received.

use super::{TOKEN, channel, far, hub};
use crate::util::fake::{Fake, Spec};
use herald::channels::NoGate;
use herald::channels::request_body;
use herald::model::{ChannelSpec, Clock, Message, MessageKind, OutcomeClass, Platform};
use herald::render::{RenderRequest, Renderer};
use serde_json::Value;
use std::sync::Arc;

fn clock() -> Arc<dyn Clock> {
    super::clock()
}

async fn open_fake(platform: Platform, clock: &Arc<dyn Clock>) -> Fake {
    let mut spec = Spec::new(platform);
    spec.token = TOKEN.into();
    spec.per_minute = 1_000_000;
    spec.per_second = None;
    Fake::start(spec, clock.clone()).await
}

/// The message `herald preview EVENT --kind K --platform P --format F --now NOW` shows.
fn preview(
    renderer: &Renderer,
    event: &herald::model::Event,
    kind: MessageKind,
    platform: Platform,
    format: herald::model::Format,
    now: chrono::DateTime<chrono::Utc>,
) -> Message {
    let req = RenderRequest {
        event,
        kind,
        platform,
        format,
        now,
        changes: &[],
        digest: std::slice::from_ref(event),
    };
    renderer.render(&req).unwrap()
}

/// preview's spec: the platform and format, no mentions, no secret.
fn preview_spec(platform: Platform, format: herald::model::Format) -> ChannelSpec {
    let mut spec = ChannelSpec::console("preview");
    spec.platform = platform;
    spec.format = format;
    spec
}

#[tokio::test(start_paused = true)]
async fn every_format_is_accepted_first_time_with_the_body_preview_shows() {
    let clock = clock();
    let renderer = Renderer::new(None).unwrap();
    let events = crate::render::fixtures();
    let mut posted = 0;
    for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
        let fake = open_fake(platform, &clock).await;
        let channels: Vec<ChannelSpec> = platform
            .formats()
            .iter()
            .map(|f| {
                let mut ch = channel(&fake, f.as_str(), platform, *f, false);
                ch.per_minute = 1_000_000;
                ch.per_second = None;
                ch
            })
            .collect();
        let hub = hub(channels, clock.clone());
        let mut expected: Vec<(String, Value)> = Vec::new();
        for event in &events {
            let now = event.start.to_utc() - chrono::TimeDelta::hours(20);
            for kind in MessageKind::ALL {
                for &format in platform.formats() {
                    let m = preview(&renderer, event, kind, platform, format, now);
                    let spec = preview_spec(platform, format);
                    for i in 0..m.parts.len() {
                        let case =
                            format!("{} {kind} {platform} {format} part {}", event.id, i + 1);
                        let report = hub.post_part(format.as_str(), &m, i, far(), &NoGate).await;
                        assert_eq!(
                            (report.outcome.class, report.attempts),
                            (OutcomeClass::Delivered, 1),
                            "{case}: {}",
                            report.outcome
                        );
                        let body = request_body(&spec, &m, i, now.timestamp_millis()).unwrap();
                        expected.push((case, body));
                    }
                }
            }
        }
        fake.record(|r| {
            assert_eq!(r.accepted.len(), expected.len(), "{platform}");
            for (got, (case, want)) in r.accepted.iter().zip(&expected) {
                assert_eq!(got, want, "{case}");
            }
        });
        posted += expected.len();
    }
    assert!(posted >= events.len() * MessageKind::ALL.len() * 13);
}

/// The `preview --json` process prints exactly what the fake received, for every format.
#[tokio::test]
async fn the_preview_command_prints_what_is_posted() {
    let clock = clock();
    let config = crate::cli::shipped_config();
    let now = "2021-09-10T02:00:00Z";
    let at: chrono::DateTime<chrono::Utc> = now.parse().unwrap();
    // The shipped config's workspace, as `preview` loads it (its community, its site).
    let ws = herald::daemon::Workspace::load(&config).workspace.unwrap();
    let event = ws.event("sofa-meetup-8-chengdu").unwrap().clone();
    let renderer = &ws.renderer;
    for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
        let fake = open_fake(platform, &clock).await;
        for &format in platform.formats() {
            for kind in [MessageKind::Announce, MessageKind::Recap] {
                let out = crate::cli::herald(&config)
                    .args(["preview", "sofa-meetup-8-chengdu", "--kind", kind.as_str()])
                    .args(["--platform", platform.as_str(), "--format", format.as_str()])
                    .args(["--now", now, "--json"])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let shown: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
                let m = preview(renderer, &event, kind, platform, format, at);
                let mut ch = channel(&fake, "robot", platform, format, false);
                ch.per_minute = 1_000_000;
                ch.per_second = None;
                let hub = hub(vec![ch], clock.clone());
                let before = fake.record(|r| r.accepted.len());
                for i in 0..m.parts.len() {
                    let report = hub.post_part("robot", &m, i, far(), &NoGate).await;
                    assert_eq!(report.outcome.class, OutcomeClass::Delivered);
                }
                let received = fake.record(|r| r.accepted[before..].to_vec());
                assert_eq!(received, shown, "{platform} {format} {kind}");
            }
        }
    }
}
