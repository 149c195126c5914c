//! Integration tests: the daemon end to end with paused tokio time, a console channel whose
//! output is captured, and a real SQLite ledger in a temp dir.

mod failover;
mod faults;
mod flows;
mod manual;
mod organizer;
mod process;
mod restart;
mod store;
mod workspace;

use chrono::{DateTime, Utc};
use herald::channels::ConsoleSink;
use herald::daemon::{Control, Metrics, RunOptions};
use herald::ledger::{Ledger, Row, State};
use herald::model::ScaledClock;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// An online event with slides: every default rule applies.
pub const EVENT: &str = r#"
title = "SOFAChannel#99：测试直播"
series = "SOFAChannel"
number = 99
start = 2030-06-01T14:00:00
end = 2030-06-01T16:00:00
format = "online"
registration = "https://example.com/register"
[[live]]
title = "B 站直播"
url = "http://live.bilibili.com/21954520"
[[slides]]
title = "资料下载"
url = "https://example.com/slides.pdf"
[[talks]]
title = "测试议题"
[[talks.speakers]]
name = "张三"
"#;

/// A temp workspace: herald.toml with console channels, events/, a ledger file.
pub struct Setup {
    pub dir: tempfile::TempDir,
}

impl Setup {
    pub fn new(channels: &[&str]) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("events")).unwrap();
        let mut config =
            String::from("[herald]\ntimezone = \"Asia/Shanghai\"\nledger = \"herald.db\"\n");
        for ch in channels {
            config.push_str(&format!(
                "[[channels]]\nname = \"{ch}\"\nplatform = \"console\"\ntags = [\"all\"]\n"
            ));
        }
        std::fs::write(dir.path().join("herald.toml"), config).unwrap();
        Setup { dir }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("herald.toml")
    }

    /// `herald run` on this setup as its own process, output discarded.
    pub fn spawn_daemon(&self) -> std::process::Child {
        std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
            .arg("--config")
            .arg(self.config())
            .arg("run")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    pub fn write_event(&self, id: &str, text: &str) {
        std::fs::write(
            self.dir.path().join("events").join(format!("{id}.toml")),
            text,
        )
        .unwrap();
    }

    /// Add a channel `robot` on `platform` whose webhook (read from a file, as a secret
    /// would be) points at `fake`.
    pub fn add_robot(&self, fake: &crate::util::fake::Fake, platform: herald::model::Platform) {
        std::fs::write(
            self.dir.path().join("robot.url"),
            fake.webhook("fake-token-123"),
        )
        .unwrap();
        let config = std::fs::read_to_string(self.config()).unwrap();
        std::fs::write(
            self.config(),
            format!(
                "{config}[[channels]]\nname = \"robot\"\nplatform = \"{}\"\nwebhook = \"file:robot.url\"\ntags = [\"all\"]\n",
                platform.as_str()
            ),
        )
        .unwrap();
    }

    pub fn ledger(&self) -> Ledger {
        Ledger::open(&self.dir.path().join("herald.db")).unwrap()
    }

    /// Every ledger row, oldest first.
    pub fn rows(&self) -> Vec<Row> {
        self.ledger().history(None).unwrap()
    }
}

pub fn sent(rows: &[Row], rule: &str) -> Vec<Row> {
    rows.iter()
        .filter(|r| r.rule == rule && r.state == State::Sent)
        .cloned()
        .collect()
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

/// Captures what the console channel prints.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A daemon running in this (paused-time) runtime with a scaled clock starting at `origin`.
pub struct Running {
    pub control: mpsc::Sender<Control>,
    pub console: Capture,
    pub metrics: Arc<Metrics>,
    origin: DateTime<Utc>,
    started: tokio::time::Instant,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), herald::daemon::DaemonError>>,
}

