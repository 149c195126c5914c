//! The ledger's semantics, one case per function, run on every store (`super::on_both!`):
//! claims are exclusive across connections and threads, outcomes map to states, crashes
//! leave ambiguous rows, migrations are idempotent, holds match by `*`.

use super::{Place, outcome, req, t};
use herald::ledger::{Claim, Hold, State};
use herald::model::{DeliveryKey, MessageKind, OutcomeClass};
use std::sync::{Arc, Barrier};

pub fn a_second_claim_is_impossible_across_connections(place: &dyn Place) {
    let (a, b) = (place.open(), place.open());
    let Claim::Claimed(id) = a.claim(&req("c", 1)).unwrap() else {
        panic!("first claim must win")
    };
    match b.claim(&req("c", 1)).unwrap() {
        Claim::Taken(row) => {
            assert_eq!(row.id, id);
            assert_eq!(row.state, State::Claimed);
        }
        other => panic!("second claim won: {other:?}"),
    }
    // Another part or channel is a different key.
    assert!(matches!(b.claim(&req("c", 2)).unwrap(), Claim::Claimed(_)));
    assert!(matches!(b.claim(&req("d", 1)).unwrap(), Claim::Claimed(_)));
}

pub fn racing_threads_on_separate_connections_have_exactly_one_winner(place: &dyn Place) {
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (ledger, barrier) = (place.open(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                (0..20)
                    .filter(|i| {
                        matches!(
                            ledger.claim(&req(&format!("ch{i}"), 1)).unwrap(),
                            Claim::Claimed(_)
                        )
                    })
                    .count()
            })
        })
        .collect();
    let winners: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(winners, 20, "each of 20 keys is won exactly once");
}

pub fn outcomes_map_to_states_with_errcode_and_attempts(place: &dyn Place) {
    let ledger = place.open();
    let cases = [
        ("a", outcome(OutcomeClass::Delivered, Some(0)), State::Sent),
        (
            "b",
            outcome(OutcomeClass::Permanent, Some(310000)),
            State::Failed,
        ),
        (
            "c",
            outcome(OutcomeClass::Transient, Some(130101)),
            State::Failed,
        ),
        (
            "d",
            outcome(OutcomeClass::Ambiguous, None),
            State::Ambiguous,
        ),
    ];
    for (ch, out, _) in &cases {
        let Claim::Claimed(id) = ledger.claim(&req(ch, 1)).unwrap() else {
            panic!()
        };
        ledger.finish(id, out, 3, t(1)).unwrap();
    }
    for (ch, out, state) in &cases {
        let key = DeliveryKey {
            event: "ev".into(),
            rule: "announce".into(),
            channel: (*ch).into(),
        };
        let rows = ledger.rows_for(&key).unwrap();
        assert_eq!(rows[0].state, *state, "{ch}");
        assert_eq!(rows[0].errcode, out.errcode);
        assert_eq!(rows[0].attempts, 3);
        assert_eq!(rows[0].finished_at, Some(t(1)));
        // Decided, except a sent part 1 of 2: part 2 must still go out.
        assert_eq!(ledger.done(&key).unwrap(), *state != State::Sent, "{ch}");
    }
    let Claim::Claimed(id) = ledger.claim(&req("a", 2)).unwrap() else {
        panic!()
    };
    let key_a = DeliveryKey {
        event: "ev".into(),
        rule: "announce".into(),
        channel: "a".into(),
    };
    assert!(ledger.done(&key_a).unwrap(), "part 2 claimed: decided");
    ledger.finish(id, &cases[0].1, 1, t(2)).unwrap();
    assert!(ledger.done(&key_a).unwrap(), "both parts sent");
    // Sent or ambiguous: a group that may have seen the announcement gets its changes.
    assert_eq!(
        ledger.sent_channels("ev", MessageKind::Announce).unwrap(),
        ["a", "d"]
    );
}

