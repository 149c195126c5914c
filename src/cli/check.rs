//! `herald check`: report every problem in the config, events and templates — and every
//! message a keyword-mode or size-limited robot would refuse — then exit 2 if any.

use super::Exit;
use crate::channels;
use crate::daemon::Workspace;
use crate::model::{Event, Location, Problem};
use crate::render::RenderRequest;
use std::collections::HashMap;
use std::path::Path;

pub fn run(path: &Path) -> anyhow::Result<()> {
    let loaded = Workspace::load(path);
    let mut problems = loaded.problems;
    let mut warnings = Vec::new();
    if let Some(ws) = &loaded.workspace {
        let (refused, lost) = refused_messages(ws);
        problems.extend(refused);
        warnings.extend(titles_with_prefix(ws));
        warnings.extend(covers_without_site(ws));
        warnings.extend(lost);
    }
    for w in &warnings {
        eprintln!("warning: {w}");
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

fn location(event: &Event) -> Location {
    Location::file(event.source.clone().unwrap_or_default())
}

/// A title pasted with its page prefix (`【活动回顾】…`) would read `【活动预告】【活动回顾】…`.
fn titles_with_prefix(ws: &Workspace) -> Vec<Problem> {
    ws.events
        .iter()
        .filter(|e| e.title.starts_with('【') && e.title.contains('】'))
        .map(|e| {
            Problem::new(
                location(e),
                format!(
                    "field `title`: already starts with a 【…】 label, and every message adds its own (`{}`)",
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
            Problem::new(
                location(e),
                "field `cover`: is relative, and no `[herald].site` says to what; cards go without it",
            )
            .with_hint("set `site` in herald.toml or give a full URL")
        })
        .collect()
}

/// A channel whose messages are worth rendering in `check`: a keyword robot (it refuses a
/// message without its keyword) or a card format (which may leave links out, and whose text
/// is clipped to the card). Markdown and text parts fit their limits by construction (the
/// split leaves room for the JSON envelope), and rendering every event for them would cost
/// seconds on a thousand events.
fn could_refuse_or_drop(ch: &crate::model::ChannelSpec) -> bool {
    ch.platform != crate::model::Platform::Console
        && (!ch.keywords.is_empty() || ch.format.is_card())
}

/// Render what each rule would send each event's channels and run the send path's checks (keywords, byte limits) on it; also name every link a
/// card format would leave out. Returns (refusals, lost links).
fn refused_messages(ws: &Workspace) -> (Vec<Problem>, Vec<Problem>) {
    let (mut problems, mut lost) = (Vec::new(), Vec::new());
    for event in &ws.events {
        for rule in &ws.config.rules {
            let Some((due, _)) = crate::plan::schedule(rule, event) else {
                continue;
            };
            let mut rendered = HashMap::new();
            for ch in crate::plan::targets(rule, event, &ws.config.channels)
                .into_iter()
                .filter(|c| could_refuse_or_drop(c))
            {
                let message = rendered.entry((ch.platform, ch.format)).or_insert_with(|| {
                    let req = RenderRequest {
                        event,
                        kind: rule.kind,
                        platform: ch.platform,
                        format: ch.format,
                        now: due,
                        changes: &[],
                        digest: std::slice::from_ref(event),
                    };
                    ws.renderer.render(&req).map_err(|e| e.to_string())
                });
                let verdict = match message {
                    Err(why) => Err((why.clone(), None)),
                    Ok(m) => channels::check_message(ch, m).map_err(|e| {
                        let hint = matches!(e, channels::ChannelError::Keyword { .. })
                            .then_some("add a keyword to the event title or the template");
                        (e.to_string(), hint)
                    }),
                };
                if let Err((why, hint)) = verdict {
                    let problem = Problem::new(
                        location(event),
                        format!("rule `{}` ({}): {why}", rule.name, rule.kind),
                    );
                    problems.push(match hint {
                        Some(h) => problem.with_hint(h),
                        None => problem,
                    });
                }
                if let Ok(m) = message
                    && !m.dropped.is_empty()
                {
                    let names: Vec<&str> = m.dropped.iter().map(|l| l.title.as_str()).collect();
                    lost.push(
                        Problem::new(
                            location(event),
                            format!(
                                "rule `{}` ({}): channel `{}` ({}) cannot hold {} link(s): {}",
                                rule.name,
                                rule.kind,
                                ch.name,
                                ch.format,
                                names.len(),
                                names.join("、")
                            ),
                        )
                        .with_hint("use format = \"markdown\" for a channel where every link must reach the group"),
                    );
                }
            }
        }
    }
    (problems, lost)
}
