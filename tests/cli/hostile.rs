//! Hostile and broken input never hangs, exhausts or crashes herald: a template symlinked to
//! the process environment, a FIFO or a device named like an event file, a file over the size
//! cap, out-of-range durations, an overlong title, an absurd `--days`. Each is a located
//! `check` error (exit 2), and the other files still load.

use super::herald;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

const GOOD: &str = "title = \"好\"\nstart = 2030-01-01T10:00:00\nend = 2030-01-01T12:00:00\n";

/// A workspace with one good event and a console channel; returns (dir, config path).
fn workspace(extra_config: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("events")).unwrap();
    fs::create_dir(dir.path().join("templates")).unwrap();
    fs::write(dir.path().join("events/a-good.toml"), GOOD).unwrap();
    let config = dir.path().join("herald.toml");
    fs::write(
        &config,
        format!("[[channels]]\nname = \"console\"\nplatform = \"console\"\n{extra_config}"),
    )
    .unwrap();
    (dir, config)
}

/// `herald check` within 10 s (a hang fails the test instead of blocking it): stderr.
fn check_fails(config: &Path) -> String {
    let out = herald(config)
        .arg("check")
        .timeout(Duration::from_secs(10))
        .assert()
        .code(2)
        .get_output()
        .clone();
    String::from_utf8(out.stderr).unwrap()
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn a_template_symlinked_out_of_its_folder_is_refused_and_never_rendered() {
    let (dir, config) = workspace("");
    std::os::unix::fs::symlink(
        "/proc/self/environ",
        dir.path().join("templates/announce.j2"),
    )
    .unwrap();
    let stderr = check_fails(&config);
    assert!(stderr.contains("announce.j2"), "{stderr}");
    assert!(stderr.contains("outside"), "{stderr}");
    // The preview renders nothing from it either.
    let out = herald(&config)
        .env("HERALD_SECRET_CANARY", "canary-3f9a")
        .args(["preview", "a-good", "--kind", "announce"])
        .timeout(Duration::from_secs(10))
        .assert()
        .failure()
        .get_output()
        .clone();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("canary-3f9a"), "{all}");
}

#[test]
fn fifos_devices_and_huge_files_among_events_are_refused_without_hanging() {
    let (dir, config) = workspace("");
    mkfifo(&dir.path().join("events/x.toml"));
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("events/zero.toml")).unwrap();
    fs::write(
        dir.path().join("events/huge.toml"),
        format!("{GOOD}summary = \"{}\"\n", "长".repeat(400_000)),
    )
    .unwrap();
    let stderr = check_fails(&config);
    assert!(
        stderr.contains("x.toml") && stderr.contains("FIFO"),
        "{stderr}"
    );
    assert!(stderr.contains("zero.toml"), "{stderr}");
    assert!(
        stderr.contains("huge.toml") && stderr.contains("limit"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("a-good.toml"),
        "the good file is fine: {stderr}"
    );
}

#[test]
fn out_of_range_durations_are_located_errors_not_panics() {
    let rule = "[[rules]]\nname = \"announce\"\nkind = \"announce\"\nanchor = \"start\"\noffset = \"99999999999999w\"\n";
    let (_dir, config) = workspace(&format!(
        "[send]\nrequest_timeout = \"106751991167300d\"\n{rule}"
    ));
    let stderr = check_fails(&config);
    assert!(
        stderr.contains("herald.toml:5:") && stderr.contains("send.request_timeout"),
        "{stderr}"
    );
    assert!(stderr.contains("rules.offset"), "{stderr}");
    assert!(stderr.contains("out of range"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for cmd in [["plan", "--days", "7"], ["list", "--json", "--json"]] {
        let out = herald(&config)
            .args(cmd)
            .timeout(Duration::from_secs(10))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(!text.contains("panicked"), "{cmd:?}: {text}");
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {text}");
    }
}

#[test]
fn an_absurd_day_count_is_refused_by_the_command_line() {
    let (_dir, config) = workspace("");
    let out = herald(&config)
        .args(["plan", "--days", "999999999"])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--days"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_overlong_title_is_a_check_error_naming_the_field() {
    let (dir, config) = workspace("");
    fs::write(
        dir.path().join("events/long.toml"),
        GOOD.replace("好", &"标题".repeat(700)),
    )
    .unwrap();
    let stderr = check_fails(&config);
    assert!(
        stderr.contains("long.toml:1:") && stderr.contains("field `title`"),
        "{stderr}"
    );
}
