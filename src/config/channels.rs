//! Validates `[[channels]]` into `model::ChannelSpec`s: platform, format, secrets, budget.

use super::Checker;
use super::MissingSecret;
use super::raw::RawChannel;
use super::secret::{Secrets, Unresolved, is_indirect, resolve_or_unavailable};
use crate::model::{
    ChannelSpec, Format, Location, Mentions, Platform, Problem, QuietHours, ServerErrors,
};
use secrecy::ExposeSecret;
use std::str::FromStr;

impl Checker<'_> {
    pub(super) fn channel(
        &mut self,
        raw: &RawChannel,
        zone: crate::model::Zone,
        quiet: Option<QuietHours>,
    ) -> Option<ChannelSpec> {
        // Every field is read before any problem ends the channel: each is reported.
        let name = raw.name.get_ref().clone();
        let platform = self.parsed(&raw.platform, "channels.platform", |s| {
            Platform::from_str(s)
        });
        let format = match (&raw.format, platform) {
            (Some(f), Some(p)) => self.parsed(f, "channels.format", |s| parse_format(p, s)),
            (None, Some(p)) => Some(p.default_format()),
            (_, None) => None,
        };
        let webhook = match platform {
            Some(p) => self.webhook(raw, p),
            None => {
                // Still say whether it is written the way a secret must be.
                if let Some(w) = &raw.webhook {
                    self.secret(w, "webhook", Some(&name));
                }
                None
            }
        };
        let secret = match &raw.secret {
            Some(s) if platform == Some(Platform::Wecom) => {
                self.at(
                    s.span().start,
                    "field `secret`: WeCom robots have no signing secret",
                    Some("remove it; the key in the webhook URL is the only credential"),
                );
                None
            }
            Some(s) => self.secret(s, "secret", Some(&name)),
            None => Some(None),
        };
        let server_errors = match &raw.server_errors {
            Some(v) => self.parsed(v, "channels.server_errors", ServerErrors::from_str),
            None => Some(ServerErrors::default()),
        };
        if raw.keywords.len() > 10 {
            self.at(
                raw.name.span().start,
                format!(
                    "channel `{name}`: {} keywords; platforms allow at most 10",
                    raw.keywords.len()
                ),
                None,
            );
        }
        let quiet_hours = self.channel_quiet_hours(raw, zone, quiet);
        let (platform, format, webhook, secret) = (platform?, format?, webhook?, secret?);
        let (server_errors, quiet_hours) = (server_errors?, quiet_hours?);
        Some(ChannelSpec {
            name,
            platform,
            format,
            webhook,
            secret,
            keywords: raw.keywords.clone(),
            mentions: Mentions {
                mobiles: raw.mentions.mobiles.clone(),
                user_ids: raw.mentions.user_ids.clone(),
                all: raw.mentions.all,
            },
            tags: raw.tags.clone(),
            per_minute: raw
                .per_minute
                .unwrap_or_else(|| platform.default_per_minute()),
            per_second: raw
                .per_second
                .or((platform == Platform::Feishu).then_some(5)),
            server_errors,
            quiet_hours,
        })
    }

    /// The channel's quiet hours: its own `quiet_hours`, else `[herald]`'s; read in its own
    /// `timezone` when it names one, else in the herald zone. `None`: a problem was reported.
    fn channel_quiet_hours(
        &mut self,
        raw: &RawChannel,
        zone: crate::model::Zone,
        quiet: Option<QuietHours>,
    ) -> Option<Option<QuietHours>> {
        let zone = match &raw.timezone {
            Some(z) => self.parsed(z, "channels.timezone", |s| {
                s.parse::<crate::model::Zone>()
                    .map_err(|_| format!("unknown zone `{s}`"))
            })?,
            None => zone,
        };
        Some(match &raw.quiet_hours {
            Some(q) if q.get_ref().trim() != "off" => {
                Some(self.parsed(q, "channels.quiet_hours", |s| QuietHours::parse(s, zone))?)
            }
            Some(_) => None,
            None => quiet.map(|q| QuietHours { zone, ..q }),
        })
    }

    fn webhook(
        &mut self,
        raw: &RawChannel,
        platform: Platform,
    ) -> Option<Option<secrecy::SecretString>> {
        match (&raw.webhook, platform) {
            (None, Platform::Console) => Some(None),
            (None, _) => {
                self.at(
                    raw.name.span().start,
                    format!(
                        "channel `{}`: field `webhook` is required for {platform}",
                        raw.name.get_ref()
                    ),
                    Some("webhook = \"https://…?access_token=${MY_TOKEN_VAR}\""),
                );
                None
            }
            (Some(w), _) => {
                let Some(url) = self.secret(w, "webhook", Some(raw.name.get_ref()))? else {
                    return Some(None);
                };
                if let Err(why) = check_webhook(url.expose_secret()) {
                    // The message names the problem, never the value (it holds the token).
                    self.at(
                        w.span().start,
                        format!("field `webhook`: the resolved value is not a usable URL: {why}"),
                        Some("the robot's full webhook URL, e.g. https://oapi.dingtalk.com/robot/send?access_token=…"),
                    );
                    return None;
                }
                Some(Some(url))
            }
        }
    }

    /// A secret-bearing setting: must come from `${ENV}` or `file:`, never be written inline.
    /// `Some(None)`: not readable here, noted as missing (only with [`Secrets::Optional`]).
    pub(super) fn secret(
        &mut self,
        raw: &toml::Spanned<String>,
        field: &str,
        channel: Option<&str>,
    ) -> Option<Option<secrecy::SecretString>> {
        if !is_indirect(raw.get_ref()) {
            self.at(
                raw.span().start,
                format!("field `{field}`: secrets must come from the environment or a file"),
                Some("write `${HERALD_…}` or `file:/run/secrets/…`; the value is not shown"),
            );
            return None;
        }
        let message = |why: String| match channel {
            Some(name) => format!("channel `{name}`: field `{field}`: {why}"),
            None => format!("field `{field}`: {why}"),
        };
        match resolve_or_unavailable(raw.get_ref(), self.base, self.env) {
            Ok(v) => Some(Some(v)),
            Err(Unresolved::Unavailable(why)) if self.secrets == Secrets::Optional => {
                let location = Location::at_offset(self.path, self.text, raw.span().start);
                self.missing.push(MissingSecret {
                    channel: channel.map(str::to_string),
                    problem: Problem::warning(location, message(why)).with_hint(
                        if field == "herald.ledger" {
                            "needed by the commands that read or write the ledger: run, send, plan, history, resolve"
                        } else {
                            "needed only to post: run, send and ping of this channel"
                        },
                    ),
                });
                Some(None)
            }
            Err(Unresolved::Unavailable(why) | Unresolved::Malformed(why)) => {
                self.at(raw.span().start, message(why), None);
                None
            }
        }
    }
}

/// A webhook must be an absolute http(s) URL with a host.
fn check_webhook(value: &str) -> Result<(), String> {
    let url = url::Url::parse(value.trim()).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme `{}` is not http or https", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".to_string());
    }
    Ok(())
}

fn parse_format(platform: Platform, s: &str) -> Result<Format, String> {
    platform
        .formats()
        .iter()
        .copied()
        .find(|f| f.as_str() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = platform.formats().iter().map(|f| f.as_str()).collect();
            format!(
                "{platform} has no format `{s}` (expected one of {})",
                names.join(", ")
            )
        })
}
