//! `herald history [EVENT] [--json]`: what went where, when, with the platform's verdict.

use crate::ledger::Ledger;
use std::path::Path;

pub fn run(path: &Path, event: Option<&str>, json: bool) -> anyhow::Result<()> {
    let config = crate::config::load(path).map_err(|ps| {
        super::Exit::bad_input(format!(
            "{} problem(s) in the config; run `herald check`",
            ps.len()
        ))
    })?;
    let ledger = Ledger::open(&config.active_ledger())?;
    let rows = ledger.history(event)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!(
            "no deliveries recorded in {}",
            config.active_ledger().display()
        );
    }
    for r in rows {
        let verdict = match (r.errcode, &r.errmsg) {
            (Some(code), Some(msg)) => format!(" errcode={code} {msg}"),
            (Some(code), None) => format!(" errcode={code}"),
            (None, Some(msg)) => format!(" {msg}"),
            (None, None) => String::new(),
        };
        let when = r.finished_at.unwrap_or(r.claimed_at);
        println!(
            "{}  {:<10} {}/{}/{} part {}/{} ({}, {} attempt(s), by {}){verdict}",
            when.with_timezone(&config.zone).format("%Y-%m-%d %H:%M:%S"),
            r.state.as_str(),
            r.event,
            r.rule,
            r.channel,
            r.part,
            r.parts_total,
            r.kind,
            r.attempts,
            r.claimed_by
        );
    }
    Ok(())
}
