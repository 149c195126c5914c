//! No token, key or secret appears in any log line, error or Debug output of a run that
//! includes successes, permanent failures, timeouts and retries.

use super::{SECRET, TOKEN, channel, clock, fake, far, hub, sample};
use crate::util::fake::Fault;
use crate::util::logs::Logs;
use herald::channels::NoGate;
use herald::model::{MessageKind, Platform};

#[tokio::test(start_paused = true)]
async fn secrets_never_reach_logs_errors_or_debug() {
    let logs = Logs::default();
    let _guard = logs.install();
    let clock = clock();
    let mut seen = Vec::new();
    for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
        let fake = fake(platform, platform != Platform::Wecom, &clock).await;
        let format = platform.default_format();
        let spec = channel(
            &fake,
            "robot",
            platform,
            format,
            platform != Platform::Wecom,
        );
        seen.push(format!("{spec:?}"));
        let hub = hub(vec![spec], clock.clone());
        let message = sample(MessageKind::Announce, platform, format);
        for fault in [
            None,
            Some(Fault::ServerError),
            Some(Fault::Hang),
            Some(Fault::Code(300001, "token is not exist")),
        ] {
            if let Some(f) = fault {
                fake.fault(f);
            }
            let report = hub.post_part("robot", &message, 0, far(), &NoGate).await;
            seen.push(format!("{:?} {}", report.outcome, report.outcome));
        }
        // A connection refused error names the address: it must still be redacted.
        let mut dead = channel(&fake, "dead", platform, format, false);
        dead.webhook = Some(secrecy::SecretString::from(format!(
            "http://127.0.0.1:9/robot/send?access_token={TOKEN}"
        )));
        let report = hub_for(dead, &clock)
            .post_part(
                "dead",
                &message,
                0,
                tokio::time::Instant::now() + std::time::Duration::from_secs(5),
                &NoGate,
            )
            .await;
        seen.push(format!("{:?}", report.outcome));
    }
    let everything = format!("{}\n{}", logs.text(), seen.join("\n"));
    // The capture must have seen the run's log lines (not only the reports' text).
    let logs = logs.text();
    assert!(
        logs.contains("posted") && logs.contains("attempt"),
        "no log lines captured:\n{logs}"
    );
    for secret in [TOKEN, SECRET] {
        assert!(
            !everything.contains(secret),
            "`{secret}` leaked:\n{everything}"
        );
    }
}

fn hub_for(
    spec: herald::model::ChannelSpec,
    clock: &std::sync::Arc<dyn herald::model::Clock>,
) -> herald::channels::Hub {
    hub(vec![spec], clock.clone())
}
