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
    for needle in ["rusqlite", "postgres::", "tokio_postgres"] {
        only_in(needle, &["ledger"]);
    }
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
        let offenders: Vec<PathBuf> = rust_files(&src())
            .into_iter()
            .filter(|p| module(p) != "daemon" && !p.ends_with(POSTGRES_CONNECTION))
            .filter(|p| code(p).iter().any(|l| l.contains(needle)))
            .collect();
        assert!(
            offenders.is_empty(),
            "`{needle}` may only be used in daemon, found in {offenders:?}"
        );
    }
    // The one exception spawns exactly one thread: its connection's.
    let spawns = code(&src().join(POSTGRES_CONNECTION))
        .iter()
        .filter(|l| l.contains(".spawn("))
        .count();
    assert_eq!(
        spawns, 1,
        "{POSTGRES_CONNECTION} spawns only its connection's thread"
    );
}

/// The Postgres ledger owns the thread its blocking connection lives on (ARCHITECTURE.md).
const POSTGRES_CONNECTION: &str = "ledger/postgres.rs";

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

/// The top-level modules a file's code names through `crate::`: `crate::a::x`,
/// `use crate::{a, b::c}` (over several lines too), `crate::a` inside expressions.
fn crate_modules(path: &Path) -> Vec<String> {
    let text = code(path).join("\n");
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(j, _)| j);
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars().chain([',']) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let first = item
                            .trim()
                            .split("::")
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_string();
                        if !first.is_empty() {
                            out.push(first);
                        }
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What each layer may name through `crate::` (ARCHITECTURE.md: `model` ← siblings ←
/// `daemon` ← `cli` ← `main`; config may use source's TOML error locator).
fn allowed(module: &str) -> &'static [&'static str] {
    match module {
        "model" => &["model"],
        // Beside model at the bottom: reads input files, knows nothing above it.
        "input" => &["input"],
        "config" => &["config", "model", "input", "source"],
        "source" | "render" | "plan" | "channels" | "ledger" => &["model", "input"],
        "daemon" => &[
            "daemon", "model", "input", "config", "source", "render", "plan", "channels", "ledger",
        ],
        _ => &[
            "cli", "daemon", "model", "input", "config", "source", "render", "plan", "channels",
            "ledger",
        ],
    }
}

#[test]
fn dependencies_point_one_way_in_every_import_form() {
    for path in rust_files(&src()) {
        let here = module(&path);
        for named in crate_modules(&path) {
            assert!(
                named == here || allowed(&here).contains(&named.as_str()),
                "{} ({here}) names `crate::{named}`, which its layer may not use",
                path.display()
            );
        }
    }
}

#[test]
fn the_import_scanner_sees_grouped_and_nested_forms() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.rs");
    fs::write(
        &file,
        "use crate::{\n    a::{B, C},\n    d,\n};\nfn f() { crate::e::g(); }\n// crate::h\n",
    )
    .unwrap();
    assert_eq!(crate_modules(&file), ["a", "d", "e"]);
}

/// Every Chinese sentence herald writes lives in templates or `render`: no CJK text in code
/// elsewhere. Exceptions: Feishu's `@all` syntax names 所有人 (`<at user_id="all">所有人</at>`),
/// and the website page reader (`source/page/`) matches the words the pages are written in.
#[test]
fn chinese_words_live_in_templates_or_render() {
    let cjk = |l: &str| l.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for path in rust_files(&src()) {
        let reads_pages = path.starts_with(src().join("source/page"));
        if module(&path) == "render" || reads_pages {
            continue;
        }
        for line in code(&path) {
            let code_part = line.split(" //").next().unwrap_or("");
            if cjk(code_part) && !code_part.contains("\"所有人\"") {
                panic!(
                    "{}: Chinese text outside render: {}",
                    path.display(),
                    line.trim()
                );
            }
        }
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
fn organizers_files_are_read_only_through_input() {
    // Config, events and templates arrive by pull request: `input::read_text` refuses FIFOs,
    // devices, symlinks out of their folder and oversized files.
    for needle in ["read_to_string(", "fs::read("] {
        only_in(needle, &["input", "cli"]);
    }
}
