//! Posts messages to group robots — the only module that makes HTTP requests: payloads per
//! platform and format, signing, reply classification, retries with backoff until the
//! deadline, and per-robot rate budgets shared by everything in the process.

mod budget;
mod classify;
mod console;
mod forward;
mod payload;
mod sign;
mod warm;

pub use budget::TokioClock;
pub use classify::{Hint, reply as classify_reply};
pub use console::ConsoleSink;
pub use forward::{Forwarded, forward_send, poke_holds};
pub use sign::{dingtalk as dingtalk_sign, feishu as feishu_sign};
pub use warm::Warm;

use crate::model::{
    ChannelSpec, Clock, Format, Message, Outcome, OutcomeClass, Platform, SystemClock,
};
use budget::Budget;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tracing::{debug, warn};

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("channel `{0}` is not configured")]
    Unknown(String),
    #[error("channel `{channel}`: {why}")]
    Payload { channel: String, why: String },
    #[error("channel `{channel}`: part {part} is {bytes} bytes, over the platform's {limit}")]
    TooLong {
        channel: String,
        part: usize,
        bytes: usize,
        limit: usize,
    },
    #[error(
        "channel `{channel}`: part {part} contains none of the robot's keywords ({keywords}); the platform would drop it"
    )]
    Keyword {
        channel: String,
        part: usize,
        keywords: String,
    },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// How long an idle keep-alive connection is kept for reuse.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
pub struct HubSettings {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// First retry delay; doubles per attempt (with ±50% jitter) up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Requests in flight at once across all robots.
    pub max_concurrency: usize,
    /// Idle keep-alive connections kept per host; more are closed when their request ends.
    /// 0 turns the pool off: each request opens and closes its own connection.
    pub idle_connections: usize,
}

impl Default for HubSettings {
    fn default() -> Self {
        HubSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(120),
            max_concurrency: 1024,
            idle_connections: 0,
        }
    }
}

/// What the caller does around each request of a part, so the ledger always knows whether a
/// request may be on the wire. The engine moves the part to `posting` before a request goes
/// out and back to `claimed` when it surely did not arrive and will be retried.
pub trait Gate: Sync {
    /// Why the bookkeeping failed (the ledger's error).
    type Error: std::fmt::Display + Send;
    /// Right before a request goes out. An error means it must not go out (the ledger could
    /// not record it): the part waits and tries again, like a transient failure.
    fn on_wire(&self) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// The request surely did not reach the group and will be retried.
    fn off_wire(&self) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// No bookkeeping around requests (the connectivity ping, which has no ledger row).
pub struct NoGate;

impl Gate for NoGate {
    type Error = std::convert::Infallible;
    async fn on_wire(&self) -> Result<(), Self::Error> {
        Ok(())
    }
    async fn off_wire(&self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// How one part's post ended.
#[derive(Debug, Clone)]
pub struct PostReport {
    pub outcome: Outcome,
    pub attempts: u32,
    /// Herald began to stop while this part waited (for the budget, a permit or a retry):
    /// no request of it can have been delivered, so its claim may be released.
    pub interrupted: bool,
}

struct Robot {
    spec: ChannelSpec,
    /// Shared by every channel entry that posts to the same webhook: the platform limits
    /// the robot, not herald's name for it.
    budget: Arc<Budget>,
}

/// All robots of the process; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    robots: RwLock<HashMap<String, Arc<Robot>>>,
    settings: HubSettings,
    console: ConsoleSink,
    clock: Arc<dyn Clock>,
    permits: Arc<Semaphore>,
    /// Set when herald stops: waits end, requests already sent finish.
    stopping: watch::Sender<bool>,
}

impl Hub {
    pub fn new(
        channels: Vec<ChannelSpec>,
        settings: HubSettings,
        console: ConsoleSink,
    ) -> Result<Hub, ChannelError> {
        Hub::with_clock(channels, settings, console, Arc::new(SystemClock))
    }

