//! Everything loaded from disk that the daemon and the CLI work from: the config, the events
//! and the templates. Loading collects every problem; good parts survive bad ones, and a
//! reload keeps the last good version of an event whose file is now broken.

use crate::config::{self, Config};
use crate::model::{Event, Problem};
use crate::render::{Renderer, Site};
use crate::source;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
pub struct Workspace {
    pub config: Config,
    pub events: Vec<Event>,
    pub renderer: Arc<Renderer>,
}

/// The result of loading: a workspace if the config and templates are usable, and every
/// problem found.
pub struct Loaded {
    pub workspace: Option<Workspace>,
    pub problems: Vec<Problem>,
}

impl Workspace {
    pub fn load(config_path: &Path) -> Loaded {
        Workspace::load_with(config_path, config::Secrets::Required)
    }

    /// [`Workspace::load`] for a command that only looks (`check`, `list`, `preview`,
    /// `plan`, `history`): secrets that cannot be read are noted, not problems.
    pub fn load_with(config_path: &Path, secrets: config::Secrets) -> Loaded {
        let config = match config::load_with(config_path, secrets) {
            Ok(c) => c,
            Err(problems) => return Workspace::load_without_config(config_path, problems),
        };
        let (events, mut problems) = load_events(&config.events_dir, config.zone);
        let site = Site {
            community: config.community.clone(),
            base: config.site.clone(),
        };
        let renderer = renderer(&config.templates_dir, site, &mut problems);
        let workspace = renderer.map(|renderer| Workspace {
            config,
            events,
            renderer,
        });
        Loaded {
            workspace,
            problems,
        }
    }

    /// The config and the templates without the events, when both load (`None`: load the
    /// whole workspace to see its problems): for `check`, which reads the event files itself,
    /// most of them from its cache.
    pub fn load_frame(config_path: &Path, secrets: config::Secrets) -> Option<Workspace> {
        let config = config::load_with(config_path, secrets).ok()?;
        let site = Site {
            community: config.community.clone(),
            base: config.site.clone(),
        };
        let renderer = renderer(&config.templates_dir, site, &mut Vec::new())?;
        Some(Workspace {
            config,
            events: Vec::new(),
            renderer,
        })
    }

    /// The config is broken, so nothing can run; still check the events and templates in
    /// the default folders beside it (when they exist), so one `check` shows every problem.
    fn load_without_config(config_path: &Path, mut problems: Vec<Problem>) -> Loaded {
        let dir = config_path.parent().unwrap_or(Path::new("."));
        let events = dir.join("events");
        if events.is_dir() {
            problems.extend(source::load_dir(&events, config::DEFAULT_ZONE).1);
        }
        renderer(&dir.join("templates"), Site::default(), &mut problems);
        Loaded {
            workspace: None,
            problems,
        }
    }

    /// Reload for a running daemon: `Err` keeps the previous workspace entirely (config or
    /// templates broken); a broken event file keeps that event's last good version.
    pub fn reload(
        config_path: &Path,
        previous: Option<&Workspace>,
    ) -> Result<Workspace, Vec<Problem>> {
        let loaded = Workspace::load(config_path);
        let Some(mut ws) = loaded.workspace else {
            return Err(loaded.problems);
        };
        if !loaded.problems.is_empty() {
            for p in &loaded.problems {
                tracing::error!(problem = %p, "event file refused; keeping its last good version");
            }
            if let Some(prev) = previous {
                keep_last_good(&mut ws.events, prev, &loaded.problems);
            }
        }
        Ok(ws)
    }

    pub fn event(&self, id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id)
    }
}

/// Files per parser thread below which one thread is faster than starting another.
const FILES_PER_THREAD: usize = 500;

/// The events in `dir`, parsed on every core for thousands of files (reading and parsing
/// TOML is most of start-up, a reload and `check`); files keep their sorted order.
fn load_events(dir: &Path, zone: crate::model::Zone) -> (Vec<Event>, Vec<Problem>) {
    let files = match source::event_files(dir) {
        Ok(files) => files,
        Err(p) => return (Vec::new(), vec![p]),
    };
    let loaded = super::parallel::map(&files, FILES_PER_THREAD, |file| {
        source::load_file(file, dir, zone)
    });
    // Sized once: grown by doubling, 10,000 events would leave room for 16,384 (~4 MB idle).
    let mut events = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    for parsed in loaded {
        match parsed {
            Ok(event) => events.push(event),
            Err(ps) => problems.extend(ps),
        }
    }
    source::reject_duplicate_ids(&mut events, &mut problems);
    (events, problems)
}

fn keep_last_good(events: &mut Vec<Event>, previous: &Workspace, problems: &[Problem]) {
    let broken: HashSet<&PathBuf> = problems.iter().map(|p| &p.location.file).collect();
    let ids: HashSet<String> = events.iter().map(|e| e.id.clone()).collect();
    for old in &previous.events {
        let from_broken = old.source.as_ref().is_some_and(|s| broken.contains(s));
        if from_broken && !ids.contains(&old.id) {
            events.push(old.clone());
        }
    }
}

/// The renderer with the overrides in `templates` (if that folder exists); its problems are
/// added to `problems`.
fn renderer(templates: &Path, site: Site, problems: &mut Vec<Problem>) -> Option<Arc<Renderer>> {
    match Renderer::new(templates.is_dir().then_some(templates)) {
        Ok(r) => Some(Arc::new(r.with_site(site))),
        Err(ps) => {
            problems.extend(ps);
            None
        }
    }
}
