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
    /// Which page of [`PER_PAGE`] items (from 1).
    pub page: Option<usize>,
}

/// Items (event, rule, due) per page: a dense window (hundreds of events) is read a page at
/// a time, so each page stays small and quick; counts and the next due time cover them all.
pub const PER_PAGE: usize = 200;

impl Filter {
    fn keeps(&self, r: &PlanRow) -> bool {
        (self.event.is_empty() || self.event == r.event)
            && (self.channel.is_empty() || self.channel == r.channel)
            && (self.state.is_empty() || self.state == r.state.as_str())
    }

    pub fn days(&self) -> i64 {
        self.days.unwrap_or(14).clamp(1, 3660)
    }

    pub fn page(&self) -> usize {
        self.page.unwrap_or(1).max(1)
    }
}

/// Every state a delivery can be in, in the order the page lists them.
pub fn states() -> Vec<&'static str> {
    PlanState::ALL.into_iter().map(PlanState::as_str).collect()
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
    /// Deliveries per state (after filtering, on every page), named as `herald plan` names them.
    pub counts: BTreeMap<&'static str, usize>,
    /// This page (from 1), how many there are, and the items on all of them.
    pub page: usize,
    pub pages: usize,
    pub items_total: usize,
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
    let mut counts = BTreeMap::new();
    let mut groups: Vec<Vec<PlanRow>> = Vec::new();
    for r in rows {
        *counts.entry(r.state.as_str()).or_insert(0) += 1;
        match groups.last_mut() {
            Some(g) if g[0].event == r.event && g[0].rule == r.rule && g[0].due == r.due => {
                g.push(r)
            }
            _ => groups.push(vec![r]),
        }
    }
    let items_total = groups.len();
    let pages = items_total.div_ceil(PER_PAGE).max(1);
    let page = filter.page().min(pages);
    // Only this page's items are drawn (times in their zones, titles).
    let events: HashMap<&str, &Event> = ws.events.iter().map(|e| (e.id.as_str(), e)).collect();
    let items = groups
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|g| {
            let event = events.get(g[0].event.as_str()).copied();
            item(ws, event, g)
        })
        .collect();
    Timeline {
        now,
        now_local: local(ws, None, now),
        from,
        until,
        next_due,
        next_due_local: next_due.map(|t| local(ws, None, t)),
        days: by_day(ws, items),
        counts,
        page,
        pages,
        items_total,
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

/// One (event, rule, due) from its rows, one per channel.
fn item(ws: &Workspace, event: Option<&Event>, rows: Vec<PlanRow>) -> Item {
    let r = &rows[0];
    let due_local = local(ws, event, r.due);
    Item {
        due: r.due,
        deadline: r.deadline,
        title: event.map_or_else(|| r.event.clone(), |e| e.title.clone()),
        kind: r.kind.to_string(),
        ruled: ws.config.rules.iter().any(|rule| rule.name == r.rule),
        open: rows.iter().any(|r| open(&r.state)),
        held: rows.iter().any(|r| r.state == PlanState::Held),
        channels: rows
            .iter()
            .map(|r| channel_state(ws, event, &due_local, r))
            .collect(),
        due_local,
        event: r.event.clone(),
        rule: r.rule.clone(),
    }
}

fn channel_state(
    ws: &Workspace,
    event: Option<&Event>,
    due_local: &str,
    r: &PlanRow,
) -> ChannelState {
    ChannelState {
        channel: r.channel.clone(),
        state: r.state.as_str(),
        at_local: r.at.map(|t| {
            if t == r.due {
                due_local.to_string()
            } else {
                local(ws, event, t)
            }
        }),
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
