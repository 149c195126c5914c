//! Integration tests: the pure planner — due instants and deadlines for each default rule,
//! slots read in the rule's zone (also across DST), recap fallback, digests, targets.

use chrono::{DateTime, TimeDelta, Utc};
use herald::config::{default_rules, parse_deadline, parse_slot};
use herald::model::{ChannelSpec, Event, EventStatus, MessageKind, Rule, When};
use herald::plan::{digest_events, plan, schedule, targets};
use herald::source::parse_event;
use std::path::Path;

const SHANGHAI: herald::model::Zone = herald::model::Zone::SHANGHAI;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn event(text: &str) -> Event {
    parse_event(Path::new("ev.toml"), text, SHANGHAI).unwrap()
}

/// SOFAMeetup#8 成都站: Saturday 2021-09-11 13:30–17:00 Asia/Shanghai.
fn meetup(extra: &str) -> Event {
    event(&format!(
        "title = \"SOFAMeetup#8\"\nstart = 2021-09-11T13:30:00\nend = 2021-09-11T17:00:00\n{extra}"
    ))
}

fn rule(rules: &[Rule], name: &str) -> Rule {
    rules.iter().find(|r| r.name == name).unwrap().clone()
}

#[test]
fn default_rules_for_an_offline_meetup() {
    let rules = default_rules(SHANGHAI);
    let ev = meetup("[[slides]]\ntitle = \"s\"\nurl = \"https://example.com/s.pdf\"\n");
    let due = |name: &str| schedule(&rule(&rules, name), &ev);
    assert_eq!(
        due("announce"),
        Some((
            at("2021-09-04T10:00:00+08:00"),
            at("2021-09-11T13:30:00+08:00")
        ))
    );
    assert_eq!(
        due("remind-day-before"),
        Some((
            at("2021-09-10T10:00:00+08:00"),
            at("2021-09-11T13:30:00+08:00")
        ))
    );
    assert_eq!(
        due("remind-hour-before"),
        Some((
            at("2021-09-11T12:30:00+08:00"),
            at("2021-09-11T13:30:00+08:00")
        ))
    );
    assert_eq!(
        due("live-at-start"),
        None,
        "offline events get no live-link reminder"
    );
    assert_eq!(
        due("recap"),
        Some((
            at("2021-09-12T10:00:00+08:00"),
            at("2021-10-11T17:00:00+08:00")
        ))
    );
}

#[test]
fn day_before_slot_is_calendar_day_even_for_early_events() {
    let rules = default_rules(SHANGHAI);
    let ev = event(
        "title = \"t\"\nstart = 2022-04-01T09:30:00\nend = 2022-04-01T12:00:00\nformat = \"online\"\n",
    );
    assert_eq!(
        schedule(&rule(&rules, "remind-day-before"), &ev).unwrap().0,
        at("2022-03-31T10:00:00+08:00")
    );
    let live = schedule(&rule(&rules, "live-at-start"), &ev).unwrap();
    assert_eq!(
        live,
        (
            at("2022-04-01T09:30:00+08:00"),
            at("2022-04-01T10:00:00+08:00")
        )
    );
}

#[test]
fn recap_without_slides_waits_for_the_fallback() {
    let rules = default_rules(SHANGHAI);
    let without = meetup("");
    assert_eq!(
        schedule(&rule(&rules, "recap"), &without).unwrap().0,
        at("2021-09-18T10:00:00+08:00")
    );
    let talk_slides = meetup("[[talks]]\ntitle = \"x\"\nslides = \"https://example.com/x.pdf\"\n");
    assert_eq!(
        schedule(&rule(&rules, "recap"), &talk_slides).unwrap().0,
        at("2021-09-12T10:00:00+08:00")
    );
}

#[test]
fn slots_are_read_in_the_rule_zone_across_dst() {
    // A Berlin rule for an event right after the 2021-03-28 DST change: 10:00 local is UTC+2.
    let mut r = rule(
        &default_rules(herald::model::Zone::known("Europe/Berlin")),
        "remind-day-before",
    );
    let ev = event(
        "title = \"t\"\nstart = 2021-03-29T18:00:00\nend = 2021-03-29T20:00:00\ntimezone = \"Europe/Berlin\"\n",
    );
    assert_eq!(
        schedule(&r, &ev).unwrap().0,
        at("2021-03-28T10:00:00+02:00")
    );
    // The day before that, still winter time (UTC+1).
    let ev = event(
        "title = \"t\"\nstart = 2021-03-28T18:00:00\nend = 2021-03-28T20:00:00\ntimezone = \"Europe/Berlin\"\n",
    );
    assert_eq!(
        schedule(&r, &ev).unwrap().0,
        at("2021-03-27T10:00:00+01:00")
    );
    // The same rule read in Shanghai time for a Berlin event.
    r.zone = SHANGHAI;
    assert_eq!(
        schedule(&r, &ev).unwrap().0,
        at("2021-03-28T10:00:00+08:00"),
        "day of 2021-03-27T17:00Z in Shanghai is the 28th"
    );
}

