//! The console's actions, each a POST form that needs a session (the admin token) and its
//! CSRF token: send now (the `POST /send` path: `Control::Send` to the scheduler, like
//! `herald send`); settle a row (`herald resolve ROW --sent`, or `--resend`, which also
//! retries a failed row: reopen it, then send that message to that channel once more); and
//! hold, release or skip (`herald hold/release/skip`). Each uses its CLI command's code in
//! `daemon` and lands in the ledger.

use super::pages::{self, render};
use super::{Console, session};
use crate::daemon::SendResult;
use crate::daemon::Workspace;
use crate::daemon::organizer::{self, OrganizerError, Outcome, Target};
use crate::daemon::scheduler::Control;
use crate::daemon::settle::{self, How, SettleError, Settled};
use crate::ledger::Ledger;
use crate::model::{MessageKind, SendRequest};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use minijinja::context;
use serde::Deserialize;
use tokio::sync::oneshot;

#[derive(Deserialize)]
pub struct SendForm {
    csrf: String,
    event: String,
    kind: String,
}

/// `POST /actions/send`: send this kind of this event now to the channels its rules pick;
/// refused where the ledger says it was sent (like `herald send` without `--force`).
pub async fn send(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(f): Form<SendForm>,
) -> Response {
    if let Some(refused) = session::refuse(&c, &headers, &f.csrf) {
        return refused;
    }
    let Ok(kind) = f.kind.parse::<MessageKind>() else {
        return (StatusCode::BAD_REQUEST, format!("no kind `{}`", f.kind)).into_response();
    };
    let req = SendRequest {
        event: f.event.clone(),
        kind,
        channels: Vec::new(),
        tags: Vec::new(),
        force: false,
    };
    done(&f.event, deliver(&c, req).await)
}

/// Hand a manual send to the scheduler and wait for its answer.
async fn deliver(c: &Console, req: SendRequest) -> Result<String, String> {
    let (reply, answer) = oneshot::channel();
    c.control
        .send(Control::Send(Box::new(req), reply))
        .await
        .map_err(|_| "herald is shutting down".to_string())?;
    match answer.await {
        Ok(Ok(result)) => Ok(summary(&result)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("herald is shutting down".to_string()),
    }
}

fn summary(r: &SendResult) -> String {
    let sent = serde_json::to_string(&r.sent).unwrap_or_default();
    let refused = serde_json::to_string(&r.refused).unwrap_or_default();
    format!("sent: {sent}; refused: {refused}")
}

fn done(event: &str, outcome: Result<String, String>) -> Response {
    let (code, ok, text) = match outcome {
        Ok(t) => (StatusCode::OK, true, t),
        Err(t) => (StatusCode::UNPROCESSABLE_ENTITY, false, t),
    };
    let page = render(
        "done.html",
        context! { ok, text, event, banners => Vec::<String>::new() },
    );
    (code, pages::html(page)).into_response()
}

#[derive(Deserialize)]
pub struct ResolveForm {
    csrf: String,
    row: i64,
    /// `sent` or `resend`.
    how: String,
}

/// `POST /actions/resolve`: settle an ambiguous row as sent, or post a row once more — the
/// decision of `herald resolve` (`daemon::settle`).
pub async fn resolve(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(f): Form<ResolveForm>,
) -> Response {
    if let Some(refused) = session::refuse(&c, &headers, &f.csrf) {
        return refused;
    }
    let how = match f.how.as_str() {
        "sent" => How::Sent,
        "resend" => How::Resend,
        other => {
            return done(
                "",
                Err(format!("no way to resolve `{other}` (sent or resend)")),
            );
        }
    };
    let (ws, id, now) = (c.live.get(), f.row, c.clock.now());
    let settled = c
        .store
        .call(move |l| match settle::settle(&ws, l, id, how, now) {
            Err(SettleError::Ledger(e)) => Err(e),
            other => Ok(other),
        })
        .await;
    match settled {
        Ok(Ok(Settled::Sent(line))) => done("", Ok(line)),
        Ok(Ok(Settled::Reopened { line, send })) => {
            let event = send.event.clone();
            let outcome = deliver(&c, send).await.map(|s| format!("{line}; {s}"));
            done(&event, outcome)
        }
        Ok(Err(e)) => done("", Err(e.to_string())),
        Err(e) => done("", Err(e.to_string())),
    }
}

#[derive(Deserialize)]
pub struct OrganizerForm {
    csrf: String,
    event: String,
    /// Empty: every rule.
    #[serde(default)]
    rule: String,
    /// Empty: every channel.
    #[serde(default)]
    channel: String,
}

impl OrganizerForm {
    fn target(&self) -> Target {
        let named = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Target {
            event: self.event.clone(),
            rule: named(&self.rule),
            channel: named(&self.channel),
        }
    }
}

/// `POST /actions/hold`: `herald hold EVENT [--rule R] [--channel C]`.
pub async fn hold(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(f): Form<OrganizerForm>,
) -> Response {
    organize(c, headers, f, |ws, l, t, now| {
        organizer::hold(ws, l, t, now)
    })
    .await
}

/// `POST /actions/release`: `herald release EVENT [--rule R] [--channel C]`.
pub async fn release(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(f): Form<OrganizerForm>,
) -> Response {
    organize(c, headers, f, |ws, l, t, _| organizer::release(ws, l, t)).await
}

/// `POST /actions/skip`: `herald skip EVENT --rule R [--channel C]`.
pub async fn skip(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(f): Form<OrganizerForm>,
) -> Response {
    organize(c, headers, f, |ws, l, t, now| {
        organizer::skip(ws, l, t, now)
    })
    .await
}

type Organize = fn(&Workspace, &Ledger, &Target, DateTime<Utc>) -> Result<Outcome, OrganizerError>;

/// Check the session, change holds or skips in the ledger through `daemon::organizer` (the
/// CLI's code path), and tell the running engine, as `POST /holds` does.
async fn organize(c: Console, headers: HeaderMap, f: OrganizerForm, act: Organize) -> Response {
    if let Some(refused) = session::refuse(&c, &headers, &f.csrf) {
        return refused;
    }
    let (ws, target, now) = (c.live.get(), f.target(), c.clock.now());
    let outcome = c
        .store
        .call(move |l| match act(&ws, l, &target, now) {
            Err(OrganizerError::Ledger(e)) => Err(e),
            other => Ok(other),
        })
        .await;
    let outcome = match outcome {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return done(&f.event, Err(e.to_string())),
        Err(e) => return done(&f.event, Err(e.to_string())),
    };
    if outcome.changed {
        c.store.holds_changed().notify_waiters();
    }
    done(&f.event, Ok(outcome.lines.join("; ")))
}
