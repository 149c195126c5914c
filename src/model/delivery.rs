//! A planned delivery (one message of one kind about one event to one channel, with a due
//! instant and a deadline) and the classified outcome of posting it.

use super::MessageKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Identifies a delivery. With a part number it is the ledger's unique key: a second claim of
/// the same key is impossible.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DeliveryKey {
    /// Event id, or `digest@YYYY-MM-DD` for a digest.
    pub event: String,
    /// Rule name, `manual:<kind>` for `herald send`, `change:<hash>` for change notices.
    pub rule: String,
    pub channel: String,
}

impl fmt::Display for DeliveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.event, self.rule, self.channel)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub key: DeliveryKey,
    pub kind: MessageKind,
    /// When it should go out.
    pub due: DateTime<Utc>,
    /// After this it is worthless: recorded as missed instead of posted.
    pub deadline: DateTime<Utc>,
}

/// How a post ended, in the four classes every platform reply is mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeClass {
    /// The platform said ok (errcode/code 0).
    Delivered,
    /// Network error, 5xx, throttling: retried with backoff until the deadline.
    Transient,
    /// Bad token, bad signature, keyword missing, too long, bad payload: never retried.
    Permanent,
    /// The request left and no answer came: never re-posted automatically.
    Ambiguous,
}

impl OutcomeClass {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeClass::Delivered => "delivered",
            OutcomeClass::Transient => "transient",
            OutcomeClass::Permanent => "permanent",
            OutcomeClass::Ambiguous => "ambiguous",
        }
    }
}

/// The platform's verdict on one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub class: OutcomeClass,
    pub http_status: Option<u16>,
    /// The platform's errcode (`code` on Feishu), when it answered with one.
    pub errcode: Option<i64>,
    /// The platform's errmsg, or a description of the transport failure. Never holds a secret.
    pub errmsg: Option<String>,
}

impl Outcome {
    pub fn delivered() -> Outcome {
        Outcome {
            class: OutcomeClass::Delivered,
            http_status: Some(200),
            errcode: Some(0),
            errmsg: None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.class.as_str())?;
        if let Some(code) = self.errcode {
            write!(f, " errcode={code}")?;
        }
        if let Some(status) = self.http_status.filter(|s| *s != 200) {
            write!(f, " http={status}")?;
        }
        if let Some(msg) = &self.errmsg {
            write!(f, " ({msg})")?;
        }
        Ok(())
    }
}
