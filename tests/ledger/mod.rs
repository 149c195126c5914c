//! Integration tests of the ledger: the same cases (`cases.rs`) on SQLite and on Postgres,
//! then what only one store has — SQLite's file (locks, removal, read-only disks, WAL) and
//! Postgres's leader lock and fence.

mod cases;
mod postgres;

use chrono::{DateTime, TimeDelta, Utc};
use herald::ledger::{Claim, ClaimRequest, Ledger};
use herald::model::{DeliveryKey, MessageKind, Outcome, OutcomeClass};

pub fn t(min: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2030-05-25T02:00:00Z")
        .unwrap()
        .to_utc()
        + TimeDelta::minutes(min)
}

pub fn req(channel: &str, part: u32) -> ClaimRequest {
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

pub fn outcome(class: OutcomeClass, code: Option<i64>) -> Outcome {
    Outcome {
        class,
        http_status: Some(200),
        errcode: code,
        errmsg: code.map(|c| format!("err {c}")),
    }
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

/// Where a test's ledger lives; `open` may be called again for a second connection.
pub trait Place {
    fn open(&self) -> Ledger;
}

struct File(tempfile::TempDir);

impl Place for File {
    fn open(&self) -> Ledger {
        Ledger::open(&self.0.path().join("data/herald.db")).unwrap()
    }
}

impl Place for crate::util::pg::Database {
    fn open(&self) -> Ledger {
        Ledger::connect(&self.pg_url()).unwrap()
    }
}

/// Each case as a test on SQLite (`ledger::sqlite::NAME`) and on Postgres
/// (`ledger::on_postgres::NAME`, skipped and named without a server).
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::cases::$name(&super::File(tempfile::tempdir().unwrap()));
            })*
        }
        mod on_postgres {
            $(#[test]
            fn $name() {
                if let Some(db) = crate::util::pg::Database::create(concat!("ledger::on_postgres::", stringify!($name))) {
                    super::cases::$name(&db);
                }
            })*
        }
    };
}

on_both!(
    a_second_claim_is_impossible_across_connections,
    racing_threads_on_separate_connections_have_exactly_one_winner,
    outcomes_map_to_states_with_errcode_and_attempts,
    a_crash_leaves_claimed_parts_resendable_and_posting_parts_ambiguous,
    a_part_retried_after_a_refusal_is_claimed_again_between_attempts,
    writes_that_change_no_row_are_errors,
    an_operator_settles_ambiguous_rows_as_sent_or_reopens_them,
    mark_is_idempotent_and_never_overwrites,
    migrations_are_idempotent_and_meta_and_snapshots_persist,
    history_is_in_claim_order_and_filters_by_event,
    holds_match_by_star_and_release_by_event,
    a_batch_counts_once_it_ends_and_a_failed_write_spoils_only_itself,
);

#[test]
fn an_sqlite_batch_is_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let (ledger, other) = (Ledger::open(&path).unwrap(), Ledger::open(&path).unwrap());
    ledger.begin_batch();
    let Claim::Claimed(id) = ledger.claim(&req("c", 1)).unwrap() else {
        panic!()
    };
    ledger.posting(id).unwrap();
    assert!(
        other.history(None).unwrap().is_empty(),
        "another connection saw a batch's write before it ended"
    );
    ledger.end_batch().unwrap();
    assert_eq!(
        other.row_by_id(id).unwrap().unwrap().state,
        herald::ledger::State::Posting
    );
}

#[test]
fn an_sqlite_batch_that_cannot_begin_fails_every_write_once_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let ledger = Ledger::open(&path).unwrap();
    let other = rusqlite_lock(&path);
    ledger.begin_batch();
    // Reads need no lock (WAL).
    assert!(ledger.history(None).unwrap().is_empty());
    let first = ledger.claim(&req("a", 1)).unwrap_err();
    assert!(first.is_busy(), "{first}");
    // The rest of the batch does not wait for the lock again: it fails at once, the same way.
    let started = std::time::Instant::now();
    for ch in ["b", "c", "d"] {
        let err = ledger.claim(&req(ch, 1)).unwrap_err();
        assert!(err.is_busy(), "{err}");
    }
    assert!(ledger.meta_set("k", "v").is_err());
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let end = ledger.end_batch().unwrap_err();
    assert!(end.is_busy(), "{end}");
    assert!(
        end.again().is_busy(),
        "a batch's error repeated to its calls stays busy"
    );
    drop(other);
    assert!(ledger.history(None).unwrap().is_empty());
    assert!(ledger.meta_get("k").unwrap().is_none());
    // The next batch begins afresh.
    ledger.begin_batch();
    assert!(matches!(
        ledger.claim(&req("a", 1)).unwrap(),
        Claim::Claimed(_)
    ));
    ledger.end_batch().unwrap();
    assert_eq!(ledger.history(None).unwrap().len(), 1);
}

#[test]
fn an_sqlite_ledger_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let ledger = Ledger::open(&path).unwrap();
    ledger.meta_set("k", "v").unwrap();
    assert!(dir.path().join("herald.db-wal").exists(), "WAL mode");
}

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[test]
fn an_sqlite_ledger_folds_its_log_when_told_not_when_a_send_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let wal = dir.path().join("herald.db-wal");
    let ledger = Ledger::open(&path).unwrap();
    // Each claim commits on its own and logs at least one 4 KiB page: SQLite's default would
    // fold the log into the file (an fsync, on that send's path) every 1,000 pages.
    for i in 0..1_500 {
        assert!(matches!(
            ledger.claim(&req(&format!("c{i}"), 1)).unwrap(),
            Claim::Claimed(_)
        ));
    }
    let (file_before, wal_before) = (file_len(&path), file_len(&wal));
    assert!(
        wal_before > 1_200 * 4096,
        "the log was folded during the sends: {wal_before} bytes"
    );
    ledger.checkpoint().unwrap();
    let file_after = file_len(&path);
    assert!(
        file_after > file_before + 100 * 1024,
        "the checkpoint left the rows in the log: file {file_before} → {file_after} bytes"
    );
    // What was folded is still all there, and the log is reused from its start.
    assert_eq!(
        Ledger::open(&path).unwrap().history(None).unwrap().len(),
        1_500
    );
    ledger.claim(&req("after", 1)).unwrap();
    assert_eq!(
        file_len(&wal),
        wal_before,
        "the log grew instead of restarting"
    );
}

#[test]
fn a_checkpoint_of_a_removed_ledger_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let ledger = Ledger::open(&path).unwrap();
    ledger.claim(&req("c", 1)).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let err = ledger.checkpoint().unwrap_err();
    assert!(err.to_string().contains("herald.db"), "{err}");
    assert!(!path.exists(), "a checkpoint created a fresh ledger");
    assert!(Ledger::open_in_memory().unwrap().checkpoint().is_ok());
}
