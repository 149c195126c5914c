//! `herald import` and `herald export` as an organizer runs them: the corpus pages into a
//! fresh events folder, `--check` against it, `--strict`, and an exported recap that imports
//! back.

use super::{herald, shipped_config};
use predicates::prelude::*;
use std::path::Path;

fn pages() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

#[test]
fn import_writes_records_that_check_accepts_and_check_mode_finds_a_changed_one() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    herald(&shipped_config())
        .args(["import"])
        .arg(pages())
        .arg("--out")
        .arg(&events)
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: 10 page(s) imported"))
        .stderr(predicate::str::contains(
            "sofa-channel-6.md:14: contradiction: two different dates",
        ));
    // `herald check` accepts them: a config whose events folder is the imported one.
    let config = dir.path().join("herald.toml");
    std::fs::write(&config, "[herald]\nevents = \"events\"\n").unwrap();
    herald(&config)
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: 10 event(s)"));
    herald(&config)
        .args(["import", "--check"])
        .arg(pages())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ok: 10 record(s) match their pages",
        ));
    let record = events.join("sofa-meetup-10.toml");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replace("city = \"成都\"", "city = \"重庆\"")).unwrap();
    herald(&config)
        .args(["import", "--check"])
        .arg(pages())
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "sofa-meetup-10.toml: city: page \"成都\", record \"重庆\"",
        ))
        .stderr(predicate::str::contains(
            "1 record(s) differ from their pages",
        ));
}

#[test]
fn strict_refuses_a_page_with_a_contradiction() {
    let dir = tempfile::tempdir().unwrap();
    herald(&shipped_config())
        .args(["import", "--strict"])
        .arg(pages().join("sofa-channel-6.md"))
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--strict: not imported"));
    assert!(!dir.path().join("sofa-channel-6.toml").exists());
    herald(&shipped_config())
        .args(["import", "--strict"])
        .arg(pages().join("sofa-meetup-10.md"))
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    assert!(dir.path().join("sofa-meetup-10.toml").exists());
}

#[test]
fn export_writes_the_recap_page_that_imports_back() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("activities");
    herald(&shipped_config())
        .args([
            "export",
            "sofa-meetup-8-chengdu",
            "--page",
            "recap",
            "--out",
        ])
        .arg(&site)
        .assert()
        .success();
    let page = site.join("sofa-meetup-8-chengdu/index.md");
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(
        text.starts_with("---\ntitle: \"【活动回顾】SOFA x Erda Meetup#8 成都站"),
        "{text}"
    );
    // The shipped records folder holds the same event: --check finds no difference.
    herald(&shipped_config())
        .args(["import", "--check"])
        .arg(&page)
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: 1 record(s) match"));
    herald(&shipped_config())
        .args(["export", "no-such-event"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no event `no-such-event`"));
}

#[test]
fn reimporting_keeps_the_records_targets_and_extra() {
    let dir = tempfile::tempdir().unwrap();
    let page = pages().join("sofa-meetup-10.md");
    let import = || {
        herald(&shipped_config())
            .arg("import")
            .arg(&page)
            .arg("--out")
            .arg(dir.path())
            .assert()
            .success()
    };
    import().stdout(predicate::str::contains("(new)"));
    let record = dir.path().join("sofa-meetup-10.toml");
    let text = std::fs::read_to_string(&record).unwrap();
    let text = text.replace("format = ", "targets = [\"tag:sofa\"]\nformat = ");
    std::fs::write(
        &record,
        format!("{text}\n[extra]\nposter = \"https://example.com/p.png\"\n"),
    )
    .unwrap();
    import().stdout(predicate::str::contains("(updated)"));
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(text.contains("targets = [\"tag:sofa\"]"), "{text}");
    assert!(
        text.contains("\"poster\" = \"https://example.com/p.png\""),
        "{text}"
    );
}
