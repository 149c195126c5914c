//! `check`'s cache of each event file's record (everything found for it on its own, see
//! `record.rs`), content-addressed like ruff's or `eslint --cache`'s: an entry's key hashes
//! everything the record depends on, so a second `check` neither parses nor renders an
//! unchanged file.
//! One file per config in the cache folder, written whole to a temporary file and renamed;
//! a file that cannot be read, parsed or written is the same as none.

use super::record::Record;
use crate::daemon::Workspace;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped whenever what an entry holds, or what a record depends on, changes.
const FORMAT: u32 = 1;

/// A file's text, hashed.
type Digest = blake3::Hash;

fn digest(text: &str) -> Digest {
    blake3::hash(text.as_bytes())
}

/// The cache file as stored.
#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    herald: String,
    build: String,
    entries: HashMap<String, Record>,
}

pub struct Cache {
    /// The cache file; `None`: no cache (`--no-cache`, or nowhere to keep one).
    file: Option<PathBuf>,
    /// What every entry depends on besides its own file: herald, config, templates.
    base: blake3::Hash,
    /// The config's bytes hashed before the workspace was loaded (see [`Cache::save`]).
    config: Option<Digest>,
    old: HashMap<String, Record>,
    new: HashMap<String, Record>,
    /// Whether an entry was added (else only dropped ones can make the file change).
    added: bool,
}

impl Cache {
    /// The cache for the config at `config`, in `dir` (none: no cache). Call before the
    /// workspace is loaded, then [`Cache::bind`] it.
    pub fn open(dir: Option<PathBuf>, config: &Path) -> Cache {
        let file = dir.map(|d| d.join(file_name(config)));
        let old = file.as_deref().map(read).unwrap_or_default();
        Cache {
            config: file.as_ref().and_then(|_| config_digest(config)),
            file,
            base: blake3::hash(b""),
            old,
            new: HashMap::new(),
            added: false,
        }
    }

    /// Key the entries to the loaded workspace: herald's build, the config's bytes as read
    /// before loading, and the templates the renderer loaded.
    pub fn bind(&mut self, ws: &Workspace) {
        if self.file.is_none() {
            return;
        }
        let mut h = blake3::Hasher::new();
        field(&mut h, format!("herald check cache {FORMAT}").as_bytes());
        field(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
        field(&mut h, build().as_bytes());
        match self.config {
            Some(c) => field(&mut h, c.as_bytes()),
            None => self.file = None, // the config could not be read again: keep nothing
        }
        ws.renderer.each_source(|name, source| {
            field(&mut h, name.as_bytes());
            field(&mut h, source.as_bytes());
        });
        self.base = h.finalize();
    }

    /// The key of the record of the event file `file` that reads `text`; `None` without a
    /// cache.
    pub fn key(&self, file: &Path, text: &str) -> Option<String> {
        self.file.as_ref()?;
        let mut h = blake3::Hasher::new();
        field(&mut h, self.base.as_bytes());
        field(&mut h, file.as_os_str().as_encoded_bytes());
        field(&mut h, digest(text).as_bytes());
        Some(h.finalize().to_hex().to_string())
    }

    /// Whether a record is stored under `key`.
    pub fn has(&self, key: &str) -> bool {
        self.old.contains_key(key)
    }

    /// The record stored under `key`, kept for the next run.
    pub fn take(&mut self, key: &str) -> Option<Record> {
        let found = self.old.remove(key)?;
        self.new.insert(key.to_string(), found.clone());
        Some(found)
    }

    pub fn put(&mut self, key: String, record: Record) {
        self.added = true;
        self.new.insert(key, record);
    }

    /// Write the entries of this run (only those: the files gone or changed are dropped)
    /// when anything changed — unless the config changed while `check` ran, which would
    /// leave findings under a key they do not belong to. Failing to write is only logged.
    pub fn save(self, config: &Path) {
        let Some(file) = self.file else {
            return;
        };
        if !self.added && self.old.is_empty() {
            return;
        }
        if config_digest(config) != self.config {
            tracing::debug!("check cache: the config changed during the run; not written");
            return;
        }
        let stored = Stored {
            format: FORMAT,
            herald: env!("CARGO_PKG_VERSION").to_string(),
            build: build(),
            entries: self.new,
        };
        if let Err(e) = write(&file, &stored) {
            tracing::debug!(file = %file.display(), error = %e, "check cache: not written");
        }
    }
}

/// Where caches live: `HERALD_CACHE_DIR`, else `$XDG_CACHE_HOME/herald`, else
/// `~/.cache/herald`; `None` when none of them is set.
pub fn dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("HERALD_CACHE_DIR")
        .or_else(|| {
            var("XDG_CACHE_HOME")
                .filter(|p| p.is_absolute())
                .map(|p| p.join("herald"))
        })
        .or_else(|| var("HOME").map(|h| h.join(".cache").join("herald")))
}

/// One cache file per config: `check-` and a hash of the config's full path.
fn file_name(config: &Path) -> String {
    let full = std::fs::canonicalize(config)
        .or_else(|_| std::path::absolute(config))
        .unwrap_or_else(|_| config.to_path_buf());
    let hash = blake3::hash(full.as_os_str().as_encoded_bytes()).to_hex();
    format!("check-{}.json", &hash[..16])
}

fn config_digest(config: &Path) -> Option<Digest> {
    crate::input::read_text(config, None)
        .ok()
        .map(|t| digest(&t))
}

/// This binary: its version number does not change with every build, its size and time do.
fn build() -> String {
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    let Ok(meta) = meta else {
        return "unknown".to_string();
    };
    let time = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}-{time}", meta.len())
}

/// A length-prefixed field, so two fields never read as one.
fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// The entries of a cache file written by this very build; none from a missing, broken or
/// foreign one.
fn read(file: &Path) -> HashMap<String, Record> {
    let Ok(bytes) = std::fs::read(file) else {
        return HashMap::new();
    };
    match serde_json::from_slice::<Stored>(&bytes) {
        Ok(s)
            if s.format == FORMAT
                && s.herald == env!("CARGO_PKG_VERSION")
                && s.build == build() =>
        {
            s.entries
        }
        Ok(_) => {
            tracing::debug!(file = %file.display(), "check cache: from another herald; ignored");
            HashMap::new()
        }
        Err(e) => {
            tracing::debug!(file = %file.display(), error = %e, "check cache: unreadable; ignored");
            HashMap::new()
        }
    }
}

/// Written to a temporary file beside it, then renamed over it: a reader sees the old file
/// or the new one, never half of one.
fn write(file: &Path, stored: &Stored) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".check-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    {
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        serde_json::to_writer(&mut out, stored)?;
        out.flush()?;
    }
    tmp.persist(file).map_err(|e| e.error)?;
    remove_stale(dir);
    Ok(())
}

/// How old a temporary file must be to be taken for one a killed `check` left behind.
const STALE: std::time::Duration = std::time::Duration::from_secs(600);

/// The temporary files of runs killed before their rename, so the folder stays bounded.
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE));
        if name.starts_with(".check-") && name.ends_with(".tmp") && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
