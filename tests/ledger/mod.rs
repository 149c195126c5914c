//! Integration tests: the SQLite ledger on disk — claims are exclusive across connections and
//! threads, outcomes map to states, crashes leave ambiguous rows, migrations are idempotent.

use chrono::{DateTime, TimeDelta, Utc};
use herald::ledger::{Claim, ClaimRequest, Ledger, State};
use herald::model::{DeliveryKey, MessageKind, Outcome, OutcomeClass};
use std::sync::{Arc, Barrier};

fn t(min: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2030-05-25T02:00:00Z")
        .unwrap()
        .to_utc()
        + TimeDelta::minutes(min)
}

fn req(channel: &str, part: u32) -> ClaimRequest {
    ClaimRequest {
        key: DeliveryKey {
            event: "ev".into(),
            rule: "announce".into(),
            channel: channel.into(),
        },
        part,
        parts_total: 2,
        kind: MessageKind::Announce,
        content_hash: "abc".into(),
        due: t(0),
        deadline: t(600),
        now: t(0),
        by: "daemon".into(),
    }
}

/// Hold SQLite's write lock on `path` from another connection until dropped, as a second
/// process (a backup tool, `sqlite3` left open in a transaction) would.
fn rusqlite_lock(path: &std::path::Path) -> LockHolder {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let path = path.to_path_buf();
    let thread = std::thread::spawn(move || {
        let lock = crate::util::sqlite::hold_write_lock(&path);
        ready_tx.send(()).unwrap();
        let _ = rx.recv();
        drop(lock);
    });
    ready.recv().unwrap();
    LockHolder {
        release: Some(tx),
        thread: Some(thread),
    }
}

struct LockHolder {
    release: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        drop(self.release.take());
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

fn outcome(class: OutcomeClass, code: Option<i64>) -> Outcome {
    Outcome {
        class,
        http_status: Some(200),
        errcode: code,
        errmsg: code.map(|c| format!("err {c}")),
    }
}

#[test]
fn a_second_claim_is_impossible_across_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/herald.db");
    let (a, b) = (Ledger::open(&path).unwrap(), Ledger::open(&path).unwrap());
    let Claim::Claimed(id) = a.claim(&req("c", 1)).unwrap() else {
        panic!("first claim must win")
    };
    match b.claim(&req("c", 1)).unwrap() {
        Claim::Taken(row) => {
            assert_eq!(row.id, id);
            assert_eq!(row.state, State::Claimed);
        }
        other => panic!("second claim won: {other:?}"),
    }
    // Another part or channel is a different key.
    assert!(matches!(b.claim(&req("c", 2)).unwrap(), Claim::Claimed(_)));
    assert!(matches!(b.claim(&req("d", 1)).unwrap(), Claim::Claimed(_)));
}

#[test]
fn racing_threads_on_separate_connections_have_exactly_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("herald.db"));
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (path, barrier) = (path.clone(), barrier.clone());
            std::thread::spawn(move || {
                let ledger = Ledger::open(&path);
                barrier.wait();
                let ledger = ledger.unwrap();
                (0..20)
                    .filter(|i| {
                        matches!(
                            ledger.claim(&req(&format!("ch{i}"), 1)).unwrap(),
                            Claim::Claimed(_)
                        )
                    })
                    .count()
            })
        })
        .collect();
    let winners: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(winners, 20, "each of 20 keys is won exactly once");
}

#[test]
fn outcomes_map_to_states_with_errcode_and_attempts() {
    let ledger = Ledger::open_in_memory().unwrap();
    let cases = [
        ("a", outcome(OutcomeClass::Delivered, Some(0)), State::Sent),
        (
            "b",
            outcome(OutcomeClass::Permanent, Some(310000)),
            State::Failed,
        ),
        (
            "c",
            outcome(OutcomeClass::Transient, Some(130101)),
            State::Failed,
        ),
        (
            "d",
            outcome(OutcomeClass::Ambiguous, None),
            State::Ambiguous,
        ),
    ];
    for (ch, out, _) in &cases {
        let Claim::Claimed(id) = ledger.claim(&req(ch, 1)).unwrap() else {
            panic!()
        };
        ledger.finish(id, out, 3, t(1)).unwrap();
    }
    for (ch, out, state) in &cases {
        let key = DeliveryKey {
            event: "ev".into(),
            rule: "announce".into(),
            channel: (*ch).into(),
        };
        let rows = ledger.rows_for(&key).unwrap();
        assert_eq!(rows[0].state, *state, "{ch}");
        assert_eq!(rows[0].errcode, out.errcode);
        assert_eq!(rows[0].attempts, 3);
        assert_eq!(rows[0].finished_at, Some(t(1)));
        // Decided, except a sent part 1 of 2: part 2 must still go out.
        assert_eq!(ledger.done(&key).unwrap(), *state != State::Sent, "{ch}");
    }
    let Claim::Claimed(id) = ledger.claim(&req("a", 2)).unwrap() else {
        panic!()
    };
    let key_a = DeliveryKey {
        event: "ev".into(),
        rule: "announce".into(),
        channel: "a".into(),
    };
    assert!(ledger.done(&key_a).unwrap(), "part 2 claimed: decided");
    ledger.finish(id, &cases[0].1, 1, t(2)).unwrap();
    assert!(ledger.done(&key_a).unwrap(), "both parts sent");
    // Sent or ambiguous: a group that may have seen the announcement gets its changes.
    assert_eq!(
        ledger.sent_channels("ev", MessageKind::Announce).unwrap(),
        ["a", "d"]
    );
}

