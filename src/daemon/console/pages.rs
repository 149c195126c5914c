//! The console's HTML pages, rendered on the server by minijinja from templates embedded in
//! the binary (HTML auto-escaping on); the event page's previews are built from the exact
//! request bodies `channels::request_body` gives, drawn by `phone`.

use super::timeline::{self, Filter};
use super::{Console, phone, session};
use crate::channels;
use crate::daemon::Workspace;
use crate::ledger::Row;
use crate::model::{ChannelSpec, Event, EventStatus, Link, MessageKind, Platform};
use crate::render::RenderRequest;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use minijinja::{Environment, context};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A page that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("no event `{0}` (see `herald list`)")]
    UnknownEvent(String),
    #[error("console template {name}: {why}")]
    Template { name: &'static str, why: String },
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_filter("urlencode", |s: String| {
            percent_encoding::utf8_percent_encode(&s, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        });
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("timeline.html", include_str!("templates/timeline.html")),
            ("event.html", include_str!("templates/event.html")),
            ("history.html", include_str!("templates/history.html")),
            ("login.html", include_str!("templates/login.html")),
            ("done.html", include_str!("templates/done.html")),
        ] {
            env.add_template(name, source)
                .expect("the console's templates are valid");
        }
        env
    })
}

/// Render template `name` with `ctx`.
pub fn render(name: &'static str, ctx: minijinja::Value) -> Result<String, PageError> {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| PageError::Template {
            name,
            why: e.to_string(),
        })
}

