//! The edges a person types at: help that lists values, completions that offer names, a
//! broken pipe that ends quietly, did-you-mean, local times and dates for `--now`/`--from`.

use super::{herald, shipped_config};
use predicates::prelude::*;
use std::io::Read;
use std::process::Stdio;

#[test]
fn every_option_has_help_and_lists_its_values() {
    let out = herald(&shipped_config())
        .args(["preview", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // Joined into one line: help wraps at the terminal's width.
    let help = String::from_utf8(out)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for wanted in [
        "Event id",
        "possible values: announce, remind, recap, change, cancel, resume, digest",
        "possible values: dingtalk, wecom, feishu, console",
        "markdown_v2",
        "local time or date in the herald",
    ] {
        assert!(help.contains(wanted), "`{wanted}` missing from:\n{help}");
    }
    for sub in ["plan", "send", "check", "list", "history"] {
        let out = herald(&shipped_config())
            .args([sub, "--help"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8(out).unwrap();
        // Every option line is followed by its description: no bare `--json` lines.
        let bare: Vec<&str> = help
            .lines()
            .filter(|l| l.trim_start().starts_with("--") && !l.trim().contains("  "))
            .filter(|l| {
                !l.contains("--help") && !l.contains("--config") && !l.contains("--log-format")
            })
            .collect();
        assert!(
            bare.is_empty(),
            "{sub}: options without help: {bare:?}\n{help}"
        );
    }
}

#[test]
fn completions_offer_kinds_platforms_event_ids_and_channels() {
    let out = herald(&shipped_config())
        .args(["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let script = String::from_utf8(out).unwrap();
    for wanted in [
        "announce",
        "remind",
        "dingtalk",
        "feishu",
        "sofa-meetup-8-chengdu",
        "sofa-meetup-cloud-native-2022",
        "console",
    ] {
        assert!(script.contains(wanted), "`{wanted}` not offered");
    }
}

#[test]
fn a_broken_pipe_ends_quietly() {
    for args in [
        &["plan", "--json", "--days", "3660"][..],
        &["list", "--json"],
        &["history"],
        &[
            "preview",
            "sofa-meetup-8-chengdu",
            "--kind",
            "recap",
            "--platform",
            "wecom",
            "--json",
        ],
    ] {
        let config = shipped_config();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("herald"))
            .env("HERALD_LOG", "warn")
            .arg("--config")
            .arg(&config)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before herald writes
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(status.code(), Some(101), "{args:?}: {stderr}");
    }
}

#[test]
fn mistyped_names_get_a_did_you_mean() {
    herald(&shipped_config())
        .args([
            "preview",
            "sofa-meetup-8-chengu",
            "--kind",
            "announce",
            "--platform",
            "wecom",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no event `sofa-meetup-8-chengu` (did you mean `sofa-meetup-8-chengdu`?)",
        ));
    herald(&shipped_config())
        .args([
            "preview",
            "sofa-meetup-8-chengdu",
            "--kind",
            "announce",
            "--channel",
            "consol",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no channel `consol` (did you mean `console`?)",
        ));
    herald(&shipped_config())
        .args([
            "send",
            "sofa-meetup-8-chengdu",
            "--kind",
            "announce",
            "--channel",
            "consol",
            "--dry-run",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `console`?"));
}

#[test]
fn now_and_from_take_local_times_and_dates_in_the_herald_zone() {
    // 2021-09-10 10:00 in Asia/Shanghai is the day before the sample's 13:30 start.
    herald(&shipped_config())
        .args([
            "preview",
            "sofa-meetup-8-chengdu",
            "--kind",
            "remind",
            "--platform",
            "wecom",
        ])
        .args(["--now", "2021-09-10 10:00"])
        .assert()
        .success()
        .stdout(predicate::str::contains("明天下午 13:30"));
    herald(&shipped_config())
        .args(["plan", "--from", "2021-09-04", "--days", "1"])
        .assert()
        .success();
    herald(&shipped_config())
        .args(["plan", "--from", "04/09/2021"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a date (2026-11-25)"));
}

#[test]
fn a_taken_port_is_said_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("events")).unwrap();
    let config = dir.path().join("herald.toml");
    std::fs::write(
        &config,
        format!("[herald]\nlisten = \"127.0.0.1:{port}\"\nledger = \"herald.db\"\n[[channels]]\nname = \"console\"\nplatform = \"console\"\n"),
    )
    .unwrap();
    let out = herald(&config)
        .arg("run")
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    let said = stderr.matches("in use").count();
    assert_eq!(said, 1, "{stderr}");
}
