//! Every format of every platform, signed where the platform signs, is accepted first time;
//! keyword mode is enforced before sending.

use super::{channel, clock, fake, far, hub, sample};
use herald::channels::NoGate;
use herald::channels::{ChannelError, check_message};
use herald::model::{Format, MessageKind, OutcomeClass, Platform};

async fn accepted_first_time(platform: Platform, signed: bool) {
    let clock = clock();
    let fake = fake(platform, signed, &clock).await;
    let formats = platform.formats();
    let channels: Vec<_> = formats
        .iter()
        .map(|f| channel(&fake, f.as_str(), platform, *f, signed))
        .collect();
    let hub = hub(channels, clock);
    let mut parts = 0;
    for format in formats {
        for kind in [
            MessageKind::Announce,
            MessageKind::Remind,
            MessageKind::Recap,
        ] {
            let message = sample(kind, platform, *format);
            for i in 0..message.parts.len() {
                let report = hub
                    .post_part(format.as_str(), &message, i, far(), &NoGate)
                    .await;
                assert_eq!(
                    report.outcome.class,
                    OutcomeClass::Delivered,
                    "{platform} {format} {kind} part {}: {}",
                    i + 1,
                    report.outcome
                );
                assert_eq!(report.attempts, 1, "{platform} {format} {kind}");
                parts += 1;
            }
        }
    }
    fake.record(|r| {
        assert_eq!(r.accepted.len(), parts);
        assert_eq!((r.throttled, r.rejected.len()), (0, 0), "{:?}", r.rejected);
    });
}

#[tokio::test(start_paused = true)]
async fn dingtalk_signed_every_format() {
    accepted_first_time(Platform::Dingtalk, true).await;
}

#[tokio::test(start_paused = true)]
async fn wecom_every_format() {
    accepted_first_time(Platform::Wecom, false).await;
}

#[tokio::test(start_paused = true)]
async fn feishu_signed_every_format() {
    accepted_first_time(Platform::Feishu, true).await;
}

#[tokio::test(start_paused = true)]
async fn a_wrong_secret_is_rejected_by_the_fake_and_not_retried() {
    let clock = clock();
    let fake = fake(Platform::Dingtalk, true, &clock).await;
    let mut ch = channel(&fake, "dt", Platform::Dingtalk, Format::Markdown, true);
    ch.secret = Some(secrecy::SecretString::from("SECwrongsecret999"));
    let report = hub(vec![ch], clock)
        .post_part(
            "dt",
            &sample(MessageKind::Announce, Platform::Dingtalk, Format::Markdown),
            0,
            far(),
            &NoGate,
        )
        .await;
    assert_eq!(
        (
            report.outcome.class,
            report.outcome.errcode,
            report.attempts
        ),
        (OutcomeClass::Permanent, Some(310000), 1)
    );
    assert_eq!(report.outcome.errmsg.as_deref(), Some("sign not match"));
}

#[tokio::test(start_paused = true)]
async fn keyword_mode_refuses_before_sending_and_the_fake_enforces_it() {
    let clock = clock();
    let mut spec = crate::util::fake::Spec::new(Platform::Dingtalk);
    spec.token = super::TOKEN.into();
    spec.keywords = vec!["SOFA".into()];
    let fake = crate::util::fake::Fake::start(spec, clock.clone()).await;
    let message = sample(MessageKind::Announce, Platform::Dingtalk, Format::Markdown);

    let mut strict = channel(&fake, "strict", Platform::Dingtalk, Format::Markdown, false);
    strict.keywords = vec!["Kubernetes 峰会".into()];
    assert!(matches!(
        check_message(&strict, &message),
        Err(ChannelError::Keyword { .. })
    ));
    let mut ok = channel(&fake, "ok", Platform::Dingtalk, Format::Markdown, false);
    ok.keywords = vec!["SOFA".into()];
    assert!(check_message(&ok, &message).is_ok());
    let careless = channel(
        &fake,
        "careless",
        Platform::Dingtalk,
        Format::Markdown,
        false,
    );

    let hub = hub(vec![strict, ok, careless], clock);
    let refused = hub.post_part("strict", &message, 0, far(), &NoGate).await;
    assert_eq!(
        (refused.outcome.class, refused.attempts),
        (OutcomeClass::Permanent, 0)
    );
    assert_eq!(fake.record(|r| r.requests), 0, "refused before sending");
    assert_eq!(
        hub.post_part("ok", &message, 0, far(), &NoGate)
            .await
            .outcome
            .class,
        OutcomeClass::Delivered
    );

    let mut no_keyword = message.clone();
    no_keyword.title = "活动预告".into();
    no_keyword.parts[0].body = herald::model::PartBody::Text("今天下午见".into());
    let dropped = hub
        .post_part("careless", &no_keyword, 0, far(), &NoGate)
        .await;
    assert_eq!(
        (dropped.outcome.class, dropped.outcome.errcode),
        (OutcomeClass::Permanent, Some(310000))
    );
}

