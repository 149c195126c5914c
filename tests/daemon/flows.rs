//! Each kind goes out at its due instant; no wake-ups in between; manual sends, broken
//! reloads, changes and cancellations.

use super::{EVENT, Setup, at, sent, start};
use herald::ledger::State;
use std::process::Command;

const ORIGIN: &str = "2030-05-24T00:00:00+08:00";

#[tokio::test(start_paused = true)]
async fn posts_each_kind_at_its_due_instant_and_sleeps_in_between() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-06-03T00:00:00+08:00").await;
    let wakeups = daemon.metrics.wakeups.get();
    daemon.stop().await;

    let rows = setup.rows();
    let due = |rule: &str| {
        sent(&rows, rule)
            .iter()
            .map(|r| r.finished_at.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(due("announce"), [at("2030-05-25T10:00:00+08:00")]);
    assert_eq!(due("remind-day-before"), [at("2030-05-31T10:00:00+08:00")]);
    assert_eq!(due("remind-hour-before"), [at("2030-06-01T13:00:00+08:00")]);
    assert_eq!(due("live-at-start"), [at("2030-06-01T14:00:00+08:00")]);
    assert_eq!(due("recap"), [at("2030-06-02T10:00:00+08:00")]);
    assert_eq!(rows.len(), 5, "{rows:#?}");
    // One wake-up at start, one per due instant: nothing in between (no polling).
    assert_eq!(wakeups, 6);
}

#[tokio::test(start_paused = true)]
async fn two_channels_each_get_every_message_once() {
    let setup = Setup::new(&["a", "b"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-26T00:00:00+08:00").await;
    daemon.stop().await;
    let rows = sent(&setup.rows(), "announce");
    let channels: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    assert_eq!(channels.len(), 2);
    assert!(channels.contains(&"a") && channels.contains(&"b"));
}

#[tokio::test(start_paused = true)]
async fn manual_send_then_daemon_posts_no_duplicate() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let herald = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_herald"));
        cmd.env("HERALD_LOG", "warn")
            .arg("--config")
            .arg(setup.config());
        cmd
    };
    let out = herald()
        .args(["send", "ch99", "--kind", "announce"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A second manual send is refused (exit 2) …
    let again = herald()
        .args(["send", "ch99", "--kind", "announce"])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-26T00:00:00+08:00").await;
    let console = daemon.console.text();
    daemon.stop().await;

    let rows = setup.rows();
    let announced = sent(&rows, "announce");
    assert_eq!(announced.len(), 1, "{rows:#?}");
    assert_eq!(announced[0].claimed_by, "cli");
    assert!(console.is_empty(), "the daemon posted again: {console}");

    // … unless forced.
    let forced = herald()
        .args(["send", "ch99", "--kind", "announce", "--force"])
        .output()
        .unwrap();
    assert!(forced.status.success());
    assert_eq!(
        setup
            .rows()
            .iter()
            .filter(|r| r.rule.starts_with("manual:announce:"))
            .count(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn broken_reload_keeps_the_last_good_state() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    // A broken event file and a broken config: both refused, the old state keeps running.
    setup.write_event("ch99", "title = \"unclosed\n");
    daemon.reload().await;
    let config = std::fs::read_to_string(setup.config()).unwrap();
    std::fs::write(
        setup.config(),
        format!("{config}\n[herald]\nnonsense = 1\n"),
    )
    .unwrap();
    daemon.reload().await;
    daemon.run_until("2030-05-26T00:00:00+08:00").await;
    let reloads = daemon.metrics.encode();
    daemon.stop().await;
    assert_eq!(sent(&setup.rows(), "announce").len(), 1);
    assert!(
        reloads.contains(r#"herald_reloads_total{result="error"} 1"#),
        "{reloads}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_time_change_notifies_announced_channels_and_replans_reminders() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-26T00:00:00+08:00").await;
    // Postponed by one week.
    setup.write_event("ch99", &EVENT.replace("2030-06-01", "2030-06-08"));
    daemon.reload().await;
    daemon.run_until("2030-06-10T00:00:00+08:00").await;
    let console = daemon.console.text();
    daemon.stop().await;

    let rows = setup.rows();
    let changes: Vec<_> = rows
        .iter()
        .filter(|r| r.rule.starts_with("change:"))
        .collect();
    assert_eq!(changes.len(), 1, "{rows:#?}");
    assert_eq!(changes[0].state, State::Sent);
    // Edited at midnight: the notice waits out the default quiet hours (22:00–08:00).
    assert_eq!(
        changes[0].finished_at,
        Some(at("2030-05-26T08:00:00+08:00"))
    );
    assert!(console.contains("2030 年 06 月 08 日"), "{console}");
    let reminders = sent(&rows, "remind-day-before");
    assert_eq!(
        reminders[0].finished_at,
        Some(at("2030-06-07T10:00:00+08:00"))
    );
    assert_eq!(
        sent(&rows, "announce").len(),
        1,
        "the announcement is not repeated"
    );
}

#[tokio::test(start_paused = true)]
async fn cancellation_notifies_and_drops_pending_messages() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-26T00:00:00+08:00").await;
    setup.write_event("ch99", &format!("status = \"cancelled\"\n{EVENT}"));
    daemon.reload().await;
    daemon.run_until("2030-06-03T00:00:00+08:00").await;
    daemon.stop().await;
    let rows = setup.rows();
    assert_eq!(sent(&rows, "cancel").len(), 1, "{rows:#?}");
    let rules: Vec<&str> = rows.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(
        rules,
        ["announce", "cancel"],
        "nothing else after a cancellation"
    );
}

/// Un-cancelled after the cancel went out: a 恢复举办 notice to the groups that got the cancel
/// (here only `a`: the organizer held it back from `b`), and the reminders resume.
#[tokio::test(start_paused = true)]
async fn an_uncancelled_event_gets_a_resume_notice_where_the_cancel_went_and_its_reminders() {
    let setup = Setup::new(&["a", "b"]);
    setup.write_event("ch99", EVENT);
    let hold = herald::ledger::Hold {
        event: "ch99".into(),
        rule: "cancel".into(),
        channel: "b".into(),
        since: at(ORIGIN),
    };
    setup.ledger().hold(&hold, at(ORIGIN)).unwrap();
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-26T12:00:00+08:00").await;
    setup.write_event("ch99", &format!("status = \"cancelled\"\n{EVENT}"));
    daemon.reload().await;
    daemon.run_until("2030-05-27T12:00:00+08:00").await;
    setup.write_event("ch99", EVENT);
    daemon.reload().await;
    daemon.run_until("2030-06-03T00:00:00+08:00").await;
    let console = daemon.console.text();
    daemon.stop().await;

    let rows = setup.rows();
    let channels =
        |rule: &str| -> Vec<String> { sent(&rows, rule).into_iter().map(|r| r.channel).collect() };
    assert_eq!(channels("announce"), ["a", "b"], "{rows:#?}");
    assert_eq!(channels("cancel"), ["a"], "{rows:#?}");
    let resume = sent(&rows, "resume");
    assert_eq!(resume.len(), 1, "{rows:#?}");
    assert_eq!(resume[0].channel, "a");
    assert_eq!(resume[0].kind, "resume");
    assert_eq!(resume[0].finished_at, Some(at("2030-05-27T12:00:00+08:00")));
    assert!(console.contains("【恢复举办】SOFAChannel#99"), "{console}");
    // The reminders go again, to both groups.
    assert_eq!(channels("remind-day-before"), ["a", "b"], "{rows:#?}");
    assert_eq!(channels("recap"), ["a", "b"], "{rows:#?}");
    assert!(
        rows.iter()
            .all(|r| !r.rule.starts_with("change:") && r.state != State::Ambiguous),
        "{rows:#?}"
    );
}

/// Un-cancelled at night: the resume notice waits out the quiet hours, like a change notice.
#[tokio::test(start_paused = true)]
async fn a_resume_notice_waits_out_quiet_hours() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-26T12:00:00+08:00").await;
    setup.write_event("ch99", &format!("status = \"cancelled\"\n{EVENT}"));
    daemon.reload().await;
    daemon.run_until("2030-05-26T23:00:00+08:00").await;
    setup.write_event("ch99", EVENT);
    daemon.reload().await;
    daemon.run_until("2030-05-27T12:00:00+08:00").await;
    daemon.stop().await;
    let rows = setup.rows();
    let resume = sent(&rows, "resume");
    assert_eq!(resume.len(), 1, "{rows:#?}");
    assert_eq!(resume[0].finished_at, Some(at("2030-05-27T08:00:00+08:00")));
}

/// Cancelled at night (the notice waits for 08:00) and taken back before then: nothing goes
/// out — neither the stale cancel at 08:00 nor a resume, since no group was told.
#[tokio::test(start_paused = true)]
async fn a_cancel_taken_back_during_quiet_hours_posts_nothing() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-26T22:30:00+08:00").await;
    setup.write_event("ch99", &format!("status = \"cancelled\"\n{EVENT}"));
    daemon.reload().await;
    daemon.run_until("2030-05-27T01:00:00+08:00").await;
    setup.write_event("ch99", EVENT);
    daemon.reload().await;
    daemon.run_until("2030-05-27T12:00:00+08:00").await;
    daemon.stop().await;
    let rows = setup.rows();
    let rules: Vec<&str> = rows.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(rules, ["announce"], "{rows:#?}");
}

/// A cancel notice an organizer held, the event un-cancelled, then the hold released: the
/// stale cancel is not posted (and no group was told, so no resume either).
#[tokio::test(start_paused = true)]
async fn a_held_cancel_released_after_the_event_is_on_again_posts_nothing() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let hold = herald::ledger::Hold {
        event: "ch99".into(),
        rule: "cancel".into(),
        channel: "*".into(),
        since: at(ORIGIN),
    };
    setup.ledger().hold(&hold, at(ORIGIN)).unwrap();
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-26T12:00:00+08:00").await;
    setup.write_event("ch99", &format!("status = \"cancelled\"\n{EVENT}"));
    daemon.reload().await;
    daemon.run_until("2030-05-26T14:00:00+08:00").await;
    setup.write_event("ch99", EVENT);
    daemon.reload().await;
    daemon.run_until("2030-05-26T15:00:00+08:00").await;
    setup.ledger().unhold(&hold).unwrap();
    daemon
        .control
        .send(herald::daemon::Control::HoldsChanged)
        .await
        .unwrap();
    daemon.run_until("2030-05-27T12:00:00+08:00").await;
    daemon.stop().await;
    let rows = setup.rows();
    let rules: Vec<&str> = rows.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(rules, ["announce"], "{rows:#?}");
}

/// Cancelled, on again, cancelled again, on again: each round's notices go once
/// (`cancel`, `resume`, `cancel:2`, `resume:2`).
#[tokio::test(start_paused = true)]
async fn cancel_and_resume_come_in_rounds() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let cancelled = format!("status = \"cancelled\"\n{EVENT}");
    let daemon = start(&setup, ORIGIN).await;
    for (text, until) in [
        (cancelled.as_str(), "2030-05-26T12:00:00+08:00"),
        (EVENT, "2030-05-27T12:00:00+08:00"),
        (cancelled.as_str(), "2030-05-28T12:00:00+08:00"),
        (EVENT, "2030-05-29T12:00:00+08:00"),
    ] {
        daemon.run_until(&until.replace("12:00", "11:00")).await;
        setup.write_event("ch99", text);
        daemon.reload().await;
        daemon.run_until(until).await;
    }
    daemon.stop().await;
    let rows = setup.rows();
    let rules: Vec<&str> = rows.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(
        rules,
        ["announce", "cancel", "resume", "cancel:2", "resume:2"],
        "{rows:#?}"
    );
    assert!(rows.iter().all(|r| r.state == State::Sent), "{rows:#?}");
}

#[tokio::test(start_paused = true)]
async fn the_ledger_log_is_folded_into_its_file_once_posting_stops() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let db = setup.dir.path().join("herald.db");
    // In WAL mode a commit only appends to the log; only a checkpoint writes the file itself.
    let bytes = || std::fs::read(&db).unwrap();
    let daemon = start(&setup, ORIGIN).await;
    daemon.run_until("2030-05-25T10:00:00.300+08:00").await;
    let during = bytes();
    assert_eq!(sent(&setup.rows(), "announce").len(), 1, "not posted yet");
    // A quiet while later the daemon checkpoints (on a blocking thread, in real time).
    daemon.run_until("2030-05-25T10:00:05+08:00").await;
    let started = std::time::Instant::now();
    while bytes() == during && started.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let folded = bytes() != during;
    daemon.stop().await;
    assert!(folded, "the ledger file was not written after the posts");
}
