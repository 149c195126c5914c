//! Delivers one message (an event + kind + ledger rule key) to a set of channels: renders once
//! per (platform, format), checks it, then per channel claims each part in the ledger, posts it
//! and records the verdict — concurrently across channels, parts in order within a channel.
//! Used by the scheduler and by `herald send`, so both share the ledger's exactly-once rule.

use super::{Metrics, Store};
use crate::channels::{self, Gate, Hub};
use crate::ledger::{Claim, ClaimRequest, LedgerError, Row, State};
use crate::model::{
    ChannelSpec, Clock, DeliveryKey, Event, FieldChange, Format, LocalTime, Message, MessageKind,
    Outcome, OutcomeClass, Platform,
};
use crate::render::{RenderRequest, Renderer};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tracing::{error, info, warn};

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
    /// Scheduled deliveries wait while an organizer holds them; a manual send is itself an
    /// organizer's decision and does not.
    pub honour_holds: bool,
    /// A late catch-up or a change notice: it waits out the channel's quiet hours when its
    /// deadline allows.
    pub deferrable: bool,
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
        let Some(rule) = ws.config.rules.iter().find(|r| r.name == job.rule) else {
            // Not a rule of the config: a manual key, a notice, or a rule removed meanwhile.
            if job.rule.starts_with("manual:") {
                return true;
            }
            let base = job.rule.split(':').next().unwrap_or_default();
            let notice = ["change", "cancel", "resume"].contains(&base);
            return notice && current.is_some_and(|e| super::notices::still_wanted(e, &job.rule));
        };
        if job.key_event != job.event.id {
            return true; // a digest
        }
        // An edit of the record meanwhile (even one that keeps the due time) makes the
        // rendered message stale: the replan's own entry renders and sends the new one.
        current
            .filter(|e| **e == *job.event)
            .and_then(|e| crate::plan::schedule(rule, e))
            .is_some_and(|(due, _)| due == job.due)
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
        self.remember_announced(&job, &reports).await;
        reports
    }

    /// Once an announcement, change or resume notice is out, its facts become the baseline
    /// that later edits are compared with (see `notices`).
    async fn remember_announced(&self, job: &Job, reports: &[ChannelReport]) {
        let announced = matches!(
            job.kind,
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
            Err(why) => return self.refuse(job, ch, &key, report, why).await,
        };
        report.parts_total = message.parts.len();
        if let Err(note) = self.wait_until_clear(job, ch, &key).await {
            report.note = Some(note);
            return report;
        }
        let _turn = self.channel_turn(&ch.name).await;
        let hash = content_hash(&message);
        let deadline = self.clock.instant_at(job.deadline);
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
            let id = match self.claim(req, deadline).await {
                Claimed::Won(id) => id,
                Claimed::Taken(row) if row.state == State::Sent => {
                    report.parts_sent += 1;
                    continue;
                }
                Claimed::Taken(row) => {
                    report.note = Some(taken_note(&row));
                    return report;
                }
                Claimed::Stopped => {
                    report.note = Some("not posted: herald stopped first".to_string());
                    return report;
                }
                Claimed::Missed(why) => {
                    self.record_missed(job, &key, part as u32, &why).await;
                    report.note = Some(format!("missed: {why}"));
                    return report;
                }
            };
            let gate = LedgerGate {
                store: &self.store,
                id,
            };
            let posted = self
                .hub
                .post_part(&ch.name, &message, part - 1, deadline, &gate)
                .await;
            if posted.interrupted {
                let released = self.store.call(move |l| l.release(id)).await;
                if let Err(e) = released {
                    warn!(%key, part, error = %e, "could not release the claim; the next start releases it");
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
            self.record(id, &key, part, &posted.outcome, posted.attempts)
                .await;
            log_outcome(&key, part, &posted.outcome, posted.attempts);
            let delivered = posted.outcome.class == OutcomeClass::Delivered;
            let class = posted.outcome.class;
            report.outcome = Some(posted.outcome);
            if !delivered {
                report.note = Some(if class == OutcomeClass::Ambiguous {
                    MAY_HAVE_POSTED.to_string()
                } else {
                    "not delivered".to_string()
                });
                return report;
            }
            report.parts_sent += 1;
        }
        report
    }

    /// Wait while the channel's quiet hours (late catch-ups and notices, deadline allowing)
    /// or an organizer's hold keep this delivery back. A hold still in place at the deadline
    /// ends as a `skipped` row.
    async fn wait_until_clear(
        &self,
        job: &Job,
        ch: &ChannelSpec,
        key: &DeliveryKey,
    ) -> Result<(), String> {
        const STOPPED: &str = "not posted: herald stopped first";
        if job.deferrable
            && let Some(quiet) = ch.quiet_hours
        {
            let now = self.clock.now();
            let at = quiet.defer(now, job.deadline);
            if at > now {
                let until = LocalTime::new(at, quiet.zone);
                info!(%key, %until, "quiet hours: waiting");
                tokio::select! {
                    biased;
                    () = self.hub.stopped() => return Err(STOPPED.to_string()),
                    () = tokio::time::sleep_until(self.clock.instant_at(at)) => {}
                }
                if !self.still_planned(job) {
                    info!(%key, "not posted: its event or rule changed while it waited out quiet hours");
                    return Err("not posted: replanned while it waited out quiet hours".to_string());
                }
            }
        }
        if !job.honour_holds {
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
                    return Err("not posted: replanned while it was held".to_string());
                }
                return Ok(());
            }
            if self.clock.now() >= job.deadline {
                let why = "held until its deadline passed";
                let (k, kind, due, deadline, now) = (
                    key.clone(),
                    job.kind,
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
                info!(%key, "skipped: {why}");
                return Err(format!("skipped: {why}"));
            }
            if !told {
                let deadline = LocalTime::new(job.deadline, job.event.start.timezone());
                info!(%key, %deadline, "held by an organizer; waiting for `herald release`");
                told = true;
            }
            tokio::select! {
                biased;
                () = self.hub.stopped() => return Err(STOPPED.to_string()),
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
        let (k, kind, why_owned) = (key.clone(), job.kind, why.to_string());
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
        mut report: ChannelReport,
        why: String,
    ) -> ChannelReport {
        warn!(%key, channel = %ch.name, reason = %why, "refused before posting");
        self.metrics
            .delivery(ch.platform.as_str(), job.kind.as_str(), "refused", None);
        let (k, kind, reason) = (key.clone(), job.kind, why.clone());
        let (due, deadline, now) = (job.due, job.deadline, self.clock.now());
        let marked = self
            .store
            .call(move |l| l.mark(&k, 1, kind, State::Failed, &reason, due, deadline, now))
            .await;
        if let Err(e) = marked {
            error!(%key, error = %e, "cannot record the refusal");
        }
        report.note = Some(why);
        report
    }
}

/// The longest wait between two tries of a ledger write.
const MAX_LEDGER_BACKOFF: Duration = Duration::from_secs(30);

/// What herald says of a part that may have reached the group: only a person can tell.
pub const MAY_HAVE_POSTED: &str =
    "may have been posted — look in the group, then `herald resolve` it (--sent or --resend)";

/// How a claim ended.
enum Claimed {
    Won(i64),
    Taken(Box<Row>),
    Stopped,
    Missed(String),
}

/// Why a part is not posted again: what its row says, in words that fit the state.
pub fn taken_note(row: &Row) -> String {
    let part = row.part;
    match row.state {
        State::Sent => format!("part {part} was already sent"),
        State::Ambiguous | State::Posting => format!("part {part} {MAY_HAVE_POSTED}"),
        State::Claimed => format!(
            "part {part} is being posted by {} right now",
            row.claimed_by
        ),
        State::Failed => format!(
            "part {part} failed earlier ({}); `herald resolve {} --resend` posts it again",
            row.errmsg.as_deref().unwrap_or("no reason recorded"),
            row.id
        ),
        State::Missed => format!("part {part} missed its deadline"),
        State::Skipped => format!("part {part} was skipped"),
    }
}

/// Moves the ledger row to `posting` before each request and back to `claimed` when the
/// request surely did not arrive, so a crash leaves ambiguous only what was on the wire.
struct LedgerGate<'a> {
    store: &'a Store,
    id: i64,
}

impl Gate for LedgerGate<'_> {
    async fn on_wire(&self) -> Result<(), String> {
        let id = self.id;
        self.store
            .call(move |l| l.posting(id))
            .await
            .map_err(|e| e.to_string())
    }

    async fn off_wire(&self) -> Result<(), String> {
        let id = self.id;
        self.store
            .call(move |l| l.unposted(id))
            .await
            .map_err(|e| e.to_string())
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
            key_event: "e".into(),
            event: Arc::new(event),
            kind: MessageKind::Announce,
            rule: "announce".into(),
            due: now,
            deadline: now + chrono::TimeDelta::hours(1),
            changes: Vec::new(),
            digest: Vec::new(),
            honour_holds: true,
            deferrable: false,
        };
        let renderer = Renderer::new(None).unwrap();
        let reports = engine.deliver(&renderer, Arc::new(job), channels).await;
        assert_eq!(reports.iter().filter(|r| r.delivered()).count(), 50);
        assert!(engine.locks.lock().unwrap().is_empty());
    }
}
