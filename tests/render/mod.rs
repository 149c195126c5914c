//! Integration tests: rendered messages. Reviewed insta snapshots for every fixture × kind ×
//! platform, and the fact-survival test against the corpus facts.

mod cards;
mod facts;
mod links;
mod snapshots;
mod words;

use herald::model::{Event, Format, Message, MessageKind, Platform};
use herald::render::{RenderRequest, Renderer};
use herald::source::parse_event;
use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every corpus fixture and shipped sample, by id.
pub fn fixtures() -> Vec<Event> {
    let mut files: Vec<PathBuf> = ["tests/fixtures/events", "tests/fixtures/shipped/events"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            parse_event(
                p,
                &std::fs::read_to_string(p).unwrap(),
                herald::model::Zone::SHANGHAI,
            )
            .unwrap()
        })
        .collect()
}

pub fn event(id: &str) -> Event {
    fixtures()
        .into_iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no fixture {id}"))
}

/// Render as the default rules would send it: announce a week before, remind the day
/// before, recap the day after.
pub fn render(event: &Event, kind: MessageKind, platform: Platform) -> Message {
    render_as(event, kind, platform, platform.default_format())
}

/// As `render`, in the given format.
pub fn render_as(event: &Event, kind: MessageKind, platform: Platform, format: Format) -> Message {
    let start = event.start.to_utc();
    let now = match kind {
        MessageKind::Remind => start - chrono::TimeDelta::hours(27),
        MessageKind::Recap => event.end.to_utc() + chrono::TimeDelta::hours(20),
        _ => start - chrono::TimeDelta::days(7),
    };
    let (start, end) = (event.start.fixed_offset(), event.end.fixed_offset());
    let week = chrono::TimeDelta::days(7);
    let changes = [
        herald::model::FieldChange::Time {
            old: (start - week, end - week),
            new: (start, end),
        },
        herald::model::FieldChange::Venue {
            old: Some("旧场地".into()),
            new: event.venue.clone(),
        },
    ];
    let req = RenderRequest {
        event,
        kind,
        platform,
        format,
        now,
        changes: if kind == MessageKind::Change {
            &changes
        } else {
            &[]
        },
        digest: std::slice::from_ref(event),
    };
    Renderer::new(None).unwrap().render(&req).unwrap()
}
