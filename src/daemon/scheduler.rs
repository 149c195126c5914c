//! The scheduler loop: sleep until the next entry falls due (or a reload, manual send or
//! shutdown arrives), fire what is due, record what was missed. No polling: between due
//! instants the task is parked in one `select!`.

use super::Metrics;
use super::engine::{Engine, Job as SendJob};
use super::manual;
use super::notices::notices;
use super::queue::{Entry, Job, Notice, Queue};
use super::workspace::Workspace;
use crate::ledger::State;
use crate::model::{ChannelSpec, DeliveryKey, Rule, When};
use crate::model::{ManualError, SendRequest, SendResult};
use crate::plan;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinSet;
use tracing::{error, info, warn};

/// Messages to the running scheduler.
#[derive(Debug)]
pub enum Control {
    /// Reload config, events and templates (file changes and SIGHUP arrive on their own
    /// coalescing signal; this is for callers that hold the control channel).
    Reload,
    /// A manual send (`POST /send`): carried out on the daemon's engine, so it shares the
    /// daemon's rate budgets; the answer goes back on the oneshot once every channel is done.
    Send(
        Box<SendRequest>,
        oneshot::Sender<Result<SendResult, ManualError>>,
    ),
}

/// Loads the workspace (the daemon keeps the last good one when a reload is broken).
pub type Loader =
    Box<dyn Fn(Option<&Workspace>) -> Result<Workspace, Vec<crate::model::Problem>> + Send>;

pub struct Scheduler {
    ws: Arc<Workspace>,
    engine: Arc<Engine>,
    metrics: Arc<Metrics>,
    queue: Queue,
    in_flight: JoinSet<()>,
    /// When to hand the last burst's freed heap back to the OS (see `after_posting`).
    trim_at: Option<tokio::time::Instant>,
    loader: Loader,
}

/// How long after the last delivery finished the heap is trimmed: long enough for the
/// burst's closed connections to be dropped by their tasks, short enough to look prompt.
const TRIM_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

const LAST_ALIVE: &str = "last_alive";

impl Scheduler {
    pub fn new(
        ws: Workspace,
        engine: Arc<Engine>,
        metrics: Arc<Metrics>,
        loader: Loader,
    ) -> Scheduler {
        let mut s = Scheduler {
            ws: Arc::new(ws),
            engine,
            metrics,
            queue: Queue::default(),
            in_flight: JoinSet::new(),
            trim_at: None,
            loader,
        };
        s.report_unresolved();
        s.replan();
        s
    }

    /// Rows a crash left mid-post are ambiguous: reported, never re-posted automatically.
    fn report_unresolved(&self) {
        match self.engine.ledger.claimed_to_ambiguous(self.engine.by) {
            Ok(n) if n > 0 => warn!(
                rows = n,
                "rows left mid-post by a previous run are now ambiguous; see `herald history`"
            ),
            Ok(_) => {}
            Err(e) => error!(error = %e, "cannot read the ledger"),
        }
    }

    /// Rebuild the queue from the workspace. Entries past their deadline that fell due while
    /// herald was down are recorded as missed; late ones still before their deadline fire now.
    fn replan(&mut self) {
        let now = self.engine.clock.now();
        let last_alive = self.last_alive().unwrap_or(now);
        let mut queue =
            Queue::with_capacity(self.ws.events.len() * self.ws.config.rules.len() + 16);
        for (ei, event) in self.ws.events.iter().enumerate() {
            for (ri, rule) in self.ws.config.rules.iter().enumerate() {
                let Some((due, deadline)) = plan::schedule(rule, event) else {
                    continue;
                };
                if deadline <= now {
                    if due > last_alive {
                        self.record_missed(&Entry {
                            due,
                            deadline,
                            job: Job::Rule {
                                event: ei,
                                rule: ri,
                            },
                        });
                    }
                    continue;
                }
                if due <= now && self.all_done(&event.id, rule, event) {
                    continue;
                }
                queue.push(Entry {
                    due,
                    deadline,
                    job: Job::Rule {
                        event: ei,
                        rule: ri,
                    },
                });
            }
        }
        for (ri, rule) in self.ws.config.rules.iter().enumerate() {
            if let Some(entry) = next_digest(rule, ri, last_alive.min(now)) {
                queue.push(entry);
            }
        }
        for entry in notices(&self.ws, &self.engine.ledger, now) {
            queue.push(entry);
        }
        queue.shrink_to_fit();
        self.queue = queue;
        self.update_gauges();
    }

    fn all_done(&self, event_id: &str, rule: &Rule, event: &crate::model::Event) -> bool {
        plan::targets(rule, event, &self.ws.config.channels)
            .iter()
            .all(|ch| {
                let key = DeliveryKey {
                    event: event_id.to_string(),
                    rule: rule.name.clone(),
                    channel: ch.name.clone(),
                };
                self.engine.ledger.done(&key).unwrap_or(false)
            })
    }

    fn last_alive(&self) -> Option<DateTime<Utc>> {
        let raw = self.engine.ledger.meta_get(LAST_ALIVE).ok()??;
        DateTime::parse_from_rfc3339(&raw).ok().map(|t| t.to_utc())
    }

