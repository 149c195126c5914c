//! Manual sends as they travel from `herald send` to whoever carries them out (this process or
//! the running daemon's `POST /send`): the request, the answer, and why a request is refused.

use super::MessageKind;
use serde::{Deserialize, Serialize};

/// What the organizer asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendRequest {
    pub event: String,
    pub kind: MessageKind,
    /// Channel names; empty with empty `tags` = the channels this kind's rules pick.
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Send even where the ledger says it was sent.
    #[serde(default)]
    pub force: bool,
}

/// A request that cannot be carried out as asked (the organizer's input is wrong).
#[derive(Debug, Clone, thiserror::Error, Serialize, Deserialize)]
pub enum ManualError {
    #[error("no event `{0}` (see `herald list`)")]
    UnknownEvent(String),
    #[error("no channel `{0}` in the config")]
    UnknownChannel(String),
    #[error(
        "no rule of kind {kind} picks a channel for `{event}` (and no group was told of it that a notice would go to); name one with --channel or --tag"
    )]
    NoTargets { kind: MessageKind, event: String },
    #[error("`{0}` is over: a reminder would come too late (send its recap: --kind recap)")]
    ReminderAfterEnd(String),
    #[error("`{0}` was never announced, so no group was told anything that could have changed")]
    ChangeNeverAnnounced(String),
    #[error(
        "nothing changed in `{0}` since the groups were last told (time, place and live links are the same)"
    )]
    NothingChanged(String),
    #[error("ledger: {0}")]
    Ledger(String),
}
