//! Faults at the daemon's real boundaries: another process holding the ledger's lock across a
//! due instant, a full disk under the ledger, a platform that processed a message and then
//! answered 5xx. Nothing is posted unrecorded, nothing twice, nothing lost without a row.

use super::{EVENT, Setup, at, sent, start};
use crate::util::disk::TinyDisk;
use crate::util::fake::{Fake, Fault, Spec};
use crate::util::sqlite::hold_write_lock;
use herald::ledger::State;
use herald::model::{Clock, Platform, ScaledClock};
use std::sync::Arc;

const ORIGIN: &str = "2030-05-24T00:00:00+08:00";

/// The value of one metric line.
fn metric(metrics: &herald::daemon::Metrics, name: &str) -> i64 {
    metrics
        .encode()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// Let the daemon's blocking ledger work run (real time) until `ok` holds.
pub async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !ok() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "never: {what}"
        );
        // A little daemon time (its backoff timers) and a little real time (its ledger work
        // on the blocking pool) pass on each look.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A lock held by another process across the due instant: nothing is posted while no claim
/// can be recorded, the daemon says it waits, and the message goes out once the lock clears.
#[tokio::test(start_paused = true)]
async fn a_held_lock_delays_the_post_until_it_clears() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    // Start-up (its migrations write) is over before the lock is taken, and the lock is held
    // before the due instant comes: on a loaded machine neither thread may lag behind.
    until("the daemon has started", || {
        daemon.metrics.wakeups.get() > 0
    })
    .await;
    let db = setup.dir.path().join("herald.db");
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (locked, holding) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _lock = hold_write_lock(&db);
        locked.send(()).unwrap();
        let _ = released.recv();
    });
    holding.recv().unwrap();
    daemon.run_until("2030-05-25T10:00:01+08:00").await;
    until(
        "the daemon reports a delivery waiting on the ledger",
        || metric(&daemon.metrics, "herald_ledger_waiting") == 1,
    )
    .await;
    assert!(daemon.console.text().is_empty(), "posted without a claim");
    release.send(()).unwrap();
    holder.join().unwrap();
    daemon.run_until("2030-05-25T10:10:00+08:00").await;
    until("the announcement is posted", || {
        daemon.console.text().contains("· announce ·")
    })
    .await;
    assert_eq!(metric(&daemon.metrics, "herald_ledger_waiting"), 0);
    let console = daemon.console.text();
    daemon.stop().await;
    assert_eq!(console.matches("· announce ·").count(), 1, "{console}");
    assert_eq!(sent(&setup.rows(), "announce").len(), 1);
}

/// The lock is held from a due instant until herald is restarted after the deadline: the
/// deliveries that could never be claimed are recorded as missed, not silently dropped.
#[tokio::test(start_paused = true)]
async fn a_lock_held_past_the_deadline_ends_as_missed_rows() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", EVENT);
    let first = start(&setup, ORIGIN).await;
    first.run_until("2030-05-25T10:01:00+08:00").await; // the announcement goes out
    until("the announcement is recorded", || {
        !sent(&setup.rows(), "announce").is_empty()
    })
    .await;
    let lock = hold_write_lock(&setup.dir.path().join("herald.db"));
    first.run_until("2030-05-31T10:00:01+08:00").await; // remind-day-before falls due
    until("a delivery waits on the ledger", || {
        metric(&first.metrics, "herald_ledger_waiting") == 1
    })
    .await;
    first.stop().await;
    drop(lock);
    assert!(
        !setup.rows().iter().any(|r| r.rule.starts_with("remind")),
        "nothing could be recorded while the lock was held"
    );
    // Back after the event started: both reminders' deadlines (the start) have passed.
    let second = start(&setup, "2030-06-01T14:30:00+08:00").await;
    second.run_until("2030-06-01T14:31:00+08:00").await;
    until("the missed reminders are recorded", || {
        setup
            .rows()
            .iter()
            .filter(|r| r.rule.starts_with("remind") && r.state == State::Missed)
            .count()
            == 2
    })
    .await;
    let console = second.console.text();
    second.stop().await;
    assert!(!console.contains("· remind ·"), "{console}");
}

