//! The console's login: the admin token, typed once into a form, becomes a random session
//! id in an `HttpOnly`, `SameSite=Strict` cookie; each session has its own CSRF token that
//! every form carries. Sessions live in memory and end with the daemon.

use super::Console;
use crate::daemon::admin;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use std::sync::Mutex;

const COOKIE: &str = "herald_session";
/// More sessions than any team needs; the oldest logins are forgotten first.
const MAX_SESSIONS: usize = 64;

#[derive(Default)]
pub struct Sessions(Mutex<Vec<(String, String)>>);

impl Sessions {
    /// A new session: its id (the cookie) and its CSRF token.
    fn open(&self) -> (String, String) {
        let (id, csrf) = (random_hex(), random_hex());
        let mut all = self.0.lock().expect("sessions lock");
        if all.len() >= MAX_SESSIONS {
            all.remove(0);
        }
        all.push((id.clone(), csrf.clone()));
        (id, csrf)
    }

    fn close(&self, id: &str) {
        self.0
            .lock()
            .expect("sessions lock")
            .retain(|(i, _)| i != id);
    }

    fn csrf(&self, id: &str) -> Option<String> {
        let all = self.0.lock().expect("sessions lock");
        all.iter()
            .find(|(i, _)| admin::matches(&SecretString::from(i.clone()), id))
            .map(|(_, c)| c.clone())
    }
}

fn random_hex() -> String {
    (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

fn cookie_value(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// The CSRF token of the request's session, if it carries a live one (the request may act).
pub fn csrf_of(c: &Console, headers: &HeaderMap) -> Option<String> {
    c.sessions.csrf(cookie_value(headers)?)
}

/// Why a POST may not act: not this daemon's `Host`, no session, or a CSRF token that is
/// not the session's. `None` when it may.
pub fn refuse(c: &Console, headers: &HeaderMap, csrf: &str) -> Option<Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !crate::daemon::http::host_is_this_daemon(host, c.port) {
        return Some(forbidden("the Host header does not name this daemon"));
    }
    match csrf_of(c, headers) {
        None => Some(forbidden("log in with the admin token first")),
        Some(expected) if !admin::matches(&SecretString::from(expected.clone()), csrf) => {
            Some(forbidden("the form's CSRF token is not this session's"))
        }
        Some(_) => None,
    }
}

fn forbidden(why: &'static str) -> Response {
    (StatusCode::FORBIDDEN, why).into_response()
}

#[derive(Deserialize)]
pub struct Login {
    token: String,
}

/// `POST /login`: the admin token in, a session cookie out.
pub async fn login(State(c): State<Console>, headers: HeaderMap, Form(f): Form<Login>) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !crate::daemon::http::host_is_this_daemon(host, c.port) {
        return forbidden("the Host header does not name this daemon");
    }
    if !admin::matches(&c.admin, f.token.trim()) {
        return (StatusCode::UNAUTHORIZED, "wrong admin token").into_response();
    }
    let (id, _csrf) = c.sessions.open();
    let cookie = format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

#[derive(Deserialize)]
pub struct Logout {
    csrf: String,
}

/// `POST /logout`: forget the session.
pub async fn logout(
    State(c): State<Console>,
    headers: HeaderMap,
    Form(f): Form<Logout>,
) -> Response {
    if let Some(refused) = refuse(&c, &headers, &f.csrf) {
        return refused;
    }
    if let Some(id) = cookie_value(&headers) {
        c.sessions.close(id);
    }
    let cookie = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}
