//! The embedded SQLite ledger (the default): one file in WAL mode; each write commits on its
//! own, or inside a batch all of them in one IMMEDIATE transaction (see [`Backend::begin_batch`]);
//! the file's identity is checked before every write, so a ledger removed or replaced while
//! open records (and lets herald post) nothing more.

use super::{
    BUSY_TIMEOUT, Backend, COLUMNS, Claim, ClaimRequest, Hold, LedgerError, Row, State, schema,
};
use crate::model::{DeliveryKey, MessageKind, Outcome};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The log's size (in pages) at which a commit folds it into the file itself. SQLite's default
/// (1,000) would put that fsync on the path of whichever send's write crosses it, a few times
/// a minute in a busy hour; the daemon checkpoints when quiet instead (`checkpoint`), and this
/// only bounds the log (≈ 40 MiB at 4 KiB pages) for a daemon that is never quiet.
const WAL_FALLBACK_PAGES: u32 = 10_000;

pub(super) struct Sqlite {
    conn: Mutex<Conn>,
    path: PathBuf,
    /// The file's identity when opened (device, inode): checked before every claim and post.
    identity: Option<(u64, u64)>,
}

/// The connection and where a batch of writes stands on it.
struct Conn {
    db: Connection,
    batch: Batch,
}

/// A batch's one write transaction.
enum Batch {
    /// No batch: each write commits on its own.
    Off,
    /// In a batch, nothing written yet (reads need no lock).
    Idle,
    /// In a batch, `BEGIN IMMEDIATE` done: writes go into the transaction.
    Writing,
    /// The transaction could not begin or was rolled back: every later write of the batch
    /// fails the same way, and so does the batch.
    Failed(rusqlite::ffi::Error, Option<String>),
}

impl Conn {
    /// Run one statement from the connection's statement cache: a fan-out runs the same
    /// few thousands of times, and parsing them again would cost as much as running them.
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.db.prepare_cached(sql)?.execute(params)
    }

    /// Read one row with a statement from the cache (start-up asks once per event).
    fn one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.db.prepare_cached(sql)?.query_row(params, f)
    }
}

impl Deref for Conn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.db
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.db
    }
}

