//! The shipped example config (its copy `tests/fixtures/shipped/herald.toml`, so users may edit
//! `config/`) documents every key the code accepts. The accepted keys
//! are read from the parser itself: an unknown key makes serde list the expected ones.

use herald::config;
use std::path::Path;

/// Keys serde expects in the table reached by `prefix` (TOML text ending in a table header).
fn accepted(prefix: &str) -> Vec<String> {
    let text = format!("{prefix}\nzz_not_a_key = 1\n");
    let err = config::parse(Path::new("x.toml"), &text, &|_| Some(String::new())).unwrap_err();
    let msg = err[0].message.clone();
    let (_, expected) = msg
        .split_once("expected")
        .unwrap_or_else(|| panic!("no key list in: {msg}"));
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn shipped_config_documents_every_key() {
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shipped/herald.toml"),
    )
    .unwrap();
    let documented = |key: &str| {
        shipped.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.starts_with(&format!("{key} ="))
                || l.starts_with(&format!("[{key}]"))
                || l.starts_with(&format!("[[{key}]]"))
        }) || shipped.contains(&format!("{key} = ")) // inline tables, e.g. mentions = { mobiles = … }
    };
    let tables = [
        ("", "top level"),
        ("[herald]", "[herald]"),
        ("[send]", "[send]"),
        (
            "[demo]\nstart = \"2021-01-01T00:00:00Z\"\nspeed = 1.0",
            "[demo]",
        ),
        (
            "[[channels]]\nname = \"c\"\nplatform = \"console\"",
            "[[channels]]",
        ),
        (
            "[[channels]]\nname = \"c\"\nplatform = \"console\"\n[channels.mentions]",
            "mentions",
        ),
        ("[[rules]]\nname = \"r\"\nkind = \"remind\"", "[[rules]]"),
    ];
    let mut missing = Vec::new();
    for (prefix, table) in tables {
        let keys = accepted(prefix);
        assert!(!keys.is_empty(), "no keys found for {table}");
        for key in keys {
            if !documented(&key) {
                missing.push(format!("{table}: {key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "tests/fixtures/shipped/herald.toml does not document: {missing:?}"
    );
}
