//! The daemon's HTTP face on the address from config: `/healthz` (ledger reachable, next due
//! time), `/metrics` (Prometheus text) and `POST /send` (manual sends from `herald send` on the
//! same machine, so they share the daemon's rate budgets), merged with the web console's
//! routes (`console`). The CLI's side of `/send` is `channels::forward_send`.

use super::scheduler::Control;
use super::{Metrics, Store, admin, console};
use crate::ledger::State as RowState;
use crate::model::Clock;
use crate::model::SendRequest;
use axum::extract::{Json, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

#[derive(Clone)]
struct Shared {
    store: Store,
    metrics: Arc<Metrics>,
    control: mpsc::Sender<Control>,
    admin: Arc<SecretString>,
    /// The port the daemon listens on: a request's `Host` must name it.
    port: u16,
}

/// Bind `addr` and serve until the task is dropped. Returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    store: Store,
    metrics: Arc<Metrics>,
    control: mpsc::Sender<Control>,
    admin: SecretString,
    view: (console::Live, Arc<dyn Clock>),
) -> std::io::Result<(SocketAddr, impl Future<Output = ()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let admin = Arc::new(admin);
    let console = console::Console::new(
        view.0,
        view.1,
        store.clone(),
        control.clone(),
        admin.clone(),
        bound.port(),
    );
    let app = router(Shared {
        store,
        metrics,
        control,
        admin,
        port: bound.port(),
    })
    .merge(console::router(console));
    let server = async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "health/metrics server stopped");
        }
    };
    Ok((bound, server))
}

fn router(shared: Shared) -> axum::Router {
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/send", post(send))
        .route("/holds", post(holds_changed))
        .with_state(shared)
}

/// How long `/healthz` waits for the ledger before saying it is busy.
const LEDGER_PROBE: Duration = Duration::from_secs(2);

/// The ledger's answer for health: reachable, and how many rows may have been posted.
async fn probe_ledger(s: &Shared) -> Result<i64, String> {
    let counted = s.store.call_quietly(|l| {
        l.ping()?;
        l.counts()
    });
    let counts = tokio::time::timeout(LEDGER_PROBE, counted)
        .await
        .map_err(|_| "the ledger is locked or slow (no answer within 2 s)".to_string())?
        .map_err(|e| e.to_string())?;
    let ambiguous = counts
        .iter()
        .filter(|(state, _)| *state == RowState::Ambiguous)
        .map(|(_, n)| *n as i64)
        .sum();
    s.store.health().set_ambiguous(ambiguous);
    s.metrics.ambiguous_rows.set(ambiguous);
    Ok(ambiguous)
}

/// `/healthz`: 200 `ok` or `degraded` (still running, with every reason), 503 `unhealthy`
/// when the ledger cannot be reached at all.
async fn healthz(State(s): State<Shared>) -> impl IntoResponse {
    let next_due = s.metrics.next_due.get();
    let next_due = (next_due > 0)
        .then(|| chrono::DateTime::from_timestamp(next_due, 0).map(|t| t.to_rfc3339()))
        .flatten();
    let probe = probe_ledger(&s).await;
    let health = s.store.health();
    s.metrics
        .ledger_writable
        .set(i64::from(health.ledger_error().is_none()));
    let mut reasons = health.reasons();
    let (code, status, ledger) = match &probe {
        Ok(_) if reasons.is_empty() => (StatusCode::OK, "ok", "ok".to_string()),
        Ok(_) => (StatusCode::OK, "degraded", "ok".to_string()),
        Err(e) => {
            reasons.insert(0, format!("ledger: {e}"));
            (StatusCode::SERVICE_UNAVAILABLE, "unhealthy", e.clone())
        }
    };
    let body = serde_json::json!({
        "status": status,
        "reasons": reasons,
        "ledger": ledger,
        "ledger_waiting": health.waiting_now(),
        "ambiguous_rows": health.ambiguous(),
        "next_due": next_due,
        "queue_depth": s.metrics.queue_depth.get(),
        "role": health.role().as_str(),
    });
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn metrics_text(State(s): State<Shared>) -> impl IntoResponse {
    let _ = probe_ledger(&s).await;
    s.metrics
        .ledger_writable
        .set(i64::from(s.store.health().ledger_error().is_none()));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.encode(),
    )
}

/// Why a state-changing request is refused before it is read: a `Host` that is not this
/// daemon (a web page's DNS rebinding, a proxy forwarding someone else's request) or a
/// missing or wrong bearer token.
fn refuse_admin(s: &Shared, headers: &HeaderMap) -> Option<Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !host_is_this_daemon(host, s.port) {
        return Some(
            (
                StatusCode::FORBIDDEN,
                "the Host header does not name this daemon's listen address",
            )
                .into_response(),
        );
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    match token {
        Some(t) if admin::matches(&s.admin, t.trim()) => None,
        _ => Some(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "an admin token is required (herald send reads it from the config or the daemon's admin.token file)",
            )
                .into_response(),
        ),
    }
}

