//! Per-robot rate budgets, shared by everything in the process that posts to the robot.
//! GCRA (governor) with a burst of one, so no sliding window of the platform's length ever
//! holds more than its limit; a clock on tokio's `Instant`, so paused-time tests drive it.
//! When a platform throttles anyway, the robot pauses for the platform's penalty.

use crate::model::{ChannelSpec, Platform};
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// governor's clock, read from tokio time.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    type Instant = std::time::Instant;
    fn now(&self) -> std::time::Instant {
        Instant::now().into_std()
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<std::time::Instant>>;

pub struct Budget {
    /// The channel it was made for (named in the log line of a long wait).
    name: String,
    limiters: Vec<Limiter>,
    paused_until: Mutex<Option<Instant>>,
    penalty: Duration,
}

/// One post every `window / limit`, plus a small margin for network jitter, so the platform's
/// sliding window never sees more than `limit`.
fn quota(limit: u32, window: Duration) -> Quota {
    let limit = limit.max(1);
    let period = window / limit;
    // Arrivals can bunch up by network jitter; ~0.2% of the period plus 1 ms keeps a real
    // 60 s window clear by ~140 ms while using ≥ 99% of the allowed rate.
    let margin = period / 500 + Duration::from_millis(1);
    Quota::with_period(period + margin)
        .expect("non-zero period")
        .allow_burst(NonZeroU32::MIN)
}

impl Budget {
    pub fn for_channel(spec: &ChannelSpec) -> Budget {
        let mut limiters = vec![RateLimiter::direct_with_clock(
            quota(spec.per_minute, Duration::from_secs(60)),
            TokioClock,
        )];
        if let Some(per_second) = spec.per_second {
            limiters.push(RateLimiter::direct_with_clock(
                quota(per_second, Duration::from_secs(1)),
                TokioClock,
            ));
        }
        let penalty = match spec.platform {
            Platform::Dingtalk => Duration::from_secs(600),
            Platform::Wecom => Duration::from_secs(60),
            Platform::Feishu => Duration::from_secs(30),
            Platform::Console => Duration::ZERO,
        };
        Budget {
            name: spec.name.clone(),
            limiters,
            paused_until: Mutex::new(None),
            penalty,
        }
    }

    /// Wait for the robot's next slot. Returns false (without taking a slot) if that would be
    /// after `deadline`.
    pub async fn acquire(&self, deadline: Instant) -> bool {
        let mut said = false;
        loop {
            let paused = *self.paused_until.lock().expect("budget lock");
            if let Some(until) = paused.filter(|u| *u > Instant::now()) {
                if until > deadline {
                    return false;
                }
                tokio::time::sleep_until(until).await;
                continue;
            }
            match self.wait_time() {
                None => return true,
                Some(wait) if Instant::now() + wait > deadline => return false,
                Some(wait) => {
                    // A wait a person would notice (`herald send` silent for a minute) is
                    // said once, with what it waits for and how long.
                    if !said && wait >= Duration::from_secs(1) {
                        said = true;
                        tracing::info!(
                            channel = %self.name,
                            wait_s = wait.as_secs(),
                            "waiting for the robot's rate budget (the platform's per-minute limit)"
                        );
                    }
                    tokio::time::sleep(wait).await
                }
            }
        }
    }

    /// Paused after the platform throttled the robot.
    pub fn is_paused(&self) -> bool {
        let paused = *self.paused_until.lock().expect("budget lock");
        paused.is_some_and(|until| until > Instant::now())
    }

    /// Take the robot's next slot if it is free now, without waiting.
    pub fn try_acquire(&self) -> bool {
        !self.is_paused() && self.wait_time().is_none()
    }

    /// Take a slot from every limiter, or say how long until one is free.
    fn wait_time(&self) -> Option<Duration> {
        for limiter in &self.limiters {
            if let Err(not_until) = limiter.check() {
                // Limiters before this one granted a slot that goes unused: that only makes
                // the next post wait longer, never shorter.
                return Some(not_until.wait_time_from(TokioClock.now()));
            }
        }
        None
    }

    /// The platform throttled this robot: nothing goes to it for the penalty.
    pub fn throttled(&self) {
        let until = Instant::now() + self.penalty;
        let mut paused = self.paused_until.lock().expect("budget lock");
        *paused = Some(paused.map_or(until, |p| p.max(until)));
    }

    pub fn penalty(&self) -> Duration {
        self.penalty
    }
}
