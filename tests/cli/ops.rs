//! Operations on a running daemon process: /healthz, /metrics, `herald healthcheck`,
//! manual sends through the daemon, reloads on file edits and SIGHUP, exit on SIGTERM.

use super::herald;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EVENT: &str = "title = \"SOFA\"\nstart = 2031-01-01T10:00:00\nend = 2031-01-01T12:00:00\n";

/// A `herald run` process on a temporary config: one console channel, event `e`, the
/// health endpoint on a free loopback port.
struct Daemon {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Daemon {
    fn start() -> Daemon {
        let addr = format!("127.0.0.1:{}", free_port());
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("events")).unwrap();
        std::fs::write(dir.path().join("events/e.toml"), EVENT).unwrap();
        let config = dir.path().join("herald.toml");
        std::fs::write(&config, Daemon::good_config(&addr)).unwrap();
        Daemon::spawn(dir, config, addr, &[])
    }

    /// `herald run` on `config` (inside `dir`) with extra environment variables.
    fn spawn(
        dir: tempfile::TempDir,
        config: PathBuf,
        addr: String,
        env: &[(&str, &str)],
    ) -> Daemon {
        let child = Command::new(env!("CARGO_BIN_EXE_herald"))
            .arg("--config")
            .arg(&config)
            .arg("run")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let daemon = Daemon {
            child,
            addr,
            dir,
            config,
        };
        eventually("the daemon answers", || daemon.get("/healthz").is_some());
        daemon
    }

