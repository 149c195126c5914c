//! The ledger, the only module that speaks SQL: one row per (event, rule, channel, part)
//! with a unique key, so a second claim is impossible — for the daemon, a restarted daemon,
//! a standby replica and the CLI alike. Also: last-alive time (meta), announced facts
//! (snapshots) and holds. One [`Backend`] trait, two stores: SQLite (embedded default) and
//! Postgres (shared by replicas).

mod leader;
mod postgres;
mod schema;
mod sqlite;

pub use leader::{Leadership, lead};

use crate::model::{DeliveryKey, LedgerTarget, MessageKind, Outcome, OutcomeClass, PgUrl};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger {}: cannot create its folder: {source}", path.display())]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("ledger {}: {op}: {source}", path.display())]
    Sql {
        path: PathBuf,
        op: &'static str,
        source: rusqlite::Error,
    },
    #[error("ledger {}: unknown state `{state}` in row {id}", path.display())]
    BadState {
        path: PathBuf,
        id: i64,
        state: String,
    },
    /// A write that must change exactly one row changed none: the row is not in the state
    /// the caller holds it in (or the write was lost), so nothing may be posted on it.
    #[error("ledger {}: {op}: row {id} is not {expected}", path.display())]
    NoRow {
        path: PathBuf,
        op: &'static str,
        id: i64,
        expected: &'static str,
    },
    /// The ledger file was deleted or replaced while open: writes would go to a file no one
    /// will read again, so herald records (and posts) nothing more.
    #[error("ledger {}: the file was removed or replaced while herald had it open", path.display())]
    Vanished { path: PathBuf },
    #[error("ledger {}: {why}", path.display())]
    Unavailable { path: PathBuf, why: String },
    #[error("ledger {}: {op}: {}", path.display(), postgres::describe(source))]
    Pg {
        path: PathBuf,
        op: &'static str,
        source: ::postgres::Error,
    },
    /// This replica no longer holds the leader lock: it must not claim (another one posts).
    #[error("ledger {}: this replica is not the leader (another replica posts)", path.display())]
    NotLeader { path: PathBuf },
}

impl LedgerError {
    /// The same error once more, for each call of a batch that failed as a whole
    /// ([`Backend::end_batch`]): what it says and whether it is busy are kept.
    pub fn again(&self) -> LedgerError {
        let unavailable = |path: &Path, why: String| LedgerError::Unavailable {
            path: path.to_path_buf(),
            why,
        };
        match self {
            LedgerError::Sql {
                path,
                op,
                source: rusqlite::Error::SqliteFailure(code, msg),
            } => LedgerError::Sql {
                path: path.clone(),
                op,
                source: rusqlite::Error::SqliteFailure(*code, msg.clone()),
            },
            LedgerError::Sql { path, op, source } => unavailable(path, format!("{op}: {source}")),
            LedgerError::Dir { path, source } => {
                unavailable(path, format!("cannot create its folder: {source}"))
            }
            LedgerError::Pg { path, op, source } => {
                unavailable(path, format!("{op}: {}", postgres::describe(source)))
            }
            LedgerError::BadState { path, id, state } => LedgerError::BadState {
                path: path.clone(),
                id: *id,
                state: state.clone(),
            },
            LedgerError::NoRow {
                path,
                op,
                id,
                expected,
            } => LedgerError::NoRow {
                path: path.clone(),
                op,
                id: *id,
                expected,
            },
            LedgerError::Vanished { path } => LedgerError::Vanished { path: path.clone() },
            LedgerError::Unavailable { path, why } => unavailable(path, why.clone()),
            LedgerError::NotLeader { path } => LedgerError::NotLeader { path: path.clone() },
        }
    }

    /// Another process holds the database lock (it clears by itself).
    pub fn is_busy(&self) -> bool {
        match self {
            LedgerError::Sql {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            LedgerError::Pg { source, .. } => postgres::timed_out(source),
            _ => false,
        }
    }
}

/// A delivery row's state. `claimed` = won, nothing on the wire yet (a crash leaves it
/// re-sendable); `posting` = a request is on the wire (a crash leaves it ambiguous).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Claimed,
    Posting,
    Sent,
    Failed,
    Ambiguous,
    Missed,
    Skipped,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Claimed,
        State::Posting,
        State::Sent,
        State::Failed,
        State::Ambiguous,
        State::Missed,
        State::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Claimed => "claimed",
            State::Posting => "posting",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Ambiguous => "ambiguous",
            State::Missed => "missed",
            State::Skipped => "skipped",
        }
    }

    /// A row in this state may have reached the group: only a person can tell.
    pub fn may_have_posted(self) -> bool {
        matches!(self, State::Posting | State::Ambiguous)
    }

    fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    fn of(outcome: &Outcome) -> State {
        match outcome.class {
            OutcomeClass::Delivered => State::Sent,
            OutcomeClass::Ambiguous => State::Ambiguous,
            OutcomeClass::Transient | OutcomeClass::Permanent => State::Failed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub id: i64,
    pub event: String,
    pub rule: String,
    pub channel: String,
    pub part: u32,
    pub parts_total: u32,
    pub kind: String,
    pub state: State,
    pub attempts: u32,
    pub errcode: Option<i64>,
    pub errmsg: Option<String>,
    pub content_hash: Option<String>,
    pub due: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub claimed_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub claimed_by: String,
}

#[derive(Debug, Clone)]
pub struct ClaimRequest {
    pub key: DeliveryKey,
    pub part: u32,
    pub parts_total: u32,
    pub kind: MessageKind,
    pub content_hash: String,
    pub due: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// "daemon" or "cli".
    pub by: String,
}

/// An organizer's hold: `rule` and `channel` may be `*` (every one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Hold {
    pub event: String,
    pub rule: String,
    pub channel: String,
    #[serde(default = "Utc::now")]
    pub since: DateTime<Utc>,
}

