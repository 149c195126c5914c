//! `herald check`: report every problem in the config, events and templates — every render
//! error at its template line, every message a keyword-mode or size-limited robot would
//! refuse, and the silent traps as warnings — then exit 2 if any error (or, with `--strict`,
//! any warning).

mod cache;
mod refusals;
mod rendered;
mod renders;
mod traps;

use super::Exit;
use crate::config::Secrets;
use crate::daemon::Workspace;
use crate::model::{Event, Location, Problem};
use chrono::Utc;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct Args {
    /// Warnings fail the check too.
    pub strict: bool,
    /// Print every problem as JSON on stdout (for CI annotations).
    pub json: bool,
    /// Render every event again, neither reading nor writing the cache.
    pub no_cache: bool,
}

pub fn run(path: &Path, args: Args) -> anyhow::Result<()> {
    let mut cache = cache::Cache::open((!args.no_cache).then(cache::dir).flatten(), path);
    let (loaded, digests) = Workspace::load_seen(path, Secrets::Optional, cache::digest);
    let mut problems = loaded.problems;
    if let Some(ws) = &loaded.workspace {
        let now = ws.config.demo.map_or_else(Utc::now, |d| d.start);
        problems.extend(ws.config.missing_secrets.iter().map(|m| m.problem.clone()));
        cache.bind(ws);
        problems.extend(render_problems(ws, &digests, &mut cache));
        cache.save(path);
        problems.extend(titles_with_prefix(ws));
        problems.extend(covers_without_site(ws));
        problems.extend(traps::problems(ws, now));
    }
    // Warnings first, then errors: the last lines on a terminal are what must be fixed.
    problems.sort_by_key(|p| !p.is_warning());
    let warnings = problems.iter().filter(|p| p.is_warning()).count();
    let errors = problems.len() - warnings;
    if args.json {
        let report = serde_json::json!({
            "errors": errors,
            "warnings": warnings,
            "problems": problems,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for p in &problems {
            eprintln!("{p}");
        }
    }
    if errors > 0 || (args.strict && warnings > 0) {
        let what = if errors > 0 {
            format!("{errors} problem(s) found")
        } else {
            format!("{warnings} warning(s) found (--strict)")
        };
        return Err(Exit::bad_input(what));
    }
    let Some(ws) = loaded.workspace else {
        return Err(Exit::bad_input("the config could not be loaded"));
    };
    if !args.json {
        println!(
            "ok: {} event(s), {} channel(s), {} rule(s) in {}{}",
            ws.events.len(),
            ws.config.channels.len(),
            ws.config.rules.len(),
            ws.config.path.display(),
            if warnings > 0 {
                format!(" ({warnings} warning(s))")
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

/// Events per thread below which one thread renders them all.
const EVENTS_PER_THREAD: usize = 200;

/// Every render error and refusal: each event's own findings from the cache, or rendered
/// (the events not in it, on every core), then reported in event order, each distinct
/// render error once — the render pass's first.
fn render_problems(
    ws: &Workspace,
    digests: &[(PathBuf, cache::Digest)],
    cache: &mut cache::Cache,
) -> Vec<Problem> {
    let digests: HashMap<&Path, &cache::Digest> =
        digests.iter().map(|(p, d)| (p.as_path(), d)).collect();
    let keys: Vec<Option<String>> = ws
        .events
        .iter()
        .map(|e| {
            let file = e.source.as_deref()?;
            cache.key(file, digests.get(file)?)
        })
        .collect();
    let mut findings: Vec<Option<cache::Findings>> = keys
        .iter()
        .map(|k| k.as_deref().and_then(|k| cache.get(k)))
        .collect();
    let todo: Vec<&Event> = ws
        .events
        .iter()
        .zip(&findings)
        .filter_map(|(e, f)| f.is_none().then_some(e))
        .collect();
    tracing::debug!(
        from_cache = ws.events.len() - todo.len(),
        rendered = todo.len(),
        "check: each event's own findings"
    );
    let mut fresh = own_findings(ws, &todo).into_iter();
    for (f, key) in findings.iter_mut().zip(keys) {
        if f.is_none() {
            let found = fresh.next().expect("one finding per event rendered");
            if let Some(key) = key {
                cache.put(key, found.clone());
            }
            *f = Some(found);
        }
    }
    let findings: Vec<cache::Findings> = findings.into_iter().flatten().collect();
    let mut seen = renders::Seen::new();
    let mut out = renders::problems(ws, findings.iter().flat_map(|f| &f.render), &mut seen);
    out.extend(refusals::problems(
        ws,
        findings.into_iter().flat_map(|f| f.refusals),
        &mut seen,
    ));
    out
}

/// What rendering `events` finds for each on its own, on every core, in their order.
fn own_findings(ws: &Workspace, events: &[&Event]) -> Vec<cache::Findings> {
    if events.is_empty() {
        return Vec::new();
    }
    let pairs = renders::shapes(ws);
    let picks = refusals::Picks::new(ws);
    crate::daemon::parallel::map(events, EVENTS_PER_THREAD, |event| {
        let mut rendered = rendered::Rendered::new(ws, event);
        cache::Findings {
            render: renders::failures(ws, &pairs, &mut rendered),
            refusals: refusals::found(ws, &picks, &mut rendered),
        }
    })
}

fn location(event: &Event) -> Location {
    Location::file(event.source.clone().unwrap_or_default())
}

/// A title pasted with its page prefix (`【活动回顾】…`) would read `【活动预告】【活动回顾】…`.
fn titles_with_prefix(ws: &Workspace) -> Vec<Problem> {
    ws.events
        .iter()
        .filter_map(|e| Some((e, crate::render::label_prefix(&e.title)?)))
        .map(|(e, label)| {
            Problem::warning(
                traps::field_location(e, "title"),
                format!(
                    "field `title`: already starts with the label `{label}`, and every message adds its own (`{}`)",
                    e.title
                ),
            )
            .with_hint("remove the label from the title")
        })
        .collect()
}

/// A cover relative to the site (`/img/cover.jpg`) needs `[herald].site`.
fn covers_without_site(ws: &Workspace) -> Vec<Problem> {
    if ws.config.site.is_some() {
        return Vec::new();
    }
    ws.events
        .iter()
        .filter(|e| e.cover.as_deref().is_some_and(|c| c.starts_with('/')))
        .map(|e| {
            Problem::warning(
                traps::field_location(e, "cover"),
                "field `cover`: is relative, and no `[herald].site` says to what; cards go without it",
            )
            .with_hint("set `site` in herald.toml or give a full URL")
        })
        .collect()
}
