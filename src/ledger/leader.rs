//! Leader election for replicas on one Postgres ledger: a session-level advisory lock held
//! on a connection of its own. A standby waits inside `pg_advisory_lock` (the server wakes
//! it the moment the leader's session ends — no polling); the leader's session ending (its
//! process killed, the server restarted, the network gone past the keepalives) releases the
//! lock, and [`Leadership::lost`] resolves on the leader's side.

use super::LedgerError;
use super::postgres::{LEADER_KEY, LOCK_NS, describe, tls};
use crate::model::PgUrl;
use secrecy::ExposeSecret;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

type Connection = Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + Send>>;

/// The leader lock, held for as long as this value lives and its connection is up.
pub struct Leadership {
    pid: i32,
    _client: tokio_postgres::Client,
    connection: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Leadership(pid {})", self.pid)
    }
}

/// Wait until this process holds the leader lock of the ledger at `url`.
pub async fn lead(url: &PgUrl) -> Result<Leadership, LedgerError> {
    let path = PathBuf::from(url.shown());
    let fail = |op: &'static str| {
        let path = path.clone();
        move |source: tokio_postgres::Error| LedgerError::Unavailable {
            path,
            why: format!("{op}: {}", describe(&source)),
        }
    };
    let mut config: tokio_postgres::Config = url
        .secret()
        .expose_secret()
        .parse()
        .map_err(fail("read the URL"))?;
    config
        .application_name("herald-leader")
        .connect_timeout(Duration::from_secs(5))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(5))
        .keepalives_interval(Duration::from_secs(2))
        .keepalives_retries(3);
    let (client, mut connection): (_, Connection) = match tls(config.get_ssl_mode(), url.shown())? {
        Some(tls) => {
            let (client, connection) = config
                .connect(tls)
                .await
                .map_err(fail("connect for the leader lock"))?;
            (client, Box::pin(connection))
        }
        None => {
            let (client, connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(fail("connect for the leader lock"))?;
            (client, Box::pin(connection))
        }
    };
    let acquire = async {
        // The server also drops this session soon after its peer vanishes, so a standby
        // does not wait on a dead leader's socket for the OS default of two hours.
        client
            .batch_execute(
                "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3;",
            )
            .await?;
        let pid: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await?
            .get(0);
        client
            .execute("SELECT pg_advisory_lock($1, $2)", &[&LOCK_NS, &LEADER_KEY])
            .await?;
        Ok::<i32, tokio_postgres::Error>(pid)
    };
    let pid = tokio::select! {
        pid = acquire => pid.map_err(fail("take the leader lock"))?,
        ended = &mut connection => {
            return Err(LedgerError::Unavailable {
                path,
                why: match ended {
                    Ok(()) => "the server closed the leader lock's connection".to_string(),
                    Err(e) => format!("the leader lock's connection failed: {}", describe(&e)),
                },
            });
        }
    };
    Ok(Leadership {
        pid,
        _client: client,
        connection,
        path,
    })
}

impl Leadership {
    /// The server session that holds the lock: the fence claims check ([`super::Backend::fence`]).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Resolves when the lock is lost (its connection ended); from then on another replica
    /// may lead, so this one must stop posting.
    pub async fn lost(&mut self) -> LedgerError {
        let why = match (&mut self.connection).await {
            Ok(()) => "the server closed the leader lock's connection".to_string(),
            Err(e) => format!("the leader lock's connection failed: {}", describe(&e)),
        };
        LedgerError::Unavailable {
            path: self.path.clone(),
            why,
        }
    }
}
