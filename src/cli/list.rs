//! `herald list [--json]`: the events, soonest first.

use crate::model::Event;
use std::path::Path;

pub fn run(path: &Path, json: bool) -> anyhow::Result<()> {
    let ws = super::load(path)?;
    let mut events: Vec<&Event> = ws.events.iter().collect();
    events.sort_by_key(|e| e.start);
    if json {
        println!("{}", serde_json::to_string_pretty(&events)?);
        return Ok(());
    }
    for e in events {
        println!(
            "{:<36} {}  {:<9} {:<8} {}",
            e.id,
            e.start.format("%Y-%m-%d %H:%M %Z"),
            format!("{:?}", e.status).to_lowercase(),
            format!("{:?}", e.format).to_lowercase(),
            e.title
        );
    }
    Ok(())
}
