//! Shared test helpers: fake platform servers and a log capture.

pub mod disk;
pub mod fake;
pub mod logs;
pub mod pg;
pub mod sqlite;
