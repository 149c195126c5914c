//! Unit tests for config validation.

use super::*;
use secrecy::ExposeSecret;

fn env(k: &str) -> Option<String> {
    match k {
        "DT_TOKEN" => Some("fake-token-123".into()),
        "DT_SECRET" => Some("SECtestsecret0000".into()),
        _ => None,
    }
}

fn parse_str(text: &str) -> Result<Config, Vec<Problem>> {
    parse(Path::new("cfg/herald.toml"), text, &env)
}

#[test]
fn empty_config_has_defaults_and_built_in_rules() {
    let c = parse_str("").unwrap();
    assert_eq!(c.zone, crate::model::Zone::SHANGHAI);
    assert_eq!(c.events_dir, Path::new("cfg/events"));
    assert_eq!(c.ledger_path, Path::new("cfg/../data/herald.db"));
    let names: Vec<&str> = c.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "announce",
            "remind-day-before",
            "remind-hour-before",
            "live-at-start",
            "recap"
        ]
    );
}

#[test]
fn channel_secrets_come_from_env_and_never_show() {
    let text = r#"
[[channels]]
name = "dt"
platform = "dingtalk"
webhook = "http://127.0.0.1:1/robot/send?access_token=${DT_TOKEN}"
secret = "${DT_SECRET}"
keywords = ["SOFA"]
tags = ["sofa"]
"#;
    let c = parse_str(text).unwrap();
    let ch = &c.channels[0];
    assert_eq!(
        ch.secret.as_ref().unwrap().expose_secret(),
        "SECtestsecret0000"
    );
    assert_eq!(ch.per_minute, 20);
    let shown = format!("{c:?}");
    assert!(
        !shown.contains("fake-token-123") && !shown.contains("SECtestsecret0000"),
        "{shown}"
    );
    assert!(shown.contains("access_token=***"));
}

#[test]
fn inline_secrets_and_missing_env_are_problems_without_values() {
    let text = r#"
[[channels]]
name = "dt"
platform = "dingtalk"
webhook = "https://oapi.dingtalk.com/robot/send?access_token=abc123inline"
secret = "${MISSING_VAR}"
"#;
    let errs = parse_str(text).unwrap_err();
    let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown[0].starts_with(
            "cfg/herald.toml:5:11: field `webhook`: secrets must come from the environment"
        ),
        "{shown:?}"
    );
    assert!(!shown[0].contains("abc123inline"));
    assert!(
        shown[1].contains("environment variable `MISSING_VAR` is not set"),
        "{shown:?}"
    );
}

/// A webhook that resolves to something that is not an http(s) URL is refused by `check`,
/// without showing the value (it is the robot's credential).
#[test]
fn a_webhook_that_is_not_a_url_is_a_problem_without_its_value() {
    for webhook in [
        "${DT_TOKEN}",
        "ftp://x.example/${DT_TOKEN}",
        "http://?k=${DT_TOKEN}",
    ] {
        let text = format!(
            "[[channels]]\nname = \"dt\"\nplatform = \"dingtalk\"\nwebhook = \"{webhook}\"\n"
        );
        let errs = parse_str(&text).unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 1, "{webhook}: {shown:?}");
        assert!(
            shown[0].starts_with(
                "cfg/herald.toml:4:11: field `webhook`: the resolved value is not a usable URL"
            ),
            "{shown:?}"
        );
        assert!(!shown[0].contains("fake-token-123"), "{shown:?}");
    }
}

/// A rule that falls due at or after its own deadline would only ever be "missed".
#[test]
fn a_rule_due_at_its_deadline_is_a_problem() {
    let rule = |extra: &str| format!("[[rules]]\nname = \"r\"\nkind = \"remind\"\n{extra}");
    for bad in [
        "offset = \"0\"\n",                         // due = start = default deadline
        "anchor = \"end\"\ndeadline = \"start\"\n", // end is never before start
        "offset = \"-1h\"\ndeadline = \"due\"\n",
    ] {
        let errs = parse_str(&rule(bad)).unwrap_err();
        assert!(
            errs[0]
                .to_string()
                .contains("rule `r`: it falls due at or after its deadline"),
            "{bad}: {errs:?}"
        );
    }
    for good in [
        "offset = \"-1h\"\n",
        "offset = \"0\"\ndeadline = \"start+30m\"\n",
        "offset = \"-1d\"\nslot = \"0 10 * * *\"\n",
        "offset = \"0\"\ndeadline = \"due+10m\"\n",
    ] {
        assert!(parse_str(&rule(good)).is_ok(), "{good}");
    }
}

