//! The long-running scheduler: sleep until due, claim, render, post, record; reload; signals.

mod workspace;

pub use workspace::{Loaded, Workspace};
