//! Property tests: no input panics herald. Event records, `herald.toml` and templates are
//! generated from the keys herald knows with hostile values (huge numbers, extreme dates,
//! odd units, broken syntax, long and strange text), then parsed, planned and rendered for
//! every kind, platform and format. Bounded: a few hundred cases each, seconds in all.

use herald::model::{MessageKind, Platform};
use herald::render::{RenderRequest, Renderer};
use proptest::prelude::*;
use std::path::Path;

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Values that have broken parsers before: numbers at and past every limit, dates at the
/// edges of the calendar, durations with every unit, text with markup, quotes and controls.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!("\"{n}w\"")),
        (
            any::<i64>(),
            prop::sample::select(vec!["w", "d", "h", "m", "s", "y", ""])
        )
            .prop_map(|(n, u)| format!("\"{n}{u}\"")),
        (0u32..10000, 1u32..13, 1u32..32, 0u32..24, 0u32..60)
            .prop_map(|(y, mo, d, h, mi)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00")),
        (0u32..10000, 1u32..13, 1u32..32).prop_map(|(y, mo, d)| format!("{y:04}-{mo:02}-{d:02}")),
        "\"[a-zA-Z0-9 :/._#%?&=-]{0,40}\"",
        "\"[\\PC]{0,80}\"",
        Just("\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("\"https://example.com/a_b?x=1#y\"".to_string()),
        Just("\"0 0 30 2 *\"".to_string()),
        Just("\"*/0 * * * *\"".to_string()),
        Just("\"start-99999999999d\"".to_string()),
        Just("1e308".to_string()),
        Just("-0.0".to_string()),
        Just("\"Asia/Shanghai\"".to_string()),
        Just("\"Mars/Olympus\"".to_string()),
    ]
}

fn lines(
    keys: &'static [&'static str],
    tables: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let line = (prop::sample::select(keys), value()).prop_map(|(k, v)| format!("{k} = {v}\n"));
    let header = prop::sample::select(tables).prop_map(|t| format!("{t}\n"));
    prop::collection::vec(prop_oneof![4 => line, 1 => header], 0..24).prop_map(|v| v.concat())
}

const EVENT_KEYS: &[&str] = &[
    "title",
    "id",
    "series",
    "number",
    "status",
    "start",
    "end",
    "timezone",
    "format",
    "city",
    "venue",
    "address",
    "registration",
    "cover",
    "summary",
    "time",
    "url",
    "name",
    "role",
    "abstract",
    "kind",
    "value",
    "note",
];
const EVENT_TABLES: &[&str] = &[
    "[[talks]]",
    "[[talks.speakers]]",
    "[[live]]",
    "[[slides]]",
    "[[replays]]",
    "[[contacts]]",
    "[[hosts]]",
    "[[links]]",
];
const CONFIG_KEYS: &[&str] = &[
    "timezone",
    "events",
    "templates",
    "ledger",
    "listen",
    "admin_token",
    "concurrency",
    "connect_timeout",
    "request_timeout",
    "shutdown_grace",
    "start",
    "speed",
    "name",
    "platform",
    "format",
    "webhook",
    "secret",
    "keywords",
    "tags",
    "per_minute",
    "per_second",
    "server_errors",
    "kind",
    "anchor",
    "offset",
    "slot",
    "deadline",
    "targets",
    "window",
    "require_slides",
    "formats",
];
const CONFIG_TABLES: &[&str] = &["[herald]", "[send]", "[demo]", "[[channels]]", "[[rules]]"];

/// A valid event to start from, so generated lines reach deep validation, not just syntax.
const BASE_EVENT: &str =
    "title = \"SOFAChannel#1：测试\"\nstart = 2030-06-01T14:00:00\nend = 2030-06-01T16:00:00\n";

/// Plan and render `event` for every rule, kind, platform and format: must not panic.
fn exercise(renderer: &Renderer, event: &herald::model::Event) {
    for rule in herald::config::default_rules(herald::model::Zone::SHANGHAI) {
        let _ = herald::plan::schedule(&rule, event);
    }
    for kind in MessageKind::ALL {
        for platform in Platform::ALL {
            for format in platform.formats() {
                let req = RenderRequest {
                    event,
                    kind,
                    platform,
                    format: *format,
                    now: event.start.to_utc(),
                    changes: &[],
                    digest: std::slice::from_ref(event),
                };
                let _ = renderer.render(&req);
            }
        }
    }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn event_records_never_panic(extra in lines(EVENT_KEYS, EVENT_TABLES), raw in "[\\PC\\n]{0,200}") {
        let renderer = Renderer::new(None).unwrap();
        for text in [format!("{BASE_EVENT}{extra}"), raw.clone(), format!("{extra}{raw}")] {
            if let Ok(event) = herald::source::parse_event(Path::new("e.toml"), &text, herald::model::Zone::SHANGHAI) {
                exercise(&renderer, &event);
            }
        }
    }

    #[test]
    fn configs_never_panic(text in lines(CONFIG_KEYS, CONFIG_TABLES)) {
        let env = |_: &str| Some("x".to_string());
        if let Ok(config) = herald::config::parse(Path::new("/tmp/herald.toml"), &text, &env) {
            let event = herald::source::parse_event(Path::new("e.toml"), BASE_EVENT, config.zone).unwrap();
            for rule in &config.rules {
                let _ = herald::plan::schedule(rule, &event);
                let _ = herald::plan::targets(rule, &event, &config.channels);
            }
        }
    }

    #[test]
    fn templates_never_panic(body in prop_oneof![
        "[\\PC\\n]{0,120}",
        prop::collection::vec(prop::sample::select(vec![
            "{{ event.title }}", "{% for t in event.talks %}", "{% endfor %}", "{% if event.city %}",
            "{% endif %}", "{{ event.start | zh_date }}", "{{ 1 / 0 }}", "{{ event.titel }}",
            "{% include 'footer' %}", "{{ event.title * 100000 }}", "{% raw %}", "[x](y)", "**", "\n",
            "{{ range(100000) | list | length }}", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
        ]), 0..12).prop_map(|v| v.concat()),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("announce.j2"), &body).unwrap();
        if let Ok(renderer) = Renderer::new(Some(dir.path())) {
            let event = herald::source::parse_event(Path::new("e.toml"), BASE_EVENT, herald::model::Zone::SHANGHAI).unwrap();
            exercise(&renderer, &event);
        }
    }
}

#[test]
fn a_runaway_template_is_a_render_error_not_a_hang() {
    let event = herald::source::parse_event(
        Path::new("e.toml"),
        BASE_EVENT,
        herald::model::Zone::SHANGHAI,
    )
    .unwrap();
    for body in [
        "{% for i in range(100000000) %}{{ i }}{% endfor %}",
        "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
        "{{ event.title * 99999999 }}",
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("announce.j2"), body).unwrap();
        let renderer = Renderer::new(Some(dir.path())).unwrap();
        let started = std::time::Instant::now();
        let req = RenderRequest {
            event: &event,
            kind: MessageKind::Announce,
            platform: Platform::Wecom,
            format: herald::model::Format::Markdown,
            now: event.start.to_utc(),
            changes: &[],
            digest: std::slice::from_ref(&event),
        };
        assert!(renderer.render(&req).is_err(), "{body}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{body}"
        );
    }
}
