//! Integration tests: the `herald` command line, run as a process.

mod check;
mod commands;
mod hostile;
mod ops;
mod organizer;
mod resolve;
mod tls;
mod website;

use assert_cmd::Command;
use std::path::Path;

/// `herald` with a clean environment pointing at `config`.
pub fn herald(config: &Path) -> Command {
    let mut cmd = Command::cargo_bin("herald").unwrap();
    cmd.env_remove("HERALD_CONFIG")
        .env("HERALD_LOG", "warn")
        .arg("--config")
        .arg(config);
    cmd
}

/// The repository's shipped config.
pub fn shipped_config() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/herald.toml")
}
