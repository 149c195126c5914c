//! The long-running scheduler: sleep until due, claim, render, post, record; reload; signals;
//! health and metrics. The only module that spawns tasks.

mod engine;
mod http;
pub mod manual;
mod memory;
mod metrics;
mod notices;
mod queue;
mod run;
mod scheduler;
mod watch;
mod workspace;

pub use engine::{ChannelReport, Engine, Job, content_hash};
pub use http::probe;
pub use metrics::Metrics;
pub use notices::Snapshot;
pub use run::{DaemonError, RunOptions, run};
pub use scheduler::{Control, Scheduler};
pub use watch::terminate;
pub use workspace::{Loaded, Workspace};