/// Reloads taken so far, whatever their result.
fn reloads(metrics: &Metrics) -> u64 {
    metrics
        .encode()
        .lines()
        .filter(|l| l.starts_with("herald_reloads_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

pub async fn start(setup: &Setup, origin: &str) -> Running {
    let console = Capture::default();
    let (tx, rx) = mpsc::channel(4);
    let (stop, stopped) = oneshot::channel::<()>();
    let metrics = Arc::new(Metrics::default());
    let started = tokio::time::Instant::now();
    let mut opts = RunOptions::new(setup.config(), ConsoleSink::new(Box::new(console.clone())));
    opts.clock = Some(Arc::new(ScaledClock::new(at(origin), 1.0)));
    opts.watch = false;
    opts.control = Some((tx.clone(), rx));
    opts.metrics = metrics.clone();
    let task = tokio::spawn(herald::daemon::run(opts, async move {
        let _ = stopped.await;
    }));
    tokio::task::yield_now().await;
    Running {
        control: tx,
        console,
        metrics,
        origin: at(origin),
        started,
        stop,
        task,
    }
}

impl Running {
    /// Let time pass until the daemon's clock reads `until`.
    pub async fn run_until(&self, until: &str) {
        let wait = (at(until) - self.origin).to_std().unwrap();
        tokio::time::sleep_until(self.started + wait).await;
    }

    /// Ask for a reload and wait until the daemon has taken it (the ledger work of a replan
    /// runs on the blocking pool, in real time).
    pub async fn reload(&self) {
        let before = reloads(&self.metrics);
        self.control.send(Control::Reload).await.unwrap();
        while reloads(&self.metrics) == before {
            tokio::task::yield_now().await;
        }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

/// Titles of the budget fan-out's events (`e00`…): `SOFA 测试00`….
pub const FANOUT_EVENTS: usize = 12;

/// A budget-limited fan-out for the process tests: one DingTalk robot (a fake allowing 300 a
/// minute, so one post every 200 ms) and `FANOUT_EVENTS` announcements all due `due_in_s`
/// seconds from now, their deadline (the start) a minute later. `herald` is the `[herald]`
/// table's lines (the ledger, …).
pub async fn budget_fanout(herald: &str, due_in_s: i64) -> (crate::util::fake::Fake, Setup) {
    use crate::util::fake::{Fake, Spec};
    use chrono::TimeDelta;
    use herald::model::{Platform, SystemClock};
    let mut spec = Spec::new(Platform::Dingtalk);
    spec.per_minute = 300;
    let fake = Fake::start(spec, Arc::new(SystemClock)).await;
    let setup = Setup::new(&[]);
    std::fs::write(
        setup.dir.path().join("robot.url"),
        fake.webhook("fake-token-123"),
    )
    .unwrap();
    std::fs::write(
        setup.config(),
        format!(
            "[herald]\ntimezone = \"Asia/Shanghai\"\n{herald}\n\
             [[channels]]\nname = \"robot\"\nplatform = \"dingtalk\"\nwebhook = \"file:robot.url\"\nper_minute = 300\n\
             [[rules]]\nname = \"announce\"\nkind = \"announce\"\nanchor = \"start\"\noffset = \"-1m\"\n"
        ),
    )
    .unwrap();
    let start = (Utc::now() + TimeDelta::seconds(60 + due_in_s))
        .with_timezone(&herald::model::Zone::SHANGHAI)
        .format("%Y-%m-%dT%H:%M:%S");
    for i in 0..FANOUT_EVENTS {
        setup.write_event(
            &format!("e{i:02}"),
            &format!("title = \"SOFA 测试{i:02}\"\nstart = {start}\nend = 2099-01-01T00:00:00\n"),
        );
    }
    (fake, setup)
}

/// No announcement of the fan-out reached the group twice, and every row recorded sent was
/// received.
pub fn assert_each_posted_once_at_most(fake: &crate::util::fake::Fake, rows: &[Row]) {
    let bodies: Vec<String> = fake.record(|r| r.accepted.iter().map(|b| b.to_string()).collect());
    for i in 0..FANOUT_EVENTS {
        let title = format!("SOFA 测试{i:02}");
        let posts = bodies.iter().filter(|b| b.contains(&title)).count();
        assert!(posts <= 1, "{title} posted {posts} times");
        let row = rows.iter().find(|r| r.event == format!("e{i:02}")).unwrap();
        if row.state == State::Sent {
            assert_eq!(posts, 1, "{title} recorded sent but not received");
        }
    }
}
