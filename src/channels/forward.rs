//! The CLI's side of the running daemon's `POST /send`: offer a manual send to the daemon on
//! this machine so it shares the daemon's rate budgets; report when no daemon listens.

use crate::model::{ManualError, SendRequest};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::time::Duration;

/// What became of a manual send offered to the running daemon; `R` is its answer (the
/// daemon's `SendResult`, read here as whatever the caller expects).
#[derive(Debug)]
pub enum Forwarded<R> {
    /// Nothing listens on the address: no daemon is running; send in-process.
    NoDaemon,
    /// The daemon carried it out.
    Done(R),
    /// The daemon refused the request as asked.
    Refused(ManualError),
    /// The daemon answered, but not with a result (shutting down, forbidden, broken answer).
    Failed(String),
}

/// `herald send`: offer the request to the daemon listening on `addr`. Waits as long as a
/// manual send may retry (its deadline) plus a margin.
pub async fn forward_send<R: DeserializeOwned>(
    addr: SocketAddr,
    req: &SendRequest,
    token: Option<&SecretString>,
) -> Forwarded<R> {
    let client = match reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(11 * 60))
        .build()
    {
        Ok(c) => c,
        Err(e) => return Forwarded::Failed(e.to_string()),
    };
    let mut request = client.post(format!("http://{addr}/send")).json(req);
    if let Some(token) = token {
        request = request.bearer_auth(token.expose_secret());
    }
    let answer = request.send().await;
    let response = match answer {
        Err(e) if e.is_connect() => return Forwarded::NoDaemon,
        Err(e) => return Forwarded::Failed(format!("no answer from the daemon at {addr}: {e}")),
        Ok(r) => r,
    };
    let status = response.status();
    if status == StatusCode::OK {
        return match response.json::<R>().await {
            Ok(result) => Forwarded::Done(result),
            Err(e) => Forwarded::Failed(format!("unreadable answer from {addr}: {e}")),
        };
    }
    if status == StatusCode::UNPROCESSABLE_ENTITY
        && let Ok(Ok(e)) = response
            .bytes()
            .await
            .map(|b| serde_json::from_slice::<ManualError>(&b))
    {
        return Forwarded::Refused(e);
    }
    if status == StatusCode::UNAUTHORIZED {
        return Forwarded::Failed(format!(
            "the daemon at {addr} refused the admin token: set `[herald] admin_token` the same for both, or run `herald send` where it can read the daemon's admin.token beside the ledger"
        ));
    }
    Forwarded::Failed(format!("the daemon at {addr} answered {status}"))
}

/// Tell the running daemon that holds or skips changed in the ledger (`POST /holds`), so the
/// deliveries it holds look again at once. `Ok(false)`: no daemon listens (the next start
/// reads the ledger anyway).
pub async fn poke_holds(addr: SocketAddr, token: Option<&SecretString>) -> Result<bool, String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let mut request = client.post(format!("http://{addr}/holds"));
    if let Some(token) = token {
        request = request.bearer_auth(token.expose_secret());
    }
    match request.send().await {
        Err(e) if e.is_connect() => Ok(false),
        Err(e) => Err(format!("no answer from the daemon at {addr}: {e}")),
        Ok(r) if r.status().is_success() => Ok(true),
        Ok(r) => Err(format!("the daemon at {addr} answered {}", r.status())),
    }
}
