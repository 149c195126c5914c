//! An organizer's hand on what goes out — hold, release, skip — one code path for
//! `herald hold/release/skip` and the console's forms: the names are checked against the
//! workspace, the change lands in the ledger, and the caller tells the running engine
//! (`holds_changed`) when something changed. A hold still in place at a delivery's deadline
//! ends as `skipped`; a skip is recorded at once.

use super::workspace::Workspace;
use crate::ledger::{Hold, Ledger, LedgerError, State};
use crate::model::DeliveryKey;
use chrono::{DateTime, Utc};

/// What an organizer names: an event, and optionally one rule and one channel of it.
#[derive(Debug, Clone)]
pub struct Target {
    pub event: String,
    pub rule: Option<String>,
    pub channel: Option<String>,
}

/// Why a hold, release or skip did nothing.
#[derive(Debug, thiserror::Error)]
pub enum OrganizerError {
    #[error("no {what} `{name}`")]
    Unknown {
        what: &'static str,
        name: String,
        /// The names that exist (for a did-you-mean).
        known: Vec<String>,
    },
    #[error("nothing held for {0} (see `herald plan`)")]
    NothingHeld(String),
    #[error("a skip needs a rule (see `herald plan`)")]
    NoRule,
    #[error("rule `{rule}` sends nothing for `{event}`")]
    NothingToSkip { rule: String, event: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What happened, a line per change, and whether the running engine must look again.
#[derive(Debug, Default)]
pub struct Outcome {
    pub lines: Vec<String>,
    pub changed: bool,
}

/// Check that the event, rule and channel named exist in `ws`.
pub fn check(ws: &Workspace, t: &Target) -> Result<(), OrganizerError> {
    let unknown = |what, name: &str, known: Vec<String>| OrganizerError::Unknown {
        what,
        name: name.to_string(),
        known,
    };
    if ws.event(&t.event).is_none() {
        let known = ws.events.iter().map(|e| e.id.clone()).collect();
        return Err(unknown("event", &t.event, known));
    }
    if let Some(rule) = &t.rule
        && !ws.config.rules.iter().any(|r| &r.name == rule)
    {
        let known = ws.config.rules.iter().map(|r| r.name.clone()).collect();
        return Err(unknown("rule", rule, known));
    }
    if let Some(ch) = &t.channel
        && ws.config.channel(ch).is_none()
    {
        let known = ws.config.channels.iter().map(|c| c.name.clone()).collect();
        return Err(unknown("channel", ch, known));
    }
    Ok(())
}

/// Hold the deliveries `t` names until a release.
pub fn hold(
    ws: &Workspace,
    ledger: &Ledger,
    t: &Target,
    now: DateTime<Utc>,
) -> Result<Outcome, OrganizerError> {
    check(ws, t)?;
    let hold = as_hold(t, now);
    let new = ledger.hold(&hold, now)?;
    let word = if new { "held" } else { "already held" };
    Ok(Outcome {
        lines: vec![format!("{word} {}", describe(&hold))],
        changed: true,
    })
}

/// Release the holds on exactly what `t` names.
pub fn release(ws: &Workspace, ledger: &Ledger, t: &Target) -> Result<Outcome, OrganizerError> {
    check(ws, t)?;
    let hold = as_hold(t, Utc::now());
    let n = ledger.unhold(&hold)?;
    if n == 0 {
        return Err(OrganizerError::NothingHeld(describe(&hold)));
    }
    Ok(Outcome {
        lines: vec![format!("released {n} hold(s) on {}", describe(&hold))],
        changed: true,
    })
}

/// Record `skipped` for every channel the rule sends this event to (or the one named), so
/// neither the daemon nor a restart posts it. What was already decided stays as it is.
pub fn skip(
    ws: &Workspace,
    ledger: &Ledger,
    t: &Target,
    now: DateTime<Utc>,
) -> Result<Outcome, OrganizerError> {
    check(ws, t)?;
    let rule_name = t.rule.as_ref().ok_or(OrganizerError::NoRule)?;
    let event = ws.event(&t.event).expect("checked");
    let rule = ws
        .config
        .rules
        .iter()
        .find(|r| &r.name == rule_name)
        .expect("checked");
    let Some((due, deadline)) = crate::plan::schedule(rule, event) else {
        return Err(OrganizerError::NothingToSkip {
            rule: rule_name.clone(),
            event: t.event.clone(),
        });
    };
    let mut out = Outcome::default();
    for ch in crate::plan::targets(rule, event, &ws.config.channels) {
        if t.channel.as_ref().is_some_and(|c| c != &ch.name) {
            continue;
        }
        let key = DeliveryKey {
            event: event.id.clone(),
            rule: rule.name.clone(),
            channel: ch.name.clone(),
        };
        let reason = "skipped by an organizer (herald skip)";
        if ledger.mark(
            &key,
            1,
            rule.kind,
            State::Skipped,
            reason,
            due,
            deadline,
            now,
        )? {
            out.lines.push(format!("skipped {key}"));
            out.changed = true;
        } else {
            out.lines.push(format!(
                "{key}: already decided; left as it is (see `herald history`)"
            ));
        }
    }
    Ok(out)
}

fn as_hold(t: &Target, now: DateTime<Utc>) -> Hold {
    Hold {
        event: t.event.clone(),
        rule: t.rule.clone().unwrap_or_else(|| "*".to_string()),
        channel: t.channel.clone().unwrap_or_else(|| "*".to_string()),
        since: now,
    }
}

fn describe(h: &Hold) -> String {
    let any = |s: &str, what: &str| {
        if s == "*" {
            format!("every {what}")
        } else {
            format!("{what} `{s}`")
        }
    };
    format!(
        "event `{}`, {}, {}",
        h.event,
        any(&h.rule, "rule"),
        any(&h.channel, "channel")
    )
}
