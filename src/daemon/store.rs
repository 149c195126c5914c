//! The ledger as the daemon uses it: every SQLite call runs on tokio's blocking pool, one at
//! a time, so a held lock or a slow disk delays deliveries but never the scheduler, `/healthz`
//! or a shutdown. Each result also tells [`Health`] whether the ledger can be written.

use super::Health;
use crate::ledger::{Ledger, LedgerError};
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Store {
    ledger: Arc<Ledger>,
    /// One call at a time: the connection is serialized anyway, and waiting here costs a
    /// task, not a thread.
    turn: Arc<Semaphore>,
    health: Arc<Health>,
    /// Woken when an organizer's holds or skips change, so held deliveries look again.
    holds_changed: Arc<tokio::sync::Notify>,
}

impl Store {
    pub fn new(ledger: Arc<Ledger>, health: Arc<Health>) -> Store {
        Store {
            ledger,
            turn: Arc::new(Semaphore::new(1)),
            health,
            holds_changed: Arc::default(),
        }
    }

    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    pub fn health(&self) -> &Arc<Health> {
        &self.health
    }

    pub fn holds_changed(&self) -> &Arc<tokio::sync::Notify> {
        &self.holds_changed
    }

    /// Run `f` on the ledger off the async threads; its result is also reported to health.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let result = self.call_quietly(f).await;
        match &result {
            Ok(_) => self.health.ledger_ok(),
            Err(e) => self.health.ledger_failed(e),
        }
        result
    }

    /// Like [`Store::call`] without touching health (reads whose failure says nothing new).
    pub async fn call_quietly<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let _turn = self.turn.acquire().await.expect("never closed");
        let ledger = self.ledger.clone();
        tokio::task::spawn_blocking(move || f(&ledger))
            .await
            .unwrap_or_else(|e| {
                Err(LedgerError::Unavailable {
                    path: self.ledger.path().to_path_buf(),
                    why: format!("ledger task ended: {e}"),
                })
            })
    }
}
