//! The Postgres ledger (`ledger = "postgres://…"`), shared by replicas: the same tables,
//! states and checked writes as SQLite. A claim is one transaction that also checks the
//! fence — that this replica's leader session still holds the leader lock — so a replica
//! that lost leadership can never claim. Calls block: the connection lives on its own
//! thread (the driver's blocking client may not run on an async runtime's thread), reached
//! through a channel, and reconnects after the server went away.

use super::{
    BUSY_TIMEOUT, Backend, COLUMNS, Claim, ClaimRequest, Hold, LedgerError, Row, State, schema,
};
use crate::model::{DeliveryKey, MessageKind, Outcome, PgUrl};
use ::postgres::config::SslMode;
use ::postgres::types::ToSql;
use ::postgres::{Client, NoTls};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Advisory-lock keys, `(namespace, key)`: the leader lock and the migration lock.
pub(super) const LOCK_NS: i32 = 0x6865_7261; // "hera"
pub(super) const LEADER_KEY: i32 = 1;
const MIGRATE_KEY: i32 = 2;
/// No fence (the CLI, or a replica before it leads).
const NO_FENCE: i64 = -1;

type Job = Box<dyn FnOnce(&mut Conn) + Send>;

pub(super) struct Postgres {
    jobs: Mutex<mpsc::Sender<Job>>,
    path: PathBuf,
    fence: Arc<AtomicI64>,
}

/// The connection, owned by the ledger's thread; `None` after it broke (reconnect on use).
struct Conn {
    config: ::postgres::Config,
    tls: Option<MakeRustlsConnect>,
    client: Option<Client>,
}

impl Conn {
    fn client(&mut self) -> Result<&mut Client, ::postgres::Error> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = Some(match &self.tls {
                Some(tls) => self.config.connect(tls.clone())?,
                None => self.config.connect(NoTls)?,
            });
        }
        Ok(self.client.as_mut().expect("just connected"))
    }
}

/// `sslmode=require`: TLS over rustls, verifying the server against the system's CA store
/// (`SSL_CERT_FILE`/`SSL_CERT_DIR` replace it), as herald's HTTPS does. Otherwise (`disable`,
/// or the default `prefer`) no TLS: herald never silently connects to an unverified server.
pub(super) fn tls(mode: SslMode, shown: &str) -> Result<Option<MakeRustlsConnect>, LedgerError> {
    if mode != SslMode::Require {
        return Ok(None);
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if roots.is_empty() {
        return Err(LedgerError::Unavailable {
            path: PathBuf::from(shown),
            why: "sslmode=require, but no CA certificates were found (install ca-certificates or set SSL_CERT_FILE)".to_string(),
        });
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LedgerError::Unavailable {
            path: PathBuf::from(shown),
            why: format!("TLS: {e}"),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Some(MakeRustlsConnect::new(config)))
}

/// The driver's own message is terse ("db error"): add the server's message.
pub(super) fn describe(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut s = e.to_string();
            if let Some(src) = std::error::Error::source(e) {
                s.push_str(&format!(": {src}"));
            }
            s
        }
    }
}

/// Parse the URL with keepalives, so a dead server or peer is noticed within seconds.
pub(super) fn config(url: &PgUrl) -> Result<::postgres::Config, LedgerError> {
    let mut config: ::postgres::Config =
        url.secret()
            .expose_secret()
            .parse()
            .map_err(|e: ::postgres::Error| LedgerError::Unavailable {
                path: PathBuf::from(url.shown()),
                why: format!("not a Postgres URL: {}", describe(&e)),
            })?;
    config
        .application_name("herald")
        .connect_timeout(Duration::from_secs(5))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(5))
        .keepalives_interval(Duration::from_secs(2))
        .keepalives_retries(3);
    // A lock someone else holds (a `LOCK TABLE` left open in psql, a long migration) fails a
    // statement after the busy timeout, as on SQLite, instead of blocking the ledger forever;
    // a statement that hangs for another reason gives up after 30 s.
    let limits = format!(
        "-c lock_timeout={} -c statement_timeout=30000",
        BUSY_TIMEOUT.as_millis()
    );
    let options = match config.get_options() {
        Some(given) => format!("{given} {limits}"),
        None => limits,
    };
    config.options(&options);
    Ok(config)
}

