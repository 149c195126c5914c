//! Operations on a running daemon process: /healthz, /metrics and `herald healthcheck`.

use super::herald;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(addr: &str, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn healthz_and_metrics_answer_on_the_configured_address() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("events")).unwrap();
    std::fs::write(
        dir.path().join("events/e.toml"),
        "title = \"SOFA\"\nstart = 2031-01-01T10:00:00\nend = 2031-01-01T12:00:00\n",
    )
    .unwrap();
    let config = dir.path().join("herald.toml");
    std::fs::write(&config, format!("[herald]\nledger = \"h.db\"\nlisten = \"{addr}\"\n[[channels]]\nname = \"console\"\nplatform = \"console\"\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let health = loop {
        if let Some(r) = get(&addr, "/healthz") {
            break r;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no /healthz");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(health.starts_with("HTTP/1.0 200 OK"), "{health}");
    assert!(
        health.contains(r#""ledger":"ok""#)
            && health.contains(r#""next_due":"2030-12-25T02:00:00+00:00""#),
        "{health}"
    );
    let metrics = get(&addr, "/metrics").unwrap();
    assert!(metrics.contains("herald_queue_depth 4"), "{metrics}");
    assert!(
        metrics.contains("herald_scheduler_wakeups_total 1"),
        "{metrics}"
    );
    herald(&config).arg("healthcheck").assert().success();
    // A manual send goes through the running daemon (its budgets), recorded as the daemon's.
    let out = herald(&config)
        .args(["send", "e", "--kind", "announce"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("sent by the running daemon at {addr}"))
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("console: 1/1 part(s) sent; delivered"));
    let again = herald(&config)
        .args(["send", "e", "--kind", "announce"])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let wrong = herald(&config)
        .args(["send", "e", "--kind", "announce", "--channel", "nope"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("no channel `nope` in the config"));
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    herald(&config).arg("healthcheck").assert().failure();
    // With no daemon, the CLI sends itself.
    let out = herald(&config)
        .args(["send", "e", "--kind", "remind"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("running daemon"));
    let rows = herald::ledger::Ledger::open(&dir.path().join("h.db"))
        .unwrap()
        .history(None)
        .unwrap();
    let by: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.rule.as_str(), r.claimed_by.as_str()))
        .collect();
    assert!(by.contains(&("announce", "daemon")), "{by:?}");
    assert!(
        by.iter()
            .any(|(rule, who)| rule.starts_with("remind") && *who == "cli"),
        "{by:?}"
    );
}

/// The value of one metric line (`name` including any labels) on the daemon at `addr`.
fn metric(addr: &str, name: &str) -> Option<f64> {
    let text = get(addr, "/metrics")?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Wait (up to 10 s: a process and inotify, not a timing assertion) until `ok` holds.
fn eventually(what: &str, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < Duration::from_secs(10), "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn file_edits_and_sighup_reload_and_a_broken_config_keeps_the_last_good_one() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("events")).unwrap();
    let event = "title = \"SOFA\"\nstart = 2031-01-01T10:00:00\nend = 2031-01-01T12:00:00\n";
    std::fs::write(dir.path().join("events/e1.toml"), event).unwrap();
    let config = dir.path().join("herald.toml");
    let good = format!(
        "[herald]\nledger = \"h.db\"\nlisten = \"{addr}\"\n[[channels]]\nname = \"console\"\nplatform = \"console\"\n"
    );
    std::fs::write(&config, &good).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let depth = || metric(&addr, "herald_queue_depth");
    let reloads = |result: &str| {
        metric(
            &addr,
            &format!("herald_reloads_total{{result=\"{result}\"}}"),
        )
        .unwrap_or(0.0)
    };
    eventually("the daemon answers", || depth() == Some(4.0));

    // A new event file is picked up by the watcher: its four messages join the queue.
    std::fs::write(dir.path().join("events/e2.toml"), event).unwrap();
    eventually("the new event is planned", || depth() == Some(8.0));
    assert!(reloads("ok") >= 1.0);

    // A broken config is refused; the last good state keeps running.
    std::fs::write(&config, "[herald\nledger = ").unwrap();
    eventually("the broken config is refused", || reloads("error") >= 1.0);
    assert_eq!(depth(), Some(8.0));

    // SIGHUP reloads too (after the config is mended and the watcher has settled).
    std::fs::write(&config, &good).unwrap();
    eventually("the mended config is loaded", || reloads("ok") >= 2.0);
    std::fs::remove_file(dir.path().join("events/e2.toml")).unwrap();
    eventually("the removed event is dropped", || depth() == Some(4.0));
    let before = reloads("ok");
    Command::new("kill")
        .arg("-HUP")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    eventually("SIGHUP reloads", || reloads("ok") > before);

    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