#[test]
fn a_crash_leaves_claimed_parts_resendable_and_posting_parts_ambiguous() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    {
        let ledger = Ledger::open(&path).unwrap();
        // Part 1 was on the wire, part 2 still waited for its robot's budget.
        let Claim::Claimed(on_wire) = ledger.claim(&req("c", 1)).unwrap() else {
            panic!()
        };
        ledger.posting(on_wire).unwrap();
        assert!(matches!(
            ledger.claim(&req("c", 2)).unwrap(),
            Claim::Claimed(_)
        ));
    } // "crash": never finished
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.unresolved().unwrap().len(), 2);
    assert_eq!(
        ledger.recover("cli").unwrap(),
        (0, 0),
        "another process's rows are left alone"
    );
    assert_eq!(ledger.recover("daemon").unwrap(), (1, 1));
    let rows = ledger.history(None).unwrap();
    assert_eq!(rows.len(), 1, "the waiting part's claim is gone");
    assert_eq!((rows[0].part, rows[0].state), (1, State::Ambiguous));
    assert_eq!(rows[0].attempts, 1);
    // Still decided: a new claim of the ambiguous part does not win; the released one does.
    assert!(matches!(
        ledger.claim(&req("c", 1)).unwrap(),
        Claim::Taken(_)
    ));
    assert!(matches!(
        ledger.claim(&req("c", 2)).unwrap(),
        Claim::Claimed(_)
    ));
    // An ambiguous row cannot be released (only a claim whose part never left can).
    assert!(ledger.release(rows[0].id).is_err());
}

#[test]
fn a_part_retried_after_a_refusal_is_claimed_again_between_attempts() {
    let ledger = Ledger::open_in_memory().unwrap();
    let Claim::Claimed(id) = ledger.claim(&req("c", 1)).unwrap() else {
        panic!()
    };
    ledger.posting(id).unwrap();
    ledger.unposted(id).unwrap();
    assert_eq!(ledger.history(None).unwrap()[0].state, State::Claimed);
    assert!(ledger.unposted(id).is_err(), "only a posting row goes back");
    ledger.posting(id).unwrap();
    ledger
        .finish(id, &outcome(OutcomeClass::Delivered, None), 2, t(1))
        .unwrap();
    let row = &ledger.history(None).unwrap()[0];
    assert_eq!((row.state, row.attempts), (State::Sent, 2));
    // A finished row is final: no second verdict, no new post.
    assert!(
        ledger
            .finish(id, &outcome(OutcomeClass::Permanent, Some(1)), 3, t(2))
            .is_err()
    );
    assert!(ledger.posting(id).is_err());
}

#[test]
fn writes_that_change_no_row_are_errors() {
    let ledger = Ledger::open_in_memory().unwrap();
    let none = 4242;
    assert!(ledger.posting(none).is_err());
    assert!(
        ledger
            .finish(none, &outcome(OutcomeClass::Delivered, None), 1, t(0))
            .is_err()
    );
    assert!(ledger.release(none).is_err());
    assert!(ledger.resolve_sent(none, t(0)).is_err());
    assert!(ledger.reopen(none).is_err());
}

#[test]
fn an_operator_settles_ambiguous_rows_as_sent_or_reopens_them() {
    let ledger = Ledger::open_in_memory().unwrap();
    for ch in ["a", "b"] {
        let Claim::Claimed(id) = ledger.claim(&req(ch, 1)).unwrap() else {
            panic!()
        };
        ledger.posting(id).unwrap();
        ledger
            .finish(id, &outcome(OutcomeClass::Ambiguous, None), 1, t(0))
            .unwrap();
    }
    let rows = ledger.history(None).unwrap();
    ledger.resolve_sent(rows[0].id, t(5)).unwrap();
    ledger.reopen(rows[1].id).unwrap();
    assert_eq!(
        ledger.row_by_id(rows[0].id).unwrap().unwrap().state,
        State::Sent
    );
    assert!(ledger.row_by_id(rows[1].id).unwrap().is_none());
    assert!(matches!(
        ledger.claim(&req("b", 1)).unwrap(),
        Claim::Claimed(_)
    ));
    assert!(
        ledger.reopen(rows[0].id).is_err(),
        "a sent row is never reopened"
    );
}

