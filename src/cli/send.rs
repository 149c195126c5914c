//! `herald send EVENT --kind KIND [--channel NAME | --tag TAG]... [--dry-run] [--force]`: a
//! manual trigger through the same ledger as the daemon. It takes the place of the next
//! pending rule of that kind, so the daemon will not post it again; a second manual send is
//! refused unless `--force`. When a daemon answers on the configured `listen` address the send
//! is carried out by it, so it shares the daemon's per-robot rate budgets; otherwise here.

use super::{Exit, exit};
use crate::channels::Forwarded;
use crate::channels::{ConsoleSink, Hub, HubSettings};
use crate::daemon::manual;
use crate::daemon::{Engine, Health, Metrics, SendResult, Store, Workspace};
use crate::ledger::Ledger;
use crate::model::{ManualError, SendRequest, SystemClock};
use chrono::Utc;
use std::path::Path;
use std::sync::Arc;

pub struct Args {
    pub event: String,
    pub kind: crate::model::MessageKind,
    pub channels: Vec<String>,
    pub tags: Vec<String>,
    pub dry_run: bool,
    pub force: bool,
    /// Post again what failed (never what may have been posted: that needs `herald resolve`).
    pub retry: bool,
}

pub fn run(path: &Path, args: Args) -> anyhow::Result<()> {
    let ws = super::load(path)?;
    super::find_event(&ws, &args.event)?;
    for name in &args.channels {
        super::find_channel(&ws.config, name)?;
    }
    let req = SendRequest {
        event: args.event,
        kind: args.kind,
        channels: args.channels,
        tags: args.tags,
        force: args.force,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if args.retry && !args.dry_run {
        reopen_failed(&ws, &req)?;
    }
    if args.dry_run {
        let ledger = Ledger::open_target(&ws.config.ledger_target()?)?;
        let resolved = manual::resolve(&ws, &ledger, &req, Utc::now()).map_err(bad_request)?;
        for r in &resolved.refused {
            eprintln!("{}: {r}", r.channel);
        }
        return dry_run(&ws, &resolved);
    }
    let result = match ws.config.local_listen() {
        Some(addr) => match runtime.block_on(forward_saying_why(&ws, addr, &req)) {
            Forwarded::Done(result) => {
                eprintln!("sent by the running daemon at {addr} (its rate budgets apply)");
                result
            }
            Forwarded::Refused(e) => return Err(bad_request(e)),
            Forwarded::Failed(why) => {
                return Err(Exit {
                    code: exit::SEND_FAILED,
                    message: why,
                }
                .into());
            }
            Forwarded::NoDaemon => runtime.block_on(send_here(ws, &req))?,
        },
        None => runtime.block_on(send_here(ws, &req))?,
    };
    report(&result)
}

/// Hand the send to a daemon on `addr`; if it has not answered within a second, say what it
/// is waiting for and how long that can take (the slowest robot's rate budget), once.
async fn forward_saying_why(
    ws: &Workspace,
    addr: std::net::SocketAddr,
    req: &SendRequest,
) -> Forwarded<SendResult> {
    let token = crate::daemon::admin::client_token(&ws.config);
    let forward = crate::channels::forward_send(addr, req, token.as_ref());
    tokio::pin!(forward);
    tokio::select! {
        done = &mut forward => return done,
        () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
    }
    eprintln!("{}", budget_wait_note(ws, addr));
    forward.await
}

/// What a forwarded send waits for: each robot takes a message only as often as its rate
/// budget allows, so a send behind a fan-out waits its turn.
fn budget_wait_note(ws: &Workspace, addr: std::net::SocketAddr) -> String {
    let slowest = ws
        .config
        .channels
        .iter()
        .filter(|c| c.platform != crate::model::Platform::Console)
        .min_by_key(|c| c.per_minute.max(1));
    match slowest {
        Some(c) => format!(
            "waiting for the running daemon at {addr}: it posts when each robot's rate budget allows \
             (`{}`: {} a minute, one message every {:.0} s), after the posts queued before this one",
            c.name,
            c.per_minute.max(1),
            60.0 / f64::from(c.per_minute.max(1))
        ),
        None => format!("waiting for the running daemon at {addr} to post"),
    }
}

/// `--retry`: reopen this event's failed rows of this kind (on the channels asked for), so the
/// send that follows posts them once more. Ambiguous rows are left for `herald resolve`.
fn reopen_failed(ws: &Workspace, req: &SendRequest) -> anyhow::Result<()> {
    let ledger = Ledger::open_target(&ws.config.ledger_target()?)?;
    let named = |ch: &str| {
        (req.channels.is_empty() && req.tags.is_empty())
            || req.channels.iter().any(|c| c == ch)
            || ws
                .config
                .channel(ch)
                .is_some_and(|c| req.tags.iter().any(|t| c.tags.contains(t)))
    };
    let failed: Vec<_> = ledger
        .history(Some(&req.event))?
        .into_iter()
        .filter(|r| r.state == crate::ledger::State::Failed)
        .filter(|r| r.kind == req.kind.as_str() && named(&r.channel))
        .collect();
    if failed.is_empty() {
        return Err(Exit::bad_input(format!(
            "no failed {} of `{}` to retry (see `herald history {}`)",
            req.kind, req.event, req.event
        )));
    }
    for r in failed {
        ledger.reopen(r.id)?;
        eprintln!(
            "retrying {}/{}/{} part {} (failed: {})",
            r.event,
            r.rule,
            r.channel,
            r.part,
            r.errmsg.as_deref().unwrap_or("no reason recorded")
        );
    }
    Ok(())
}

fn bad_request(e: ManualError) -> anyhow::Error {
    match e {
        ManualError::Ledger(_) => anyhow::Error::new(e),
        other => Exit::bad_input(other.to_string()),
    }
}

/// No daemon is running: send from this process, through the same ledger.
async fn send_here(ws: Workspace, req: &SendRequest) -> anyhow::Result<SendResult> {
    require_secrets(&ws, req)?;
    let ledger = Arc::new(Ledger::open_target(&ws.config.ledger_target()?)?);
    let resolved = manual::resolve(&ws, &ledger, req, Utc::now()).map_err(bad_request)?;
    let hub = Hub::new(
        ws.config.channels.clone(),
        HubSettings::default(),
        ConsoleSink::new(Box::new(std::io::stdout())),
    )?;
    let store = Store::new(ledger, Arc::new(Health::default()));
    let engine = Arc::new(Engine::new(
        hub,
        store,
        Arc::new(SystemClock),
        Arc::new(Metrics::default()),
        "cli",
    ));
    Ok(manual::send(engine, Arc::new(ws), resolved).await)
}

/// Posting from here needs the secrets of every channel the request may pick (those it
/// names or tags, else all): refuse before anything is claimed, naming each one.
fn require_secrets(ws: &Workspace, req: &SendRequest) -> anyhow::Result<()> {
    let config = &ws.config;
    super::require_secrets(config, |name| {
        let named = req.channels.iter().any(|c| c == name);
        let tagged = config
            .channel(name)
            .is_some_and(|ch| req.tags.iter().any(|t| ch.tags.contains(t)));
        (req.channels.is_empty() && req.tags.is_empty()) || named || tagged
    })
}

/// Print one line per channel; exit 3 if any was not delivered, 2 if some were refused as
/// already sent.
fn report(result: &SendResult) -> anyhow::Result<()> {
    for r in &result.refused {
        eprintln!("{}: {r}", r.channel);
    }
    for line in &result.sent {
        println!(
            "{}: {}/{} part(s) sent; {}",
            line.channel, line.parts_sent, line.parts_total, line.outcome
        );
    }
    let failed = result.sent.iter().filter(|l| !l.delivered()).count();
    match (failed, result.refused.len()) {
        (0, 0) => Ok(()),
        (0, n) => Err(Exit::bad_input(format!(
            "{n} channel(s) refused: see the reasons above"
        ))),
        (n, _) => Err(Exit {
            code: exit::SEND_FAILED,
            message: format!("{n} channel(s) not delivered"),
        }
        .into()),
    }
}

fn dry_run(ws: &Workspace, resolved: &manual::Resolved) -> anyhow::Result<()> {
    let event = &resolved.event;
    for (origin, channels) in &resolved.by_origin {
        for ch in channels {
            let req = crate::render::RenderRequest {
                event,
                kind: resolved.subject.kind(),
                platform: ch.platform,
                format: ch.format,
                now: Utc::now(),
                changes: resolved.subject.changes(),
                digest: std::slice::from_ref(event),
            };
            let message = ws.renderer.render(&req)?;
            let verdict = crate::channels::check_message(ch, &message)
                .err()
                .map_or_else(|| "ok".to_string(), |e| e.to_string());
            let shape = if message.format == message.asked {
                message.format.to_string()
            } else {
                format!(
                    "{} as {}: nothing to link to yet",
                    message.asked, message.format
                )
            };
            println!(
                "would send {} part(s) to {} as {} ({shape}; check: {verdict})",
                message.parts.len(),
                ch.name,
                crate::model::DeliveryKey::new(&resolved.subject, origin, &ch.name),
            );
            for link in &message.dropped {
                println!("  the card leaves out {} → {}", link.title, link.url);
            }
        }
    }
    Ok(())
}
