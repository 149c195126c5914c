//! `herald plan [--days N] [--from T] [--event E] [--channel C] [--state S] [--json]`: what
//! will happen, from the daemon's own planner joined with the ledger and the holds — each
//! (event, rule, channel) to come, late (and when it will go), held, skipped, sent, failed,
//! ambiguous or missed, and the change and cancel notices pending.

use crate::daemon::{PlanRow, PlanState, plan_view};
use crate::ledger::Ledger;
use crate::model::LedgerTarget;
use chrono::{DateTime, TimeDelta, Utc};
use std::path::Path;

pub struct Args {
    pub days: i64,
    pub from: Option<DateTime<Utc>>,
    pub event: Option<String>,
    pub channel: Option<String>,
    pub state: Option<String>,
    pub json: bool,
}

pub fn run(path: &Path, args: Args) -> anyhow::Result<()> {
    let ws = super::load(path)?;
    // In demo mode the demo clock starts at the demo start, and the daemon starts from an
    // empty demo ledger: the plan shows that run.
    let (now, ledger) = match ws.config.demo {
        Some(demo) => (demo.start, Ledger::open_in_memory()?),
        None => (Utc::now(), open_ledger(&ws.config.ledger_target()?)?),
    };
    let from = args.from.unwrap_or(now);
    let until = from + TimeDelta::days(args.days);
    let mut rows = plan_view(&ws, &ledger, now, from, until)?;
    rows.retain(|r| {
        args.event.as_ref().is_none_or(|e| &r.event == e)
            && args.channel.as_ref().is_none_or(|c| &r.channel == c)
            && args.state.as_ref().is_none_or(|s| r.state.as_str() == s)
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("nothing planned between {from} and {until}");
    }
    let zone = ws.config.zone;
    for line in group(&rows) {
        let when = line.at.map_or_else(
            || "-".to_string(),
            |t| {
                t.with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M %Z")
                    .to_string()
            },
        );
        println!(
            "{when}  {:<9} {:<8} {:<32} {:<20} → {}{}",
            line.state.as_str(),
            line.kind.as_str(),
            line.event,
            line.rule,
            line.channels.join(", "),
            line.detail
                .as_ref()
                .map(|d| format!("  ({d})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// A missing ledger is an empty one (nothing sent yet); never create it just to look.
fn open_ledger(target: &LedgerTarget) -> anyhow::Result<Ledger> {
    Ok(match target {
        LedgerTarget::Sqlite(path) if !path.exists() => Ledger::open_in_memory()?,
        target => Ledger::open_target(target)?,
    })
}

/// Rows of one (event, rule, state, time) share a line, with all their channels.
struct Line<'a> {
    at: Option<DateTime<Utc>>,
    state: &'a PlanState,
    kind: crate::model::MessageKind,
    event: &'a str,
    rule: &'a str,
    channels: Vec<&'a str>,
    detail: &'a Option<String>,
}

fn group(rows: &[PlanRow]) -> Vec<Line<'_>> {
    let mut out: Vec<Line<'_>> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(l)
                if l.event == r.event
                    && l.rule == r.rule
                    && *l.state == r.state
                    && l.at == r.at
                    && *l.detail == r.detail =>
            {
                l.channels.push(&r.channel)
            }
            _ => out.push(Line {
                at: r.at,
                state: &r.state,
                kind: r.kind,
                event: &r.event,
                rule: &r.rule,
                channels: vec![&r.channel],
                detail: &r.detail,
            }),
        }
    }
    out
}
