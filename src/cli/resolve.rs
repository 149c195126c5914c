//! `herald resolve ROW (--sent | --resend)`: a person settles a row that may have been posted
//! (ambiguous), having looked in the group. The decision is `daemon::settle` (shared with the
//! console's forms): `--sent` records it as posted; `--resend` reopens it and posts that
//! message to that channel once more, through the same path as `herald send` (the running
//! daemon when one listens), so the ledger's claim still guards it. `--resend` also retries a
//! row that failed.

use super::Exit;
use crate::daemon::settle::{self, How, SettleError, Settled};
use crate::ledger::Ledger;
use chrono::Utc;
use std::path::Path;

pub fn run(path: &Path, id: i64, sent: bool) -> anyhow::Result<()> {
    let ws = super::load_for_posting(path)?;
    let ledger = Ledger::open_target(&ws.config.ledger_target()?)?;
    let how = if sent { How::Sent } else { How::Resend };
    let settled = settle::settle(&ws, &ledger, id, how, Utc::now()).map_err(|e| match e {
        SettleError::Ledger(e) => e.into(),
        other => Exit::bad_input(other.to_string()),
    })?;
    drop(ledger);
    match settled {
        Settled::Sent(line) => {
            println!("{line}");
            Ok(())
        }
        Settled::Reopened { line, send } => {
            println!("{line}");
            super::send::run(
                path,
                super::send::Args {
                    event: send.event,
                    kind: send.kind,
                    channels: send.channels,
                    tags: send.tags,
                    dry_run: false,
                    force: send.force,
                    retry: false,
                },
            )
        }
    }
}