    fn touch_alive(&self, now: DateTime<Utc>) {
        if let Err(e) = self.engine.ledger.meta_set(LAST_ALIVE, &now.to_rfc3339()) {
            warn!(error = %e, "cannot record last_alive");
        }
    }

    fn update_gauges(&self) {
        self.metrics.queue_depth.set(self.queue.len() as i64);
        self.metrics
            .next_due
            .set(self.queue.next_due().map_or(0, |t| t.timestamp()));
    }

    /// The next due instant, for /healthz.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.queue.next_due()
    }

    /// Run until `shutdown` resolves; then stop claiming and let in-flight posts finish within
    /// `grace`.
    pub async fn run(
        mut self,
        mut control: mpsc::Receiver<Control>,
        reload: Arc<Notify>,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        'schedule: loop {
            self.metrics.wakeups.inc();
            let now = self.engine.clock.now();
            self.touch_alive(now);
            self.fire_due(now);
            while self.in_flight.try_join_next().is_some() {}
            self.update_gauges();
            let wake = self
                .queue
                .next_due()
                .map(|t| self.engine.clock.instant_at(t));
            // A delivery finishing is not a wake-up of the schedule: keep waiting.
            loop {
                tokio::select! {
                    () = sleep_until(wake, self.engine.clock.is_real()) => break,
                    Some(msg) = control.recv() => break self.handle(msg),
                    () = reload.notified() => break self.reload(),
                    Some(_) = self.in_flight.join_next(), if !self.in_flight.is_empty() => {
                        self.after_posting();
                    }
                    () = sleep_until(self.trim_at, false), if self.trim_at.is_some() => {
                        self.trim_at = None;
                        if self.in_flight.is_empty() {
                            self.engine.ledger.release_memory();
                            super::memory::release_free_heap();
                        }
                    }
                    () = &mut shutdown => break 'schedule,
                }
            }
        }
        self.drain().await;
    }

    /// A delivery finished; once none is left, plan to hand the burst's heap back to the OS
    /// (a fan-out's requests, connections and buffers), so RSS returns to its idle level.
    fn after_posting(&mut self) {
        if self.in_flight.is_empty() {
            self.trim_at = Some(tokio::time::Instant::now() + TRIM_DELAY);
        }
    }

    async fn drain(&mut self) {
        self.engine.hub.stop_waiting();
        while self.in_flight.try_join_next().is_some() {}
        let grace = self.ws.config.send.shutdown_grace;
        info!(
            in_flight = self.in_flight.len(),
            ?grace,
            "shutting down: no new claims; waiting for in-flight posts"
        );
        let all = async { while self.in_flight.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, all).await.is_err() {
            warn!(
                left = self.in_flight.len(),
                "grace period over; unfinished posts will be reported as ambiguous at next start"
            );
            self.in_flight.abort_all();
        }
        self.touch_alive(self.engine.clock.now());
    }

    fn handle(&mut self, msg: Control) {
        match msg {
            Control::Reload => self.reload(),
            Control::Send(req, reply) => self.manual(&req, reply),
        }
    }

    /// Resolve a manual send against the current workspace now; deliver it as an in-flight
    /// task (so shutdown lets it finish within the grace period like any other post).
    fn manual(
        &mut self,
        req: &SendRequest,
        reply: oneshot::Sender<Result<SendResult, ManualError>>,
    ) {
        let now = self.engine.clock.now();
        match manual::resolve(&self.ws, &self.engine.ledger, req, now) {
            Err(e) => {
                let _ = reply.send(Err(e));
            }
            Ok(resolved) => {
                info!(event = %resolved.event.id, kind = %resolved.kind, "manual send");
                let (engine, ws) = (self.engine.clone(), self.ws.clone());
                self.in_flight.spawn(async move {
                    let _ = reply.send(Ok(manual::send(engine, ws, resolved).await));
                });
            }
        }
    }

    fn reload(&mut self) {
        match (self.loader)(Some(&self.ws)) {
            Ok(ws) => {
                info!(
                    events = ws.events.len(),
                    channels = ws.config.channels.len(),
                    "reloaded"
                );
                self.metrics.reload(true);
                self.engine.hub.update(ws.config.channels.clone());
                self.ws = Arc::new(ws);
                self.replan();
                super::memory::release_free_heap();
            }
            Err(problems) => {
                self.metrics.reload(false);
                for p in &problems {
                    error!(problem = %p, "reload refused; keeping the last good config");
                }
            }
        }
    }

    fn fire_due(&mut self, now: DateTime<Utc>) {
        for entry in self.queue.pop_due(now) {
            if entry.deadline <= now {
                self.record_missed(&entry);
                continue;
            }
            if let Job::Digest { rule, slot } = entry.job
                && let Some(next) = next_digest(&self.ws.config.rules[rule], rule, slot)
            {
                self.queue.push(next);
            }
            let Some((job, channels)) = self.expand(&entry) else {
                continue;
            };
            let late = now - entry.due;
            if late > chrono::TimeDelta::minutes(1) {
                info!(event = %job.event.id, rule = %job.rule, late_s = late.num_seconds(), "firing late (herald was down or busy)");
            }
            let (engine, ws) = (self.engine.clone(), self.ws.clone());
            self.in_flight.spawn(async move {
                engine.deliver(&ws.renderer, Arc::new(job), channels).await;
            });
        }
    }

    /// The send job and target channels of a queue entry.
    fn expand(&self, entry: &Entry) -> Option<(SendJob, Vec<ChannelSpec>)> {
        let ws = &self.ws;
        match &entry.job {
            Job::Rule { event, rule } => {
                let (event, rule) = (&ws.events[*event], &ws.config.rules[*rule]);
                let channels = plan::targets(rule, event, &ws.config.channels)
                    .into_iter()
                    .cloned()
                    .collect();
                Some((
                    job(event, rule.kind, &rule.name, entry, Vec::new(), Vec::new()),
                    channels,
                ))
            }
            Job::Digest { rule, slot } => {
                let rule = &ws.config.rules[*rule];
                let When::Digest { window, .. } = rule.when else {
                    return None;
                };
                let events: Vec<_> = plan::digest_events(&ws.events, *slot, window)
                    .into_iter()
                    .cloned()
                    .collect();
                let first = events.first()?.clone();
                let mut job = job(&first, rule.kind, &rule.name, entry, Vec::new(), events);
                job.key_event = plan::digest_key(*slot, rule.zone);
                let channels = ws
                    .config
                    .channels
                    .iter()
                    .filter(|c| rule.targets.iter().any(|t| c.matches(t)))
                    .cloned()
                    .collect();
                Some((job, channels))
            }
            Job::Notice(notice) => {
                let Notice {
                    event,
                    kind,
                    key,
                    changes,
                } = &**notice;
                let event = &ws.events[*event];
                let sent = self
                    .engine
                    .ledger
                    .sent_channels(&event.id, crate::model::MessageKind::Announce)
                    .unwrap_or_default();
                let channels = ws
                    .config
                    .channels
                    .iter()
                    .filter(|c| sent.contains(&c.name))
                    .cloned()
                    .collect();
                Some((
                    job(event, *kind, key, entry, changes.clone(), Vec::new()),
                    channels,
                ))
            }
        }
    }

    fn record_missed(&self, entry: &Entry) {
        let Some((job, channels)) = self.expand(entry) else {
            return;
        };
        let now = self.engine.clock.now();
        for ch in channels {
            let key = DeliveryKey {
                event: job.key_event.clone(),
                rule: job.rule.clone(),
                channel: ch.name.clone(),
            };
            match self.engine.ledger.mark(
                &key,
                1,
                job.kind,
                State::Missed,
                "deadline passed before it could be sent",
                entry.due,
                entry.deadline,
                now,
            ) {
                Ok(true) => {
                    self.metrics.missed.inc();
                    warn!(%key, due = %entry.due, deadline = %entry.deadline, "missed: deadline passed while herald was down");
                }
                Ok(false) => {}
                Err(e) => error!(%key, error = %e, "cannot record a missed delivery"),
            }
        }
    }
}

