//! The daemon's HTTP face on the address from config: `/healthz` (ledger reachable, next due
//! time), `/metrics` (Prometheus text) and `POST /send` (manual sends from `herald send` on the
//! same machine, so they share the daemon's rate budgets). The CLI's side of `/send` is
//! `channels::forward_send`.

use super::Metrics;
use super::scheduler::Control;
use crate::ledger::Ledger;
use crate::model::SendRequest;
use axum::extract::{ConnectInfo, Json, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

#[derive(Clone)]
struct Shared {
    ledger: Arc<Ledger>,
    metrics: Arc<Metrics>,
    control: mpsc::Sender<Control>,
}

/// Bind `addr` and serve until the task is dropped. Returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    ledger: Arc<Ledger>,
    metrics: Arc<Metrics>,
    control: mpsc::Sender<Control>,
) -> std::io::Result<(SocketAddr, impl Future<Output = ()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = router(Shared {
        ledger,
        metrics,
        control,
    })
    .into_make_service_with_connect_info::<SocketAddr>();
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
        .with_state(shared)
}

async fn healthz(State(s): State<Shared>) -> impl IntoResponse {
    let next_due = s.metrics.next_due.get();
    let next_due = (next_due > 0)
        .then(|| chrono::DateTime::from_timestamp(next_due, 0).map(|t| t.to_rfc3339()))
        .flatten();
    let (status, ledger) = match s.ledger.ping() {
        Ok(()) => (StatusCode::OK, "ok".to_string()),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    let body = serde_json::json!({
        "status": if status == StatusCode::OK { "ok" } else { "unhealthy" },
        "ledger": ledger,
        "next_due": next_due,
        "queue_depth": s.metrics.queue_depth.get(),
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn metrics_text(State(s): State<Shared>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.encode(),
    )
}

/// `POST /send`: a manual send, accepted only from this machine (a peer on loopback), since
/// it posts to every group the config names. 200 with a [`SendResult`] once every channel is
/// done; 422 with the reason when the request is wrong; 503 while shutting down.
async fn send(
    State(s): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(req): Json<SendRequest>,
) -> Response {
    if !peer.ip().is_loopback() {
        return (
            StatusCode::FORBIDDEN,
            "manual sends are accepted from this machine only",
        )
            .into_response();
    }
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
    use axum::extract::connect_info::MockConnectInfo;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// POST a manual send to a server that sees the request as coming from `peer`; returns
    /// the connection (to read the answer) and what reached the scheduler's control channel.
    async fn post_from(peer: &str) -> (tokio::net::TcpStream, mpsc::Receiver<Control>) {
        let dir = tempfile::tempdir().unwrap();
        let (control, received) = mpsc::channel(1);
        let shared = Shared {
            ledger: Arc::new(Ledger::open(&dir.path().join("h.db")).unwrap()),
            metrics: Arc::new(Metrics::default()),
            control,
        };
        let peer: SocketAddr = peer.parse().unwrap();
        let app = router(shared).layer(MockConnectInfo(peer));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let body = r#"{"event":"e","kind":"announce"}"#;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "POST /send HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        (stream, received)
    }

    #[tokio::test]
    async fn manual_sends_from_another_machine_are_forbidden() {
        let (mut stream, mut received) = post_from("192.0.2.7:40000").await;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.0 403"), "{answer}");
        assert!(received.try_recv().is_err());
    }

    #[tokio::test]
    async fn manual_sends_from_loopback_reach_the_scheduler() {
        let (_stream, mut received) = post_from("127.0.0.1:40000").await;
        let Some(Control::Send(req, _)) = received.recv().await else {
            panic!("no manual send reached the scheduler");
        };
        assert_eq!(
            (req.event.as_str(), req.kind),
            ("e", crate::model::MessageKind::Announce)
        );
    }
}
