//! Manual sends carried out by the running daemon (`Control::Send`, what `POST /send` does):
//! they share the daemon's per-robot rate budget, take the place of pending rules, and are
//! refused when the request is wrong.

use super::{EVENT, Setup, at, sent, start};
use crate::util::fake::{Fake, Fault, Spec};
use herald::daemon::{ChannelOutcome, Control, SendResult};
use herald::ledger::State;
use herald::model::{
    Clock, ManualError, MessageKind, OutcomeClass, Platform, ScaledClock, SendRequest,
};
use std::sync::Arc;
use tokio::sync::oneshot;

/// One second before the announcements of EVENT (2030-05-25 10:00 +08:00) fall due.
const ORIGIN: &str = "2030-05-25T09:59:59+08:00";

/// A workspace whose only channel is a DingTalk robot served by a strict fake (20 a minute).
pub(super) async fn with_robot(events: usize) -> (Setup, Fake) {
    let clock: Arc<dyn Clock> = Arc::new(ScaledClock::new(at(ORIGIN), 1.0));
    let fake = Fake::start(Spec::new(Platform::Dingtalk), clock).await;
    let setup = Setup::new(&[]);
    setup.add_robot(&fake, Platform::Dingtalk);
    for i in 0..events {
        setup.write_event(&format!("ev{i:02}"), EVENT);
    }
    (setup, fake)
}

async fn manual(
    control: &tokio::sync::mpsc::Sender<Control>,
    req: SendRequest,
) -> Result<SendResult, ManualError> {
    let (reply, answer) = oneshot::channel();
    control
        .send(Control::Send(Box::new(req), reply))
        .await
        .unwrap();
    answer.await.unwrap()
}

fn recap(event: &str) -> SendRequest {
    SendRequest {
        event: event.into(),
        kind: MessageKind::Recap,
        channels: vec!["robot".into()],
        tags: Vec::new(),
        force: false,
    }
}

#[tokio::test(start_paused = true)]
async fn a_manual_send_in_a_busy_minute_shares_the_daemons_budget() {
    // 15 announcements fall due at one instant; 8 manual recaps arrive just before: 23 posts to
    // a robot that takes 20 a minute. Two budgets would post ~40 in the first minute.
    let (setup, fake) = with_robot(15).await;
    let daemon = start(&setup, ORIGIN).await;
    let mut manuals = tokio::task::JoinSet::new();
    for i in 0..8 {
        let control = daemon.control.clone();
        manuals.spawn(async move { manual(&control, recap(&format!("ev{i:02}"))).await });
    }
    for result in manuals.join_all().await {
        let result = result.unwrap();
        assert!(result.refused.is_empty(), "{result:?}");
        assert!(result.sent.iter().all(|l| l.delivered()), "{result:?}");
    }
    daemon.run_until("2030-05-25T10:05:00+08:00").await;
    daemon.stop().await;
    fake.record(|r| assert_eq!((r.accepted.len(), r.throttled), (23, 0), "{:?}", r.rejected));
    let rows = setup.rows();
    assert_eq!(sent(&rows, "announce").len(), 15);
    let recaps = sent(&rows, "recap");
    assert_eq!(
        recaps.len(),
        8,
        "the manual recaps took the recap rule's place"
    );
    assert!(recaps.iter().all(|r| r.claimed_by == "daemon"));
}

#[tokio::test(start_paused = true)]
async fn the_daemon_refuses_a_duplicate_or_a_wrong_request() {
    let (setup, fake) = with_robot(1).await;
    let daemon = start(&setup, ORIGIN).await;
    let first = manual(&daemon.control, recap("ev00")).await.unwrap();
    assert_eq!(first.sent.len(), 1);
    let again = manual(&daemon.control, recap("ev00")).await.unwrap();
    assert!(again.sent.is_empty());
    assert_eq!(again.refused.len(), 1);
    let refusal = &again.refused[0];
    assert_eq!(
        (refusal.rule.as_str(), refusal.decided.state),
        ("recap", State::Sent),
        "{again:?}"
    );
    assert!(refusal.to_string().contains("already sent"), "{again:?}");
    let unknown = manual(&daemon.control, recap("nope")).await;
    assert!(matches!(unknown, Err(ManualError::UnknownEvent(e)) if e == "nope"));
    let mut wrong_channel = recap("ev00");
    wrong_channel.channels = vec!["robto".into()];
    let err = manual(&daemon.control, wrong_channel).await.unwrap_err();
    assert!(
        matches!(err, ManualError::UnknownChannel(ref c) if c == "robto"),
        "{err}"
    );
    daemon.stop().await;
    let recaps = sent(&setup.rows(), "recap");
    assert_eq!(recaps.len(), 1, "{recaps:#?}");
    let recap_posts = fake.record(|r| {
        r.accepted
            .iter()
            .filter(|b| b.to_string().contains("回顾"))
            .count()
    });
    assert_eq!(recap_posts, 1);
}

