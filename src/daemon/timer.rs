//! Waking at a due instant on time: on Linux a timerfd (the kernel's high-resolution timer,
//! waited on in the runtime's epoll like a socket) instead of tokio's timer, which rounds a
//! deadline up to the next whole millisecond and then waits in `epoll_wait` with a timeout
//! in whole milliseconds — 1 to 2 ms late. Nothing is slept on the runtime's thread.

use tokio::time::Instant;

/// Sleep until `at` (an instant of the real clock: tokio's `Instant` is the monotonic clock
/// the timerfd counts). Where no timerfd can be made, tokio's timer, up to 2 ms late.
pub async fn sleep_until(at: Instant) {
    #[cfg(target_os = "linux")]
    if exact::sleep_until(at).await.is_ok() {
        return;
    }
    tokio::time::sleep_until(at).await;
}

#[cfg(target_os = "linux")]
mod exact {
    use rustix::time::{
        Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
        timerfd_settime,
    };
    use std::time::Duration;
    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;
    use tokio::time::Instant;

    pub async fn sleep_until(at: Instant) -> std::io::Result<()> {
        let delay = at.saturating_duration_since(Instant::now());
        if delay.is_zero() {
            return Ok(());
        }
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        let spec = Itimerspec {
            it_interval: timespec(Duration::ZERO),
            it_value: timespec(delay),
        };
        timerfd_settime(&fd, TimerfdTimerFlags::empty(), &spec)?;
        // SAFETY: `OwnedFd` keeps its descriptor open, and the same, until the `AsyncFd` that
        // owns it drops it.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
            .map_err(|e| e.into_parts().1)?;
        // A timerfd becomes readable when it expires, and only then.
        let _expired = fd.readable().await?;
        Ok(())
    }

    fn timespec(d: Duration) -> Timespec {
        Timespec {
            tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: d.subsec_nanos().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn wakes_at_the_instant_never_before() {
        for ms in [1, 7, 30] {
            let at = Instant::now() + Duration::from_millis(ms);
            sleep_until(at).await;
            assert!(Instant::now() >= at, "woke before the instant ({ms} ms)");
        }
    }

    #[tokio::test]
    async fn an_instant_past_returns_at_once() {
        let at = Instant::now() - Duration::from_millis(5);
        tokio::time::timeout(Duration::from_secs(5), sleep_until(at))
            .await
            .expect("a past instant does not wait");
    }
}
