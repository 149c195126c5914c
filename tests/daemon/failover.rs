//! Two real `herald run` replicas on one Postgres ledger: one posts, the other stands by;
//! kill -9 of the leader in the middle of a budget-limited fan-out hands over within 10 s,
//! the standby finishes what was due, and no part is posted twice.

use super::Setup;
use crate::util::pg::Database;
use herald::ledger::{Ledger, State};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::FANOUT_EVENTS as EVENTS;

/// A port free right now on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What a replica's `/healthz` says it is (`leader`, `standby`).
async fn role(port: u16) -> String {
    let body: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["role"].as_str().unwrap_or_default().to_string()
}

/// Start a replica (health on `port`); its log lines arrive on the returned channel.
fn replica(setup: &Setup, db: &Database, port: u16) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .env("HERALD_LISTEN", format!("127.0.0.1:{port}"))
        .env("HERALD_ADMIN", "failover-test-admin-token")
        .env("HERALD_LOG", "info")
        .env("NO_COLOR", "1")
        .env("HERALD_TEST_LEDGER", &db.url)
        .arg("--config")
        .arg(setup.config())
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Wait for a log line containing `needle` (other lines are dropped).
fn wait_log(rx: &mpsc::Receiver<String>, needle: &str, within: Duration) {
    let end = Instant::now() + within;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return,
            Ok(_) => {}
            Err(e) => panic!("no log line with `{needle}` ({e})"),
        }
    }
}

fn wait(what: &str, within: Duration, ok: &dyn Fn() -> bool) -> Duration {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < within, "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_leader_hands_over_within_10_s_with_no_double_post() {
    let Some(db) = Database::create(
        "daemon::failover::kill_9_of_the_leader_hands_over_within_10_s_with_no_double_post",
    ) else {
        return;
    };
    // Every announcement falls due 6 s from now (both replicas are up by then).
    let (fake, setup) = super::budget_fanout(
        "ledger = \"${HERALD_TEST_LEDGER}\"\nquiet_hours = \"off\"\nlisten = \"${HERALD_LISTEN}\"\nadmin_token = \"${HERALD_ADMIN}\"",
        6,
    )
    .await;
    let ledger = Ledger::connect(&db.pg_url()).unwrap();
    let rows = || ledger.history(None).unwrap();
    let accepted = || fake.record(|r| r.accepted.len());

    let (leader_port, standby_port) = (free_port(), free_port());
    let (mut leader, leader_log) = replica(&setup, &db, leader_port);
    let (mut standby, standby_log) = tokio::task::block_in_place(|| {
        wait_log(&leader_log, "posts from now on", Duration::from_secs(20));
        let standby = replica(&setup, &db, standby_port);
        wait_log(&standby.1, "standby: waiting", Duration::from_secs(20));
        standby
    });
    assert_eq!(role(leader_port).await, "leader");
    assert_eq!(role(standby_port).await, "standby");
    tokio::task::block_in_place(|| {
        wait("three posts", Duration::from_secs(30), &|| accepted() >= 3)
    });
    leader.kill().unwrap(); // SIGKILL
    leader.wait().unwrap();
    let killed = Instant::now();
    let posted_at_kill = accepted();
    let at_kill = rows();
    // Parts on the wire at the kill: still `posting`, or already `ambiguous` if the standby
    // took over (and recovered them) before this read. Nothing else is ambiguous here.
    let on_wire = at_kill
        .iter()
        .filter(|r| matches!(r.state, State::Posting | State::Ambiguous))
        .count();
    assert!(
        on_wire <= 1,
        "one robot posts one request at a time: {at_kill:#?}"
    );

    tokio::task::block_in_place(|| {
        wait_log(&standby_log, "posts from now on", Duration::from_secs(10));
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "took over after {:?}",
            killed.elapsed()
        );
        wait("every part decided", Duration::from_secs(30), &|| {
            let rows = rows();
            rows.len() == EVENTS
                && rows
                    .iter()
                    .all(|r| matches!(r.state, State::Sent | State::Ambiguous))
        });
    });
    assert_eq!(role(standby_port).await, "leader");
    standby.kill().unwrap();
    standby.wait().unwrap();
    let rows = rows();
    let ambiguous = rows.iter().filter(|r| r.state == State::Ambiguous).count();
    assert_eq!(
        ambiguous, on_wire,
        "only a request on the wire is ambiguous: {rows:#?}"
    );
    super::assert_each_posted_once_at_most(&fake, &rows);
    assert!(
        accepted() > posted_at_kill,
        "the standby posted what the leader had not"
    );
}
