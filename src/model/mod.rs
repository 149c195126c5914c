//! Pure domain types shared by every other module: events, message kinds, platforms,
//! rendered messages, deliveries and located problems. No I/O, nothing here can fail.

mod channel;
mod clock;
mod delivery;
mod event;
mod href;
mod kind;
mod ledger_target;
mod local;
mod manual;
mod message;
mod moment;
mod platform;
mod problem;
mod quiet;
mod rule;
mod shape;
mod sparse;
mod subject;
mod zone;

pub use channel::{ChannelSpec, Mentions, ServerErrors, redact_url};
pub use clock::{Clock, ScaledClock, SystemClock};
pub use delivery::{Delivery, DeliveryKey, Outcome, OutcomeClass};
pub use event::{
    Contact, ContactKind, Event, EventDetails, EventFormat, EventStatus, Link, Speaker,
    SpeakerDetails, Talk, TalkDetails, TalkSlot,
};
pub use href::href;
pub use kind::{FieldChange, MessageKind};
pub use ledger_target::{LedgerTarget, PgUrl};
pub use local::LocalTime;
pub use manual::{ManualError, SendRequest};
pub use message::{Inline, Message, Part, PartBody};
pub use moment::Moment;
pub use platform::{FieldLimits, Format, Limits, Measured, Platform, clip_bytes};
pub use problem::{Location, Problem, Severity};
pub use quiet::QuietHours;
pub use rule::{Anchor, Deadline, DeadlineAnchor, Rule, Slot, When};
pub use shape::{CardLink, LinkRole, Shape, card_links};
pub use sparse::{Empty, Sparse};
pub use subject::{Origin, Subject};
pub use zone::{UnknownZone, Zone, ZoneOffset};
