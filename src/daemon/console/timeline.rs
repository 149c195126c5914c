//! The timeline's data, behind one function: the planner's deliveries (the same `plan::plan`
//! the scheduler and `herald plan` use) joined with the ledger's rows, grouped by day in the
//! community's zone, each due time shown in its event's zone, filtered by event, channel and
//! state. New states (held, skipped by a person) slot in here.

use crate::daemon::Workspace;
use crate::ledger::{Row, State};
use crate::model::Delivery;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What the page or API asked for; empty strings mean "all".
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Filter {
    pub event: String,
    pub channel: String,
    pub state: String,
    /// Days ahead of now (default 14, as `herald plan`).
    pub days: Option<i64>,
}

impl Filter {
    fn keeps(&self, event: &str, channel: &str, state: &str) -> bool {
        (self.event.is_empty() || self.event == event)
            && (self.channel.is_empty() || self.channel == channel)
            && (self.state.is_empty() || self.state == state)
    }

    pub fn days(&self) -> i64 {
        self.days.unwrap_or(14).clamp(1, 3660)
    }
}

/// Every state a delivery can be in, in the order the page lists them.
pub const STATES: [&str; 9] = [
    "to come",
    "late",
    "sending",
    "sent",
    "failed",
    "ambiguous",
    "missed",
    "skipped",
    "held",
];

#[derive(Debug, Serialize)]
pub struct Timeline {
    pub now: DateTime<Utc>,
    pub now_local: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The earliest due instant still to come (what the scheduler sleeps until).
    pub next_due: Option<DateTime<Utc>>,
    pub next_due_local: Option<String>,
    pub days: Vec<Day>,
    /// Deliveries per state (after filtering).
    pub counts: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Serialize)]
pub struct Day {
    pub date: String,
    pub items: Vec<Item>,
}

/// One (event, rule, due) with its channels, like a row of `herald plan --json`.
#[derive(Debug, Serialize)]
pub struct Item {
    pub due: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The due time in the event's zone (a digest's: its rule's zone).
    pub due_local: String,
    pub event: String,
    pub title: String,
    pub kind: String,
    pub rule: String,
    pub channels: Vec<ChannelState>,
}

#[derive(Debug, Serialize)]
pub struct ChannelState {
    pub channel: String,
    pub state: &'static str,
    pub errcode: Option<i64>,
    pub errmsg: Option<String>,
    /// Ledger rows of this delivery (one per part).
    pub rows: Vec<i64>,
}

/// The timeline around `now`: deliveries due from a week back to `filter.days()` ahead.
pub fn build(ws: &Workspace, rows: &[Row], now: DateTime<Utc>, filter: &Filter) -> Timeline {
    let from = now - TimeDelta::days(7);
    let until = now + TimeDelta::days(filter.days());
    let deliveries = crate::plan::plan(
        &ws.events,
        &ws.config.rules,
        &ws.config.channels,
        from,
        until,
    );
    let mut by_key: HashMap<(&str, &str, &str), Vec<&Row>> = HashMap::new();
    for r in rows {
        by_key
            .entry((&r.event, &r.rule, &r.channel))
            .or_default()
            .push(r);
    }
    let next_due = deliveries
        .iter()
        .filter(|d| d.due >= now && no_rows(&by_key, d))
        .map(|d| d.due)
        .min();
    let mut counts = BTreeMap::new();
    let mut items: Vec<Item> = Vec::new();
    for d in &deliveries {
        let found = by_key
            .get(&(
                d.key.event.as_str(),
                d.key.rule.as_str(),
                d.key.channel.as_str(),
            ))
            .map_or(&[][..], Vec::as_slice);
        let state = channel_state(d, found, now);
        if !filter.keeps(&d.key.event, &d.key.channel, state.state) {
            continue;
        }
        *counts.entry(state.state).or_insert(0) += 1;
        match items.last_mut() {
            Some(i) if i.event == d.key.event && i.rule == d.key.rule && i.due == d.due => {
                i.channels.push(state)
            }
            _ => items.push(item(ws, d, state)),
        }
    }
    Timeline {
        now,
        now_local: local(ws, None, now),
        from,
        until,
        next_due,
        next_due_local: next_due.map(|t| local(ws, None, t)),
        days: by_day(ws, items),
        counts,
    }
}

fn no_rows(by_key: &HashMap<(&str, &str, &str), Vec<&Row>>, d: &Delivery) -> bool {
    !by_key.contains_key(&(
        d.key.event.as_str(),
        d.key.rule.as_str(),
        d.key.channel.as_str(),
    ))
}

fn item(ws: &Workspace, d: &Delivery, state: ChannelState) -> Item {
    let event = ws.event(&d.key.event);
    Item {
        due: d.due,
        deadline: d.deadline,
        due_local: local(ws, event, d.due),
        event: d.key.event.clone(),
        title: event.map_or_else(|| d.key.event.clone(), |e| e.title.clone()),
        kind: d.kind.to_string(),
        rule: d.key.rule.clone(),
        channels: vec![state],
    }
}

/// `t` in the event's zone (else the community's), with the zone's abbreviation.
fn local(ws: &Workspace, event: Option<&crate::model::Event>, t: DateTime<Utc>) -> String {
    let zone = event.map_or(ws.config.zone, |e| e.start.timezone());
    t.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn by_day(ws: &Workspace, items: Vec<Item>) -> Vec<Day> {
    let mut days: Vec<Day> = Vec::new();
    for i in items {
        let date = i
            .due
            .with_timezone(&ws.config.zone)
            .format("%Y-%m-%d %a")
            .to_string();
        match days.last_mut() {
            Some(d) if d.date == date => d.items.push(i),
            _ => days.push(Day {
                date,
                items: vec![i],
            }),
        }
    }
    days
}

/// A delivery's state from its ledger rows (one per part) or, without rows, from the clock.
fn channel_state(d: &Delivery, rows: &[&Row], now: DateTime<Utc>) -> ChannelState {
    let failed = rows.iter().find(|r| r.state == State::Failed);
    let state = if rows.is_empty() {
        if d.due > now {
            "to come"
        } else if d.deadline > now {
            "late"
        } else {
            "missed"
        }
    } else {
        worst(rows)
    };
    ChannelState {
        channel: d.key.channel.clone(),
        state,
        errcode: failed.and_then(|r| r.errcode),
        errmsg: failed.and_then(|r| r.errmsg.clone()),
        rows: rows.iter().map(|r| r.id).collect(),
    }
}

/// The state a person must see first among a delivery's parts.
fn worst(rows: &[&Row]) -> &'static str {
    let has = |s: State| rows.iter().any(|r| r.state == s);
    if has(State::Ambiguous) {
        "ambiguous"
    } else if has(State::Failed) {
        "failed"
    } else if has(State::Missed) {
        "missed"
    } else if has(State::Claimed) || has(State::Posting) {
        "sending"
    } else if has(State::Skipped) {
        "skipped"
    } else {
        "sent"
    }
}
