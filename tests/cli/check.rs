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

/// `herald send` meets the same trap as a typed outcome: refused before posting (nothing goes
/// on the wire), printed with its reason, exit 3, and a failed row in the ledger.
#[test]
fn send_reports_a_message_a_keyword_robot_would_drop_as_refused() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events");
    fs::create_dir(&events).unwrap();
    let config = "[herald]\nledger = \"h.db\"\n[[channels]]\nname = \"dt\"\nplatform = \"dingtalk\"\nwebhook = \"http://127.0.0.1:9/robot/send?access_token=${HERALD_TEST_TOKEN}\"\nkeywords = [\"SOFA\"]\n";
    fs::write(dir.path().join("herald.toml"), config).unwrap();
    fs::write(
        events.join("no-keyword.toml"),
        "title = \"云原生之夜\"\nstart = 2030-01-01T10:00:00\nend = 2030-01-01T12:00:00\n",
    )
    .unwrap();
    let config = dir.path().join("herald.toml");
    herald(&config)
        .env("HERALD_TEST_TOKEN", "fake-token-123")
        .args(["send", "no-keyword", "--kind", "announce"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "dt: 0/0 part(s) sent; refused before posting: channel `dt`: part 1 contains none of the robot's keywords (SOFA)",
        ));
    let out = herald(&config)
        .env("HERALD_TEST_TOKEN", "fake-token-123")
        .args(["history", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["state"], "failed");
    assert_eq!(rows[0]["attempts"], 0);
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
            .contains("channel `dt-link` (link) cannot hold 2 link(s): 资料：议题 1, 资料：议题 2"),
        "{stderr}"
    );
    assert!(stderr.contains("format = \"markdown\""), "{stderr}");
    assert!(
        stderr.contains("field `title`: already starts with the label `【活动回顾】`"),
        "{stderr}"
    );
    assert!(stderr.contains("field `cover`: is relative"), "{stderr}");
}

/// A folder with `herald.toml` (plus `extra` config text) and the given event files.
fn workspace(extra: &str, events: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("events")).unwrap();
    fs::write(
        dir.path().join("herald.toml"),
        format!("[[channels]]\nname = \"console\"\nplatform = \"console\"\n{extra}"),
    )
    .unwrap();
    for (name, text) in events {
        fs::write(dir.path().join("events").join(name), text).unwrap();
    }
    dir
}

const GOOD: &str =
    "title = \"SOFA 之夜\"\nstart = 2030-01-01T13:30:00\nend = 2030-01-01T17:30:00\n";

#[test]
fn a_render_error_is_reported_at_its_template_line_for_the_event() {
    let dir = workspace("", &[("m8.toml", GOOD)]);
    fs::create_dir(dir.path().join("templates")).unwrap();
    fs::write(
        dir.path().join("templates/change.j2"),
        "# {{ event.title }}\n{{ event.titel }}\n",
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
        stderr.contains("templates/change.j2:2: render error for event `m8` (change, console/markdown): undefined value"),
        "{stderr}"
    );
    // Once, not once per moment or platform.
    assert_eq!(stderr.matches("render error").count(), 1, "{stderr}");
}

#[test]
fn a_platform_override_is_rendered_even_when_no_channel_uses_it() {
    let dir = workspace("", &[("m8.toml", GOOD)]);
    fs::create_dir(dir.path().join("templates")).unwrap();
    fs::write(dir.path().join("templates/recap.feishu.j2"), "{{ nope }}\n").unwrap();
    herald(&dir.path().join("herald.toml"))
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "templates/recap.feishu.j2:1: render error for event `m8` (recap, feishu/post)",
        ));
}

const TRAPS: &str = r#"
[[channels]]
name = "dt"
platform = "dingtalk"
webhook = "https://oapi.dingtalk.com/robot/send?access_token=${HERALD_TEST_NOT_SET}"
per_minute = 0

[[channels]]
name = "wc"
platform = "wecom"
webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${HERALD_TEST_NOT_SET}"
per_minute = 40

[[rules]]
name = "announce"
kind = "announce"
offset = "-7d"
slot = "0 10 * * * *"

[[rules]]
name = "leap"
kind = "remind"
offset = "-1d"
slot = "0 0 30 2 *"

[[rules]]
name = "typo"
kind = "recap"
anchor = "end"
offset = "1d"
targets = ["consle", "tag:sofaa"]
"#;

fn traps() -> tempfile::TempDir {
    workspace(
        TRAPS,
        &[
            (
                "past.toml",
                "title = \"SOFA 往期\"\nstart = 2020-01-01T13:30:00\nend = 2020-01-01T17:30:00\n",
            ),
            (
                "talk.toml",
                "title = \"SOFA 之夜\"\nstart = 2030-01-01T13:30:00\nend = 2030-01-01T17:30:00\n\n[[talks]]\ntitle = \"早到的议题\"\ntime = \"09:00-09:40\"\n",
            ),
            (
                "fold.toml",
                "title = \"SOFA NYC\"\ntimezone = \"America/New_York\"\nstart = 2030-11-03T01:30:00\nend = 2030-11-03T03:00:00\n",
            ),
        ],
    )
}

