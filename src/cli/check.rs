//! `herald check`: report every problem in the config, events and templates — every render
//! error at its template line, every message a keyword-mode or size-limited robot would
//! refuse, and the silent traps as warnings — then exit 2 if any error (or, with `--strict`,
//! any warning).

mod cache;
mod load;
mod record;
mod refusals;
mod rendered;
mod renders;
mod traps;

use super::Exit;
use crate::config::Secrets;
use crate::daemon::Workspace;
use crate::model::{Event, Location, Problem};
use chrono::{DateTime, Utc};
use load::Entry;
use record::{Record, Summary};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct Args {
    /// Warnings fail the check too.
    pub strict: bool,
    /// Print every problem as JSON on stdout (for CI annotations).
    pub json: bool,
    /// Parse and render every event again, neither reading nor writing the cache.
    pub no_cache: bool,
}

/// What the files yielded: the problems, and the workspace checked with its events' count
/// (none when the config or the templates are broken).
struct Checked {
    problems: Vec<Problem>,
    workspace: Option<(Workspace, usize)>,
}

pub fn run(path: &Path, args: Args) -> anyhow::Result<()> {
    let checked = check(path, &args);
    let mut problems = checked.problems;
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
    let Some((ws, events)) = checked.workspace else {
        return Err(Exit::bad_input("the config could not be loaded"));
    };
    if !args.json {
        println!(
            "ok: {} event(s), {} channel(s), {} rule(s) in {}{}",
            events,
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

/// Every problem, each event file's own ones from the cache when it has that file's record
/// (see `record.rs`); the rest — duplicate ids, what depends on today, which event names a
/// render error several share, the rules' and channels' traps — found again every run.
fn check(path: &Path, args: &Args) -> Checked {
    let dir = (!args.no_cache).then(cache::dir).flatten();
    let mut cache = cache::Cache::open(dir, path);
    let Some(mut ws) = Workspace::load_frame(path, Secrets::Optional) else {
        // The config or the templates are broken: every problem of every file, no cache.
        let loaded = Workspace::load_with(path, Secrets::Optional);
        let workspace = loaded.workspace.map(|ws| {
            let n = ws.events.len();
            (ws, n)
        });
        return Checked {
            problems: loaded.problems,
            workspace,
        };
    };
    cache.bind(&ws);
    let entries = load::entries(&ws, &mut cache).unwrap_or_else(|p| vec![Entry::Unreadable(p)]);
    let mut problems = file_problems(&entries);
    let (summaries, duplicates) = summaries(&mut ws, entries, &mut cache);
    problems.extend(duplicates);
    cache.save(path);
    let now = ws.config.demo.map_or_else(Utc::now, |d| d.start);
    problems.extend(ws.config.missing_secrets.iter().map(|m| m.problem.clone()));
    problems.extend(render_problems(&ws, &summaries));
    problems.extend(summaries.iter().filter_map(|s| s.title.clone()));
    problems.extend(summaries.iter().filter_map(|s| s.cover.clone()));
    problems.extend(trap_problems(&ws, &summaries, now));
    let events = summaries.len();
    Checked {
        problems,
        workspace: Some((ws, events)),
    }
}

/// The problems of the files that do not parse or cannot be read, in file order.
fn file_problems(entries: &[Entry]) -> Vec<Problem> {
    let mut out = Vec::new();
    for entry in entries {
        match entry {
            Entry::Known(_, Record::Broken(ps)) => out.extend(ps.iter().cloned()),
            Entry::Unreadable(p) => out.push(p.clone()),
            _ => {}
        }
    }
    out
}

/// Events per thread below which one thread renders them all.
const EVENTS_PER_THREAD: usize = 200;

/// Every event's summary in file order — from the cache, or made now for the events parsed
/// this run (on every core; kept in the cache) — without the events whose id an earlier one
/// has, and the problem of each of those.
fn summaries(
    ws: &mut Workspace,
    entries: Vec<Entry>,
    cache: &mut cache::Cache,
) -> (Vec<Summary>, Vec<Problem>) {
    let mut first: HashMap<String, PathBuf> = HashMap::new();
    let mut duplicates = Vec::new();
    // Each event's summary, or its key while it is not made yet (the next of `ws.events`).
    let mut slots: Vec<Result<Summary, Option<String>>> = Vec::new();
    for entry in entries {
        let (file, id) = match &entry {
            Entry::Known(file, Record::Event(s)) => (file.clone(), s.id.clone()),
            Entry::Fresh(_, e) => (e.source.clone().unwrap_or_default(), e.id.clone()),
            _ => continue,
        };
        if let Some(earlier) = first.get(&id) {
            duplicates.push(crate::source::duplicate_id(&file, &id, earlier));
            continue;
        }
        first.insert(id, file);
        match entry {
            Entry::Known(_, Record::Event(s)) => slots.push(Ok(*s)),
            Entry::Fresh(key, event) => {
                slots.push(Err(key));
                ws.events.push(event);
            }
            _ => {}
        }
    }
    tracing::debug!(
        from_cache = slots.len() - ws.events.len(),
        rendered = ws.events.len(),
        "check: each event's own findings"
    );
    // One summary per event of `ws.events`, in their order.
    let mut fresh = summarize(ws).into_iter();
    let summaries = slots
        .into_iter()
        .filter_map(|slot| match slot {
            Ok(s) => Some(s),
            Err(key) => {
                let s = fresh.next()?;
                if let Some(key) = key {
                    cache.put(key, Record::Event(Box::new(s.clone())));
                }
                Some(s)
            }
        })
        .collect();
    (summaries, duplicates)
}

/// The summary of each of `ws`'s events, on every core, in their order.
fn summarize(ws: &Workspace) -> Vec<Summary> {
    if ws.events.is_empty() {
        return Vec::new();
    }
    let pairs = renders::shapes(ws);
    let picks = refusals::Picks::new(ws);
    crate::daemon::parallel::map(&ws.events, EVENTS_PER_THREAD, |event| {
        record::summarize(ws, &pairs, &picks, event)
    })
}

/// Every render error and refusal in event order, each distinct render error once — the
/// render pass's first.
fn render_problems(ws: &Workspace, summaries: &[Summary]) -> Vec<Problem> {
    let mut seen = renders::Seen::new();
    let mut out = renders::problems(ws, summaries.iter().flat_map(|s| &s.render), &mut seen);
    out.extend(refusals::problems(
        ws,
        summaries.iter().flat_map(|s| s.refusals.iter().cloned()),
        &mut seen,
    ));
    out
}

/// The traps: each event's own (an event already over by `now` among them), then the rules'
/// and the channels'.
fn trap_problems(ws: &Workspace, summaries: &[Summary], now: DateTime<Utc>) -> Vec<Problem> {
    let mut out = Vec::new();
    for s in summaries {
        out.extend(s.over.as_ref().and_then(|o| o.at(now)));
        out.extend(s.traps.iter().cloned());
    }
    let first_fold: Vec<Option<&str>> = (0..ws.config.rules.len())
        .map(|r| {
            summaries
                .iter()
                .find(|s| s.folds.contains(&r))
                .map(|s| s.id.as_str())
        })
        .collect();
    out.extend(traps::of_rules(ws, now, &first_fold));
    out
}

fn location(event: &Event) -> Location {
    Location::file(event.source.clone().unwrap_or_default())
}

/// A title pasted with its page prefix (`【活动回顾】…`) would read `【活动预告】【活动回顾】…`.
fn title_with_prefix(e: &Event) -> Option<Problem> {
    let label = crate::render::label_prefix(&e.title)?;
    Some(
        Problem::warning(
            traps::field_location(e, "title"),
            format!(
                "field `title`: already starts with the label `{label}`, and every message adds its own (`{}`)",
                e.title
            ),
        )
        .with_hint("remove the label from the title"),
    )
}

/// A cover relative to the site (`/img/cover.jpg`) needs `[herald].site`.
fn cover_without_site(ws: &Workspace, e: &Event) -> Option<Problem> {
    if ws.config.site.is_some() || !e.cover.as_deref().is_some_and(|c| c.starts_with('/')) {
        return None;
    }
    Some(
        Problem::warning(
            traps::field_location(e, "cover"),
            "field `cover`: is relative, and no `[herald].site` says to what; cards go without it",
        )
        .with_hint("set `site` in herald.toml or give a full URL"),
    )
}