impl Hold {
    pub fn matches(&self, key: &DeliveryKey) -> bool {
        self.event == key.event
            && (self.rule == "*" || self.rule == key.rule)
            && (self.channel == "*" || self.channel == key.channel)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This call won; post, then `finish(id, …)`.
    Claimed(i64),
    /// A row already exists (in any state): do not post.
    Taken(Box<Row>),
}

/// How long one statement waits for another process's lock before it fails, on either store
/// (SQLite's busy timeout, Postgres's `lock_timeout`): the daemon then retries with backoff
/// until the deadline; a CLI command reports it.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

const COLUMNS: &str = "id, event, rule, channel, part, parts_total, kind, state, attempts, errcode, errmsg, content_hash, due, deadline, claimed_at, finished_at, claimed_by";

/// What every ledger store does, with the same semantics (one test suite runs on both).
/// Calls block; the daemon makes them on tokio's blocking pool (`daemon::Store`).
pub trait Backend: Send + Sync {
    /// Where the ledger is, for messages: the file, or the Postgres URL without secrets.
    fn path(&self) -> &Path;

    /// Give back the page cache a burst of writes filled (it refills from disk on demand).
    fn release_memory(&self);

    /// Fold the writes logged since the last time into the store's main file, on a connection
    /// of its own so that sends meanwhile do not wait (the daemon calls it when no post has
    /// been in flight for a while). A store without such a log does nothing.
    fn checkpoint(&self) -> Result<(), LedgerError>;

    /// Atomically claim (event, rule, channel, part): `Claimed` if this call inserted the row
    /// and its commit succeeded, `Taken` with the existing row otherwise. Safe across
    /// connections and processes. Any error (disk full, lock held, file gone) means no claim.
    fn claim(&self, req: &ClaimRequest) -> Result<Claim, LedgerError>;

    /// A request of this claimed part is about to go on the wire: from now until its verdict
    /// is recorded, a crash leaves the row ambiguous. Nothing may be posted if this fails.
    fn posting(&self, id: i64) -> Result<(), LedgerError>;

    /// The last request surely did not reach the group (refused before it was processed) and
    /// will be retried: the part is only claimed again, so a crash now leaves it re-sendable.
    fn unposted(&self, id: i64) -> Result<(), LedgerError>;

    /// Give back a claim whose part was never posted (herald stopped while it waited): the
    /// next start plans it again. Only a row still `claimed` can be released.
    fn release(&self, id: i64) -> Result<(), LedgerError>;

    /// Record the verdict of a claimed row: delivered → sent, ambiguous → ambiguous, else failed.
    fn finish(
        &self,
        id: i64,
        outcome: &Outcome,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError>;

    /// An operator settles a row that may have been posted (`ambiguous`), having looked in
    /// the group: it was posted (`sent`).
    fn resolve_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), LedgerError>;

    /// Reopen a row so its part is posted once more: an ambiguous one an operator found
    /// missing from the group, or a failed one to retry. The row is removed; the next claim
    /// of the same key wins again.
    fn reopen(&self, id: i64) -> Result<(), LedgerError>;

    /// One row by id.
    fn row_by_id(&self, id: i64) -> Result<Option<Row>, LedgerError>;

    /// Record a delivery that was decided without posting (missed, skipped, or refused as
    /// failed) if it has no row yet. Returns whether a row was inserted.
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
    ) -> Result<bool, LedgerError>;

    /// Every row of one delivery (all parts), by part.
    fn rows_for(&self, key: &DeliveryKey) -> Result<Vec<Row>, LedgerError>;

    /// Has this delivery been decided? Yes once it has a row, unless every row so far is
    /// sent and parts are still missing (herald stopped between two parts): then the rest
    /// must still go out, and the engine skips the parts already sent.
    fn done(&self, key: &DeliveryKey) -> Result<bool, LedgerError>;

