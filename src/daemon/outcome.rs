//! How one channel's delivery ended, as one typed value the engine decides: delivered, already
//! decided in the ledger (with the row's state), refused, interrupted, or not delivered with
//! the platform's verdict. `herald send` prints it, the console shows it, the daemon logs it;
//! the answer to a manual send (`SendResult`) carries one per channel.

use crate::ledger::{Row, State};
use crate::model::{Outcome, OutcomeClass};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What herald says of a part that may have reached the group: only a person can tell.
pub const MAY_HAVE_POSTED: &str =
    "may have been posted — look in the group, then `herald resolve` it (--sent or --resend)";

/// How one channel's delivery ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ChannelOutcome {
    /// Every part is in the group (parts the ledger already had as sent were not posted again).
    Delivered,
    /// The ledger had already decided a part, so nothing (more) was posted.
    AlreadyDecided(Decided),
    /// herald did not post it.
    Refused(Refused),
    /// Stopped before a part could go.
    Interrupted(Interruption),
    /// The platform's verdict on a part: refused (failed) or no answer (ambiguous).
    NotDelivered { part: u32, verdict: Outcome },
}

/// A part's ledger row that decided the delivery before this attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub part: u32,
    #[serde(with = "state_word")]
    pub state: State,
    /// The row's id (for `herald resolve`).
    pub row: i64,
    /// Who holds a claim still open ("daemon", "cli").
    pub claimed_by: String,
    /// The reason recorded with a failed row.
    pub errmsg: Option<String>,
}

impl Decided {
    pub fn of(row: &Row) -> Decided {
        Decided {
            part: row.part,
            state: row.state,
            row: row.id,
            claimed_by: row.claimed_by.clone(),
            errmsg: row.errmsg.clone(),
        }
    }
}

/// Why herald did not post a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", content = "detail", rename_all = "snake_case")]
pub enum Refused {
    /// An organizer held it until its deadline passed (the ledger says skipped).
    Held,
    /// It cannot be sent as rendered (render error, keyword missing, too long): the ledger
    /// says failed, with this reason.
    Unsendable(String),
    /// Its event or rule changed while it waited (out quiet hours, or held): the scheduler's
    /// new plan has its own entry, so this one posts nothing. The detail says which wait.
    Replanned(String),
}

/// Why a delivery stopped before its parts could go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", content = "detail", rename_all = "snake_case")]
pub enum Interruption {
    /// herald began to stop: the claim is released and planned again at the next start.
    Shutdown,
    /// The deadline passed before the part could be claimed (ledger unavailable) or posted
    /// (the robot's rate budget): the ledger says missed or failed, with this reason.
    Deadline(String),
}

impl ChannelOutcome {
    /// The one decision of how a posted part's verdict ends the channel's delivery: `None`
    /// when it was delivered (the next part goes). Nothing sent at all (no attempt) means the
    /// deadline came first, not that the platform said no.
    pub fn of_post(part: u32, verdict: &Outcome, attempts: u32) -> Option<ChannelOutcome> {
        match verdict.class {
            OutcomeClass::Delivered => None,
            OutcomeClass::Transient if attempts == 0 => Some(ChannelOutcome::Interrupted(
                Interruption::Deadline(verdict.errmsg.clone().unwrap_or_default()),
            )),
            _ => Some(ChannelOutcome::NotDelivered {
                part,
                verdict: verdict.clone(),
            }),
        }
    }

    pub fn delivered(&self) -> bool {
        *self == ChannelOutcome::Delivered
    }
}

impl fmt::Display for ChannelOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelOutcome::Delivered => f.write_str("delivered"),
            ChannelOutcome::AlreadyDecided(d) => d.fmt(f),
            ChannelOutcome::Refused(Refused::Held) => {
                f.write_str("skipped: held until its deadline passed")
            }
            ChannelOutcome::Refused(Refused::Unsendable(why)) => {
                write!(f, "refused before posting: {why}")
            }
            ChannelOutcome::Refused(Refused::Replanned(wait)) => {
                write!(f, "not posted: replanned while it {wait}")
            }
            ChannelOutcome::Interrupted(Interruption::Shutdown) => {
                f.write_str("not posted: herald stopped first")
            }
            ChannelOutcome::Interrupted(Interruption::Deadline(why)) => {
                write!(f, "missed: {why}")
            }
            ChannelOutcome::NotDelivered { part, verdict } => {
                write!(f, "part {part} not delivered: {verdict}")?;
                if verdict.class == OutcomeClass::Ambiguous {
                    write!(f, "; it {MAY_HAVE_POSTED}")?;
                }
                Ok(())
            }
        }
    }
}

