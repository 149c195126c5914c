//! Ambiguous rows are named for what they are and settled by a person: `herald send` says the
//! message may have been posted (never "already sent"), `history --unresolved` lists it, and
//! `herald resolve` records it as sent or posts it once more.

use super::commands::with_sample;
use super::herald;
use herald::ledger::{Claim, ClaimRequest, Ledger, State};
use herald::model::{DeliveryKey, MessageKind, Outcome, OutcomeClass};
use predicates::prelude::*;

/// A row for `m8`'s announcement to `console` whose request got no answer.
fn ambiguous_row(ledger: &Ledger) -> i64 {
    ambiguous_row_for(ledger, "announce")
}

/// [`ambiguous_row`] under the ledger rule `rule`.
fn ambiguous_row_for(ledger: &Ledger, rule: &str) -> i64 {
    let now = chrono::Utc::now();
    let req = ClaimRequest {
        key: DeliveryKey {
            event: "m8".into(),
            rule: rule.into(),
            channel: "console".into(),
        },
        part: 1,
        parts_total: 1,
        kind: MessageKind::Announce,
        content_hash: "x".into(),
        due: now,
        deadline: now,
        now,
        by: "daemon".into(),
    };
    let Claim::Claimed(id) = ledger.claim(&req).unwrap() else {
        panic!()
    };
    ledger.posting(id).unwrap();
    let lost = Outcome {
        class: OutcomeClass::Ambiguous,
        http_status: None,
        errcode: None,
        errmsg: Some("timed out".into()),
    };
    ledger.finish(id, &lost, 1, now).unwrap();
    id
}

#[test]
fn an_ambiguous_row_is_reported_as_such_and_settled_by_resolve() {
    let (dir, config) = with_sample("[herald]\nledger = \"h.db\"\n");
    let ledger = Ledger::open(&dir.path().join("h.db")).unwrap();
    let id = ambiguous_row(&ledger);
    herald(&config)
        .args(["send", "m8", "--kind", "announce"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("may have been posted — look in the group")
                .and(predicate::str::contains("already sent").not()),
        );
    herald(&config)
        .args(["history", "--unresolved"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "herald resolve {id} --sent"
        )));
    // Found in the group: recorded as sent; a second settle is refused.
    herald(&config)
        .args(["resolve", &id.to_string(), "--sent"])
        .assert()
        .success();
    assert_eq!(ledger.row_by_id(id).unwrap().unwrap().state, State::Sent);
    herald(&config)
        .args(["resolve", &id.to_string(), "--sent"])
        .assert()
        .code(2);
    herald(&config)
        .args(["send", "m8", "--kind", "announce"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already sent"));
}

#[test]
fn resend_posts_an_ambiguous_message_once_more_and_only_once() {
    let (dir, config) = with_sample("[herald]\nledger = \"h.db\"\n");
    let ledger = Ledger::open(&dir.path().join("h.db")).unwrap();
    let id = ambiguous_row(&ledger);
    herald(&config)
        .args(["resolve", &id.to_string(), "--resend"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "console: 1/1 part(s) sent; delivered",
        ));
    let rows = ledger.history(Some("m8")).unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        (rows[0].rule.as_str(), rows[0].state),
        ("announce", State::Sent)
    );
    herald(&config)
        .args(["resolve", &rows[0].id.to_string(), "--resend"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only ambiguous or failed rows"));
}

/// A forced send's key reads as a local time (`manual:announce:2026-11-25T10:31:02.951+08:00`);
/// a ledger written before keeps its Unix-millisecond keys working in history and resolve.
#[test]
fn manual_keys_are_local_times_and_old_keys_still_work() {
    let (dir, config) = with_sample("[herald]\nledger = \"h.db\"\n");
    let ledger = Ledger::open(&dir.path().join("h.db")).unwrap();
    let old = "manual:announce:1795619855951";
    let id = ambiguous_row_for(&ledger, old);
    herald(&config)
        .args(["history", "--unresolved"])
        .assert()
        .success()
        .stdout(predicate::str::contains(old));
    herald(&config)
        .args(["resolve", &id.to_string(), "--sent"])
        .assert()
        .success();
    let rows = ledger.history(Some("m8")).unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!((rows[0].rule.as_str(), rows[0].state), (old, State::Sent));
    herald(&config)
        .args(["history", "m8"])
        .assert()
        .success()
        .stdout(predicate::str::contains(old).and(predicate::str::contains("sent")));

    let before = chrono::Utc::now();
    for _ in 0..2 {
        herald(&config)
            .args(["send", "m8", "--kind", "announce", "--force"])
            .assert()
            .success();
    }
    let rows = ledger.history(Some("m8")).unwrap();
    let forced: Vec<&str> = rows
        .iter()
        .map(|r| r.rule.as_str())
        .filter(|r| *r != old)
        .collect();
    assert_eq!(forced.len(), 2, "{rows:#?}");
    assert_ne!(forced[0], forced[1], "keys stay unique");
    for rule in forced {
        let at = rule.strip_prefix("manual:announce:").unwrap();
        let t =
            chrono::DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("`{rule}`: {e}"));
        assert_eq!(t.offset().local_minus_utc(), 8 * 3600, "{rule}");
        assert!(
            t.to_utc() >= before - chrono::TimeDelta::seconds(1),
            "{rule}"
        );
        assert!(t.to_utc() <= chrono::Utc::now(), "{rule}");
    }
}
