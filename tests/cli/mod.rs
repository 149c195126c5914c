//! Integration tests: the `herald` command line, run as a process.

mod cache;
mod check;
mod commands;
mod edges;
mod hostile;
mod ops;
mod organizer;
mod resolve;
mod tls;
mod website;

use assert_cmd::Command;
use std::path::Path;

/// `herald` with a clean environment pointing at `config`; `check`'s cache goes under
/// `target/tmp`, not the user's `~/.cache`.
pub fn herald(config: &Path) -> Command {
    let mut cmd = Command::cargo_bin("herald").unwrap();
    cmd.env_remove("HERALD_CONFIG")
        .env(
            "HERALD_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-cache"),
        )
        .env("HERALD_LOG", "warn")
        .arg("--config")
        .arg(config);
    cmd
}

/// A private copy of the shipped example config (`tests/fixtures/shipped`, kept equal to
/// `config/` as it ships) in `DIR/config/herald.toml`, so its ledger (`../data`) is private
/// too. Tests never read the user's `config/`: adding events or deleting `[demo]` there
/// keeps `cargo test` green. The folder is left for the OS to clean, like any temp file.
pub fn shipped_config() -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shipped");
    copy_dir(&from, &dir.join("config"));
    dir.join("config/herald.toml")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