/// Why a part is not posted again: what its row says, in words that fit the state.
impl fmt::Display for Decided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = self.part;
        match self.state {
            State::Sent => write!(f, "part {part} was already sent"),
            State::Ambiguous | State::Posting => write!(f, "part {part} {MAY_HAVE_POSTED}"),
            State::Claimed => write!(
                f,
                "part {part} is being posted by {} right now",
                self.claimed_by
            ),
            State::Failed => write!(
                f,
                "part {part} failed earlier ({}); `herald resolve {} --resend` posts it again",
                self.errmsg.as_deref().unwrap_or("no reason recorded"),
                self.row
            ),
            State::Missed => write!(f, "part {part} missed its deadline"),
            State::Skipped => write!(f, "part {part} was skipped"),
        }
    }
}

/// How one channel's delivery ended, with how many of its parts are in the group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelReport {
    pub channel: String,
    pub parts_total: usize,
    /// Parts in the group: posted now, or already sent before.
    pub parts_sent: usize,
    pub outcome: ChannelOutcome,
}

impl ChannelReport {
    pub fn delivered(&self) -> bool {
        self.outcome.delivered()
    }
}

/// A channel a manual send leaves out before claiming anything: the ledger already decided
/// the delivery under `rule` (sent, may have been posted, failed, missed, skipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub channel: String,
    /// The ledger rule the delivery was decided under.
    pub rule: String,
    pub decided: Decided,
}

/// Why the channel is left out, in words that fit the ledger row's state.
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.decided.state {
            State::Sent => write!(
                f,
                "already sent (ledger: {}); use --force to send again",
                self.rule
            ),
            _ => write!(
                f,
                "{} (ledger: {}, row {})",
                self.decided, self.rule, self.decided.row
            ),
        }
    }
}

/// The whole answer to a manual send: channels refused before anything was claimed, and how
/// each other channel's delivery ended.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct SendResult {
    pub refused: Vec<Refusal>,
    pub sent: Vec<ChannelReport>,
}

/// A ledger state as its word (`sent`, `ambiguous`, …), the form the ledger stores.
mod state_word {
    use crate::ledger::State;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(state: &State, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(state.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<State, D::Error> {
        let word = String::deserialize(d)?;
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == word)
            .ok_or_else(|| D::Error::custom(format!("unknown ledger state `{word}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An outcome crosses `POST /send` as JSON and comes back the same.
    #[test]
    fn outcomes_survive_the_trip_to_the_cli() {
        let outcomes = [
            ChannelOutcome::Delivered,
            ChannelOutcome::AlreadyDecided(Decided {
                part: 2,
                state: State::Ambiguous,
                row: 7,
                claimed_by: "daemon".into(),
                errmsg: None,
            }),
            ChannelOutcome::Refused(Refused::Held),
            ChannelOutcome::Refused(Refused::Unsendable("too long".into())),
            ChannelOutcome::Refused(Refused::Replanned("was held".into())),
            ChannelOutcome::Interrupted(Interruption::Shutdown),
            ChannelOutcome::Interrupted(Interruption::Deadline("budget".into())),
            ChannelOutcome::NotDelivered {
                part: 1,
                verdict: Outcome {
                    class: OutcomeClass::Permanent,
                    http_status: Some(200),
                    errcode: Some(310000),
                    errmsg: Some("keywords not in content".into()),
                },
            },
        ];
        for o in outcomes {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<ChannelOutcome>(&json).unwrap(), o);
        }
        let json = r#"{"outcome":"already_decided","part":1,"state":"sent","row":3,"claimed_by":"cli","errmsg":null}"#;
        let back: ChannelOutcome = serde_json::from_str(json).unwrap();
        assert_eq!(back.to_string(), "part 1 was already sent");
        assert!(serde_json::from_str::<ChannelOutcome>(&json.replace("sent", "gone")).is_err());
    }

    /// A verdict without any request (the rate budget's deadline) is an interruption, not the
    /// platform's word; an answer without errcode 0 is not delivered.
    #[test]
    fn a_post_is_judged_in_one_place() {
        let delivered = Outcome::delivered();
        assert_eq!(ChannelOutcome::of_post(1, &delivered, 1), None);
        let waited = Outcome {
            class: OutcomeClass::Transient,
            http_status: None,
            errcode: None,
            errmsg: Some("deadline".into()),
        };
        assert_eq!(
            ChannelOutcome::of_post(1, &waited, 0),
            Some(ChannelOutcome::Interrupted(Interruption::Deadline(
                "deadline".into()
            )))
        );
        assert!(matches!(
            ChannelOutcome::of_post(3, &waited, 2),
            Some(ChannelOutcome::NotDelivered { part: 3, .. })
        ));
    }
}
