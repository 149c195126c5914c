//! One classifier per platform turns every reply into delivered / transient / permanent /
//! ambiguous. The platform's word counts, not HTTP's: a 200 with a non-zero errcode is a
//! failure. Codes from `shared/docs/platform-apis.md` §1.7, §2.7, §3.7.

use crate::model::{Outcome, OutcomeClass, Platform, ServerErrors};
use serde_json::Value;

/// What the retry loop should do beyond the class: wait out a throttle, or re-sign once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    None,
    /// The platform throttled this robot: pause it for its penalty.
    Throttled,
    /// A stale signature or clock skew: retry once with a fresh signature.
    Resign,
}

/// Classify an HTTP reply (status and body) from `platform`.
pub fn reply(platform: Platform, status: u16, body: &str) -> (Outcome, Hint) {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let code = json
        .as_ref()
        .and_then(|v| v.get(code_field(platform)).or_else(|| v.get("StatusCode")))
        .and_then(Value::as_i64);
    let msg = json
        .as_ref()
        .and_then(|v| {
            v.get(msg_field(platform))
                .or_else(|| v.get("StatusMessage"))
        })
        .and_then(Value::as_str)
        .map(str::to_string);
    let (class, hint) = match code {
        Some(0) if (200..300).contains(&status) => (OutcomeClass::Delivered, Hint::None),
        Some(code) => match platform {
            Platform::Dingtalk => dingtalk(code, msg.as_deref().unwrap_or("")),
            Platform::Wecom => wecom(code),
            Platform::Feishu => feishu(code),
            Platform::Console => (OutcomeClass::Permanent, Hint::None),
        },
        None if status >= 500 => (OutcomeClass::Transient, Hint::None),
        None if status == 429 => (OutcomeClass::Transient, Hint::Throttled),
        // 2xx without a verdict (a proxy's page, a cut body): it may have been posted, so it
        // is never re-posted automatically.
        None if (200..300).contains(&status) => (OutcomeClass::Ambiguous, Hint::None),
        // A 4xx without a verdict: the request was refused as sent.
        None => (OutcomeClass::Permanent, Hint::None),
    };
    let errmsg = msg.or_else(|| {
        (class != OutcomeClass::Delivered).then(|| {
            format!(
                "HTTP {status}: {}",
                body.chars().take(200).collect::<String>()
            )
        })
    });
    (
        Outcome {
            class,
            http_status: Some(status),
            errcode: code,
            errmsg,
        },
        hint,
    )
}

fn code_field(platform: Platform) -> &'static str {
    if platform == Platform::Feishu {
        "code"
    } else {
        "errcode"
    }
}

fn msg_field(platform: Platform) -> &'static str {
    if platform == Platform::Feishu {
        "msg"
    } else {
        "errmsg"
    }
}

fn dingtalk(code: i64, msg: &str) -> (OutcomeClass, Hint) {
    use OutcomeClass::*;
    match code {
        130101 | 410100 => (Transient, Hint::Throttled),
        -1 => (Transient, Hint::None),
        310000 if msg.contains("timestamp") => (Permanent, Hint::Resign),
        // keywords, sign, IP allow-list, token, group, robot, type, content, size.
        _ => (Permanent, Hint::None),
    }
}

fn wecom(code: i64) -> (OutcomeClass, Hint) {
    use OutcomeClass::*;
    match code {
        45009 => (Transient, Hint::Throttled),
        -1 => (Transient, Hint::None),
        // 93000 bad key, 40058/45002 too long, 44004 empty, 40008 bad type, …
        _ => (Permanent, Hint::None),
    }
}

fn feishu(code: i64) -> (OutcomeClass, Hint) {
    use OutcomeClass::*;
    match code {
        11232 => (Transient, Hint::Throttled),
        2200 => (Transient, Hint::None),
        19021 => (Permanent, Hint::Resign),
        // 9499 bad request, 19022 IP, 19024 keywords, 19036 too large, …
        _ => (Permanent, Hint::None),
    }
}

/// Apply a channel's `server_errors` choice: a 5xx means the platform's front door had the
/// body; by default it is retried (most are outages before the message was processed), for
/// groups where a duplicate is worse than a manual check it is ambiguous instead.
pub fn server_errors(classified: (Outcome, Hint), choice: ServerErrors) -> (Outcome, Hint) {
    let (mut outcome, hint) = classified;
    let server_error = outcome.http_status.is_some_and(|s| s >= 500);
    if server_error && outcome.class == OutcomeClass::Transient && choice == ServerErrors::Ambiguous
    {
        outcome.class = OutcomeClass::Ambiguous;
    }
    (outcome, hint)
}

