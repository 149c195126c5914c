//! `herald send EVENT --kind KIND [--channel NAME | --tag TAG]... [--dry-run] [--force]`: a
//! manual trigger through the same ledger as the daemon. It takes the place of the next
//! pending rule of that kind, so the daemon will not post it again; a second manual send is
//! refused unless `--force`.

use super::{Exit, exit};
use crate::channels::{ConsoleSink, Hub, HubSettings};
use crate::daemon::{Engine, Job, Metrics, Workspace};
use crate::ledger::Ledger;
use crate::model::{ChannelSpec, DeliveryKey, Event, MessageKind, SystemClock};
use crate::plan;
use chrono::{TimeDelta, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub struct Args {
    pub event: String,
    pub kind: MessageKind,
    pub channels: Vec<String>,
    pub tags: Vec<String>,
    pub dry_run: bool,
    pub force: bool,
}

pub fn run(path: &Path, args: Args) -> anyhow::Result<()> {
    let ws = super::load(path)?;
    let event = ws
        .event(&args.event)
        .ok_or_else(|| Exit::bad_input(format!("no event `{}` (see `herald list`)", args.event)))?
        .clone();
    let targets = targets(&ws, &event, &args)?;
    let ledger = Arc::new(Ledger::open(&ws.config.ledger_path)?);
    let mut by_rule: BTreeMap<String, Vec<ChannelSpec>> = BTreeMap::new();
    let mut refused = 0;
    for ch in targets {
        match rule_key(&ws, &ledger, &event, args.kind, &ch, args.force)? {
            Ok(rule) => by_rule.entry(rule).or_default().push(ch),
            Err(why) => {
                refused += 1;
                eprintln!("{}: {why}", ch.name);
            }
        }
    }
    if args.dry_run {
        return dry_run(&ws, &event, args.kind, &by_rule);
    }
    let failed = post(&ws, ledger, &event, args.kind, by_rule)?;
    match (failed, refused) {
        (0, 0) => Ok(()),
        (0, n) => Err(Exit::bad_input(format!(
            "{n} channel(s) already had this message; use --force to send it again"
        ))),
        (n, _) => Err(Exit {
            code: exit::SEND_FAILED,
            message: format!("{n} channel(s) not delivered"),
        }
        .into()),
    }
}

/// Channels named with --channel/--tag, else those the rules of this kind pick for the event.
fn targets(ws: &Workspace, event: &Event, args: &Args) -> anyhow::Result<Vec<ChannelSpec>> {
    let channels = &ws.config.channels;
    if args.channels.is_empty() && args.tags.is_empty() {
        let mut picked: Vec<ChannelSpec> = Vec::new();
        for rule in ws.config.rules.iter().filter(|r| r.kind == args.kind) {
            for ch in plan::targets(rule, event, channels) {
                if !picked.iter().any(|p| p.name == ch.name) {
                    picked.push(ch.clone());
                }
            }
        }
        if picked.is_empty() {
            return Err(Exit::bad_input(format!(
                "no rule of kind {} picks a channel for `{}`; name one with --channel or --tag",
                args.kind, event.id
            )));
        }
        return Ok(picked);
    }
    for name in &args.channels {
        if !channels.iter().any(|c| &c.name == name) {
            return Err(Exit::bad_input(format!(
                "no channel `{name}` in the config"
            )));
        }
    }
    Ok(channels
        .iter()
        .filter(|c| args.channels.contains(&c.name) || args.tags.iter().any(|t| c.tags.contains(t)))
        .cloned()
        .collect())
}

/// The ledger rule for a manual send to `ch`: the first rule of this kind still pending for
/// it (so the daemon will not post it again), or `manual:KIND` when no rule sends this kind.
/// `Err` when it was already sent, unless `force`.
fn rule_key(
    ws: &Workspace,
    ledger: &Ledger,
    event: &Event,
    kind: MessageKind,
    ch: &ChannelSpec,
    force: bool,
) -> anyhow::Result<Result<String, String>> {
    if force {
        return Ok(Ok(format!(
            "manual:{kind}:{}",
            Utc::now().timestamp_millis()
        )));
    }
    let key = |rule: &str| DeliveryKey {
        event: event.id.clone(),
        rule: rule.to_string(),
        channel: ch.name.clone(),
    };
    let manual = format!("manual:{kind}");
    if ledger.done(&key(&manual))? {
        return Ok(Err(already(&[manual])));
    }
    let rules = ws.config.rules.iter().filter(|r| {
        r.kind == kind
            && plan::targets(r, event, &ws.config.channels)
                .iter()
                .any(|c| c.name == ch.name)
    });
    let mut done = Vec::new();
    for rule in rules {
        if !ledger.done(&key(&rule.name))? {
            return Ok(Ok(rule.name.clone()));
        }
        done.push(rule.name.clone());
    }
    Ok(if done.is_empty() {
        Ok(manual)
    } else {
        Err(already(&done))
    })
}

fn already(done: &[String]) -> String {
    format!(
        "already sent (ledger: {}); use --force to send again",
        done.join(", ")
    )
}

fn dry_run(
    ws: &Workspace,
    event: &Event,
    kind: MessageKind,
    by_rule: &BTreeMap<String, Vec<ChannelSpec>>,
) -> anyhow::Result<()> {
    for (rule, channels) in by_rule {
        for ch in channels {
            let req = crate::render::RenderRequest {
                event,
                kind,
                platform: ch.platform,
                format: ch.format,
                now: Utc::now(),
                changes: &[],
                digest: std::slice::from_ref(event),
            };
            let message = ws.renderer.render(&req)?;
            let verdict = crate::channels::check_message(ch, &message)
                .err()
                .map_or_else(|| "ok".to_string(), |e| e.to_string());
            println!(
                "would send {} part(s) to {} as {}/{}/{} (check: {verdict})",
                message.parts.len(),
                ch.name,
                event.id,
                rule,
                ch.name
            );
        }
    }
    Ok(())
}

/// Post through the shared engine; returns how many channels were not delivered.
fn post(
    ws: &Workspace,
    ledger: Arc<Ledger>,
    event: &Event,
    kind: MessageKind,
    by_rule: BTreeMap<String, Vec<ChannelSpec>>,
) -> anyhow::Result<usize> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let hub = Hub::new(
            ws.config.channels.clone(),
            HubSettings::default(),
            ConsoleSink::new(Box::new(std::io::stdout())),
        )?;
        let engine = Arc::new(Engine::new(
            hub,
            ledger,
            Arc::new(SystemClock),
            Arc::new(Metrics::default()),
            "cli",
        ));
        let mut failed = 0;
        for (rule, channels) in by_rule {
            let now = Utc::now();
            let job = Job {
                key_event: event.id.clone(),
                event: Arc::new(event.clone()),
                kind,
                rule,
                due: now,
                deadline: now + TimeDelta::minutes(10),
                changes: Vec::new(),
                digest: Vec::new(),
            };
            for report in engine.deliver(&ws.renderer, Arc::new(job), channels).await {
                let verdict = report
                    .outcome
                    .as_ref()
                    .map_or_else(|| "-".to_string(), ToString::to_string);
                println!(
                    "{}: {}/{} part(s) sent; {verdict}{}",
                    report.channel,
                    report.parts_sent,
                    report.parts_total,
                    report
                        .note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                );
                failed += usize::from(!report.delivered());
            }
        }
        Ok(failed)
    })
}