#[test]
fn silent_traps_are_warnings_that_fail_only_a_strict_check() {
    let dir = traps();
    let config = dir.path().join("herald.toml");
    let out = herald(&config)
        .env_remove("HERALD_TEST_NOT_SET")
        .arg("check")
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for wanted in [
        "past.toml:2: warning: field `start`: the event is already over",
        "talk.toml:6: warning: talk `早到的议题`: time 09:00-09:40 is outside the event (13:30-17:30)",
        "fold.toml:3: warning: field `start`: 2030-11-03 01:30 happens twice in America/New_York",
        "herald.toml:18: warning: rule `announce`: slot `0 10 * * * *` has 6 fields, so the first is seconds: it fires at 00:10:00, 01:10:00, 02:10:00, … on a day",
        "warning: rule `leap`: slot `0 0 30 2 *` never fires",
        "warning: rule `typo`: target `consle` picks no channel: no channel `consle` (did you mean `console`?)",
        "warning: rule `typo`: target `tag:sofaa` picks no channel: no channel tag `sofaa` (there are none)",
        "warning: channel `dt`: field `per_minute` is 0",
        "warning: channel `wc`: field `per_minute` = 40 is above wecom's limit of 20",
        "warning: channel `dt`: field `webhook`: environment variable `HERALD_TEST_NOT_SET` is not set",
    ] {
        assert!(
            stderr.contains(wanted),
            "`{wanted}` missing from:\n{stderr}"
        );
    }
    assert!(
        String::from_utf8(out.stdout).unwrap().starts_with("ok:"),
        "warnings alone pass"
    );
    herald(&config)
        .env_remove("HERALD_TEST_NOT_SET")
        .args(["check", "--strict"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("warning(s) found (--strict)"));
}

#[test]
fn check_json_is_for_ci_annotations() {
    let dir = traps();
    let out = herald(&dir.path().join("herald.toml"))
        .env_remove("HERALD_TEST_NOT_SET")
        .args(["check", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], 0);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(
        report["warnings"].as_u64().unwrap() as usize,
        problems.len()
    );
    let past = problems
        .iter()
        .find(|p| p["message"].as_str().unwrap().contains("already over"))
        .expect("the past event is reported");
    assert_eq!(past["severity"], "warning");
    assert_eq!(past["location"]["line"], 2);
    assert!(
        past["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("past.toml")
    );
}

#[test]
fn looking_needs_no_secrets_but_posting_does() {
    let dir = traps();
    let config = dir.path().join("herald.toml");
    for args in [
        &["list"][..],
        &["plan", "--from", "2029-12-20", "--days", "30"],
        &["preview", "talk", "--kind", "announce", "--channel", "dt"],
        &["history"],
    ] {
        herald(&config)
            .env_remove("HERALD_TEST_NOT_SET")
            .args(args)
            .assert()
            .success()
            .stderr(predicate::str::contains("`HERALD_TEST_NOT_SET` is not set"));
    }
    herald(&config)
        .env_remove("HERALD_TEST_NOT_SET")
        .args(["ping", "dt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "channel `dt`: field `webhook`: environment variable `HERALD_TEST_NOT_SET` is not set",
        ));
    // The console channel needs no secret: pinging it still works.
    herald(&config)
        .env_remove("HERALD_TEST_NOT_SET")
        .args(["ping", "console"])
        .assert()
        .success();
    herald(&config)
        .env_remove("HERALD_TEST_NOT_SET")
        .args(["send", "talk", "--kind", "announce", "--channel", "wc"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("HERALD_TEST_NOT_SET"));
}

#[test]
fn one_bad_key_does_not_hide_the_other_problems_of_its_file() {
    let event = "title = \"SOFA 之夜\"\nstart = 2030-01-01T13:30:00\nformat = \"onlien\"\ntimezone = \"Mars/Base\"\nregistration = \"not a url\"\n";
    let config = "\n[send]\nconcurency = 5\n\n[[rules]]\nname = \"r\"\nkind = \"announce\"\noffset = \"-7x\"\n";
    let dir = workspace(config, &[("e.toml", event)]);
    let out = herald(&dir.path().join("herald.toml"))
        .arg("check")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for wanted in [
        "e.toml:3:10: unknown variant `onlien`",
        "e.toml:4:",
        "Mars/Base",
        "e.toml:5:",
        "herald.toml:6:1: unknown field `concurency`",
        "did you mean `concurrency`?",
        "herald.toml:11:",
        "-7x",
    ] {
        assert!(
            stderr.contains(wanted),
            "`{wanted}` missing from:\n{stderr}"
        );
    }
}

/// A slot inside a target channel's quiet hours is a warning, read in each channel's zone:
/// 07:00 in Shanghai is midnight in Berlin; 23:30 in Shanghai is the afternoon there.
#[test]
fn a_slot_inside_a_channels_quiet_hours_is_a_warning_in_that_channels_zone() {
    let extra = r#"
[[channels]]
name = "berlin"
platform = "console"
timezone = "Europe/Berlin"

[[channels]]
name = "owl"
platform = "console"
quiet_hours = "off"

[[rules]]
name = "late-night"
kind = "remind"
offset = "-1d"
slot = "30 23 * * *"

[[rules]]
name = "early"
kind = "remind"
offset = "-1d"
slot = "0 7 * * *"

[[rules]]
name = "daytime"
kind = "announce"
offset = "-7d"
slot = "0 10 * * *"
"#;
    let dir = workspace(extra, &[("m8.toml", GOOD)]);
    let out = herald(&dir.path().join("herald.toml"))
        .arg("check")
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let quiet: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("inside the quiet hours"))
        .collect();
    let has = |rule: &str, rest: &str| {
        quiet
            .iter()
            .any(|l| l.contains(&format!("rule `{rule}`")) && l.contains(rest))
    };
    assert!(
        has("late-night", "fires at 23:30 (")
            && has(
                "late-night",
                "22:00-08:00 Asia/Shanghai of channel `console`"
            ),
        "{stderr}"
    );
    assert!(has("early", "fires at 07:00 ("), "{stderr}");
    assert!(has("early", "fires at 00:00 ("), "{stderr}");
    assert!(
        has("early", "22:00-08:00 Europe/Berlin of channel `berlin`"),
        "{stderr}"
    );
    assert!(quiet.iter().all(|l| !l.contains("`owl`")), "{stderr}");
    assert!(!has("late-night", "`berlin`"), "{stderr}");
    // 10:00 in Shanghai is 03:00 in Berlin: quiet there, not at home.
    assert!(
        has("daytime", "fires at 03:00 (") && has("daytime", "of channel `berlin`"),
        "{stderr}"
    );
    assert!(!has("daytime", "`console`"), "{stderr}");
    assert!(
        quiet
            .iter()
            .all(|l| l.contains("its messages still go then")),
        "{stderr}"
    );
    assert_eq!(quiet.len(), 4, "{stderr}");
}

/// Hundreds of events are checked on every core, yet reported as one pass would: a render
/// error once, naming the first event (in file order) that hits it, and every refusal in
/// file order.
#[test]
fn many_events_are_reported_in_file_order_each_render_error_once() {
    let keyword_robot = "[[channels]]\nname = \"dt\"\nplatform = \"dingtalk\"\nwebhook = \"http://127.0.0.1:9/robot/send?access_token=${HERALD_TEST_TOKEN}\"\nkeywords = [\"SOFA\"]\n";
    let event = |title: &str| {
        format!("title = \"{title}\"\nstart = 2030-01-01T13:30:00\nend = 2030-01-01T17:30:00\n")
    };
    let (broken, unkeyed) = ([100, 450], [50, 300, 599]);
    let files: Vec<(String, String)> = (0..600)
        .map(|i| {
            let title = if broken.contains(&i) {
                format!("坏 SOFA {i}")
            } else if unkeyed.contains(&i) {
                format!("云原生 {i}")
            } else {
                format!("SOFA 之夜 {i}")
            };
            (format!("e{i:03}.toml"), event(&title))
        })
        .collect();
    let named: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let dir = workspace(keyword_robot, &named);
    fs::create_dir(dir.path().join("templates")).unwrap();
    fs::write(
        dir.path().join("templates/remind.j2"),
        "# {{ event.title }}\n{% if \"坏\" in event.title %}{{ event.nope }}{% endif %}\n",
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
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("render error"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("templates/remind.j2:2: render error for event `e100` (remind,"),
        "{stderr}"
    );
    let refused: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("contains none of the robot's keywords"))
        .map(|l| l.split(".toml").next().unwrap_or(""))
        .map(|l| l.rsplit('/').next().unwrap_or(""))
        .collect();
    let mut seen: Vec<&str> = refused.clone();
    seen.dedup();
    assert_eq!(seen, ["e050", "e300", "e599"], "{stderr}");
    let mut sorted = refused.clone();
    sorted.sort();
    assert_eq!(refused, sorted, "{stderr}");
}

/// A change notice is rendered with sample changes, so a typo inside its loop over them is
/// found although no event has changed yet.
#[test]
fn a_change_notice_is_checked_with_changes_to_report() {
    let dir = workspace("", &[("m8.toml", GOOD)]);
    fs::create_dir(dir.path().join("templates")).unwrap();
    fs::write(
        dir.path().join("templates/change.j2"),
        "# {{ event.title }}\n{% for c in changes %}{{ c.labl }}{% endfor %}\n",
    )
    .unwrap();
    herald(&dir.path().join("herald.toml"))
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "templates/change.j2:2: render error for event `m8` (change, console/markdown): undefined value",
        ));
}
