//! The web console in a real browser (headless Chromium through chromedriver): the timeline
//! matches `herald plan --json`, the recap preview links every slide on every platform (served
//! and offline), actions need the admin token, and screenshots at phone and desktop width.

mod browser;

use assert_cmd::Command as Cli;
use browser::{free_port, wait_for_port};
use fantoccini::Locator;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const TOKEN: &str = "console-test-token-0123456789";
const M8: &str = "sofa-meetup-8-chengdu";
const SLIDES: [&str; 4] = [
    "https://gw.alipayobjects.com/os/bmw-prod/75201cac-3aff-499b-8715-8809c00ae977.pdf",
    "https://gw.alipayobjects.com/os/bmw-prod/ce6c26b1-c98e-4d9f-b9ef-21ad42e012c7.pdf",
    "https://gw.alipayobjects.com/os/bmw-prod/82be6ceb-89e0-4d4e-9cc9-42128fc2491f.pdf",
    "https://gw.alipayobjects.com/os/bmw-prod/26189392-95ec-403c-9187-b8af6a22ee95.pdf",
];

/// The shipped config and sample events in a temp dir, listening on a free port, with an
/// admin token and a demo clock at real speed three days before the first announcement.
struct Daemon {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn replaced(text: String, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the shipped config no longer has `{from}`"
    );
    text.replace(from, to)
}

