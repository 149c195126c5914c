//! Connections opened ahead of a due instant, so that at the instant a request only has to
//! be written: the TCP (and TLS) handshake is done in the window the scheduler prepares in.
//!
//! reqwest has no public "connect now" call, so a warm-up goes through reqwest itself: a
//! connector layer ([`Layer`]) keeps the connection reqwest's own connector made (its TLS,
//! proxy and root settings included) and fails that request before a byte of it is written.
//! The request that follows at the due instant, run in the same slot, gets the kept
//! connection from the layer instead of connecting. Outside a slot the layer only passes
//! calls through. Warm-ups are made only with the connection pool off (the default), where
//! every request connects through the layer: no idle connection could carry one.

use std::any::Any;
use std::future::{Future, ready};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use tokio::sync::OwnedSemaphorePermit;
use tower_service::Service;

tokio::task_local! {
    static SLOT: Slot;
}

/// Where a warm connection waits between the warm-up that made it and the request that
/// uses it.
#[derive(Clone)]
struct Slot {
    keep: bool,
    conn: Arc<Mutex<Option<Box<dyn Any + Send>>>>,
}

impl Slot {
    fn put<C: Send + 'static>(&self, conn: C) {
        *self.conn.lock().expect("warm slot") = Some(Box::new(conn));
    }

    fn take<C: 'static>(&self) -> Option<C> {
        let conn = self.conn.lock().expect("warm slot").take()?;
        conn.downcast().ok().map(|c| *c)
    }

    fn is_full(&self) -> bool {
        self.conn.lock().expect("warm slot").is_some()
    }
}

/// The error a warm-up request ends with once its connection is kept: nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("connection kept for a request at its due instant")]
pub struct Kept;

/// A connection opened ahead for one robot's webhook, with the concurrency permit it holds
/// (a warm connection is an open socket, so it counts against `[send].concurrency`) and the
/// first request, built and signed ahead too, so that at the due instant it is only written.
pub struct Warm {
    slot: Slot,
    /// The robot the connection was opened for, as the hub had it then (any reload makes a
    /// new one): kept alive so that its address is not reused.
    robot: Arc<dyn Any + Send + Sync>,
    first: Option<Prepared>,
    permit: Option<OwnedSemaphorePermit>,
}

/// A request built ahead: the part it posts and the request itself.
pub struct Prepared {
    pub index: usize,
    pub request: reqwest::Request,
}

impl Warm {
    /// Run `request` (one reqwest send) on the kept connection.
    pub async fn carry<F: Future>(&self, request: F) -> F::Output {
        let slot = Slot {
            keep: false,
            ..self.slot.clone()
        };
        SLOT.scope(slot, request).await
    }

    /// Whether the connection was opened for `robot`, as it is now.
    pub fn is_for<R>(&self, robot: &R) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.robot), robot)
    }

    /// The request built ahead, if it posts part `index`.
    pub fn take_request(&mut self, index: usize) -> Option<reqwest::Request> {
        let first = self.first.take().filter(|p| p.index == index)?;
        Some(first.request)
    }

    /// The permit the warm connection holds, for the request that uses it.
    pub fn take_permit(&mut self) -> Option<OwnedSemaphorePermit> {
        self.permit.take()
    }
}

/// Make a warm-up: `connect` (a reqwest send to `robot`'s webhook, never written) run in a keeping
/// slot. `None` if no connection was kept (the connect failed: the post tries again).
pub async fn warm_up<F, T, E>(
    robot: Arc<dyn Any + Send + Sync>,
    first: Prepared,
    permit: OwnedSemaphorePermit,
    connect: F,
) -> Option<Warm>
where
    F: Future<Output = Result<T, E>>,
{
    let slot = Slot {
        keep: true,
        conn: Arc::default(),
    };
    let sent = SLOT.scope(slot.clone(), connect).await;
    if sent.is_ok() {
        // Only a connector that is not ours (a pooled connection) lets it through.
        tracing::warn!("a warm-up request was not stopped by the connector layer");
        return None;
    }
    slot.is_full().then_some(Warm {
        slot,
        robot,
        first: Some(first),
        permit: Some(permit),
    })
}

/// The reqwest connector layer that keeps and hands out warm connections.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layer;

impl<S> tower_layer::Layer<S> for Layer {
    type Service = Connector<S>;
    fn layer(&self, inner: S) -> Connector<S> {
        Connector(inner)
    }
}

/// reqwest's connector, with a slot to keep a connection in or take one from.
#[derive(Debug, Clone)]
pub struct Connector<S>(S);

type Connecting<C, E> = Pin<Box<dyn Future<Output = Result<C, E>> + Send>>;

impl<S, R> Service<R> for Connector<S>
where
    S: Service<R>,
    S::Response: hyper::rt::Read + Unpin + Send + 'static,
    S::Error: From<Kept> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Connecting<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, dst: R) -> Self::Future {
        let Ok(slot) = SLOT.try_with(Slot::clone) else {
            return Box::pin(self.0.call(dst));
        };
        if slot.keep {
            let connecting = self.0.call(dst);
            return Box::pin(async move {
                slot.put(connecting.await?);
                Err(Kept.into())
            });
        }
        match slot.take::<S::Response>() {
            Some(mut conn) => match open(&mut conn) {
                true => Box::pin(ready(Ok(conn))),
                false => Box::pin(self.0.call(dst)),
            },
            None => Box::pin(self.0.call(dst)),
        }
    }
}

/// Whether a kept connection is still as it was made: nothing to read yet (a closed or
/// failed one, or one the server spoke on first, would make the request's outcome unclear:
/// it is closed and a fresh one made instead).
fn open<C: hyper::rt::Read + Unpin>(conn: &mut C) -> bool {
    let mut byte = [MaybeUninit::uninit(); 1];
    let mut buf = hyper::rt::ReadBuf::uninit(&mut byte);
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(conn)
        .poll_read(&mut cx, buf.unfilled())
        .is_pending()
}
