//! `herald check`: the shipped config passes; every problem in every file is reported.

use super::{herald, shipped_config};
use predicates::prelude::*;
use std::fs;

#[test]
fn shipped_config_passes() {
    herald(&shipped_config())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ok:"));
}

#[test]
fn every_broken_file_is_reported_and_good_ones_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    fs::create_dir(&events).unwrap();
    fs::write(
        dir.path().join("herald.toml"),
        "[[channels]]\nname = \"console\"\nplatform = \"console\"\n",
    )
    .unwrap();
    let good = "title = \"好\"\nstart = 2030-01-01T10:00:00\nend = 2030-01-01T12:00:00\n";
    fs::write(events.join("a-good.toml"), good).unwrap();
    fs::write(
        events.join("b-syntax.toml"),
        "title = \"unclosed\nstart = 1\n",
    )
    .unwrap();
    fs::write(
        events.join("c-unknown.toml"),
        format!("{good}venu = \"x\"\n"),
    )
    .unwrap();
    fs::write(
        events.join("d-order.toml"),
        "title = \"t\"\nstart = 2030-01-01T10:00:00\nend = 2029-01-01T12:00:00\n",
    )
    .unwrap();

    let out = herald(&dir.path().join("herald.toml"))
        .arg("check")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("b-syntax.toml:1:"), "{stderr}");
    assert!(
        stderr.contains("c-unknown.toml:4:1: unknown field `venu`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `venue`?"), "{stderr}");
    assert!(
        stderr.contains("d-order.toml:3:7: field `end`: is before `start`"),
        "{stderr}"
    );
    assert!(stderr.contains("3 problem(s)"), "{stderr}");
    assert!(!stderr.contains("a-good.toml"), "{stderr}");
}

#[test]
fn broken_config_exits_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("herald.toml"),
        "[herald]\ntimezone = \"Mars/Olympus\"\n",
    )
    .unwrap();
    herald(&dir.path().join("herald.toml"))
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "herald.toml:2:12: field `herald.timezone`: unknown zone `Mars/Olympus`",
        ));
    // A broken config does not hide the problems of the events and templates beside it.
    fs::create_dir(dir.path().join("events")).unwrap();
    fs::write(
        dir.path().join("events/e.toml"),
        "title = \"x\"\nstart = 2031-01-01T12:00:00\nend = 2031-01-01T10:00:00\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("templates")).unwrap();
    fs::write(dir.path().join("templates/announce.j2"), "{% if %}\n").unwrap();
    herald(&dir.path().join("herald.toml"))
        .arg("check")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown zone `Mars/Olympus`")
                .and(predicate::str::contains("e.toml:3:"))
                .and(predicate::str::contains("announce.j2:1"))
                .and(predicate::str::contains("3 problem(s)")),
        );
}

#[test]
fn check_refuses_messages_a_keyword_robot_would_drop() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    fs::create_dir(&events).unwrap();
    let config = "[[channels]]\nname = \"dt\"\nplatform = \"dingtalk\"\nwebhook = \"http://127.0.0.1:9/robot/send?access_token=${HERALD_TEST_TOKEN}\"\nkeywords = [\"SOFA\"]\n";
    fs::write(dir.path().join("herald.toml"), config).unwrap();
    fs::write(
        events.join("ok.toml"),
        "title = \"SOFA 之夜\"\nstart = 2030-01-01T10:00:00\nend = 2030-01-01T12:00:00\n",
    )
    .unwrap();
    fs::write(
        events.join("no-keyword.toml"),
        "title = \"云原生之夜\"\nstart = 2030-01-01T10:00:00\nend = 2030-01-01T12:00:00\n",
    )
    .unwrap();
    let out = herald(&dir.path().join("herald.toml"))
        .env("HERALD_TEST_TOKEN", "fake-token-123")
        .arg("check")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no-keyword.toml: rule `announce` (announce): channel `dt`: part 1 contains none of the robot's keywords (SOFA)"), "{stderr}");
    assert!(!stderr.contains("ok.toml"), "{stderr}");
    assert!(!stderr.contains("fake-token-123"));
}

#[test]
fn template_syntax_errors_are_reported_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("events")).unwrap();
    fs::create_dir_all(dir.path().join("templates")).unwrap();
    fs::write(
        dir.path().join("herald.toml"),
        "[[channels]]\nname = \"console\"\nplatform = \"console\"\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("templates/recap.wecom.j2"),
        "# 回顾\n{% for t in event.talks %}\n{{ t.title }\n{% endfor %}\n",
    )
    .unwrap();
    let out = herald(&dir.path().join("herald.toml"))
        .arg("check")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("templates/recap.wecom.j2:3: template syntax error"),
        "{stderr}"
    );
}

/// What a card cannot hold is never silently dropped: `check` names the channel and the
/// links it would lose and suggests markdown; a title pasted with its page label and a
/// relative cover without a site are warned about. Warnings do not fail the check.
#[test]
fn check_warns_about_lost_links_pasted_labels_and_relative_covers() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    fs::create_dir(&events).unwrap();
    fs::write(
        dir.path().join("herald.toml"),
        "[[channels]]\nname = \"dt-link\"\nplatform = \"dingtalk\"\nformat = \"link\"\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=${T}\"\n",
    )
    .unwrap();
    let mut event = String::from(
        "title = \"【活动回顾】SOFAChannel#1\"\nstart = 2030-01-01T10:00:00\nend = 2030-01-01T12:00:00\ncover = \"/img/c.png\"\n",
    );
    for i in 0..3 {
        event.push_str(&format!(
            "[[talks]]\ntitle = \"议题 {i}\"\nslides = \"https://example.com/{i}.pdf\"\n"
        ));
    }
    fs::write(events.join("e.toml"), event).unwrap();
    let out = herald(&dir.path().join("herald.toml"))
        .env("T", "token")
        .arg("check")
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr
            .contains("channel `dt-link` (link) cannot hold 2 link(s): 资料：议题 1、资料：议题 2"),
        "{stderr}"
    );
    assert!(stderr.contains("format = \"markdown\""), "{stderr}");
    assert!(
        stderr.contains("field `title`: already starts with a 【…】 label"),
        "{stderr}"
    );
    assert!(stderr.contains("field `cover`: is relative"), "{stderr}");
}