    /// With the clock used for signature timestamps (tests use a controlled one).
    pub fn with_clock(
        channels: Vec<ChannelSpec>,
        settings: HubSettings,
        console: ConsoleSink,
        clock: Arc<dyn Clock>,
    ) -> Result<Hub, ChannelError> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            // A fan-out to thousands of robots on one platform host must not leave thousands
            // of idle connections (and their buffers) behind: keep none (the default) or a
            // few, briefly.
            .pool_max_idle_per_host(settings.idle_connections)
            .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT)
            .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
            .connector_layer(warm::Layer)
            .build()
            .map_err(|e| ChannelError::Client(e.without_url().to_string()))?;
        let hub = Hub {
            inner: Arc::new(Inner {
                client,
                robots: RwLock::default(),
                settings,
                console,
                clock,
                permits: Arc::new(Semaphore::new(settings.max_concurrency.max(1))),
                stopping: watch::Sender::new(false),
            }),
        };
        hub.update(channels);
        Ok(hub)
    }

    /// Replace the channel set (after a reload). A robot whose platform and budget are
    /// unchanged keeps its budget state, so a reload never resets a rate window.
    pub fn update(&self, channels: Vec<ChannelSpec>) {
        let mut robots = self.inner.robots.write().expect("robots lock");
        let mut by_robot: HashMap<String, Arc<Budget>> = robots
            .values()
            .map(|r| (robot_key(&r.spec), r.budget.clone()))
            .collect();
        let mut next = HashMap::with_capacity(channels.len());
        for spec in channels {
            let budget = by_robot
                .entry(robot_key(&spec))
                .or_insert_with(|| Arc::new(Budget::for_channel(&spec)))
                .clone();
            next.insert(spec.name.clone(), Arc::new(Robot { spec, budget }));
        }
        *robots = next;
    }

    /// Herald is stopping: posts waiting for a budget, a permit or a retry give up at once
    /// (`PostReport::interrupted`); requests already on the wire finish.
    pub fn stop_waiting(&self) {
        self.inner.stopping.send_replace(true);
    }

    /// Resolves once herald is stopping.
    pub async fn stopped(&self) {
        let mut rx = self.inner.stopping.subscribe();
        let _ = rx.wait_for(|stopping| *stopping).await;
    }

    pub fn spec(&self, name: &str) -> Option<ChannelSpec> {
        self.robot(name).map(|r| r.spec.clone())
    }

    fn robot(&self, name: &str) -> Option<Arc<Robot>> {
        self.inner
            .robots
            .read()
            .expect("robots lock")
            .get(name)
            .cloned()
    }

    /// Post part `index` (0-based) of `message` to `channel`: wait for the robot's budget,
    /// retry transient failures with exponential backoff and jitter until `deadline`, re-sign
    /// once on a stale-signature reply, never retry a permanent or ambiguous outcome.
    pub async fn post_part(
        &self,
        channel: &str,
        message: &Message,
        index: usize,
        deadline: Instant,
        gate: &impl Gate,
    ) -> PostReport {
        self.post_part_warm(None, channel, message, index, deadline, gate)
            .await
    }

    /// Open a connection to `channel`'s webhook now, and build and sign the request posting
    /// part `index` of `message`, for a post at an instant still ahead
    /// ([`Hub::post_part_warm`]). `None` where there is nothing to gain or no room: the console,
    /// the connection pool on (`[send].idle_connections`), every concurrency permit taken,
    /// or the connect failed (the post connects again, and retries as usual).
    pub async fn warm(&self, channel: &str, message: &Message, index: usize) -> Option<Warm> {
        if self.inner.settings.idle_connections > 0 {
            return None;
        }
        let robot = self.robot(channel)?;
        if robot.spec.webhook.is_none() || robot.budget.is_paused() {
            return None;
        }
        let request = self.webhook_request(&robot.spec, message, index).ok()?;
        let permit = self.inner.permits.clone().try_acquire_owned().ok()?;
        // A GET without a body: it is stopped before it is written, and would post nothing
        // anywhere if it ever were.
        let connect = self.inner.client.get(request.url().clone()).send();
        let first = warm::Prepared { index, request };
        warm::warm_up(robot, first, permit, connect).await
    }

