//! The long-running scheduler: sleep until due, claim, render, post, record; reload; signals;
//! health and metrics. The only module that spawns tasks.

pub mod admin;
pub mod console;
mod engine;
mod health;
mod http;
mod leader;
pub mod manual;
mod memory;
mod metrics;
mod notices;
pub mod organizer;
mod outcome;
pub mod parallel;
mod queue;
mod run;
mod scheduler;
pub mod settle;
mod start;
mod store;
mod timer;
mod view;
mod watch;
mod workspace;

pub use engine::{Engine, Job, content_hash};
pub use health::{Health, Role};
pub use http::probe;
pub use metrics::Metrics;
pub use notices::Snapshot;
pub use outcome::{
    ChannelOutcome, ChannelReport, Decided, Interruption, MAY_HAVE_POSTED, Refusal, Refused,
    SendResult,
};
pub use run::{DaemonError, RunOptions, run};
pub use scheduler::{Control, Scheduler};
pub use store::Store;
pub use view::{PlanRow, PlanState, plan_view};
pub use watch::terminate;
pub use workspace::{Loaded, Workspace};
