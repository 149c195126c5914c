//! Delivers one message (a `Subject` sent by an `Origin`) to a set of channels: renders once
//! per (platform, format), checks it, then per channel claims each part in the ledger, posts it
//! and records the verdict — concurrently across channels, parts in order within a channel —
//! and decides how each channel's delivery ended (`ChannelOutcome`).
//! Used by the scheduler and by `herald send`, so both share the ledger's exactly-once rule.

use super::outcome::{ChannelOutcome, ChannelReport, Decided, Interruption, Refused};
use super::start::StartGate;
use super::{Metrics, Store};
use crate::channels::{self, Gate, Hub};
use crate::ledger::{Claim, ClaimRequest, Hold, LedgerError, Row, State};
use crate::model::{
    ChannelSpec, Clock, DeliveryKey, Event, Format, LocalTime, Message, MessageKind, Origin,
    Outcome, Platform, Subject,
};
use crate::render::{RenderRequest, Renderer};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

/// What to send: everything but the channels.
#[derive(Debug, Clone)]
pub struct Job {
    /// What it is about; with `origin`, the ledger key (`DeliveryKey::new`).
    pub subject: Subject,
    pub origin: Origin,
    /// The event rendered (a digest's first event).
    pub event: Arc<Event>,
    pub due: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// A digest's events (empty: the event alone).
    pub digest: Vec<Event>,
    /// A late catch-up or a change notice: it waits out the channel's quiet hours when its
    /// deadline allows.
    pub deferrable: bool,
}

impl Job {
    pub fn kind(&self) -> MessageKind {
        self.subject.kind()
    }

    /// The ledger key of this job on `channel`.
    pub fn key(&self, channel: &str) -> DeliveryKey {
        DeliveryKey::new(&self.subject, &self.origin, channel)
    }
}

pub struct Engine {
    pub hub: Hub,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// Recorded in the ledger's `claimed_by`: "daemon" or "cli".
    pub by: &'static str,
    /// One lock per channel so a multi-part message goes out back to back.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The workspace the scheduler plans from now (none for `herald send`): a late catch-up
    /// that waited out quiet hours checks it is still planned before it is claimed.
    planned: Mutex<Option<Arc<super::Workspace>>>,
}

impl Engine {
    pub fn new(
        hub: Hub,
        store: Store,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        by: &'static str,
    ) -> Engine {
        Engine {
            hub,
            store,
            clock,
            metrics,
            by,
            locks: Mutex::default(),
            planned: Mutex::default(),
        }
    }

    /// The scheduler's current workspace (at start and after each reload).
    pub fn adopt(&self, ws: Arc<super::Workspace>) {
        *self.planned.lock().expect("workspace lock poisoned") = Some(ws);
    }

    /// After a wait: is this rule's delivery still what the scheduler plans (the same record,
    /// still scheduled, the same rule and due time)? An edit or a cancellation during the
    /// wait replanned it, and the new plan has its own entry. A notice must still be called
    /// for by the record as it is now; digests and manual sends are not looked at.
    fn still_planned(&self, job: &Job) -> bool {
        let Some(ws) = self
            .planned
            .lock()
            .expect("workspace lock poisoned")
            .clone()
        else {
            return true;
        };
        let current = ws.events.iter().find(|e| e.id == job.event.id);
        let name = match &job.origin {
            Origin::Manual | Origin::Forced { .. } => return true,
            Origin::Notice => {
                return current.is_some_and(|e| super::notices::still_wanted(e, &job.subject));
            }
            Origin::Rule(name) => name,
        };
        // A rule removed meanwhile plans nothing.
        let Some(rule) = ws.config.rules.iter().find(|r| r.name == *name) else {
            return false;
        };
        if matches!(job.subject, Subject::Digest { .. }) {
            return true;
        }
        // An edit of the record meanwhile (even one that keeps the due time) makes the
        // rendered message stale: the replan's own entry renders and sends the new one.
        current
            .filter(|e| **e == *job.event)
            .and_then(|e| crate::plan::schedule(rule, e))
            .is_some_and(|(due, _)| due == job.due)
    }

    /// The instant the job's message is for: now, or its due instant when the scheduler
    /// handed it over ahead of it — what the text says ("正在进行", "今天") and whether quiet
    /// hours apply are decided for the instant it is posted at, as `herald check` renders it.
    fn posted_at(&self, job: &Job) -> DateTime<Utc> {
        self.clock.now().max(job.due)
    }

