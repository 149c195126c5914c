//! `herald preview EVENT --kind KIND --platform P`: exactly what a group would receive, part by
//! part with byte counts against the limit, the links a card carries and those it leaves out;
//! `--json`: the exact webhook request bodies; `--html FILE`: the console's event page.

use super::Exit;
use crate::channels;
use crate::model::{ChannelSpec, Format, MessageKind, Platform};
use crate::render::RenderRequest;
use chrono::{DateTime, Utc};
use std::path::Path;

pub struct Args {
    pub event: String,
    pub kind: MessageKind,
    pub platform: Option<Platform>,
    pub format: Option<String>,
    /// A configured channel: its platform, format and mentions.
    pub channel: Option<String>,
    pub now: Option<DateTime<Utc>>,
    pub json: bool,
}

pub fn run(path: &Path, args: Args) -> anyhow::Result<()> {
    let ws = super::load(path)?;
    let event = super::find_event(&ws, &args.event)?;
    let spec = match (&args.channel, args.platform) {
        (Some(name), _) => super::find_channel(&ws.config, name)?.clone(),
        (None, Some(platform)) => {
            let mut spec = ChannelSpec::console("preview");
            spec.platform = platform;
            spec.format = pick_format(platform, args.format.as_deref())?;
            spec
        }
        (None, None) => return Err(Exit::bad_input("give --platform or --channel")),
    };
    let (platform, format) = (spec.platform, spec.format);
    let now = args.now.unwrap_or_else(|| default_now(event, args.kind));
    let req = RenderRequest {
        event,
        kind: args.kind,
        platform,
        format,
        now,
        changes: &[],
        digest: std::slice::from_ref(event),
    };
    let message = ws
        .renderer
        .render(&req)
        .map_err(|e| Exit::bad_input(e.to_string()))?;
    if args.json {
        let bodies = (0..message.parts.len())
            .map(|i| channels::request_body(&spec, &message, i, now.timestamp_millis()))
            .collect::<Result<Vec<_>, _>>()?;
        println!("{}", serde_json::to_string_pretty(&bodies)?);
        return Ok(());
    }
    let posted = if message.format == message.asked {
        message.format.to_string()
    } else {
        format!(
            "{} as {} (the card has nothing to link to yet)",
            message.asked, message.format
        )
    };
    println!(
        "{} · {} · {} · {posted} · {} part(s) · title: {}",
        event.id,
        args.kind,
        platform,
        message.parts.len(),
        message.title
    );
    for link in &message.buttons {
        println!("link: {} → {}", link.title, link.url);
    }
    for link in &message.dropped {
        println!(
            "left out (the card cannot hold it): {} → {}",
            link.title, link.url
        );
    }
    for (i, part) in message.parts.iter().enumerate() {
        // Measured as the platform does (WeCom: the content; others: the request body).
        let (bytes, limit) = channels::measured_bytes(&spec, &message, i)?;
        println!(
            "\n── part {}/{} · {bytes} / {limit} bytes ──",
            part.index, part.total
        );
        println!("{}", part.body.plain());
    }
    Ok(())
}

/// `herald preview EVENT --html FILE`: the console's event page, offline.
pub fn write_html(path: &Path, event: &str, file: &Path) -> anyhow::Result<()> {
    let ws = super::load(path)?;
    let page = crate::daemon::console::event_page(&ws, event).map_err(|e| match e {
        crate::daemon::console::PageError::UnknownEvent(_) => Exit::bad_input(e.to_string()),
        other => anyhow::Error::new(other),
    })?;
    std::fs::write(file, page)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
    println!("wrote {}", file.display());
    Ok(())
}

fn pick_format(platform: Platform, given: Option<&str>) -> anyhow::Result<Format> {
    let Some(name) = given else {
        return Ok(platform.default_format());
    };
    platform
        .formats()
        .iter()
        .copied()
        .find(|f| f.as_str() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = platform.formats().iter().map(|f| f.as_str()).collect();
            Exit::bad_input(format!(
                "{platform} has no format `{name}` (expected one of {})",
                names.join(", ")
            ))
        })
}

/// A sensible send instant for a preview: a reminder the day before, a recap the day after,
/// anything else a week before.
fn default_now(event: &crate::model::Event, kind: MessageKind) -> DateTime<Utc> {
    let start = event.start.to_utc();
    match kind {
        MessageKind::Remind => start - chrono::TimeDelta::hours(27),
        MessageKind::Recap => event.end.to_utc() + chrono::TimeDelta::hours(20),
        _ => start - chrono::TimeDelta::days(7),
    }
}
