//! The command line: clap subcommands; the only module that prints. Errors are printed once
//! and mapped to exit codes in [`exit_code`].

mod check;
mod export;
mod history;
mod import;
mod list;
mod ping;
mod plan;
mod preview;
mod resolve;
mod send;

use crate::model::{MessageKind, Platform};
use chrono::{DateTime, Utc};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

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
    /// Show exactly what a group would receive, part by part with byte counts.
    Preview {
        /// Event id (see `herald list`).
        event: String,
        #[arg(long, value_parser = parse_kind, required_unless_present = "html")]
        kind: Option<MessageKind>,
        /// The platform (or give --channel).
        #[arg(long, value_parser = parse_platform, required_unless_present_any = ["channel", "html"])]
        platform: Option<Platform>,
        /// Message format (default: the platform's usual one).
        #[arg(long)]
        format: Option<String>,
        /// Preview for this configured channel: its platform, format and mentions.
        #[arg(long, conflicts_with_all = ["platform", "format"])]
        channel: Option<String>,
        /// Render as if sent at this instant (RFC 3339); drives 今天/明天 phrases.
        #[arg(long, value_parser = parse_time)]
        now: Option<DateTime<Utc>>,
        /// Print the exact webhook request bodies.
        #[arg(long)]
        json: bool,
        /// Write the console's event page (every kind, platform and format, drawn as the
        /// phone shows it) to FILE, for review in a pull request.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["kind", "platform", "format", "channel", "json", "now"])]
        html: Option<PathBuf>,
    },
    /// List upcoming deliveries (due, deadline, event, kind, channels).
    Plan {
        /// How many days ahead to list (1 to 3660).
        #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(i64).range(1..=3660))]
        days: i64,
        /// Start of the window (RFC 3339) [default: the demo start if configured, else now].
        #[arg(long, value_parser = parse_time)]
        from: Option<DateTime<Utc>>,
        #[arg(long)]
        json: bool,
    },
    /// Run the daemon: post every planned message once, at its time.
    Run,
    /// Send a message now, through the same ledger (refuses a duplicate unless --force).
    Send {
        event: String,
        #[arg(long, value_parser = parse_kind)]
        kind: MessageKind,
        /// Channel name (repeatable).
        #[arg(long = "channel")]
        channels: Vec<String>,
        /// Channel tag (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Show what would be sent where; post nothing.
        #[arg(long)]
        dry_run: bool,
        /// Send even if the ledger says it was sent.
        #[arg(long)]
        force: bool,
    },
    /// What went where, when, with the platform's verdict.
    History {
        /// Only this event's rows.
        event: Option<String>,
        /// Only rows that need a person: may have been posted, or still in progress.
        #[arg(long)]
        unresolved: bool,
        /// Print the rows as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Settle a ledger row that may have been posted (see `herald history --unresolved`),
    /// after looking in the group: --sent records it as posted, --resend posts it once more.
    /// --resend also retries a row that failed.
    Resolve {
        /// The row's id, as `herald history` prints it.
        row: i64,
        /// It is in the group: record it as sent.
        #[arg(long, conflicts_with = "resend", required_unless_present = "resend")]
        sent: bool,
        /// It is not in the group (or it failed): post it once more.
        #[arg(long)]
        resend: bool,
    },
    /// Post a short test message to one channel and print the platform's verdict.
    Ping { channel: String },
    /// Read website activity pages (`PAGE.md` or a folder of `<dir>/index.md`) into event records.
    Import {
        /// A page or a folder of pages (e.g. the site's `content/zh/activities`).
        path: PathBuf,
        /// Where the records go [default: the config's events folder].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Import nothing from a page with anything unreadable or contradictory.
        #[arg(long)]
        strict: bool,
        /// Write nothing: say which records differ from their pages and how (exit 2 if any).
        #[arg(long)]
        check: bool,
    },
    /// Write an event as a page of the website (the recap after it, or the announcement).
    Export {
        event: String,
        #[arg(long, value_enum, default_value_t = PageArg::Recap)]
        page: PageArg,
        /// Write DIR/<event>/index.md instead of printing the page.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The page's author (front matter).
        #[arg(long, default_value = crate::render::DEFAULT_PAGE_AUTHOR)]
        author: String,
    },
    /// Exit 0 if the running daemon's /healthz answers 200 (for container HEALTHCHECKs).
    Healthcheck,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PageArg {
    Recap,
    Announce,
}

fn parse_kind(s: &str) -> Result<MessageKind, String> {
    s.parse()
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    s.parse()
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .map_err(|e| format!("`{s}` is not an RFC 3339 time: {e}"))
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
        Command::Preview {
            event,
            html: Some(file),
            ..
        } => preview::write_html(&path, &event, &file),
        Command::Preview {
            event,
            kind,
            platform,
            format,
            channel,
            now,
            json,
            html: None,
        } => preview::run(
            &path,
            preview::Args {
                event,
                kind: kind.ok_or_else(|| Exit::bad_input("give --kind"))?,
                platform,
                format,
                channel,
                now,
                json,
            },
        ),
        Command::Plan { days, from, json } => plan::run(&path, days, from, json),
        Command::Run => run_daemon(&path),
        Command::Send {
            event,
            kind,
            channels,
            tags,
            dry_run,
            force,
        } => send::run(
            &path,
            send::Args {
                event,
                kind,
                channels,
                tags,
                dry_run,
                force,
            },
        ),
        Command::History {
            event,
            unresolved,
            json,
        } => history::run(&path, event.as_deref(), unresolved, json),
        Command::Resolve { row, sent, .. } => resolve::run(&path, row, sent),
        Command::Ping { channel } => ping::run(&path, &channel),
        Command::Import {
            path: pages,
            out,
            strict,
            check,
        } => import::run(
            &path,
            import::Args {
                path: pages,
                out,
                strict,
                check,
            },
        ),
        Command::Export {
            event,
            page,
            out,
            author,
        } => export::run(
            &path,
            export::Args {
                event,
                kind: match page {
                    PageArg::Recap => crate::render::page::PageKind::Recap,
                    PageArg::Announce => crate::render::page::PageKind::Announce,
                },
                out,
                author,
            },
        ),
        Command::Healthcheck => healthcheck(&path),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "herald", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn healthcheck(path: &Path) -> anyhow::Result<()> {
    let config = crate::config::load(path)
        .map_err(|ps| Exit::bad_input(format!("{} problem(s) in the config", ps.len())))?;
    let addr = config
        .local_listen()
        .ok_or_else(|| Exit::bad_input("no `listen` address in [herald]"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let healthy = runtime.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(3),
            crate::daemon::probe(addr),
        )
        .await
    });
    match healthy {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err(anyhow::anyhow!("{addr}/healthz is not healthy")),
        Ok(Err(e)) => Err(anyhow::anyhow!("{addr}/healthz: {e}")),
        Err(_) => Err(anyhow::anyhow!("{addr}/healthz did not answer within 3 s")),
    }
}

fn run_daemon(path: &Path) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let opts = crate::daemon::RunOptions::new(
        path.to_path_buf(),
        crate::channels::ConsoleSink::new(Box::new(std::io::stdout())),
    );
    let shutdown = {
        let _in_runtime = runtime.enter();
        crate::daemon::terminate()
    };
    runtime
        .block_on(crate::daemon::run(opts, shutdown))
        .map_err(|e| match e {
            crate::daemon::DaemonError::Invalid(problems) => {
                for p in &problems {
                    eprintln!("{p}");
                }
                Exit::bad_input(format!("{} problem(s); run `herald check`", problems.len()))
            }
            other => other.into(),
        })
}

/// Logs go to stderr: `HERALD_LOG` picks levels (`info`, `herald=debug,warn`); colours only
/// on a terminal (never in journald or a file) and never with `NO_COLOR` set.
fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let default = || Targets::new().with_default(tracing::Level::INFO);
    let filter: Targets = match std::env::var("HERALD_LOG") {
        Err(_) => default(),
        Ok(spec) => spec.parse().unwrap_or_else(|e| {
            eprintln!("warning: HERALD_LOG={spec:?} is not a log filter ({e}); using `info`");
            default()
        }),
    };
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Text => {
            let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            registry
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(colour)
                        .with_writer(std::io::stderr),
                )
                .try_init()
        }
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
}

/// Load the workspace or fail with every problem printed and exit code 2.
fn load(path: &Path) -> anyhow::Result<crate::daemon::Workspace> {
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
