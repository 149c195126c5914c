//! Reads `herald.toml`: raw serde structs validated into a [`Config`] that cannot be wrong.
//! Every problem is collected with its location; secrets come only from env or files.

mod channels;
mod duration;
mod examples;
mod raw;
mod rules;
mod secret;

pub use duration::parse_duration;
pub use rules::{default_rules, parse_deadline, parse_slot};
pub use secret::{Env, Secrets};

use crate::model::Zone;
use crate::model::{ChannelSpec, Location, Origin, PgUrl, Problem, QuietHours, Rule};
use chrono::{DateTime, Utc};
use raw::RawConfig;
use secrecy::ExposeSecret;
use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// The zone of events and rules when `[herald].timezone` does not name one.
pub const DEFAULT_ZONE: Zone = crate::model::Zone::SHANGHAI;

/// The validated configuration. Relative paths are resolved against the config file's folder.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub zone: Zone,
    pub events_dir: PathBuf,
    pub templates_dir: PathBuf,
    /// The SQLite ledger file; with a Postgres ledger, the folder of `admin.token`.
    pub ledger_path: PathBuf,
    /// `ledger = "postgres://…"`: the shared Postgres ledger (replicas elect a leader).
    pub ledger_url: Option<crate::model::PgUrl>,
    /// The Postgres URL's secret part could not be read here (a command that only looks).
    pub ledger_unreadable: bool,
    pub listen: Option<SocketAddr>,
    /// Bearer token for the daemon's state-changing endpoints (`POST /send`); without one
    /// the daemon writes a fresh token beside the ledger at each start.
    pub admin_token: Option<secrecy::SecretString>,
    /// How long an announced event's record must be left alone before its change or cancel
    /// notice goes out (edits inside coalesce; an undone edit posts nothing).
    pub settle: chrono::TimeDelta,
    /// The community's name: the source label of cards.
    pub community: Option<String>,
    /// The community site's base URL: relative event covers (`/cover.jpg`) are read against it.
    pub site: Option<String>,
    pub send: SendSettings,
    pub demo: Option<Demo>,
    pub channels: Vec<ChannelSpec>,
    pub rules: Vec<Rule>,
    /// Secrets that could not be read (a variable not set, a file missing), when loaded with
    /// [`Secrets::Optional`] for a command that only looks; always empty with
    /// [`Secrets::Required`]. Their channels have no webhook and must not post.
    pub missing_secrets: Vec<MissingSecret>,
}

