//! The instant a prepared delivery may start posting. The scheduler hands a job over a little
//! before its due instant, so rendering, the holds and the ledger claims are done by then;
//! one timer (`timer`) opens the gate for all of its channels at once, and each request then
//! only needs its `posting` mark.

use super::timer;
use tokio::sync::watch;
use tokio::time::Instant;

/// Open, or opening at one instant.
#[derive(Clone)]
pub struct StartGate(Option<watch::Receiver<bool>>);

impl StartGate {
    /// Open at `at`, or already open if there is no instant to wait for.
    pub fn at(at: Option<Instant>) -> StartGate {
        let Some(at) = at else {
            return StartGate(None);
        };
        let (open, rx) = watch::channel(false);
        tokio::spawn(async move {
            timer::sleep_until(at).await;
            open.send_replace(true);
        });
        StartGate(Some(rx))
    }

    /// Whether posting may start now.
    pub fn is_open(&self) -> bool {
        self.0.as_ref().is_none_or(|rx| *rx.borrow())
    }

    /// Resolves once the gate is open (at once if it is): `true`; `false` if its timer is
    /// gone without opening it (the runtime is stopping), so nothing may be posted.
    pub async fn wait(&self) -> bool {
        match &self.0 {
            None => true,
            Some(rx) => rx.clone().wait_for(|open| *open).await.is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn opens_at_its_instant_for_every_waiter_and_not_before() {
        let at = Instant::now() + Duration::from_millis(20);
        let gate = StartGate::at(Some(at));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    assert!(gate.wait().await);
                    Instant::now()
                })
            })
            .collect();
        for w in waiters {
            assert!(w.await.unwrap() >= at, "a waiter went before the instant");
        }
    }

    #[tokio::test]
    async fn without_an_instant_it_is_open() {
        let gate = StartGate::at(None);
        let open = tokio::time::timeout(Duration::from_secs(5), gate.wait());
        assert!(open.await.expect("open at once"));
    }
}
