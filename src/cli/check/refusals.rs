//! `check` runs the send path's checks (keywords, byte limits, links a card leaves out) on
//! what each rule would send each event's channels. At 10,000 events × 2,000 channels that
//! would be 100 M checks, so channels are grouped once per rule and target list: by
//! (platform, format), where one rendered message serves them all, and within that into sets
//! the checks treat alike ([`channels::check_key`]); each set is checked once, and only a set
//! that fails is checked channel by channel, so every refused channel is still named.

use super::rendered::Rendered;
use super::renders;
use crate::channels;
use crate::daemon::Workspace;
use crate::model::{ChannelSpec, Event, Format, Message, Platform, Problem, Rule};
use crate::render::RenderError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A channel and its position in the config (problems keep the config's channel order).
type Indexed<'a> = (usize, &'a ChannelSpec);

/// The channels of one (platform, format) a rule picks for an event.
struct Shape<'a> {
    platform: Platform,
    format: Format,
    /// All of them, in config order.
    channels: Vec<Indexed<'a>>,
    /// The same channels, in sets that pass or fail the checks alike.
    sets: Vec<Vec<Indexed<'a>>>,
}

/// What the checks found at one rule's moment: a problem, or a render error (reported once,
/// like those of [`renders::problems`], at the shape's first channel).
#[derive(Clone, Serialize, Deserialize)]
pub enum Found {
    Problem(Problem),
    Failed(renders::Failed),
}

/// The channels each rule picks for each target list the events give, grouped into shapes
/// once for all events.
pub struct Picks<'a>(HashMap<(usize, &'a [String]), Vec<Shape<'a>>>);

impl<'a> Picks<'a> {
    pub fn new(ws: &'a Workspace) -> Picks<'a> {
        let channels = &ws.config.channels;
        let mut picks = HashMap::new();
        for event in &ws.events {
            for (r, rule) in ws.config.rules.iter().enumerate() {
                picks
                    .entry((r, event.targets.as_slice()))
                    .or_insert_with(|| {
                        shapes_of(crate::plan::targets(rule, event, channels), channels)
                    });
            }
        }
        Picks(picks)
    }
}

/// What the send path's checks find for `event` at each rule's own moment: refusals are
/// errors; every link a card format would leave out is a warning. Each rule's findings come
/// in config order of the channels, as if checked one after another.
pub fn found(ws: &Workspace, picks: &Picks, r: &mut Rendered) -> Vec<Found> {
    let event = r.event();
    let mut out = Vec::new();
    for (i, rule) in ws.config.rules.iter().enumerate() {
        let Some((due, _)) = crate::plan::schedule(rule, event) else {
            continue;
        };
        let Some(picked) = picks.0.get(&(i, event.targets.as_slice())) else {
            continue;
        };
        let mut found: Vec<(usize, u8, Found)> = Vec::new();
        for shape in picked {
            match r.get(rule.kind, (shape.platform, shape.format), due, false) {
                Ok(m) => found.extend(checked(event, rule, shape, m)),
                Err(error) => found.push(render_error(rule, shape, error.clone())),
            }
        }
        found.sort_by_key(|(i, order, _)| (*i, *order));
        out.extend(found.into_iter().map(|(_, _, f)| f));
    }
    out
}

/// The problems of what [`found`] found, each render error reported once.
pub fn problems(
    ws: &Workspace,
    found: impl IntoIterator<Item = Found>,
    seen: &mut renders::Seen,
) -> Vec<Problem> {
    found
        .into_iter()
        .filter_map(|f| match f {
            Found::Problem(p) => Some(p),
            Found::Failed(f) => renders::report(ws, seen, &f),
        })
        .collect()
}

/// Group `picked` by (platform, format) in order of first appearance, then into check sets.
fn shapes_of<'a>(picked: Vec<&'a ChannelSpec>, all: &'a [ChannelSpec]) -> Vec<Shape<'a>> {
    let mut shapes: Vec<Shape<'a>> = Vec::new();
    let mut sets: HashMap<(usize, _), usize> = HashMap::new();
    // `picked` is a subsequence of `all`, in order: walk both for each channel's position.
    let mut positions = all.iter().enumerate();
    for ch in picked {
        let index = positions
            .find(|(_, c)| std::ptr::eq(*c, ch))
            .map_or(0, |(i, _)| i);
        let s = match shapes
            .iter()
            .position(|s| (s.platform, s.format) == (ch.platform, ch.format))
        {
            Some(s) => s,
            None => {
                shapes.push(Shape {
                    platform: ch.platform,
                    format: ch.format,
                    channels: Vec::new(),
                    sets: Vec::new(),
                });
                shapes.len() - 1
            }
        };
        let shape = &mut shapes[s];
        shape.channels.push((index, ch));
        let next = shape.sets.len();
        let set = *sets.entry((s, channels::check_key(ch))).or_insert(next);
        if set == next {
            shape.sets.push(Vec::new());
        }
        shape.sets[set].push((index, ch));
    }
    shapes
}

/// The send path's checks on `m` for every channel of `shape`: (config position, order
/// within the channel, problem).
fn checked(event: &Event, rule: &Rule, shape: &Shape, m: &Message) -> Vec<(usize, u8, Found)> {
    let mut found = Vec::new();
    for set in &shape.sets {
        if channels::check_message(set[0].1, m).is_ok() {
            continue;
        }
        for &(i, ch) in set {
            if let Err(e) = channels::check_message(ch, m) {
                found.push((i, 1, Found::Problem(refusal(event, rule, &e))));
            }
        }
    }
    if !m.dropped.is_empty() {
        let names: Vec<&str> = m.dropped.iter().map(|l| l.title.as_str()).collect();
        for &(i, ch) in &shape.channels {
            found.push((i, 2, Found::Problem(dropped(event, rule, ch, &names))));
        }
    }
    found
}

fn refusal(event: &Event, rule: &Rule, e: &channels::ChannelError) -> Problem {
    let hint = matches!(e, channels::ChannelError::Keyword { .. })
        .then_some("add a keyword to the event title or the template");
    let problem = Problem::new(
        super::location(event),
        format!("rule `{}` ({}): {e}", rule.name, rule.kind),
    );
    match hint {
        Some(h) => problem.with_hint(h),
        None => problem,
    }
}

fn dropped(event: &Event, rule: &Rule, ch: &ChannelSpec, names: &[&str]) -> Problem {
    Problem::warning(
        super::location(event),
        format!(
            "rule `{}` ({}): channel `{}` ({}) cannot hold {} link(s): {}",
            rule.name,
            rule.kind,
            ch.name,
            ch.format,
            names.len(),
            names.join(", ")
        ),
    )
    .with_hint("use format = \"markdown\" for a channel where every link must reach the group")
}

/// A render error, to be reported at the shape's first channel unless it was reported already.
fn render_error(rule: &Rule, shape: &Shape, error: RenderError) -> (usize, u8, Found) {
    let first = shape.channels.first().map_or(0, |(i, _)| *i);
    let failed = renders::Failed {
        error,
        kind: rule.kind,
        platform: shape.platform,
        format: shape.format,
    };
    (first, 0, Found::Failed(failed))
}
