//! `herald.toml` as written: serde structs with spans, before validation. Every key here is
//! documented in the shipped `config/herald.toml` (a test checks it).

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub herald: RawHerald,
    #[serde(default)]
    pub send: RawSend,
    pub demo: Option<RawDemo>,
    #[serde(default)]
    pub channels: Vec<RawChannel>,
    #[serde(default)]
    pub rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawHerald {
    pub timezone: Option<Spanned<String>>,
    pub events: Option<String>,
    pub templates: Option<String>,
    pub ledger: Option<Spanned<String>>,
    pub listen: Option<Spanned<String>>,
    pub admin_token: Option<Spanned<String>>,
    pub quiet_hours: Option<Spanned<String>>,
    pub settle: Option<Spanned<String>>,
    pub community: Option<String>,
    pub site: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSend {
    pub concurrency: Option<usize>,
    pub idle_connections: Option<usize>,
    pub connect_timeout: Option<Spanned<String>>,
    pub request_timeout: Option<Spanned<String>>,
    pub shutdown_grace: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemo {
    pub start: Spanned<String>,
    pub speed: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    pub name: Spanned<String>,
    pub platform: Spanned<String>,
    pub format: Option<Spanned<String>>,
    pub webhook: Option<Spanned<String>>,
    pub secret: Option<Spanned<String>>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub mentions: RawMentions,
    #[serde(default)]
    pub tags: Vec<String>,
    pub per_minute: Option<u32>,
    pub per_second: Option<u32>,
    pub server_errors: Option<Spanned<String>>,
    pub quiet_hours: Option<Spanned<String>>,
    /// The zone of this channel's quiet hours (default: the herald zone).
    pub timezone: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawMentions {
    #[serde(default)]
    pub mobiles: Vec<String>,
    #[serde(default)]
    pub user_ids: Vec<String>,
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub anchor: Option<Spanned<String>>,
    pub offset: Option<Spanned<String>>,
    pub slot: Option<Spanned<String>>,
    pub deadline: Option<Spanned<String>>,
    pub require_slides: Option<Spanned<String>>,
    pub window: Option<Spanned<String>>,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub formats: Vec<crate::model::EventFormat>,
    pub timezone: Option<Spanned<String>>,
}