#[tokio::test(start_paused = true)]
async fn wecom_byte_limits_are_enforced_before_sending() {
    let clock = clock();
    let fake = fake(Platform::Wecom, false, &clock).await;
    let ch = channel(&fake, "w", Platform::Wecom, Format::Markdown, false);
    let mut message = sample(MessageKind::Recap, Platform::Wecom, Format::Markdown);
    message.parts[0].body = herald::model::PartBody::Text("长".repeat(1400)); // 4200 bytes
    assert!(matches!(
        check_message(&ch, &message),
        Err(ChannelError::TooLong {
            bytes: 4200,
            limit: 4096,
            ..
        })
    ));
    let report = hub(vec![ch], clock)
        .post_part("w", &message, 0, far(), &NoGate)
        .await;
    assert_eq!(
        (report.outcome.class, report.attempts),
        (OutcomeClass::Permanent, 0)
    );
    assert_eq!(fake.record(|r| r.requests), 0);
}

#[tokio::test(start_paused = true)]
async fn mentions_follow_each_platform_rule() {
    let clock = clock();
    let fake = fake(Platform::Dingtalk, false, &clock).await;
    let mut ch = channel(&fake, "dt", Platform::Dingtalk, Format::Text, false);
    ch.mentions.mobiles = vec!["13800000000".into()];
    let message = sample(MessageKind::Remind, Platform::Dingtalk, Format::Text);
    let last = message.parts.len() - 1;
    let hub = hub(vec![ch], clock);
    for i in 0..=last {
        assert_eq!(
            hub.post_part("dt", &message, i, far(), &NoGate)
                .await
                .outcome
                .class,
            OutcomeClass::Delivered
        );
    }
    fake.record(|r| {
        let body = &r.accepted[last];
        assert_eq!(body["at"]["atMobiles"][0], "13800000000");
        assert!(
            body["text"]["content"]
                .as_str()
                .unwrap()
                .ends_with("@13800000000"),
            "the @mobile must be in the text"
        );
    });
}

/// Issue 3's bar: every kind of message for every sample and corpus event is accepted first
/// time by the fake server of every platform (each platform's default format).
#[tokio::test(start_paused = true)]
async fn every_kind_of_every_event_is_accepted_first_time_everywhere() {
    let clock = clock();
    let events = crate::render::fixtures();
    for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
        let mut spec = crate::util::fake::Spec::new(platform);
        spec.token = super::TOKEN.into();
        spec.secret = (platform != Platform::Wecom).then(|| super::SECRET.into());
        spec.per_minute = 1_000_000;
        spec.per_second = None;
        let fake = crate::util::fake::Fake::start(spec, clock.clone()).await;
        let mut ch = channel(
            &fake,
            "robot",
            platform,
            platform.default_format(),
            platform != Platform::Wecom,
        );
        ch.per_minute = 1_000_000;
        ch.per_second = None;
        let hub = hub(vec![ch], clock.clone());
        let mut parts = 0;
        for event in &events {
            for kind in MessageKind::ALL {
                let message = crate::render::render(event, kind, platform);
                for i in 0..message.parts.len() {
                    let report = hub.post_part("robot", &message, i, far(), &NoGate).await;
                    assert_eq!(
                        (report.outcome.class, report.attempts),
                        (OutcomeClass::Delivered, 1),
                        "{} {kind} {platform} part {}: {}",
                        event.id,
                        i + 1,
                        report.outcome
                    );
                    parts += 1;
                }
            }
        }
        fake.record(|r| assert_eq!((r.accepted.len(), r.rejected.len()), (parts, 0)));
        assert!(parts >= events.len() * MessageKind::ALL.len());
    }
}

