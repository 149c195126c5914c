//! Integration tests: "tidy" checks of the architecture's invariants (ARCHITECTURE.md), by
//! scanning `src/`, and of the shipped config documenting every key the code accepts.

mod config_keys;

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Module directory of a file under src/ (`src/channels/x.rs` → "channels"; `src/main.rs` → "main").
fn module(path: &Path) -> String {
    let rel = path.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// Code lines (not comments), with `#[cfg(test)]` modules cut off at their start.
fn code(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(str::to_string)
        .collect()
}

/// Assert `needle` appears only in files of the `allowed` modules.
fn only_in(needle: &str, allowed: &[&str]) {
    let offenders: Vec<String> = rust_files(&src())
        .into_iter()
        .filter(|p| !allowed.contains(&module(p).as_str()))
        .filter(|p| code(p).iter().any(|l| l.contains(needle)))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "`{needle}` may only be used in {allowed:?}, found in {offenders:?}"
    );
}

#[test]
fn every_source_file_says_what_it_owns() {
    for path in rust_files(&src()) {
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} must start with a //! line saying what it owns",
            path.display()
        );
    }
}

#[test]
fn only_channels_makes_http_requests() {
    only_in("reqwest", &["channels"]);
}

#[test]
fn only_ledger_speaks_sql() {
    only_in("rusqlite", &["ledger"]);
}

#[test]
fn only_cli_prints() {
    for needle in [
        "println!",
        "eprintln!",
        "print!(",
        "std::io::stdout",
        "std::io::stderr",
    ] {
        only_in(needle, &["cli"]);
    }
}

#[test]
fn only_daemon_spawns_tasks() {
    for needle in ["tokio::spawn", ".spawn(", "std::thread::spawn"] {
        only_in(needle, &["daemon"]);
    }
}

#[test]
fn anyhow_only_at_the_cli_edge() {
    only_in("anyhow", &["cli"]);
}

#[test]
fn model_does_no_io() {
    for needle in ["std::fs", "tokio::net", "std::net", "std::env"] {
        let offenders: Vec<PathBuf> = rust_files(&src().join("model"))
            .into_iter()
            .filter(|p| code(p).iter().any(|l| l.contains(needle)))
            .collect();
        assert!(
            offenders.is_empty(),
            "model must do no I/O: `{needle}` in {offenders:?}"
        );
    }
}

#[test]
fn siblings_do_not_import_each_other() {
    let siblings = ["config", "source", "render", "plan", "channels", "ledger"];
    for path in rust_files(&src()) {
        let here = module(&path);
        if !siblings.contains(&here.as_str()) {
            continue;
        }
        for other in siblings.iter().filter(|s| **s != here) {
            let uses = code(&path)
                .iter()
                .any(|l| l.contains(&format!("crate::{other}")));
            // config may use source's TOML error locator: both read TOML files the same way.
            let allowed = here == "config" && *other == "source";
            assert!(
                !uses || allowed,
                "{} ({here}) imports its sibling `{other}`",
                path.display()
            );
        }
    }
}

#[test]
fn input_sits_at_the_bottom_beside_model() {
    let above = [
        "config", "source", "render", "plan", "channels", "ledger", "daemon", "cli",
    ];
    for path in rust_files(&src())
        .into_iter()
        .filter(|p| module(p) == "input")
    {
        for other in above {
            assert!(
                !code(&path)
                    .iter()
                    .any(|l| l.contains(&format!("crate::{other}"))),
                "{} (input) imports `{other}`",
                path.display()
            );
        }
    }
}

#[test]
fn organizers_files_are_read_only_through_input() {
    // Config, events and templates arrive by pull request: `input::read_text` refuses FIFOs,
    // devices, symlinks out of their folder and oversized files.
    for needle in ["read_to_string(", "fs::read("] {
        only_in(needle, &["input", "cli"]);
    }
}