#[test]
fn every_rule_problem_is_reported() {
    let text = r#"
[[rules]]
name = "a"
kind = "anounce"
[[rules]]
name = "b"
kind = "remind"
slot = "0 99 * * *"
deadline = "later"
"#;
    let errs = parse_str(text).unwrap_err();
    let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(
        shown[0].contains(":4:8: field `rules.kind`: unknown message kind `anounce`"),
        "{shown:?}"
    );
    assert!(shown[1].contains("field `rules.slot`"), "{shown:?}");
    assert!(shown[2].contains("field `rules.deadline`"), "{shown:?}");
}

#[test]
fn unknown_keys_get_a_hint() {
    let errs = parse_str("[herald]\ntimezon = \"Asia/Shanghai\"\n").unwrap_err();
    assert!(
        errs[0].to_string().contains("did you mean `timezone`?"),
        "{}",
        errs[0]
    );
}

#[test]
fn digest_rule_needs_a_slot_and_reads_window() {
    let ok = parse_str("[[rules]]\nname = \"weekly\"\nkind = \"digest\"\nslot = \"0 9 * * MON\"\nwindow = \"7d\"\n").unwrap();
    assert!(matches!(
        ok.rules[0].when,
        crate::model::When::Digest { .. }
    ));
    let errs = parse_str("[[rules]]\nname = \"weekly\"\nkind = \"digest\"\n").unwrap_err();
    assert!(errs[0].to_string().contains("needs a `slot`"));
}

#[test]
fn listen_comes_from_the_environment_and_a_wildcard_is_reached_on_loopback() {
    let env = |k: &str| (k == "LISTEN").then(|| "0.0.0.0:9464".to_string());
    let c = parse(
        Path::new("h.toml"),
        "[herald]\nlisten = \"${LISTEN}\"\n",
        &env,
    )
    .unwrap();
    assert_eq!(c.listen, Some("0.0.0.0:9464".parse().unwrap()));
    assert_eq!(c.local_listen(), Some("127.0.0.1:9464".parse().unwrap()));
    let v6 = parse_str("[herald]\nlisten = \"[::]:80\"\n").unwrap();
    assert_eq!(v6.local_listen(), Some("[::1]:80".parse().unwrap()));
    let fixed = parse_str("[herald]\nlisten = \"127.0.0.2:80\"\n").unwrap();
    assert_eq!(fixed.local_listen(), Some("127.0.0.2:80".parse().unwrap()));
    let errs = parse_str("[herald]\nlisten = \"${NOPE}\"\n").unwrap_err();
    assert!(
        errs[0].to_string().contains(
            "cfg/herald.toml:2:10: field `herald.listen`: environment variable `NOPE` is not set"
        ),
        "{}",
        errs[0]
    );
}

#[test]
fn send_settings_bound_idle_connections() {
    assert_eq!(parse_str("").unwrap().send.idle_connections, 0);
    let c = parse_str("[send]\nconcurrency = 256\nidle_connections = 4\n").unwrap();
    assert_eq!((c.send.concurrency, c.send.idle_connections), (256, 4));
}

#[test]
fn a_host_name_in_listen_gets_the_form_that_works() {
    let errs = parse_str("[herald]\nlisten = \"localhost:9465\"\n").unwrap_err();
    let shown = errs[0].to_string();
    assert!(
        shown.contains("`localhost:9465` is not an IP address and port")
            && shown.contains("write `127.0.0.1:9465`"),
        "{shown}"
    );
}

#[test]
fn a_cron_error_names_the_field_the_user_wrote() {
    let text =
        "[[rules]]\nname = \"r\"\nkind = \"announce\"\noffset = \"-1d\"\nslot = \"0 25 * * *\"\n";
    let errs = parse_str(text).unwrap_err();
    let shown = errs[0].to_string();
    assert!(
        shown.contains("bad cron expression `0 25 * * *`: the hour field `25` is not 0-23"),
        "{shown}"
    );
    assert!(!shown.contains("0 0 25"), "{shown}");
}

