//! `herald check`: report every problem in the config, events and templates; exit 2 if any.

use super::Exit;
use crate::daemon::Workspace;
use std::path::Path;

pub fn run(path: &Path) -> anyhow::Result<()> {
    let loaded = Workspace::load(path);
    for p in &loaded.problems {
        eprintln!("{p}");
    }
    if !loaded.problems.is_empty() {
        return Err(Exit::bad_input(format!(
            "{} problem(s) found",
            loaded.problems.len()
        )));
    }
    let ws = loaded.workspace.expect("no problems means a workspace");
    println!(
        "ok: {} event(s), {} channel(s), {} rule(s) in {}",
        ws.events.len(),
        ws.config.channels.len(),
        ws.config.rules.len(),
        ws.config.path.display()
    );
    Ok(())
}
