//! How much of a 2,000-robot fan-out is the ledger's (`bench/run.py` reports it): the four
//! ledger calls the engine makes per one-part delivery — `held`, `claim`, `posting`,
//! `finish` — for 2,000 channels, on a SQLite file in a temporary folder, called directly and
//! then through the daemon's `Store` (on tokio's blocking pool, the calls that wait sharing
//! one transaction, as a fan-out makes them). Prints JSON: seconds of wall and of this process's CPU for each.
//!
//!   cargo run --release --example ledger_burst -- 2000

use chrono::{TimeDelta, Utc};
use herald::daemon::{Health, Store};
use herald::ledger::{Claim, ClaimRequest, Ledger};
use herald::model::{DeliveryKey, MessageKind, Outcome};
use std::sync::Arc;
use std::time::Instant;

fn request(event: &str, channel: usize) -> ClaimRequest {
    let now = Utc::now();
    ClaimRequest {
        key: DeliveryKey {
            event: event.to_string(),
            rule: "at-start".to_string(),
            channel: format!("robot-{channel:04}"),
        },
        part: 1,
        parts_total: 1,
        kind: MessageKind::Remind,
        content_hash: "0123456789abcdef".to_string(),
        due: now,
        deadline: now + TimeDelta::minutes(10),
        now,
        by: "daemon".to_string(),
    }
}

/// One delivery's ledger calls, in the engine's order.
fn deliver(ledger: &Ledger, req: &ClaimRequest) {
    assert!(!ledger.held(&req.key).expect("held"));
    let Claim::Claimed(id) = ledger.claim(req).expect("claim") else {
        panic!("already claimed");
    };
    ledger.posting(id).expect("posting");
    ledger
        .finish(id, &Outcome::delivered(), 1, Utc::now())
        .expect("finish");
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, r)| r.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Arc::new(Ledger::open(&dir.path().join("herald.db")).expect("ledger"));
    let (t, c) = (Instant::now(), cpu_seconds());
    for ch in 0..n {
        deliver(&ledger, &request("direct", ch));
    }
    let direct = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let store = Store::new(ledger.clone(), Arc::new(Health::default()));
    let (t, c) = (Instant::now(), cpu_seconds());
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for ch in 0..n {
            let store = store.clone();
            tasks.spawn(async move {
                let req = request("store", ch);
                let key = req.key.clone();
                store
                    .call_quietly(move |l| l.held(&key))
                    .await
                    .expect("held");
                let Ok(Claim::Claimed(id)) = store.call(move |l| l.claim(&req)).await else {
                    panic!("no claim");
                };
                store.call(move |l| l.posting(id)).await.expect("posting");
                let now = Utc::now();
                store
                    .call(move |l| l.finish(id, &Outcome::delivered(), 1, now))
                    .await
                    .expect("finish");
            });
        }
        tasks.join_all().await;
    });
    let via_store = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    println!(
        "{{\"deliveries\": {n}, \"direct_s\": {:.3}, \"direct_cpu_s\": {:.3}, \"store_s\": {:.3}, \"store_cpu_s\": {:.3}}}",
        direct.0, direct.1, via_store.0, via_store.1
    );
}