#[test]
fn missing_secrets_are_noted_not_refused_for_commands_that_only_look() {
    let text = r#"
[[channels]]
name = "dt"
platform = "dingtalk"
webhook = "http://127.0.0.1:1/robot/send?access_token=${NOT_HERE}"
secret = "file:no-such-secret"
"#;
    let strict = parse_str(text).unwrap_err();
    assert_eq!(strict.len(), 2, "{strict:?}");
    let c = parse_with(Path::new("cfg/herald.toml"), text, &env, Secrets::Optional).unwrap();
    assert_eq!(c.channels.len(), 1);
    assert!(c.channels[0].webhook.is_none());
    let names: Vec<String> = c
        .missing_secrets
        .iter()
        .map(|m| m.problem.to_string())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].contains(
            "warning: channel `dt`: field `webhook`: environment variable `NOT_HERE` is not set"
        ),
        "{names:?}"
    );
    assert!(
        c.missing_secrets
            .iter()
            .all(|m| m.channel.as_deref() == Some("dt"))
    );
    // An inline secret is still an error: it is a leak, not a missing file.
    let inline = text.replace("${NOT_HERE}", "inline-token");
    assert!(
        parse_with(
            Path::new("cfg/herald.toml"),
            &inline,
            &env,
            Secrets::Optional
        )
        .is_err()
    );
}

#[test]
fn a_field_of_a_form_not_obvious_gets_an_example_of_the_right_form() {
    let text = r#"
[herald]
timezone = "Asia/Shangai"
quiet_hours = "10pm-8am"
settle = "10 min"
site = "www.sofastack.tech"
[send]
request_timeout = "10 sec"
[demo]
start = "2026-11-25 09:00"
speed = 60
[[channels]]
name = "c"
platform = "console"
timezone = "Berlin"
[[rules]]
name = "r"
kind = "remind"
offset = "a day before"
deadline = "start+half an hour"
anchor = "begin"
"#;
    let errs = parse_str(text).unwrap_err();
    let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
    for (line, field, example) in [
        (3, "herald.timezone", "timezone = \"Asia/Shanghai\""),
        (4, "herald.quiet_hours", "quiet_hours = \"22:00-08:00\""),
        (5, "herald.settle", "settle = \"10m\""),
        (6, "herald.site", "site = \"https://www.sofastack.tech\""),
        (8, "send.request_timeout", "request_timeout = \"10s\""),
        (10, "demo.start", "start = \"2026-11-25T09:00:00+08:00\""),
        (15, "channels.timezone", "timezone = \"Asia/Shanghai\""),
        (19, "rules.offset", "offset = \"-7d\""),
        (20, "rules.deadline", "deadline = \"start+30m\""),
        (21, "rules.anchor", "anchor = \"start\""),
    ] {
        let at = format!("cfg/herald.toml:{line}:");
        assert!(
            shown.iter().any(|s| s.starts_with(&at)
                && s.contains(&format!("field `{field}`"))
                && s.contains(example)),
            "no `{field}` at line {line} with `{example}` in {shown:#?}"
        );
    }
}

#[test]
fn a_channel_reads_quiet_hours_in_its_own_zone() {
    let text = r#"
[herald]
quiet_hours = "21:00-07:00"
[[channels]]
name = "home"
platform = "console"
[[channels]]
name = "berlin"
platform = "console"
timezone = "Europe/Berlin"
[[channels]]
name = "own"
platform = "console"
timezone = "America/New_York"
quiet_hours = "23:00-06:00"
"#;
    let c = parse_str(text).unwrap();
    let quiet = |name: &str| c.channel(name).unwrap().quiet_hours.unwrap().to_string();
    assert_eq!(quiet("home"), "21:00-07:00 Asia/Shanghai");
    assert_eq!(quiet("berlin"), "21:00-07:00 Europe/Berlin");
    assert_eq!(quiet("own"), "23:00-06:00 America/New_York");
}

#[test]
fn every_problem_of_a_channel_is_reported_not_only_the_first() {
    let text = r#"
[[channels]]
name = "c"
platform = "dingtlak"
webhook = "https://oapi.dingtalk.com/robot/send?access_token=inline"
server_errors = "maybe"
quiet_hours = "night"
timezone = "Mars/Olympus"
"#;
    let errs = parse_str(text).unwrap_err();
    let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
    for (line, wanted) in [
        (4, "field `channels.platform`"),
        (
            5,
            "field `webhook`: secrets must come from the environment or a file",
        ),
        (6, "field `channels.server_errors`"),
        (8, "field `channels.timezone`: unknown zone `Mars/Olympus`"),
    ] {
        let at = format!("cfg/herald.toml:{line}:");
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with(&at) && s.contains(wanted)),
            "no `{wanted}` at line {line} in {shown:#?}"
        );
    }
    // The span is read in the channel's zone, so a bad zone stops there; with a good one the
    // span is checked too.
    let errs = parse_str(&text.replace("Mars/Olympus", "Europe/Berlin")).unwrap_err();
    assert!(
        errs.iter().any(|p| p
            .to_string()
            .contains("field `channels.quiet_hours`: `night`")),
        "{errs:#?}"
    );
}

