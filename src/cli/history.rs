//! `herald history [EVENT] [--unresolved] [--json]`: what went where, when, with the
//! platform's verdict and each row's id (for `herald resolve`).

use crate::ledger::Ledger;
use std::path::Path;

pub fn run(path: &Path, event: Option<&str>, unresolved: bool, json: bool) -> anyhow::Result<()> {
    let config =
        crate::config::load_with(path, crate::config::Secrets::Optional).map_err(|ps| {
            super::Exit::bad_input(format!(
                "{} problem(s) in the config; run `herald check`",
                ps.len()
            ))
        })?;
    super::warn_missing_secrets(&config);
    let ledger = Ledger::open_target(&config.ledger_target()?)?;
    let rows = if unresolved {
        let mut rows = ledger.unresolved()?;
        rows.retain(|r| event.is_none_or(|e| r.event == e));
        rows
    } else {
        ledger.history(event)?
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no deliveries recorded in {}", ledger.path().display());
    }
    for r in rows {
        let verdict = match (r.errcode, &r.errmsg) {
            (Some(code), Some(msg)) => format!(" errcode={code} {msg}"),
            (Some(code), None) => format!(" errcode={code}"),
            (None, Some(msg)) => format!(" {msg}"),
            (None, None) => String::new(),
        };
        let when = r.finished_at.unwrap_or(r.claimed_at);
        let advice = if r.state.may_have_posted() {
            format!(
                " — may have been posted: look in the group, then `herald resolve {} --sent` or `--resend`",
                r.id
            )
        } else {
            String::new()
        };
        println!(
            "{}  {:<10} {}/{}/{} part {}/{} ({}, {} attempt(s), by {}, row {}){verdict}{advice}",
            when.with_timezone(&config.zone)
                .format("%Y-%m-%d %H:%M:%S %:z"),
            r.state.as_str(),
            r.event,
            r.rule,
            r.channel,
            r.part,
            r.parts_total,
            r.kind,
            r.attempts,
            r.claimed_by,
            r.id
        );
    }
    Ok(())
}