/// The statement gave up waiting: a lock held elsewhere (`lock_not_available`) or the
/// statement timeout (`query_canceled`). It clears by itself; the caller retries.
pub(super) fn timed_out(e: &::postgres::Error) -> bool {
    use ::postgres::error::SqlState;
    e.code()
        .is_some_and(|c| *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::QUERY_CANCELED)
}

impl Postgres {
    pub(super) fn connect(url: &PgUrl) -> Result<Postgres, LedgerError> {
        let config = config(url)?;
        let mut conn = Conn {
            tls: tls(config.get_ssl_mode(), url.shown())?,
            config,
            client: None,
        };
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("herald-ledger".to_string())
            .spawn(move || {
                for job in rx {
                    job(&mut conn);
                }
            })
            .map_err(|e| LedgerError::Unavailable {
                path: PathBuf::from(url.shown()),
                why: format!("cannot start the ledger's connection thread: {e}"),
            })?;
        let pg = Postgres {
            jobs: Mutex::new(tx),
            path: PathBuf::from(url.shown()),
            fence: Arc::new(AtomicI64::new(NO_FENCE)),
        };
        pg.migrate()?;
        Ok(pg)
    }

    /// Run `f` on the connection's thread and wait for its result. A failed call drops a
    /// broken connection, so the next call reconnects.
    fn call<T: Send + 'static>(
        &self,
        op: &'static str,
        f: impl FnOnce(&mut Client) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |conn: &mut Conn| {
            let result = match conn.client() {
                Ok(client) => f(client),
                Err(e) => Err(Failure::Pg(e)),
            };
            if conn.client.as_ref().is_some_and(Client::is_closed) {
                conn.client = None;
            }
            let _ = reply.send(result);
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job);
        let result = match sent {
            Ok(()) => answer.recv().map_err(|_| self.gone())?,
            Err(_) => return Err(self.gone()),
        };
        result.map_err(|f| match f {
            Failure::Pg(source) => LedgerError::Pg {
                path: self.path.clone(),
                op,
                source,
            },
            Failure::NoRow { id, expected } => LedgerError::NoRow {
                path: self.path.clone(),
                op,
                id,
                expected,
            },
            Failure::NotLeader => LedgerError::NotLeader {
                path: self.path.clone(),
            },
            Failure::BadState { id, state } => LedgerError::BadState {
                path: self.path.clone(),
                id,
                state,
            },
        })
    }

    fn gone(&self) -> LedgerError {
        LedgerError::Unavailable {
            path: self.path.clone(),
            why: "the ledger's connection thread ended".to_string(),
        }
    }

    fn migrate(&self) -> Result<(), LedgerError> {
        self.call("migrate", |c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, $2)",
                &[&LOCK_NS, &MIGRATE_KEY],
            )?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS herald_schema (version INTEGER NOT NULL);
                 INSERT INTO herald_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM herald_schema);",
            )?;
            let version: i32 = tx
                .query_one("SELECT version FROM herald_schema", &[])?
                .get(0);
            for (i, sql) in schema::POSTGRES
                .iter()
                .enumerate()
                .skip(version.max(0) as usize)
            {
                tx.batch_execute(sql)?;
                tx.execute("UPDATE herald_schema SET version = $1", &[&(i as i32 + 1)])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// A write that must change exactly one row.
    fn write_one(
        &self,
        op: &'static str,
        id: i64,
        expected: &'static str,
        sql: &'static str,
        params: Vec<Box<dyn ToSql + Sync + Send>>,
    ) -> Result<(), LedgerError> {
        self.call(op, move |c| {
            let refs: Vec<&(dyn ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect();
            match c.execute(sql, &refs)? {
                1 => Ok(()),
                _ => Err(Failure::NoRow { id, expected }),
            }
        })
    }

    fn rows(
        &self,
        op: &'static str,
        sql: String,
        params: Vec<Box<dyn ToSql + Sync + Send>>,
    ) -> Result<Vec<Row>, LedgerError> {
        self.call(op, move |c| {
            let refs: Vec<&(dyn ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect();
            c.query(&sql, &refs)?.iter().map(row).collect()
        })
    }
}

/// Why a call on the connection's thread failed (turned into a [`LedgerError`] by `call`).
enum Failure {
    Pg(::postgres::Error),
    NoRow { id: i64, expected: &'static str },
    NotLeader,
    BadState { id: i64, state: String },
}

impl From<::postgres::Error> for Failure {
    fn from(e: ::postgres::Error) -> Failure {
        Failure::Pg(e)
    }
}

fn row(r: &::postgres::Row) -> Result<Row, Failure> {
    let id: i64 = r.try_get(0)?;
    let state: String = r.try_get(7)?;
    let state = State::parse(&state).ok_or(Failure::BadState { id, state })?;
    Ok(Row {
        id,
        event: r.try_get(1)?,
        rule: r.try_get(2)?,
        channel: r.try_get(3)?,
        part: r.try_get::<_, i32>(4)?.max(0) as u32,
        parts_total: r.try_get::<_, i32>(5)?.max(0) as u32,
        kind: r.try_get(6)?,
        state,
        attempts: r.try_get::<_, i32>(8)?.max(0) as u32,
        errcode: r.try_get(9)?,
        errmsg: r.try_get(10)?,
        content_hash: r.try_get(11)?,
        due: r.try_get(12)?,
        deadline: r.try_get(13)?,
        claimed_at: r.try_get(14)?,
        finished_at: r.try_get(15)?,
        claimed_by: r.try_get(16)?,
    })
}

fn boxed<T: ToSql + Sync + Send + 'static>(v: T) -> Box<dyn ToSql + Sync + Send> {
    Box::new(v)
}

fn key_params(key: &DeliveryKey) -> Vec<Box<dyn ToSql + Sync + Send>> {
    vec![
        boxed(key.event.clone()),
        boxed(key.rule.clone()),
        boxed(key.channel.clone()),
    ]
}

impl Backend for Postgres {
    fn fence(&self, leader: Option<i32>) {
        self.fence
            .store(leader.map_or(NO_FENCE, i64::from), Ordering::SeqCst);
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn release_memory(&self) {}

    fn checkpoint(&self) -> Result<(), LedgerError> {
        Ok(())
    }

    fn claim(&self, req: &ClaimRequest) -> Result<Claim, LedgerError> {
        let req = req.clone();
        let fence = self.fence.load(Ordering::SeqCst);
        let claimed = self.call("claim", move |c| {
            let mut tx = c.transaction()?;
            if fence != NO_FENCE {
                let holds: bool = tx
                    .query_one(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                           AND pid = $1 AND classid::int8 = $2 AND objid::int8 = $3 AND objsubid = 2)",
                        &[&(fence as i32), &i64::from(LOCK_NS), &i64::from(LEADER_KEY)],
                    )?
                    .get(0);
                if !holds {
                    return Err(Failure::NotLeader);
                }
            }
            let inserted = tx.query_opt(
                "INSERT INTO deliveries (event, rule, channel, part, parts_total, kind, state, content_hash, due, deadline, claimed_at, claimed_by)
                 VALUES ($1, $2, $3, $4, $5, $6, 'claimed', $7, $8, $9, $10, $11)
                 ON CONFLICT (event, rule, channel, part) DO NOTHING RETURNING id",
                &[&req.key.event, &req.key.rule, &req.key.channel, &(req.part as i32), &(req.parts_total as i32), &req.kind.as_str(), &req.content_hash, &req.due, &req.deadline, &req.now, &req.by],
            )?;
            tx.commit()?;
            Ok((inserted.map(|r| r.get::<_, i64>(0)), req))
        })?;
        match claimed {
            (Some(id), _) => Ok(Claim::Claimed(id)),
            (None, req) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM deliveries WHERE event = $1 AND rule = $2 AND channel = $3 AND part = $4"
                );
                let mut params = key_params(&req.key);
                params.push(boxed(req.part as i32));
                super::taken(&self.path, self.rows("read a row", sql, params)?.pop())
            }
        }
    }

    fn posting(&self, id: i64) -> Result<(), LedgerError> {
        self.write_one(
            "mark a part as posting",
            id,
            "claimed",
            "UPDATE deliveries SET state = 'posting', attempts = attempts + 1 WHERE id = $1 AND state IN ('claimed', 'posting')",
            vec![boxed(id)],
        )
    }

    fn unposted(&self, id: i64) -> Result<(), LedgerError> {
        self.write_one(
            "mark a part as not posted",
            id,
            "posting",
            "UPDATE deliveries SET state = 'claimed' WHERE id = $1 AND state = 'posting'",
            vec![boxed(id)],
        )
    }

    fn release(&self, id: i64) -> Result<(), LedgerError> {
        self.write_one(
            "release a claim",
            id,
            "claimed",
            "DELETE FROM deliveries WHERE id = $1 AND state = 'claimed'",
            vec![boxed(id)],
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
            "UPDATE deliveries SET state = $2, attempts = GREATEST(attempts, $3), errcode = $4, errmsg = $5, finished_at = $6 WHERE id = $1 AND state IN ('claimed', 'posting')",
            vec![
                boxed(id),
                boxed(State::of(outcome).as_str()),
                boxed(attempts as i32),
                boxed(outcome.errcode),
                boxed(outcome.errmsg.clone()),
                boxed(now),
            ],
        )
    }

    fn resolve_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), LedgerError> {
        self.write_one(
            "resolve a row as sent",
            id,
            "ambiguous",
            "UPDATE deliveries SET state = 'sent', errmsg = 'confirmed posted by an operator', finished_at = $2 WHERE id = $1 AND state = 'ambiguous'",
            vec![boxed(id), boxed(now)],
        )
    }

    fn reopen(&self, id: i64) -> Result<(), LedgerError> {
        self.write_one(
            "reopen a row",
            id,
            "ambiguous or failed",
            "DELETE FROM deliveries WHERE id = $1 AND state IN ('ambiguous', 'failed')",
            vec![boxed(id)],
        )
    }

    fn row_by_id(&self, id: i64) -> Result<Option<Row>, LedgerError> {
        let sql = format!("SELECT {COLUMNS} FROM deliveries WHERE id = $1");
        self.rows("read a row", sql, vec![boxed(id)])
            .map(|mut rows| rows.pop())
    }

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
        let mut p = key_params(key);
        p.extend([
            boxed(part as i32),
            boxed(kind.as_str()),
            boxed(state.as_str()),
            boxed(reason.to_string()),
            boxed(due),
            boxed(deadline),
            boxed(now),
        ]);
        self.call("mark a delivery", move |c| {
            let refs: Vec<&(dyn ToSql + Sync)> = p
                .iter()
                .map(|x| x.as_ref() as &(dyn ToSql + Sync))
                .collect();
            let n = c.execute(
                "INSERT INTO deliveries (event, rule, channel, part, parts_total, kind, state, errmsg, due, deadline, claimed_at, finished_at, claimed_by)
                 VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $10, 'herald')
                 ON CONFLICT (event, rule, channel, part) DO NOTHING",
                &refs,
            )?;
            Ok(n == 1)
        })
    }

    fn rows_for(&self, key: &DeliveryKey) -> Result<Vec<Row>, LedgerError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE event = $1 AND rule = $2 AND channel = $3 ORDER BY part"
        );
        self.rows("read a delivery", sql, key_params(key))
    }

    fn done(&self, key: &DeliveryKey) -> Result<bool, LedgerError> {
        let key = key.clone();
        let (rows, sent, total) = self.call("check a delivery", move |c| {
            let r = c.query_one(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'sent'), COALESCE(MAX(parts_total), 0)::int8
                 FROM deliveries WHERE event = $1 AND rule = $2 AND channel = $3",
                &[&key.event, &key.rule, &key.channel],
            )?;
            Ok((r.get::<_, i64>(0), r.get::<_, i64>(1), r.get::<_, i64>(2)))
        })?;
        Ok(rows > 0 && !(sent == rows && rows < total))
    }

    fn history(&self, event: Option<&str>) -> Result<Vec<Row>, LedgerError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE $1::text IS NULL OR event = $1 ORDER BY claimed_at, id"
        );
        self.rows("read history", sql, vec![boxed(event.map(str::to_string))])
    }

    fn unresolved(&self) -> Result<Vec<Row>, LedgerError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE state IN ('claimed', 'posting', 'ambiguous') ORDER BY id"
        );
        self.rows("read unresolved rows", sql, vec![])
    }

    fn recover(&self, by: &str) -> Result<(usize, usize), LedgerError> {
        let by = by.to_string();
        self.call("recover", move |c| {
            let mut tx = c.transaction()?;
            let ambiguous = tx.execute(
                "UPDATE deliveries SET state = 'ambiguous', errmsg = 'herald stopped while this part was on the wire' WHERE state = 'posting' AND claimed_by = $1",
                &[&by],
            )?;
            let released = tx.execute(
                "DELETE FROM deliveries WHERE state = 'claimed' AND claimed_by = $1",
                &[&by],
            )?;
            tx.commit()?;
            Ok((ambiguous as usize, released as usize))
        })
    }

    fn sent_channels(&self, event: &str, kind: MessageKind) -> Result<Vec<String>, LedgerError> {
        let event = event.to_string();
        self.call("read sent channels", move |c| {
            let rows = c.query(
                "SELECT DISTINCT channel FROM deliveries WHERE event = $1 AND kind = $2 AND state IN ('sent', 'posting', 'ambiguous') AND part = 1 ORDER BY channel",
                &[&event, &kind.as_str()],
            )?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>, LedgerError> {
        let key = key.to_string();
        self.call("read meta", move |c| {
            Ok(
                c.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
                    .map(|r| r.get(0)),
            )
        })
    }

    fn meta_set(&self, key: &str, value: &str) -> Result<(), LedgerError> {
        let (key, value) = (key.to_string(), value.to_string());
        self.call("write meta", move |c| {
            c.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )?;
            Ok(())
        })
    }

    fn snapshot_get(&self, event: &str) -> Result<Option<String>, LedgerError> {
        let event = event.to_string();
        self.call("read a snapshot", move |c| {
            Ok(
                c.query_opt("SELECT facts FROM snapshots WHERE event = $1", &[&event])?
                    .map(|r| r.get(0)),
            )
        })
    }

    fn snapshot_set(&self, event: &str, facts: &str) -> Result<(), LedgerError> {
        let (event, facts) = (event.to_string(), facts.to_string());
        self.call("write a snapshot", move |c| {
            c.execute(
                "INSERT INTO snapshots (event, facts) VALUES ($1, $2) ON CONFLICT (event) DO UPDATE SET facts = excluded.facts",
                &[&event, &facts],
            )?;
            Ok(())
        })
    }

    fn hold(&self, hold: &Hold, now: DateTime<Utc>) -> Result<bool, LedgerError> {
        let hold = hold.clone();
        self.call("hold", move |c| {
            let n = c.execute(
                "INSERT INTO holds (event, rule, channel, since) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&hold.event, &hold.rule, &hold.channel, &now],
            )?;
            Ok(n == 1)
        })
    }

    fn unhold(&self, hold: &Hold) -> Result<usize, LedgerError> {
        let hold = hold.clone();
        self.call("release a hold", move |c| {
            let n = c.execute(
                "DELETE FROM holds WHERE event = $1 AND ($2 = '*' OR rule = $2) AND ($3 = '*' OR channel = $3)",
                &[&hold.event, &hold.rule, &hold.channel],
            )?;
            Ok(n as usize)
        })
    }

    fn held(&self, key: &DeliveryKey) -> Result<bool, LedgerError> {
        let key = key.clone();
        self.call("read holds", move |c| {
            Ok(c.query_one(
                "SELECT EXISTS (SELECT 1 FROM holds WHERE event = $1 AND rule IN ($2, '*') AND channel IN ($3, '*'))",
                &[&key.event, &key.rule, &key.channel],
            )?
            .get(0))
        })
    }

    fn holds(&self) -> Result<Vec<Hold>, LedgerError> {
        self.call("read holds", |c| {
            let rows = c.query(
                "SELECT event, rule, channel, since FROM holds ORDER BY since, event",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| Hold {
                    event: r.get(0),
                    rule: r.get(1),
                    channel: r.get(2),
                    since: r.get(3),
                })
                .collect())
        })
    }

    fn ping(&self) -> Result<(), LedgerError> {
        self.call("ping", |c| {
            c.query_one("SELECT 1", &[])?;
            Ok(())
        })
    }

    fn counts(&self) -> Result<Vec<(State, u64)>, LedgerError> {
        let rows = self.call("count rows", |c| {
            let rows = c.query("SELECT state, COUNT(*) FROM deliveries GROUP BY state", &[])?;
            Ok(rows
                .iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
                .collect::<Vec<_>>())
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, n)| State::parse(&s).map(|s| (s, n.max(0) as u64)))
            .collect())
    }
}
