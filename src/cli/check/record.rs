//! What `check` keeps of one event file between runs: everything it finds for that file on
//! its own (its problems if it does not parse; else the event's id, its render errors and
//! refusals, its own traps and warnings), so an unchanged file is neither parsed nor
//! rendered again. What depends on other files or on today is kept as the input it needs
//! (the id for duplicates, the end for "already over", the rules whose slot falls in a fold).

use super::refusals::{self, Found, Picks};
use super::rendered::Rendered;
use super::renders::{self, Failed};
use super::traps::{self, Over};
use crate::daemon::Workspace;
use crate::model::{Event, Format, Platform, Problem};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
pub enum Record {
    /// The file does not parse: its problems.
    Broken(Vec<Problem>),
    Event(Box<Summary>),
}

/// One event as `check` reports it.
#[derive(Clone, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub render: Vec<Failed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<Found>,
    /// A title with its page label pasted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Problem>,
    /// A relative cover without `[herald].site`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<Problem>,
    pub over: Option<Over>,
    /// Talks outside the event, local times that happen twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traps: Vec<Problem>,
    /// The rules (by index) whose slot falls at a local time that happens twice for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<usize>,
}

/// Everything `event` yields on its own, rendered with the `pairs` and `picks` of `ws`.
pub fn summarize(
    ws: &Workspace,
    pairs: &[(Platform, Format)],
    picks: &Picks,
    event: &Event,
) -> Summary {
    let mut rendered = Rendered::new(ws, event);
    Summary {
        id: event.id.clone(),
        render: renders::failures(ws, pairs, &mut rendered),
        refusals: refusals::found(ws, picks, &mut rendered),
        title: super::title_with_prefix(event),
        cover: super::cover_without_site(ws, event),
        over: traps::over(event),
        traps: traps::of_event(event),
        folds: traps::folds(ws, event),
    }
}
