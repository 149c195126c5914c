//! Kill and restart: no duplicates; what fell due while herald was down goes out late if still
//! before its deadline, else is recorded as missed; a crash mid-post is ambiguous.

use super::{EVENT, Setup, at, sent, start};
use herald::ledger::State;

#[tokio::test(start_paused = true)]
async fn restart_after_downtime_sends_late_or_records_missed_never_twice() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let first = start(&setup, "2030-05-24T00:00:00+08:00").await;
    first.run_until("2030-05-26T00:00:00+08:00").await;
    first.stop().await;

    // Down until ten minutes after the start: both reminders' deadline (the start) has passed,
    // the live link (deadline start+30m) can still go out, late.
    let second = start(&setup, "2030-06-01T14:10:00+08:00").await;
    second.run_until("2030-06-03T00:00:00+08:00").await;
    second.stop().await;

    let rows = setup.rows();
    assert_eq!(
        sent(&rows, "announce").len(),
        1,
        "no duplicate after restart"
    );
    for rule in ["remind-day-before", "remind-hour-before"] {
        let r: Vec<_> = rows.iter().filter(|r| r.rule == rule).collect();
        assert_eq!(r.len(), 1, "{rule}: {rows:#?}");
        assert_eq!(r[0].state, State::Missed, "{rule}");
    }
    assert_eq!(
        sent(&rows, "live-at-start")[0].finished_at,
        Some(at("2030-06-01T14:10:00+08:00"))
    );
    assert_eq!(sent(&rows, "recap").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_part_left_on_the_wire_becomes_ambiguous_and_is_not_reposted() {
    use herald::ledger::{Claim, ClaimRequest};
    use herald::model::{DeliveryKey, MessageKind};
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    // Simulate a crash between claim and record.
    let key = DeliveryKey {
        event: "ch99".into(),
        rule: "announce".into(),
        channel: "console".into(),
    };
    let req = ClaimRequest {
        key,
        part: 1,
        parts_total: 1,
        kind: MessageKind::Announce,
        content_hash: "x".into(),
        due: at("2030-05-25T10:00:00+08:00"),
        deadline: at("2030-06-01T14:00:00+08:00"),
        now: at("2030-05-25T10:00:00+08:00"),
        by: "daemon".into(),
    };
    let Claim::Claimed(id) = setup.ledger().claim(&req).unwrap() else {
        panic!("the claim must win")
    };
    setup.ledger().posting(id).unwrap();

    let daemon = start(&setup, "2030-05-25T11:00:00+08:00").await;
    daemon.run_until("2030-05-26T00:00:00+08:00").await;
    let console = daemon.console.text();
    daemon.stop().await;
    let rows = setup.rows();
    let announce: Vec<_> = rows.iter().filter(|r| r.rule == "announce").collect();
    assert_eq!(announce.len(), 1);
    assert_eq!(announce[0].state, State::Ambiguous);
    assert!(
        console.is_empty(),
        "re-posted an ambiguous delivery: {console}"
    );
}

/// A crash while a part only waited (for its robot's budget, a permit or a retry) left it
/// `claimed`: nothing of it left herald, so the next start posts it, once.
#[tokio::test(start_paused = true)]
async fn a_part_that_only_waited_when_herald_died_is_posted_at_the_next_start() {
    use herald::ledger::{Claim, ClaimRequest};
    use herald::model::{DeliveryKey, MessageKind};
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let req = ClaimRequest {
        key: DeliveryKey {
            event: "ch99".into(),
            rule: "announce".into(),
            channel: "console".into(),
        },
        part: 1,
        parts_total: 1,
        kind: MessageKind::Announce,
        content_hash: "x".into(),
        due: at("2030-05-25T10:00:00+08:00"),
        deadline: at("2030-06-01T14:00:00+08:00"),
        now: at("2030-05-25T10:00:00+08:00"),
        by: "daemon".into(),
    };
    assert!(matches!(
        setup.ledger().claim(&req).unwrap(),
        Claim::Claimed(_)
    ));

    let daemon = start(&setup, "2030-05-25T11:00:00+08:00").await;
    daemon.run_until("2030-05-26T00:00:00+08:00").await;
    let console = daemon.console.text();
    daemon.stop().await;
    let announce: Vec<_> = setup
        .rows()
        .into_iter()
        .filter(|r| r.rule == "announce")
        .collect();
    assert_eq!(announce.len(), 1);
    assert_eq!(announce[0].state, State::Sent);
    assert_eq!(console.matches("· announce ·").count(), 1, "{console}");
}

/// Herald stopped between the two parts of a long announcement: at the next start the
/// missing part goes out, and the part already sent is not posted again.
#[tokio::test(start_paused = true)]
async fn a_stop_between_parts_sends_the_missing_part_once() {
    use crate::util::fake::{Fake, Spec};
    use herald::model::{Clock, Platform, ScaledClock};
    use std::sync::Arc;
    let origin = "2021-09-04T09:59:59+08:00"; // the sample's announcement is due at 10:00
    let clock: Arc<dyn Clock> = Arc::new(ScaledClock::new(at(origin), 1.0));
    let fake = Fake::start(Spec::new(Platform::Wecom), clock).await;
    let setup = Setup::new(&[]);
    setup.add_robot(&fake, Platform::Wecom);
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/shipped/events/sofa-meetup-8-chengdu.toml");
    setup.write_event("m8", &std::fs::read_to_string(sample).unwrap());

    let first = start(&setup, origin).await;
    first.run_until("2021-09-04T10:01:00+08:00").await;
    first.stop().await;
    let parts = sent(&setup.rows(), "announce");
    assert_eq!(parts.len(), 2, "the announcement is two parts on WeCom");
    assert_eq!(fake.record(|r| r.accepted.len()), 2);
    // As if herald had stopped after part 1: part 2 never claimed.
    let db = rusqlite::Connection::open(setup.dir.path().join("herald.db")).unwrap();
    db.execute(
        "DELETE FROM deliveries WHERE rule = 'announce' AND part = 2",
        [],
    )
    .unwrap();
    drop(db);

    let second = start(&setup, "2021-09-04T11:00:00+08:00").await;
    second.run_until("2021-09-04T11:01:00+08:00").await;
    second.stop().await;
    let accepted = fake.record(|r| r.accepted.clone());
    assert_eq!(accepted.len(), 3, "only the missing part is posted again");
    let body = accepted[2]["markdown"]["content"].as_str().unwrap();
    assert!(body.contains("(2/2)"), "{body}");
    let parts = sent(&setup.rows(), "announce");
    assert_eq!(parts.iter().map(|r| r.part).collect::<Vec<_>>(), [1, 2]);
}

/// Stopping while posts wait for a robot's rate budget: those posts are given back, not left
/// claimed (and so never shown as ambiguous or lost); the next start posts them, each once.
#[tokio::test(start_paused = true)]
async fn a_stop_while_posts_wait_for_the_budget_loses_none() {
    // 25 announcements due at 10:00 to one robot that takes 20 a minute.
    let (setup, fake) = super::manual::with_robot(25).await;
    let first = start(&setup, "2030-05-25T09:59:59+08:00").await;
    first.run_until("2030-05-25T10:00:30+08:00").await;
    first.stop().await;
    let rows = setup.rows();
    let posted = sent(&rows, "announce").len();
    assert!((5..25).contains(&posted), "{posted} sent before the stop");
    assert!(
        rows.iter().all(|r| r.state == State::Sent),
        "a waiting post left a row behind: {rows:#?}"
    );

    let second = start(&setup, "2030-05-25T10:05:00+08:00").await;
    second.run_until("2030-05-25T10:07:00+08:00").await;
    second.stop().await;
    let rows = setup.rows();
    assert_eq!(sent(&rows, "announce").len(), 25);
    assert!(rows.iter().all(|r| r.state == State::Sent), "{rows:#?}");
    assert_eq!(fake.record(|r| r.accepted.len()), 25);
    assert_eq!(fake.record(|r| r.throttled), 0);
}
