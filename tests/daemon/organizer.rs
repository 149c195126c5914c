//! The organizer's hand on a running daemon: a hold keeps a delivery back past its due time
//! and a release lets it go at once; a hold still in place at the deadline ends as skipped;
//! a late catch-up waits out quiet hours when its deadline allows.

use super::{EVENT, Setup, at, sent, start};
use herald::daemon::Control;
use herald::ledger::{Hold, State};

const ORIGIN: &str = "2030-05-24T00:00:00+08:00";

fn hold(rule: &str) -> Hold {
    Hold {
        event: "ch99".into(),
        rule: rule.into(),
        channel: "*".into(),
        since: chrono::Utc::now(),
    }
}

#[tokio::test(start_paused = true)]
async fn a_hold_keeps_a_delivery_back_and_a_release_lets_it_go_at_once() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    setup.ledger().hold(&hold("announce"), at(ORIGIN)).unwrap();
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-25T12:00:00+08:00").await;
    assert!(
        sent(&setup.rows(), "announce").is_empty(),
        "posted while held"
    );
    assert!(!daemon.console.text().contains("· announce ·"));
    // Released (as `herald release` does: the ledger, then the daemon told).
    setup.ledger().unhold(&hold("announce")).unwrap();
    daemon.control.send(Control::HoldsChanged).await.unwrap();
    daemon.run_until("2030-05-25T12:00:01+08:00").await;
    super::faults::until("the released announcement is posted", || {
        !sent(&setup.rows(), "announce").is_empty()
    })
    .await;
    let announce = sent(&setup.rows(), "announce");
    daemon.stop().await;
    assert_eq!(announce.len(), 1);
    assert_eq!(
        announce[0].finished_at,
        Some(at("2030-05-25T12:00:00+08:00"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_hold_still_in_place_at_the_deadline_ends_as_skipped() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    setup
        .ledger()
        .hold(&hold("remind-hour-before"), at(ORIGIN))
        .unwrap();
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-06-01T14:30:00+08:00").await;
    let console = daemon.console.text();
    daemon.stop().await;
    let rows: Vec<_> = setup
        .rows()
        .into_iter()
        .filter(|r| r.rule == "remind-hour-before")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].state, State::Skipped);
    // The other messages were not held.
    assert_eq!(sent(&setup.rows(), "announce").len(), 1);
    assert!(console.contains("· announce ·"));
}

/// Started at 23:26 after being down all day: the day's announcement waits for 08:00 (its
/// deadline, the event's start a week later, allows it) instead of going out at night.
#[tokio::test(start_paused = true)]
async fn a_late_catch_up_waits_out_quiet_hours() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, "2030-05-25T23:26:00+08:00").await;
    daemon.run_until("2030-05-26T09:00:00+08:00").await;
    daemon.stop().await;
    let announce = sent(&setup.rows(), "announce");
    assert_eq!(announce.len(), 1);
    assert_eq!(
        announce[0].finished_at,
        Some(at("2030-05-26T08:00:00+08:00"))
    );
}

/// A late catch-up waiting for 08:00 is replanned by an edit made meanwhile: cancelled, it is
/// never posted; moved, the announcement that goes at 08:00 is the new one, once.
#[tokio::test(start_paused = true)]
async fn a_late_catch_up_waiting_out_quiet_hours_follows_an_edit_made_meanwhile() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, "2030-05-25T23:26:00+08:00").await;
    daemon.run_until("2030-05-25T23:40:00+08:00").await;
    setup.write_event("ch99", &format!("status = \"cancelled\"\n{EVENT}"));
    daemon.reload().await;
    daemon.run_until("2030-05-26T09:00:00+08:00").await;
    daemon.stop().await;
    let rows = setup.rows();
    assert!(rows.is_empty(), "{rows:#?}");

    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, "2030-05-25T23:26:00+08:00").await;
    daemon.run_until("2030-05-25T23:40:00+08:00").await;
    setup.write_event(
        "ch99",
        &EVENT.replace("2030-06-01T14:00", "2030-06-01T15:00"),
    );
    daemon.reload().await;
    daemon.run_until("2030-05-26T09:00:00+08:00").await;
    let console = daemon.console.text();
    daemon.stop().await;
    let announce = sent(&setup.rows(), "announce");
    assert_eq!(announce.len(), 1, "{:#?}", setup.rows());
    assert_eq!(
        announce[0].finished_at,
        Some(at("2030-05-26T08:00:00+08:00"))
    );
    assert!(console.contains("15:00-16:00"), "{console}");
    assert!(!console.contains("14:00-16:00"), "{console}");
}
