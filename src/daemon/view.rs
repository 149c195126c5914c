//! What will happen, joined with what did: every (event, rule, channel) the daemon's planner
//! gives, in the state the ledger and the holds put it in — to come, late (and when it will
//! go), held, skipped, sent, failed, ambiguous, missed — and the change, cancel and resume notices
//! pending. `herald plan` and the console show this; it uses the scheduler's own functions.

use super::notices::notices_among;
use super::queue::Job;
use super::workspace::Workspace;
use crate::ledger::{Hold, Ledger, LedgerError, Row, State};
use crate::model::{ChannelSpec, DeliveryKey, MessageKind, Origin, Subject, When};
use crate::plan;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One delivery's place in the plan: a plan-only state, or its ledger state. `herald plan
/// --json` shows it as one snake_case word (`to_come`, `late`, …, `sent`, `failed`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanState {
    /// Due in the future.
    ToCome,
    /// Due already (herald was down): goes at `at` (the end of quiet hours, or now).
    Late,
    /// An organizer holds it (`herald release` lets it go before its deadline).
    Held,
    /// A change, cancel or resume notice waiting to go at `at`.
    Pending,
    /// Decided in the ledger: its row's state. Also what the ledger will record of a
    /// delivery without a row whose deadline passed (missed; skipped when held).
    Decided(State),
}

impl PlanState {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::ToCome => "to_come",
            PlanState::Late => "late",
            PlanState::Held => "held",
            PlanState::Pending => "pending",
            PlanState::Decided(s) => s.as_str(),
        }
    }
}

impl Serialize for PlanState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PlanState {
    /// Every state, in the order a page lists them.
    pub const ALL: [PlanState; 11] = [
        PlanState::ToCome,
        PlanState::Late,
        PlanState::Held,
        PlanState::Pending,
        PlanState::Decided(State::Claimed),
        PlanState::Decided(State::Posting),
        PlanState::Decided(State::Sent),
        PlanState::Decided(State::Failed),
        PlanState::Decided(State::Ambiguous),
        PlanState::Decided(State::Missed),
        PlanState::Decided(State::Skipped),
    ];
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    pub event: String,
    pub rule: String,
    pub kind: MessageKind,
    pub channel: String,
    pub due: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub state: PlanState,
    /// When it goes (to come, late, pending) or went (decided rows).
    pub at: Option<DateTime<Utc>>,
    /// The platform's verdict or the reason recorded.
    pub detail: Option<String>,
    /// The ledger row (for `herald resolve`), when there is one.
    pub row: Option<i64>,
}