    /// [`Hub::post_part`], its first request on `warm`'s connection if there is one (made by
    /// [`Hub::warm`]).
    pub async fn post_part_warm(
        &self,
        warm: Option<Warm>,
        channel: &str,
        message: &Message,
        index: usize,
        deadline: Instant,
        gate: &impl Gate,
    ) -> PostReport {
        let Some(robot) = self.robot(channel) else {
            return report(
                permanent(format!("channel `{channel}` is not configured")),
                0,
            );
        };
        if robot.spec.platform != Platform::Console
            && let Err(e) = check_part(&robot.spec, message, index)
        {
            return report(permanent(e.to_string()), 0);
        }
        self.attempt_until(&robot, message, index, deadline, gate, warm)
            .await
    }

    async fn attempt_until(
        &self,
        robot: &Robot,
        message: &Message,
        index: usize,
        deadline: Instant,
        gate: &impl Gate,
        mut warm: Option<Warm>,
    ) -> PostReport {
        let settings = &self.inner.settings;
        let (mut attempts, mut resigned, mut backoff) = (0, false, settings.base_backoff);
        let mut last: Option<Outcome> = None;
        loop {
            // A warm connection waits for nothing: if the robot's budget is not free now, it
            // is closed (its socket and permit are not held through a wait).
            if warm.is_some() && !robot.budget.try_acquire() {
                warm = None;
            }
            // The console sink has no platform limit to respect.
            let budget = robot.spec.platform == Platform::Console
                || warm.is_some()
                || tokio::select! {
                    biased;
                    () = self.stopped() => return interrupted(attempts),
                    ok = robot.budget.acquire(deadline) => ok,
                };
            if !budget {
                let outcome = last.unwrap_or_else(|| {
                    transient("the deadline passed while waiting for the robot's rate budget")
                });
                return report(outcome, attempts);
            }
            let warm_permit = warm.as_mut().and_then(Warm::take_permit);
            let permit = match warm_permit {
                Some(p) => p,
                None => tokio::select! {
                    biased;
                    () = self.stopped() => return interrupted(attempts),
                    p = self.inner.permits.clone().acquire_owned() => p.expect("semaphore never closed"),
                },
            };
            // The warm connection serves the first attempt only, sent or not.
            let first = warm.take();
            let (outcome, hint, on_wire) = match gate.on_wire().await {
                Ok(()) => {
                    attempts += 1;
                    let (outcome, hint) = self.send_once(robot, message, index, first).await;
                    debug!(channel = %robot.spec.name, attempt = attempts, outcome = %outcome, "posted");
                    (outcome, hint, true)
                }
                Err(why) => {
                    drop(first); // its socket goes with the permit, not after the wait
                    (held(&why.to_string()), Hint::None, false)
                }
            };
            // A connection the pool does not keep is closed by its own task: let that run
            // before the permit lets another request open a socket (sockets stay bounded).
            tokio::task::yield_now().await;
            drop(permit);
            let resign =
                outcome.class == OutcomeClass::Permanent && hint == Hint::Resign && !resigned;
            let again = outcome.class == OutcomeClass::Transient || resign;
            if on_wire
                && again
                && let Err(why) = gate.off_wire().await
            {
                // The ledger still says "posting": this run does not post the part again, and
                // after a crash it shows as ambiguous, which is the safe side.
                warn!(channel = %robot.spec.name, error = %why, "cannot record that the request did not arrive");
                return report(outcome, attempts);
            }
            if resign {
                resigned = true;
                continue;
            }
            if outcome.class != OutcomeClass::Transient {
                return report(outcome, attempts);
            }
            if hint == Hint::Throttled {
                warn!(channel = %robot.spec.name, errcode = outcome.errcode, pause_s = robot.budget.penalty().as_secs(), "throttled by the platform; pausing this robot");
                robot.budget.throttled();
            }
            let wait = jitter(backoff);
            backoff = (backoff * 2).min(settings.max_backoff);
            if Instant::now() + wait >= deadline {
                return report(outcome, attempts);
            }
            last = Some(outcome);
            tokio::select! {
                biased;
                () = self.stopped() => return interrupted(attempts),
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// One request to the robot: the console sink writes the part, a webhook gets it signed.
    async fn send_once(
        &self,
        robot: &Robot,
        message: &Message,
        index: usize,
        warm: Option<Warm>,
    ) -> (Outcome, Hint) {
        if robot.spec.platform == Platform::Console {
            return match self.inner.console.write(&robot.spec.name, message, index) {
                Ok(()) => (Outcome::delivered(), Hint::None),
                Err(e) => (permanent(format!("console: {e}")), Hint::None),
            };
        }
        self.send_webhook(robot, message, index, warm).await
    }

    /// One HTTP request: the one built ahead with a warm connection, else built and signed now.
    async fn send_webhook(
        &self,
        robot: &Robot,
        message: &Message,
        index: usize,
        warm: Option<Warm>,
    ) -> (Outcome, Hint) {
        let spec = &robot.spec;
        // A warm connection made before a reload is closed: the robot may have moved, and
        // its request was built from the old settings.
        let mut warm = warm.filter(|w| w.is_for(robot));
        let ahead = warm.as_mut().and_then(|w| w.take_request(index));
        let request = match ahead.map_or_else(|| self.webhook_request(spec, message, index), Ok) {
            Ok(request) => self.inner.client.execute(request),
            Err(outcome) => return (outcome, Hint::None),
        };
        let sent = match &warm {
            Some(warm) => warm.carry(request).await,
            None => request.await,
        };
        match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.text().await {
                    Ok(text) => classify::server_errors(
                        classify::reply(spec.platform, status, &text),
                        spec.server_errors,
                    ),
                    Err(e) => (classify::transport(&e.without_url()), Hint::None),
                }
            }
            Err(e) => (classify::transport(&e.without_url()), Hint::None),
        }
    }

    /// The request posting part `index` to the robot, signed now.
    fn webhook_request(
        &self,
        spec: &ChannelSpec,
        message: &Message,
        index: usize,
    ) -> Result<reqwest::Request, Outcome> {
        let now = self.inner.clock.now();
        let body = signed_body(spec, message, index, now.timestamp_millis())
            .map_err(|e| permanent(e.to_string()))?;
        let mut url = spec
            .webhook
            .as_ref()
            .map(|w| w.expose_secret().to_string())
            .unwrap_or_default();
        if let (Platform::Dingtalk, Some(secret)) = (spec.platform, &spec.secret) {
            let ts = now.timestamp_millis();
            url.push_str(&format!(
                "&timestamp={ts}&sign={}",
                sign::dingtalk(ts, secret.expose_secret())
            ));
        }
        let request = self.inner.client.post(url).json(&body).build();
        request.map_err(|e| classify::transport(&e.without_url()))
    }

    /// Post a short test message (`render::ping`: text, with a keyword if the robot needs
    /// one) to `channel`, as text.
    pub async fn ping(&self, channel: &str, message: &Message) -> PostReport {
        let Some(robot) = self.robot(channel) else {
            return report(
                permanent(format!("channel `{channel}` is not configured")),
                0,
            );
        };
        let mut spec = robot.spec.clone();
        spec.format = Format::Text;
        let mut message = message.clone();
        message.platform = spec.platform;
        let ping = Hub::with_clock(
            vec![spec],
            self.inner.settings,
            self.inner.console.clone(),
            self.inner.clock.clone(),
        );
        match ping {
            Ok(hub) => {
                hub.post_part(
                    channel,
                    &message,
                    0,
                    Instant::now() + Duration::from_secs(60),
                    &NoGate,
                )
                .await
            }
            Err(e) => report(permanent(e.to_string()), 0),
        }
    }
}

/// Which robot a channel posts to (its webhook, and the budget it was given), as a map key.
fn robot_key(spec: &ChannelSpec) -> String {
    let webhook = spec
        .webhook
        .as_ref()
        .map_or_else(|| spec.name.clone(), |w| w.expose_secret().to_string());
    format!(
        "{}|{}|{:?}|{webhook}",
        spec.platform, spec.per_minute, spec.per_second
    )
}

fn report(outcome: Outcome, attempts: u32) -> PostReport {
    PostReport {
        outcome,
        attempts,
        interrupted: false,
    }
}

/// What a part that could not be recorded as posting reports: nothing went out.
const HELD: &str = "not posted: the ledger could not record the post";

fn held(why: &str) -> Outcome {
    Outcome {
        class: OutcomeClass::Transient,
        http_status: None,
        errcode: None,
        errmsg: Some(format!("{HELD} ({why})")),
    }
}

fn interrupted(attempts: u32) -> PostReport {
    PostReport {
        interrupted: true,
        ..report(transient("not posted: herald stopped first"), attempts)
    }
}

fn permanent(why: String) -> Outcome {
    Outcome {
        class: OutcomeClass::Permanent,
        http_status: None,
        errcode: None,
        errmsg: Some(why),
    }
}

fn transient(why: &str) -> Outcome {
    Outcome {
        class: OutcomeClass::Transient,
        http_status: None,
        errcode: None,
        errmsg: Some(why.to_string()),
    }
}

/// ±50% jitter so robots that failed together do not retry together.
fn jitter(d: Duration) -> Duration {
    d.mul_f64(rand::random_range(0.5..1.5))
}

fn signed_body(
    spec: &ChannelSpec,
    message: &Message,
    index: usize,
    now_ms: i64,
) -> Result<Value, ChannelError> {
    let mut body = payload::body(spec, message, index)?;
    if let (Platform::Feishu, Some(secret)) = (spec.platform, &spec.secret) {
        let ts = now_ms.div_euclid(1000);
        body["timestamp"] = json!(ts.to_string());
        body["sign"] = json!(sign::feishu(ts, secret.expose_secret()));
    }
    Ok(body)
}

/// The exact JSON request body of part `index` (for `herald preview --json`).
pub fn request_body(
    spec: &ChannelSpec,
    message: &Message,
    index: usize,
    now_ms: i64,
) -> Result<Value, ChannelError> {
    signed_body(spec, message, index, now_ms)
}

/// What the platform measures of part `index` and its limit: WeCom the text or markdown
/// content field, DingTalk and Feishu the whole request body (for `herald preview`).
pub fn measured_bytes(
    spec: &ChannelSpec,
    message: &Message,
    index: usize,
) -> Result<(usize, usize), ChannelError> {
    let body = payload::body(spec, message, index)?;
    Ok(payload::limited_bytes(message, &body))
}

/// What [`check_message`] reads of a channel besides its name (which only names the channel
/// in the error): the platform, the mentions (they are part of the body) and the keywords.
/// Channels with equal keys pass or fail the checks alike, so `herald check` checks one of
/// them per message instead of thousands.
pub fn check_key(spec: &ChannelSpec) -> impl std::hash::Hash + Eq + '_ {
    let m = &spec.mentions;
    (
        spec.platform,
        m.mobiles.as_slice(),
        m.user_ids.as_slice(),
        m.all,
        spec.keywords.as_slice(),
    )
}

/// Checks shared by `herald check` and the send path: every part builds, fits the
/// platform's byte limit, and (keyword mode) contains one of the robot's keywords.
pub fn check_message(spec: &ChannelSpec, message: &Message) -> Result<(), ChannelError> {
    (0..message.parts.len()).try_for_each(|i| check_part(spec, message, i))
}

fn check_part(spec: &ChannelSpec, message: &Message, index: usize) -> Result<(), ChannelError> {
    let body = payload::body(spec, message, index)?;
    let (bytes, limit) = payload::limited_bytes(message, &body);
    if bytes > limit {
        return Err(ChannelError::TooLong {
            channel: spec.name.clone(),
            part: index + 1,
            bytes,
            limit,
        });
    }
    if !spec.keywords.is_empty() {
        let text = format!("{}\n{}", message.title, message.parts[index].body.plain());
        if !spec.keywords.iter().any(|k| text.contains(k.as_str())) {
            return Err(ChannelError::Keyword {
                channel: spec.name.clone(),
                part: index + 1,
                keywords: spec.keywords.join(", "),
            });
        }
    }
    Ok(())
}
