//! `herald plan` tells the truth: what the ledger says was sent, what an organizer holds or
//! skipped, and what is still to come — and hold/release/skip take names with did-you-mean.

use super::herald;
use predicates::prelude::*;

const EVENT: &str = "title = \"SOFAChannel#99：测试直播\"\nstart = 2030-06-01T14:00:00\nend = 2030-06-01T16:00:00\nformat = \"online\"\n[[live]]\ntitle = \"B 站直播\"\nurl = \"http://live.bilibili.com/21954520\"\n[[slides]]\ntitle = \"资料下载\"\nurl = \"https://example.com/slides.pdf\"\n";

fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("events")).unwrap();
    std::fs::write(dir.path().join("events/ch99.toml"), EVENT).unwrap();
    let config = dir.path().join("herald.toml");
    std::fs::write(
        &config,
        "[herald]\nledger = \"h.db\"\n[[channels]]\nname = \"console\"\nplatform = \"console\"\n",
    )
    .unwrap();
    (dir, config)
}

fn plan(config: &std::path::Path) -> Vec<serde_json::Value> {
    let out = herald(config)
        .args([
            "plan",
            "--from",
            "2030-05-20T00:00:00Z",
            "--days",
            "30",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn state_of(rows: &[serde_json::Value], rule: &str) -> String {
    rows.iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {rows:#?}"))["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn plan_shows_what_was_sent_held_and_skipped() {
    let (_dir, config) = workspace();
    let before = plan(&config);
    assert_eq!(state_of(&before, "announce"), "to_come");
    herald(&config)
        .args(["send", "ch99", "--kind", "announce"])
        .assert()
        .success();
    herald(&config)
        .args(["hold", "ch99", "--rule", "remind-day-before"])
        .assert()
        .success()
        .stdout(predicate::str::contains("held"));
    herald(&config)
        .args(["skip", "ch99", "--rule", "recap"])
        .assert()
        .success()
        .stdout(predicate::str::contains("skipped"));
    let after = plan(&config);
    assert_eq!(state_of(&after, "announce"), "sent");
    assert_eq!(state_of(&after, "remind-day-before"), "held");
    assert_eq!(state_of(&after, "recap"), "skipped");
    assert_eq!(state_of(&after, "remind-hour-before"), "to_come");
    herald(&config)
        .args([
            "plan",
            "--from",
            "2030-05-20T00:00:00Z",
            "--days",
            "30",
            "--state",
            "held",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("remind-day-before")
                .and(predicate::str::contains("announce").not()),
        );
    // Released: to come again.
    herald(&config).args(["release", "ch99"]).assert().success();
    assert_eq!(state_of(&plan(&config), "remind-day-before"), "to_come");
    herald(&config)
        .args(["release", "ch99"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing held"));
}

#[test]
fn hold_names_are_checked_with_a_did_you_mean() {
    let (_dir, config) = workspace();
    herald(&config)
        .args(["hold", "ch99", "--rule", "remind-day-befor"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `remind-day-before`?",
        ));
    herald(&config)
        .args(["hold", "ch9", "--channel", "console"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no event `ch9`"));
}

/// A cancel went out by hand; the record is un-cancelled: `plan` shows the pending 恢复举办
/// notice to that group and when it will go (after the settle time, quiet hours allowing).
#[test]
fn plan_shows_a_pending_resume_notice_for_an_uncancelled_event() {
    let (dir, config) = workspace();
    herald(&config)
        .args(["send", "ch99", "--kind", "announce"])
        .assert()
        .success();
    let event = dir.path().join("events/ch99.toml");
    std::fs::write(&event, format!("status = \"cancelled\"\n{EVENT}")).unwrap();
    herald(&config)
        .args(["send", "ch99", "--kind", "cancel", "--channel", "console"])
        .assert()
        .success();
    assert!(
        plan(&config).iter().all(|r| r["kind"] != "resume"),
        "nothing to resume while cancelled"
    );
    std::fs::write(&event, EVENT).unwrap();
    let saved = chrono::Utc::now();
    let rows = plan(&config);
    let resume: Vec<_> = rows.iter().filter(|r| r["kind"] == "resume").collect();
    assert_eq!(resume.len(), 1, "{rows:#?}");
    assert_eq!(resume[0]["state"], "pending");
    assert_eq!(resume[0]["channel"], "console");
    let time = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .to_utc()
    };
    let (due, go) = (time(&resume[0]["due"]), time(&resume[0]["at"]));
    // Settles for the default 10 minutes after the save; quiet hours may push it later.
    let settle = chrono::TimeDelta::minutes(10);
    assert!(
        due >= saved + settle - chrono::TimeDelta::seconds(5),
        "{due}"
    );
    assert!(due <= chrono::Utc::now() + settle, "{due}");
    assert!(
        go >= due && go <= due + chrono::TimeDelta::hours(10),
        "{go}"
    );
    herald(&config)
        .args([
            "plan",
            "--from",
            "2030-05-20T00:00:00Z",
            "--state",
            "pending",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("pending   resume").and(predicate::str::contains(
                "goes to the groups that got the cancel",
            )),
        );
}

#[test]
fn plan_lists_a_pending_change_notice_once_the_announced_event_changes() {
    let (dir, config) = workspace();
    herald(&config)
        .args(["send", "ch99", "--kind", "announce"])
        .assert()
        .success();
    let pending = |rows: &[serde_json::Value]| {
        rows.iter()
            .filter(|r| r["state"] == "pending")
            .map(|r| {
                (
                    r["kind"].as_str().unwrap().to_string(),
                    r["channel"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(pending(&plan(&config)), vec![]);
    let moved = EVENT.replace("2030-06-01T14:00:00", "2030-06-01T15:00:00");
    std::fs::write(dir.path().join("events/ch99.toml"), moved).unwrap();
    assert_eq!(
        pending(&plan(&config)),
        vec![("change".to_string(), serde_json::json!("console"))]
    );
}