#[tokio::test(start_paused = true)]
async fn ping_reaches_every_platform_even_in_keyword_mode() {
    let clock = clock();
    for platform in [Platform::Dingtalk, Platform::Wecom, Platform::Feishu] {
        let mut spec = crate::util::fake::Spec::new(platform);
        spec.token = super::TOKEN.into();
        spec.keywords = if platform == Platform::Wecom {
            vec![]
        } else {
            vec!["SOFA".into()]
        };
        let fake = crate::util::fake::Fake::start(spec, clock.clone()).await;
        let mut ch = channel(&fake, "robot", platform, platform.default_format(), false);
        ch.keywords = if platform == Platform::Wecom {
            vec![]
        } else {
            vec!["SOFA".into()]
        };
        let message = herald::render::ping(platform, &ch.keywords);
        let report = hub(vec![ch], clock.clone()).ping("robot", &message).await;
        assert_eq!(
            report.outcome.class,
            OutcomeClass::Delivered,
            "{platform}: {}",
            report.outcome
        );
        assert_eq!(fake.record(|r| r.accepted.len()), 1);
    }
}

/// A summary card of a long recap is one card, not several with the same title and link;
/// the same recap as markdown is split into parts.
#[test]
fn a_long_recap_as_a_card_is_one_card() {
    for (platform, card) in [
        (Platform::Wecom, Format::News),
        (Platform::Wecom, Format::TemplateCard),
        (Platform::Dingtalk, Format::Link),
    ] {
        let message = sample(MessageKind::Recap, platform, card);
        assert!(message.url.is_some());
        assert_eq!(message.parts.len(), 1, "{platform} {card}");
    }
    assert!(
        sample(MessageKind::Recap, Platform::Wecom, Format::Markdown)
            .parts
            .len()
            > 1
    );
}

/// WeCom markdown has no mention field: `<@userid>` goes into the last part's content, so
/// parts must leave room for it. An announcement of about 4,000 bytes (under WeCom's 4,096
/// alone, over it with ten mentions) and every kind of every fixture still fit.
#[test]
fn wecom_markdown_parts_leave_room_for_mentions() {
    use herald::render::{RenderRequest, Renderer};
    use herald::source::parse_event;
    let renderer = Renderer::new(None).unwrap();
    let render = |event: &herald::model::Event, kind, format| {
        let req = RenderRequest {
            event,
            kind,
            platform: Platform::Wecom,
            format,
            now: event.start.to_utc() - chrono::TimeDelta::hours(20),
            changes: &[],
            digest: std::slice::from_ref(event),
        };
        renderer.render(&req).unwrap()
    };
    let mut spec = herald::model::ChannelSpec::console("wecom");
    spec.platform = Platform::Wecom;
    spec.format = Format::Markdown;
    spec.mentions.user_ids = (0..10).map(|i| format!("user-{i:02}-abcdefghij")).collect();
    // Grow one abstract until the announcement is the largest that is still one part: under
    // 4,096 alone, over it with ten mentions unless parts leave room for them.
    let sized: Vec<_> = (0..2000)
        .map(|k| {
            let text = format!(
                "title = \"SOFA\"\nstart = 2031-01-01T10:00:00\nend = 2031-01-01T12:00:00\nregistration = \"https://example.com/r\"\n[[talks]]\ntitle = \"t\"\nabstract = \"{}\"\n",
                "啊".repeat(k * 5)
            );
            parse_event(std::path::Path::new("e.toml"), &text, herald::model::Zone::SHANGHAI).unwrap()
        })
        .take_while(|e| render(e, MessageKind::Announce, Format::Markdown).parts.len() == 1)
        .collect();
    let sized = sized.last().unwrap().clone();
    let whole = render(&sized, MessageKind::Announce, Format::Markdown).parts[0].bytes();
    assert!((3800..4096).contains(&whole), "{whole}");
    let mut events = crate::render::fixtures();
    events.push(sized);
    for event in &events {
        for kind in [
            MessageKind::Announce,
            MessageKind::Remind,
            MessageKind::Recap,
        ] {
            let message = render(event, kind, Format::Markdown);
            check_message(&spec, &message).unwrap_or_else(|e| panic!("{}: {e}", event.id));
        }
    }
}
