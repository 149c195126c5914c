//! Each classification path: retry to success, no retry on permanent, ambiguous on timeout or
//! reset, a throttled robot pauses for the platform's penalty, a stale signature is re-signed
//! once, and transient failures stop at the deadline.

use super::{channel, clock, fake, far, hub, sample};
use crate::util::fake::Fault;
use herald::channels::NoGate;
use herald::model::{Format, MessageKind, OutcomeClass, Platform};
use std::time::Duration;
use tokio::time::Instant;

async fn setup(
    platform: Platform,
) -> (
    crate::util::fake::Fake,
    herald::channels::Hub,
    herald::model::Message,
) {
    let clock = clock();
    let fake = fake(platform, true, &clock).await;
    let format = platform.default_format();
    let hub = hub(
        vec![channel(
            &fake,
            "robot",
            platform,
            format,
            platform != Platform::Wecom,
        )],
        clock,
    );
    (fake, hub, sample(MessageKind::Announce, platform, format))
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_until_delivered() {
    let (fake, hub, message) = setup(Platform::Dingtalk).await;
    fake.fault(Fault::ServerError);
    fake.fault(Fault::Code(-1, "系统繁忙"));
    let report = hub.post_part("robot", &message, 0, far(), &NoGate).await;
    assert_eq!(
        (report.outcome.class, report.attempts),
        (OutcomeClass::Delivered, 3)
    );
    assert_eq!(fake.record(|r| (r.requests, r.accepted.len())), (3, 1));
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_never_retried() {
    let (fake, hub, message) = setup(Platform::Wecom).await;
    fake.fault(Fault::Code(93000, "invalid webhook url"));
    let report = hub.post_part("robot", &message, 0, far(), &NoGate).await;
    assert_eq!(
        (
            report.outcome.class,
            report.outcome.errcode,
            report.attempts
        ),
        (OutcomeClass::Permanent, Some(93000), 1)
    );
    assert_eq!(
        report.outcome.errmsg.as_deref(),
        Some("invalid webhook url")
    );
    assert_eq!(fake.record(|r| r.requests), 1);
}

#[tokio::test(start_paused = true)]
async fn no_answer_before_the_timeout_is_ambiguous_and_not_reposted() {
    let (fake, hub, message) = setup(Platform::Feishu).await;
    fake.fault(Fault::Hang);
    let report = hub.post_part("robot", &message, 0, far(), &NoGate).await;
    assert_eq!(
        (report.outcome.class, report.attempts),
        (OutcomeClass::Ambiguous, 1)
    );
    assert_eq!(fake.record(|r| r.requests), 1);
}

#[tokio::test(start_paused = true)]
async fn a_reset_after_sending_is_ambiguous() {
    let (fake, hub, message) = setup(Platform::Dingtalk).await;
    fake.fault(Fault::Reset);
    let report = hub.post_part("robot", &message, 0, far(), &NoGate).await;
    assert_eq!(
        (report.outcome.class, report.attempts),
        (OutcomeClass::Ambiguous, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn a_throttled_dingtalk_robot_pauses_ten_minutes() {
    let (fake, hub, message) = setup(Platform::Dingtalk).await;
    fake.fault(Fault::Code(
        130101,
        "send too fast, exceed 20 times per minute",
    ));
    let started = Instant::now();
    let report = hub.post_part("robot", &message, 0, far(), &NoGate).await;
    assert_eq!(
        (report.outcome.class, report.attempts),
        (OutcomeClass::Delivered, 2)
    );
    assert!(
        started.elapsed() >= Duration::from_secs(600),
        "waited only {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_stale_signature_is_signed_again_once() {
    let (fake, hub, message) = setup(Platform::Dingtalk).await;
    fake.fault(Fault::Code(310000, "invalid timestamp"));
    let report = hub.post_part("robot", &message, 0, far(), &NoGate).await;
    assert_eq!(
        (report.outcome.class, report.attempts),
        (OutcomeClass::Delivered, 2)
    );
    // Twice stale: a clock or config problem, reported.
    fake.fault(Fault::Code(310000, "invalid timestamp"));
    fake.fault(Fault::Code(310000, "invalid timestamp"));
    let report = hub.post_part("robot", &message, 0, far(), &NoGate).await;
    assert_eq!(
        (report.outcome.class, report.attempts),
        (OutcomeClass::Permanent, 2)
    );
}

#[tokio::test(start_paused = true)]
async fn transient_failures_stop_at_the_deadline() {
    let (fake, hub, message) = setup(Platform::Wecom).await;
    for _ in 0..50 {
        fake.fault(Fault::ServerError);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let report = hub.post_part("robot", &message, 0, deadline, &NoGate).await;
    assert_eq!(report.outcome.class, OutcomeClass::Transient);
    assert_eq!(report.outcome.http_status, Some(500));
    assert!(Instant::now() <= deadline, "gave up after the deadline");
    let requests = fake.record(|r| r.requests);
    assert!(
        (3..=8).contains(&requests),
        "exponential backoff over 60 s: {requests} attempts"
    );
    let _ = Format::Markdown;
}

/// A robot configured above the platform's limit (30 a minute on DingTalk's 20) is throttled
/// for real by the fake, which then refuses it for 10 minutes: herald pauses the robot for
/// that penalty instead of hammering it, and every message is still delivered.
#[tokio::test(start_paused = true)]
async fn a_robot_over_the_platform_limit_waits_out_the_real_penalty() {
    let clock = clock();
    let fake = fake(Platform::Dingtalk, true, &clock).await;
    let mut robot = channel(&fake, "robot", Platform::Dingtalk, Format::Text, true);
    robot.per_minute = 30;
    let hub = hub(vec![robot], clock);
    let message = sample(MessageKind::Remind, Platform::Dingtalk, Format::Text);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..25 {
        let (hub, message) = (hub.clone(), message.clone());
        tasks.spawn(async move { hub.post_part("robot", &message, 0, far(), &NoGate).await });
    }
    let reports = tasks.join_all().await;
    assert!(
        reports
            .iter()
            .all(|r| r.outcome.class == OutcomeClass::Delivered),
        "{reports:?}"
    );
    // One throttle reply: nothing more was sent while the robot was penalized.
    fake.record(|r| assert_eq!((r.accepted.len(), r.throttled), (25, 1)));
    assert!(started.elapsed() >= Duration::from_secs(600));
}
