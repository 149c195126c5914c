//! PLACEHOLDER channels (to be replaced by the real ones): console only.

use crate::model::{ChannelSpec, Message, Outcome, OutcomeClass, Platform};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("no channel `{0}`")]
    Unknown(String),
}

#[derive(Clone)]
pub struct ConsoleSink(Arc<Mutex<Box<dyn Write + Send>>>);

impl ConsoleSink {
    pub fn new(w: Box<dyn Write + Send>) -> ConsoleSink {
        ConsoleSink(Arc::new(Mutex::new(w)))
    }
}

#[derive(Debug, Clone)]
pub struct HubSettings {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub max_concurrency: usize,
}

impl Default for HubSettings {
    fn default() -> Self {
        HubSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_concurrency: 64,
        }
    }
}

pub struct PostReport {
    pub outcome: Outcome,
    pub attempts: u32,
}

pub struct Hub {
    channels: Vec<ChannelSpec>,
    console: ConsoleSink,
}

impl Hub {
    pub fn new(
        channels: Vec<ChannelSpec>,
        _settings: HubSettings,
        console: ConsoleSink,
    ) -> Result<Hub, ChannelError> {
        Ok(Hub { channels, console })
    }

    pub fn spec(&self, name: &str) -> Option<&ChannelSpec> {
        self.channels.iter().find(|c| c.name == name)
    }

    pub async fn post_part(
        &self,
        channel: &str,
        message: &Message,
        part: usize,
        _deadline: tokio::time::Instant,
    ) -> PostReport {
        let spec = self.spec(channel);
        if spec.map(|s| s.platform) != Some(Platform::Console) {
            return PostReport {
                outcome: Outcome {
                    class: OutcomeClass::Permanent,
                    http_status: None,
                    errcode: None,
                    errmsg: Some("placeholder".into()),
                },
                attempts: 0,
            };
        }
        let mut w = self.console.0.lock().unwrap();
        let _ = writeln!(
            w,
            "── {channel} · {} ({}/{})\n{}",
            message.title,
            part + 1,
            message.parts.len(),
            message.parts[part].body.plain()
        );
        PostReport {
            outcome: Outcome::delivered(),
            attempts: 1,
        }
    }

    pub async fn ping(&self, channel: &str) -> PostReport {
        let _ = channel;
        PostReport {
            outcome: Outcome::delivered(),
            attempts: 1,
        }
    }
}

pub fn request_body(
    _spec: &ChannelSpec,
    message: &Message,
    part: usize,
    _now_ms: i64,
) -> Result<serde_json::Value, ChannelError> {
    Ok(serde_json::json!({"text": message.parts[part].body.plain()}))
}

pub fn check_message(_spec: &ChannelSpec, _message: &Message) -> Result<(), ChannelError> {
    Ok(())
}
