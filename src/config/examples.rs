//! The right form of each config field whose form is not obvious, shown with its error:
//! `field `send.request_timeout`: cannot read `10 sec`…` comes with `request_timeout = "10s"`.

use crate::model::Problem;

/// A value of the wrong type (`per_minute = "20"`): serde names neither the key nor the form,
/// so the key is read from the problem's line and an example of its type is added.
pub fn explain_type(mut problem: Problem, text: &str) -> Problem {
    if !problem.message.starts_with("invalid type") || problem.location.line == 0 {
        return problem;
    }
    let key = text
        .lines()
        .nth(problem.location.line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().to_string());
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        problem.message = format!("field `{key}`: {}", problem.message);
        if problem.hint.is_none() {
            problem.hint = typed_example(&key).map(str::to_string);
        }
    }
    problem
}

/// An example of a typed (non-string) key, by its name.
fn typed_example(key: &str) -> Option<&'static str> {
    Some(match key {
        "per_minute" => "a whole number, unquoted: per_minute = 20",
        "per_second" => "a whole number, unquoted: per_second = 5",
        "concurrency" => "a whole number, unquoted: concurrency = 1024",
        "idle_connections" => "a whole number, unquoted: idle_connections = 0",
        "speed" => "a number, unquoted: speed = 14400",
        "tags" => "a list: tags = [\"sofa\", \"chengdu\"]",
        "keywords" => "a list: keywords = [\"SOFA\"]",
        "targets" => "a list of channel names, `tag:NAME` or `*`: targets = [\"tag:sofa\"]",
        "formats" => "a list: formats = [\"online\", \"hybrid\"]",
        "mentions" => "a table: mentions = { mobiles = [\"13800000000\"], all = false }",
        "mobiles" | "user_ids" => "a list of strings: mobiles = [\"13800000000\"]",
        "all" => "true or false, unquoted: all = false",
        _ => return None,
    })
}

/// An example of `field` (as named in errors, `table.key`) written the right way.
pub fn example(field: &str) -> Option<&'static str> {
    Some(match field {
        "herald.timezone" | "rules.timezone" | "channels.timezone" => {
            "an IANA zone name, e.g. timezone = \"Asia/Shanghai\" (or \"Europe/Berlin\", \"UTC\")"
        }
        "herald.quiet_hours" | "channels.quiet_hours" => {
            "a span of local time HH:MM-HH:MM, e.g. quiet_hours = \"22:00-08:00\", or \"off\""
        }
        "herald.settle" => {
            "a duration, e.g. settle = \"10m\" (units w d h m s: \"1h30m\", \"90s\")"
        }
        "send.connect_timeout" => "a duration, e.g. connect_timeout = \"5s\" (units w d h m s)",
        "send.request_timeout" => "a duration, e.g. request_timeout = \"10s\" (units w d h m s)",
        "send.shutdown_grace" => "a duration, e.g. shutdown_grace = \"30s\" (units w d h m s)",
        "herald.site" => "the site's base URL, e.g. site = \"https://www.sofastack.tech\"",
        "demo.start" => {
            "an RFC 3339 time with its offset, e.g. start = \"2026-11-25T09:00:00+08:00\""
        }
        "rules.kind" => "kind = \"announce\" (or remind, recap, change, cancel, resume, digest)",
        "rules.slot" => {
            "5 cron fields, min hour day month weekday: slot = \"0 10 * * *\" (10:00 daily)"
        }
        "rules.offset" => {
            "a signed duration from the anchor, e.g. offset = \"-7d\" (a week before), \"-1h\", \"+1d\""
        }
        "rules.deadline" => {
            "start, end or due plus a signed duration, e.g. deadline = \"start+30m\""
        }
        "rules.window" => "a duration, e.g. window = \"7d\"",
        "rules.require_slides" => {
            "the latest offset to wait for slides, e.g. require_slides = \"7d\""
        }
        "rules.anchor" => "anchor = \"start\" or anchor = \"end\"",
        "channels.platform" => "platform = \"dingtalk\" (or wecom, feishu, console)",
        "channels.format" => "format = \"markdown\" (the error lists this platform's formats)",
        "channels.server_errors" => "server_errors = \"retry\" or server_errors = \"ambiguous\"",
        _ => return None,
    })
}
