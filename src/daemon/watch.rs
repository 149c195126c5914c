//! Reload triggers: SIGHUP, and file changes under the config file, events and templates
//! (inotify via `notify`, no polling). Bursts of changes coalesce into one reload.

use super::scheduler::Control;
use notify::{RecursiveMode, Watcher};
use std::path::Path;
use tokio::sync::mpsc;

/// Watch `paths` (files or folders; missing ones are skipped). Keep the watcher alive.
pub fn watch_files(
    paths: &[&Path],
    tx: mpsc::Sender<Control>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && (event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove())
        {
            // A full channel means a reload is already pending: this change is covered.
            let _ = tx.try_send(Control::Reload);
        }
    })?;
    for path in paths.iter().filter(|p| p.exists()) {
        watcher.watch(path, RecursiveMode::NonRecursive)?;
    }
    Ok(watcher)
}

/// Send a reload on every SIGHUP.
pub async fn sighup(tx: mpsc::Sender<Control>) {
    let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        return;
    };
    while hup.recv().await.is_some() {
        let _ = tx.try_send(Control::Reload);
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn terminate() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
