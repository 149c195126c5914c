//! Delivers one message (an event + kind + ledger rule key) to a set of channels: renders once
//! per (platform, format), checks it, then per channel claims each part in the ledger, posts it
//! and records the verdict — concurrently across channels, parts in order within a channel.
//! Used by the scheduler and by `herald send`, so both share the ledger's exactly-once rule.

use super::Metrics;
use crate::channels::{self, Hub};
use crate::ledger::{Claim, ClaimRequest, Ledger, State};
use crate::model::{
    ChannelSpec, Clock, DeliveryKey, Event, FieldChange, Format, Message, MessageKind, Outcome,
    OutcomeClass, Platform,
};
use crate::render::{RenderRequest, Renderer};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tracing::{info, warn};

/// What to send: everything but the channels.
#[derive(Debug, Clone)]
pub struct Job {
    /// The event part of the ledger key: the event id, or `digest@YYYY-MM-DD`.
    pub key_event: String,
    pub event: Arc<Event>,
    pub kind: MessageKind,
    /// The ledger's rule part of the key (rule name, `manual:…`, `change:…`, `cancel`).
    pub rule: String,
    pub due: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub changes: Vec<FieldChange>,
    pub digest: Vec<Event>,
}

/// How one channel's delivery ended.
#[derive(Debug, Clone)]
pub struct ChannelReport {
    pub channel: String,
    pub parts_total: usize,
    pub parts_sent: usize,
    /// Posted now, or `None` if nothing was posted (already decided, refused, missed).
    pub outcome: Option<Outcome>,
    /// Why nothing (more) was posted: e.g. "already sent", "ambiguous row left by a crash".
    pub note: Option<String>,
}

impl ChannelReport {
    pub fn delivered(&self) -> bool {
        self.parts_sent == self.parts_total && self.parts_total > 0 && self.note.is_none()
    }
}

pub struct Engine {
    pub hub: Hub,
    pub ledger: Arc<Ledger>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// Recorded in the ledger's `claimed_by`: "daemon" or "cli".
    pub by: &'static str,
    /// One lock per channel so a multi-part message goes out back to back.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Engine {
    pub fn new(
        hub: Hub,
        ledger: Arc<Ledger>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        by: &'static str,
    ) -> Engine {
        Engine {
            hub,
            ledger,
            clock,
            metrics,
            by,
            locks: Mutex::default(),
        }
    }

    /// Render the job for every (platform, format) among `channels`.
    pub fn render_all(
        &self,
        renderer: &Renderer,
        job: &Job,
        channels: &[ChannelSpec],
    ) -> HashMap<(Platform, Format), Result<Arc<Message>, String>> {
        let now = self.clock.now();
        let mut out = HashMap::new();
        for ch in channels {
            out.entry((ch.platform, ch.format)).or_insert_with(|| {
                let req = RenderRequest {
                    event: &job.event,
                    kind: job.kind,
                    platform: ch.platform,
                    format: ch.format,
                    now,
                    changes: &job.changes,
                    digest: &job.digest,
                };
                renderer
                    .render(&req)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            });
        }
        out
    }

    /// Deliver `job` to every channel: concurrently across channels, each channel's parts in
    /// order. Returns one report per channel, in the order given.
    pub async fn deliver(
        self: &Arc<Self>,
        renderer: &Renderer,
        job: Arc<Job>,
        channels: Vec<ChannelSpec>,
    ) -> Vec<ChannelReport> {
        let rendered = self.render_all(renderer, &job, &channels);
        let mut tasks = tokio::task::JoinSet::new();
        for (i, ch) in channels.into_iter().enumerate() {
            let message = rendered[&(ch.platform, ch.format)].clone();
            let (engine, job) = (self.clone(), job.clone());
            tasks.spawn(async move { (i, engine.deliver_one(&job, &ch, message).await) });
        }
        let mut reports: Vec<(usize, ChannelReport)> = tasks.join_all().await;
        reports.sort_by_key(|(i, _)| *i);
        let reports: Vec<ChannelReport> = reports.into_iter().map(|(_, r)| r).collect();
        self.remember_announced(&job, &reports);
        reports
    }

