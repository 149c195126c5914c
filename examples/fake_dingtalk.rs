//! A fake DingTalk robot server for the benchmark (`bench/run.py`): loopback only, a fixed
//! response latency, the platform's per-robot sliding rate window answered with errcode 130101,
//! the 20,000-byte body limit, and a JSON-lines log of every request (robot, arrival and reply
//! times, verdict, the first words of the message) for the benchmark to measure.
//!
//!   cargo run --release --example fake_dingtalk -- --port 0 --latency-ms 100 \
//!       --limit 20 --window-ms 60000 --log arrivals.jsonl
//!
//! It prints `listening on 127.0.0.1:PORT` once ready.

use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

struct Settings {
    latency: Duration,
    limit: usize,
    window: Duration,
}

struct Shared {
    settings: Settings,
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
    log: Mutex<std::io::BufWriter<std::fs::File>>,
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let settings = Settings {
        latency: Duration::from_millis(arg(&args, "--latency-ms", "0").parse().unwrap()),
        limit: arg(&args, "--limit", "20").parse().unwrap(),
        window: Duration::from_millis(arg(&args, "--window-ms", "60000").parse().unwrap()),
    };
    let log = std::fs::File::create(arg(&args, "--log", "arrivals.jsonl")).unwrap();
    let shared = Arc::new(Shared {
        settings,
        windows: Mutex::default(),
        log: Mutex::new(std::io::BufWriter::new(log)),
    });
    let app = Router::new()
        .route("/robot/send", post(send))
        .with_state(shared);
    let port = arg(&args, "--port", "0");
    // A platform's front end does not drop connections when thousands arrive at once: a
    // backlog of 4,096 (tokio's `bind` listens with 1,024; past it the kernel drops SYNs and
    // the client retries a second later, which measures the fake, not the sender).
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(addr).unwrap();
    let listener = socket.listen(4096).unwrap();
    println!("listening on {}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}

/// Accept (errcode 0) or throttle (130101) within the robot's sliding window.
fn admit(shared: &Shared, token: &str, now: Instant) -> bool {
    let mut windows = shared.windows.lock().unwrap();
    let window = windows.entry(token.to_string()).or_default();
    while window
        .front()
        .is_some_and(|t| now.duration_since(*t) >= shared.settings.window)
    {
        window.pop_front();
    }
    if window.len() >= shared.settings.limit {
        return false;
    }
    window.push_back(now);
    true
}

async fn send(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Json<Value> {
    let arrived = unix_ms();
    let token = q.get("access_token").cloned().unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let text = parsed
        .as_ref()
        .and_then(|v| {
            v.pointer("/markdown/text")
                .or(v.pointer("/text/content"))
                .or(v.pointer("/actionCard/text"))
        })
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(120)
        .collect::<String>();
    let (errcode, errmsg) = if token.is_empty() {
        (300001, "token is not exist")
    } else if body.len() > 20_000 {
        (460101, "message too long, exceed 20000 bytes")
    } else if parsed.as_ref().and_then(|v| v.get("msgtype")).is_none() {
        (400105, "msgtype missing")
    } else if !admit(&shared, &token, Instant::now()) {
        (130101, "send too fast, exceed 20 times per minute")
    } else {
        (0, "ok")
    };
    tokio::time::sleep(shared.settings.latency).await;
    let line = json!({"robot": token, "arrived_ms": arrived, "replied_ms": unix_ms(), "errcode": errcode, "text": text});
    {
        let mut log = shared.log.lock().unwrap();
        let _ = writeln!(log, "{line}");
        let _ = log.flush();
    }
    Json(json!({"errcode": errcode, "errmsg": errmsg}))
}
