//! Replicas on one Postgres ledger: a replica waits as a standby until it holds the leader
//! lock, then fences the ledger's claims to its lock session and posts; `/healthz` and
//! `/metrics` say which it is. On SQLite there is one process and no election.

use super::health::Role;
use super::{Metrics, Store};
use crate::ledger::{Leadership, lead};
use crate::model::PgUrl;
use std::time::Duration;
use tracing::{info, warn};

/// The longest wait between attempts to reach the server for the leader lock.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Wait (as a standby) until this process leads; a server that cannot be reached is tried
/// again with backoff. Claims are fenced to the new leader session before this returns.
pub async fn wait_to_lead(url: &PgUrl, store: &Store, metrics: &Metrics) -> Leadership {
    set_role(store, metrics, Role::Standby);
    info!(ledger = url.shown(), "standby: waiting for the leader lock");
    let mut backoff = Duration::from_millis(500);
    loop {
        match lead(url).await {
            Ok(leadership) => {
                store.ledger().fence(Some(leadership.pid()));
                set_role(store, metrics, Role::Leader);
                info!(
                    ledger = url.shown(),
                    "leader: this replica posts from now on"
                );
                return leadership;
            }
            Err(e) => {
                warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "cannot wait for the leader lock");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn set_role(store: &Store, metrics: &Metrics, role: Role) {
    store.health().set_role(role);
    metrics.leader.set(i64::from(role != Role::Standby));
}
