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