impl Sqlite {
    /// Open (creating the file and its folder) and migrate.
    pub(super) fn open(path: &Path) -> Result<Sqlite, LedgerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| LedgerError::Dir {
                path: path.to_path_buf(),
                source,
            })?;
        }
        writable(path)?;
        let conn = Connection::open(path).map_err(|source| LedgerError::Sql {
            path: path.to_path_buf(),
            op: "open",
            source,
        })?;
        let mut ledger = Sqlite::init(conn, path.to_path_buf(), true)?;
        ledger.identity = file_identity(path);
        Ok(ledger)
    }

    pub(super) fn open_in_memory() -> Result<Sqlite, LedgerError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| LedgerError::Sql {
            path: path.clone(),
            op: "open",
            source,
        })?;
        Sqlite::init(conn, path, false)
    }

    fn init(conn: Connection, path: PathBuf, wal: bool) -> Result<Sqlite, LedgerError> {
        let ledger = Sqlite {
            conn: Mutex::new(Conn {
                db: conn,
                batch: Batch::Off,
            }),
            path,
            identity: None,
        };
        {
            let conn = ledger.conn();
            conn.busy_timeout(BUSY_TIMEOUT)
                .map_err(|e| ledger.err("set busy timeout", e))?;
            if wal {
                enable_wal(&conn).map_err(|e| ledger.err("enable WAL", e))?;
                conn.pragma_update(None, "synchronous", "NORMAL")
                    .map_err(|e| ledger.err("set synchronous", e))?;
                conn.pragma_update(None, "wal_autocheckpoint", WAL_FALLBACK_PAGES)
                    .map_err(|e| ledger.err("set wal_autocheckpoint", e))?;
            }
        }
        ledger.migrate()?;
        Ok(ledger)
    }

    fn conn(&self) -> MutexGuard<'_, Conn> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The connection for a write: the file is still the one opened, and inside a batch the
    /// batch's transaction is open (begun by its first write).
    fn writing(&self) -> Result<MutexGuard<'_, Conn>, LedgerError> {
        self.still_there()?;
        let mut conn = self.conn();
        match &conn.batch {
            Batch::Off => {}
            Batch::Idle => {
                if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
                    conn.batch = failed(&e);
                    return Err(self.err("begin a batch of writes", e));
                }
                conn.batch = Batch::Writing;
            }
            Batch::Writing if conn.is_autocommit() => {
                let e = rolled_back();
                conn.batch = failed(&e);
                return Err(self.err("write in a batch", e));
            }
            Batch::Writing => {}
            Batch::Failed(code, msg) => {
                let e = rusqlite::Error::SqliteFailure(*code, msg.clone());
                return Err(self.err("write in a batch", e));
            }
        }
        Ok(conn)
    }

    /// Run `f` atomically: in a batch's transaction as a savepoint, otherwise as its own
    /// IMMEDIATE transaction.
    fn atomic<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut conn = self.writing()?;
        if matches!(conn.batch, Batch::Writing) {
            let sp = conn.savepoint().map_err(|e| self.err(op, e))?;
            let value = f(&sp)?;
            sp.commit().map_err(|e| self.err(op, e))?;
            Ok(value)
        } else {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| self.err(op, e))?;
            let value = f(&tx)?;
            tx.commit().map_err(|e| self.err(op, e))?;
            Ok(value)
        }
    }

    fn err(&self, op: &'static str, source: rusqlite::Error) -> LedgerError {
        LedgerError::Sql {
            path: self.path.clone(),
            op,
            source,
        }
    }

    fn migrate(&self) -> Result<(), LedgerError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err("begin migration", e))?;
        let version: usize = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err("read schema version", e))?;
        for (i, sql) in schema::SQLITE.iter().enumerate().skip(version) {
            tx.execute_batch(sql).map_err(|e| self.err("migrate", e))?;
            tx.pragma_update(None, "user_version", i + 1)
                .map_err(|e| self.err("write schema version", e))?;
        }
        tx.commit().map_err(|e| self.err("commit migration", e))
    }

    /// The file on disk is still the one opened (not deleted or replaced).
    fn still_there(&self) -> Result<(), LedgerError> {
        match self.identity {
            Some(id) if file_identity(&self.path) != Some(id) => Err(LedgerError::Vanished {
                path: self.path.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Run a write that must change exactly one row.
    fn write_one(
        &self,
        op: &'static str,
        id: i64,
        expected: &'static str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<(), LedgerError> {
        let n = self
            .writing()?
            .run(sql, params)
            .map_err(|e| self.err(op, e))?;
        if n == 1 {
            Ok(())
        } else {
            Err(LedgerError::NoRow {
                path: self.path.clone(),
                op,
                id,
                expected,
            })
        }
    }

    fn row(&self, key: &DeliveryKey, part: u32) -> Result<Option<Row>, LedgerError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE event = ?1 AND rule = ?2 AND channel = ?3 AND part = ?4"
        );
        self.query(
            &sql,
            params![key.event, key.rule, key.channel, part],
            "read a row",
        )
        .map(|mut rows| rows.pop())
    }

    fn query(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        op: &'static str,
    ) -> Result<Vec<Row>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql).map_err(|e| self.err(op, e))?;
        let raw = stmt
            .query_map(params, |r| {
                Ok((
                    r.get::<_, String>(7)?,
                    Row {
                        id: r.get(0)?,
                        event: r.get(1)?,
                        rule: r.get(2)?,
                        channel: r.get(3)?,
                        part: r.get(4)?,
                        parts_total: r.get(5)?,
                        kind: r.get(6)?,
                        state: State::Claimed,
                        attempts: r.get(8)?,
                        errcode: r.get(9)?,
                        errmsg: r.get(10)?,
                        content_hash: r.get(11)?,
                        due: r.get(12)?,
                        deadline: r.get(13)?,
                        claimed_at: r.get(14)?,
                        finished_at: r.get(15)?,
                        claimed_by: r.get(16)?,
                    },
                ))
            })
            .map_err(|e| self.err(op, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(op, e))?;
        raw.into_iter()
            .map(|(state, mut row)| {
                row.state = State::parse(&state).ok_or_else(|| LedgerError::BadState {
                    path: self.path.clone(),
                    id: row.id,
                    state,
                })?;
                Ok(row)
            })
            .collect()
    }
}

