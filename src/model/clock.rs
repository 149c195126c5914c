//! Time as a parameter: the wall clock the planner and daemon read, and how a wall-clock
//! instant maps to a tokio instant to sleep until. Tests and the demo use a scaled clock
//! driven by tokio time, so paused time controls everything.

use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;
use tokio::time::Instant;

pub trait Clock: Send + Sync + 'static {
    /// The current wall-clock time.
    fn now(&self) -> DateTime<Utc>;
    /// The tokio instant at which the wall clock reaches `at` (now, if `at` is past).
    fn instant_at(&self, at: DateTime<Utc>) -> Instant;
    /// True when this is the machine's real clock, so the last stretch before a due instant
    /// may be slept precisely on a thread (never for clocks driven by tokio's paused time).
    fn is_real(&self) -> bool {
        false
    }
}

/// As far ahead as herald ever sleeps: an instant further out (a deadline years away) is
/// treated as this far, which no run lasts.
const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `from + wait`, saturating at [`FAR`] instead of overflowing.
fn later(from: Instant, wait: Duration) -> Instant {
    from + wait.min(FAR)
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn instant_at(&self, at: DateTime<Utc>) -> Instant {
        let wait = (at - Utc::now()).to_std().unwrap_or_default();
        later(Instant::now(), wait)
    }

    fn is_real(&self) -> bool {
        true
    }
}

/// A clock that starts at `origin` and runs `speed` times faster than tokio time.
/// With paused tokio time it is fully deterministic; with `speed > 1` it is the demo clock.
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    origin: DateTime<Utc>,
    started: Instant,
    speed: f64,
}

impl ScaledClock {
    pub fn new(origin: DateTime<Utc>, speed: f64) -> ScaledClock {
        ScaledClock {
            origin,
            started: Instant::now(),
            speed: speed.max(f64::MIN_POSITIVE),
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        let real = self.started.elapsed().as_secs_f64() * self.speed;
        self.origin
            .checked_add_signed(TimeDelta::microseconds((real * 1e6) as i64))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    fn instant_at(&self, at: DateTime<Utc>) -> Instant {
        let wall = (at - self.origin).to_std().unwrap_or_default();
        let scaled = Duration::try_from_secs_f64(wall.as_secs_f64() / self.speed).unwrap_or(FAR);
        later(self.started, scaled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn scaled_clock_runs_fast_and_maps_back() {
        let origin = DateTime::parse_from_rfc3339("2021-09-04T02:00:00Z")
            .unwrap()
            .to_utc();
        let clock = ScaledClock::new(origin, 3600.0);
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert_eq!(clock.now(), origin + TimeDelta::hours(1));
        let at = origin + TimeDelta::hours(2);
        tokio::time::sleep_until(clock.instant_at(at)).await;
        assert_eq!(clock.now(), at);
    }
}
