//! Prometheus metrics for `/metrics`: deliveries by platform, kind, outcome and errcode; queue
//! depth; next due time; scheduler wake-ups (which prove the loop does not poll).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicI64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub platform: String,
    pub kind: String,
    pub outcome: String,
    pub errcode: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: String,
}

pub struct Metrics {
    registry: Registry,
    pub deliveries: Family<DeliveryLabels, Counter>,
    pub missed: Counter,
    pub queue_depth: Gauge,
    pub next_due: Gauge<i64, AtomicI64>,
    pub wakeups: Counter,
    pub reloads: Family<ResultLabels, Counter>,
    pub ledger_waiting: Gauge,
    pub ledger_errors: Counter,
    pub ledger_writable: Gauge,
    pub reload_refused: Gauge,
    pub ambiguous_rows: Gauge,
    /// 1 while this process posts (the leader, or alone on SQLite), 0 as a standby.
    pub leader: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("herald");
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        let missed = Counter::default();
        let queue_depth = Gauge::default();
        let next_due = Gauge::<i64, AtomicI64>::default();
        let wakeups = Counter::default();
        let reloads = Family::<ResultLabels, Counter>::default();
        registry.register(
            "deliveries",
            "Posted parts by platform, kind, outcome and errcode",
            deliveries.clone(),
        );
        registry.register(
            "missed",
            "Deliveries recorded as missed (past their deadline)",
            missed.clone(),
        );
        registry.register(
            "queue_depth",
            "Scheduled (event, rule) entries waiting to fall due",
            queue_depth.clone(),
        );
        registry.register(
            "next_due_timestamp_seconds",
            "Unix time of the next due entry (0 if none)",
            next_due.clone(),
        );
        registry.register(
            "scheduler_wakeups",
            "Times the scheduler loop woke up",
            wakeups.clone(),
        );
        registry.register(
            "reloads",
            "Reloads of config and events by result",
            reloads.clone(),
        );
        let ledger_waiting = Gauge::default();
        let ledger_errors = Counter::default();
        let ledger_writable = Gauge::default();
        ledger_writable.set(1);
        let reload_refused = Gauge::default();
        let ambiguous_rows = Gauge::default();
        registry.register(
            "ledger_waiting",
            "Deliveries waiting for the ledger (a held lock, a full disk) before they may post",
            ledger_waiting.clone(),
        );
        registry.register(
            "ledger_errors",
            "Ledger writes that failed (each is retried; nothing is posted unrecorded)",
            ledger_errors.clone(),
        );
        registry.register(
            "ledger_writable",
            "1 while the last ledger write succeeded, 0 after one failed",
            ledger_writable.clone(),
        );
        registry.register(
            "reload_refused",
            "1 while the last reload was refused (the last good config is in use)",
            reload_refused.clone(),
        );
        registry.register(
            "ambiguous_rows",
            "Ledger rows that may have been posted and wait for `herald resolve`",
            ambiguous_rows.clone(),
        );
        let leader = Gauge::default();
        leader.set(1);
        registry.register(
            "leader",
            "1 while this process posts (the leader replica, or alone on SQLite), 0 as a standby",
            leader.clone(),
        );
        Metrics {
            leader,
            registry,
            ledger_waiting,
            ledger_errors,
            ledger_writable,
            reload_refused,
            ambiguous_rows,
            deliveries,
            missed,
            queue_depth,
            next_due,
            wakeups,
            reloads,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }

    pub fn delivery(&self, platform: &str, kind: &str, outcome: &str, errcode: Option<i64>) {
        let labels = DeliveryLabels {
            platform: platform.to_string(),
            kind: kind.to_string(),
            outcome: outcome.to_string(),
            errcode: errcode.map_or_else(String::new, |c| c.to_string()),
        };
        self.deliveries.get_or_create(&labels).inc();
    }

    pub fn reload(&self, ok: bool) {
        self.reload_refused.set(i64::from(!ok));
        let result = if ok { "ok" } else { "error" }.to_string();
        self.reloads.get_or_create(&ResultLabels { result }).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposes_labelled_deliveries_and_gauges() {
        let m = Metrics::default();
        m.delivery("dingtalk", "announce", "permanent", Some(310000));
        m.queue_depth.set(7);
        let text = m.encode();
        assert!(text.contains(r#"herald_deliveries_total{platform="dingtalk",kind="announce",outcome="permanent",errcode="310000"} 1"#), "{text}");
        assert!(text.contains("herald_queue_depth 7"), "{text}");
    }
}
