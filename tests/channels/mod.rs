//! Integration tests: posting to the fake DingTalk, WeCom and Feishu servers over real HTTP
//! on 127.0.0.1, with paused tokio time.

mod accept;
mod budget;
mod faults;
mod preview;
mod redaction;
mod warm;

use crate::util::fake::{Fake, Spec};
use chrono::DateTime;
use herald::channels::{ConsoleSink, Hub, HubSettings};
use herald::model::{ChannelSpec, Clock, Format, Message, MessageKind, Platform, ScaledClock};
use herald::render::{RenderRequest, Renderer};
use herald::source::parse_event;
use secrecy::SecretString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub const SECRET: &str = "SECtestsecret0000";
pub const TOKEN: &str = "fake-token-123";

pub fn clock() -> Arc<dyn Clock> {
    Arc::new(ScaledClock::new(
        DateTime::parse_from_rfc3339("2030-05-25T02:00:00Z")
            .unwrap()
            .to_utc(),
        1.0,
    ))
}

pub fn settings() -> HubSettings {
    HubSettings {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(5),
        base_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(30),
        max_concurrency: 64,
        idle_connections: 8,
    }
}

/// A channel pointing at `fake` with the right token (and the secret, if `signed`).
pub fn channel(
    fake: &Fake,
    name: &str,
    platform: Platform,
    format: Format,
    signed: bool,
) -> ChannelSpec {
    let mut spec = ChannelSpec::console(name);
    spec.platform = platform;
    spec.format = format;
    spec.webhook = Some(SecretString::from(fake.webhook(TOKEN)));
    spec.secret = signed.then(|| SecretString::from(SECRET));
    spec.per_minute = platform.default_per_minute();
    spec.per_second = (platform == Platform::Feishu).then_some(5);
    spec
}

pub fn hub(channels: Vec<ChannelSpec>, clock: Arc<dyn Clock>) -> Hub {
    Hub::with_clock(channels, settings(), ConsoleSink::discard(), clock).unwrap()
}

pub async fn fake(platform: Platform, signed: bool, clock: &Arc<dyn Clock>) -> Fake {
    let mut spec = Spec::new(platform);
    spec.token = TOKEN.into();
    spec.secret = signed.then(|| SECRET.into());
    Fake::start(spec, clock.clone()).await
}

/// The shipped SOFAMeetup#8 sample, rendered.
pub fn sample(kind: MessageKind, platform: Platform, format: Format) -> Message {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/shipped/events/sofa-meetup-8-chengdu.toml");
    let event = parse_event(
        &path,
        &std::fs::read_to_string(&path).unwrap(),
        herald::model::Zone::SHANGHAI,
    )
    .unwrap();
    let now = event.start.to_utc() - chrono::TimeDelta::hours(20);
    let req = RenderRequest {
        event: &event,
        kind,
        platform,
        format,
        now,
        changes: &[],
        digest: std::slice::from_ref(&event),
    };
    Renderer::new(None).unwrap().render(&req).unwrap()
}

pub fn far() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(24 * 3600)
}
