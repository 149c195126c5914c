//! The timeline's data, behind one function: `daemon::plan_view` (what `herald plan` shows:
//! the scheduler's own planner joined with the ledger and the holds, plus pending change and
//! cancel notices and late catch-ups), grouped by day in the community's zone, each due time
//! shown in its event's zone, filtered by event, channel and state.

use super::Console;
use crate::daemon::{PlanRow, PlanState, Workspace, plan_view};
use crate::model::Event;
use chrono::format::{Item as Strftime, StrftimeItems};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// What the page or API asked for; empty strings mean "all".
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Filter {
    pub event: String,
    pub channel: String,
    /// A state as `herald plan --state` names it (`to_come`, `held`, …).
    pub state: String,
    /// Days ahead of now (default 14, as `herald plan`).
    pub days: Option<i64>,
}

impl Filter {
    fn keeps(&self, r: &PlanRow) -> bool {
        (self.event.is_empty() || self.event == r.event)
            && (self.channel.is_empty() || self.channel == r.channel)
            && (self.state.is_empty() || self.state == r.state.as_str())
    }

    pub fn days(&self) -> i64 {
        self.days.unwrap_or(14).clamp(1, 3660)
    }
}

/// Every state a delivery can be in, in the order the page lists them.
pub fn states() -> Vec<&'static str> {
    PlanState::ALL.iter().map(PlanState::as_str).collect()
}

#[derive(Debug, Serialize)]
pub struct Timeline {
    pub now: DateTime<Utc>,
    pub now_local: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The earliest instant something still goes out (to come, late, pending).
    pub next_due: Option<DateTime<Utc>>,
    pub next_due_local: Option<String>,
    pub days: Vec<Day>,
    /// Deliveries per state (after filtering), named as `herald plan` names them.
    pub counts: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Serialize)]
pub struct Day {
    pub date: String,
    pub items: Vec<Item>,
}

/// One (event, rule, due) with its channels, like a line of `herald plan`.
#[derive(Debug, Serialize)]
pub struct Item {
    pub due: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The due time in the event's zone (a digest's: the community's).
    pub due_local: String,
    pub event: String,
    pub title: String,
    pub kind: String,
    pub rule: String,
    /// A rule of the config (not a change or cancel notice): it can be held or skipped.
    pub ruled: bool,
    /// Some channel still waits to go (to come or late): it can be held or skipped.
    pub open: bool,
    /// Some channel is held: it can be released.
    pub held: bool,
    pub channels: Vec<ChannelState>,
}

#[derive(Debug, Serialize)]
pub struct ChannelState {
    pub channel: String,
    pub state: &'static str,
    /// When it goes (to come, late, pending) or went, in the event's zone.
    pub at_local: Option<String>,
    /// The platform's verdict or the reason recorded.
    pub detail: Option<String>,
    /// The ledger row, when there is one.
    pub row: Option<i64>,
}

/// The window the timeline shows: a week back to `filter.days()` ahead.
fn window(now: DateTime<Utc>, filter: &Filter) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        now - TimeDelta::days(7),
        now + TimeDelta::days(filter.days()),
    )
}

/// The timeline of the workspace the scheduler acts on, from its ledger, as of the clock.
pub async fn load(c: &Console, filter: &Filter) -> Result<Timeline, String> {
    let ws = c.live.get();
    let now = c.clock.now();
    let (from, until) = window(now, filter);
    let view = ws.clone();
    let rows = c
        .store
        .call_quietly(move |l| plan_view(&view, l, now, from, until))
        .await
        .map_err(|e| format!("the ledger cannot be read: {e}"))?;
    Ok(build(&ws, rows, now, filter))
}

/// Group the plan's rows (as `plan_view` gives them at `now`) into days and items.
pub fn build(
    ws: &Workspace,
    mut rows: Vec<PlanRow>,
    now: DateTime<Utc>,
    filter: &Filter,
) -> Timeline {
    let (from, until) = window(now, filter);
    let next_due = rows
        .iter()
        .filter(|r| goes(&r.state))
        .filter_map(|r| r.at)
        .min();
    rows.retain(|r| filter.keeps(r));
    rows.sort_by(|a, b| (a.due, &a.event, &a.rule).cmp(&(b.due, &b.event, &b.rule)));
    let events: HashMap<&str, &Event> = ws.events.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut counts = BTreeMap::new();
    let mut items: Vec<Item> = Vec::new();
    for r in rows {
        let event = events.get(r.event.as_str()).copied();
        *counts.entry(r.state.as_str()).or_insert(0) += 1;
        match items.last_mut() {
            Some(i) if i.event == r.event && i.rule == r.rule && i.due == r.due => {
                i.open |= open(&r.state);
                i.held |= r.state == PlanState::Held;
                i.channels.push(channel_state(ws, event, &r));
            }
            _ => items.push(item(ws, event, r)),
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

/// Still to go out (what the scheduler sleeps until).
fn goes(s: &PlanState) -> bool {
    matches!(s, PlanState::ToCome | PlanState::Late | PlanState::Pending)
}

/// Not yet decided nor held: a person can still hold or skip it.
fn open(s: &PlanState) -> bool {
    matches!(s, PlanState::ToCome | PlanState::Late)
}

fn item(ws: &Workspace, event: Option<&Event>, r: PlanRow) -> Item {
    Item {
        due: r.due,
        deadline: r.deadline,
        due_local: local(ws, event, r.due),
        title: event.map_or_else(|| r.event.clone(), |e| e.title.clone()),
        kind: r.kind.to_string(),
        ruled: ws.config.rules.iter().any(|rule| rule.name == r.rule),
        open: open(&r.state),
        held: r.state == PlanState::Held,
        channels: vec![channel_state(ws, event, &r)],
        event: r.event,
        rule: r.rule,
    }
}

fn channel_state(ws: &Workspace, event: Option<&Event>, r: &PlanRow) -> ChannelState {
    ChannelState {
        channel: r.channel.clone(),
        state: r.state.as_str(),
        at_local: r.at.map(|t| local(ws, event, t)),
        detail: r.detail.clone(),
        row: r.row,
    }
}

/// `t` in the event's zone (else the community's), with the zone's abbreviation.
fn local(ws: &Workspace, event: Option<&Event>, t: DateTime<Utc>) -> String {
    // Parsed once: thousands of rows per page.
    static FORMAT: LazyLock<Vec<Strftime<'static>>> =
        LazyLock::new(|| StrftimeItems::new("%Y-%m-%d %H:%M %Z").collect());
    let zone = event.map_or(ws.config.zone, |e| e.start.timezone());
    t.with_timezone(&zone)
        .format_with_items(FORMAT.iter())
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
