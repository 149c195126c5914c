//! Fake DingTalk, WeCom and Feishu robot servers: real HTTP on 127.0.0.1, as strict as the
//! real services (`shared/docs/platform-apis.md`): token, signature with its one-hour window,
//! keywords, byte limits, msgtype and required fields, and a sliding per-robot rate window
//! answered with the real throttle errcode. Faults (5xx, reset, hang, any errcode) can be
//! queued. Rate windows run on tokio time; signature windows on the test's clock.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use herald::model::{Clock, Platform};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub enum Fault {
    /// HTTP 500 with an HTML body.
    ServerError,
    /// Close the connection without answering.
    Reset,
    /// Never answer.
    Hang,
    /// Answer HTTP 200 with this platform code and message.
    Code(i64, &'static str),
    /// Process the message (it reaches the group), then answer HTTP 500, as when a proxy in
    /// front of the platform fails after the platform took the message.
    AcceptThenServerError,
}

pub struct Spec {
    pub platform: Platform,
    pub token: String,
    pub secret: Option<String>,
    pub keywords: Vec<String>,
    /// Messages per minute (and per second, Feishu) before the throttle code.
    pub per_minute: usize,
    pub per_second: Option<usize>,
}

impl Spec {
    pub fn new(platform: Platform) -> Spec {
        let (per_minute, per_second) = match platform {
            Platform::Feishu => (100, Some(5)),
            _ => (20, None),
        };
        Spec {
            platform,
            token: "fake-token-123".into(),
            secret: None,
            keywords: Vec::new(),
            per_minute,
            per_second,
        }
    }
}

#[derive(Default)]
pub struct Record {
    /// Bodies of accepted messages, in order.
    pub accepted: Vec<Value>,
    /// When each accepted message arrived, by the fake's clock.
    pub arrived: Vec<chrono::DateTime<chrono::Utc>>,
    /// Every request that reached the handler.
    pub requests: usize,
    /// Every HTTP request read, whatever its method or path (a GET to a webhook included).
    pub seen: usize,
    pub throttled: usize,
    /// (errcode, errmsg) of every rejection.
    pub rejected: Vec<(i64, String)>,
    /// When each TCP connection was accepted, by the fake's clock.
    pub connected: Vec<chrono::DateTime<chrono::Utc>>,
}

struct Shared {
    spec: Spec,
    clock: Arc<dyn Clock>,
    faults: Mutex<VecDeque<Fault>>,
    window: Mutex<VecDeque<Instant>>,
    /// DingTalk: after a throttle the robot refuses everything until this instant.
    penalty_until: Mutex<Option<Instant>>,
    record: Mutex<Record>,
    /// Close the next connection as soon as it is accepted, as a server that drops idle
    /// connections does.
    close_next: std::sync::atomic::AtomicBool,
}

pub struct Fake {
    pub base: String,
    shared: Arc<Shared>,
}

impl Fake {
    pub async fn start(spec: Spec, clock: Arc<dyn Clock>) -> Fake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            spec,
            clock,
            faults: Mutex::default(),
            window: Mutex::default(),
            penalty_until: Mutex::default(),
            record: Mutex::default(),
            close_next: Default::default(),
        });
        let app = axum::Router::new()
            .route("/robot/send", post(dingtalk))
            .route("/cgi-bin/webhook/send", post(wecom))
            .route("/open-apis/bot/v2/hook/{token}", post(feishu))
            .layer(axum::middleware::from_fn_with_state(shared.clone(), seen))
            .with_state(shared.clone());
        let tap = shared.clone();
        let listener = axum::serve::ListenerExt::tap_io(listener, move |io| tap.accepted(io));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fake { base, shared }
    }

    /// The webhook URL a channel uses (with the given token).
    pub fn webhook(&self, token: &str) -> String {
        match self.shared.spec.platform {
            Platform::Dingtalk => format!("{}/robot/send?access_token={token}", self.base),
            Platform::Wecom => format!("{}/cgi-bin/webhook/send?key={token}", self.base),
            _ => format!("{}/open-apis/bot/v2/hook/{token}", self.base),
        }
    }

    pub fn fault(&self, fault: Fault) {
        self.shared.faults.lock().unwrap().push_back(fault);
    }

    pub fn record<T>(&self, f: impl FnOnce(&Record) -> T) -> T {
        f(&self.shared.record.lock().unwrap())
    }

    /// The next connection accepted is closed before anything is read from it.
    pub fn close_next_connection(&self) {
        self.shared.close_next.store(true, Ordering::SeqCst);
    }
}

impl Shared {
    fn accepted(&self, io: &mut tokio::net::TcpStream) {
        let now = self.clock.now();
        self.record.lock().unwrap().connected.push(now);
        if self.close_next.swap(false, Ordering::SeqCst) {
            rustix::net::shutdown(&*io, rustix::net::Shutdown::Both).unwrap();
        }
    }
}

/// Counts every request the server reads, before routing.
async fn seen(
    State(s): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    s.record.lock().unwrap().seen += 1;
    next.run(request).await
}

