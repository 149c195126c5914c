//! `daemon::Store` with a real SQLite file: calls that wait while one runs are committed
//! together, and each is answered only once its transaction committed.

use crate::ledger::req;
use herald::daemon::{Health, Store};
use herald::ledger::{Claim, Ledger, State};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn store(path: &std::path::Path) -> Store {
    Store::new(
        Arc::new(Ledger::open(path).unwrap()),
        Arc::new(Health::default()),
    )
}

#[tokio::test]
async fn every_answer_comes_after_its_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let store = store(&path);
    let other = Arc::new(Ledger::open(&path).unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..300 {
        let (store, other) = (store.clone(), other.clone());
        tasks.spawn(async move {
            let request = req(&format!("robot-{i}"), 1);
            let Claim::Claimed(id) = store.call(move |l| l.claim(&request)).await.unwrap() else {
                panic!("a fresh key was taken")
            };
            // Another connection sees the claim the moment its answer arrives.
            assert_eq!(other.row_by_id(id).unwrap().unwrap().state, State::Claimed);
            store.call(move |l| l.posting(id)).await.unwrap();
            assert_eq!(other.row_by_id(id).unwrap().unwrap().state, State::Posting);
        });
    }
    tasks.join_all().await;
    assert_eq!(other.history(None).unwrap().len(), 300);
}

#[tokio::test]
async fn calls_waiting_on_a_locked_ledger_fail_together_not_one_timeout_each() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let store = store(&path);
    let lock = crate::util::sqlite::hold_write_lock(&path);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let store = store.clone();
        tasks.spawn(async move {
            let request = req(&format!("robot-{i}"), 1);
            store.call(move |l| l.claim(&request)).await
        });
    }
    for result in tasks.join_all().await {
        let err = result.expect_err("a claim won while another process held the lock");
        assert!(err.is_busy(), "{err}");
    }
    // One busy timeout (2 s) per transaction, not per call (40 x 2 s one at a time).
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    assert!(store.health().ledger_error().is_some());
    drop(lock);
    let request = req("robot-0", 1);
    let claimed = store.call(move |l| l.claim(&request)).await.unwrap();
    assert!(matches!(claimed, Claim::Claimed(_)));
}

#[tokio::test]
async fn a_posting_mark_goes_ahead_of_the_calls_already_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir.path().join("herald.db"));
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    // Keep the worker busy until every other call has queued.
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let busy = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .call(move |_| {
                    wait.recv().unwrap();
                    Ok(())
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (store, order) = (store.clone(), order.clone());
        tasks.spawn(async move {
            store
                .call(move |_| {
                    order.lock().unwrap().push(format!("claim {i}"));
                    Ok(())
                })
                .await
        });
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (store2, order2) = (store.clone(), order.clone());
    tasks.spawn(async move {
        store2
            .call_first(move |_| {
                order2.lock().unwrap().push("posting".to_string());
                Ok(())
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    release.send(()).unwrap();
    busy.await.unwrap().unwrap();
    for result in tasks.join_all().await {
        result.unwrap();
    }
    let order = order.lock().unwrap();
    assert_eq!(order.len(), 21);
    assert_eq!(order[0], "posting", "{order:?}");
    assert_eq!(
        order[1], "claim 0",
        "the others kept their order: {order:?}"
    );
}