impl Backend for Sqlite {
    fn fence(&self, _leader: Option<i32>) {}

    fn begin_batch(&self) {
        let mut conn = self.conn();
        if !conn.is_autocommit() {
            // A batch that never ended (its caller panicked): what it wrote never counted.
            let _ = conn.execute_batch("ROLLBACK");
        }
        conn.batch = Batch::Idle;
    }

    fn end_batch(&self) -> Result<(), LedgerError> {
        let mut conn = self.conn();
        let batch = std::mem::replace(&mut conn.batch, Batch::Off);
        let result = match batch {
            Batch::Off | Batch::Idle => Ok(()),
            Batch::Writing if conn.is_autocommit() => Err(rolled_back()),
            Batch::Writing => conn.execute_batch("COMMIT"),
            Batch::Failed(code, msg) => Err(rusqlite::Error::SqliteFailure(code, msg)),
        };
        if result.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        result.map_err(|e| self.err("commit a batch of writes", e))
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn release_memory(&self) {
        let _ = self.conn().release_memory();
    }

    fn checkpoint(&self) -> Result<(), LedgerError> {
        if self.identity.is_none() {
            return Ok(()); // in memory: no log
        }
        self.still_there()?;
        // Never created: a ledger removed meanwhile stays removed.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)
            .map_err(|e| self.err("open for a checkpoint", e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.err("set busy timeout", e))?;
        // PASSIVE: copies what no reader still needs and never blocks a writer.
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(|e| self.err("checkpoint", e))
    }

    fn claim(&self, req: &ClaimRequest) -> Result<Claim, LedgerError> {
        let conn = self.writing()?;
        let inserted = conn
            .run(
                "INSERT INTO deliveries (event, rule, channel, part, parts_total, kind, state, content_hash, due, deadline, claimed_at, claimed_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'claimed', ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (event, rule, channel, part) DO NOTHING",
                params![req.key.event, req.key.rule, req.key.channel, req.part, req.parts_total, req.kind.as_str(), req.content_hash, req.due, req.deadline, req.now, req.by],
            )
            .map_err(|e| self.err("claim", e))?;
        let id = conn.last_insert_rowid();
        drop(conn);
        if inserted == 1 {
            return Ok(Claim::Claimed(id));
        }
        super::taken(&self.path, self.row(&req.key, req.part)?)
    }

    fn posting(&self, id: i64) -> Result<(), LedgerError> {
        self.write_one(
            "mark a part as posting",
            id,
            "claimed",
            "UPDATE deliveries SET state = 'posting', attempts = attempts + 1 WHERE id = ?1 AND state IN ('claimed', 'posting')",
            params![id],
        )
    }

    fn unposted(&self, id: i64) -> Result<(), LedgerError> {
        self.write_one(
            "mark a part as not posted",
            id,
            "posting",
            "UPDATE deliveries SET state = 'claimed' WHERE id = ?1 AND state = 'posting'",
            params![id],
        )
    }

    fn release(&self, id: i64) -> Result<(), LedgerError> {
        self.write_one(
            "release a claim",
            id,
            "claimed",
            "DELETE FROM deliveries WHERE id = ?1 AND state = 'claimed'",
            params![id],
        )
    }

    fn finish(
        &self,
        id: i64,
        outcome: &Outcome,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.write_one(
            "record an outcome",
            id,
            "claimed or posting",
            "UPDATE deliveries SET state = ?2, attempts = MAX(attempts, ?3), errcode = ?4, errmsg = ?5, finished_at = ?6 WHERE id = ?1 AND state IN ('claimed', 'posting')",
            params![id, State::of(outcome).as_str(), attempts, outcome.errcode, outcome.errmsg, now],
        )
    }

    fn resolve_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), LedgerError> {
        self.write_one(
            "resolve a row as sent",
            id,
            "ambiguous",
            "UPDATE deliveries SET state = 'sent', errmsg = 'confirmed posted by an operator', finished_at = ?2 WHERE id = ?1 AND state = 'ambiguous'",
            params![id, now],
        )
    }

    fn reopen(&self, id: i64) -> Result<(), LedgerError> {
        self.write_one(
            "reopen a row",
            id,
            "ambiguous or failed",
            "DELETE FROM deliveries WHERE id = ?1 AND state IN ('ambiguous', 'failed')",
            params![id],
        )
    }

    fn row_by_id(&self, id: i64) -> Result<Option<Row>, LedgerError> {
        let sql = format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1");
        self.query(&sql, params![id], "read a row")
            .map(|mut rows| rows.pop())
    }

    #[allow(clippy::too_many_arguments)]
    fn mark(
        &self,
        key: &DeliveryKey,
        part: u32,
        kind: MessageKind,
        state: State,
        reason: &str,
        due: DateTime<Utc>,
        deadline: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, LedgerError> {
        let n = self
            .writing()?
            .run(
                "INSERT INTO deliveries (event, rule, channel, part, parts_total, kind, state, errmsg, due, deadline, claimed_at, finished_at, claimed_by)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, 'herald')
                 ON CONFLICT (event, rule, channel, part) DO NOTHING",
                params![key.event, key.rule, key.channel, part, kind.as_str(), state.as_str(), reason, due, deadline, now],
            )
            .map_err(|e| self.err("mark a delivery", e))?;
        Ok(n == 1)
    }

    fn rows_for(&self, key: &DeliveryKey) -> Result<Vec<Row>, LedgerError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE event = ?1 AND rule = ?2 AND channel = ?3 ORDER BY part"
        );
        self.query(
            &sql,
            params![key.event, key.rule, key.channel],
            "read a delivery",
        )
    }