pub fn a_crash_leaves_claimed_parts_resendable_and_posting_parts_ambiguous(place: &dyn Place) {
    {
        let ledger = place.open();
        // Part 1 was on the wire, part 2 still waited for its robot's budget.
        let Claim::Claimed(on_wire) = ledger.claim(&req("c", 1)).unwrap() else {
            panic!()
        };
        ledger.posting(on_wire).unwrap();
        assert!(matches!(
            ledger.claim(&req("c", 2)).unwrap(),
            Claim::Claimed(_)
        ));
    } // "crash": never finished
    let ledger = place.open();
    assert_eq!(ledger.unresolved().unwrap().len(), 2);
    assert_eq!(
        ledger.recover("cli").unwrap(),
        (0, 0),
        "another process's rows are left alone"
    );
    assert_eq!(ledger.recover("daemon").unwrap(), (1, 1));
    let rows = ledger.history(None).unwrap();
    assert_eq!(rows.len(), 1, "the waiting part's claim is gone");
    assert_eq!((rows[0].part, rows[0].state), (1, State::Ambiguous));
    assert_eq!(rows[0].attempts, 1);
    // Still decided: a new claim of the ambiguous part does not win; the released one does.
    assert!(matches!(
        ledger.claim(&req("c", 1)).unwrap(),
        Claim::Taken(_)
    ));
    assert!(matches!(
        ledger.claim(&req("c", 2)).unwrap(),
        Claim::Claimed(_)
    ));
    // An ambiguous row cannot be released (only a claim whose part never left can).
    assert!(ledger.release(rows[0].id).is_err());
}

pub fn a_part_retried_after_a_refusal_is_claimed_again_between_attempts(place: &dyn Place) {
    let ledger = place.open();
    let Claim::Claimed(id) = ledger.claim(&req("c", 1)).unwrap() else {
        panic!()
    };
    ledger.posting(id).unwrap();
    ledger.unposted(id).unwrap();
    assert_eq!(ledger.history(None).unwrap()[0].state, State::Claimed);
    assert!(ledger.unposted(id).is_err(), "only a posting row goes back");
    ledger.posting(id).unwrap();
    ledger
        .finish(id, &outcome(OutcomeClass::Delivered, None), 2, t(1))
        .unwrap();
    let row = &ledger.history(None).unwrap()[0];
    assert_eq!((row.state, row.attempts), (State::Sent, 2));
    // A finished row is final: no second verdict, no new post.
    assert!(
        ledger
            .finish(id, &outcome(OutcomeClass::Permanent, Some(1)), 3, t(2))
            .is_err()
    );
    assert!(ledger.posting(id).is_err());
}

pub fn writes_that_change_no_row_are_errors(place: &dyn Place) {
    let ledger = place.open();
    let none = 4242;
    assert!(ledger.posting(none).is_err());
    assert!(
        ledger
            .finish(none, &outcome(OutcomeClass::Delivered, None), 1, t(0))
            .is_err()
    );
    assert!(ledger.release(none).is_err());
    assert!(ledger.resolve_sent(none, t(0)).is_err());
    assert!(ledger.reopen(none).is_err());
}

pub fn an_operator_settles_ambiguous_rows_as_sent_or_reopens_them(place: &dyn Place) {
    let ledger = place.open();
    for ch in ["a", "b"] {
        let Claim::Claimed(id) = ledger.claim(&req(ch, 1)).unwrap() else {
            panic!()
        };
        ledger.posting(id).unwrap();
        ledger
            .finish(id, &outcome(OutcomeClass::Ambiguous, None), 1, t(0))
            .unwrap();
    }
    let rows = ledger.history(None).unwrap();
    ledger.resolve_sent(rows[0].id, t(5)).unwrap();
    ledger.reopen(rows[1].id).unwrap();
    assert_eq!(
        ledger.row_by_id(rows[0].id).unwrap().unwrap().state,
        State::Sent
    );
    assert!(ledger.row_by_id(rows[1].id).unwrap().is_none());
    assert!(matches!(
        ledger.claim(&req("b", 1)).unwrap(),
        Claim::Claimed(_)
    ));
    assert!(
        ledger.reopen(rows[0].id).is_err(),
        "a sent row is never reopened"
    );
}

pub fn mark_is_idempotent_and_never_overwrites(place: &dyn Place) {
    let ledger = place.open();
    let key = DeliveryKey {
        event: "ev".into(),
        rule: "remind".into(),
        channel: "c".into(),
    };
    assert!(
        ledger
            .mark(
                &key,
                1,
                MessageKind::Remind,
                State::Missed,
                "late",
                t(0),
                t(5),
                t(10)
            )
            .unwrap()
    );
    assert!(
        !ledger
            .mark(
                &key,
                1,
                MessageKind::Remind,
                State::Skipped,
                "again",
                t(0),
                t(5),
                t(11)
            )
            .unwrap()
    );
    let rows = ledger.rows_for(&key).unwrap();
    assert_eq!(
        (rows.len(), rows[0].state, rows[0].errmsg.as_deref()),
        (1, State::Missed, Some("late"))
    );
}

