//! A configured robot (channel): where to post, how to sign, which keywords it requires,
//! whom to mention, its tags and rate budget. Secrets are `SecretString`: never printed.

use super::{Format, Platform};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

#[derive(Clone)]
pub struct ChannelSpec {
    pub name: String,
    pub platform: Platform,
    pub format: Format,
    /// Full webhook URL including its token/key (a secret). `None` only for console.
    pub webhook: Option<SecretString>,
    /// Signing secret (DingTalk `SEC…`, Feishu), if the robot uses signing.
    pub secret: Option<SecretString>,
    /// Keyword-mode robots: every message must contain one of these.
    pub keywords: Vec<String>,
    pub mentions: Mentions,
    pub tags: Vec<String>,
    /// Messages per minute this robot may receive (shared by everything in the process).
    pub per_minute: u32,
    /// Extra per-second cap (Feishu: 5/s).
    pub per_second: Option<u32>,
    /// What a 5xx reply means for this group.
    pub server_errors: ServerErrors,
    /// When late catch-ups and change notices wait (the channel's own, else `[herald]`'s).
    pub quiet_hours: Option<super::QuietHours>,
}

/// How a 5xx reply (the platform had the body, then failed) is treated: retried, as most
/// are outages in front of the platform, or left ambiguous for a person to check, where a
/// duplicate in the group is worse than a manual look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerErrors {
    #[default]
    Retry,
    Ambiguous,
}

impl std::str::FromStr for ServerErrors {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "retry" => Ok(ServerErrors::Retry),
            "ambiguous" => Ok(ServerErrors::Ambiguous),
            other => Err(format!("`{other}` is not retry or ambiguous")),
        }
    }
}

impl ChannelSpec {
    /// A console channel, for demos and tests.
    pub fn console(name: &str) -> ChannelSpec {
        ChannelSpec {
            name: name.to_string(),
            platform: Platform::Console,
            format: Format::Markdown,
            webhook: None,
            secret: None,
            keywords: Vec::new(),
            mentions: Mentions::default(),
            tags: Vec::new(),
            per_minute: Platform::Console.default_per_minute(),
            per_second: None,
            server_errors: ServerErrors::Retry,
            quiet_hours: None,
        }
    }

    /// Does `selector` (a channel name, `tag:NAME`, or `*`) pick this channel?
    pub fn matches(&self, selector: &str) -> bool {
        match selector.strip_prefix("tag:") {
            Some(tag) => self.tags.iter().any(|t| t == tag),
            None => selector == "*" || selector == self.name,
        }
    }

    /// The webhook URL with its credential replaced by `***`, safe for logs and errors.
    pub fn redacted_webhook(&self) -> String {
        match &self.webhook {
            Some(url) => redact_url(url.expose_secret()),
            None => "console".to_string(),
        }
    }
}

/// Replace every query value and any path segment that looks like a token with `***`.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match base.rsplit_once("/hook/") {
        Some((head, _token)) => format!("{head}/hook/***"),
        None => base.to_string(),
    };
    if let Some(q) = query {
        let redacted: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) => format!("{k}=***"),
                None => kv.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&redacted.join("&"));
    }
    out
}

impl fmt::Debug for ChannelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelSpec")
            .field("name", &self.name)
            .field("platform", &self.platform)
            .field("format", &self.format)
            .field("webhook", &self.redacted_webhook())
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("keywords", &self.keywords)
            .field("mentions", &self.mentions)
            .field("tags", &self.tags)
            .field("per_minute", &self.per_minute)
            .finish()
    }
}

/// Who a message @-mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Phone numbers (DingTalk `atMobiles`, WeCom `mentioned_mobile_list`).
    pub mobiles: Vec<String>,
    /// User ids (DingTalk `atUserIds`, WeCom `mentioned_list`, Feishu open_id/user_id).
    pub user_ids: Vec<String>,
    pub all: bool,
}

impl Mentions {
    pub fn is_empty(&self) -> bool {
        self.mobiles.is_empty() && self.user_ids.is_empty() && !self.all
    }
}
