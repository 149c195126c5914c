//! Rate budgets: 45 messages to one robot all delivered with none throttled; Feishu's 5/s;
//! the budget is shared by every sender in the process.

use super::{channel, clock, fake, far, hub, sample};
use herald::channels::NoGate;
use herald::model::{Format, MessageKind, OutcomeClass, Platform};
use std::time::Duration;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn forty_five_messages_to_one_dingtalk_robot_none_throttled() {
    let clock = clock();
    let fake = fake(Platform::Dingtalk, true, &clock).await;
    let hub = hub(
        vec![channel(
            &fake,
            "robot",
            Platform::Dingtalk,
            Format::Text,
            true,
        )],
        clock,
    );
    let message = sample(MessageKind::Remind, Platform::Dingtalk, Format::Text);
    let started = Instant::now();
    // Several senders at once share the robot's one budget.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..45 {
        let (hub, message) = (hub.clone(), message.clone());
        tasks.spawn(async move { hub.post_part("robot", &message, 0, far(), &NoGate).await });
    }
    let reports = tasks.join_all().await;
    assert!(
        reports
            .iter()
            .all(|r| r.outcome.class == OutcomeClass::Delivered && r.attempts == 1)
    );
    fake.record(|r| assert_eq!((r.accepted.len(), r.throttled), (45, 0)));
    // 20 a minute: 45 messages need a little over two minutes, and not much more.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(132) && took <= Duration::from_secs(140),
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn feishu_keeps_under_five_a_second_and_a_hundred_a_minute() {
    let clock = clock();
    let fake = fake(Platform::Feishu, false, &clock).await;
    let hub = hub(
        vec![channel(
            &fake,
            "robot",
            Platform::Feishu,
            Format::Text,
            false,
        )],
        clock,
    );
    let message = sample(MessageKind::Remind, Platform::Feishu, Format::Text);
    for _ in 0..30 {
        assert_eq!(
            hub.post_part("robot", &message, 0, far(), &NoGate)
                .await
                .outcome
                .class,
            OutcomeClass::Delivered
        );
    }
    fake.record(|r| assert_eq!((r.accepted.len(), r.throttled), (30, 0)));
}

#[tokio::test(start_paused = true)]
async fn parts_go_out_in_order() {
    let clock = clock();
    let fake = fake(Platform::Wecom, false, &clock).await;
    let hub = hub(
        vec![channel(
            &fake,
            "robot",
            Platform::Wecom,
            Format::Markdown,
            false,
        )],
        clock,
    );
    let message = sample(MessageKind::Recap, Platform::Wecom, Format::Markdown);
    assert!(message.parts.len() >= 2);
    for i in 0..message.parts.len() {
        assert_eq!(
            hub.post_part("robot", &message, i, far(), &NoGate)
                .await
                .outcome
                .class,
            OutcomeClass::Delivered
        );
    }
    fake.record(|r| {
        for (i, body) in r.accepted.iter().enumerate() {
            let content = body["markdown"]["content"].as_str().unwrap();
            assert!(
                content.contains(&format!("({}/{})", i + 1, message.parts.len())),
                "{content}"
            );
        }
    });
}

/// `herald send` silent for a minute: a wait for the robot's budget is said, with how long.
#[tokio::test(start_paused = true)]
async fn a_wait_for_the_budget_is_said_with_its_length() {
    let logs = crate::util::logs::Logs::default();
    let _guard = logs.install();
    let clock = clock();
    let fake = fake(Platform::Dingtalk, true, &clock).await;
    let hub = hub(
        vec![channel(
            &fake,
            "robot",
            Platform::Dingtalk,
            Format::Text,
            true,
        )],
        clock,
    );
    let message = sample(MessageKind::Remind, Platform::Dingtalk, Format::Text);
    hub.post_part("robot", &message, 0, far(), &NoGate).await;
    assert!(!logs.text().contains("waiting for the robot's rate budget"));
    hub.post_part("robot", &message, 0, far(), &NoGate).await;
    let text = logs.text();
    let said: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("waiting for the robot's rate budget"))
        .collect();
    assert_eq!(said.len(), 1, "{text}");
    // 20 a minute: the second post waits about three seconds.
    assert!(
        said[0].contains("channel=robot") && said[0].contains("wait_s=3"),
        "{}",
        said[0]
    );
}
