//! `herald check`: report every problem in the config, events and templates — and every
//! message a keyword-mode or size-limited robot would refuse — then exit 2 if any.

use super::Exit;
use crate::channels;
use crate::daemon::Workspace;
use crate::model::{Location, Problem};
use crate::render::RenderRequest;
use std::path::Path;

pub fn run(path: &Path) -> anyhow::Result<()> {
    let loaded = Workspace::load(path);
    let mut problems = loaded.problems;
    if let Some(ws) = &loaded.workspace {
        problems.extend(refused_messages(ws));
    }
    for p in &problems {
        eprintln!("{p}");
    }
    if !problems.is_empty() {
        return Err(Exit::bad_input(format!(
            "{} problem(s) found",
            problems.len()
        )));
    }
    let ws = loaded.workspace.expect("no problems means a workspace");
    println!(
        "ok: {} event(s), {} channel(s), {} rule(s) in {}",
        ws.events.len(),
        ws.config.channels.len(),
        ws.config.rules.len(),
        ws.config.path.display()
    );
    Ok(())
}

/// Render what each rule would send each event's channels and run the send path's checks
/// (keywords, byte limits) on it, for robots that can refuse a message.
fn refused_messages(ws: &Workspace) -> Vec<Problem> {
    let mut problems = Vec::new();
    let strict: Vec<_> = ws
        .config
        .channels
        .iter()
        .filter(|c| !c.keywords.is_empty())
        .cloned()
        .collect();
    if strict.is_empty() {
        return problems;
    }
    for event in &ws.events {
        for rule in &ws.config.rules {
            let Some((due, _)) = crate::plan::schedule(rule, event) else {
                continue;
            };
            // Only the strict channels matter: target them alone (not all channels per event).
            let targets = crate::plan::targets(rule, event, &strict);
            for ch in targets {
                let req = RenderRequest {
                    event,
                    kind: rule.kind,
                    platform: ch.platform,
                    format: ch.format,
                    now: due,
                    changes: &[],
                    digest: std::slice::from_ref(event),
                };
                let location = Location::file(event.source.clone().unwrap_or_default());
                let verdict = ws
                    .renderer
                    .render(&req)
                    .map_err(|e| e.to_string())
                    .and_then(|m| channels::check_message(ch, &m).map_err(|e| e.to_string()));
                if let Err(why) = verdict {
                    problems.push(
                        Problem::new(
                            location,
                            format!("rule `{}` ({}): {why}", rule.name, rule.kind),
                        )
                        .with_hint("add a keyword to the event title or the template"),
                    );
                }
            }
        }
    }
    problems
}