#[test]
fn a_claim_that_cannot_commit_is_an_error_and_leaves_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let ledger = Ledger::open(&path).unwrap();
    // Another process holds the write lock across the claim.
    let other = rusqlite_lock(&path);
    let started = std::time::Instant::now();
    let err = ledger.claim(&req("c", 1)).unwrap_err();
    assert!(err.is_busy(), "{err}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    drop(other);
    assert!(ledger.history(None).unwrap().is_empty());
    assert!(matches!(
        ledger.claim(&req("c", 1)).unwrap(),
        Claim::Claimed(_)
    ));
}

#[test]
fn a_ledger_file_removed_while_open_refuses_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let ledger = Ledger::open(&path).unwrap();
    let Claim::Claimed(id) = ledger.claim(&req("c", 1)).unwrap() else {
        panic!()
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    assert!(matches!(
        ledger.posting(id),
        Err(herald::ledger::LedgerError::Vanished { .. })
    ));
    assert!(ledger.claim(&req("c", 2)).is_err());
    assert!(ledger.ping().is_err());
}

#[test]
fn read_only_and_corrupt_ledgers_are_clear_errors_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(&corrupt, vec![0x5a; 8192]).unwrap();
    let err = Ledger::open(&corrupt).err().expect("a corrupt file opens");
    assert!(err.to_string().contains("not a database"), "{err}");

    // Read-only (a disk the kernel remounted read-only): refused at open, even for root.
    let Some(disk) = crate::util::disk::TinyDisk::mount(dir.path().join("ro"), "1m") else {
        return;
    };
    let ro = disk.path.join("ro.db");
    drop(Ledger::open(&ro).unwrap());
    disk.remount_read_only();
    let err = Ledger::open(&ro)
        .and_then(|l| l.claim(&req("c", 1)).map(|_| ()))
        .expect_err("a read-only ledger accepted a claim");
    assert!(err.to_string().contains("read-only"), "{err}");
}

#[test]
fn mark_is_idempotent_and_never_overwrites() {
    let ledger = Ledger::open_in_memory().unwrap();
    let key = DeliveryKey {
        event: "ev".into(),
        rule: "remind".into(),
        channel: "c".into(),
    };
    assert!(
        ledger
            .mark(
                &key,
                1,
                MessageKind::Remind,
                State::Missed,
                "late",
                t(0),
                t(5),
                t(10)
            )
            .unwrap()
    );
    assert!(
        !ledger
            .mark(
                &key,
                1,
                MessageKind::Remind,
                State::Skipped,
                "again",
                t(0),
                t(5),
                t(11)
            )
            .unwrap()
    );
    let rows = ledger.rows_for(&key).unwrap();
    assert_eq!(
        (rows.len(), rows[0].state, rows[0].errmsg.as_deref()),
        (1, State::Missed, Some("late"))
    );
}

#[test]
fn migrations_are_idempotent_and_meta_and_snapshots_persist() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    {
        let ledger = Ledger::open(&path).unwrap();
        ledger.meta_set("last_alive", "x").unwrap();
        ledger.meta_set("last_alive", "y").unwrap();
        ledger.snapshot_set("ev", "{\"a\":1}").unwrap();
    }
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.meta_get("last_alive").unwrap().as_deref(), Some("y"));
    assert_eq!(
        ledger.snapshot_get("ev").unwrap().as_deref(),
        Some("{\"a\":1}")
    );
    assert_eq!(ledger.snapshot_get("other").unwrap(), None);
    ledger.ping().unwrap();
    assert!(dir.path().join("herald.db-wal").exists(), "WAL mode");
}

#[test]
fn history_is_in_claim_order_and_filters_by_event() {
    let ledger = Ledger::open_in_memory().unwrap();
    let mut late = req("z", 1);
    late.now = t(5);
    ledger.claim(&late).unwrap();
    ledger.claim(&req("a", 1)).unwrap();
    let mut other = req("a", 1);
    other.key.event = "other".into();
    ledger.claim(&other).unwrap();
    let channels: Vec<String> = ledger
        .history(Some("ev"))
        .unwrap()
        .into_iter()
        .map(|r| r.channel)
        .collect();
    assert_eq!(channels, ["a", "z"]);
    assert_eq!(ledger.history(None).unwrap().len(), 3);
    let counts = ledger.counts().unwrap();
    assert_eq!(counts, [(State::Claimed, 3)]);
}