fn request(event: &str, kind: MessageKind) -> SendRequest {
    SendRequest {
        kind,
        ..recap(event)
    }
}

/// Words that fit the moment: a reminder for an event that is over is refused (use recap);
/// a manual change is refused before anything was announced and when nothing changed since;
/// an edit after the announcement is told old → new, one line per field, in the house date
/// form.
#[tokio::test(start_paused = true)]
async fn reminders_and_change_notices_fit_the_moment() {
    let (setup, fake) = with_robot(1).await;
    setup.write_event("past", &EVENT.replace("2030-06-01T", "2030-05-20T"));
    let daemon = start(&setup, ORIGIN).await;
    let err = manual(&daemon.control, request("past", MessageKind::Remind))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ManualError::ReminderAfterEnd(ref e) if e == "past"),
        "{err}"
    );
    assert!(err.to_string().contains("--kind recap"), "{err}");
    let err = manual(&daemon.control, request("ev00", MessageKind::Change))
        .await
        .unwrap_err();
    assert!(matches!(err, ManualError::ChangeNeverAnnounced(_)), "{err}");

    daemon.run_until("2030-05-25T10:00:05+08:00").await;
    assert_eq!(sent(&setup.rows(), "announce").len(), 1);
    let err = manual(&daemon.control, request("ev00", MessageKind::Change))
        .await
        .unwrap_err();
    assert!(matches!(err, ManualError::NothingChanged(_)), "{err}");

    setup.write_event(
        "ev00",
        &EVENT
            .replace("2030-06-01T14:00:00", "2030-06-02T15:00:00")
            .replace("2030-06-01T16:00:00", "2030-06-02T17:00:00"),
    );
    daemon.control.send(Control::Reload).await.unwrap();
    daemon.run_until("2030-05-25T10:01:00+08:00").await;
    daemon.stop().await;
    let change = fake.record(|r| {
        r.accepted
            .iter()
            .map(|b| {
                b["markdown"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .find(|t| t.contains("【活动变更】"))
    });
    let change = change.expect("a change notice was posted");
    assert!(
        change.contains(
            "- 时间：2030 年 06 月 01 日（周六）14:00-16:00 → **2030 年 06 月 02 日（周日）15:00-17:00**"
        ),
        "{change}"
    );
}

/// Each channel's send ends in one typed outcome: a message the platform refuses is not
/// delivered, with the platform's verdict (errcode and errmsg) and the part it stopped at; the
/// ledger keeps the same verdict.
#[tokio::test(start_paused = true)]
async fn a_refused_post_reports_the_platforms_verdict() {
    let (setup, fake) = with_robot(1).await;
    let daemon = start(&setup, ORIGIN).await;
    fake.fault(Fault::Code(310000, "keywords not in content"));
    let result = manual(&daemon.control, recap("ev00")).await.unwrap();
    daemon.stop().await;
    let line = &result.sent[0];
    assert!(!line.delivered(), "{result:?}");
    let ChannelOutcome::NotDelivered { part, verdict } = &line.outcome else {
        panic!("{result:?}");
    };
    assert_eq!(
        (
            *part,
            verdict.class,
            verdict.errcode,
            verdict.errmsg.as_deref()
        ),
        (
            1,
            OutcomeClass::Permanent,
            Some(310000),
            Some("keywords not in content")
        )
    );
    assert_eq!(line.parts_sent, 0);
    let shown = line.outcome.to_string();
    assert!(shown.contains("errcode=310000"), "{shown}");
    let rows = setup.rows();
    let recap = rows.iter().find(|r| r.kind == "recap").unwrap();
    assert_eq!((recap.state, recap.errcode), (State::Failed, Some(310000)));
}

/// A notice kind no rule sends (cancel) without --channel goes where the daemon's own notice
/// would: to the groups that got the announcement — and before any did, nowhere (an error).
#[tokio::test(start_paused = true)]
async fn a_manual_cancel_without_channels_goes_to_the_groups_that_were_told() {
    let (setup, fake) = with_robot(1).await;
    let daemon = start(&setup, ORIGIN).await;
    let cancel = SendRequest {
        channels: Vec::new(),
        ..request("ev00", MessageKind::Cancel)
    };
    let err = manual(&daemon.control, cancel.clone()).await.unwrap_err();
    assert!(matches!(err, ManualError::NoTargets { .. }), "{err}");

    daemon.run_until("2030-05-25T10:00:05+08:00").await;
    assert_eq!(sent(&setup.rows(), "announce").len(), 1);
    let result = manual(&daemon.control, cancel).await.unwrap();
    daemon.stop().await;
    let told: Vec<(&str, bool)> = result
        .sent
        .iter()
        .map(|r| (r.channel.as_str(), r.delivered()))
        .collect();
    assert_eq!(told, [("robot", true)]);
    let posted = fake.record(|r| {
        r.accepted
            .iter()
            .filter(|b| {
                b["markdown"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("取消")
            })
            .count()
    });
    assert_eq!(posted, 1);
}
