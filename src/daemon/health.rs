//! What `/healthz` reports besides "the process answers": whether the ledger can be written,
//! how many deliveries wait on it, whether the last reload was refused, and how many rows may
//! have been posted and need a person. Set by the engine, store and scheduler; read by `http`.

use crate::ledger::LedgerError;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};

/// This process's part in posting: alone on an SQLite ledger, or one replica of several on
/// Postgres — the leader (posts) or a standby (waits for the leader lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Single,
    Standby,
    Leader,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Single => "single",
            Role::Standby => "standby",
            Role::Leader => "leader",
        }
    }
}

#[derive(Default)]
pub struct Health {
    /// The last ledger error, until a later call succeeds.
    ledger_error: Mutex<Option<String>>,
    /// Deliveries waiting for the ledger (a lock, a full disk) before they may post.
    waiting: AtomicI64,
    /// Why the last reload was refused, until one succeeds.
    reload_error: Mutex<Option<String>>,
    /// Rows that may have been posted (ambiguous), as last counted.
    ambiguous: AtomicI64,
    /// [`Role`] as a number (0 single, 1 standby, 2 leader).
    role: AtomicU8,
}

impl Health {
    pub fn ledger_ok(&self) {
        *self.ledger_error.lock().expect("health lock") = None;
    }

    pub fn ledger_failed(&self, e: &LedgerError) {
        *self.ledger_error.lock().expect("health lock") = Some(e.to_string());
    }

    pub fn ledger_error(&self) -> Option<String> {
        self.ledger_error.lock().expect("health lock").clone()
    }

    /// A delivery starts (`+1`) or stops (`-1`) waiting for the ledger.
    pub fn waiting(&self, delta: i64) {
        self.waiting.fetch_add(delta, Ordering::Relaxed);
    }

    pub fn waiting_now(&self) -> i64 {
        self.waiting.load(Ordering::Relaxed)
    }

    pub fn reload(&self, error: Option<String>) {
        *self.reload_error.lock().expect("health lock") = error;
    }

    pub fn reload_error(&self) -> Option<String> {
        self.reload_error.lock().expect("health lock").clone()
    }

    pub fn set_role(&self, role: Role) {
        self.role.store(role as u8, Ordering::Relaxed);
    }

    pub fn role(&self) -> Role {
        match self.role.load(Ordering::Relaxed) {
            1 => Role::Standby,
            2 => Role::Leader,
            _ => Role::Single,
        }
    }

    pub fn set_ambiguous(&self, n: i64) {
        self.ambiguous.store(n, Ordering::Relaxed);
    }

    pub fn ambiguous(&self) -> i64 {
        self.ambiguous.load(Ordering::Relaxed)
    }

    /// Every reason the daemon is degraded, empty when healthy.
    pub fn reasons(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(e) = self.ledger_error() {
            out.push(format!("ledger cannot be written: {e}"));
        }
        let waiting = self.waiting_now();
        if waiting > 0 {
            out.push(format!("{waiting} deliveries wait for the ledger"));
        }
        if let Some(e) = self.reload_error() {
            out.push(format!("last reload refused: {e}"));
        }
        let ambiguous = self.ambiguous();
        if ambiguous > 0 {
            out.push(format!(
                "{ambiguous} rows may have been posted and need a look (`herald history --unresolved`)"
            ));
        }
        out
    }
}