pub fn html(page: Result<String, PageError>) -> Response {
    match page {
        Ok(body) => Html(body).into_response(),
        Err(e @ PageError::UnknownEvent(_)) => {
            (StatusCode::NOT_FOUND, e.to_string()).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The banners every page shows: a refused reload, ledger trouble, rows that need a person
/// (counted again for each page, so the banner is current).
pub async fn banners(c: &Console) -> Vec<String> {
    let counted = c.store.call_quietly(|l| l.counts()).await;
    let health = c.store.health();
    let unreadable = match counted {
        Ok(counts) => {
            let ambiguous = counts
                .iter()
                .filter(|(state, _)| *state == crate::ledger::State::Ambiguous)
                .map(|(_, n)| *n as i64)
                .sum();
            health.set_ambiguous(ambiguous);
            None
        }
        Err(e) => Some(format!("the ledger cannot be read: {e}")),
    };
    let mut reasons = health.reasons();
    reasons.extend(unreadable);
    reasons
}

/// The ledger's rows, or the reason they cannot be read (shown as a banner).
pub async fn rows(c: &Console, event: Option<String>) -> Result<Vec<Row>, String> {
    c.store
        .call_quietly(move |l| l.history(event.as_deref()))
        .await
        .map_err(|e| format!("the ledger cannot be read: {e}"))
}

fn names(ws: &Workspace) -> (Vec<String>, Vec<String>) {
    (
        ws.events.iter().map(|e| e.id.clone()).collect(),
        ws.config.channels.iter().map(|c| c.name.clone()).collect(),
    )
}

/// `GET /`: the timeline, from the plan `herald plan` shows.
pub async fn timeline(
    State(c): State<Console>,
    Query(filter): Query<Filter>,
    headers: HeaderMap,
) -> Response {
    let ws = c.live.get();
    let mut banners = banners(&c).await;
    let t = timeline::load(&c, &filter).await.unwrap_or_else(|e| {
        banners.push(e);
        timeline::build(&ws, Vec::new(), c.clock.now(), &filter)
    });
    let (events, channels) = names(&ws);
    let notices: Vec<String> = ws
        .events
        .iter()
        .filter(|e| e.status != EventStatus::Scheduled)
        .map(|e| {
            format!(
                "{} is {:?}: its announced groups get the notice",
                e.id, e.status
            )
            .to_lowercase()
        })
        .collect();
    html(render(
        "timeline.html",
        context! {
            t, filter, events, channels, states => timeline::states(), banners, notices,
            csrf => session::csrf_of(&c, &headers),
        },
    ))
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct HistoryFilter {
    pub event: String,
    pub channel: String,
    pub state: String,
}

/// The ledger's rows matching `f`, newest first.
pub fn filter_rows(mut rows: Vec<Row>, f: &HistoryFilter) -> Vec<Row> {
    rows.retain(|r| {
        (f.event.is_empty() || r.event == f.event)
            && (f.channel.is_empty() || r.channel == f.channel)
            && (f.state.is_empty() || r.state.as_str() == f.state)
    });
    rows.sort_by(|a, b| {
        let when = |r: &Row| r.finished_at.unwrap_or(r.claimed_at);
        (when(b), b.id).cmp(&(when(a), a.id))
    });
    rows
}

/// `GET /history`: the ledger with the platforms' verdicts, newest first.
pub async fn history(
    State(c): State<Console>,
    Query(f): Query<HistoryFilter>,
    headers: HeaderMap,
) -> Response {
    let ws = c.live.get();
    let mut banners = banners(&c).await;
    let rows = rows(&c, None).await.unwrap_or_else(|e| {
        banners.push(e);
        Vec::new()
    });
    let rows: Vec<HistoryRow> = filter_rows(rows, &f)
        .into_iter()
        .map(|r| HistoryRow::of(&ws, r))
        .collect();
    let (events, channels) = names(&ws);
    let states: Vec<&str> = crate::ledger::State::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    html(render(
        "history.html",
        context! {
            rows, f, events, channels, states, banners,
            csrf => session::csrf_of(&c, &headers),
        },
    ))
}

#[derive(Serialize)]
struct HistoryRow {
    row: Row,
    when: String,
    may_have_posted: bool,
    retry: bool,
}

impl HistoryRow {
    fn of(ws: &Workspace, row: Row) -> HistoryRow {
        let when = row
            .finished_at
            .unwrap_or(row.claimed_at)
            .with_timezone(&ws.config.zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        HistoryRow {
            when,
            may_have_posted: row.state == crate::ledger::State::Ambiguous,
            retry: row.state == crate::ledger::State::Failed,
            row,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KindQuery {
    /// One kind the event page draws (`announce`, …), or `all`; the page's default is the
    /// event's first kind, the API's every kind.
    pub kind: String,
}

impl KindQuery {
    /// The kinds asked for, or why they cannot be drawn for `event`.
    pub fn pick(&self, event: &Event, default_all: bool) -> Result<Option<MessageKind>, String> {
        match self.kind.as_str() {
            "all" => Ok(None),
            "" if default_all => Ok(None),
            "" => Ok(kinds(event).first().copied()),
            name => match name.parse::<MessageKind>() {
                Ok(kind) if kinds(event).contains(&kind) => Ok(Some(kind)),
                _ => Err(format!(
                    "no `{name}` preview for `{}` (one of: {}, all)",
                    event.id,
                    kinds(event)
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
        }
    }
}

/// `GET /events/{id}?kind=`: the record's facts and one kind's previews (`kind=all`: every
/// kind's), drawn when asked for, so a first look draws 13 messages, not 39.
pub async fn event(
    State(c): State<Console>,
    Path(id): Path<String>,
    Query(q): Query<KindQuery>,
    headers: HeaderMap,
) -> Response {
    let ws = c.live.get();
    let csrf = session::csrf_of(&c, &headers);
    let banners = banners(&c).await;
    let Some(event) = ws.event(&id) else {
        return html(Err(PageError::UnknownEvent(id)));
    };
    let only = match q.pick(event, false) {
        Ok(only) => only,
        Err(why) => return (StatusCode::BAD_REQUEST, why).into_response(),
    };
    let previews = c.previews.of(&ws, event, only);
    html(event_html(event, &previews, only, csrf, banners, false))
}

/// The event page offline (`herald preview EVENT --html FILE`): no forms, every kind.
pub fn event_page(ws: &Workspace, id: &str) -> Result<String, PageError> {
    let event = ws
        .event(id)
        .ok_or_else(|| PageError::UnknownEvent(id.to_string()))?;
    event_html(
        event,
        &previews(ws, event, None),
        None,
        None,
        Vec::new(),
        true,
    )
}

/// The previews of the last few events viewed, for the workspace they were drawn from: an
/// event page draws 39 messages, so a second look at the same event (same config, events
/// and templates) reuses them. A reload publishes a new workspace, which misses.
#[derive(Default)]
pub struct Previews(Mutex<Vec<Drawn>>);

struct Drawn {
    ws: Weak<Workspace>,
    event: String,
    only: Option<MessageKind>,
    previews: Arc<Vec<KindPreview>>,
}

/// Events whose previews are kept (each a few hundred kB).
const DRAWN_KEPT: usize = 4;

impl Previews {
    pub fn of(
        &self,
        ws: &Arc<Workspace>,
        event: &Event,
        only: Option<MessageKind>,
    ) -> Arc<Vec<KindPreview>> {
        let same = |d: &Drawn| {
            d.event == event.id && d.only == only && std::ptr::eq(d.ws.as_ptr(), Arc::as_ptr(ws))
        };
        if let Some(d) = self
            .0
            .lock()
            .expect("previews lock")
            .iter()
            .find(|d| same(d))
        {
            return d.previews.clone();
        }
        let previews = Arc::new(previews(ws, event, only));
        let mut kept = self.0.lock().expect("previews lock");
        kept.retain(|d| d.ws.strong_count() > 0 && !same(d));
        if kept.len() >= DRAWN_KEPT {
            kept.remove(0);
        }
        kept.push(Drawn {
            ws: Arc::downgrade(ws),
            event: event.id.clone(),
            only,
            previews: previews.clone(),
        });
        previews
    }
}

fn event_html(
    event: &Event,
    previews: &[KindPreview],
    only: Option<MessageKind>,
    csrf: Option<String>,
    banners: Vec<String>,
    offline: bool,
) -> Result<String, PageError> {
    let kinds: Vec<&str> = kinds(event).iter().map(|k| k.as_str()).collect();
    render(
        "event.html",
        context! {
            event, previews, kinds, csrf, banners,
            shown => only.map_or("all", MessageKind::as_str),
            offline,
            when => when(event),
        },
    )
}

fn when(e: &Event) -> String {
    let start = e.start.format("%Y-%m-%d %H:%M");
    if e.open_end {
        format!("{start} {}", e.start.format("%Z"))
    } else {
        format!("{start} – {}", e.end.format("%Y-%m-%d %H:%M %Z"))
    }
}

#[derive(Serialize)]
pub struct KindPreview {
    pub kind: String,
    /// The instant it is rendered for (today/tomorrow phrases depend on it).
    pub now: DateTime<Utc>,
    pub platforms: Vec<PlatformPreview>,
}

#[derive(Serialize)]
pub struct PlatformPreview {
    pub platform: &'static str,
    pub formats: Vec<FormatPreview>,
}

#[derive(Serialize)]
pub struct FormatPreview {
    pub format: &'static str,
    /// The format posted (a card without a link goes out as Markdown).
    pub posted: String,
    pub error: Option<String>,
    pub dropped: Vec<Link>,
    pub parts: Vec<PartPreview>,
}

#[derive(Serialize)]
pub struct PartPreview {
    pub index: usize,
    pub total: usize,
    pub bytes: usize,
    pub limit: usize,
    pub over: bool,
    /// The request body drawn as the client draws it (escaped by `phone`).
    pub html: String,
    /// The exact request body.
    pub body: serde_json::Value,
}

/// The kinds an event page previews: what rules send for a scheduled event, the cancel
/// notice for a cancelled one.
fn kinds(event: &Event) -> Vec<MessageKind> {
    match event.status {
        EventStatus::Cancelled => vec![MessageKind::Cancel],
        _ => vec![
            MessageKind::Announce,
            MessageKind::Remind,
            MessageKind::Recap,
        ],
    }
}

/// A sensible send instant for a preview: a reminder the day before, a recap the day after,
/// anything else a week before (as `herald preview`).
pub fn preview_now(event: &Event, kind: MessageKind) -> DateTime<Utc> {
    let start = event.start.to_utc();
    match kind {
        MessageKind::Remind => start - TimeDelta::hours(27),
        MessageKind::Recap => event.end.to_utc() + TimeDelta::hours(20),
        _ => start - TimeDelta::days(7),
    }
}

/// Every kind (or `only` one) × platform × format of `event`, part by part, from the exact
/// request bodies.
pub fn previews(ws: &Workspace, event: &Event, only: Option<MessageKind>) -> Vec<KindPreview> {
    kinds(event)
        .into_iter()
        .filter(|k| only.is_none_or(|o| o == *k))
        .map(|kind| {
            let now = preview_now(event, kind);
            let platforms = [Platform::Dingtalk, Platform::Wecom, Platform::Feishu]
                .into_iter()
                .map(|platform| PlatformPreview {
                    platform: platform.as_str(),
                    formats: platform
                        .formats()
                        .iter()
                        .map(|f| format_preview(ws, event, kind, platform, *f, now))
                        .collect(),
                })
                .collect();
            KindPreview {
                kind: kind.to_string(),
                now,
                platforms,
            }
        })
        .collect()
}

fn format_preview(
    ws: &Workspace,
    event: &Event,
    kind: MessageKind,
    platform: Platform,
    format: crate::model::Format,
    now: DateTime<Utc>,
) -> FormatPreview {
    let mut spec = ChannelSpec::console("preview");
    spec.platform = platform;
    spec.format = format;
    let mut out = FormatPreview {
        format: format.as_str(),
        posted: format.as_str().to_string(),
        error: None,
        dropped: Vec::new(),
        parts: Vec::new(),
    };
    let req = RenderRequest {
        event,
        kind,
        platform,
        format,
        now,
        changes: &[],
        digest: std::slice::from_ref(event),
    };
    let message = match ws.renderer.render(&req) {
        Ok(m) => m,
        Err(e) => {
            out.error = Some(e.to_string());
            return out;
        }
    };
    out.posted = message.format.as_str().to_string();
    out.dropped = message.dropped.clone();
    for (i, part) in message.parts.iter().enumerate() {
        let drawn = channels::request_body(&spec, &message, i, now.timestamp_millis())
            .and_then(|body| Ok((body, channels::measured_bytes(&spec, &message, i)?)));
        match drawn {
            Ok((body, (bytes, limit))) => out.parts.push(PartPreview {
                index: part.index,
                total: part.total,
                bytes,
                limit,
                over: bytes > limit,
                html: phone::draw(platform, &body),
                body,
            }),
            Err(e) => out.error = Some(e.to_string()),
        }
    }
    out
}

/// `GET /login`: the admin token form.
pub async fn login_form() -> Response {
    html(render(
        "login.html",
        context! { banners => Vec::<String>::new() },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Arc<Workspace> {
        let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/herald.toml");
        let ws = Workspace::load_with(&config, crate::config::Secrets::Optional).workspace;
        Arc::new(ws.expect("the shipped config loads"))
    }

    #[test]
    fn previews_are_drawn_once_per_workspace_and_event() {
        let cache = Previews::default();
        let ws = shipped();
        let event = ws.events[0].clone();
        let first = cache.of(&ws, &event, None);
        assert!(Arc::ptr_eq(&first, &cache.of(&ws, &event, None)));
        let recap = cache.of(&ws, &event, Some(MessageKind::Recap));
        assert_eq!(recap.len(), 1);
        assert_eq!(recap[0].kind, "recap");
        // A reload publishes another workspace: drawn again, from it.
        let reloaded = Arc::new((*ws).clone());
        let again = cache.of(&reloaded, &event, None);
        assert!(!Arc::ptr_eq(&first, &again));
        assert_eq!(
            serde_json::to_value(&*first).unwrap(),
            serde_json::to_value(&*again).unwrap()
        );
        // Only the last few events are kept.
        for e in ws.events.iter().cycle().take(2 * DRAWN_KEPT) {
            let mut other = e.clone();
            other.id = format!("{}-{}", e.id, rand::random::<u32>());
            cache.of(&ws, &other, None);
        }
        assert!(cache.0.lock().unwrap().len() <= DRAWN_KEPT);
        assert!(!Arc::ptr_eq(&again, &cache.of(&reloaded, &event, None)));
    }
}