/// A secret-bearing setting whose value could not be read; the problem never shows a value.
#[derive(Debug, Clone)]
pub struct MissingSecret {
    /// The channel it belongs to (`None`: `[herald].admin_token`).
    pub channel: Option<String>,
    pub problem: Problem,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SendSettings {
    /// Posts in flight at once across all robots: the bound on sockets in use.
    pub concurrency: usize,
    /// Idle keep-alive connections kept per platform host after a post, for reuse. With 0
    /// (the default) every post closes its connection, so open sockets stay ≤ concurrency.
    pub idle_connections: usize,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// On SIGTERM, how long in-flight posts may take to finish.
    pub shutdown_grace: Duration,
}

impl Default for SendSettings {
    fn default() -> Self {
        SendSettings {
            concurrency: 1024,
            idle_connections: 0,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Quiet hours when `[herald] quiet_hours` is not given (in the herald zone).
pub const DEFAULT_QUIET_HOURS: &str = "22:00-08:00";

/// The most requests in flight at once that herald allows (`send.concurrency`).
pub const MAX_CONCURRENCY: usize = 65_536;

/// The demo clock: starts at `start` and runs `speed` times faster than real time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Demo {
    pub start: DateTime<Utc>,
    pub speed: f64,
}

impl Config {
    pub fn channel(&self, name: &str) -> Option<&ChannelSpec> {
        self.channels.iter().find(|c| c.name == name)
    }

    /// Where a process on this machine reaches the daemon's `listen` address: a wildcard
    /// (`0.0.0.0`, `[::]`, as in a container) is reached on loopback.
    pub fn local_listen(&self) -> Option<SocketAddr> {
        self.listen.map(|mut addr| {
            if addr.ip().is_unspecified() {
                addr.set_ip(match addr {
                    SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                    SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
                });
            }
            addr
        })
    }

    /// The SQLite file in use: `ledger`, or in demo mode `demo.db` beside it (so a demo never
    /// mixes with real history). With a Postgres ledger, its folder holds `admin.token`.
    pub fn active_ledger(&self) -> PathBuf {
        match self.demo {
            Some(_) => self.ledger_path.with_file_name("demo.db"),
            None => self.ledger_path.clone(),
        }
    }

    /// The ledger the daemon, `herald send`, `plan` and `history` all use: Postgres when
    /// `ledger` is a `postgres://` URL (never in demo mode), else [`Config::active_ledger`].
    /// Errs when the Postgres URL's secret could not be read on this machine.
    pub fn ledger_target(&self) -> Result<crate::model::LedgerTarget, LedgerUnreadable> {
        match (&self.ledger_url, self.demo) {
            (_, Some(_)) => Ok(crate::model::LedgerTarget::Sqlite(self.active_ledger())),
            (Some(url), None) => Ok(crate::model::LedgerTarget::Postgres(url.clone())),
            (None, None) if self.ledger_unreadable => Err(LedgerUnreadable),
            (None, None) => Ok(crate::model::LedgerTarget::Sqlite(self.active_ledger())),
        }
    }
}

/// `ledger` names a Postgres URL whose secret part is not readable on this machine.
#[derive(Debug, thiserror::Error)]
#[error(
    "the ledger's Postgres URL is not readable here (see `herald check`); this command needs the ledger"
)]
pub struct LedgerUnreadable;

/// Why `listen` is not an address, with the form that works.
fn listen_help(s: &str) -> String {
    let port = s.rsplit_once(':').map_or("9464", |(_, p)| p);
    let port = if port.parse::<u16>().is_ok() {
        port
    } else {
        "9464"
    };
    format!(
        "`{s}` is not an IP address and port (a host name such as `localhost` is not read); \
         write `127.0.0.1:{port}` (or `0.0.0.0:{port}` in a container, `[::1]:{port}` for IPv6)"
    )
}

/// Where the config is: `--config`, else `HERALD_CONFIG`, else `config/herald.toml`.
pub fn default_path() -> PathBuf {
    std::env::var_os("HERALD_CONFIG")
        .map_or_else(|| PathBuf::from("config/herald.toml"), PathBuf::from)
}

/// Read and validate the config file, with secrets from the process environment.
pub fn load(path: &Path) -> Result<Config, Vec<Problem>> {
    load_with(path, Secrets::Required)
}

/// [`load`], deciding whether a secret that cannot be read is a problem (`run`, `send`,
/// `ping`) or only noted in [`Config::missing_secrets`] (`check`, `list`, `preview`, …).
pub fn load_with(path: &Path, secrets: Secrets) -> Result<Config, Vec<Problem>> {
    let text = crate::input::read_text(path, None).map_err(|e| {
        vec![Problem::new(
            Location::file(path),
            format!("config file {e}"),
        )]
    })?;
    parse_with(path, &text, &|k| std::env::var(k).ok(), secrets)
}

/// Validate config text; `env` supplies environment variables.
pub fn parse(path: &Path, text: &str, env: Env<'_>) -> Result<Config, Vec<Problem>> {
    parse_with(path, text, env, Secrets::Required)
}

/// [`parse`] with a choice about secrets that cannot be read.
pub fn parse_with(
    path: &Path,
    text: &str,
    env: Env<'_>,
    secrets: Secrets,
) -> Result<Config, Vec<Problem>> {
    let (raw, set_aside) = crate::source::read_all::<RawConfig>(path, text);
    let set_aside: Vec<Problem> = set_aside
        .into_iter()
        .map(|p| examples::explain_type(p, text))
        .collect();
    let raw = raw.ok_or_else(|| set_aside.clone())?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut checker = Checker {
        path,
        text,
        base,
        env,
        secrets,
        problems: Vec::new(),
        missing: Vec::new(),
    };
    let config = checker.config(raw);
    // Keys that could not be read were set aside; the rest was still checked.
    checker.problems.splice(0..0, set_aside);
    match config {
        Some(mut c) if checker.problems.is_empty() => {
            c.missing_secrets = checker.missing;
            Ok(c)
        }
        _ => Err(checker.problems),
    }
}

pub(crate) struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    base: &'a Path,
    env: Env<'a>,
    secrets: Secrets,
    problems: Vec<Problem>,
    missing: Vec<MissingSecret>,
}

