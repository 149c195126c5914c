//! Reads event records (`config/events/*.toml`) into validated events plus located problems.
//! One broken file never hides the others.

mod hint;
pub mod page;
mod parse;
mod raw;
mod record;
mod recover;

pub use hint::did_you_mean;
pub use parse::{parse_event, toml_problem};
pub use record::write_record;
pub use recover::read_all;

use crate::model::Zone;
use crate::model::{Event, Location, Problem};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Every `*.toml` file in `dir`, sorted by name.
pub fn event_files(dir: &Path) -> Result<Vec<PathBuf>, Problem> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Problem::new(
            Location::file(dir),
            format!("cannot read events directory: {e}"),
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    // All in one folder: by name is by path, without comparing every component.
    files.sort_unstable_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// Load every event in `dir`. Good events are returned even when other files are broken.
pub fn load_dir(dir: &Path, default_zone: Zone) -> (Vec<Event>, Vec<Problem>) {
    let files = match event_files(dir) {
        Ok(files) => files,
        Err(p) => return (Vec::new(), vec![p]),
    };
    let (mut events, mut problems) = load_files(&files, dir, default_zone);
    reject_duplicate_ids(&mut events, &mut problems);
    (events, problems)
}

/// Parse `files` (callers may parse a folder's files on several threads with [`load_file`],
/// then call [`reject_duplicate_ids`] on the joined result).
pub fn load_files(files: &[PathBuf], dir: &Path, default_zone: Zone) -> (Vec<Event>, Vec<Problem>) {
    // Sized once: grown by doubling, 10,000 events would leave room for 16,384 (~4 MB idle).
    let mut events = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    for file in files {
        match load_file(file, dir, default_zone) {
            Ok(event) => events.push(event),
            Err(mut ps) => problems.append(&mut ps),
        }
    }
    (events, problems)
}

/// One event file: its event, or its problems.
pub fn load_file(file: &Path, dir: &Path, default_zone: Zone) -> Result<Event, Vec<Problem>> {
    match crate::input::read_text(file, Some(dir)) {
        Ok(text) => parse_event(file, &text, default_zone),
        Err(e) => Err(vec![unreadable(file, &e)]),
    }
}

/// The problem of an event file that cannot be read.
pub fn unreadable(file: &Path, e: &crate::input::InputError) -> Problem {
    Problem::new(Location::file(file), format!("event file {e}"))
}

/// Two files with the same id would share ledger keys: keep the first, report the second.
pub fn reject_duplicate_ids(events: &mut Vec<Event>, problems: &mut Vec<Problem>) {
    // Index of the first event with each id (ids borrowed, nothing copied).
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(events.len());
    let mut repeated: Vec<(usize, usize)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if let Some(&f) = first.get(e.id.as_str()) {
            repeated.push((i, f));
        } else {
            first.insert(&e.id, i);
        }
    }
    drop(first);
    if repeated.is_empty() {
        return;
    }
    let source = |e: &Event| e.source.clone().unwrap_or_default();
    for &(i, f) in &repeated {
        let e = &events[i];
        problems.push(duplicate_id(&source(e), &e.id, &source(&events[f])));
    }
    let mut index = 0;
    let mut next = repeated.iter().map(|(i, _)| *i).peekable();
    events.retain(|_| {
        let keep = next.next_if_eq(&index).is_none();
        index += 1;
        keep
    });
}

/// The problem of the event in `file` whose id the event in `first` has already.
pub fn duplicate_id(file: &Path, id: &str, first: &Path) -> Problem {
    Problem::new(
        Location::file(file),
        format!("field `id`: `{id}` is already used by {}", first.display()),
    )
    .with_hint("give each event a unique id")
}