    /// Once an announcement or change notice is out, its facts become the baseline that later
    /// edits are compared with (see `notices`).
    fn remember_announced(&self, job: &Job, reports: &[ChannelReport]) {
        let announced = matches!(job.kind, MessageKind::Announce | MessageKind::Change);
        if announced && reports.iter().any(|r| r.parts_sent > 0) {
            let snapshot = super::notices::Snapshot::of(&job.event);
            if let Err(e) = self.ledger.snapshot_set(&job.event.id, &snapshot.to_json()) {
                warn!(event = %job.event.id, error = %e, "cannot record what was announced");
            }
        }
    }

    /// This channel's turn: parts of one message go out back to back. The lock's entry is
    /// removed when its last holder is done, so a fan-out to thousands of channels leaves no
    /// map behind (allocated mid-burst, it would pin the burst's freed heap pages).
    async fn channel_turn<'a>(&'a self, channel: &'a str) -> ChannelTurn<'a> {
        let lock = {
            let mut locks = self.locks.lock().expect("lock map poisoned");
            locks.entry(channel.to_string()).or_default().clone()
        };
        ChannelTurn {
            engine: self,
            channel,
            _guard: lock.lock_owned().await,
        }
    }

    async fn deliver_one(
        &self,
        job: &Job,
        ch: &ChannelSpec,
        message: Result<Arc<Message>, String>,
    ) -> ChannelReport {
        let key = DeliveryKey {
            event: job.key_event.clone(),
            rule: job.rule.clone(),
            channel: ch.name.clone(),
        };
        let mut report = ChannelReport {
            channel: ch.name.clone(),
            parts_total: 0,
            parts_sent: 0,
            outcome: None,
            note: None,
        };
        let message = match message.and_then(|m| {
            channels::check_message(ch, &m)
                .map(|()| m)
                .map_err(|e| e.to_string())
        }) {
            Ok(m) => m,
            Err(why) => return self.refuse(job, ch, &key, report, why),
        };
        report.parts_total = message.parts.len();
        let _turn = self.channel_turn(&ch.name).await;
        let hash = content_hash(&message);
        for part in 1..=message.parts.len() {
            let req = ClaimRequest {
                key: key.clone(),
                part: part as u32,
                parts_total: message.parts.len() as u32,
                kind: job.kind,
                content_hash: hash.clone(),
                due: job.due,
                deadline: job.deadline,
                now: self.clock.now(),
                by: self.by.to_string(),
            };
            let id = match self.ledger.claim(&req) {
                Ok(Claim::Claimed(id)) => id,
                Ok(Claim::Taken(row)) if row.state == State::Sent => {
                    report.parts_sent += 1;
                    continue;
                }
                Ok(Claim::Taken(row)) => {
                    report.note = Some(format!(
                        "part {part} is already {} in the ledger",
                        row.state.as_str()
                    ));
                    return report;
                }
                Err(e) => {
                    report.note = Some(format!("ledger: {e}"));
                    return report;
                }
            };
            let deadline = self.clock.instant_at(job.deadline);
            let posted = self
                .hub
                .post_part(&ch.name, &message, part - 1, deadline)
                .await;
            if posted.interrupted {
                if let Err(e) = self.ledger.release(id) {
                    warn!(%key, part, error = %e, "could not release the claim; it will show as ambiguous");
                }
                info!(%key, part, "not posted before shutdown; planned again at the next start");
                report.note = Some("not posted: herald stopped first".to_string());
                return report;
            }
            self.metrics.delivery(
                ch.platform.as_str(),
                job.kind.as_str(),
                posted.outcome.class.as_str(),
                posted.outcome.errcode,
            );
            if let Err(e) =
                self.ledger
                    .finish(id, &posted.outcome, posted.attempts, self.clock.now())
            {
                warn!(%key, part, error = %e, "could not record the outcome");
            }
            log_outcome(&key, part, &posted.outcome, posted.attempts);
            let delivered = posted.outcome.class == OutcomeClass::Delivered;
            report.outcome = Some(posted.outcome);
            if !delivered {
                report.note = Some("not delivered".to_string());
                return report;
            }
            report.parts_sent += 1;
        }
        report
    }

