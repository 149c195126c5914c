//! `check` renders every event × kind × (platform, format) the config uses — and every
//! `{kind}.{platform}.j2` override — with strict undefined, so a typo such as
//! `{{ event.titel }}` is reported at its template line before a send records it as failed.

use super::rendered::Rendered;
use crate::daemon::Workspace;
use crate::model::{Event, Format, Location, MessageKind, Platform, Problem};
use crate::render::RenderError;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;

/// The render errors already reported: (template and line, error).
pub type Seen = HashSet<(Option<(String, usize)>, String)>;

/// A render that failed, with what was rendered.
#[derive(Clone, Serialize, Deserialize)]
pub struct Failed {
    pub error: RenderError,
    pub kind: MessageKind,
    pub platform: Platform,
    pub format: Format,
}

/// One event's render errors over every kind × `pairs` (see [`shapes`]), in that order. A
/// change or resume notice carries sample changes; the other kinds none, as every send of
/// them does.
pub fn failures(ws: &Workspace, pairs: &[(Platform, Format)], r: &mut Rendered) -> Vec<Failed> {
    let mut out = Vec::new();
    for kind in MessageKind::ALL {
        let notice = matches!(kind, MessageKind::Change | MessageKind::Resume);
        let now = moment(ws, r.event(), kind);
        for &pair in pairs {
            if let Err(error) = r.get(kind, pair, now, notice) {
                out.push(Failed {
                    error: error.clone(),
                    kind,
                    platform: pair.0,
                    format: pair.1,
                });
            }
        }
    }
    out
}

/// One problem per distinct (template, line, error), naming the first event that hits it.
pub fn problems<'a>(
    ws: &Workspace,
    failed: impl IntoIterator<Item = &'a Failed>,
    seen: &mut Seen,
) -> Vec<Problem> {
    failed
        .into_iter()
        .filter_map(|f| report(ws, seen, f))
        .collect()
}

/// The (platform, format) pairs channels use, plus each platform a `{kind}.{platform}.j2`
/// override names (in its usual format), so no override goes unrendered.
pub fn shapes(ws: &Workspace) -> Vec<(Platform, Format)> {
    let mut pairs: Vec<(Platform, Format)> = Vec::new();
    let mut add = |pair| {
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    };
    for ch in &ws.config.channels {
        add((ch.platform, ch.format));
    }
    for platform in override_platforms(ws) {
        add((platform, platform.default_format()));
    }
    pairs
}

fn override_platforms(ws: &Workspace) -> Vec<Platform> {
    let Ok(entries) = std::fs::read_dir(&ws.config.templates_dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".j2")?;
            let (_, platform) = stem.split_once('.')?;
            platform.parse::<Platform>().ok()
        })
        .collect()
}

/// The instant a message of `kind` is rendered at: the first rule's due time for the event,
/// or a day before the start when no rule sends that kind (manual sends, notices). (The
/// keyword and size checks render every rule's own moment; the first one's render is shared.)
fn moment(ws: &Workspace, event: &Event, kind: MessageKind) -> DateTime<Utc> {
    ws.config
        .rules
        .iter()
        .filter(|r| r.kind == kind)
        .find_map(|r| crate::plan::schedule(r, event).map(|(due, _)| due))
        .unwrap_or_else(|| event.start.to_utc() - TimeDelta::days(1))
}

/// The problem for a render error, unless the same error was reported already.
pub fn report(ws: &Workspace, seen: &mut Seen, f: &Failed) -> Option<Problem> {
    let e = &f.error;
    seen.insert((e.at.clone(), e.message.clone()))
        .then(|| problem(ws, f))
}

fn problem(ws: &Workspace, f: &Failed) -> Problem {
    let (e, kind, platform, format) = (&f.error, f.kind, f.platform, f.format);
    let what = format!(
        "render error for event `{}` ({kind}, {platform}/{format}): {}",
        e.event, e.message
    );
    let location = match &e.at {
        Some((template, line)) => Location {
            file: template_file(ws, template),
            line: *line,
            col: 0,
        },
        None => Location::file(template_file(ws, &e.template)),
    };
    let problem = Problem::new(location, what);
    if e.message.contains("undefined") {
        problem.with_hint("a name the context does not have: see README, Templates and rendering")
    } else {
        problem
    }
}

/// Where a template is: the override file if there is one, else the built-in's name.
fn template_file(ws: &Workspace, name: &str) -> PathBuf {
    let file = ws.config.templates_dir.join(format!("{name}.j2"));
    if file.is_file() {
        file
    } else {
        PathBuf::from(format!("<built-in>/{name}.j2"))
    }
}
