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

/// Code lines (not comments), with a `#[cfg(test)]` module (the file's tests, at its end)
/// cut off at its start; a `#[cfg(test)]` item elsewhere is still code.
fn code(path: &Path) -> Vec<String> {
    code_of(&fs::read_to_string(path).unwrap())
}

fn code_of(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let tests_start = lines
        .windows(2)
        .position(|w| {
            let next = w[1].trim_start();
            w[0].trim_start().starts_with("#[cfg(test)]")
                && (next.starts_with("mod ") || next.starts_with("pub mod "))
        })
        .unwrap_or(lines.len());
    lines[..tests_start]
        .iter()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| l.to_string())
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
    for needle in ["reqwest", "hyper::"] {
        only_in(needle, &["channels"]);
    }
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
    for needle in [
        "tokio::spawn",
        ".spawn(",
        "spawn_blocking",
        "std::thread::spawn",
    ] {
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
    for needle in [
        "std::fs",
        "tokio::fs",
        "tokio::net",
        "std::net",
        "std::env",
        "std::process",
    ] {
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

/// How deep a file's module sits below the crate root (`src/daemon/engine.rs` → 2,
/// `src/daemon/mod.rs` → 1, `src/lib.rs` → 0): that many `super::` reach the root.
fn depth(path: &Path) -> usize {
    let rel = path.strip_prefix(src()).unwrap();
    let parts = rel.components().count();
    let stem = rel.file_stem().unwrap_or_default();
    if stem == "mod" || parts == 1 && (stem == "lib" || stem == "main") {
        parts - 1
    } else {
        parts
    }
}

/// The top-level modules a file's code names: `crate::a::x`, `use crate::{a, b::c}` (over
/// several lines too), `crate::a` inside expressions, and `super::` chains that climb to the
/// crate root (`super::super::a` from `src/x/y.rs`).
fn crate_modules(path: &Path) -> Vec<String> {
    named_modules(&code(path).join("\n"), depth(path))
}

/// The top-level modules `text` (code of a file `depth` modules below the root) names.
fn named_modules(text: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        out.extend(first_segments(&text[i + "crate::".len()..]));
    }
    let root = "super::".repeat(depth.max(1));
    for (i, _) in text.match_indices(&root) {
        let before = text[..i].chars().next_back();
        if depth == 0 || before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        out.extend(first_segments(&text[i + root.len()..]));
    }
    out.sort();
    out.dedup();
    out
}

/// The first path segment of each path starting at `rest`: one for `a::…`, one per item for
/// a group `{a, b::{c}}`.
fn first_segments(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let named = |s: String| (!s.is_empty() && s != "super" && s != "self").then_some(s);
    let Some(group) = rest.strip_prefix('{') else {
        return named(ident(rest)).into_iter().collect();
    };
    let mut out = Vec::new();
    let mut depth = 1;
    let mut item = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth == 0 || c == ',' && depth == 1 {
            out.extend(named(ident(&item)));
            item.clear();
            if depth == 0 {
                break;
            }
            continue;
        }
        item.push(c);
    }
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

/// The modules `text`, as code of `module` at `depth`, names but may not use.
fn forbidden(module: &str, depth: usize, text: &str) -> Vec<String> {
    named_modules(&code_of(text).join("\n"), depth)
        .into_iter()
        .filter(|m| m != module && !allowed(module).contains(&m.as_str()))
        .collect()
}

/// The checker catches a forbidden import in each form it claims to read, and nothing in
/// comments or in a module's own relative paths.
#[test]
fn the_import_checker_catches_every_form() {
    let cases: [(&str, usize, &str, &[&str]); 11] = [
        ("render", 2, "use crate::ledger::Ledger;\n", &["ledger"]),
        (
            "render",
            2,
            "use crate::{model::Event, channels};\n",
            &["channels"],
        ),
        (
            "render",
            2,
            "use crate::{\n    model::{Event, Format},\n    daemon::{\n        Engine,\n    },\n};\n",
            &["daemon"],
        ),
        ("render", 2, "fn f() { crate::cli::run(); }\n", &["cli"]),
        (
            "render",
            2,
            "let x = super::super::plan::schedule(r, e);\n",
            &["plan"],
        ),
        (
            "render",
            1,
            "use super::{ledger::Row, model::Event};\n",
            &["ledger"],
        ),
        ("render", 2, "use super::markup::parse;\n", &[]),
        ("render", 2, "// crate::ledger is not named in code\n", &[]),
        (
            "daemon",
            2,
            "use crate::{ledger::State, render::Renderer};\n",
            &[],
        ),
        (
            "render",
            2,
            "#[cfg(test)]\nfn helper() {}\nuse crate::ledger::Row;\n",
            &["ledger"],
        ),
        (
            "render",
            2,
            "fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::ledger::Row;\n}\n",
            &[],
        ),
    ];
    for (module, depth, text, expected) in cases {
        assert_eq!(forbidden(module, depth, text), expected, "{text}");
    }
    assert_eq!(
        named_modules(
            "use crate::{\n    a::{B, C},\n    d,\n};\nfn f() { crate::e::g(); }",
            1
        ),
        ["a", "d", "e"]
    );
}

/// Every Chinese sentence herald writes lives in templates or `render`: no CJK text in code
/// elsewhere. Exceptions: Feishu's `@all` syntax names 所有人 (`<at user_id="all">所有人</at>`),
/// and the website page reader (`source/page/`) matches the words the pages are written in.
#[test]
fn chinese_words_live_in_templates_or_render() {
    // Han ideographs, CJK punctuation (`【】「」、。`) and full-width forms (`，：（）`).
    let cjk = |l: &str| {
        l.chars().any(|c| {
            ('\u{4e00}'..='\u{9fff}').contains(&c)
                || ('\u{3000}'..='\u{303f}').contains(&c)
                || ('\u{ff00}'..='\u{ffef}').contains(&c)
        })
    };
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
