//! `herald resolve ROW (--sent | --resend)`: a person settles a row that may have been posted
//! (ambiguous), having looked in the group. `--sent` records it as posted; `--resend` reopens
//! it and posts that message to that channel once more, through the same path as
//! `herald send` (the running daemon when one listens), so the ledger's claim still guards it.
//! `--resend` also retries a row that failed.

use super::Exit;
use crate::ledger::{Ledger, State};
use chrono::Utc;
use std::path::Path;

pub fn run(path: &Path, id: i64, sent: bool) -> anyhow::Result<()> {
    let ws = super::load_for_posting(path)?;
    let ledger = Ledger::open_target(&ws.config.ledger_target()?)?;
    let row = ledger.row_by_id(id)?.ok_or_else(|| {
        Exit::bad_input(format!("no row {id} in the ledger (see `herald history`)"))
    })?;
    let label = format!(
        "{}/{}/{} part {}",
        row.event, row.rule, row.channel, row.part
    );
    if sent {
        if row.state != State::Ambiguous {
            return Err(Exit::bad_input(format!(
                "row {id} ({label}) is {}, not ambiguous: nothing to settle",
                row.state.as_str()
            )));
        }
        ledger.resolve_sent(id, Utc::now())?;
        println!("row {id} ({label}) recorded as sent");
        return Ok(());
    }
    if !matches!(row.state, State::Ambiguous | State::Failed) {
        return Err(Exit::bad_input(format!(
            "row {id} ({label}) is {}; only ambiguous or failed rows are posted again",
            row.state.as_str()
        )));
    }
    let kind = row
        .kind
        .parse()
        .map_err(|e: String| Exit::bad_input(format!("row {id}: {e}")))?;
    if ws.event(&row.event).is_none() {
        return Err(Exit::bad_input(format!(
            "row {id} belongs to `{}`, which is not an event record; send it again with `herald send`",
            row.event
        )));
    }
    ledger.reopen(id)?;
    drop(ledger);
    println!("row {id} ({label}) reopened; posting it once more");
    super::send::run(
        path,
        super::send::Args {
            event: row.event,
            kind,
            channels: vec![row.channel],
            tags: Vec::new(),
            dry_run: false,
            force: false,
            retry: false,
        },
    )
}
