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
        Daemon::launch(true, prepare)
    }

    /// On the real clock (no `[demo]`: its own ledger, which `herald plan` reads too), after
    /// `prepare` has had the temp dir.
    fn start_real(prepare: impl FnOnce(&Path)) -> Daemon {
        Daemon::launch(false, prepare)
    }

    fn launch(demo: bool, prepare: impl FnOnce(&Path)) -> Daemon {
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
        if !demo {
            text = replaced(
                text,
                "[demo]\nstart = \"2021-09-01T00:00:00+08:00\"\nspeed = 1\n",
                "",
            );
        }
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

type Planned = (String, String, String, String, String);

/// (event, rule, due, channel, state) of every delivery `herald plan --json` lists.
fn planned(plan: &Value) -> BTreeSet<Planned> {
    let s = |r: &Value, k: &str| r[k].as_str().unwrap().to_string();
    plan.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let state = s(r, "state");
            (
                s(r, "event"),
                s(r, "rule"),
                s(r, "due"),
                s(r, "channel"),
                state,
            )
        })
        .collect()
}

/// The same five of every delivery the timeline page in `client` shows.
async fn shown(client: &fantoccini::Client) -> BTreeSet<Planned> {
    let mut shown = BTreeSet::new();
    for item in client.find_all(Locator::Css(".item")).await.unwrap() {
        let (event, rule, due) = (
            attr(&item, "data-event").await,
            attr(&item, "data-rule").await,
            attr(&item, "data-due").await,
        );
        for d in item.find_all(Locator::Css(".delivery")).await.unwrap() {
            shown.insert((
                event.clone(),
                rule.clone(),
                due.clone(),
                attr(&d, "data-channel").await,
                attr(&d, "data-state").await,
            ));
        }
    }
    shown
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
    assert!(plan.iter().all(|p| p.4 == "to_come"), "{plan:?}");
    b.client.goto(&d.url("/")).await.unwrap();
    assert_eq!(shown(&b.client).await, plan);
    let count = b
        .client
        .find(Locator::Css("#counts [data-state='to_come']"))
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
        .goto(&d.url(&format!("/events/{M8}?kind=recap")))
        .await
        .unwrap();
    recap_links_every_slide(&b.client).await;
    // The page draws the kind asked for; its first kind by default.
    for (query, kinds) in [
        ("", vec!["announce"]),
        ("?kind=all", vec!["announce", "remind", "recap"]),
    ] {
        b.client
            .goto(&d.url(&format!("/events/{M8}{query}")))
            .await
            .unwrap();
        let mut shown = Vec::new();
        for k in b
            .client
            .find_all(Locator::Css("section.kind"))
            .await
            .unwrap()
        {
            shown.push(attr(&k, "data-kind").await);
        }
        assert_eq!(shown, kinds, "{query}");
    }
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
    log_in(&b.client, &d).await;
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
        .wait()
        .for_element(Locator::Id("outcome"))
        .await
        .expect("the answer page shows the outcome")
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

/// Log in with the admin token through the login form.
async fn log_in(client: &fantoccini::Client, d: &Daemon) {
    client.goto(&d.url("/login")).await.unwrap();
    client
        .find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    client
        .find(Locator::Id("login-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The answer to the login (a redirect to the timeline, with the session cookie) has
    // loaded once its page offers to log out; going on earlier could cut the login short.
    client
        .wait()
        .for_element(Locator::Css("form[action='/logout']"))
        .await
        .expect("the page after logging in offers to log out");
}

/// Click the button of the form posting to `action` on the timeline item of `rule`, and
/// return the outcome the answer page shows.
async fn act_on(client: &fantoccini::Client, rule: &str, action: &str) -> String {
    let css = format!(".item[data-rule='{rule}'] form[action='{action}'] button");
    client
        .find(Locator::Css(&css))
        .await
        .unwrap_or_else(|e| panic!("no {action} form for {rule}: {e}"))
        .click()
        .await
        .unwrap();
    // The click starts a navigation; wait for the answer page rather than reading the old one.
    client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Id("outcome"))
        .await
        .unwrap_or_else(|e| panic!("no answer page after {action} for {rule}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The states `herald plan` gives `rule`'s deliveries of `event`.
fn plan_states(d: &Daemon, event: &str, rule: &str) -> BTreeSet<String> {
    planned(&d.herald_json(&["plan", "--days", "60", "--event", event]))
        .into_iter()
        .filter(|p| p.1 == rule)
        .map(|p| p.4)
        .collect()
}

fn states(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holding_a_rule_in_the_page_changes_herald_plan() {
    let Some(b) = browser::open("holding_a_rule_in_the_page_changes_herald_plan", 1280, 800).await
    else {
        return;
    };
    // The sample meetup a month from now, on the real clock, so `herald plan` reads the
    // ledger the daemon writes.
    const FUTURE: &str = "meetup-next-month";
    let d = Daemon::start_real(|dir| {
        let sample = std::fs::read_to_string(dir.join(format!("events/{M8}.toml"))).unwrap();
        let start = (chrono::Utc::now() + chrono::TimeDelta::days(30)).date_naive();
        let text = sample
            .replace("2021-09-11T13:30:00", &format!("{start}T13:30:00"))
            .replace("2021-09-11T17:00:00", &format!("{start}T17:00:00"));
        std::fs::write(dir.join(format!("events/{FUTURE}.toml")), text).unwrap();
    });
    let page = d.url(&format!("/?event={FUTURE}&days=60"));
    let to_come = states(&["to_come"]);
    assert_eq!(plan_states(&d, FUTURE, "remind-day-before"), to_come);
    // Without the token: no hold, release or skip form, and a forged POST is refused.
    b.client.goto(&page).await.unwrap();
    assert_eq!(shown(&b.client).await.len(), {
        let plan = d.herald_json(&["plan", "--days", "60", "--event", FUTURE]);
        plan.as_array().unwrap().len()
    });
    let forms = b
        .client
        .find_all(Locator::Css("form[action^='/actions']"))
        .await
        .unwrap();
    assert!(forms.is_empty(), "an action form without a login");
    let body = format!("csrf=x&event={FUTURE}&rule=remind-day-before");
    for cookie in [None, Some("herald_session=guessed".to_string())] {
        let status = forged_post(d.port, "/actions/hold", cookie.as_deref(), &body);
        assert!(status.contains(" 403 "), "{cookie:?}: {status}");
    }
    // With the token: the page holds the rule, and `herald plan` says so.
    log_in(&b.client, &d).await;
    // The browser's own session cookie with a made-up CSRF token is refused too.
    let session = b
        .client
        .get_named_cookie("herald_session")
        .await
        .unwrap()
        .value()
        .to_string();
    let status = forged_post(
        d.port,
        "/actions/hold",
        Some(&format!("herald_session={session}")),
        &body,
    );
    assert!(status.contains(" 403 "), "{status}");
    assert_eq!(plan_states(&d, FUTURE, "remind-day-before"), to_come);
    b.client.goto(&page).await.unwrap();
    let outcome = act_on(&b.client, "remind-day-before", "/actions/hold").await;
    assert!(outcome.starts_with("held"), "{outcome}");
    assert_eq!(
        plan_states(&d, FUTURE, "remind-day-before"),
        states(&["held"])
    );
    assert_eq!(plan_states(&d, FUTURE, "remind-hour-before"), to_come);
    // The timeline shows what `herald plan` shows, and offers the release.
    b.client.goto(&page).await.unwrap();
    let plan = planned(&d.herald_json(&["plan", "--days", "60", "--event", FUTURE]));
    assert_eq!(shown(&b.client).await, plan);
    browser::screenshot(&b.client, "timeline-held-desktop").await;
    let outcome = act_on(&b.client, "remind-day-before", "/actions/release").await;
    assert!(outcome.starts_with("released 1 hold(s)"), "{outcome}");
    assert_eq!(plan_states(&d, FUTURE, "remind-day-before"), to_come);
    // A skip is recorded in the ledger at once.
    b.client.goto(&page).await.unwrap();
    let outcome = act_on(&b.client, "remind-hour-before", "/actions/skip").await;
    assert!(outcome.starts_with("skipped"), "{outcome}");
    assert_eq!(
        plan_states(&d, FUTURE, "remind-hour-before"),
        states(&["skipped"])
    );
    let history = d.herald_json(&["history"]);
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["event"] == FUTURE
                && r["rule"] == "remind-hour-before"
                && r["state"] == "skipped"),
        "{history}"
    );
    b.client.clone().close().await.unwrap();
}

/// GET `path` over a raw socket and read its JSON body.
fn get_json(port: u16, path: &str) -> Value {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    serde_json::from_slice(&answer[split + 4..]).unwrap()
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
    // The timeline comes a page of items at a time; the pages hold every delivery counted.
    let first = get_json(d.port, "/api/plan");
    let pages = first["pages"].as_u64().unwrap();
    assert!(pages > 1, "1,000 events fill more than one page");
    let counted: u64 = first["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    let (mut items, mut deliveries) = (0, 0);
    for page in 1..=pages {
        let t = get_json(d.port, &format!("/api/plan?page={page}"));
        assert_eq!(t["counts"], first["counts"], "page {page}");
        let on_page: Vec<&Value> = t["days"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["items"].as_array().unwrap())
            .collect();
        let expected = if page < pages { 200 } else { on_page.len() };
        assert_eq!(on_page.len(), expected, "page {page}");
        items += on_page.len();
        deliveries += on_page
            .iter()
            .map(|i| i["channels"].as_array().unwrap().len())
            .sum::<usize>();
    }
    assert_eq!(items as u64, first["items_total"].as_u64().unwrap());
    assert_eq!(deliveries as u64, counted);
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
