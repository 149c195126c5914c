//! The command line: clap subcommands; the only module that prints. Errors are printed once
//! and mapped to exit codes in [`exit_code`].

mod check;
mod export;
mod history;
mod hold;
mod import;
mod list;
mod ping;
mod plan;
mod preview;
mod resolve;
mod send;
mod suggest;
mod when;

use crate::config::Secrets;
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
    /// Check the config, every event and every template: render every message, report every
    /// problem and warn about silent traps (exit 2 on a problem).
    Check {
        /// Fail on warnings too (for an events repository's CI).
        #[arg(long)]
        strict: bool,
        /// Print the problems as JSON on stdout (file, line, col, severity, message, hint).
        #[arg(long)]
        json: bool,
        /// Render every event again, neither reading nor writing the cache of unchanged
        /// files' findings (`HERALD_CACHE_DIR`, else `~/.cache/herald`).
        #[arg(long)]
        no_cache: bool,
    },
    /// List the events.
    List {
        /// Print the events as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show exactly what a group would receive, part by part with byte counts.
    Preview {
        /// Event id (see `herald list`).
        #[arg(value_name = "EVENT")]
        event: String,
        /// The kind of message.
        #[arg(long, value_parser = kind_parser(), required_unless_present = "html")]
        kind: Option<MessageKind>,
        /// The platform (or give --channel).
        #[arg(long, value_parser = platform_parser(), required_unless_present_any = ["channel", "html"])]
        platform: Option<Platform>,
        /// Message format [default: the platform's usual one]; the platform must accept it.
        #[arg(long, value_parser = format_names())]
        format: Option<String>,
        /// Preview for this configured channel: its platform, format and mentions.
        #[arg(long, value_name = "NAME", conflicts_with_all = ["platform", "format"])]
        channel: Option<String>,
        /// Render as if sent at this time: RFC 3339, or a local time or date in the herald
        /// zone (`2026-11-25 10:00`, `2026-11-25`); drives the today/tomorrow phrases.
        #[arg(long, value_name = "TIME", value_parser = when::parse)]
        now: Option<when::TimeArg>,
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
        /// Start of the window: RFC 3339, or a local time or date in the herald zone
        /// (`2026-11-25`) [default: the demo start if configured, else now].
        #[arg(long, value_name = "TIME", value_parser = when::parse)]
        from: Option<when::TimeArg>,
        /// Only this event.
        #[arg(long)]
        event: Option<String>,
        /// Only this channel.
        #[arg(long)]
        channel: Option<String>,
        /// Only deliveries in this state.
        #[arg(long, value_parser = ["to_come", "late", "held", "pending", "claimed", "posting", "sent", "failed", "ambiguous", "missed", "skipped"])]
        state: Option<String>,
        /// Print the rows as JSON (one per event, rule and channel).
        #[arg(long)]
        json: bool,
    },
    /// Run the daemon: post every planned message once, at its time.
    Run,
    /// Send a message now, through the same ledger (refuses a duplicate unless --force).
    Send {
        /// Event id (see `herald list`).
        #[arg(value_name = "EVENT")]
        event: String,
        /// The kind of message.
        #[arg(long, value_parser = kind_parser())]
        kind: MessageKind,
        /// Channel name (repeatable) [default: the channels the rules of that kind pick].
        #[arg(long = "channel", value_name = "NAME")]
        channels: Vec<String>,
        /// Channel tag (repeatable).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Show what would be sent where; post nothing.
        #[arg(long)]
        dry_run: bool,
        /// Send even if the ledger says it was sent.
        #[arg(long)]
        force: bool,
        /// Post again what failed earlier (rows `failed` in `herald history`); rows that may
        /// have been posted are settled with `herald resolve` instead.
        #[arg(long, conflicts_with = "force")]
        retry: bool,
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
    /// Hold an event's messages (all, one rule's, or one channel's) until `herald release`; a
    /// hold still in place at a delivery's deadline ends as skipped.
    Hold {
        /// The event id (see `herald list`).
        event: String,
        /// Only this rule's messages (see `herald plan`) [default: every rule].
        #[arg(long)]
        rule: Option<String>,
        /// Only this channel [default: every channel].
        #[arg(long)]
        channel: Option<String>,
    },
    /// Release holds put with `herald hold` (the same --rule/--channel, or all of the event's).
    Release {
        /// The event id.
        event: String,
        /// Only the hold on this rule [default: every hold of the event].
        #[arg(long)]
        rule: Option<String>,
        /// Only the hold on this channel.
        #[arg(long)]
        channel: Option<String>,
    },
    /// Never send one rule's message for an event (to every channel, or one): recorded as
    /// skipped in the ledger.
    Skip {
        /// The event id.
        event: String,
        /// The rule whose message is skipped (see `herald plan`).
        #[arg(long)]
        rule: String,
        /// Only this channel [default: every channel the rule sends to].
        #[arg(long)]
        channel: Option<String>,
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
    Ping {
        /// The channel's name in the config.
        #[arg(value_name = "CHANNEL")]
        channel: String,
    },
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
        /// Event id (see `herald list`).
        #[arg(value_name = "EVENT")]
        event: String,
        /// Which page: the recap after the event, or the announcement before it.
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
    /// Print shell completions: subcommands, options, kinds, platforms, formats, and the
    /// event ids and channel names of the config at the time they are generated.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PageArg {
    Recap,
    Announce,
}

/// `--kind`: one of the kinds, listed in help and completions.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = MessageKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(MessageKind::ALL.map(MessageKind::as_str))
        .try_map(|s| s.parse::<MessageKind>())
}

/// `--platform`: one of the platforms, listed in help and completions.
fn platform_parser() -> impl clap::builder::TypedValueParser<Value = Platform> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Platform::ALL.map(Platform::as_str))
        .try_map(|s| s.parse::<Platform>())
}