#[test]
fn a_postgres_ledger_takes_its_password_from_the_environment_only() {
    let env = |k: &str| (k == "PG_PW").then(|| "s3cret-pw".to_string());
    let c = parse(
        Path::new("h.toml"),
        "[herald]\nledger = \"postgres://herald:${PG_PW}@db:5432/herald\"\n",
        &env,
    )
    .unwrap();
    match c.ledger_target().unwrap() {
        crate::model::LedgerTarget::Postgres(url) => {
            assert_eq!(url.shown(), "postgres://herald@db:5432/herald");
            assert!(url.secret().expose_secret().contains("s3cret-pw"));
        }
        other => panic!("not Postgres: {other:?}"),
    }
    // A password written inline is refused, without showing it.
    let errs =
        parse_str("[herald]\nledger = \"postgres://herald:hunter2@db/herald\"\n").unwrap_err();
    let shown = errs[0].to_string();
    assert!(
        shown.contains(
            "field `herald.ledger`: the Postgres password must come from the environment"
        ),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    // No password (trust or peer auth) is fine; a plain path is a SQLite file.
    let trust = parse_str("[herald]\nledger = \"postgres://herald@db/herald\"\n").unwrap();
    assert!(matches!(
        trust.ledger_target().unwrap(),
        crate::model::LedgerTarget::Postgres(_)
    ));
    let file = parse_str("[herald]\nledger = \"state/h.db\"\n").unwrap();
    match file.ledger_target().unwrap() {
        crate::model::LedgerTarget::Sqlite(p) => assert_eq!(p, Path::new("cfg/state/h.db")),
        other => panic!("not SQLite: {other:?}"),
    }
    // From the environment, the whole value must be a Postgres URL.
    let env = |k: &str| (k == "LEDGER").then(|| "/var/lib/h.db".to_string());
    let errs = parse(
        Path::new("h.toml"),
        "[herald]\nledger = \"${LEDGER}\"\n",
        &env,
    )
    .unwrap_err();
    assert!(
        errs[0].to_string().contains("must be a `postgres://` URL"),
        "{}",
        errs[0]
    );
}

#[test]
fn a_value_of_the_wrong_type_names_its_field_and_the_right_form() {
    let text = "[send]\nconcurrency = \"10\"\n[[channels]]\nname = \"c\"\nplatform = \"console\"\nper_minute = \"20\"\ntags = \"sofa\"\n";
    let shown: Vec<String> = parse_str(text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    for (line, wanted) in [
        (
            2,
            "field `concurrency`: invalid type: string \"10\", expected usize (a whole number, unquoted: concurrency = 1024)",
        ),
        (
            6,
            "field `per_minute`: invalid type: string \"20\", expected u32 (a whole number, unquoted: per_minute = 20)",
        ),
        (
            7,
            "field `tags`: invalid type: string \"sofa\", expected a sequence (a list: tags = [\"sofa\", \"chengdu\"])",
        ),
    ] {
        let at = format!("cfg/herald.toml:{line}:");
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with(&at) && s.contains(wanted)),
            "no `{wanted}` at line {line} in {shown:#?}"
        );
    }
}

#[test]
fn a_demo_never_writes_to_the_postgres_ledger() {
    let c = parse_str(
        "[herald]\nledger = \"postgres://herald@db/herald\"\n[demo]\nstart = \"2030-05-25T09:59:59+08:00\"\nspeed = 60\n",
    )
    .unwrap();
    assert!(matches!(
        c.ledger_target().unwrap(),
        crate::model::LedgerTarget::Sqlite(_)
    ));
}

#[test]
fn rule_names_a_notice_or_manual_send_keys_under_are_refused_at_their_line() {
    for (name, why) in [
        ("cancel", "kept for herald's own deliveries"),
        ("resume", "kept for herald's own deliveries"),
        ("manual:announce", "kept for herald's own deliveries"),
        ("recap", "used twice"),
    ] {
        let text = format!(
            "[[rules]]\nname = \"recap\"\nkind = \"recap\"\noffset = \"+1d\"\n\n[[rules]]\nname = \"{name}\"\nkind = \"announce\"\noffset = \"-7d\"\n"
        );
        let problems = parse_str(&text).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.location.line == 7 && p.message.contains(why)),
            "{name}: {problems:?}"
        );
    }
    let text = "[[rules]]\nname = \"cancelled-reminder\"\nkind = \"remind\"\noffset = \"-1h\"\n";
    assert!(parse_str(text).is_ok());
}
