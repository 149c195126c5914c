//! The console's actions, each a POST form that needs a session (the admin token) and its
//! CSRF token: send now (the `POST /send` path: `Control::Send` to the scheduler, like
//! `herald send`), and settle a row (`herald resolve ROW --sent`, or `--resend`, which also
//! retries a failed row: reopen it, then send that message to that channel once more).
//! Every one lands in the ledger.

use super::super::SendResult;
use super::pages::{self, render};
use super::{Console, session};
use crate::daemon::scheduler::Control;
use crate::ledger::State as RowState;
use crate::model::{MessageKind, SendRequest};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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

/// How each channel's send ended, in the words `herald send` prints.
fn summary(r: &SendResult) -> String {
    let sent: Vec<String> = r
        .sent
        .iter()
        .map(|l| {
            format!(
                "{}: {}/{} part(s) sent; {}",
                l.channel, l.parts_sent, l.parts_total, l.outcome
            )
        })
        .collect();
    let refused: Vec<String> = r
        .refused
        .iter()
        .map(|x| format!("{}: {x}", x.channel))
        .collect();
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(" · ")
        }
    };
    format!("sent: {}; refused: {}", list(sent), list(refused))
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

/// `POST /actions/resolve`: settle an ambiguous row as sent, or post a row once more.
pub async fn resolve(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(f): Form<ResolveForm>,
) -> Response {
    if let Some(refused) = session::refuse(&c, &headers, &f.csrf) {
        return refused;
    }
    let id = f.row;
    let row = match c.store.call(move |l| l.row_by_id(id)).await {
        Ok(Some(row)) => row,
        Ok(None) => return done("", Err(format!("no row {id} in the ledger"))),
        Err(e) => return done("", Err(e.to_string())),
    };
    let label = format!(
        "{}/{}/{} part {}",
        row.event, row.rule, row.channel, row.part
    );
    let outcome = match (f.how.as_str(), row.state) {
        ("sent", RowState::Ambiguous) => {
            let now = c.clock.now();
            c.store
                .call(move |l| l.resolve_sent(id, now))
                .await
                .map(|()| format!("row {id} ({label}) recorded as sent"))
                .map_err(|e| e.to_string())
        }
        ("sent", state) => Err(format!(
            "row {id} ({label}) is {}, not ambiguous: nothing to settle",
            state.as_str()
        )),
        ("resend", RowState::Ambiguous | RowState::Failed) => resend(&c, row.clone()).await,
        ("resend", state) => Err(format!(
            "row {id} ({label}) is {}; only ambiguous or failed rows are posted again",
            state.as_str()
        )),
        (other, _) => Err(format!("no way to resolve `{other}` (sent or resend)")),
    };
    done(&row.event, outcome)
}

/// Reopen the row, then send its message to its channel once more (the ledger's claim still
/// guards it), as `herald resolve ROW --resend` does.
async fn resend(c: &Console, row: crate::ledger::Row) -> Result<String, String> {
    let kind: MessageKind = row
        .kind
        .parse()
        .map_err(|e: String| format!("row {}: {e}", row.id))?;
    if c.live.get().event(&row.event).is_none() {
        return Err(format!(
            "row {} belongs to `{}`, which is not an event record; send it again with `herald send`",
            row.id, row.event
        ));
    }
    let id = row.id;
    c.store
        .call(move |l| l.reopen(id))
        .await
        .map_err(|e| e.to_string())?;
    let req = SendRequest {
        event: row.event,
        kind,
        channels: vec![row.channel],
        tags: Vec::new(),
        force: false,
    };
    deliver(c, req)
        .await
        .map(|s| format!("row {id} reopened; {s}"))
}
