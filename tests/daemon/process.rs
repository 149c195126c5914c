//! The real binary: SIGTERM stops claiming, lets in-flight posts finish, exits 0, and leaves
//! nothing half-recorded.

use super::Setup;
use herald::ledger::State;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn sigterm_exits_zero_with_nothing_half_recorded() {
    let setup = Setup::new(&["console"]);
    setup.write_event("ch99", super::EVENT);
    // A fast demo clock from just before the announcement.
    let config = std::fs::read_to_string(setup.config()).unwrap();
    std::fs::write(
        setup.config(),
        format!("{config}[demo]\nstart = \"2030-05-25T09:59:59+08:00\"\nspeed = 3600\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .env("HERALD_LOG", "info")
        .arg("--config")
        .arg(setup.config())
        .arg("run")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the first post on the console (the announcement), then SIGTERM.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| !l.trim().is_empty())),
        "nothing posted"
    );
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    let ledger = herald::ledger::Ledger::open(&setup.dir.path().join("demo.db")).unwrap();
    let rows = ledger.history(None).unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.state != State::Claimed), "{rows:#?}");
}

/// kill -9 in the middle of a fan-out whose parts wait for the robot's rate budget: only a
/// part whose request was on the wire can be ambiguous (at most one here: one robot posts one
/// request at a time); every part that only waited is posted by the next start; none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_parts_wait_for_the_budget_leaves_no_false_ambiguous_rows() {
    use super::FANOUT_EVENTS as EVENTS;
    // Every announcement falls due 3 s from now; the deadline (the start) is a minute later.
    let (fake, setup) = super::budget_fanout("ledger = \"herald.db\"", 3).await;
    let spawn = || setup.spawn_daemon();
    let accepted = || fake.record(|r| r.accepted.len());
    let wait = |what: &str, ok: &dyn Fn() -> bool| {
        let started = std::time::Instant::now();
        while !ok() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "never: {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    };
    let mut first = spawn();
    tokio::task::block_in_place(|| wait("three posts", &|| accepted() >= 3));
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let rows = setup.rows();
    let on_wire = rows.iter().filter(|r| r.state == State::Posting).count();
    let waiting = rows.iter().filter(|r| r.state == State::Claimed).count();
    // One robot: one part in progress at a time, on the wire or waiting for its budget.
    assert!(on_wire + waiting <= 1, "{rows:#?}");

    let mut second = spawn();
    tokio::task::block_in_place(|| {
        wait("every part decided", &|| {
            let rows = setup.rows();
            rows.len() == EVENTS
                && rows
                    .iter()
                    .all(|r| matches!(r.state, State::Sent | State::Ambiguous))
        })
    });
    second.kill().unwrap();
    second.wait().unwrap();
    let rows = setup.rows();
    let ambiguous = rows.iter().filter(|r| r.state == State::Ambiguous).count();
    assert_eq!(ambiguous, on_wire, "{rows:#?}");
    super::assert_each_posted_once_at_most(&fake, &rows);
}

/// A `herald send` carried by the running daemon that waits for a robot's rate budget says
/// so after a second, with the pace it waits for — not a silent minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_send_waiting_for_the_budget_says_what_it_waits_for() {
    use crate::util::fake::{Fake, Spec};
    use herald::model::{Platform, SystemClock};
    let mut spec = Spec::new(Platform::Dingtalk);
    spec.per_minute = 30;
    let fake = Fake::start(spec, std::sync::Arc::new(SystemClock)).await;
    let setup = Setup::new(&[]);
    std::fs::write(
        setup.dir.path().join("robot.url"),
        fake.webhook("fake-token-123"),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        setup.config(),
        format!(
            "[herald]\ntimezone = \"Asia/Shanghai\"\nledger = \"herald.db\"\nlisten = \"127.0.0.1:{port}\"\n\
             [[channels]]\nname = \"robot\"\nplatform = \"dingtalk\"\nwebhook = \"file:robot.url\"\nper_minute = 30\n"
        ),
    )
    .unwrap();
    setup.write_event("ch99", super::EVENT);
    let mut daemon = setup.spawn_daemon();
    let send = |kind: &str| {
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .env("HERALD_LOG", "warn")
            .arg("--config")
            .arg(setup.config())
            .args(["send", "ch99", "--kind", kind])
            .output()
            .unwrap()
    };
    let out = tokio::task::block_in_place(|| {
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < std::time::Duration::from_secs(10));
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let first = send("announce");
        assert!(first.status.success(), "{first:?}");
        // The robot's budget (30 a minute) lets the next message go 2 s after the first.
        send("recap")
    });
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("waiting for the running daemon at 127.0.0.1:")
            && stderr.contains("(`robot`: 30 a minute, one message every 2 s)"),
        "{stderr}"
    );
    assert_eq!(fake.record(|r| r.accepted.len()), 2);
}

