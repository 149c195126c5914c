//! Request signing: DingTalk (ms timestamp, HMAC-SHA256 keyed by the secret over
//! "ts\nsecret", base64, URL-encoded, in the query) and Feishu (seconds, HMAC keyed by
//! "ts\nsecret" over an empty message, base64, in the body). Signed afresh on every attempt.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// DingTalk's `sign` query value (already URL-encoded) for `timestamp_ms`.
pub fn dingtalk(timestamp_ms: i64, secret: &str) -> String {
    let digest = hmac(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    );
    // Encode everything but unreserved characters: `+`, `/`, `=` become %2B, %2F, %3D.
    utf8_percent_encode(&STANDARD.encode(digest), NON_ALPHANUMERIC).to_string()
}

/// Feishu's `sign` body field for `timestamp_s` (not URL-encoded).
pub fn feishu(timestamp_s: i64, secret: &str) -> String {
    STANDARD.encode(hmac(format!("{timestamp_s}\n{secret}").as_bytes(), b""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_known_vector() {
        // shared/docs/platform-apis.md §1.8
        assert_eq!(
            dingtalk(1_700_000_000_000, "SECtestsecret0000"),
            "dbTU%2BQCW3SRvZwhw4VTSSglZxf25JvtZa3e1hw1mwOw%3D"
        );
    }

    #[test]
    fn feishu_known_vector() {
        // shared/docs/platform-apis.md §3.4
        assert_eq!(
            feishu(1_700_000_000, "testsecret"),
            "AOc8oJ7//5OlQlfWC3nRL0R+IkuzcD1FKcAyibRK9Q8="
        );
    }
}
