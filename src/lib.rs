//! herald: announces community meetups in DingTalk, WeCom and Feishu groups.
//!
//! Code map (dependencies point down; siblings never import each other):
//!
//! - [`cli`]: clap subcommands; the only place that prints.
//! - [`daemon`]: the scheduler loop, reload, signals, health/metrics; the only place that spawns.
//! - [`config`], [`source`], [`render`], [`plan`], [`channels`], [`ledger`]: siblings.
//!   `channels` is the only module that speaks HTTP, `ledger` the only one that speaks SQL.
//! - [`model`]: pure domain types at the bottom; [`input`] beside it reads the organizers'
//!   files (regular files inside their folder, bounded in size, never blocking).

pub mod channels;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod input;
pub mod ledger;
pub mod model;
pub mod plan;
pub mod render;
pub mod source;