impl Daemon {
    fn config(&self) -> PathBuf {
        self.dir.path().join("herald.toml")
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn start() -> Daemon {
        Daemon::start_with(|_| {})
    }

    /// Like [`Daemon::start`], after `prepare` has had the temp dir (to add events).
    fn start_with(prepare: impl FnOnce(&Path)) -> Daemon {
        let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shipped");
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&shipped.join("events"), &dir.path().join("events"));
        copy_dir(&shipped.join("templates"), &dir.path().join("templates"));
        let port = free_port();
        let mut text = std::fs::read_to_string(shipped.join("herald.toml")).unwrap();
        text = replaced(
            text,
            "listen = \"127.0.0.1:9464\"",
            &format!("listen = \"127.0.0.1:{port}\"\nadmin_token = \"file:admin.secret\""),
        );
        text = replaced(
            text,
            "ledger = \"../data/herald.db\"",
            "ledger = \"herald.db\"",
        );
        text = replaced(
            text,
            "start = \"2021-09-04T09:59:00+08:00\"",
            "start = \"2021-09-01T00:00:00+08:00\"",
        );
        text = replaced(text, "speed = 14400", "speed = 1");
        std::fs::write(dir.path().join("herald.toml"), text).unwrap();
        std::fs::write(dir.path().join("admin.secret"), TOKEN).unwrap();
        prepare(dir.path());
        let child = Command::new(env!("CARGO_BIN_EXE_herald"))
            .arg("--config")
            .arg(dir.path().join("herald.toml"))
            .arg("run")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port, "herald run");
        Daemon { dir, port, child }
    }

    fn herald_json(&self, args: &[&str]) -> Value {
        let out = Cli::cargo_bin("herald")
            .unwrap()
            .arg("--config")
            .arg(self.config())
            .args(args)
            .arg("--json")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// (event, rule, due, channel) of every delivery `herald plan --json` lists.
fn planned(plan: &Value) -> BTreeSet<(String, String, String, String)> {
    let s = |r: &Value, k: &str| r[k].as_str().unwrap().to_string();
    plan.as_array()
        .unwrap()
        .iter()
        .map(|r| (s(r, "event"), s(r, "rule"), s(r, "due"), s(r, "channel")))
        .collect()
}

async fn attr(e: &fantoccini::elements::Element, name: &str) -> String {
    e.attr(name).await.unwrap().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_shows_what_herald_plan_lists() {
    let Some(b) = browser::open("the_timeline_shows_what_herald_plan_lists", 1280, 800).await
    else {
        return;
    };
    let d = Daemon::start();
    let plan = planned(&d.herald_json(&["plan"]));
    assert!(plan.len() >= 4, "the sample plans its messages: {plan:?}");
    b.client.goto(&d.url("/")).await.unwrap();
    let mut shown = BTreeSet::new();
    for item in b.client.find_all(Locator::Css(".item")).await.unwrap() {
        let (event, rule, due) = (
            attr(&item, "data-event").await,
            attr(&item, "data-rule").await,
            attr(&item, "data-due").await,
        );
        for d in item.find_all(Locator::Css(".delivery")).await.unwrap() {
            assert_eq!(attr(&d, "data-state").await, "to come", "{event}/{rule}");
            shown.insert((
                event.clone(),
                rule.clone(),
                due.clone(),
                attr(&d, "data-channel").await,
            ));
        }
    }
    assert_eq!(shown, plan);
    let count = b
        .client
        .find(Locator::Css("#counts [data-state='to come']"))
        .await
        .unwrap();
    assert_eq!(attr(&count, "data-count").await, plan.len().to_string());
    let next = b.client.find(Locator::Id("next-due")).await.unwrap();
    assert!(next.text().await.unwrap().contains("2021-09-04 10:00 CST"));
    browser::screenshot(&b.client, "timeline-desktop").await;
    b.client.set_window_size(390, 844).await.unwrap();
    browser::screenshot(&b.client, "timeline-phone").await;
    b.client
        .goto(&d.url(&format!("/events/{M8}")))
        .await
        .unwrap();
    browser::screenshot(&b.client, "event-phone").await;
    b.client.set_window_size(1280, 800).await.unwrap();
    browser::screenshot(&b.client, "event-desktop").await;
    b.client.clone().close().await.unwrap();
}

/// Every recap phone (every platform and format) links all four slides, as an `<a href>` in
/// the message or, for a card that cannot hold one, in the "left out" list below it.
async fn recap_links_every_slide(client: &fantoccini::Client) {
    let phones = client
        .find_all(Locator::Css(".phone[data-kind='recap']"))
        .await
        .unwrap();
    let platforms: BTreeSet<String> = futures_attrs(&phones, "data-platform").await;
    assert_eq!(
        platforms,
        BTreeSet::from(["dingtalk".into(), "feishu".into(), "wecom".into()])
    );
    for phone in phones {
        let mut hrefs = BTreeSet::new();
        for a in phone.find_all(Locator::Css("a[href]")).await.unwrap() {
            hrefs.insert(attr(&a, "href").await);
        }
        let name = format!(
            "{}/{}",
            attr(&phone, "data-platform").await,
            attr(&phone, "data-format").await
        );
        for slide in SLIDES {
            assert!(
                hrefs.contains(slide),
                "{name} has no link to {slide}: {hrefs:?}"
            );
        }
    }
}

async fn futures_attrs(elements: &[fantoccini::elements::Element], name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in elements {
        out.insert(attr(e, name).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recap_preview_links_every_slide_on_every_platform_served_and_offline() {
    let Some(b) = browser::open(
        "the_recap_preview_links_every_slide_on_every_platform_served_and_offline",
        390,
        844,
    )
    .await
    else {
        return;
    };
    let d = Daemon::start();
    b.client
        .goto(&d.url(&format!("/events/{M8}")))
        .await
        .unwrap();
    recap_links_every_slide(&b.client).await;
    let file = d.dir.path().join("m8.html");
    Cli::cargo_bin("herald")
        .unwrap()
        .arg("--config")
        .arg(d.config())
        .args(["preview", M8, "--html"])
        .arg(&file)
        .assert()
        .success();
    b.client
        .goto(&format!("file://{}", file.display()))
        .await
        .unwrap();
    recap_links_every_slide(&b.client).await;
    b.client.clone().close().await.unwrap();
}

/// POST a form to the daemon over a raw socket (a forged request from outside the page).
fn forged_post(port: u16, path: &str, cookie: Option<&str>, body: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let cookie = cookie.map_or_else(String::new, |c| format!("cookie: {c}\r\n"));
    write!(
        s,
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n{cookie}content-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or("").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_need_the_admin_token_and_land_in_the_ledger() {
    let Some(b) = browser::open(
        "actions_need_the_admin_token_and_land_in_the_ledger",
        1280,
        800,
    )
    .await
    else {
        return;
    };
    let d = Daemon::start();
    // Read-only without the token: no action forms anywhere.
    for page in ["/".to_string(), "/history".into(), format!("/events/{M8}")] {
        b.client.goto(&d.url(&page)).await.unwrap();
        let forms = b
            .client
            .find_all(Locator::Css("form[action^='/actions']"))
            .await
            .unwrap();
        assert!(
            forms.is_empty(),
            "{page} shows an action form without a login"
        );
    }
    // A forged POST is refused, with or without a made-up session.
    let body = format!("csrf=x&event={M8}&kind=announce");
    for cookie in [None, Some("herald_session=guessed")] {
        let status = forged_post(d.port, "/actions/send", cookie, &body);
        assert!(status.contains(" 403 "), "{cookie:?}: {status}");
    }
    assert_eq!(d.herald_json(&["history"]), serde_json::json!([]));
    // Log in with the token, then send the announcement from the event page.
    b.client.goto(&d.url("/login")).await.unwrap();
    b.client
        .find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    b.client
        .find(Locator::Id("login-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .goto(&d.url(&format!("/events/{M8}")))
        .await
        .unwrap();
    let send = b
        .client
        .find(Locator::Css(
            ".kind[data-kind='announce'] form[action='/actions/send'] button",
        ))
        .await
        .unwrap();
    send.click().await.unwrap();
    let outcome = b
        .client
        .find(Locator::Id("outcome"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(outcome.starts_with("sent"), "{outcome}");
    let rows = d.herald_json(&["history"]);
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["event"] == M8 && r["kind"] == "announce" && r["state"] == "sent"),
        "{rows:?}"
    );
    // A CSRF token from another session (or none) still does not act, even with the cookie
    // the browser holds: the token is bound to the session.
    let status = forged_post(
        d.port,
        "/actions/send",
        Some("herald_session=guessed"),
        &body,
    );
    assert!(status.contains(" 403 "), "{status}");
    // The page shows the ledger: the announcement is sent.
    b.client
        .goto(&d.url(&format!("/?event={M8}&state=sent")))
        .await
        .unwrap();
    let sent = b
        .client
        .find_all(Locator::Css(".delivery[data-state='sent']"))
        .await
        .unwrap();
    assert!(
        !sent.is_empty(),
        "the timeline does not show the manual send as sent"
    );
    b.client.clone().close().await.unwrap();
}

/// GET `path` over a raw socket; returns (status line, body bytes, time to the full answer).
fn timed_get(port: u16, path: &str) -> (String, usize, std::time::Duration) {
    use std::io::{Read, Write};
    let started = std::time::Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    (
        text.lines().next().unwrap_or("").to_string(),
        answer.len(),
        took,
    )
}

/// 1,000 events (the sample, a start every 40 minutes from the demo start): every page
/// answers, and fast. The bound is generous (a debug build on a shared machine); the
/// release numbers are in BENCHMARKS.md.
#[test]
fn every_page_answers_quickly_for_a_thousand_events() {
    let sample = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/shipped/events/sofa-meetup-8-chengdu.toml"),
    )
    .unwrap();
    let d = Daemon::start_with(|dir| {
        let first = chrono::NaiveDate::from_ymd_opt(2021, 9, 1)
            .unwrap()
            .and_hms_opt(13, 30, 0)
            .unwrap();
        for i in 0..1000 {
            let start = first + chrono::TimeDelta::minutes(40 * i);
            let end = start + chrono::TimeDelta::hours(3);
            let f = "%Y-%m-%dT%H:%M:%S";
            let text = sample
                .replace(
                    "start = 2021-09-11T13:30:00",
                    &format!("start = {}", start.format(f)),
                )
                .replace(
                    "end = 2021-09-11T17:00:00",
                    &format!("end = {}", end.format(f)),
                );
            std::fs::write(dir.join(format!("events/load-{i:04}.toml")), text).unwrap();
        }
    });
    let api = d.herald_json(&["list"]);
    assert_eq!(api.as_array().unwrap().len(), 1002);
    for path in ["/", "/history", "/events/load-0500", "/api/plan"] {
        // The first answer warms the templates; the second is measured.
        let _ = timed_get(d.port, path);
        let (status, bytes, took) = timed_get(d.port, path);
        assert!(status.contains(" 200 "), "{path}: {status}");
        eprintln!("{path}: {bytes} bytes in {took:?}");
        assert!(
            took < std::time::Duration::from_secs(2),
            "{path} took {took:?}"
        );
    }
}