fn job(
    event: &crate::model::Event,
    kind: crate::model::MessageKind,
    rule: &str,
    entry: &Entry,
    changes: Vec<crate::model::FieldChange>,
    digest: Vec<crate::model::Event>,
) -> SendJob {
    SendJob {
        key_event: event.id.clone(),
        event: Arc::new(event.clone()),
        kind,
        rule: rule.to_string(),
        due: entry.due,
        deadline: entry.deadline,
        changes,
        digest,
    }
}

/// The next digest slot strictly after `after`, as a queue entry.
fn next_digest(rule: &Rule, index: usize, after: DateTime<Utc>) -> Option<Entry> {
    let When::Digest { slot, .. } = &rule.when else {
        return None;
    };
    let due = slot
        .schedule
        .after(&after.with_timezone(&rule.zone))
        .next()?
        .to_utc();
    let deadline = plan::deadline_for(rule, due, due, due);
    Some(Entry {
        due,
        deadline,
        job: Job::Digest {
            rule: index,
            slot: due,
        },
    })
}

/// How much before a due instant the scheduler stops trusting tokio's timer, which wakes on
/// whole milliseconds (rounded up, then rounded up again by `epoll_wait`).
const FINE_WAIT: std::time::Duration = std::time::Duration::from_millis(2);

/// Sleep until `at`. On the real clock, tokio's timer takes us to within `FINE_WAIT` and
/// the rest is slept on the thread with the kernel's microsecond timer: at most 2 ms of
/// blocking, once per due instant, for posts that leave on time instead of up to 2 ms late.
async fn sleep_until(at: Option<tokio::time::Instant>, real_clock: bool) {
    let Some(at) = at else {
        return std::future::pending().await;
    };
    if !real_clock {
        return tokio::time::sleep_until(at).await;
    }
    tokio::time::sleep_until(at.checked_sub(FINE_WAIT).unwrap_or(at)).await;
    let rest = at.saturating_duration_since(tokio::time::Instant::now());
    if !rest.is_zero() {
        std::thread::sleep(rest);
    }
}