/// `Host` must be an IP address or `localhost`, with the port the daemon listens on. A name
/// that resolves elsewhere first (DNS rebinding) never matches.
pub(super) fn host_is_this_daemon(host: &str, port: u16) -> bool {
    let Ok(authority) = host.parse::<axum::http::uri::Authority>() else {
        return false;
    };
    let name = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    authority.port_u16() == Some(port)
        && (name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok())
}

/// `POST /send`: a manual send, with the admin token. 200 with a [`SendResult`] once every
/// channel is done; 422 with the reason when the request is wrong; 503 while shutting down.
async fn send(State(s): State<Shared>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if let Some(refused) = refuse_admin(&s, &headers) {
        return refused;
    }
    let req: SendRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("bad request: {e}")).into_response(),
    };
    let (reply, answer) = oneshot::channel();
    if s.control
        .send(Control::Send(Box::new(req), reply))
        .await
        .is_err()
    {
        return shutting_down();
    }
    match answer.await {
        Ok(Ok(result)) => Json(result).into_response(),
        Ok(Err(e)) => (StatusCode::UNPROCESSABLE_ENTITY, Json(e)).into_response(),
        Err(_) => shutting_down(),
    }
}

/// `POST /holds`: an organizer changed holds or skips in the ledger (`herald hold`, `release`,
/// `skip`); deliveries waiting on a hold look again at once. 204.
async fn holds_changed(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = refuse_admin(&s, &headers) {
        return refused;
    }
    s.store.holds_changed().notify_waiters();
    StatusCode::NO_CONTENT.into_response()
}

fn shutting_down() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "herald is shutting down").into_response()
}

/// `herald healthcheck`: GET /healthz on `addr`; true if it answered 200. A raw HTTP/1.0
/// request keeps the container's HEALTHCHECK free of curl and a shell.
pub async fn probe(addr: SocketAddr) -> std::io::Result<bool> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await?;
    Ok(head.starts_with(b"HTTP/1.") && &head[9..12] == b"200")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::Health;
    use crate::ledger::Ledger;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const TOKEN: &str = "t0ken";

    /// POST a manual send with the given `Host` and bearer token; returns the answer's status
    /// line and what reached the scheduler's control channel.
    async fn post(host: &str, token: Option<&str>) -> (String, mpsc::Receiver<Control>) {
        let dir = tempfile::tempdir().unwrap();
        let (control, received) = mpsc::channel(1);
        let ledger = Arc::new(Ledger::open(&dir.path().join("h.db")).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Shared {
            store: Store::new(ledger, Arc::new(Health::default())),
            metrics: Arc::new(Metrics::default()),
            control,
            admin: Arc::new(SecretString::from(TOKEN.to_string())),
            port: addr.port(),
        };
        tokio::spawn(async move { axum::serve(listener, router(shared)).await });
        let host = host.replace("PORT", &addr.port().to_string());
        let auth = token.map_or_else(String::new, |t| format!("authorization: Bearer {t}\r\n"));
        let body = r#"{"event":"e","kind":"announce"}"#;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "POST /send HTTP/1.1\r\nhost: {host}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut head = [0u8; 12];
        let status =
            tokio::time::timeout(Duration::from_millis(300), stream.read_exact(&mut head)).await;
        let line = match status {
            Ok(Ok(_)) => String::from_utf8_lossy(&head).into_owned(),
            _ => "no answer yet".to_string(),
        };
        (line, received)
    }

    #[tokio::test]
    async fn manual_sends_without_the_token_are_refused() {
        for token in [None, Some("wrong"), Some("t0ke")] {
            let (line, mut received) = post("127.0.0.1:PORT", token).await;
            assert!(line.ends_with("401"), "{token:?}: {line}");
            assert!(received.try_recv().is_err());
        }
    }

    #[tokio::test]
    async fn manual_sends_for_another_host_are_refused_even_with_the_token() {
        for host in [
            "evil.example:PORT",
            "evil.example",
            "127.0.0.1:1",
            "localhost",
        ] {
            let (line, mut received) = post(host, Some(TOKEN)).await;
            assert!(line.ends_with("403"), "{host}: {line}");
            assert!(received.try_recv().is_err());
        }
    }

    #[tokio::test]
    async fn manual_sends_with_the_token_reach_the_scheduler() {
        for host in ["127.0.0.1:PORT", "localhost:PORT", "[::1]:PORT"] {
            let (_line, mut received) = post(host, Some(TOKEN)).await;
            let Some(Control::Send(req, _)) = received.recv().await else {
                panic!("no manual send reached the scheduler for Host {host}");
            };
            assert_eq!(
                (req.event.as_str(), req.kind),
                ("e", crate::model::MessageKind::Announce)
            );
        }
    }
}
