//! The command line: clap subcommands; the only module that prints. Errors are printed once
//! and mapped to exit codes in [`exit_code`].

mod check;
mod list;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "herald",
    version,
    about = "Announces community meetups in DingTalk, WeCom and Feishu groups."
)]
pub struct Cli {
    /// Config file [default: $HERALD_CONFIG or config/herald.toml]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the config, every event and every template; report every problem.
    Check,
    /// List the events.
    List {
        #[arg(long)]
        json: bool,
    },
}

/// Exit codes, in one place.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// An unexpected runtime error (I/O, database).
    pub const ERROR: i32 = 1;
    /// Bad input: config, event or template problems, unknown names on the command line.
    pub const BAD_INPUT: i32 = 2;
    /// A post was not delivered.
    pub const SEND_FAILED: i32 = 3;
}

/// An error that carries its exit code (bad input, failed send); anything else exits 1.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    pub code: i32,
    pub message: String,
}

impl Exit {
    pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
        Exit {
            code: exit::BAD_INPUT,
            message: message.into(),
        }
        .into()
    }
}

fn exit_code(err: &anyhow::Error) -> i32 {
    err.downcast_ref::<Exit>().map_or(exit::ERROR, |e| e.code)
}

/// Parse arguments, run, print any error once; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli) {
        Ok(()) => exit::OK,
        Err(err) => {
            eprintln!("error: {err:#}");
            exit_code(&err)
        }
    }
}

fn config_path(cli: &Cli) -> PathBuf {
    cli.config
        .clone()
        .unwrap_or_else(crate::config::default_path)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let path = config_path(&cli);
    match cli.command {
        Command::Check => check::run(&path),
        Command::List { json } => list::run(&path, json),
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("HERALD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Load the workspace or fail with every problem printed and exit code 2.
fn load(path: &std::path::Path) -> anyhow::Result<crate::daemon::Workspace> {
    let loaded = crate::daemon::Workspace::load(path);
    for p in &loaded.problems {
        eprintln!("{p}");
    }
    match loaded.workspace {
        Some(ws) if loaded.problems.is_empty() => Ok(ws),
        _ => Err(Exit::bad_input(format!(
            "{} problem(s); run `herald check`",
            loaded.problems.len()
        ))),
    }
}
