//! Manual sends (`herald send`): which channels, under which ledger rule, refusing duplicates,
//! then delivery through an engine. The running daemon runs this for `POST /send` on its own
//! engine, so a manual send shares the daemon's per-robot rate budgets; without a daemon the CLI
//! runs it in-process. Either way the ledger's unique key makes a second post impossible.

use super::engine::{Engine, Job};
use super::outcome::{Decided, Refusal, SendResult};
use super::workspace::Workspace;
use crate::ledger::{Ledger, State};
use crate::model::{
    ChannelSpec, DeliveryKey, Event, FieldChange, ManualError, MessageKind, Moment, Origin,
    SendRequest, Subject,
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

/// A request resolved against the workspace and ledger: what it is about, and its channels
/// grouped by the origin (ledger rule) each is claimed under.
#[derive(Debug)]
pub struct Resolved {
    pub event: Event,
    /// What it is about; for `change`, with what changed since the groups were last told.
    pub subject: Subject,
    pub by_origin: BTreeMap<Origin, Vec<ChannelSpec>>,
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
    let subject = match req.kind {
        MessageKind::Change => super::notices::change(&event, changes),
        MessageKind::Resume => Subject::Resume {
            id: event.id.clone(),
            changes,
            round: 1,
        },
        kind => Subject::about(&event.id, kind),
    };
    let mut resolved = Resolved {
        subject,
        by_origin: BTreeMap::new(),
        refused: Vec::new(),
        event,
    };
    for ch in targets(ws, ledger, &resolved.event, req)? {
        match origin(ws, ledger, &resolved, req, &ch, now)? {
            Ok(origin) => resolved.by_origin.entry(origin).or_default().push(ch),
            Err(refusal) => resolved.refused.push(refusal),
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
    for (origin, channels) in resolved.by_origin {
        let now = engine.clock.now();
        let job = Job {
            subject: resolved.subject.clone(),
            origin,
            event: event.clone(),
            due: now,
            deadline: now + MANUAL_DEADLINE,
            digest: Vec::new(),
            deferrable: false,
        };
        let reports = engine.deliver(&ws.renderer, Arc::new(job), channels).await;
        sent.extend(reports);
    }
    SendResult {
        refused: resolved.refused,
        sent,
    }
}

/// Channels named with --channel/--tag, else those the rules of this kind pick for the event,
/// and for a notice kind no rule sends (change, cancel, resume) the groups the daemon's own
/// notice would go to ([`super::notices::audience`]) that are still configured.
fn targets(
    ws: &Workspace,
    ledger: &Ledger,
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
            let told = super::notices::audience(ledger, &event.id, req.kind);
            picked = channels
                .iter()
                .filter(|c| told.contains(&c.name))
                .cloned()
                .collect();
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

/// The origin a manual send to `ch` is claimed under: the first rule of this kind still
/// pending for it (so the daemon will not post it again), or `Manual` when no rule sends this
/// kind. `Err` when the ledger already decided it (sent, may have been posted, failed…),
/// unless `force`.
fn origin(
    ws: &Workspace,
    ledger: &Ledger,
    resolved: &Resolved,
    req: &SendRequest,
    ch: &ChannelSpec,
    now: DateTime<Utc>,
) -> Result<Result<Origin, Refusal>, ManualError> {
    let (kind, event) = (req.kind, &resolved.event);
    if req.force {
        return forced(ledger, &resolved.subject, &ch.name, now, ws.config.zone).map(Ok);
    }
    let decided = |origin: &Origin| -> Result<Option<Refusal>, ManualError> {
        let key = DeliveryKey::new(&resolved.subject, origin, &ch.name);
        Ok(decided(ledger, &key)?.map(|decided| Refusal {
            channel: ch.name.clone(),
            rule: key.rule,
            decided,
        }))
    };
    if let Some(refusal) = decided(&Origin::Manual)? {
        return Ok(Err(refusal));
    }
    let rules = ws.config.rules.iter().filter(|r| {
        r.kind == kind
            && plan::targets(r, event, &ws.config.channels)
                .iter()
                .any(|c| c.name == ch.name)
    });
    let mut decided_as = None;
    for rule in rules {
        let origin = Origin::Rule(rule.name.clone());
        match decided(&origin)? {
            None => return Ok(Ok(origin)),
            Some(refusal) => decided_as = decided_as.or(Some(refusal)),
        }
    }
    Ok(match decided_as {
        None => Ok(Origin::Manual),
        Some(refusal) => Err(refusal),
    })
}

/// A forced send's own origin: the local time it was asked for, to the millisecond, in the
/// herald zone (ledger rule `manual:announce:2026-11-25T10:31:02.951+08:00`), a millisecond
/// later while that key is taken. Older ledgers hold the same key with Unix milliseconds
/// (`manual:announce:1795619855951`); nothing reads a key apart, so both work.
fn forced(
    ledger: &Ledger,
    subject: &Subject,
    channel: &str,
    now: DateTime<Utc>,
    zone: crate::model::Zone,
) -> Result<Origin, ManualError> {
    let mut at = now;
    loop {
        let origin = Origin::Forced {
            at: at.with_timezone(&zone).fixed_offset(),
        };
        let key = DeliveryKey::new(subject, &origin, channel);
        if ledger.rows_for(&key).map_err(ledger_error)?.is_empty() {
            return Ok(origin);
        }
        at += TimeDelta::milliseconds(1);
    }
}

/// The ledger row that decided a delivery (the one that matters most: one that may have been
/// posted, else one not sent), or `None` if it is still open.
fn decided(ledger: &Ledger, key: &DeliveryKey) -> Result<Option<Decided>, ManualError> {
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
    Ok(Some(Decided::of(row)))
}