    /// Render the job for every (platform, format) among `channels`.
    pub fn render_all(
        &self,
        renderer: &Renderer,
        job: &Job,
        channels: &[ChannelSpec],
    ) -> HashMap<(Platform, Format), Result<Arc<Message>, String>> {
        let now = self.posted_at(job);
        let mut out = HashMap::new();
        for ch in channels {
            out.entry((ch.platform, ch.format)).or_insert_with(|| {
                let req = RenderRequest {
                    event: &job.event,
                    kind: job.kind(),
                    platform: ch.platform,
                    format: ch.format,
                    now,
                    changes: job.subject.changes(),
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
        let checked = checked(&rendered, &channels);
        let holds = self.holds_now(&job).await;
        // Handed over ahead of its due instant (the scheduler prepares on the real clock):
        // claimed now, posted from the instant on.
        let ahead = job.due > self.clock.now();
        let start = StartGate::at(ahead.then(|| self.clock.instant_at(job.due)));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (ch, message)) in channels.into_iter().zip(checked).enumerate() {
            let (engine, job, holds, start) =
                (self.clone(), job.clone(), holds.clone(), start.clone());
            tasks.spawn(async move {
                let report = engine.deliver_one(&job, &ch, message, holds, &start);
                (i, report.await)
            });
        }
        let mut reports: Vec<(usize, ChannelReport)> = tasks.join_all().await;
        reports.sort_by_key(|(i, _)| *i);
        let reports: Vec<ChannelReport> = reports.into_iter().map(|(_, r)| r).collect();
        self.remember_announced(&job, &reports).await;
        reports
    }

    /// The holds as the fan-out starts, read once for all its channels (`None`: unread,
    /// each channel asks the ledger itself).
    async fn holds_now(&self, job: &Job) -> Option<Arc<Vec<Hold>>> {
        if !job.origin.honours_holds() {
            return None;
        }
        self.store
            .call_quietly(|l| l.holds())
            .await
            .ok()
            .map(Arc::new)
    }

    /// Once an announcement, change or resume notice is out, its facts become the baseline
    /// that later edits are compared with (see `notices`).
    async fn remember_announced(&self, job: &Job, reports: &[ChannelReport]) {
        let announced = matches!(
            job.kind(),
            MessageKind::Announce | MessageKind::Change | MessageKind::Resume
        );
        if announced && reports.iter().any(|r| r.parts_sent > 0) {
            let snapshot = super::notices::Snapshot::of(&job.event).to_json();
            let id = job.event.id.clone();
            if let Err(e) = self
                .store
                .call(move |l| l.snapshot_set(&id, &snapshot))
                .await
            {
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
        message: Result<Checked, String>,
        holds: Option<Arc<Vec<Hold>>>,
        start: &StartGate,
    ) -> ChannelReport {
        let key = job.key(&ch.name);
        let message = match message {
            Ok(m) => m,
            Err(why) => {
                let outcome = self.refuse(job, ch, &key, why).await;
                return report(ch, 0, 0, outcome);
            }
        };
        let total = message.message.parts.len();
        if let Err(outcome) = self.wait_until_clear(job, ch, &key, holds).await {
            log_outcome(&key, &outcome);
            return report(ch, total, 0, outcome);
        }
        let _turn = self.channel_turn(&ch.name).await;
        let (sent, outcome) = self.post_parts(job, ch, &key, &message, start).await;
        log_outcome(&key, &outcome);
        report(ch, total, sent, outcome)
    }

    /// Claim and post each part in order; how many are in the group, and how it ended.
    async fn post_parts(
        &self,
        job: &Job,
        ch: &ChannelSpec,
        key: &DeliveryKey,
        checked: &Checked,
        start: &StartGate,
    ) -> (usize, ChannelOutcome) {
        let (message, hash) = (&*checked.message, &checked.hash);
        let deadline = self.clock.instant_at(job.deadline);
        let mut sent = 0;
        for part in 1..=message.parts.len() {
            let req = ClaimRequest {
                key: key.clone(),
                part: part as u32,
                parts_total: message.parts.len() as u32,
                kind: job.kind(),
                content_hash: hash.to_string(),
                due: job.due,
                deadline: job.deadline,
                now: self.clock.now(),
                by: self.by.to_string(),
            };
            let id = match self.claim(req, deadline).await {
                Claimed::Won(id) => id,
                Claimed::Taken(row) if row.state == State::Sent => {
                    sent += 1;
                    continue;
                }
                Claimed::Taken(row) => {
                    return (sent, ChannelOutcome::AlreadyDecided(Decided::of(&row)));
                }
                Claimed::Stopped => {
                    return (sent, ChannelOutcome::Interrupted(Interruption::Shutdown));
                }
                Claimed::Missed(why) => {
                    self.record_missed(job, key, part as u32, &why).await;
                    return (
                        sent,
                        ChannelOutcome::Interrupted(Interruption::Deadline(why)),
                    );
                }
            };
            // Claimed ahead of its due instant: connected ahead too, posted from it on.
            let warm = match start.is_open() {
                // A connect still under way when the instant comes is dropped: the post
                // connects as it would have anyway.
                false => tokio::select! {
                    biased;
                    () = self.hub.stopped() => None,
                    _ = start.wait() => None,
                    warm = self.hub.warm(&ch.name, message, part - 1) => warm,
                },
                true => None,
            };
            let stopping = tokio::select! {
                biased;
                () = self.hub.stopped() => true,
                open = start.wait() => !open,
            };
            if stopping {
                self.release_unposted(id, key, part).await;
                return (sent, ChannelOutcome::Interrupted(Interruption::Shutdown));
            }
            let gate = LedgerGate {
                store: &self.store,
                id,
            };
            let post = self
                .hub
                .post_part_warm(warm, &ch.name, message, part - 1, deadline, &gate);
            let posted = post.await;
            if posted.interrupted {
                self.release_unposted(id, key, part).await;
                return (sent, ChannelOutcome::Interrupted(Interruption::Shutdown));
            }
            self.metrics.delivery(
                ch.platform.as_str(),
                job.kind().as_str(),
                posted.outcome.class.as_str(),
                posted.outcome.errcode,
            );
            self.record(id, key, part, &posted.outcome, posted.attempts)
                .await;
            if let Some(ended) =
                ChannelOutcome::of_post(part as u32, &posted.outcome, posted.attempts)
            {
                return (sent, ended);
            }
            debug!(%key, part, attempts = posted.attempts, "part delivered");
            sent += 1;
        }
        (sent, ChannelOutcome::Delivered)
    }

    /// Give back the claim of a part that herald stops before posting: the next start plans
    /// it again.
    async fn release_unposted(&self, id: i64, key: &DeliveryKey, part: usize) {
        let released = self.store.call(move |l| l.release(id)).await;
        if let Err(e) = released {
            warn!(%key, part, error = %e, "could not release the claim; the next start releases it");
        }
        info!(%key, part, "not posted before shutdown; planned again at the next start");
    }

    /// Wait while the channel's quiet hours (late catch-ups and notices, deadline allowing)
    /// or an organizer's hold keep this delivery back. A hold still in place at the deadline
    /// ends as a `skipped` row. `holds`, read as the fan-out started, answers at once for a
    /// delivery no hold names (a fan-out's thousands of channels ask the ledger once).
    async fn wait_until_clear(
        &self,
        job: &Job,
        ch: &ChannelSpec,
        key: &DeliveryKey,
        holds: Option<Arc<Vec<Hold>>>,
    ) -> Result<(), ChannelOutcome> {
        const STOPPED: ChannelOutcome = ChannelOutcome::Interrupted(Interruption::Shutdown);
        if job.deferrable
            && let Some(quiet) = ch.quiet_hours
        {
            let now = self.posted_at(job);
            let at = quiet.defer(now, job.deadline);
            if at > now {
                let until = LocalTime::new(at, quiet.zone);
                info!(%key, %until, "quiet hours: waiting");
                tokio::select! {
                    biased;
                    () = self.hub.stopped() => return Err(STOPPED),
                    () = tokio::time::sleep_until(self.clock.instant_at(at)) => {}
                }
                if !self.still_planned(job) {
                    info!(%key, "not posted: its event or rule changed while it waited out quiet hours");
                    let wait = "waited out quiet hours".to_string();
                    return Err(ChannelOutcome::Refused(Refused::Replanned(wait)));
                }
            }
        }
        if !job.origin.honours_holds() {
            return Ok(());
        }
        if holds.is_some_and(|holds| !holds.iter().any(|h| h.matches(key))) {
            return Ok(());
        }
        let mut told = false;
        loop {
            let changed = self.store.holds_changed().notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let k = key.clone();
            // A ledger that cannot be read here is met again by the claim, which waits.
            if !self
                .store
                .call_quietly(move |l| l.held(&k))
                .await
                .unwrap_or(false)
            {
                if told && !self.still_planned(job) {
                    info!(%key, "released, not posted: its event or rule changed while it was held");
                    let wait = "was held".to_string();
                    return Err(ChannelOutcome::Refused(Refused::Replanned(wait)));
                }
                return Ok(());
            }
            if self.clock.now() >= job.deadline {
                let why = "held until its deadline passed";
                let (k, kind, due, deadline, now) = (
                    key.clone(),
                    job.kind(),
                    job.due,
                    job.deadline,
                    self.clock.now(),
                );
                let marked = self
                    .store
                    .call(move |l| l.mark(&k, 1, kind, State::Skipped, why, due, deadline, now))
                    .await;
                if let Err(e) = marked {
                    warn!(%key, error = %e, "cannot record the skip");
                }
                return Err(ChannelOutcome::Refused(Refused::Held));
            }
            if !told {
                let deadline = LocalTime::new(job.deadline, job.event.start.timezone());
                info!(%key, %deadline, "held by an organizer; waiting for `herald release`");
                told = true;
            }
            tokio::select! {
                biased;
                () = self.hub.stopped() => return Err(STOPPED),
                () = &mut changed => {}
                () = tokio::time::sleep_until(self.clock.instant_at(job.deadline)) => {}
            }
        }
    }

    /// Claim a part, durably: nothing is posted unless the claim committed. While the ledger
    /// cannot be written (a lock held by another process, a full disk) the claim is retried
    /// with backoff until the delivery's deadline; health and metrics say it waits.
    async fn claim(&self, req: ClaimRequest, deadline: Instant) -> Claimed {
        let mut backoff = Duration::from_millis(500);
        let mut waiting = false;
        let key = req.key.clone();
        let result = loop {
            let attempt = req.clone();
            match self.store.call(move |l| l.claim(&attempt)).await {
                Ok(Claim::Claimed(id)) => break Claimed::Won(id),
                Ok(Claim::Taken(row)) => break Claimed::Taken(row),
                Err(e) => {
                    if !waiting {
                        warn!(%key, part = req.part, error = %e, "cannot claim in the ledger; nothing is posted until it can");
                        self.store.health().waiting(1);
                        self.metrics.ledger_waiting.inc();
                        waiting = true;
                    }
                    self.metrics.ledger_errors.inc();
                    if Instant::now() + backoff >= deadline {
                        break Claimed::Missed(format!(
                            "the ledger could not record a claim before the deadline ({e})"
                        ));
                    }
                    tokio::select! {
                        biased;
                        () = self.hub.stopped() => break Claimed::Stopped,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_LEDGER_BACKOFF);
                }
            }
        };
        if waiting {
            self.store.health().waiting(-1);
            self.metrics.ledger_waiting.dec();
        }
        result
    }

    /// Record a part's verdict. The request is over, so the verdict is kept until the ledger
    /// takes it (or herald stops: the row then stays `posting` and shows as ambiguous).
    async fn record(
        &self,
        id: i64,
        key: &DeliveryKey,
        part: usize,
        outcome: &Outcome,
        attempts: u32,
    ) {
        let mut backoff = Duration::from_millis(500);
        loop {
            let (o, now) = (outcome.clone(), self.clock.now());
            match self
                .store
                .call(move |l| l.finish(id, &o, attempts, now))
                .await
            {
                Ok(()) => return,
                Err(e @ LedgerError::NoRow { .. }) => {
                    error!(%key, part, error = %e, "the outcome has no row to go to");
                    return;
                }
                Err(e) => {
                    self.metrics.ledger_errors.inc();
                    warn!(%key, part, error = %e, "cannot record the outcome yet; retrying");
                }
            }
            tokio::select! {
                biased;
                () = self.hub.stopped() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_LEDGER_BACKOFF);
        }
    }

    /// The deadline passed before the part could be claimed: say so in the ledger if it can
    /// be written now (else the next start records it, as for any deadline passed while down).
    async fn record_missed(&self, job: &Job, key: &DeliveryKey, part: u32, why: &str) {
        self.metrics.missed.inc();
        let (k, kind, why_owned) = (key.clone(), job.kind(), why.to_string());
        let (due, deadline, now) = (job.due, job.deadline, self.clock.now());
        let marked = self
            .store
            .call(move |l| {
                l.mark(
                    &k,
                    part,
                    kind,
                    State::Missed,
                    &why_owned,
                    due,
                    deadline,
                    now,
                )
            })
            .await;
        match marked {
            Ok(_) => error!(%key, part, reason = why, "missed"),
            Err(e) => {
                error!(%key, part, reason = why, error = %e, "missed; the next start records it")
            }
        }
    }

    /// A message that cannot be sent as rendered (render error, keyword missing, too long):
    /// recorded as failed without posting, so it is neither lost nor retried blindly.
    async fn refuse(
        &self,
        job: &Job,
        ch: &ChannelSpec,
        key: &DeliveryKey,
        why: String,
    ) -> ChannelOutcome {
        warn!(%key, channel = %ch.name, reason = %why, "refused before posting");
        self.metrics
            .delivery(ch.platform.as_str(), job.kind().as_str(), "refused", None);
        let (k, kind, reason) = (key.clone(), job.kind(), why.clone());
        let (due, deadline, now) = (job.due, job.deadline, self.clock.now());
        let marked = self
            .store
            .call(move |l| l.mark(&k, 1, kind, State::Failed, &reason, due, deadline, now))
            .await;
        if let Err(e) = marked {
            error!(%key, error = %e, "cannot record the refusal");
        }
        ChannelOutcome::Refused(Refused::Unsendable(why))
    }
}

/// The longest wait between two tries of a ledger write.
const MAX_LEDGER_BACKOFF: Duration = Duration::from_secs(30);

/// How a claim ended.
enum Claimed {
    Won(i64),
    Taken(Box<Row>),
    Stopped,
    Missed(String),
}

/// Moves the ledger row to `posting` before each request and back to `claimed` when the
/// request surely did not arrive, so a crash leaves ambiguous only what was on the wire.
struct LedgerGate<'a> {
    store: &'a Store,
    id: i64,
}

impl Gate for LedgerGate<'_> {
    type Error = LedgerError;

    async fn on_wire(&self) -> Result<(), LedgerError> {
        let id = self.id;
        self.store.call_first(move |l| l.posting(id)).await
    }

    async fn off_wire(&self) -> Result<(), LedgerError> {
        let id = self.id;
        self.store.call(move |l| l.unposted(id)).await
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
            if locks.is_empty() {
                // The table a fan-out grew (mid-burst) goes too.
                locks.shrink_to_fit();
            }
        }
    }
}

fn report(ch: &ChannelSpec, total: usize, sent: usize, outcome: ChannelOutcome) -> ChannelReport {
    ChannelReport {
        channel: ch.name.clone(),
        parts_total: total,
        parts_sent: sent,
        outcome,
    }
}

/// The daemon's log line for how a channel's delivery ended.
fn log_outcome(key: &DeliveryKey, outcome: &ChannelOutcome) {
    match outcome {
        ChannelOutcome::Delivered => info!(%key, "delivered"),
        ChannelOutcome::Interrupted(Interruption::Shutdown)
        | ChannelOutcome::Refused(Refused::Held | Refused::Replanned(_)) => info!(%key, %outcome),
        _ => warn!(%key, %outcome, "not delivered"),
    }
}

/// A message that passed the send path's checks for its channel, with its content hash.
struct Checked {
    message: Arc<Message>,
    hash: Arc<str>,
}

/// Each channel's message, checked (`channels::check_message`) once per message and kind of
/// channel (`channels::check_key`): a fan-out to thousands of alike robots checks and hashes
/// each message once. A failed check is run again for each channel, for its own error.
fn checked(
    rendered: &HashMap<(Platform, Format), Result<Arc<Message>, String>>,
    channels: &[ChannelSpec],
) -> Vec<Result<Checked, String>> {
    let mut hashes: HashMap<(Platform, Format), Arc<str>> = HashMap::new();
    let mut verdicts = HashMap::new();
    channels
        .iter()
        .map(|ch| {
            let shape = (ch.platform, ch.format);
            let message = rendered[&shape].clone()?;
            let passed = *verdicts
                .entry((shape, channels::check_key(ch)))
                .or_insert_with(|| channels::check_message(ch, &message).is_ok());
            if !passed {
                channels::check_message(ch, &message).map_err(|e| e.to_string())?;
            }
            let hash = hashes
                .entry(shape)
                .or_insert_with(|| content_hash(&message).into())
                .clone();
            Ok(Checked { message, hash })
        })
        .collect()
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
        let ledger = Arc::new(crate::ledger::Ledger::open_in_memory().unwrap());
        let store = Store::new(ledger, Arc::new(super::super::Health::default()));
        let engine = Arc::new(Engine::new(
            hub,
            store,
            Arc::new(SystemClock),
            Arc::new(Metrics::default()),
            "daemon",
        ));
        let now = Utc::now();
        let job = Job {
            subject: Subject::Event {
                id: "e".into(),
                kind: MessageKind::Announce,
            },
            origin: Origin::Rule("announce".into()),
            event: Arc::new(event),
            due: now,
            deadline: now + chrono::TimeDelta::hours(1),
            digest: Vec::new(),
            deferrable: false,
        };
        let renderer = Renderer::new(None).unwrap();
        let reports = engine.deliver(&renderer, Arc::new(job), channels).await;
        assert_eq!(reports.iter().filter(|r| r.delivered()).count(), 50);
        let locks = engine.locks.lock().unwrap();
        assert!(locks.is_empty() && locks.capacity() == 0);
    }
}