    /// A message that cannot be sent as rendered (render error, keyword missing, too long):
    /// recorded as failed without posting, so it is neither lost nor retried blindly.
    fn refuse(
        &self,
        job: &Job,
        ch: &ChannelSpec,
        key: &DeliveryKey,
        mut report: ChannelReport,
        why: String,
    ) -> ChannelReport {
        warn!(%key, channel = %ch.name, reason = %why, "refused before posting");
        self.metrics
            .delivery(ch.platform.as_str(), job.kind.as_str(), "refused", None);
        let _ = self.ledger.mark(
            key,
            1,
            job.kind,
            State::Failed,
            &why,
            job.due,
            job.deadline,
            self.clock.now(),
        );
        report.note = Some(why);
        report
    }
}

/// Holds a channel's lock; on drop, forgets the lock if no one else holds or awaits it.
struct ChannelTurn<'a> {
    engine: &'a Engine,
    channel: &'a str,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for ChannelTurn<'_> {
    fn drop(&mut self) {
        let mut locks = self.engine.locks.lock().expect("lock map poisoned");
        // The map's reference and this guard's: nobody else is waiting for the channel.
        if locks
            .get(self.channel)
            .is_some_and(|l| Arc::strong_count(l) == 2)
        {
            locks.remove(self.channel);
        }
    }
}

fn log_outcome(key: &DeliveryKey, part: usize, outcome: &Outcome, attempts: u32) {
    match outcome.class {
        OutcomeClass::Delivered => info!(%key, part, attempts, "delivered"),
        _ => warn!(%key, part, attempts, outcome = %outcome, "not delivered"),
    }
}

/// A stable hash of what was sent, stored in the ledger (FNV-1a over the parts' content).
pub fn content_hash(message: &Message) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in &message.parts {
        for b in part.body.plain().bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::{ConsoleSink, HubSettings};
    use crate::model::SystemClock;

    /// A fan-out leaves no per-channel lock behind (allocated mid-burst, the map would pin
    /// the burst's freed heap pages), and every channel got its message.
    #[tokio::test]
    async fn channel_locks_are_forgotten_after_a_fan_out() {
        let text = "title = \"SOFA\"\nstart = 2031-01-01T10:00:00\nend = 2031-01-01T12:00:00\n";
        let event = crate::source::parse_event(
            std::path::Path::new("e.toml"),
            text,
            crate::config::DEFAULT_ZONE,
        )
        .unwrap();
        let channels: Vec<ChannelSpec> = (0..50)
            .map(|i| ChannelSpec::console(&format!("c{i}")))
            .collect();
        let sink = ConsoleSink::new(Box::new(std::io::sink()));
        let hub = Hub::new(channels.clone(), HubSettings::default(), sink).unwrap();
        let ledger = Arc::new(Ledger::open_in_memory().unwrap());
        let engine = Arc::new(Engine::new(
            hub,
            ledger,
            Arc::new(SystemClock),
            Arc::new(Metrics::default()),
            "daemon",
        ));
        let now = Utc::now();
        let job = Job {
            key_event: "e".into(),
            event: Arc::new(event),
            kind: MessageKind::Announce,
            rule: "announce".into(),
            due: now,
            deadline: now + chrono::TimeDelta::hours(1),
            changes: Vec::new(),
            digest: Vec::new(),
        };
        let renderer = Renderer::new(None).unwrap();
        let reports = engine.deliver(&renderer, Arc::new(job), channels).await;
        assert_eq!(reports.iter().filter(|r| r.delivered()).count(), 50);
        assert!(engine.locks.lock().unwrap().is_empty());
    }
}
