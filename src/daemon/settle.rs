//! Settling a ledger row, one decision for `herald resolve ROW` and the console's resolve and
//! retry forms: `--sent` records an ambiguous row as posted; `--resend` reopens an ambiguous
//! or failed row and hands back the manual send that posts that message to that channel once
//! more (the caller sends it through its usual path, so the ledger's claim still guards it).

use super::workspace::Workspace;
use crate::ledger::{Ledger, LedgerError, State};
use crate::model::{MessageKind, SendRequest};
use chrono::{DateTime, Utc};

/// How a person settles a row, having looked in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// It is in the group: record it as sent.
    Sent,
    /// It is not (or it failed): post it once more.
    Resend,
}

/// Why a row was not settled.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error("no row {0} in the ledger (see `herald history`)")]
    NoRow(i64),
    #[error("row {id} ({label}) is {state}, not ambiguous: nothing to settle")]
    NotAmbiguous {
        id: i64,
        label: String,
        state: &'static str,
    },
    #[error("row {id} ({label}) is {state}; only ambiguous or failed rows are posted again")]
    NotRetryable {
        id: i64,
        label: String,
        state: &'static str,
    },
    #[error("row {id}: {why}")]
    BadKind { id: i64, why: String },
    #[error(
        "row {id} belongs to `{event}`, which is not an event record; send it again with `herald send`"
    )]
    NotAnEvent { id: i64, event: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What was done to the row.
#[derive(Debug)]
pub enum Settled {
    /// Recorded as sent; the line says so.
    Sent(String),
    /// Reopened: the caller posts `send` now.
    Reopened { line: String, send: SendRequest },
}

/// Settle row `id` as `how` says, in the ledger.
pub fn settle(
    ws: &Workspace,
    ledger: &Ledger,
    id: i64,
    how: How,
    now: DateTime<Utc>,
) -> Result<Settled, SettleError> {
    let row = ledger.row_by_id(id)?.ok_or(SettleError::NoRow(id))?;
    let label = format!(
        "{}/{}/{} part {}",
        row.event, row.rule, row.channel, row.part
    );
    let state = row.state.as_str();
    if how == How::Sent {
        if row.state != State::Ambiguous {
            return Err(SettleError::NotAmbiguous { id, label, state });
        }
        ledger.resolve_sent(id, now)?;
        return Ok(Settled::Sent(format!(
            "row {id} ({label}) recorded as sent"
        )));
    }
    if !matches!(row.state, State::Ambiguous | State::Failed) {
        return Err(SettleError::NotRetryable { id, label, state });
    }
    let kind: MessageKind = row
        .kind
        .parse()
        .map_err(|why| SettleError::BadKind { id, why })?;
    if ws.event(&row.event).is_none() {
        return Err(SettleError::NotAnEvent {
            id,
            event: row.event,
        });
    }
    ledger.reopen(id)?;
    Ok(Settled::Reopened {
        line: format!("row {id} ({label}) reopened; posting it once more"),
        send: SendRequest {
            event: row.event,
            kind,
            channels: vec![row.channel],
            tags: Vec::new(),
            force: false,
        },
    })
}
