//! `/healthz` (ledger reachable, next due time) and `/metrics` (Prometheus text) on the
//! loopback address from config.

use super::Metrics;
use crate::ledger::Ledger;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone)]
struct Shared {
    ledger: Arc<Ledger>,
    metrics: Arc<Metrics>,
}

/// Bind `addr` and serve until the task is dropped. Returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    ledger: Arc<Ledger>,
    metrics: Arc<Metrics>,
) -> std::io::Result<(SocketAddr, impl Future<Output = ()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(Shared { ledger, metrics });
    let server = async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "health/metrics server stopped");
        }
    };
    Ok((bound, server))
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
