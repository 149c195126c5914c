//! One integration test binary; each topic in its own module.

mod util;

mod channels;
mod cli;
mod console;
mod daemon;
mod fuzz;
mod import;
mod ledger;
mod plan;
mod render;
mod tidy;