/// `herald hold` and `herald release` against a running daemon process: a held announcement
/// is not posted at its due time; released, it goes at once (the daemon is told through its
/// admin endpoint, no restart).
#[test]
fn hold_and_release_are_honoured_by_a_running_daemon_at_once() {
    use chrono::{TimeDelta, Utc};
    let setup = Setup::new(&[]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        setup.config(),
        format!(
            "[herald]\ntimezone = \"Asia/Shanghai\"\nledger = \"herald.db\"\nlisten = \"127.0.0.1:{port}\"\nquiet_hours = \"off\"\n\
             [[channels]]\nname = \"console\"\nplatform = \"console\"\n\
             [[rules]]\nname = \"announce\"\nkind = \"announce\"\nanchor = \"start\"\noffset = \"-1m\"\n"
        ),
    )
    .unwrap();
    // Due 4 s from now; the deadline (the start) a minute later.
    let due = Utc::now() + TimeDelta::seconds(4);
    let start = (due + TimeDelta::minutes(1))
        .with_timezone(&herald::model::Zone::SHANGHAI)
        .format("%Y-%m-%dT%H:%M:%S");
    setup.write_event(
        "ch99",
        &format!("title = \"SOFA 测试\"\nstart = {start}\nend = 2099-01-01T00:00:00\n"),
    );
    let herald = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .env("HERALD_LOG", "warn")
            .arg("--config")
            .arg(setup.config())
            .args(args)
            .output()
            .unwrap()
    };
    let mut daemon = setup.spawn_daemon();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let held = herald(&["hold", "ch99", "--rule", "announce"]);
    let said = String::from_utf8_lossy(&held.stderr).to_string();
    assert!(held.status.success(), "{said}");
    assert!(said.contains("the running daemon at"), "{said}");
    // Past its due time: still not posted.
    while Utc::now() < due + TimeDelta::seconds(2) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let announced = || {
        setup
            .rows()
            .iter()
            .any(|r| r.rule == "announce" && r.state == State::Sent)
    };
    assert!(!announced(), "posted while held: {:#?}", setup.rows());
    let released = herald(&["release", "ch99"]);
    assert!(released.status.success(), "{released:?}");
    let asked = std::time::Instant::now();
    while !announced() {
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(10),
            "never posted after the release"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    daemon.kill().unwrap();
    daemon.wait().unwrap();
}

/// On the real clock a job is handed over ahead of its due instant: rendered (for its instant),
/// its holds read and its part claimed before the instant, posted at it — never before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_post_is_claimed_and_connected_ahead_and_arrives_at_its_instant_not_before() {
    use crate::util::fake::{Fake, Spec};
    use chrono::{DurationRound, TimeDelta, Utc};
    use herald::model::{Platform, SystemClock};
    let fake = Fake::start(
        Spec::new(Platform::Dingtalk),
        std::sync::Arc::new(SystemClock),
    )
    .await;
    let setup = Setup::new(&[]);
    std::fs::write(
        setup.config(),
        "[herald]\ntimezone = \"Asia/Shanghai\"\nledger = \"herald.db\"\nquiet_hours = \"off\"\n\
         [[rules]]\nname = \"at-start\"\nkind = \"remind\"\nanchor = \"start\"\noffset = \"0\"\ndeadline = \"start+10m\"\n",
    )
    .unwrap();
    setup.add_robot(&fake, Platform::Dingtalk);
    // Due 6 s from now (start-up and the 500 ms of preparing must fit before it, on a busy
    // machine too), at a millisecond that is not a whole second.
    let due = (Utc::now() + TimeDelta::seconds(6))
        .duration_trunc(TimeDelta::milliseconds(1))
        .unwrap()
        + TimeDelta::milliseconds(337);
    let start = due
        .with_timezone(&herald::model::Zone::SHANGHAI)
        .format("%Y-%m-%dT%H:%M:%S%.3f");
    setup.write_event(
        "e01",
        &format!("title = \"SOFA 准点\"\nstart = {start}\nend = 2099-01-01T00:00:00\n"),
    );
    let mut daemon = setup.spawn_daemon();
    tokio::task::block_in_place(|| {
        let started = std::time::Instant::now();
        while fake.record(|r| r.accepted.len()) == 0 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "never posted"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    });
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let arrived = fake.record(|r| r.arrived.clone());
    assert_eq!(arrived.len(), 1);
    // Rendered ahead, the text is still the one for its instant: the event has started.
    let body = fake.record(|r| r.accepted[0].to_string());
    assert!(body.contains("活动正在进行"), "{body}");
    assert!(
        arrived[0] >= due,
        "posted {} before its due instant",
        due - arrived[0]
    );
    // Its one connection was opened ahead too.
    let connected = fake.record(|r| r.connected.clone());
    assert_eq!(
        connected.len(),
        1,
        "the post opened a connection of its own"
    );
    assert!(
        connected[0] < due,
        "connected at {}, not ahead of {due}",
        connected[0]
    );
    let rows = setup.rows();
    let row = rows.iter().find(|r| r.rule == "at-start").unwrap();
    assert_eq!(row.due, due);
    assert!(
        row.claimed_at < due,
        "claimed at {}, not ahead of {due}",
        row.claimed_at
    );
}