    /// Rows, oldest claim first; only one event's if given.
    fn history(&self, event: Option<&str>) -> Result<Vec<Row>, LedgerError>;

    /// Rows needing an operator: ambiguous ones and rows still claimed or posting.
    fn unresolved(&self) -> Result<Vec<Row>, LedgerError>;

    /// At start-up, rows a previous run of `by` left behind: `posting` ones (a request was on
    /// the wire when it died) become `ambiguous`; `claimed` ones never left herald and are
    /// released, so they are planned and posted again. Another process's rows (a concurrent
    /// `herald send`) are left alone. Returns (ambiguous, released).
    fn recover(&self, by: &str) -> Result<(usize, usize), LedgerError>;

    /// Channels whose first part of a `kind` message about `event` was sent — or may have
    /// been (ambiguous): a group that may have seen an announcement also gets its changes.
    fn sent_channels(&self, event: &str, kind: MessageKind) -> Result<Vec<String>, LedgerError>;

    fn meta_get(&self, key: &str) -> Result<Option<String>, LedgerError>;

    fn meta_set(&self, key: &str, value: &str) -> Result<(), LedgerError>;

    /// The facts of `event` as last announced (JSON), for change detection.
    fn snapshot_get(&self, event: &str) -> Result<Option<String>, LedgerError>;

    fn snapshot_set(&self, event: &str, facts: &str) -> Result<(), LedgerError>;

    /// Hold (event, rule, channel) — `*` for every rule or channel: nothing of it is posted
    /// until released. Returns whether the hold is new.
    fn hold(&self, hold: &Hold, now: DateTime<Utc>) -> Result<bool, LedgerError>;

    /// Remove holds: exactly the one named, or with `*` every hold of that event (and rule).
    /// Returns how many were removed.
    fn unhold(&self, hold: &Hold) -> Result<usize, LedgerError>;

    /// Is this delivery held (by a hold naming it, its rule or channel as `*`)?
    fn held(&self, key: &DeliveryKey) -> Result<bool, LedgerError>;

    /// Every hold, oldest first.
    fn holds(&self) -> Result<Vec<Hold>, LedgerError>;

    /// For /healthz: the file is still there and the database answers a query.
    fn ping(&self) -> Result<(), LedgerError>;

    /// Row counts by state.
    fn counts(&self) -> Result<Vec<(State, u64)>, LedgerError>;

    /// Group commit: the calls until [`Backend::end_batch`] (on the same thread, one at a
    /// time) may share one transaction, so a fan-out's thousands of writes cost a few
    /// commits. A call's result is only true once `end_batch` returned `Ok`; if it fails,
    /// nothing any call of the batch wrote counts. A store without batches (Postgres: one
    /// round trip per call anyway) commits each call on its own.
    fn begin_batch(&self) {}

    /// Commit what the batch since [`Backend::begin_batch`] wrote.
    fn end_batch(&self) -> Result<(), LedgerError> {
        Ok(())
    }

    /// Claims from now on succeed only while the session `leader` (a Postgres backend pid
    /// holding the leader lock, see [`lead`]) still holds it; `None` = no such check.
    /// SQLite has a single writer process and ignores this.
    fn fence(&self, leader: Option<i32>);
}

/// A claim that lost to `row`, the one whose unique key stopped the insert (so it must exist).
fn taken(path: &Path, row: Option<Row>) -> Result<Claim, LedgerError> {
    match row {
        Some(row) => Ok(Claim::Taken(Box::new(row))),
        None => Err(LedgerError::Unavailable {
            path: path.to_path_buf(),
            why: "a claim met a row that then disappeared".to_string(),
        }),
    }
}

/// The ledger in use, whatever its store; its methods are [`Backend`]'s.
pub struct Ledger(Box<dyn Backend>);

impl std::ops::Deref for Ledger {
    type Target = dyn Backend;
    fn deref(&self) -> &(dyn Backend + 'static) {
        &*self.0
    }
}

impl Ledger {
    /// Open (creating the file and its folder) and migrate an SQLite ledger.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        Ok(Ledger(Box::new(sqlite::Sqlite::open(path)?)))
    }

    /// A private in-memory SQLite ledger (previews, tests).
    pub fn open_in_memory() -> Result<Ledger, LedgerError> {
        Ok(Ledger(Box::new(sqlite::Sqlite::open_in_memory()?)))
    }

    /// Connect to (and migrate) a Postgres ledger.
    pub fn connect(url: &PgUrl) -> Result<Ledger, LedgerError> {
        Ok(Ledger(Box::new(postgres::Postgres::connect(url)?)))
    }

    /// The ledger `target` names.
    pub fn open_target(target: &LedgerTarget) -> Result<Ledger, LedgerError> {
        match target {
            LedgerTarget::Sqlite(path) => Ledger::open(path),
            LedgerTarget::Postgres(url) => Ledger::connect(url),
        }
    }
}