/// Classify a transport failure. A request that never connected, or that hyper cancelled
/// before writing any of it, can be retried; one that could not even be built (a bad URL)
/// never will succeed; one that may have reached the platform (timeout, reset after
/// sending) is ambiguous.
pub fn transport(err: &reqwest::Error) -> Outcome {
    let unsent = never_started(err);
    let class = if err.is_builder() {
        OutcomeClass::Permanent
    } else if err.is_connect() || unsent {
        OutcomeClass::Transient
    } else {
        OutcomeClass::Ambiguous
    };
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if unsent {
        "not sent: the connection closed first"
    } else {
        "connection failed"
    };
    // `without_url`: the URL carries the robot's token.
    let detail = std::error::Error::source(err)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let detail = crate::model::redact_url(&detail);
    Outcome {
        class,
        http_status: None,
        errcode: None,
        errmsg: Some(
            format!("{what}: {detail}")
                .trim_end_matches(": ")
                .to_string(),
        ),
    }
}

/// hyper cancels a request it never started to write (the connection closed or was not
/// ready while the request waited for it): nothing of it reached the platform.
fn never_started(err: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_canceled)
        {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use OutcomeClass::*;

    fn class(p: Platform, status: u16, body: &str) -> (OutcomeClass, Hint, Option<i64>) {
        let (o, h) = reply(p, status, body);
        (o.class, h, o.errcode)
    }

    #[test]
    fn dingtalk_replies() {
        let d = Platform::Dingtalk;
        assert_eq!(
            class(d, 200, r#"{"errcode":0,"errmsg":"ok"}"#),
            (Delivered, Hint::None, Some(0))
        );
        assert_eq!(
            class(
                d,
                200,
                r#"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#
            ),
            (Transient, Hint::Throttled, Some(130101))
        );
        assert_eq!(
            class(
                d,
                200,
                r#"{"errcode":310000,"errmsg":"keywords not in content"}"#
            ),
            (Permanent, Hint::None, Some(310000))
        );
        assert_eq!(
            class(d, 200, r#"{"errcode":310000,"errmsg":"invalid timestamp"}"#),
            (Permanent, Hint::Resign, Some(310000))
        );
        assert_eq!(
            class(
                d,
                200,
                r#"{"errcode":300001,"errmsg":"token is not exist"}"#
            )
            .0,
            Permanent
        );
        assert_eq!(
            class(
                d,
                200,
                r#"{"errcode":460101,"errmsg":"message too long, exceed 20000 bytes"}"#
            )
            .0,
            Permanent
        );
        assert_eq!(
            class(d, 200, r#"{"errcode":-1,"errmsg":"系统繁忙"}"#).0,
            Transient
        );
        assert_eq!(
            class(d, 502, "<html>bad gateway</html>"),
            (Transient, Hint::None, None)
        );
        assert_eq!(class(d, 200, "not json").0, Ambiguous);
        assert_eq!(class(d, 404, "<html>not found</html>").0, Permanent);
    }

    #[test]
    fn wecom_replies() {
        let w = Platform::Wecom;
        assert_eq!(class(w, 200, r#"{"errcode":0,"errmsg":"ok"}"#).0, Delivered);
        assert_eq!(
            class(
                w,
                200,
                r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#
            ),
            (Transient, Hint::Throttled, Some(45009))
        );
        assert_eq!(
            class(
                w,
                200,
                r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#
            )
            .0,
            Permanent
        );
        assert_eq!(
            class(
                w,
                200,
                r#"{"errcode":40058,"errmsg":"markdown.content exceed max length 4096"}"#
            )
            .0,
            Permanent
        );
    }

    #[test]
    fn feishu_replies() {
        let f = Platform::Feishu;
        assert_eq!(
            class(f, 200, r#"{"code":0,"msg":"success","data":{}}"#).0,
            Delivered
        );
        assert_eq!(
            class(f, 200, r#"{"StatusCode":0,"StatusMessage":"success"}"#).0,
            Delivered
        );
        assert_eq!(
            class(f, 200, r#"{"code":11232,"msg":"frequency limited"}"#),
            (Transient, Hint::Throttled, Some(11232))
        );
        assert_eq!(
            class(f, 200, r#"{"code":19021,"msg":"sign match fail"}"#),
            (Permanent, Hint::Resign, Some(19021))
        );
        assert_eq!(
            class(f, 200, r#"{"code":19024,"msg":"Key Words Not Found"}"#).0,
            Permanent
        );
        assert_eq!(
            class(f, 400, r#"{"code":9499,"msg":"Bad Request"}"#).0,
            Permanent
        );
        assert_eq!(
            class(f, 200, r#"{"code":2200,"msg":"internal error"}"#).0,
            Transient
        );
    }
}
