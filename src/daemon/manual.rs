//! Manual sends (`herald send`): which channels, under which ledger rule, refusing duplicates,
//! then delivery through an engine. The running daemon runs this for `POST /send` on its own
//! engine, so a manual send shares the daemon's per-robot rate budgets; without a daemon the CLI
//! runs it in-process. Either way the ledger's unique key makes a second post impossible.

use super::engine::{ChannelReport, Engine, Job};
use super::workspace::Workspace;
use crate::ledger::{Ledger, State};
use crate::model::{
    ChannelSpec, DeliveryKey, Event, FieldChange, ManualError, MessageKind, Moment, Refusal,
    SendLine, SendRequest, SendResult,
};
use crate::plan;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How long a manual send may keep retrying a transient failure.
const MANUAL_DEADLINE: TimeDelta = TimeDelta::minutes(10);

fn ledger_error(e: crate::ledger::LedgerError) -> ManualError {
    ManualError::Ledger(e.to_string())
}

fn line(r: &ChannelReport) -> SendLine {
    SendLine {
        channel: r.channel.clone(),
        parts_sent: r.parts_sent,
        parts_total: r.parts_total,
        verdict: r.outcome.as_ref().map(ToString::to_string),
        note: r.note.clone(),
        delivered: r.delivered(),
    }
}

/// A request resolved against the workspace and ledger: channels grouped by ledger rule.
#[derive(Debug)]
pub struct Resolved {
    pub event: Event,
    pub kind: MessageKind,
    /// For `change`: what changed since the groups were last told.
    pub changes: Vec<FieldChange>,
    pub by_rule: BTreeMap<String, Vec<ChannelSpec>>,
    pub refused: Vec<Refusal>,
}

/// Resolve `req`: its event, its channels, and for each channel the ledger rule it takes.
pub fn resolve(
    ws: &Workspace,
    ledger: &Ledger,
    req: &SendRequest,
    now: DateTime<Utc>,
) -> Result<Resolved, ManualError> {
    let event = ws
        .event(&req.event)
        .ok_or_else(|| ManualError::UnknownEvent(req.event.clone()))?
        .clone();
    let changes = refuse_out_of_moment(ledger, &event, req.kind, now)?;
    let mut resolved = Resolved {
        kind: req.kind,
        changes,
        by_rule: BTreeMap::new(),
        refused: Vec::new(),
        event,
    };
    for ch in targets(ws, &resolved.event, req)? {
        match rule_key(ws, ledger, &resolved.event, req, &ch, now)? {
            Ok(rule) => resolved.by_rule.entry(rule).or_default().push(ch),
            Err(why) => resolved.refused.push(Refusal {
                channel: ch.name,
                why,
            }),
        }
    }
    Ok(resolved)
}

/// A message that does not fit the moment is refused: a reminder for an event that is over,
/// a change notice when nothing changed since the groups were last told. For `change`, the
/// changes to report (and for `resume`, any since the groups were last told).
fn refuse_out_of_moment(
    ledger: &Ledger,
    event: &Event,
    kind: MessageKind,
    now: DateTime<Utc>,
) -> Result<Vec<FieldChange>, ManualError> {
    match kind {
        MessageKind::Remind if Moment::at(event, now) == Moment::Over => {
            Err(ManualError::ReminderAfterEnd(event.id.clone()))
        }
        MessageKind::Change => {
            match super::notices::changes_since_told(ledger, event).map_err(ledger_error)? {
                None => Err(ManualError::ChangeNeverAnnounced(event.id.clone())),
                Some(c) if c.is_empty() => Err(ManualError::NothingChanged(event.id.clone())),
                Some(c) => Ok(c),
            }
        }
        MessageKind::Resume => Ok(super::notices::changes_since_told(ledger, event)
            .map_err(ledger_error)?
            .unwrap_or_default()),
        _ => Ok(Vec::new()),
    }
}

/// Deliver a resolved request through `engine` (its ledger, budgets and clock).
pub async fn send(engine: Arc<Engine>, ws: Arc<Workspace>, resolved: Resolved) -> SendResult {
    let event = Arc::new(resolved.event);
    let mut sent = Vec::new();
    for (rule, channels) in resolved.by_rule {
        let now = engine.clock.now();
        let job = Job {
            key_event: event.id.clone(),
            event: event.clone(),
            kind: resolved.kind,
            rule,
            due: now,
            deadline: now + MANUAL_DEADLINE,
            changes: resolved.changes.clone(),
            digest: Vec::new(),
            honour_holds: false,
            deferrable: false,
        };
        let reports = engine.deliver(&ws.renderer, Arc::new(job), channels).await;
        sent.extend(reports.iter().map(line));
    }
    SendResult {
        refused: resolved.refused,
        sent,
    }
}

