//! `herald run`: wire the workspace, ledger, channels, scheduler, reload triggers and the
//! health/metrics server together, and run until SIGTERM/SIGINT.

use super::engine::Engine;
use super::scheduler::{Control, Loader, Scheduler};
use super::workspace::Workspace;
use super::{Health, Metrics, Store, admin, console, http, watch};
use crate::channels::{ConsoleSink, Hub, HubSettings};
use crate::ledger::Ledger;
use crate::model::{Clock, LedgerTarget, LocalTime, Problem, ScaledClock, SystemClock};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{Notify, mpsc};
use tracing::info;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("{} problem(s) in the config, events or templates; run `herald check`", .0.len())]
    Invalid(Vec<Problem>),
    #[error("ledger: {0}")]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    LedgerUnreadable(#[from] crate::config::LedgerUnreadable),
    /// Another replica may lead now; this one stopped posting (restart it to stand by).
    #[error("lost the leader lock, stopped so that only the new leader posts: {0}")]
    LostLeadership(crate::ledger::LedgerError),
    #[error("channels: {0}")]
    Channels(#[from] crate::channels::ChannelError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot prepare {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Options a test or the CLI can set.
pub struct RunOptions {
    pub config_path: PathBuf,
    /// Overrides the clock (tests); `None` = the demo clock if configured, else the system clock.
    pub clock: Option<Arc<dyn Clock>>,
    pub console: ConsoleSink,
    /// Watch files and SIGHUP for reloads (off in tests, which send `Control::Reload`).
    pub watch: bool,
    /// Reload/control messages from the caller, in addition to the file watcher and SIGHUP.
    pub control: Option<(mpsc::Sender<Control>, mpsc::Receiver<Control>)>,
    /// Shared metrics (tests read them).
    pub metrics: Arc<Metrics>,
}

impl RunOptions {
    pub fn new(config_path: PathBuf, console: ConsoleSink) -> RunOptions {
        RunOptions {
            config_path,
            clock: None,
            console,
            watch: true,
            control: None,
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// The ledger path; in demo mode the demo ledger is reset every start.
fn ledger_path(ws: &Workspace) -> Result<PathBuf, DaemonError> {
    let path = ws.config.active_ledger();
    if ws.config.demo.is_none() {
        return Ok(path);
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p).map_err(|source| DaemonError::Io {
                path: p.clone(),
                source,
            })?;
        }
    }
    Ok(path)
}

fn pick_clock(ws: &Workspace, given: Option<Arc<dyn Clock>>) -> Arc<dyn Clock> {
    match (given, ws.config.demo) {
        (Some(c), _) => c,
        (None, Some(demo)) => {
            let start = LocalTime::new(demo.start, ws.config.zone);
            info!(%start, speed = demo.speed, "demo clock: time runs fast from the demo start");
            Arc::new(ScaledClock::new(demo.start, demo.speed))
        }
        (None, None) => Arc::new(SystemClock),
    }
}

fn hub_settings(ws: &Workspace) -> HubSettings {
    let send = &ws.config.send;
    HubSettings {
        connect_timeout: send.connect_timeout,
        request_timeout: send.request_timeout,
        max_concurrency: send.concurrency,
        idle_connections: send.idle_connections,
        ..HubSettings::default()
    }
}

/// Run the daemon until `shutdown` resolves.
pub async fn run(opts: RunOptions, shutdown: impl Future<Output = ()>) -> Result<(), DaemonError> {
    let ws = Arc::new(Workspace::reload(&opts.config_path, None).map_err(DaemonError::Invalid)?);
    let clock = pick_clock(&ws, opts.clock);
    let ledger_file = ledger_path(&ws)?;
    let target = ws.config.ledger_target()?;
    let ledger = Arc::new(Ledger::open_target(&target)?);
    let hub = Hub::new(ws.config.channels.clone(), hub_settings(&ws), opts.console)?;
    let metrics = opts.metrics.clone();
    let store = Store::new(ledger.clone(), Arc::new(Health::default()));
    let engine = Arc::new(Engine::new(
        hub,
        store.clone(),
        clock,
        metrics.clone(),
        "daemon",
    ));
    let (tx, rx) = opts.control.unwrap_or_else(|| mpsc::channel(1));
    let reload = Arc::new(Notify::new());
    let _watcher = if opts.watch {
        start_watchers(&ws, &opts.config_path, reload.clone())
    } else {
        None
    };
    let live = console::Live::new(ws.clone());
    let server = match ws.config.listen {
        Some(addr) => {
            let admin = admin::token(&ws.config, &ledger_file)?;
            let view = (live.clone(), engine.clock.clone());
            let (bound, server) = http::serve(
                addr,
                store.clone(),
                metrics.clone(),
                tx.clone(),
                admin,
                view,
            )
            .await
            .map_err(|source| DaemonError::Listen { addr, source })?;
            info!(%bound, console = %format!("http://{bound}/"), "serving the console, /healthz and /metrics");
            Some(tokio::spawn(server))
        }
        None => None,
    };
    let config_path = opts.config_path.clone();
    // Every workspace the scheduler adopts is published to the console, so the page shows
    // exactly what the daemon acts on.
    let loader: Loader = Box::new(move |prev| {
        let loaded = Workspace::reload(&config_path, prev).map(Arc::new);
        if let Ok(ws) = &loaded {
            live.set(ws.clone());
        }
        loaded
    });
    let mut shutdown = std::pin::pin!(shutdown);
    let leadership = match &target {
        LedgerTarget::Postgres(url) => tokio::select! {
            l = super::leader::wait_to_lead(url, &store, &metrics) => Some(l),
            () = &mut shutdown => {
                if let Some(server) = server {
                    server.abort();
                }
                info!("stopped (standby)");
                return Ok(());
            }
        },
        LedgerTarget::Sqlite(_) => None,
    };
    let (events, channels, rules, zone) = (
        ws.events.len(),
        ws.config.channels.len(),
        ws.config.rules.len(),
        ws.config.zone,
    );
    let scheduler = Scheduler::start(ws, engine, metrics, loader).await;
    super::memory::release_free_heap();
    let next_due = LocalTime::maybe(scheduler.next_due(), zone);
    info!(events, channels, rules, %next_due, "herald running");
    if opts.watch {
        tokio::spawn(watch::sighup(reload.clone()));
    }
    let lost = std::sync::Mutex::new(None);
    let stop = async {
        match leadership {
            Some(mut leadership) => tokio::select! {
                () = &mut shutdown => {}
                e = leadership.lost() => {
                    tracing::error!(error = %e, "lost the leader lock: stopping, another replica takes over");
                    *lost.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                }
            },
            None => shutdown.await,
        }
    };
    scheduler.run(rx, reload, stop).await;
    if let Some(server) = server {
        server.abort();
    }
    info!("stopped");
    match lost.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(DaemonError::LostLeadership(e)),
        None => Ok(()),
    }
}

fn start_watchers(
    ws: &Workspace,
    config_path: &Path,
    reload: Arc<Notify>,
) -> Option<notify::RecommendedWatcher> {
    // Folders, not files: editors replace files by renaming, which would end a file watch.
    let config_dir = config_path.parent().unwrap_or(Path::new("."));
    let paths = [
        config_dir,
        ws.config.events_dir.as_path(),
        ws.config.templates_dir.as_path(),
    ];
    match watch::watch_files(&paths, reload) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch files; reload with SIGHUP");
            None
        }
    }
}
