//! Connections opened ahead (`Hub::warm`): the warm-up writes nothing, the post that follows
//! goes out on that connection, a connection the server closed meanwhile is replaced (never
//! an unclear outcome), a warm connection counts against the concurrency limit but is let go
//! rather than held through a wait for the robot's budget, and a reload
//! that moves the robot sends the post to its new address.

use super::{channel, clock, fake, far, sample, settings};
use crate::util::fake::Fake;
use herald::channels::{ConsoleSink, Hub, HubSettings, NoGate};
use herald::model::{ChannelSpec, Clock, Message, MessageKind, OutcomeClass, Platform};
use std::sync::Arc;
use std::time::Duration;

/// The connection pool off, as `[send]` has it by default.
fn unpooled(max_concurrency: usize) -> HubSettings {
    HubSettings {
        idle_connections: 0,
        max_concurrency,
        ..settings()
    }
}

fn hub_with(channels: Vec<ChannelSpec>, settings: HubSettings, clock: Arc<dyn Clock>) -> Hub {
    Hub::with_clock(channels, settings, ConsoleSink::discard(), clock).unwrap()
}

/// A WeCom robot named `name` on `fake` (unsigned: WeCom has no signature).
fn wecom(fake: &Fake, name: &str) -> ChannelSpec {
    channel(
        fake,
        name,
        Platform::Wecom,
        Platform::Wecom.default_format(),
        false,
    )
}

/// The sample announcement as a WeCom robot gets it.
fn wecom_message() -> Message {
    sample(
        MessageKind::Announce,
        Platform::Wecom,
        Platform::Wecom.default_format(),
    )
}

