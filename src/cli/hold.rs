//! `herald hold EVENT [--rule R] [--channel C]`, `herald release …`, `herald skip EVENT --rule R
//! [--channel C]`: an organizer's hand on what goes out. Holds and skips are written to the
//! ledger (so the next start honours them) and a running daemon is told at once
//! (`POST /holds`), so a delivery it holds looks again. A hold still in place at a delivery's
//! deadline ends as `skipped`; a skip is recorded at once.

use super::Exit;
use crate::daemon::Workspace;
use crate::ledger::{Hold, Ledger, State};
use crate::model::{DeliveryKey, Origin, Subject};
use chrono::Utc;
use std::path::Path;

pub struct Target {
    pub event: String,
    pub rule: Option<String>,
    pub channel: Option<String>,
}

pub fn hold(path: &Path, t: Target) -> anyhow::Result<()> {
    let (ws, ledger) = open(path, &t)?;
    let hold = as_hold(&t);
    let new = ledger.hold(&hold, Utc::now())?;
    println!(
        "{} {}",
        if new { "held" } else { "already held" },
        describe(&hold)
    );
    tell_daemon(&ws)
}

pub fn release(path: &Path, t: Target) -> anyhow::Result<()> {
    let (ws, ledger) = open(path, &t)?;
    let hold = as_hold(&t);
    let n = ledger.unhold(&hold)?;
    if n == 0 {
        return Err(Exit::bad_input(format!(
            "nothing held for {} (see `herald plan`)",
            describe(&hold)
        )));
    }
    println!("released {n} hold(s) on {}", describe(&hold));
    tell_daemon(&ws)
}

/// Record `skipped` for every channel the rule sends this event to (or the one named), so
/// neither the daemon nor a restart posts it. What was already decided stays as it is.
pub fn skip(path: &Path, t: Target) -> anyhow::Result<()> {
    let (ws, ledger) = open(path, &t)?;
    let Some(rule_name) = &t.rule else {
        return Err(Exit::bad_input(
            "`herald skip` needs --rule (see `herald plan`)",
        ));
    };
    let event = ws.event(&t.event).expect("checked by open");
    let rule = ws
        .config
        .rules
        .iter()
        .find(|r| &r.name == rule_name)
        .expect("checked by open");
    let Some((due, deadline)) = crate::plan::schedule(rule, event) else {
        return Err(Exit::bad_input(format!(
            "rule `{rule_name}` sends nothing for `{}`",
            t.event
        )));
    };
    let mut skipped = 0;
    for ch in crate::plan::targets(rule, event, &ws.config.channels) {
        if t.channel.as_ref().is_some_and(|c| c != &ch.name) {
            continue;
        }
        let subject = Subject::about(&event.id, rule.kind);
        let key = DeliveryKey::new(&subject, &Origin::Rule(rule.name.clone()), &ch.name);
        let reason = "skipped by an organizer (herald skip)";
        if ledger.mark(
            &key,
            1,
            rule.kind,
            State::Skipped,
            reason,
            due,
            deadline,
            Utc::now(),
        )? {
            println!("skipped {key}");
            skipped += 1;
        } else {
            println!("{key}: already decided; left as it is (see `herald history`)");
        }
    }
    if skipped > 0 {
        tell_daemon(&ws)?;
    }
    Ok(())
}

fn as_hold(t: &Target) -> Hold {
    Hold {
        event: t.event.clone(),
        rule: t.rule.clone().unwrap_or_else(|| "*".to_string()),
        channel: t.channel.clone().unwrap_or_else(|| "*".to_string()),
        since: Utc::now(),
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

/// The workspace and ledger, once the names are known to be real ones.
fn open(path: &Path, t: &Target) -> anyhow::Result<(Workspace, Ledger)> {
    let ws = super::load(path)?;
    if ws.event(&t.event).is_none() {
        return Err(Exit::bad_input(super::suggest::unknown(
            "event",
            &t.event,
            ws.events.iter().map(|e| e.id.as_str()),
        )));
    }
    if let Some(rule) = &t.rule
        && !ws.config.rules.iter().any(|r| &r.name == rule)
    {
        return Err(Exit::bad_input(super::suggest::unknown(
            "rule",
            rule,
            ws.config.rules.iter().map(|r| r.name.as_str()),
        )));
    }
    if let Some(ch) = &t.channel
        && ws.config.channel(ch).is_none()
    {
        return Err(Exit::bad_input(super::suggest::unknown(
            "channel",
            ch,
            ws.config.channels.iter().map(|c| c.name.as_str()),
        )));
    }
    let ledger = Ledger::open_target(&ws.config.ledger_target()?)?;
    Ok((ws, ledger))
}

/// A running daemon looks at its held deliveries again.
fn tell_daemon(ws: &Workspace) -> anyhow::Result<()> {
    let Some(addr) = ws.config.local_listen() else {
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let token = crate::daemon::admin::client_token(&ws.config);
    match runtime.block_on(crate::channels::poke_holds(addr, token.as_ref())) {
        Ok(true) => eprintln!("the running daemon at {addr} applies it now"),
        Ok(false) => {}
        Err(why) => eprintln!("warning: {why}; the daemon applies it at its next start"),
    }
    Ok(())
}
