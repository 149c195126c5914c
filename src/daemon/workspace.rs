//! Everything loaded from disk that the daemon and the CLI work from: the config, the events
//! and (later) the templates. Loading collects every problem; good parts survive bad ones.

use crate::config::{self, Config};
use crate::model::{Event, Problem};
use crate::source;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Workspace {
    pub config: Config,
    pub events: Vec<Event>,
}

/// The result of loading: a workspace if the config itself is usable, and every problem found.
pub struct Loaded {
    pub workspace: Option<Workspace>,
    pub problems: Vec<Problem>,
}

impl Workspace {
    pub fn load(config_path: &Path) -> Loaded {
        let config = match config::load(config_path) {
            Ok(c) => c,
            Err(problems) => {
                return Loaded {
                    workspace: None,
                    problems,
                };
            }
        };
        let (events, problems) = source::load_dir(&config.events_dir, config.zone);
        Loaded {
            workspace: Some(Workspace { config, events }),
            problems,
        }
    }

    pub fn event(&self, id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id)
    }
}