#[test]
fn cancelled_and_postponed_events_get_nothing_planned() {
    let rules = default_rules(SHANGHAI);
    for status in ["cancelled", "postponed"] {
        let ev = meetup(&format!("status = \"{status}\"\n"));
        assert!(ev.status != EventStatus::Scheduled);
        assert!(rules.iter().all(|r| schedule(r, &ev).is_none()), "{status}");
    }
}

fn channel(name: &str, tags: &[&str]) -> ChannelSpec {
    let mut c = ChannelSpec::console(name);
    c.tags = tags.iter().map(|t| t.to_string()).collect();
    c
}

#[test]
fn targets_are_rule_selectors_intersected_with_the_event() {
    let channels = [
        channel("a", &["sofa"]),
        channel("b", &["sofa", "chengdu"]),
        channel("c", &[]),
    ];
    let mut r = rule(&default_rules(SHANGHAI), "announce");
    let names = |r: &Rule, e: &Event| {
        targets(r, e, &channels)
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&r, &meetup("")), ["a", "b", "c"]);
    assert_eq!(
        names(&r, &meetup("targets = [\"tag:chengdu\", \"c\"]\n")),
        ["b", "c"]
    );
    r.targets = vec!["tag:sofa".into()];
    assert_eq!(
        names(&r, &meetup("targets = [\"tag:chengdu\", \"c\"]\n")),
        ["b"]
    );
}

#[test]
fn plan_window_is_half_open_and_sorted() {
    let rules = default_rules(SHANGHAI);
    let channels = [channel("b", &[]), channel("a", &[])];
    let ev = meetup("");
    let all = plan(
        std::slice::from_ref(&ev),
        &rules,
        &channels,
        at("2021-09-04T10:00:00+08:00"),
        at("2021-09-11T12:30:00+08:00"),
    );
    let got: Vec<(String, String)> = all
        .iter()
        .map(|d| (d.key.rule.clone(), d.key.channel.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("announce".into(), "a".into()),
            ("announce".into(), "b".into()),
            ("remind-day-before".into(), "a".into()),
            ("remind-day-before".into(), "b".into())
        ]
    );
    assert!(all.windows(2).all(|w| w[0].due <= w[1].due));
    assert_eq!(all[0].kind, MessageKind::Announce);
}

#[test]
fn weekly_digest_lists_the_weeks_events() {
    let digest = Rule {
        name: "weekly".into(),
        kind: MessageKind::Digest,
        when: When::Digest {
            slot: parse_slot("0 9 * * MON").unwrap(),
            window: TimeDelta::days(7),
        },
        deadline: parse_deadline("due+12h").unwrap(),
        targets: vec!["*".into()],
        formats: vec![],
        zone: SHANGHAI,
    };
    let events = [
        meetup(""),
        event("title = \"far\"\nstart = 2021-10-30T10:00:00\nend = 2021-10-30T12:00:00\n"),
    ];
    let channels = [channel("a", &[])];
    let got = plan(
        &events,
        &[digest],
        &channels,
        at("2021-09-01T00:00:00+08:00"),
        at("2021-09-20T00:00:00+08:00"),
    );
    // Mondays 09-06 and 09-13: only the week of 09-06 has an event.
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].key.event, "digest@2021-09-06");
    assert_eq!(got[0].due, at("2021-09-06T09:00:00+08:00"));
    assert_eq!(got[0].deadline, at("2021-09-06T21:00:00+08:00"));
    assert_eq!(
        digest_events(&events, got[0].due, TimeDelta::days(7)).len(),
        1
    );
}

#[test]
fn one_hundred_thousand_deliveries_plan_from_five_thousand_schedules() {
    let rules = default_rules(SHANGHAI);
    let channels: Vec<ChannelSpec> = (0..20).map(|i| channel(&format!("ch{i}"), &[])).collect();
    let events: Vec<Event> = (0..1000)
        .map(|i| event(&format!("id = \"e{i}\"\ntitle = \"t\"\nstart = 2030-01-01T10:00:00\nend = 2030-01-01T12:00:00\nformat = \"online\"\n")))
        .collect();
    let all = plan(
        &events,
        &rules,
        &channels,
        at("2029-01-01T00:00:00Z"),
        at("2031-01-01T00:00:00Z"),
    );
    assert_eq!(all.len(), 1000 * 5 * 20);
}