pub fn migrations_are_idempotent_and_meta_and_snapshots_persist(place: &dyn Place) {
    {
        let ledger = place.open();
        ledger.meta_set("last_alive", "x").unwrap();
        ledger.meta_set("last_alive", "y").unwrap();
        ledger.snapshot_set("ev", "{\"a\":1}").unwrap();
    }
    let ledger = place.open();
    assert_eq!(ledger.meta_get("last_alive").unwrap().as_deref(), Some("y"));
    assert_eq!(
        ledger.snapshot_get("ev").unwrap().as_deref(),
        Some("{\"a\":1}")
    );
    assert_eq!(ledger.snapshot_get("other").unwrap(), None);
    ledger.ping().unwrap();
}

pub fn history_is_in_claim_order_and_filters_by_event(place: &dyn Place) {
    let ledger = place.open();
    let mut late = req("z", 1);
    late.now = t(5);
    ledger.claim(&late).unwrap();
    ledger.claim(&req("a", 1)).unwrap();
    let mut other = req("a", 1);
    other.key.event = "other".into();
    ledger.claim(&other).unwrap();
    let channels: Vec<String> = ledger
        .history(Some("ev"))
        .unwrap()
        .into_iter()
        .map(|r| r.channel)
        .collect();
    assert_eq!(channels, ["a", "z"]);
    assert_eq!(ledger.history(None).unwrap().len(), 3);
    let counts = ledger.counts().unwrap();
    assert_eq!(counts, [(State::Claimed, 3)]);
}

pub fn holds_match_by_star_and_release_by_event(place: &dyn Place) {
    let ledger = place.open();
    let key = |rule: &str, channel: &str| DeliveryKey {
        event: "ev".into(),
        rule: rule.into(),
        channel: channel.into(),
    };
    let hold = |rule: &str, channel: &str| Hold {
        event: "ev".into(),
        rule: rule.into(),
        channel: channel.into(),
        since: t(0),
    };
    assert!(ledger.hold(&hold("remind", "*"), t(0)).unwrap());
    assert!(
        !ledger.hold(&hold("remind", "*"), t(1)).unwrap(),
        "already held"
    );
    assert!(ledger.hold(&hold("announce", "dt"), t(2)).unwrap());
    assert!(ledger.held(&key("remind", "any")).unwrap());
    assert!(ledger.held(&key("announce", "dt")).unwrap());
    assert!(!ledger.held(&key("announce", "wecom")).unwrap());
    let holds = ledger.holds().unwrap();
    assert_eq!(holds.len(), 2);
    assert_eq!((holds[0].rule.as_str(), holds[0].since), ("remind", t(0)));
    assert_eq!(ledger.unhold(&hold("*", "*")).unwrap(), 2);
    assert!(!ledger.held(&key("remind", "any")).unwrap());
}

pub fn a_batch_counts_once_it_ends_and_a_failed_write_spoils_only_itself(place: &dyn Place) {
    let (ledger, other) = (place.open(), place.open());
    ledger.begin_batch();
    let Claim::Claimed(a) = ledger.claim(&req("a", 1)).unwrap() else {
        panic!("a fresh key must be won")
    };
    ledger.posting(a).unwrap();
    // A write that changes no row fails alone; the batch goes on.
    assert!(ledger.unposted(a + 1000).is_err());
    let Claim::Claimed(b) = ledger.claim(&req("b", 1)).unwrap() else {
        panic!("a fresh key must be won")
    };
    // Inside a batch the store reads its own writes.
    assert!(matches!(
        ledger.claim(&req("a", 1)).unwrap(),
        Claim::Taken(_)
    ));
    ledger.end_batch().unwrap();
    let states: Vec<(String, State)> = other
        .history(None)
        .unwrap()
        .into_iter()
        .map(|r| (r.channel, r.state))
        .collect();
    assert_eq!(
        states,
        [
            ("a".to_string(), State::Posting),
            ("b".to_string(), State::Claimed)
        ]
    );
    assert_eq!(other.row_by_id(b).unwrap().unwrap().state, State::Claimed);
    // After the batch, each call commits on its own again.
    ledger.release(b).unwrap();
    assert!(other.row_by_id(b).unwrap().is_none());
}
