//! `herald hold EVENT [--rule R] [--channel C]`, `herald release …`, `herald skip EVENT --rule R
//! [--channel C]`: an organizer's hand on what goes out, through `daemon::organizer` (the
//! same code path as the console's forms). Holds and skips are written to the ledger (so the
//! next start honours them) and a running daemon is told at once (`POST /holds`), so a
//! delivery it holds looks again.

use super::Exit;
use crate::daemon::Workspace;
use crate::daemon::organizer::{self, OrganizerError, Outcome};
use crate::ledger::Ledger;
use chrono::Utc;
use std::path::Path;

pub use organizer::Target;

pub fn hold(path: &Path, t: Target) -> anyhow::Result<()> {
    let (ws, ledger) = open(path, &t)?;
    report(&ws, organizer::hold(&ws, &ledger, &t, Utc::now()))
}

pub fn release(path: &Path, t: Target) -> anyhow::Result<()> {
    let (ws, ledger) = open(path, &t)?;
    report(&ws, organizer::release(&ws, &ledger, &t))
}

/// Record `skipped` for every channel the rule sends this event to (or the one named).
pub fn skip(path: &Path, t: Target) -> anyhow::Result<()> {
    let (ws, ledger) = open(path, &t)?;
    report(&ws, organizer::skip(&ws, &ledger, &t, Utc::now()))
}

/// Print what happened and tell a running daemon; a wrong name or nothing to do is bad input.
fn report(ws: &Workspace, outcome: Result<Outcome, OrganizerError>) -> anyhow::Result<()> {
    let outcome = outcome.map_err(bad_input)?;
    for line in &outcome.lines {
        println!("{line}");
    }
    if outcome.changed {
        tell_daemon(ws)?;
    }
    Ok(())
}

fn bad_input(e: OrganizerError) -> anyhow::Error {
    match e {
        OrganizerError::Unknown { what, name, known } => Exit::bad_input(super::suggest::unknown(
            what,
            &name,
            known.iter().map(String::as_str),
        )),
        OrganizerError::Ledger(e) => e.into(),
        other => Exit::bad_input(other.to_string()),
    }
}

/// The workspace and ledger, once the names are known to be real ones.
fn open(path: &Path, t: &Target) -> anyhow::Result<(Workspace, Ledger)> {
    let ws = super::load(path)?;
    organizer::check(&ws, t).map_err(bad_input)?;
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
