//! The organizer's commands on the shipped config: list, preview (text and --json), plan,
//! send --dry-run, history, completions, and bad names exit 2.

use super::{herald, shipped_config};
use predicates::prelude::*;

#[test]
fn list_shows_the_samples() {
    herald(&shipped_config())
        .arg("list")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("sofa-meetup-8-chengdu")
                .and(predicate::str::contains("sofa-meetup-cloud-native-2022")),
        );
    let out = herald(&shipped_config())
        .args(["list", "--json"])
        .output()
        .unwrap();
    let events: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(events.as_array().unwrap().len(), 2);
}

#[test]
fn preview_of_the_chengdu_recap_on_wecom_fits_and_carries_every_fact() {
    let out = herald(&shipped_config())
        .args([
            "preview",
            "sofa-meetup-8-chengdu",
            "--kind",
            "recap",
            "--platform",
            "wecom",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let sizes: Vec<usize> = text
        .lines()
        .filter(|l| l.starts_with("── part"))
        .map(|l| {
            l.split(" · ")
                .nth(1)
                .unwrap()
                .split(" / ")
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        sizes.len() >= 2 && sizes.iter().all(|b| *b <= 4096),
        "{sizes:?}"
    );
    assert!(text.contains("/ 4096 bytes"));
    for needle in [
        "75201cac",
        "ce6c26b1",
        "82be6ceb",
        "26189392",
        "刘浩杨",
        "周群力",
        "张稀虹",
        "侯璐瑶",
        "34197075",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

#[test]
fn preview_json_prints_the_exact_request_bodies() {
    let out = herald(&shipped_config())
        .args([
            "preview",
            "sofa-meetup-8-chengdu",
            "--kind",
            "announce",
            "--platform",
            "dingtalk",
            "--format",
            "action_card",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bodies: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // No link before the event: the card falls back to markdown.
    assert_eq!(bodies[0]["msgtype"], "markdown");
    assert!(
        bodies[0]["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("活动预告")
    );
    let out = herald(&shipped_config())
        .args([
            "preview",
            "sofa-meetup-cloud-native-2022",
            "--kind",
            "recap",
            "--platform",
            "feishu",
            "--json",
        ])
        .output()
        .unwrap();
    let bodies: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bodies[0]["msg_type"], "post");
}

#[test]
fn plan_lists_the_samples_deliveries_from_the_demo_start() {
    let out = herald(&shipped_config())
        .args(["plan", "--days", "10", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "announce",
            "remind-day-before",
            "remind-hour-before",
            "recap"
        ],
        "{rows:#}"
    );
    assert_eq!(rows[0]["due"], "2021-09-04T02:00:00Z");
    assert_eq!(rows[0]["channel"], "console");
    assert_eq!(rows[0]["state"], "to_come");
}

#[test]
fn send_dry_run_posts_nothing_and_unknown_names_exit_2() {
    let (_dir, config) = with_sample("[herald]\nevents = \"events\"\nledger = \"h.db\"\n");
    herald(&config)
        .args(["send", "m8", "--kind", "announce", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("would send"));
    herald(&config)
        .args(["history"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no deliveries"));
    herald(&config)
        .args(["send", "nope", "--kind", "announce"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no event `nope`"));
    herald(&config)
        .args(["send", "m8", "--kind", "announce", "--channel", "nope"])
        .assert()
        .code(2);
    herald(&config)
        .args([
            "preview",
            "m8",
            "--kind",
            "recap",
            "--platform",
            "wecom",
            "--format",
            "post",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wecom has no format `post`"));
    // Logs to a pipe (journald, a file) carry no colour codes.
    herald(&config)
        .env("HERALD_LOG", "info")
        .args(["send", "m8", "--kind", "announce"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1/1 part(s) sent"))
        .stderr(predicate::str::contains("delivered").and(predicate::str::contains("\x1b[").not()));
    let out = herald(&config)
        .args(["history", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["state"], "sent");
    assert_eq!(rows[0]["claimed_by"], "cli");
}

#[test]
fn ping_console_and_completions() {
    herald(&shipped_config())
        .args(["ping", "console"])
        .assert()
        .success()
        .stdout(predicate::str::contains("delivered"));
    herald(&shipped_config())
        .args(["ping", "nope"])
        .assert()
        .code(2);
    herald(&shipped_config())
        .env("HERALD_LOG", "herald=loud")
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("herald"))
        .stderr(predicate::str::contains(
            "warning: HERALD_LOG=\"herald=loud\" is not a log filter",
        ));
    herald(&shipped_config())
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains("herald 0.1.0"));
}

/// In demo mode the daemon, `herald send` and `herald history` share the demo ledger.
#[test]
fn demo_mode_sends_and_history_use_the_demo_ledger() {
    let (dir, config) = with_sample(
        "[herald]\nledger = \"h.db\"\n[demo]\nstart = \"2021-09-04T09:59:00+08:00\"\nspeed = 60\n",
    );
    herald(&config)
        .args(["send", "m8", "--kind", "announce"])
        .assert()
        .success();
    assert!(dir.path().join("demo.db").exists());
    assert!(!dir.path().join("h.db").exists());
    herald(&config)
        .arg("history")
        .assert()
        .success()
        .stdout(predicate::str::contains("m8").and(predicate::str::contains("announce")));
}

/// A temp workspace: `head` plus a console channel, and the Chengdu sample as event `m8`.
pub fn with_sample(head: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("herald.toml");
    std::fs::write(
        &config,
        format!("{head}[[channels]]\nname = \"console\"\nplatform = \"console\"\n"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("events")).unwrap();
    std::fs::copy(
        super::shipped_config().with_file_name("events/sofa-meetup-8-chengdu.toml"),
        dir.path().join("events/m8.toml"),
    )
    .unwrap();
    (dir, config)
}

/// `send --dry-run` and `check` judge the same message: the sample's long recap on a DingTalk
/// feed_card is one small card (an item per deck), which both call fine, and the dry run
/// names the posted format.
#[test]
fn dry_run_and_check_agree_on_a_feed_card_recap() {
    let (_dir, config) = with_sample(
        "[herald]\nevents = \"events\"\nledger = \"h.db\"\n[[channels]]\nname = \"feed\"\nplatform = \"dingtalk\"\nformat = \"feed_card\"\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=${T}\"\n",
    );
    herald(&config)
        .env("T", "token")
        .arg("check")
        .assert()
        .success();
    herald(&config)
        .env("T", "token")
        .args([
            "send",
            "m8",
            "--kind",
            "recap",
            "--channel",
            "feed",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("would send 1 part(s) to feed")
                .and(predicate::str::contains("(feed_card; check: ok)")),
        );
}

/// `preview --channel NAME` shows what that channel receives, mentions included.
#[test]
fn preview_for_a_channel_includes_its_mentions() {
    let (_dir, config) = with_sample(
        "[herald]\nevents = \"events\"\nledger = \"h.db\"\n[[channels]]\nname = \"wc\"\nplatform = \"wecom\"\nwebhook = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${K}\"\nmentions = { user_ids = [\"zhangsan\"] }\n",
    );
    let out = herald(&config)
        .env("K", "key")
        .args([
            "preview",
            "m8",
            "--kind",
            "remind",
            "--channel",
            "wc",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bodies: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let content = bodies[0]["markdown"]["content"].as_str().unwrap();
    assert!(content.ends_with("<@zhangsan>"), "{content}");
    herald(&config)
        .args(["preview", "m8", "--kind", "remind"])
        .assert()
        .code(2);
}
