//! `check`'s own reading of the event files: each one read and hashed on every core, and
//! parsed only when the cache holds no record of that very text; in file order.

use super::cache::Cache;
use super::record::Record;
use crate::daemon::Workspace;
use crate::model::{Event, Problem};
use crate::source;
use std::path::PathBuf;

/// One event file, in folder order.
pub enum Entry {
    /// What is known of it without parsing it again: its record, from the cache or made now.
    Known(PathBuf, Record),
    /// Parsed this run, still to be summarized; its cache key.
    Fresh(Option<String>, Event),
    /// It could not be read (read again on every run).
    Unreadable(Problem),
}

/// What one file gave on its reader's thread.
enum Read {
    Cached(String),
    Parsed(Option<String>, Result<Event, Vec<Problem>>),
    Unreadable(Problem),
}

/// Files per reader thread below which one thread is faster than starting another.
const FILES_PER_THREAD: usize = 250;

/// Every event file of `ws` (the folder's problem if it cannot be listed).
pub fn entries(ws: &Workspace, cache: &mut Cache) -> Result<Vec<Entry>, Problem> {
    let dir = &ws.config.events_dir;
    let files = source::event_files(dir)?;
    let zone = ws.config.zone;
    let read =
        {
            let cache = &*cache;
            crate::daemon::parallel::map(&files, FILES_PER_THREAD, |file| {
                match crate::input::read_text(file, Some(dir)) {
                    Err(e) => Read::Unreadable(source::unreadable(file, &e)),
                    Ok(text) => match cache.key(file, &text) {
                        Some(key) if cache.has(&key) => Read::Cached(key),
                        key => Read::Parsed(key, source::parse_event(file, &text, zone)),
                    },
                }
            })
        };
    let entries = files.into_iter().zip(read).map(|(file, read)| match read {
        Read::Cached(key) => match cache.take(&key) {
            Some(record) => Entry::Known(file, record),
            // (Not met: a key names one file, so its record is taken once.)
            None => {
                let result = source::load_file(&file, dir, zone);
                parsed(cache, file, None, result)
            }
        },
        Read::Parsed(key, result) => parsed(cache, file, key, result),
        Read::Unreadable(p) => Entry::Unreadable(p),
    });
    Ok(entries.collect())
}

/// A file parsed this run: an event to summarize, or a broken file's record, kept.
fn parsed(
    cache: &mut Cache,
    file: PathBuf,
    key: Option<String>,
    result: Result<Event, Vec<Problem>>,
) -> Entry {
    match result {
        Ok(event) => Entry::Fresh(key, event),
        Err(problems) => {
            let record = Record::Broken(problems);
            if let Some(key) = key {
                cache.put(key, record.clone());
            }
            Entry::Known(file, record)
        }
    }
}