/// A platform that took the message and then answered 500: by default herald retries (the
/// group sees it twice, as the README says); with `server_errors = "ambiguous"` it posts once
/// and leaves the row for a person.
#[tokio::test(start_paused = true)]
async fn a_server_error_after_the_platform_took_the_message_follows_the_channel_choice() {
    for (choice, posts, state) in [
        (None, 2, State::Sent),
        (Some("ambiguous"), 1, State::Ambiguous),
    ] {
        let origin = "2030-05-25T09:59:00+08:00";
        let clock: Arc<dyn Clock> = Arc::new(ScaledClock::new(at(origin), 1.0));
        let fake = Fake::start(Spec::new(Platform::Wecom), clock).await;
        let setup = Setup::new(&[]);
        setup.add_robot(&fake, Platform::Wecom);
        if let Some(choice) = choice {
            let config = std::fs::read_to_string(setup.config()).unwrap();
            std::fs::write(
                setup.config(),
                format!("{config}server_errors = \"{choice}\"\n"),
            )
            .unwrap();
        }
        setup.write_event("ch99", EVENT);
        fake.fault(Fault::AcceptThenServerError);
        let daemon = start(&setup, origin).await;
        daemon.run_until("2030-05-25T10:05:00+08:00").await;
        until("the announcement has a verdict", || {
            setup.rows().iter().any(|r| {
                r.rule == "announce" && r.state != State::Claimed && r.state != State::Posting
            })
        })
        .await;
        daemon.stop().await;
        let rows = setup.rows();
        let announce: Vec<_> = rows.iter().filter(|r| r.rule == "announce").collect();
        assert_eq!(announce.len(), 1, "{choice:?}");
        assert_eq!(announce[0].state, state, "{choice:?}");
        assert_eq!(
            fake.record(|r| r.accepted.len()),
            posts,
            "{choice:?}: posts the group received"
        );
    }
}

/// The disk under the ledger is full at the due instant: no claim can be committed, so
/// nothing is posted (before: posted, logged "delivered", recorded nothing, and posted again
/// at the next start). Once space is back the message goes out, once, and a restart does not
/// post it again.
#[tokio::test(start_paused = true)]
async fn a_full_disk_posts_nothing_unrecorded_and_nothing_twice() {
    let setup = Setup::new(&["console"]);
    let Some(disk) = TinyDisk::mount(setup.dir.path().join("disk"), "1m") else {
        return;
    };
    let config = std::fs::read_to_string(setup.config())
        .unwrap()
        .replace("ledger = \"herald.db\"", "ledger = \"disk/herald.db\"");
    std::fs::write(setup.config(), config).unwrap();
    setup.write_event("ch99", EVENT);
    let daemon = start(&setup, ORIGIN).await;
    until("the ledger exists", || disk.path.join("herald.db").exists()).await;
    daemon.run_until("2030-05-24T00:00:01+08:00").await;
    let filler = disk.fill();
    daemon.run_until("2030-05-25T10:00:01+08:00").await;
    until("a delivery waits on the ledger", || {
        metric(&daemon.metrics, "herald_ledger_waiting") == 1
    })
    .await;
    assert!(metric(&daemon.metrics, "herald_ledger_errors_total") >= 1);
    assert!(daemon.console.text().is_empty(), "posted without a claim");
    std::fs::remove_file(filler).unwrap();
    daemon.run_until("2030-05-25T10:10:00+08:00").await;
    until("the announcement is posted", || {
        daemon.console.text().contains("· announce ·")
    })
    .await;
    let console = daemon.console.text();
    daemon.stop().await;
    assert_eq!(console.matches("· announce ·").count(), 1, "{console}");

    let again = start(&setup, "2030-05-25T10:20:00+08:00").await;
    again.run_until("2030-05-25T10:30:00+08:00").await;
    let console = again.console.text();
    again.stop().await;
    assert!(!console.contains("· announce ·"), "posted twice: {console}");
    let rows = herald::ledger::Ledger::open(&disk.path.join("herald.db"))
        .unwrap()
        .history(None)
        .unwrap();
    let announce: Vec<_> = rows.iter().filter(|r| r.rule == "announce").collect();
    assert_eq!(announce.len(), 1);
    assert_eq!(announce[0].state, State::Sent);
}
