//! The scheduler loop: sleep until the next entry falls due (or a reload, manual send or
//! shutdown arrives), fire what is due, record what was missed. No polling: between due
//! instants the task is parked in one `select!`.

use super::Metrics;
use super::engine::{Engine, Job as SendJob};
use super::manual;
use super::notices::notices;
use super::outcome::SendResult;
use super::queue::{Entry, Job, Notice, Queue};
use super::workspace::Workspace;
use crate::ledger::{Ledger, State};
use crate::model::{ChannelSpec, DeliveryKey, LocalTime, Origin, Rule, Subject, When};
use crate::model::{ManualError, SendRequest};
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
    /// Holds or skips changed in the ledger: held deliveries look again.
    HoldsChanged,
}

/// Loads the workspace (the daemon keeps the last good one when a reload is broken); shared,
/// not copied, with the console.
pub type Loader = Box<
    dyn Fn(Option<&Workspace>) -> Result<Arc<Workspace>, Vec<crate::model::Problem>> + Send + Sync,
>;

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
    /// Recover what a previous run left in the ledger, plan the queue, and be ready to run.
    pub async fn start(
        ws: Arc<Workspace>,
        engine: Arc<Engine>,
        metrics: Arc<Metrics>,
        loader: Loader,
    ) -> Scheduler {
        let mut s = Scheduler {
            ws,
            engine,
            metrics,
            queue: Queue::default(),
            in_flight: JoinSet::new(),
            trim_at: None,
            loader,
        };
        s.recover().await;
        s.replan().await;
        s
    }

    /// Rows a crash left behind: parts that were on the wire are ambiguous (reported, never
    /// re-posted automatically); parts that only waited are released and planned again.
    async fn recover(&self) {
        let by = self.engine.by;
        match self.engine.store.call(move |l| l.recover(by)).await {
            Ok((ambiguous, released)) => {
                if ambiguous > 0 {
                    warn!(
                        rows = ambiguous,
                        "parts that were on the wire when herald stopped may have been posted; see `herald history --unresolved` and `herald resolve`"
                    );
                }
                if released > 0 {
                    info!(
                        parts = released,
                        "parts that never left herald before it stopped are planned again"
                    );
                }
            }
            Err(e) => error!(error = %e, "cannot read the ledger"),
        }
    }

    /// Rebuild the queue from the workspace, off the scheduler's thread (it reads the ledger).
    /// Entries past their deadline that fell due while herald was down are recorded as
    /// missed; late ones still before their deadline fire now.
    async fn replan(&mut self) {
        self.engine.adopt(self.ws.clone());
        let (ws, now) = (self.ws.clone(), self.engine.clock.now());
        let planned = self
            .engine
            .store
            .call_quietly(move |ledger| Ok(plan_queue(&ws, ledger, now)))
            .await;
        let Ok((queue, missed)) = planned else {
            return;
        };
        self.queue = queue;
        for entry in missed {
            self.record_missed(entry);
        }
        self.update_gauges();
    }

    fn touch_alive(&mut self, now: DateTime<Utc>) {
        let store = self.engine.store.clone();
        self.in_flight.spawn(async move {
            let stamp = now.to_rfc3339();
            if let Err(e) = store.call(move |l| l.meta_set(LAST_ALIVE, &stamp)).await {
                warn!(error = %e, "cannot record last_alive");
            }
        });
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
            while self.in_flight.try_join_next().is_some() {}
            self.touch_alive(now);
            self.fire_due(now);
            self.update_gauges();
            let wake = self
                .queue
                .next_due()
                .map(|t| self.engine.clock.instant_at(t - self.ahead()));
            // A delivery finishing is not a wake-up of the schedule: keep waiting.
            loop {
                tokio::select! {
                    () = sleep_until(wake, self.engine.clock.is_real()) => break,
                    Some(msg) = control.recv() => {
                        self.handle(msg).await;
                        break;
                    }
                    () = reload.notified() => {
                        tokio::select! {
                            () = self.reload() => {}
                            () = &mut shutdown => break 'schedule,
                        }
                        break;
                    }
                    Some(_) = self.in_flight.join_next(), if !self.in_flight.is_empty() => {
                        self.after_posting();
                    }
                    () = sleep_until(self.trim_at, false), if self.trim_at.is_some() => {
                        self.trim_at = None;
                        if self.in_flight.is_empty() {
                            // Off the scheduler's thread: the ledger may be busy. Not an
                            // in-flight task, so its end plans no further trim.
                            let store = self.engine.store.clone();
                            tokio::spawn(async move {
                                // The checkpoint's own connection is gone before the trim.
                                checkpoint(store.ledger().clone()).await;
                                let _ = store
                                    .call_quietly(|l| {
                                        l.release_memory();
                                        Ok(())
                                    })
                                    .await;
                                super::memory::release_free_heap();
                            });
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
        let _ = tokio::time::timeout(grace, self.in_flight.join_next()).await;
    }

    async fn handle(&mut self, msg: Control) {
        match msg {
            Control::Reload => self.reload().await,
            Control::Send(req, reply) => self.manual(*req, reply),
            Control::HoldsChanged => self.engine.store.holds_changed().notify_waiters(),
        }
    }

    /// Resolve a manual send against the current workspace now; deliver it as an in-flight
    /// task (so shutdown lets it finish within the grace period like any other post).
    fn manual(
        &mut self,
        req: SendRequest,
        reply: oneshot::Sender<Result<SendResult, ManualError>>,
    ) {
        let now = self.engine.clock.now();
        let (engine, ws) = (self.engine.clone(), self.ws.clone());
        self.in_flight.spawn(async move {
            let resolving = ws.clone();
            let resolved = engine
                .store
                .call_quietly(move |l| Ok(manual::resolve(&resolving, l, &req, now)))
                .await
                .unwrap_or_else(|e| Err(ManualError::Ledger(e.to_string())));
            let answer = match resolved {
                Err(e) => Err(e),
                Ok(resolved) => {
                    info!(event = %resolved.event.id, kind = %resolved.subject.kind(), "manual send");
                    Ok(manual::send(engine, ws, resolved).await)
                }
            };
            let _ = reply.send(answer);
        });
    }

    async fn reload(&mut self) {
        match (self.loader)(Some(&self.ws)) {
            Ok(ws) => {
                info!(
                    events = ws.events.len(),
                    channels = ws.config.channels.len(),
                    "reloaded"
                );
                self.metrics.reload(true);
                self.engine.store.health().reload(None);
                self.engine.hub.update(ws.config.channels.clone());
                self.ws = ws;
                self.replan().await;
                super::memory::release_free_heap();
            }
            Err(problems) => {
                self.metrics.reload(false);
                for p in &problems {
                    error!(problem = %p, "reload refused; keeping the last good config");
                }
                let first = problems
                    .first()
                    .map_or_else(String::new, ToString::to_string);
                self.engine.store.health().reload(Some(format!(
                    "{} problem(s), first: {first}",
                    problems.len()
                )));
            }
        }
    }

    /// How long before its due instant a job is handed to the engine, which renders it,
    /// reads the holds and claims its parts meanwhile and posts from the due instant on (a
    /// fan-out's claims, group-committed, take tens of ms). On the real clock only: a test's
    /// paused clock or the demo's scaled one fire at the due instant itself.
    fn ahead(&self) -> chrono::TimeDelta {
        match self.engine.clock.is_real() {
            true => PREPARE_AHEAD,
            false => chrono::TimeDelta::zero(),
        }
    }

    fn fire_due(&mut self, now: DateTime<Utc>) {
        let ws = &self.ws;
        let deadline = |event: usize, rule: usize| {
            let (event, rule) = (ws.events.get(event)?, ws.config.rules.get(rule)?);
            plan::schedule(rule, event).map(|(_, deadline)| deadline)
        };
        for entry in self.queue.pop_due(now + self.ahead(), deadline) {
            // Handed over ahead, a job is judged at its due instant.
            if entry.deadline <= now.max(entry.due) {
                self.record_missed(entry);
                continue;
            }
            if let Job::Digest { rule, slot } = entry.job
                && let Some(next) = next_digest(&self.ws.config.rules[rule], rule, slot)
            {
                self.queue.push(next);
            }
            let Some((mut job, channels)) = self.expand(&entry) else {
                continue;
            };
            let late = now - entry.due;
            if late > plan::LATE_AFTER {
                info!(event = %job.event.id, rule = %job.origin.ledger_rule(&job.subject), late_s = late.num_seconds(), "firing late (herald was down or busy)");
            }
            job.deferrable = late > plan::LATE_AFTER || matches!(entry.job, Job::Notice(_));
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
                let subject = Subject::about(&event.id, rule.kind);
                let origin = Origin::Rule(rule.name.clone());
                Some((job(event, subject, origin, entry, Vec::new()), channels))
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
                let subject = Subject::digest(*slot, rule.zone);
                let origin = Origin::Rule(rule.name.clone());
                let job = job(&first, subject, origin, entry, events);
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
                    subject,
                    channels: sent,
                    ..
                } = &**notice;
                let event = &ws.events[*event];
                let channels = ws
                    .config
                    .channels
                    .iter()
                    .filter(|c| sent.contains(&c.name))
                    .cloned()
                    .collect();
                Some((
                    job(event, subject.clone(), Origin::Notice, entry, Vec::new()),
                    channels,
                ))
            }
        }
    }

    /// Record, off the scheduler's thread, that `entry`'s deadline passed before it could go.
    fn record_missed(&mut self, entry: Entry) {
        let Some((job, channels)) = self.expand(&entry) else {
            return;
        };
        let (store, metrics, now) = (
            self.engine.store.clone(),
            self.metrics.clone(),
            self.engine.clock.now(),
        );
        self.in_flight.spawn(async move {
            for ch in channels {
                let key = job.key(&ch.name);
                let (k, kind) = (key.clone(), job.kind());
                let (due, deadline) = (entry.due, entry.deadline);
                let marked = store
                    .call(move |l| {
                        l.mark(&k, 1, kind, State::Missed, "deadline passed before it could be sent", due, deadline, now)
                    })
                    .await;
                match marked {
                    Ok(true) => {
                        metrics.missed.inc();
                        let zone = job.event.start.timezone();
                        let (due, deadline) = (LocalTime::new(entry.due, zone), LocalTime::new(entry.deadline, zone));
                        warn!(%key, %due, %deadline, "missed: deadline passed while herald was down");
                    }
                    Ok(false) => {}
                    Err(e) => error!(%key, error = %e, "cannot record a missed delivery; the next start records it"),
                }
            }
        });
    }
}

/// The queue for `ws` at `now`, and the entries whose deadline passed while herald was down
/// (to record as missed). Reads the ledger: runs off the scheduler's thread.
fn plan_queue(ws: &Workspace, ledger: &Ledger, now: DateTime<Utc>) -> (Queue, Vec<Entry>) {
    let last_alive = last_alive(ledger).unwrap_or(now);
    let mut queue = Queue::with_capacity(ws.events.len() * ws.config.rules.len() + 16);
    let mut missed = Vec::new();
    for (ei, event) in ws.events.iter().enumerate() {
        for (ri, rule) in ws.config.rules.iter().enumerate() {
            let Some((due, deadline)) = plan::schedule(rule, event) else {
                continue;
            };
            let entry = Entry {
                due,
                deadline,
                job: Job::Rule {
                    event: ei,
                    rule: ri,
                },
            };
            if deadline <= now {
                // Its deadline passed after herald was last alive: it fell due while herald
                // was down (or while the ledger refused every claim) and was never recorded.
                if deadline > last_alive {
                    missed.push(entry);
                }
                continue;
            }
            if due <= now && all_done(ws, ledger, rule, event) {
                continue;
            }
            queue.push(entry);
        }
    }
    for (ri, rule) in ws.config.rules.iter().enumerate() {
        if let Some(entry) = next_digest(rule, ri, last_alive.min(now)) {
            queue.push(entry);
        }
    }
    for entry in notices(ws, ledger, now) {
        queue.push(entry);
    }
    queue.shrink_to_fit();
    (queue, missed)
}

fn all_done(ws: &Workspace, ledger: &Ledger, rule: &Rule, event: &crate::model::Event) -> bool {
    plan::targets(rule, event, &ws.config.channels)
        .iter()
        .all(|ch| {
            let subject = Subject::about(&event.id, rule.kind);
            let key = DeliveryKey::new(&subject, &Origin::Rule(rule.name.clone()), &ch.name);
            ledger.done(&key).unwrap_or(false)
        })
}

fn last_alive(ledger: &Ledger) -> Option<DateTime<Utc>> {
    let raw = ledger.meta_get(LAST_ALIVE).ok()??;
    DateTime::parse_from_rfc3339(&raw).ok().map(|t| t.to_utc())
}

fn job(
    event: &crate::model::Event,
    subject: Subject,
    origin: Origin,
    entry: &Entry,
    digest: Vec<crate::model::Event>,
) -> SendJob {
    SendJob {
        subject,
        origin,
        event: Arc::new(event.clone()),
        due: entry.due,
        deadline: entry.deadline,
        digest,
        deferrable: false,
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

/// See `Scheduler::ahead`.
const PREPARE_AHEAD: chrono::TimeDelta = chrono::TimeDelta::milliseconds(500);

/// Sleep until `at`: to the microsecond on the real clock (`timer`), on tokio's (paused in
/// tests) otherwise.
async fn sleep_until(at: Option<tokio::time::Instant>, real_clock: bool) {
    let Some(at) = at else {
        return std::future::pending().await;
    };
    if real_clock {
        super::timer::sleep_until(at).await;
    } else {
        tokio::time::sleep_until(at).await;
    }
}

/// Fold the burst's writes into the ledger file now that nothing is being posted, on a
/// blocking thread and a connection of the ledger's own (see `Backend::checkpoint`).
async fn checkpoint(ledger: Arc<Ledger>) {
    let done = tokio::task::spawn_blocking(move || ledger.checkpoint()).await;
    if let Ok(Err(e)) = done {
        warn!(error = %e, "ledger checkpoint failed; the log is folded in later");
    }
}