/// `--format`: every format some platform accepts (`preview` says if this one does not).
fn format_names() -> clap::builder::PossibleValuesParser {
    let mut names: Vec<&'static str> = Vec::new();
    for platform in Platform::ALL {
        for f in platform.formats() {
            if !names.contains(&f.as_str()) {
                names.push(f.as_str());
            }
        }
    }
    clap::builder::PossibleValuesParser::new(names)
}

/// The herald zone (`[herald].timezone`) for reading a local `--now`/`--from`.
fn herald_zone(path: &Path) -> crate::model::Zone {
    crate::config::load_with(path, Secrets::Optional)
        .map_or(crate::config::DEFAULT_ZONE, |c| c.zone)
}

fn resolve_time(path: &Path, t: Option<when::TimeArg>) -> anyhow::Result<Option<DateTime<Utc>>> {
    t.map(|t| t.resolve(herald_zone(path)).map_err(Exit::bad_input))
        .transpose()
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
    if !matches!(cli.command, Command::Run) {
        quiet_on_broken_pipe();
    }
    init_logging(cli.log_format);
    match run(cli) {
        Ok(()) => exit::OK,
        Err(err) => {
            eprintln!("error: {}", chain(&err));
            exit_code(&err)
        }
    }
}

/// `herald plan --json | head -2`: when the reader goes away, end quietly (as `cat` does)
/// instead of panicking in `println!`. Not for the daemon, whose sockets handle EPIPE.
fn quiet_on_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The error and its causes, `: `-joined, leaving out a cause its error already says
/// (`cannot listen on …: Address already in use` once, not twice).
fn chain(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

fn config_path(cli: &Cli) -> PathBuf {
    cli.config
        .clone()
        .unwrap_or_else(crate::config::default_path)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let path = config_path(&cli);
    match cli.command {
        Command::Check {
            strict,
            json,
            no_cache,
        } => check::run(
            &path,
            check::Args {
                strict,
                json,
                no_cache,
            },
        ),
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
                now: resolve_time(&path, now)?,
                json,
            },
        ),
        Command::Plan {
            days,
            from,
            event,
            channel,
            state,
            json,
        } => plan::run(
            &path,
            plan::Args {
                days,
                from: resolve_time(&path, from)?,
                event,
                channel,
                state,
                json,
            },
        ),
        Command::Run => run_daemon(&path),
        Command::Send {
            event,
            kind,
            channels,
            tags,
            dry_run,
            force,
            retry,
        } => send::run(
            &path,
            send::Args {
                event,
                kind,
                channels,
                tags,
                dry_run,
                force,
                retry,
            },
        ),
        Command::History {
            event,
            unresolved,
            json,
        } => history::run(&path, event.as_deref(), unresolved, json),
        Command::Resolve { row, sent, .. } => resolve::run(&path, row, sent),
        Command::Hold {
            event,
            rule,
            channel,
        } => hold::hold(
            &path,
            hold::Target {
                event,
                rule,
                channel,
            },
        ),
        Command::Release {
            event,
            rule,
            channel,
        } => hold::release(
            &path,
            hold::Target {
                event,
                rule,
                channel,
            },
        ),
        Command::Skip {
            event,
            rule,
            channel,
        } => hold::skip(
            &path,
            hold::Target {
                event,
                rule: Some(rule),
                channel,
            },
        ),
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
            let mut command = with_config_names(Cli::command(), &path);
            clap_complete::generate(shell, &mut command, "herald", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// The command with the config's event ids and channel names as the values completions
/// offer (what is configured when they are generated; regenerate after adding events).
fn with_config_names(command: clap::Command, path: &Path) -> clap::Command {
    let loaded = crate::daemon::Workspace::load_with(path, Secrets::Optional);
    let Some(ws) = loaded.workspace else {
        return command;
    };
    let events: Vec<String> = ws.events.iter().map(|e| e.id.clone()).collect();
    let channels: Vec<String> = ws.config.channels.iter().map(|c| c.name.clone()).collect();
    let hint = |names: &[String]| {
        let values: Vec<clap::builder::PossibleValue> = names
            .iter()
            // Leaked: this process only prints the script and exits.
            .map(|n| clap::builder::PossibleValue::new(&*n.clone().leak()))
            .collect();
        move |arg: clap::Arg| arg.value_parser(clap::builder::PossibleValuesParser::new(values))
    };
    let mut command = command;
    for sub in ["preview", "send", "export", "history"] {
        command = command.mut_subcommand(sub, |c| c.mut_arg("event", hint(&events)));
    }
    for (sub, arg) in [
        ("preview", "channel"),
        ("send", "channels"),
        ("ping", "channel"),
    ] {
        command = command.mut_subcommand(sub, |c| c.mut_arg(arg, hint(&channels)));
    }
    command
}

fn healthcheck(path: &Path) -> anyhow::Result<()> {
    let config = crate::config::load_with(path, Secrets::Optional)
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

/// Load the workspace for a command that only looks (`list`, `preview`, `plan`, …): a secret
/// that cannot be read here is a warning; any other problem is printed and exits 2.
fn load(path: &Path) -> anyhow::Result<crate::daemon::Workspace> {
    load_with(path, Secrets::Optional)
}

/// Load the workspace for a command that posts: every secret must be readable.
fn load_for_posting(path: &Path) -> anyhow::Result<crate::daemon::Workspace> {
    load_with(path, Secrets::Required)
}

fn load_with(path: &Path, secrets: Secrets) -> anyhow::Result<crate::daemon::Workspace> {
    let loaded = crate::daemon::Workspace::load_with(path, secrets);
    for p in &loaded.problems {
        eprintln!("{p}");
    }
    match loaded.workspace {
        Some(ws) if loaded.problems.is_empty() => {
            warn_missing_secrets(&ws.config);
            Ok(ws)
        }
        _ => Err(Exit::bad_input(format!(
            "{} problem(s); run `herald check`",
            loaded.problems.len()
        ))),
    }
}

/// One `warning:` line per secret this machine cannot read (never its value).
fn warn_missing_secrets(config: &crate::config::Config) {
    for m in &config.missing_secrets {
        eprintln!("{}", m.problem);
    }
}

/// Refuse to post to a channel whose secrets this machine cannot read, naming each one.
fn require_secrets(
    config: &crate::config::Config,
    picks: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    let missing: Vec<&crate::config::MissingSecret> = config
        .missing_secrets
        .iter()
        .filter(|m| m.channel.as_deref().is_some_and(&picks))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    for m in &missing {
        let p = &m.problem;
        eprintln!("{}: {}", p.location, p.message);
    }
    Err(Exit::bad_input(format!(
        "{} secret(s) this channel needs to post are not readable here",
        missing.len()
    )))
}

/// The event with this id, or a bad-input error with the closest id (did you mean …?).
fn find_event<'a>(
    ws: &'a crate::daemon::Workspace,
    id: &str,
) -> anyhow::Result<&'a crate::model::Event> {
    ws.event(id).ok_or_else(|| {
        let known = ws.events.iter().map(|e| e.id.as_str());
        Exit::bad_input(format!(
            "{}; see `herald list`",
            suggest::unknown("event", id, known)
        ))
    })
}

/// The channel with this name, or a bad-input error with the closest name.
fn find_channel<'a>(
    config: &'a crate::config::Config,
    name: &str,
) -> anyhow::Result<&'a crate::model::ChannelSpec> {
    config.channel(name).ok_or_else(|| {
        let known = config.channels.iter().map(|c| c.name.as_str());
        Exit::bad_input(suggest::unknown("channel", name, known))
    })
}