/// The plan from `from` to `until` as seen at `now`: deliveries due in the window, and any
/// earlier ones still open (late, held) or decided after `from`.
pub fn plan_view(
    ws: &Workspace,
    ledger: &Ledger,
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<PlanRow>, LedgerError> {
    let history = ledger.history(None)?;
    // Only an event whose announcement (or change notice) was sent has a snapshot to compare.
    let told: HashSet<String> = history
        .iter()
        .filter(|r| {
            r.state == State::Sent
                && (r.kind == MessageKind::Announce.as_str()
                    || r.kind == MessageKind::Change.as_str())
        })
        .map(|r| r.event.clone())
        .collect();
    let rows = index(history);
    let holds = ledger.holds()?;
    let mut out = Vec::new();
    for rule in &ws.config.rules {
        if let When::Digest { .. } = rule.when {
            continue;
        }
        for event in &ws.events {
            let Some((due, deadline)) = plan::schedule(rule, event) else {
                continue;
            };
            let open_late = due < from && deadline > now;
            if !(from..until).contains(&due) && !open_late {
                continue;
            }
            let subject = Subject::about(&event.id, rule.kind);
            let origin = Origin::Rule(rule.name.clone());
            for ch in plan::targets(rule, event, &ws.config.channels) {
                let key = DeliveryKey::new(&subject, &origin, &ch.name);
                let row = PlanRow {
                    event: event.id.clone(),
                    rule: rule.name.clone(),
                    kind: rule.kind,
                    channel: ch.name.clone(),
                    due,
                    deadline,
                    state: PlanState::ToCome,
                    at: Some(due),
                    detail: None,
                    row: None,
                };
                out.push(place(row, rows.get(&key), &holds, &key, ch, now));
            }
        }
    }
    out.extend(digests(ws, &rows, from, until));
    out.extend(pending_notices(ws, ledger, now, &told));
    out.sort_by(|a, b| {
        (a.at.unwrap_or(a.due), &a.event, &a.rule, &a.channel).cmp(&(
            b.at.unwrap_or(b.due),
            &b.event,
            &b.rule,
            &b.channel,
        ))
    });
    Ok(out)
}

/// Rows by delivery key.
fn index(rows: Vec<Row>) -> HashMap<DeliveryKey, Vec<Row>> {
    let mut out: HashMap<DeliveryKey, Vec<Row>> = HashMap::new();
    for r in rows {
        let key = DeliveryKey {
            event: r.event.clone(),
            rule: r.rule.clone(),
            channel: r.channel.clone(),
        };
        out.entry(key).or_default().push(r);
    }
    out
}

/// The state of one delivery: its ledger rows first, then holds, then time.
fn place(
    mut row: PlanRow,
    decided: Option<&Vec<Row>>,
    holds: &[Hold],
    key: &DeliveryKey,
    ch: &ChannelSpec,
    now: DateTime<Utc>,
) -> PlanRow {
    if let Some(rows) = decided {
        // The row that matters most: one that may have been posted, else one not sent.
        let worst = rows
            .iter()
            .find(|r| r.state.may_have_posted())
            .or_else(|| rows.iter().find(|r| r.state != State::Sent))
            .or(rows.first());
        if let Some(r) = worst {
            let missing_parts = r.state == State::Sent && (rows.len() as u32) < r.parts_total;
            if !missing_parts {
                row.state = PlanState::Decided(r.state);
                row.at = r.finished_at.or(Some(r.claimed_at));
                row.detail = verdict(r);
                row.row = Some(r.id);
                return row;
            }
        }
    }
    if holds.iter().any(|h| h.matches(key)) {
        row.state = if row.deadline <= now {
            PlanState::Decided(State::Skipped)
        } else {
            PlanState::Held
        };
        row.at = None;
        row.detail = Some("held: `herald release` lets it go before its deadline".to_string());
        return row;
    }
    if row.deadline <= now {
        row.state = PlanState::Decided(State::Missed);
        row.at = None;
        row.detail = Some("its deadline passed before it could be sent".to_string());
    } else if row.due <= now {
        row.state = PlanState::Late;
        let late = now - row.due > plan::LATE_AFTER;
        row.at = Some(match ch.quiet_hours {
            Some(q) if late => q.defer(now, row.deadline),
            _ => now,
        });
    }
    row
}

fn verdict(r: &Row) -> Option<String> {
    match (r.errcode, &r.errmsg) {
        (Some(code), Some(msg)) => Some(format!("errcode {code}: {msg}")),
        (Some(code), None) => Some(format!("errcode {code}")),
        (None, Some(msg)) => Some(msg.clone()),
        (None, None) => None,
    }
}

/// Digest slots in the window, per channel, with their ledger state.
fn digests(
    ws: &Workspace,
    rows: &HashMap<DeliveryKey, Vec<Row>>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<PlanRow> {
    let digest_rules: Vec<_> = ws
        .config
        .rules
        .iter()
        .filter(|r| matches!(r.when, When::Digest { .. }))
        .cloned()
        .collect();
    plan::plan(&ws.events, &digest_rules, &ws.config.channels, from, until)
        .into_iter()
        .map(|d| {
            let mut row = PlanRow {
                event: d.key.event.clone(),
                rule: d.key.rule.clone(),
                kind: d.kind,
                channel: d.key.channel.clone(),
                due: d.due,
                deadline: d.deadline,
                state: PlanState::ToCome,
                at: Some(d.due),
                detail: None,
                row: None,
            };
            if let Some(r) = rows.get(&d.key).and_then(|rs| rs.first()) {
                row.state = PlanState::Decided(r.state);
                row.at = r.finished_at.or(Some(r.claimed_at));
                row.detail = verdict(r);
                row.row = Some(r.id);
            }
            row
        })
        .collect()
}

/// What a pending notice is, for a person reading the plan.
fn notice_detail(kind: MessageKind, changes: usize) -> String {
    match kind {
        MessageKind::Cancel => "cancelled: goes to the groups that got the announcement".into(),
        MessageKind::Resume => format!(
            "on again: goes to the groups that got the cancel ({changes} change(s) since they were told)"
        ),
        _ => format!("{changes} change(s) since the groups were told"),
    }
}

/// Change, cancel and resume notices the daemon would queue now, one row per channel.
fn pending_notices(
    ws: &Workspace,
    ledger: &Ledger,
    now: DateTime<Utc>,
    told: &HashSet<String>,
) -> Vec<PlanRow> {
    let mut out = Vec::new();
    for entry in notices_among(ws, ledger, now, |e| told.contains(&e.id)) {
        let Job::Notice(notice) = entry.job else {
            continue;
        };
        let event = &ws.events[notice.event];
        let rule = Origin::Notice.ledger_rule(&notice.subject);
        // Due when the record settled; it goes at the entry's time (after quiet hours).
        for channel in &notice.channels {
            out.push(PlanRow {
                event: event.id.clone(),
                rule: rule.clone(),
                kind: notice.subject.kind(),
                channel: channel.clone(),
                due: notice.settled,
                deadline: entry.deadline,
                state: PlanState::Pending,
                at: Some(entry.due),
                detail: Some(notice_detail(
                    notice.subject.kind(),
                    notice.subject.changes().len(),
                )),
                row: None,
            });
        }
    }
    out
}