/// Wait (a while of tokio time) until the fake has accepted `n` connections.
async fn connections(fake: &Fake, n: usize) {
    for _ in 0..200 {
        if fake.record(|r| r.connected.len()) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!(
        "the fake accepted {} connections, not {n}",
        fake.record(|r| r.connected.len())
    );
}

#[tokio::test(start_paused = true)]
async fn the_post_goes_out_on_the_connection_opened_ahead_and_the_warm_up_writes_nothing() {
    for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
        let clock = clock();
        let signed = platform != Platform::Wecom;
        let fake = fake(platform, signed, &clock).await;
        let format = platform.default_format();
        let robot = channel(&fake, "robot", platform, format, signed);
        let hub = hub_with(vec![robot], unpooled(64), clock);
        let message = sample(MessageKind::Announce, platform, format);

        let warm = hub
            .warm("robot", &message, 0)
            .await
            .expect("a warm connection");
        connections(&fake, 1).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            fake.record(|r| r.seen),
            0,
            "{platform}: the warm-up wrote a request"
        );

        let report = hub
            .post_part_warm(Some(warm), "robot", &message, 0, far(), &NoGate)
            .await;
        assert_eq!(report.outcome.class, OutcomeClass::Delivered, "{platform}");
        assert_eq!(
            fake.record(|r| (r.connected.len(), r.seen, r.accepted.len())),
            (1, 1, 1),
            "{platform}: the post opened a connection of its own"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_warm_connection_the_server_closed_is_replaced_and_the_post_delivered() {
    let clock = clock();
    let fake = fake(Platform::Dingtalk, true, &clock).await;
    let robot = channel(
        &fake,
        "robot",
        Platform::Dingtalk,
        Platform::Dingtalk.default_format(),
        true,
    );
    let hub = hub_with(vec![robot], unpooled(64), clock);
    let message = sample(
        MessageKind::Announce,
        Platform::Dingtalk,
        Platform::Dingtalk.default_format(),
    );

    fake.close_next_connection();
    let warm = hub
        .warm("robot", &message, 0)
        .await
        .expect("a warm connection");
    connections(&fake, 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let report = hub
        .post_part_warm(Some(warm), "robot", &message, 0, far(), &NoGate)
        .await;
    // Written onto the closed connection it would fail after sending: ambiguous, not retried.
    assert_eq!(
        (report.outcome.class, report.attempts),
        (OutcomeClass::Delivered, 1),
        "{:?}",
        report.outcome.errmsg
    );
    assert_eq!(
        fake.record(|r| (r.connected.len(), r.accepted.len())),
        (2, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn a_warm_connection_holds_a_concurrency_permit_which_its_post_uses() {
    let clock = clock();
    let fake = fake(Platform::Wecom, false, &clock).await;
    let robots = vec![wecom(&fake, "a"), wecom(&fake, "b")];
    let hub = hub_with(robots, unpooled(1), clock);
    let message = wecom_message();

    let warm = hub.warm("a", &message, 0).await.expect("a warm connection");
    assert!(
        hub.warm("b", &message, 0).await.is_none(),
        "a second socket over `concurrency = 1`"
    );
    let post = hub.post_part_warm(Some(warm), "a", &message, 0, far(), &NoGate);
    let report = tokio::time::timeout(Duration::from_secs(60), post)
        .await
        .expect("the post waited for a permit its own warm connection holds");
    assert_eq!(report.outcome.class, OutcomeClass::Delivered);
    // The permit is back.
    assert!(hub.warm("b", &message, 0).await.is_some());
}

#[tokio::test(start_paused = true)]
async fn nothing_is_warmed_with_the_pool_on_or_for_the_console() {
    let clock = clock();
    let fake = fake(Platform::Wecom, false, &clock).await;
    let robot = wecom(&fake, "robot");
    let pooled = hub_with(vec![robot], settings(), clock.clone());
    let message = wecom_message();
    assert!(settings().idle_connections > 0);
    assert!(pooled.warm("robot", &message, 0).await.is_none());
    let console = hub_with(vec![ChannelSpec::console("screen")], unpooled(64), clock);
    assert!(console.warm("screen", &message, 0).await.is_none());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(fake.record(|r| r.connected.len()), 0);
}

#[tokio::test(start_paused = true)]
async fn a_robot_moved_by_a_reload_gets_the_post_at_its_new_address() {
    let clock = clock();
    let (old, new) = (
        fake(Platform::Wecom, false, &clock).await,
        fake(Platform::Wecom, false, &clock).await,
    );
    let hub = hub_with(vec![wecom(&old, "robot")], unpooled(64), clock);
    let message = wecom_message();
    let warm = hub
        .warm("robot", &message, 0)
        .await
        .expect("a warm connection");
    connections(&old, 1).await;
    hub.update(vec![wecom(&new, "robot")]);

    let report = hub
        .post_part_warm(Some(warm), "robot", &message, 0, far(), &NoGate)
        .await;
    assert_eq!(report.outcome.class, OutcomeClass::Delivered);
    assert_eq!(old.record(|r| (r.connected.len(), r.seen)), (1, 0));
    assert_eq!(
        new.record(|r| (r.connected.len(), r.accepted.len())),
        (1, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn a_warm_robot_that_must_wait_for_its_budget_lets_go_of_its_socket_and_permit() {
    let clock = clock();
    // Two robots (two webhooks: one budget each).
    let (fake, other) = (
        fake(Platform::Wecom, false, &clock).await,
        fake(Platform::Wecom, false, &clock).await,
    );
    let robots = vec![wecom(&fake, "a"), wecom(&other, "b")];
    let hub = hub_with(robots, unpooled(1), clock);
    let message = wecom_message();
    // `a` has just posted: its next slot is seconds away (20 a minute).
    let first = hub.post_part("a", &message, 0, far(), &NoGate).await;
    assert_eq!(first.outcome.class, OutcomeClass::Delivered);

    let warm = hub.warm("a", &message, 0).await.expect("a warm connection");
    let waiting = {
        let (hub, message) = (hub.clone(), message.clone());
        tokio::spawn(async move {
            hub.post_part_warm(Some(warm), "a", &message, 0, far(), &NoGate)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    // `concurrency = 1`: `b` can post only if `a` gave its permit back while it waits.
    let b = hub.post_part("b", &message, 0, far(), &NoGate);
    let b = tokio::time::timeout(Duration::from_secs(1), b)
        .await
        .expect("a warm connection kept its permit through a budget wait");
    assert_eq!(b.outcome.class, OutcomeClass::Delivered);
    let a = waiting.await.unwrap();
    assert_eq!(a.outcome.class, OutcomeClass::Delivered);
    // a, a's warm one (closed unused), a again.
    assert_eq!(
        fake.record(|r| (r.connected.len(), r.accepted.len())),
        (3, 2)
    );
}

#[tokio::test(start_paused = true)]
async fn a_reload_that_keeps_the_address_still_closes_the_warm_connection() {
    let clock = clock();
    let fake = fake(Platform::Wecom, false, &clock).await;
    let robot = wecom(&fake, "robot");
    let hub = hub_with(vec![robot.clone()], unpooled(64), clock);
    let message = wecom_message();
    let warm = hub
        .warm("robot", &message, 0)
        .await
        .expect("a warm connection");
    connections(&fake, 1).await;
    // Same webhook; anything else may have changed (its request was built from the old).
    hub.update(vec![robot]);

    let report = hub
        .post_part_warm(Some(warm), "robot", &message, 0, far(), &NoGate)
        .await;
    assert_eq!(report.outcome.class, OutcomeClass::Delivered);
    assert_eq!(fake.record(|r| (r.connected.len(), r.seen)), (2, 1));
}