fn reject(s: &Shared, code: i64, msg: &str) -> Response {
    s.record
        .lock()
        .unwrap()
        .rejected
        .push((code, msg.to_string()));
    let body = if s.spec.platform == Platform::Feishu {
        json!({ "code": code, "msg": msg, "data": {} })
    } else {
        json!({ "errcode": code, "errmsg": msg })
    };
    let status = if s.spec.platform == Platform::Feishu && code == 9499 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, axum::Json(body)).into_response()
}

fn ok(s: &Shared, body: Value) -> Response {
    let mut record = s.record.lock().unwrap();
    record.accepted.push(body);
    record.arrived.push(s.clock.now());
    drop(record);
    let mut faults = s.faults.lock().unwrap();
    if matches!(faults.front(), Some(Fault::AcceptThenServerError)) {
        faults.pop_front();
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "<html>502 Bad Gateway</html>",
        )
            .into_response();
    }
    drop(faults);
    let reply = if s.spec.platform == Platform::Feishu {
        json!({ "code": 0, "msg": "success", "data": {} })
    } else {
        json!({ "errcode": 0, "errmsg": "ok" })
    };
    axum::Json(reply).into_response()
}

/// Apply a queued fault, if any.
async fn fault(s: &Shared) -> Option<Response> {
    s.record.lock().unwrap().requests += 1;
    let fault = {
        let mut faults = s.faults.lock().unwrap();
        if matches!(faults.front(), Some(Fault::AcceptThenServerError)) {
            return None; // applied once the message is accepted
        }
        faults.pop_front()?
    };
    Some(match fault {
        Fault::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "<html>502 Bad Gateway</html>",
        )
            .into_response(),
        Fault::Reset => panic!("fake: dropping the connection (injected reset)"),
        Fault::Hang => {
            std::future::pending::<()>().await;
            unreachable!()
        }
        Fault::Code(code, msg) => reject(s, code, msg),
        Fault::AcceptThenServerError => unreachable!("left in the queue above"),
    })
}

/// DingTalk throttles a robot that went over its limit for 10 minutes.
const DINGTALK_PENALTY: Duration = Duration::from_secs(600);

/// Sliding window: at most `limit` accepted messages in any `window`; on DingTalk a robot
/// that went over is refused for 10 minutes, as the real service does.
fn admit(s: &Shared) -> bool {
    let now = Instant::now();
    let mut penalty = s.penalty_until.lock().unwrap();
    if penalty.is_some_and(|until| now < until) {
        s.record.lock().unwrap().throttled += 1;
        return false;
    }
    let mut w = s.window.lock().unwrap();
    while w
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
    {
        w.pop_front();
    }
    let last_second = w
        .iter()
        .filter(|t| now.duration_since(**t) < Duration::from_secs(1))
        .count();
    if w.len() >= s.spec.per_minute || s.spec.per_second.is_some_and(|n| last_second >= n) {
        s.record.lock().unwrap().throttled += 1;
        if s.spec.platform == Platform::Dingtalk {
            *penalty = Some(now + DINGTALK_PENALTY);
        }
        return false;
    }
    w.push_back(now);
    true
}