    fn done(&self, key: &DeliveryKey) -> Result<bool, LedgerError> {
        let (rows, sent, total): (u32, u32, u32) = self
            .conn()
            .one(
                "SELECT COUNT(*), COALESCE(SUM(state = 'sent'), 0), COALESCE(MAX(parts_total), 0)
                 FROM deliveries WHERE event = ?1 AND rule = ?2 AND channel = ?3",
                params![key.event, key.rule, key.channel],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| self.err("check a delivery", e))?;
        Ok(rows > 0 && !(sent == rows && rows < total))
    }

    fn history(&self, event: Option<&str>) -> Result<Vec<Row>, LedgerError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE ?1 IS NULL OR event = ?1 ORDER BY claimed_at, id"
        );
        self.query(&sql, params![event], "read history")
    }

    fn unresolved(&self) -> Result<Vec<Row>, LedgerError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE state IN ('claimed', 'posting', 'ambiguous') ORDER BY id"
        );
        self.query(&sql, [], "read unresolved rows")
    }

    fn recover(&self, by: &str) -> Result<(usize, usize), LedgerError> {
        self.atomic("recover", |tx| {
            let ambiguous = tx
                .execute("UPDATE deliveries SET state = 'ambiguous', errmsg = 'herald stopped while this part was on the wire' WHERE state = 'posting' AND claimed_by = ?1", [by])
                .map_err(|e| self.err("recover posting rows", e))?;
            let released = tx
                .execute(
                    "DELETE FROM deliveries WHERE state = 'claimed' AND claimed_by = ?1",
                    [by],
                )
                .map_err(|e| self.err("release claimed rows", e))?;
            Ok((ambiguous, released))
        })
    }

    fn sent_channels(&self, event: &str, kind: MessageKind) -> Result<Vec<String>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT DISTINCT channel FROM deliveries WHERE event = ?1 AND kind = ?2 AND state IN ('sent', 'posting', 'ambiguous') AND part = 1 ORDER BY channel")
            .map_err(|e| self.err("read sent channels", e))?;
        let rows = stmt
            .query_map(params![event, kind.as_str()], |r| r.get(0))
            .map_err(|e| self.err("read sent channels", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.err("read sent channels", e))
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.conn()
            .one("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err("read meta", e))
    }

    fn meta_set(&self, key: &str, value: &str) -> Result<(), LedgerError> {
        self.writing()?
            .run("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])
            .map_err(|e| self.err("write meta", e))?;
        Ok(())
    }

    fn snapshot_get(&self, event: &str) -> Result<Option<String>, LedgerError> {
        self.conn()
            .one(
                "SELECT facts FROM snapshots WHERE event = ?1",
                [event],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err("read a snapshot", e))
    }

    fn snapshot_set(&self, event: &str, facts: &str) -> Result<(), LedgerError> {
        self.writing()?
            .run("INSERT INTO snapshots (event, facts) VALUES (?1, ?2) ON CONFLICT (event) DO UPDATE SET facts = excluded.facts", [event, facts])
            .map_err(|e| self.err("write a snapshot", e))?;
        Ok(())
    }

    fn hold(&self, hold: &Hold, now: DateTime<Utc>) -> Result<bool, LedgerError> {
        self.writing()?
            .run(
                "INSERT INTO holds (event, rule, channel, since) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![hold.event, hold.rule, hold.channel, now],
            )
            .map(|n| n == 1)
            .map_err(|e| self.err("hold", e))
    }

    fn unhold(&self, hold: &Hold) -> Result<usize, LedgerError> {
        self.writing()?
            .run(
                "DELETE FROM holds WHERE event = ?1 AND (?2 = '*' OR rule = ?2) AND (?3 = '*' OR channel = ?3)",
                params![hold.event, hold.rule, hold.channel],
            )
            .map_err(|e| self.err("release a hold", e))
    }

    fn held(&self, key: &DeliveryKey) -> Result<bool, LedgerError> {
        self.conn()
            .one(
                "SELECT EXISTS (SELECT 1 FROM holds WHERE event = ?1 AND rule IN (?2, '*') AND channel IN (?3, '*'))",
                params![key.event, key.rule, key.channel],
                |r| r.get(0),
            )
            .map_err(|e| self.err("read holds", e))
    }

    fn holds(&self) -> Result<Vec<Hold>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT event, rule, channel, since FROM holds ORDER BY since, event")
            .map_err(|e| self.err("read holds", e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Hold {
                    event: r.get(0)?,
                    rule: r.get(1)?,
                    channel: r.get(2)?,
                    since: r.get(3)?,
                })
            })
            .map_err(|e| self.err("read holds", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.err("read holds", e))
    }

    fn ping(&self) -> Result<(), LedgerError> {
        self.still_there()?;
        self.conn()
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(|e| self.err("ping", e))
    }

    fn counts(&self) -> Result<Vec<(State, u64)>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT state, COUNT(*) FROM deliveries GROUP BY state")
            .map_err(|e| self.err("count rows", e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
            .map_err(|e| self.err("count rows", e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err("count rows", e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, n)| State::parse(&s).map(|s| (s, n)))
            .collect())
    }
}

/// A batch whose transaction is gone fails with this (or with the error that ended it).
fn failed(e: &rusqlite::Error) -> Batch {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => Batch::Failed(*code, msg.clone()),
        other => Batch::Failed(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

/// SQLite rolls a transaction back by itself after some errors (a full disk, I/O): the
/// batch's earlier writes are gone, so none of its calls may count.
fn rolled_back() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
        Some("the batch's transaction was rolled back by an earlier error".to_string()),
    )
}

/// A ledger herald cannot write is refused at open with a plain reason (SQLite would only
/// say "unable to open database file" or fail at the first claim).
fn writable(path: &Path) -> Result<(), LedgerError> {
    let probe = if path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map(drop)
    } else {
        Ok(())
    };
    probe.map_err(|e| LedgerError::Unavailable {
        path: path.to_path_buf(),
        why: format!("the ledger is read-only ({e}); herald must be able to record what it posts"),
    })
}

/// (device, inode) of the file at `path`, if it exists.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).ok().map(|m| (m.len(), 0))
    }
}

/// Switch to WAL. Two processes opening a fresh ledger at once (the daemon starting while
/// `herald send` runs) can both try; SQLite answers the loser `SQLITE_BUSY` at once, without
/// its busy handler, so retry for as long as the busy timeout would have waited.
fn enable_wal(conn: &Connection) -> rusqlite::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}
