//! Reload triggers: SIGHUP, and file changes under the config file, events and templates
//! (inotify via `notify`, no polling). Bursts of changes coalesce into one reload.

use notify::{RecursiveMode, Watcher};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Notify;

/// Watch `paths` (files or folders; missing ones are skipped). Keep the watcher alive.
pub fn watch_files(
    paths: &[&Path],
    reload: Arc<Notify>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && (event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove())
            && event.paths.iter().any(|p| is_watched(p))
        {
            // `Notify` keeps at most one pending reload: a burst of changes is one reload,
            // and nothing else queued for the scheduler (manual sends) can crowd it out.
            reload.notify_one();
        }
    })?;
    for path in paths.iter().filter(|p| p.exists()) {
        watcher.watch(path, RecursiveMode::NonRecursive)?;
    }
    Ok(watcher)
}

/// Only config, event and template files trigger a reload — never the ledger (which may live
/// in a watched folder and is written on every wake-up) or an editor's swap files.
fn is_watched(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "toml" || e == "j2")
}

/// Ask for a reload on every SIGHUP.
pub async fn sighup(reload: Arc<Notify>) {
    let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        return;
    };
    while hup.recv().await.is_some() {
        reload.notify_one();
    }
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed when this is called, not when the
/// future is first polled, so a signal that arrives while the daemon is still starting is not
/// lost (and does not kill the process with the default action). Call it inside a runtime.
pub fn terminate() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_config_event_and_template_files_reload() {
        assert!(is_watched(Path::new("config/events/m8.toml")));
        assert!(is_watched(Path::new("config/templates/recap.j2")));
        for ignored in [
            "config/herald.db",
            "config/herald.db-wal",
            "config/events/.m8.toml.swp",
            "config/events/m8.toml~",
        ] {
            assert!(!is_watched(Path::new(ignored)), "{ignored}");
        }
    }
}
