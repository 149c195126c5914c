//! The web console on the daemon's listen address: the timeline (`/`), each event's facts
//! and phone-width previews (`/events/{id}`), the ledger (`/history`), the same data as JSON
//! under `/api/`, and — after a login with the admin token — actions as POST forms.

mod actions;
mod api;
mod pages;
mod phone;
mod session;
mod timeline;

pub use pages::{PageError, event_page};
pub use timeline::{Filter, Timeline};

use super::scheduler::Control;
use super::{Store, Workspace};
use crate::model::Clock;
use axum::routing::{get, post};
use secrecy::SecretString;
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;

/// The workspace the scheduler acts on: the daemon's loader publishes every workspace it
/// hands the scheduler, so the console never shows another version of the config.
#[derive(Clone)]
pub struct Live(Arc<RwLock<Arc<Workspace>>>);

impl Live {
    pub fn new(ws: Workspace) -> Live {
        Live(Arc::new(RwLock::new(Arc::new(ws))))
    }

    pub fn set(&self, ws: Workspace) {
        *self.0.write().expect("workspace lock") = Arc::new(ws);
    }

    pub fn get(&self) -> Arc<Workspace> {
        self.0.read().expect("workspace lock").clone()
    }
}

/// What the console's handlers share.
#[derive(Clone)]
pub struct Console {
    pub live: Live,
    pub clock: Arc<dyn Clock>,
    pub store: Store,
    pub control: mpsc::Sender<Control>,
    pub admin: Arc<SecretString>,
    /// The port the daemon listens on: a form's `Host` must name it.
    pub port: u16,
    sessions: Arc<session::Sessions>,
    /// Event previews drawn for this workspace, kept for a second look.
    previews: Arc<pages::Previews>,
}

impl Console {
    pub fn new(
        live: Live,
        clock: Arc<dyn Clock>,
        store: Store,
        control: mpsc::Sender<Control>,
        admin: Arc<SecretString>,
        port: u16,
    ) -> Console {
        Console {
            live,
            clock,
            store,
            control,
            admin,
            port,
            sessions: Arc::default(),
            previews: Arc::default(),
        }
    }
}

pub fn router(console: Console) -> axum::Router {
    axum::Router::new()
        .route("/", get(pages::timeline))
        .route("/events/{id}", get(pages::event))
        .route("/history", get(pages::history))
        .route("/login", get(pages::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/actions/send", post(actions::send))
        .route("/actions/resolve", post(actions::resolve))
        .route("/actions/hold", post(actions::hold))
        .route("/actions/release", post(actions::release))
        .route("/actions/skip", post(actions::skip))
        .route("/api/plan", get(api::plan))
        .route("/api/history", get(api::history))
        .route("/api/preview/{id}", get(api::preview))
        .with_state(console)
}
