//! The console's data as JSON under `/api/`: the timeline (`/api/plan`), the ledger
//! (`/api/history`) and an event's previews with the exact request bodies
//! (`/api/preview/{id}`). Read-only, like the pages without a login.

use super::Console;
use super::pages::{self, HistoryFilter, KindQuery};
use super::timeline::{self, Filter};
use axum::extract::{Json, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

fn unavailable(why: String) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "error": why })),
    )
        .into_response()
}

/// `GET /api/plan?event=&channel=&state=&days=`: the timeline's data (`herald plan`'s rows,
/// grouped by day).
pub async fn plan(State(c): State<Console>, Query(filter): Query<Filter>) -> Response {
    match timeline::load(&c, &filter).await {
        Ok(t) => Json(t).into_response(),
        Err(why) => unavailable(why),
    }
}

/// `GET /api/history?event=&channel=&state=`: ledger rows, newest first.
pub async fn history(State(c): State<Console>, Query(f): Query<HistoryFilter>) -> Response {
    match pages::rows(&c, None).await {
        Ok(rows) => Json(pages::filter_rows(rows, &f)).into_response(),
        Err(why) => unavailable(why),
    }
}

/// `GET /api/preview/{id}?kind=`: every kind (or one) × platform × format, with request
/// bodies and bytes.
pub async fn preview(
    State(c): State<Console>,
    Path(id): Path<String>,
    Query(q): Query<KindQuery>,
) -> Response {
    let ws = c.live.get();
    match ws.event(&id) {
        Some(event) => match q.pick(event, true) {
            Ok(only) => Json(c.previews.of(&ws, event, only).as_slice()).into_response(),
            Err(why) => (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": why })),
            )
                .into_response(),
        },
        None => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": format!("no event `{id}`") })),
        )
            .into_response(),
    }
}