impl Checker<'_> {
    fn at(&mut self, offset: usize, message: impl Into<String>, hint: Option<&str>) {
        let mut p = Problem::new(Location::at_offset(self.path, self.text, offset), message);
        p.hint = hint.map(str::to_string);
        self.problems.push(p);
    }

    /// Parse a spanned string with `f`, reporting `field: why` at its location on failure,
    /// with an example of the right form when the field's form is not obvious.
    fn parsed<T>(
        &mut self,
        raw: &Spanned<String>,
        field: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match f(raw.get_ref()) {
            Ok(v) => Some(v),
            Err(why) => {
                let hint = examples::example(field);
                self.at(raw.span().start, format!("field `{field}`: {why}"), hint);
                None
            }
        }
    }

    /// A non-negative duration of at most `max` (timeouts and grace periods: a longer one is
    /// a typo, and a bound keeps every deadline computed from it in range).
    fn std_duration(
        &mut self,
        raw: Option<&Spanned<String>>,
        field: &str,
        default: Duration,
        max: Duration,
    ) -> Duration {
        let Some(raw) = raw else { return default };
        self.parsed(raw, field, |s| {
            let d = parse_duration(s)?
                .to_std()
                .map_err(|_| format!("`{s}` must not be negative"))?;
            if d > max {
                return Err(format!(
                    "`{s}` is out of range (at most {}s)",
                    max.as_secs()
                ));
            }
            Ok(d)
        })
        .unwrap_or(default)
    }

    fn config(&mut self, raw: RawConfig) -> Option<Config> {
        let zone = match &raw.herald.timezone {
            Some(z) => self.parsed(z, "herald.timezone", |s| {
                s.parse::<Zone>().map_err(|_| format!("unknown zone `{s}`"))
            }),
            None => Some(DEFAULT_ZONE),
        };
        let env = self.env;
        let listen = raw.herald.listen.as_ref().and_then(|l| {
            self.parsed(l, "herald.listen", |s| {
                let s = secret::interpolate(s, env)?;
                s.parse::<SocketAddr>().map_err(|_| listen_help(&s))
            })
        });
        let site = raw.herald.site.as_ref().and_then(|l| {
            self.parsed(l, "herald.site", |s| {
                let url = url::Url::parse(s).map_err(|e| format!("`{s}`: {e}"))?;
                match url.scheme() {
                    "http" | "https" if url.host().is_some() => {
                        Ok(s.trim_end_matches('/').to_string())
                    }
                    other => Err(format!("`{s}`: scheme `{other}` is not http(s)")),
                }
            })
        });
        let defaults = SendSettings::default();
        let send = SendSettings {
            concurrency: raw
                .send
                .concurrency
                .unwrap_or(defaults.concurrency)
                .clamp(1, MAX_CONCURRENCY),
            idle_connections: raw
                .send
                .idle_connections
                .unwrap_or(defaults.idle_connections),
            connect_timeout: self.std_duration(
                raw.send.connect_timeout.as_ref(),
                "send.connect_timeout",
                defaults.connect_timeout,
                Duration::from_secs(600),
            ),
            request_timeout: self.std_duration(
                raw.send.request_timeout.as_ref(),
                "send.request_timeout",
                defaults.request_timeout,
                Duration::from_secs(600),
            ),
            shutdown_grace: self.std_duration(
                raw.send.shutdown_grace.as_ref(),
                "send.shutdown_grace",
                defaults.shutdown_grace,
                Duration::from_secs(3600),
            ),
        };
        let admin_token = match &raw.herald.admin_token {
            Some(t) => self.secret(t, "herald.admin_token", None).flatten(),
            None => None,
        };
        let settle = self.std_duration(
            raw.herald.settle.as_ref(),
            "herald.settle",
            Duration::from_secs(600),
            Duration::from_secs(86_400),
        );
        let settle = chrono::TimeDelta::from_std(settle).unwrap_or(chrono::TimeDelta::minutes(10));
        let demo = raw.demo.as_ref().and_then(|d| self.demo(d));
        let quiet = self.quiet_hours(
            raw.herald.quiet_hours.as_ref(),
            "herald.quiet_hours",
            zone.unwrap_or(DEFAULT_ZONE),
            Some(DEFAULT_QUIET_HOURS),
        );
        let channels = self.channels(&raw, zone.unwrap_or(DEFAULT_ZONE), quiet);
        // A bad zone is reported; the rules are still read (in the default one) so their own
        // problems show too.
        let rules = if raw.rules.is_empty() {
            default_rules(zone.unwrap_or(DEFAULT_ZONE))
        } else {
            self.rules(&raw, zone.unwrap_or(DEFAULT_ZONE))
        };
        let (ledger_path, ledger_url, ledger_unreadable) = self.ledger(raw.herald.ledger.as_ref());
        let zone = zone?;
        let rel =
            |p: &Option<String>, default: &str| self.base.join(p.as_deref().unwrap_or(default));
        Some(Config {
            path: self.path.to_path_buf(),
            zone,
            events_dir: rel(&raw.herald.events, "events"),
            templates_dir: rel(&raw.herald.templates, "templates"),
            ledger_path,
            ledger_url,
            ledger_unreadable,
            listen,
            admin_token,
            settle,
            community: raw
                .herald
                .community
                .clone()
                .filter(|c| !c.trim().is_empty()),
            site,
            send,
            demo,
            channels,
            rules,
            missing_secrets: Vec::new(),
        })
    }

    fn demo(&mut self, raw: &raw::RawDemo) -> Option<Demo> {
        let start = self.parsed(&raw.start, "demo.start", |s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.to_utc())
                .map_err(|e| format!("`{s}` is not an RFC 3339 time: {e}"))
        })?;
        if !(raw.speed.is_finite() && (0.001..=1_000_000.0).contains(&raw.speed)) {
            self.at(
                raw.start.span().start,
                "field `demo.speed`: must be a number from 0.001 to 1000000",
                None,
            );
            return None;
        }
        Some(Demo {
            start,
            speed: raw.speed,
        })
    }

    /// `ledger`: a file path (default `../data/herald.db`) or a `postgres://` URL whose secret
    /// parts come from `${ENV}` (or the whole URL from `file:`). Returns the file path (for a
    /// Postgres ledger: the default one, the folder of `admin.token`) and the URL.
    fn ledger(
        &mut self,
        raw: Option<&Spanned<String>>,
    ) -> (PathBuf, Option<crate::model::PgUrl>, bool) {
        let default = self.base.join("../data/herald.db");
        let Some(raw) = raw else {
            return (default, None, false);
        };
        let text = raw.get_ref();
        let is_url = PgUrl::is_pg(text) || text.starts_with("file:") || text.starts_with("${");
        if !is_url {
            return (self.base.join(text), None, false);
        }
        if PgUrl::is_pg(text) && !secret::is_indirect(text) && inline_password(text) {
            self.at(
                raw.span().start,
                "field `herald.ledger`: the Postgres password must come from the environment or a file".to_string(),
                Some("write `postgres://herald:${HERALD_PG_PASSWORD}@db/herald` or `file:/run/secrets/ledger_url`; the value is not shown"),
            );
            return (default, None, false);
        }
        if !secret::is_indirect(text) {
            return (default, Some(PgUrl::new(text.to_string().into())), false);
        }
        match self.secret(raw, "herald.ledger", None) {
            Some(Some(url)) if PgUrl::is_pg(url.expose_secret()) => {
                (default, Some(PgUrl::new(url)), false)
            }
            Some(None) => (default, None, true),
            Some(Some(_)) => {
                self.at(
                    raw.span().start,
                    "field `herald.ledger`: a ledger from `${…}` or `file:` must be a `postgres://` URL".to_string(),
                    Some("a file ledger is a plain path: `ledger = \"../data/herald.db\"`"),
                );
                (default, None, false)
            }
            None => (default, None, false),
        }
    }

    /// `quiet_hours`: a span like `22:00-08:00` in `zone`, or `off`; absent = `default`.
    pub(super) fn quiet_hours(
        &mut self,
        raw: Option<&Spanned<String>>,
        field: &str,
        zone: Zone,
        default: Option<&str>,
    ) -> Option<QuietHours> {
        match raw {
            Some(v) if v.get_ref().trim() == "off" => None,
            Some(v) => self.parsed(v, field, |s| QuietHours::parse(s, zone)),
            None => default.and_then(|d| QuietHours::parse(d, zone).ok()),
        }
    }

    fn channels(
        &mut self,
        raw: &RawConfig,
        zone: Zone,
        quiet: Option<QuietHours>,
    ) -> Vec<ChannelSpec> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for ch in &raw.channels {
            if !seen.insert(ch.name.get_ref().clone()) {
                self.at(
                    ch.name.span().start,
                    format!(
                        "field `channels.name`: `{}` is used twice",
                        ch.name.get_ref()
                    ),
                    Some("channel names must be unique"),
                );
            }
            out.extend(self.channel(ch, zone, quiet));
        }
        out
    }

    fn rules(&mut self, raw: &RawConfig, zone: Zone) -> Vec<Rule> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for r in &raw.rules {
            let name = r.name.get_ref();
            if !seen.insert(name.clone()) {
                self.at(
                    r.name.span().start,
                    format!("field `rules.name`: `{name}` is used twice"),
                    Some("rule names are ledger keys and must be unique"),
                );
            } else if !Origin::rule_name_is_free(name) {
                self.at(
                    r.name.span().start,
                    format!("field `rules.name`: `{name}` is kept for herald's own deliveries"),
                    Some("rule names are ledger keys; `cancel`, `resume` and names with `:` (`manual:…`, `change:…`) belong to notices and manual sends"),
                );
            }
            out.extend(self.rule(r, zone));
        }
        out
    }
}

#[cfg(test)]
mod tests;

/// Does a `postgres://user:password@…` URL carry its password inline?
fn inline_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let base = rest.split(['/', '?']).next().unwrap_or(rest);
    base.rsplit_once('@')
        .is_some_and(|(auth, _)| auth.split_once(':').is_some_and(|(_, pw)| !pw.is_empty()))
}
