//! `herald plan [--days N] [--json]`: upcoming deliveries from the same pure planner the
//! daemon uses.

use crate::model::Delivery;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct Row {
    due: DateTime<Utc>,
    deadline: DateTime<Utc>,
    event: String,
    kind: String,
    rule: String,
    channels: Vec<String>,
}

pub fn run(path: &Path, days: i64, from: Option<DateTime<Utc>>, json: bool) -> anyhow::Result<()> {
    let ws = super::load(path)?;
    let from = from
        .or(ws.config.demo.map(|d| d.start))
        .unwrap_or_else(Utc::now);
    let until = from + TimeDelta::days(days);
    let deliveries = crate::plan::plan(
        &ws.events,
        &ws.config.rules,
        &ws.config.channels,
        from,
        until,
    );
    let rows = group(deliveries);
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("nothing due between {from} and {until}");
    }
    let zone = ws.config.zone;
    for r in rows {
        println!(
            "{}  (until {})  {:<8} {:<32} {:<20} → {}",
            r.due.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z"),
            r.deadline.with_timezone(&zone).format("%m-%d %H:%M"),
            r.kind,
            r.event,
            r.rule,
            r.channels.join(", ")
        );
    }
    Ok(())
}

/// One row per (event, rule, due) with all its channels.
fn group(deliveries: Vec<Delivery>) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for d in deliveries {
        match rows.last_mut() {
            Some(r) if r.event == d.key.event && r.rule == d.key.rule && r.due == d.due => {
                r.channels.push(d.key.channel)
            }
            _ => rows.push(Row {
                due: d.due,
                deadline: d.deadline,
                event: d.key.event,
                kind: d.kind.to_string(),
                rule: d.key.rule,
                channels: vec![d.key.channel],
            }),
        }
    }
    rows
}
