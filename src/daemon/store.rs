//! The ledger as the daemon uses it: every call runs off the async threads, on tokio's
//! blocking pool, one at a time — and the calls that arrive while one runs are run next
//! together, in one transaction (group commit), so a fan-out to thousands of robots costs a
//! few commits, not three per robot. A held lock or a slow disk delays deliveries but never
//! the scheduler, `/healthz` or a shutdown. Each result also tells [`Health`] whether the
//! ledger can be written.

use super::Health;
use crate::ledger::{Ledger, LedgerError};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

/// The most calls one transaction takes: a fan-out's first posts leave while the rest of
/// its claims are being committed.
const MAX_BATCH: usize = 256;

/// A call's answer, handed over once its batch committed (or with the batch's error).
type Answer = Box<dyn FnOnce(Option<&LedgerError>) + Send>;
/// A call waiting for the worker.
type Call = Box<dyn FnOnce(&Ledger) -> Answer + Send>;

#[derive(Default)]
struct Queue {
    /// Calls a request waits on (`posting` marks): taken before any other.
    first: VecDeque<Call>,
    calls: VecDeque<Call>,
    /// A worker is on the blocking pool, running batches until the queue is empty.
    working: bool,
}

#[derive(Clone)]
pub struct Store {
    ledger: Arc<Ledger>,
    queue: Arc<Mutex<Queue>>,
    health: Arc<Health>,
    /// Woken when an organizer's holds or skips change, so held deliveries look again.
    holds_changed: Arc<tokio::sync::Notify>,
}

impl Store {
    pub fn new(ledger: Arc<Ledger>, health: Arc<Health>) -> Store {
        Store {
            ledger,
            queue: Arc::default(),
            health,
            holds_changed: Arc::default(),
        }
    }

    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    pub fn health(&self) -> &Arc<Health> {
        &self.health
    }

    pub fn holds_changed(&self) -> &Arc<tokio::sync::Notify> {
        &self.holds_changed
    }

    /// Run `f` on the ledger off the async threads; its result is also reported to health.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        self.reported(f, Lane::Behind).await
    }

    /// Like [`Store::call`] for a write a request is waiting on (the `posting` mark right
    /// before it goes on the wire): it goes into the next transaction ahead of every other
    /// call, so a fan-out's first requests leave while the rest of its claims wait, instead of
    /// after all of them.
    pub async fn call_first<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        self.reported(f, Lane::First).await
    }

    /// Queue `f` in `lane`; its result is also reported to health.
    async fn reported<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
        lane: Lane,
    ) -> Result<T, LedgerError> {
        let result = self.queued(f, lane).await;
        match &result {
            Ok(_) => self.health.ledger_ok(),
            Err(e) => self.health.ledger_failed(e),
        }
        result
    }

    /// Like [`Store::call`] without touching health (reads whose failure says nothing new).
    /// The answer comes once the batch `f` ran in has committed: a claim or a `posting`
    /// mark is durable before its caller acts on it.
    pub async fn call_quietly<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        self.queued(f, Lane::Behind).await
    }

    async fn queued<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
        lane: Lane,
    ) -> Result<T, LedgerError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.submit(
            Box::new(move |ledger: &Ledger| -> Answer {
                let result = f(ledger);
                Box::new(move |failed: Option<&LedgerError>| {
                    let _ = tx.send(match failed {
                        Some(e) => Err(e.again()),
                        None => result,
                    });
                })
            }),
            lane,
        );
        rx.await.unwrap_or_else(|_| {
            Err(LedgerError::Unavailable {
                path: self.ledger.path().to_path_buf(),
                why: "the ledger's worker ended".to_string(),
            })
        })
    }

    /// Queue a call; start a worker unless one is running (it takes this call too).
    fn submit(&self, call: Call, lane: Lane) {
        let mut queue = lock(&self.queue);
        match lane {
            Lane::First => queue.first.push_back(call),
            Lane::Behind => queue.calls.push_back(call),
        }
        if !queue.working {
            queue.working = true;
            let (queue, ledger) = (self.queue.clone(), self.ledger.clone());
            tokio::task::spawn_blocking(move || work(&queue, &ledger));
        }
    }
}

/// Where a call joins the queue.
#[derive(Clone, Copy)]
enum Lane {
    First,
    Behind,
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

/// Run batches until no call waits.
fn work(queue: &Mutex<Queue>, ledger: &Ledger) {
    /// A worker that ends by a panic still lets the next call start a worker.
    struct Done<'a>(&'a Mutex<Queue>);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                lock(self.0).working = false;
            }
        }
    }
    let _done = Done(queue);
    loop {
        let calls: Vec<Call> = {
            let mut queue = lock(queue);
            if queue.first.is_empty() && queue.calls.is_empty() {
                queue.working = false;
                // A fan-out's thousands of waiting calls leave no grown buffer behind.
                if queue.calls.capacity() > MAX_BATCH {
                    queue.first.shrink_to_fit();
                    queue.calls.shrink_to_fit();
                }
                return;
            }
            let first = queue.first.len().min(MAX_BATCH);
            let rest = queue.calls.len().min(MAX_BATCH - first);
            let mut calls: Vec<Call> = queue.first.drain(..first).collect();
            calls.extend(queue.calls.drain(..rest));
            calls
        };
        run_batch(ledger, calls);
    }
}

/// One transaction: every call, then the commit, then every answer.
fn run_batch(ledger: &Ledger, calls: Vec<Call>) {
    ledger.begin_batch();
    let answers: Vec<Answer> = calls.into_iter().map(|call| call(ledger)).collect();
    let committed = ledger.end_batch();
    for answer in answers {
        answer(committed.as_ref().err());
    }
}