/// What a Feishu reader sees of a post or card: its `title`, `text` and `content` strings,
/// not JSON keys, tags or link targets (a keyword must be in the visible text).
fn visible_text(v: &Value) -> String {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("title" | "text" | "content", Value::String(s)) => out.push(s.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out.join("\n")
}

fn hmac(key: &[u8], msg: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn has_keyword(s: &Shared, text: &str) -> bool {
    s.spec.keywords.is_empty() || s.spec.keywords.iter().any(|k| text.contains(k.as_str()))
}

fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    v.pointer(path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

async fn dingtalk(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    if let Some(r) = fault(&s).await {
        return r;
    }
    if q.get("access_token") != Some(&s.spec.token) {
        return reject(&s, 300001, "token is not exist");
    }
    if let Some(secret) = &s.spec.secret {
        let (Some(ts), Some(sign)) = (
            q.get("timestamp").and_then(|t| t.parse::<i64>().ok()),
            q.get("sign"),
        ) else {
            return reject(&s, 310000, "sign not match");
        };
        if (s.clock.now().timestamp_millis() - ts).abs() > 3_600_000 {
            return reject(&s, 310000, "invalid timestamp");
        }
        // axum's Query has already URL-decoded `sign`.
        if *sign != hmac(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes()) {
            return reject(&s, 310000, "sign not match");
        }
    }
    if body.len() > 20_000 {
        return reject(&s, 460101, "message too long, exceed 20000 bytes");
    }
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return reject(&s, 400105, "invalid json");
    };
    let text = match str_at(&v, "/msgtype") {
        Some("text") => str_at(&v, "/text/content").map(str::to_string),
        Some("markdown") => str_at(&v, "/markdown/title")
            .zip(str_at(&v, "/markdown/text"))
            .map(|(a, b)| format!("{a}\n{b}")),
        Some("link") => str_at(&v, "/link/title")
            .zip(str_at(&v, "/link/text"))
            .filter(|_| str_at(&v, "/link/messageUrl").is_some())
            .map(|(a, b)| format!("{a}\n{b}")),
        Some("actionCard") => {
            let single = str_at(&v, "/actionCard/singleTitle").is_some()
                && str_at(&v, "/actionCard/singleURL").is_some();
            let btns = v
                .pointer("/actionCard/btns")
                .and_then(Value::as_array)
                .is_some_and(|b| {
                    !b.is_empty()
                        && b.iter().all(|b| {
                            str_at(b, "/title").is_some() && str_at(b, "/actionURL").is_some()
                        })
                });
            str_at(&v, "/actionCard/title")
                .zip(str_at(&v, "/actionCard/text"))
                .filter(|_| single || btns)
                .map(|(a, b)| format!("{a}\n{b}"))
        }
        Some("feedCard") => v
            .pointer("/feedCard/links")
            .and_then(Value::as_array)
            .filter(|l| {
                !l.is_empty()
                    && l.iter().all(|l| {
                        str_at(l, "/title").is_some() && str_at(l, "/messageURL").is_some()
                    })
            })
            .map(|l| {
                l.iter()
                    .filter_map(|l| str_at(l, "/title"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
        _ => return reject(&s, 400105, "不支持的消息类型"),
    };
    let Some(text) = text else {
        return reject(&s, 400105, "missing required fields");
    };
    if !has_keyword(&s, &text) {
        return reject(&s, 310000, "keywords not in content");
    }
    if !admit(&s) {
        return reject(&s, 130101, "send too fast, exceed 20 times per minute");
    }
    ok(&s, v)
}

async fn wecom(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    if let Some(r) = fault(&s).await {
        return r;
    }
    if q.get("key") != Some(&s.spec.token) {
        return reject(&s, 93000, "invalid webhook url");
    }
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return reject(&s, 40058, "invalid json");
    };
    let valid = match str_at(&v, "/msgtype") {
        Some("text") => match str_at(&v, "/text/content") {
            Some(c) if c.len() > 2048 => {
                return reject(&s, 40058, "text.content exceed max length 2048");
            }
            c => c.is_some(),
        },
        Some("markdown") => match str_at(&v, "/markdown/content") {
            Some(c) if c.len() > 4096 => {
                return reject(&s, 40058, "markdown.content exceed max length 4096");
            }
            c => c.is_some(),
        },
        Some("markdown_v2") => match str_at(&v, "/markdown_v2/content") {
            Some(c) if c.len() > 4096 => {
                return reject(&s, 40058, "markdown_v2.content exceed max length 4096");
            }
            c => c.is_some(),
        },
        Some("news") => v
            .pointer("/news/articles")
            .and_then(Value::as_array)
            .is_some_and(|a| {
                (1..=8).contains(&a.len())
                    && a.iter()
                        .all(|a| str_at(a, "/title").is_some() && str_at(a, "/url").is_some())
            }),
        Some("template_card") => {
            str_at(&v, "/template_card/card_type").is_some()
                && str_at(&v, "/template_card/main_title/title").is_some()
                && str_at(&v, "/template_card/card_action/url").is_some()
        }
        _ => return reject(&s, 40008, "invalid message type"),
    };
    if !valid {
        return reject(&s, 44004, "missing required fields");
    }
    if !admit(&s) {
        return reject(&s, 45009, "api freq out of limit");
    }
    ok(&s, v)
}

async fn feishu(State(s): State<Arc<Shared>>, Path(token): Path<String>, body: String) -> Response {
    if let Some(r) = fault(&s).await {
        return r;
    }
    if token != s.spec.token {
        return reject(
            &s,
            19001,
            "param invalid: incoming webhook access token invalid",
        );
    }
    if body.len() > 20_000 {
        return reject(&s, 9499, "Bad Request");
    }
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return reject(&s, 9499, "Bad Request");
    };
    if let Some(secret) = &s.spec.secret {
        let ts = str_at(&v, "/timestamp").and_then(|t| t.parse::<i64>().ok());
        let fresh = ts.is_some_and(|ts| (s.clock.now().timestamp() - ts).abs() <= 3600);
        let good = ts.is_some_and(|ts| {
            str_at(&v, "/sign") == Some(hmac(format!("{ts}\n{secret}").as_bytes(), b"").as_str())
        });
        if !fresh || !good {
            return reject(
                &s,
                19021,
                "sign match fail or timestamp is not within one hour from current time",
            );
        }
    }
    let text = match str_at(&v, "/msg_type") {
        Some("text") => str_at(&v, "/content/text").map(str::to_string),
        Some("post") => v
            .pointer("/content/post/zh_cn")
            .filter(|p| p["content"].is_array())
            .map(visible_text),
        Some("interactive") => v
            .get("card")
            .filter(|c| c["elements"].is_array())
            .map(visible_text),
        _ => return reject(&s, 9499, "Bad Request"),
    };
    let Some(text) = text else {
        return reject(&s, 9499, "Bad Request");
    };
    if !has_keyword(&s, &text) {
        return reject(&s, 19024, "Key Words Not Found");
    }
    if !admit(&s) {
        return reject(&s, 11232, "frequency limited");
    }
    ok(&s, v)
}
