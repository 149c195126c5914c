//! `herald ping CHANNEL`: post a short test message and print the platform's verdict
//! (exit 0 delivered, 3 failed).

use super::{Exit, exit};
use crate::channels::{ConsoleSink, Hub, HubSettings};
use crate::model::OutcomeClass;
use std::path::Path;

pub fn run(path: &Path, channel: &str) -> anyhow::Result<()> {
    let config =
        crate::config::load_with(path, crate::config::Secrets::Optional).map_err(|ps| {
            for p in &ps {
                eprintln!("{p}");
            }
            Exit::bad_input(format!("{} problem(s) in the config", ps.len()))
        })?;
    let spec = super::find_channel(&config, channel)?.clone();
    super::require_secrets(&config, |name| name == channel)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        let hub = Hub::new(
            vec![spec.clone()],
            HubSettings::default(),
            ConsoleSink::new(Box::new(std::io::stdout())),
        )?;
        let message = crate::render::ping(spec.platform, &spec.keywords);
        anyhow::Ok(hub.ping(channel, &message).await)
    })?;
    println!(
        "{channel} ({}, {}): {} after {} attempt(s)",
        spec.platform,
        spec.redacted_webhook(),
        report.outcome,
        report.attempts
    );
    match report.outcome.class {
        OutcomeClass::Delivered => Ok(()),
        _ => Err(Exit {
            code: exit::SEND_FAILED,
            message: format!("{channel}: not delivered"),
        }
        .into()),
    }
}
