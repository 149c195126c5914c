//! What only the Postgres ledger has: the leader lock replicas elect with, and the fence
//! that keeps a replica which lost it from claiming. Against the throwaway server `.ci/run`
//! starts (skipped and named without one).

use super::req;
use crate::util::pg::Database;
use herald::ledger::{Claim, Ledger, LedgerError, lead};
use std::time::Duration;

#[tokio::test]
async fn a_standby_takes_the_lock_the_moment_the_leader_goes() {
    let Some(db) =
        Database::create("ledger::postgres::a_standby_takes_the_lock_the_moment_the_leader_goes")
    else {
        return;
    };
    let url = db.pg_url();
    let first = lead(&url).await.unwrap();
    let standby = tokio::spawn({
        let url = url.clone();
        async move { lead(&url).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!standby.is_finished(), "two leaders at once");
    let gone = std::time::Instant::now();
    drop(first);
    let second = tokio::time::timeout(Duration::from_secs(10), standby)
        .await
        .expect("the standby never took over")
        .unwrap()
        .unwrap();
    assert!(
        gone.elapsed() < Duration::from_secs(5),
        "{:?}",
        gone.elapsed()
    );
    drop(second);
}

#[tokio::test]
async fn claims_are_fenced_to_the_session_holding_the_lock() {
    let Some(db) =
        Database::create("ledger::postgres::claims_are_fenced_to_the_session_holding_the_lock")
    else {
        return;
    };
    let url = db.pg_url();
    let leadership = lead(&url).await.unwrap();
    let ledger = Ledger::connect(&url).unwrap();
    ledger.fence(Some(leadership.pid()));
    let claimed = tokio::task::spawn_blocking({
        let ledger = std::sync::Arc::new(ledger);
        move || {
            let first = ledger
                .claim(&req("a", 1))
                .map(|c| matches!(c, Claim::Claimed(_)));
            (ledger, first)
        }
    })
    .await
    .unwrap();
    let (ledger, first) = claimed;
    assert!(first.unwrap(), "the leader claims");
    drop(leadership);
    // The lock goes with its session (the server ends it once it reads the closed socket):
    // from then on this replica may no longer claim. Each try uses a new key, so a claim
    // that still won shows as such.
    let refused = tokio::task::spawn_blocking({
        let ledger = ledger.clone();
        move || {
            let started = std::time::Instant::now();
            let mut won = 0;
            loop {
                match ledger.claim(&req(&format!("b{won}"), 1)) {
                    Ok(Claim::Claimed(_)) if started.elapsed() < Duration::from_secs(5) => won += 1,
                    other => return (other, won),
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    });
    let (refused, _won_while_closing) = wait_for(refused).await;
    assert!(
        matches!(refused, Err(LedgerError::NotLeader { .. })),
        "{refused:?}"
    );
    // ...while `herald send` (no fence) still goes through the claim, exactly once.
    let cli = tokio::task::spawn_blocking(move || {
        let cli = Ledger::connect(&url).unwrap();
        (
            cli.claim(&req("b", 1)).unwrap(),
            cli.claim(&req("a", 1)).unwrap(),
        )
    });
    let (b, a) = wait_for(cli).await;
    assert!(matches!(b, Claim::Claimed(_)));
    assert!(matches!(a, Claim::Taken(_)), "a second claim won");
}

#[tokio::test]
async fn the_leader_learns_when_its_session_is_gone() {
    let Some(db) = Database::create("ledger::postgres::the_leader_learns_when_its_session_is_gone")
    else {
        return;
    };
    let mut leadership = lead(&db.pg_url()).await.unwrap();
    let pid = leadership.pid();
    crate::util::pg::admin_sql(&db.url, &format!("SELECT pg_terminate_backend({pid})")).unwrap();
    let lost = tokio::time::timeout(Duration::from_secs(10), leadership.lost())
        .await
        .expect("a leader whose session ended never noticed");
    assert!(lost.to_string().contains("leader lock"), "{lost}");
}

#[test]
fn the_password_never_shows_in_an_error() {
    let url = herald::model::PgUrl::new(
        "postgres://herald:hunter2-secret@127.0.0.1:1/herald"
            .to_string()
            .into(),
    );
    let err = Ledger::connect(&url)
        .err()
        .expect("nothing listens on port 1");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("postgres://herald@127.0.0.1:1/herald"),
        "{text}"
    );
}

async fn wait_for<T>(task: tokio::task::JoinHandle<T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("the ledger did not answer")
        .unwrap()
}

/// `sslmode=require` never falls back to plain text: against a server without TLS (the test
/// server has none) the connection is refused with a reason.
#[test]
fn sslmode_require_never_falls_back_to_plain_text() {
    let Some(db) =
        Database::create("ledger::postgres::sslmode_require_never_falls_back_to_plain_text")
    else {
        return;
    };
    let url = herald::model::PgUrl::new(format!("{}?sslmode=require", db.url).into());
    let err = Ledger::connect(&url).err().expect("connected without TLS");
    assert!(
        err.to_string().to_lowercase().contains("tls") || err.to_string().contains("SSL"),
        "{err}"
    );
    let plain = herald::model::PgUrl::new(format!("{}?sslmode=disable", db.url).into());
    Ledger::connect(&plain).unwrap().ping().unwrap();
}

/// A lock held elsewhere (a `LOCK TABLE` left open in psql) fails a claim after the busy
/// timeout, as SQLite's does — never a ledger that blocks forever — and leaves no row; once
/// the lock is gone the claim wins.
#[test]
fn a_held_table_lock_fails_a_claim_after_the_busy_timeout() {
    let Some(db) = Database::create(
        "ledger::postgres::a_held_table_lock_fails_a_claim_after_the_busy_timeout",
    ) else {
        return;
    };
    let ledger = Ledger::connect(&db.pg_url()).unwrap();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let url = db.url.clone();
    let holder = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut tx = c.transaction().unwrap();
        tx.batch_execute("LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE")
            .unwrap();
        locked.send(()).unwrap();
        let _ = released.recv();
        tx.rollback().unwrap();
    });
    is_locked.recv().unwrap();
    let started = std::time::Instant::now();
    let ledger = std::sync::Arc::new(ledger);
    let (answer, claimed) = std::sync::mpsc::channel();
    std::thread::spawn({
        let ledger = ledger.clone();
        move || answer.send(ledger.claim(&req("c", 1)))
    });
    let err = claimed
        .recv_timeout(Duration::from_secs(10))
        .expect("the claim blocked on the held lock")
        .unwrap_err();
    assert!(err.is_busy(), "{err}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    drop(release);
    holder.join().unwrap();
    assert!(ledger.history(None).unwrap().is_empty());
    assert!(matches!(
        ledger.claim(&req("c", 1)).unwrap(),
        Claim::Claimed(_)
    ));
}
