//! The event record as written in TOML: serde structs with spans, before validation.

use crate::model::{ContactKind, EventFormat, EventStatus};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub id: Option<Spanned<String>>,
    pub title: Spanned<String>,
    pub series: Option<String>,
    pub number: Option<u32>,
    #[serde(default)]
    pub status: EventStatus,
    pub start: Spanned<RawTime>,
    /// Optional: without it the event runs until the end of its day.
    pub end: Option<Spanned<RawTime>>,
    pub timezone: Option<Spanned<String>>,
    #[serde(default)]
    pub format: EventFormat,
    pub city: Option<String>,
    pub venue: Option<String>,
    pub address: Option<String>,
    pub registration: Option<Spanned<String>>,
    pub cover: Option<Spanned<String>>,
    pub summary: Option<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub organizers: Vec<String>,
    #[serde(default)]
    pub partners: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub live: Vec<RawLink>,
    #[serde(default)]
    pub slides: Vec<RawLink>,
    #[serde(default)]
    pub replays: Vec<RawLink>,
    #[serde(default)]
    pub articles: Vec<RawLink>,
    #[serde(default)]
    pub project_links: Vec<RawLink>,
    #[serde(default)]
    pub contacts: Vec<RawContact>,
    #[serde(default)]
    pub talks: Vec<RawTalk>,
    #[serde(default)]
    pub extra: BTreeMap<String, toml::Value>,
}

/// A time: a TOML datetime (local or with offset) or a string like `2021-09-11 13:30`.
#[derive(Debug)]
pub enum RawTime {
    Toml(toml::value::Datetime),
    Text(String),
}

/// Read directly as either form (`#[serde(untagged)]` would copy every value into a buffer
/// first and try each form in turn).
impl<'de> Deserialize<'de> for RawTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawTime, D::Error> {
        struct Either;

        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = RawTime;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a date and time, e.g. 2021-09-11T13:30:00 or \"2021-09-11 13:30\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawTime, E> {
                Ok(RawTime::Text(v.to_string()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<RawTime, E> {
                Ok(RawTime::Text(v))
            }

            /// A TOML datetime arrives as a map with one private key.
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawTime, A::Error> {
                let map = serde::de::value::MapAccessDeserializer::new(map);
                toml::value::Datetime::deserialize(map).map(RawTime::Toml)
            }
        }

        deserializer.deserialize_any(Either)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub title: String,
    pub url: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContact {
    pub kind: ContactKind,
    pub value: String,
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTalk {
    pub title: String,
    #[serde(default)]
    pub speakers: Vec<RawSpeaker>,
    pub time: Option<Spanned<String>>,
    pub r#abstract: Option<String>,
    #[serde(default)]
    pub takeaways: Vec<String>,
    #[serde(default)]
    pub outline: Vec<String>,
    pub slides: Option<Spanned<String>>,
    pub replay: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpeaker {
    pub name: String,
    pub alias: Option<String>,
    pub role: Option<String>,
    pub bio: Option<String>,
}