    fn good_config(addr: &str) -> String {
        format!(
            "[herald]\nledger = \"h.db\"\nlisten = \"{addr}\"\n[[channels]]\nname = \"console\"\nplatform = \"console\"\n"
        )
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The raw HTTP/1.0 answer to `GET path`, or `None` if nothing listens.
    fn get(&self, path: &str) -> Option<String> {
        let mut s = TcpStream::connect(&self.addr).ok()?;
        s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
            .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    }

    /// The value of one metric line (`name` including any labels).
    fn metric(&self, name: &str) -> Option<f64> {
        let text = self.get("/metrics")?;
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then the exit code.
    fn stop(&mut self) -> Option<i32> {
        self.signal("TERM");
        self.child.wait().unwrap().code()
    }
}

impl Drop for Daemon {
    /// A failed test leaves no daemon behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
fn healthz_and_metrics_answer_on_the_configured_address() {
    let mut daemon = Daemon::start();
    let (addr, config) = (daemon.addr.clone(), daemon.config.clone());
    let health = daemon.get("/healthz").unwrap();
    assert!(health.starts_with("HTTP/1.0 200 OK"), "{health}");
    assert!(
        health.contains(r#""ledger":"ok""#)
            && health.contains(r#""next_due":"2030-12-25T02:00:00+00:00""#),
        "{health}"
    );
    let metrics = daemon.get("/metrics").unwrap();
    assert!(metrics.contains("herald_queue_depth 4"), "{metrics}");
    assert!(
        metrics.contains("herald_scheduler_wakeups_total 1"),
        "{metrics}"
    );
    herald(&config).arg("healthcheck").assert().success();
    // A manual send goes through the running daemon (its budgets), recorded as the daemon's.
    herald(&config)
        .args(["send", "e", "--kind", "announce"])
        .assert()
        .success()
        .stderr(contains(format!("sent by the running daemon at {addr}")))
        .stdout(contains("console: 1/1 part(s) sent; delivered"));
    herald(&config)
        .args(["send", "e", "--kind", "announce"])
        .assert()
        .code(2)
        .stderr(contains("already sent"));
    // The daemon's admin endpoint refuses a send without the token.
    let mut s = TcpStream::connect(&addr).unwrap();
    let body = r#"{"event":"e","kind":"recap","force":true}"#;
    write!(
        s,
        "POST /send HTTP/1.0\r\nHost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.0 401"), "{answer}");
    let token = std::fs::read_to_string(daemon.path("admin.token")).unwrap();
    assert_eq!(token.len(), 64);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(daemon.path("admin.token"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    herald(&config)
        .args(["send", "e", "--kind", "announce", "--channel", "nope"])
        .assert()
        .code(2)
        .stderr(contains("no channel `nope`"));
    assert_eq!(daemon.stop(), Some(0));
    herald(&config).arg("healthcheck").assert().failure();
    // With no daemon, the CLI sends itself.
    herald(&config)
        .args(["send", "e", "--kind", "remind"])
        .assert()
        .success()
        .stderr(contains("running daemon").not());
    let rows = herald::ledger::Ledger::open(&daemon.path("h.db"))
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

#[test]
fn file_edits_and_sighup_reload_and_a_broken_config_keeps_the_last_good_one() {
    let mut daemon = Daemon::start();
    let depth = || daemon.metric("herald_queue_depth");
    let reloads = |result: &str| {
        daemon
            .metric(&format!("herald_reloads_total{{result=\"{result}\"}}"))
            .unwrap_or(0.0)
    };
    assert_eq!(depth(), Some(4.0));

    // A new event file is picked up by the watcher: its four messages join the queue.
    std::fs::write(daemon.path("events/e2.toml"), EVENT).unwrap();
    eventually("the new event is planned", || depth() == Some(8.0));
    assert!(reloads("ok") >= 1.0);

    // A broken config is refused; the last good state keeps running, and health says so.
    std::fs::write(&daemon.config, "[herald\nledger = ").unwrap();
    eventually("the broken config is refused", || reloads("error") >= 1.0);
    assert_eq!(depth(), Some(8.0));
    let health = daemon.get("/healthz").unwrap();
    assert!(
        health.contains(r#""status":"degraded""#) && health.contains("last reload refused"),
        "{health}"
    );
    assert_eq!(daemon.metric("herald_reload_refused"), Some(1.0));

    // SIGHUP reloads too (after the config is mended and the watcher has settled).
    std::fs::write(&daemon.config, Daemon::good_config(&daemon.addr)).unwrap();
    eventually("the mended config is loaded", || reloads("ok") >= 2.0);
    let health = daemon.get("/healthz").unwrap();
    assert!(health.contains(r#""status":"ok""#), "{health}");
    std::fs::remove_file(daemon.path("events/e2.toml")).unwrap();
    eventually("the removed event is dropped", || depth() == Some(4.0));
    let before = reloads("ok");
    daemon.signal("HUP");
    eventually("SIGHUP reloads", || reloads("ok") > before);
    assert_eq!(daemon.stop(), Some(0));
}

/// Log fields a person reads are local times with their zone, never `Some(..)` or UTC.
#[test]
fn the_start_log_shows_the_next_due_time_in_local_time_with_its_zone() {
    let addr = format!("127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("events")).unwrap();
    std::fs::write(dir.path().join("events/e.toml"), EVENT).unwrap();
    let config = dir.path().join("herald.toml");
    std::fs::write(&config, Daemon::good_config(&addr)).unwrap();
    let log = dir.path().join("run.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env("HERALD_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    eventually("the daemon logs that it runs", || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("herald running"))
    });
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text.lines().find(|l| l.contains("herald running")).unwrap();
    assert!(
        line.contains("next_due=2030-12-25T10:00:00+08:00[Asia/Shanghai]"),
        "{line}"
    );
    assert!(!text.contains("Some("), "{text}");
}

/// The production example config (`deploy/herald.toml`, what the Docker image runs): no
/// demo clock, the listen address from `HERALD_LISTEN` — a wildcard address as in the image,
/// which `herald healthcheck` (the image's HEALTHCHECK) reaches on loopback — and the ledger
/// in `../data` (the image's `/data` volume).
#[test]
fn production_config_takes_its_listen_address_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config/events")).unwrap();
    let config = dir.path().join("config/herald.toml");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/herald.toml"),
        &config,
    )
    .unwrap();
    herald(&config)
        .arg("check")
        .env_remove("HERALD_LISTEN")
        .assert()
        .code(2)
        .stderr(contains(
            "field `herald.listen`: environment variable `HERALD_LISTEN` is not set",
        ));

    let port = free_port();
    let listen = format!("0.0.0.0:{port}");
    let env = [("HERALD_LISTEN", listen.as_str())];
    let mut daemon = Daemon::spawn(dir, config.clone(), format!("127.0.0.1:{port}"), &env);
    herald(&config)
        .arg("healthcheck")
        .envs(env)
        .assert()
        .success();
    assert_eq!(daemon.metric("herald_queue_depth"), Some(0.0));
    assert!(daemon.path("data/herald.db").exists());
    assert!(!daemon.path("data/demo.db").exists());
    assert_eq!(daemon.stop(), Some(0));
}