/// Channels named with --channel/--tag, else those the rules of this kind pick for the event.
fn targets(
    ws: &Workspace,
    event: &Event,
    req: &SendRequest,
) -> Result<Vec<ChannelSpec>, ManualError> {
    let channels = &ws.config.channels;
    if req.channels.is_empty() && req.tags.is_empty() {
        let mut picked: Vec<ChannelSpec> = Vec::new();
        for rule in ws.config.rules.iter().filter(|r| r.kind == req.kind) {
            for ch in plan::targets(rule, event, channels) {
                if !picked.iter().any(|p| p.name == ch.name) {
                    picked.push(ch.clone());
                }
            }
        }
        if picked.is_empty() {
            return Err(ManualError::NoTargets {
                kind: req.kind,
                event: event.id.clone(),
            });
        }
        return Ok(picked);
    }
    if let Some(name) = req
        .channels
        .iter()
        .find(|n| !channels.iter().any(|c| &c.name == *n))
    {
        return Err(ManualError::UnknownChannel(name.clone()));
    }
    Ok(channels
        .iter()
        .filter(|c| req.channels.contains(&c.name) || req.tags.iter().any(|t| c.tags.contains(t)))
        .cloned()
        .collect())
}

/// The ledger rule for a manual send to `ch`: the first rule of this kind still pending for
/// it (so the daemon will not post it again), or `manual:KIND` when no rule sends this kind.
/// `Err` when it was already sent, unless `force`.
fn rule_key(
    ws: &Workspace,
    ledger: &Ledger,
    event: &Event,
    req: &SendRequest,
    ch: &ChannelSpec,
    now: DateTime<Utc>,
) -> Result<Result<String, String>, ManualError> {
    let kind = req.kind;
    let key = |rule: &str| DeliveryKey {
        event: event.id.clone(),
        rule: rule.to_string(),
        channel: ch.name.clone(),
    };
    if req.force {
        return forced_key(ledger, kind, now, ws.config.zone, key).map(Ok);
    }
    let manual = format!("manual:{kind}");
    if let Some(why) = decided(ledger, &key(&manual))? {
        return Ok(Err(why));
    }
    let rules = ws.config.rules.iter().filter(|r| {
        r.kind == kind
            && plan::targets(r, event, &ws.config.channels)
                .iter()
                .any(|c| c.name == ch.name)
    });
    let mut decided_as = None;
    for rule in rules {
        match decided(ledger, &key(&rule.name))? {
            None => return Ok(Ok(rule.name.clone())),
            Some(why) => decided_as = decided_as.or(Some(why)),
        }
    }
    Ok(match decided_as {
        None => Ok(manual),
        Some(why) => Err(why),
    })
}

/// A forced send's own ledger rule: `manual:KIND:` and the local time it was asked for, to the
/// millisecond, in the herald zone (`manual:announce:2026-11-25T10:31:02.951+08:00`), a
/// millisecond later while that key is taken. Older ledgers hold the same key with Unix
/// milliseconds (`manual:announce:1795619855951`); nothing reads a key apart, so both work.
fn forced_key(
    ledger: &Ledger,
    kind: MessageKind,
    now: DateTime<Utc>,
    zone: chrono_tz::Tz,
    key: impl Fn(&str) -> DeliveryKey,
) -> Result<String, ManualError> {
    let mut at = now;
    loop {
        let local = at.with_timezone(&zone).format("%Y-%m-%dT%H:%M:%S%.3f%:z");
        let rule = format!("manual:{kind}:{local}");
        if ledger
            .rows_for(&key(&rule))
            .map_err(ledger_error)?
            .is_empty()
        {
            return Ok(rule);
        }
        at += chrono::TimeDelta::milliseconds(1);
    }
}

/// Why a delivery cannot be sent again, in words that fit what its rows say (sent, may have
/// been posted, failed, missed), or `None` if it is still open.
fn decided(ledger: &Ledger, key: &DeliveryKey) -> Result<Option<String>, ManualError> {
    if !ledger.done(key).map_err(ledger_error)? {
        return Ok(None);
    }
    let rows = ledger.rows_for(key).map_err(ledger_error)?;
    let worst = rows
        .iter()
        .find(|r| r.state.may_have_posted())
        .or_else(|| rows.iter().find(|r| r.state != State::Sent))
        .or(rows.first());
    let Some(row) = worst else {
        return Ok(None);
    };
    let note = super::engine::taken_note(row);
    Ok(Some(match row.state {
        State::Sent => format!(
            "already sent (ledger: {}); use --force to send again",
            key.rule
        ),
        _ => format!("{note} (ledger: {}, row {})", key.rule, row.id),
    }))
}
