//! What the importer could not read, and the contradictions it met, named at page:line.

use super::{import, import_text};
use herald::source::page::NoteKind;

fn notes_of(id: &str) -> Vec<String> {
    import(id).notes.iter().map(ToString::to_string).collect()
}

#[test]
fn the_date_conflict_names_both_readings_and_the_choice() {
    let notes = notes_of("sofa-channel-6");
    let conflict = notes
        .iter()
        .find(|n| n.contains("two different dates"))
        .unwrap_or_else(|| panic!("{notes:#?}"));
    assert!(conflict.contains("sofa-channel-6.md:"), "{conflict}");
    assert!(
        conflict.contains("2019-06-12") && conflict.contains("2019-06-27"),
        "{conflict}"
    );
    assert!(conflict.contains("written 周四 but a 周三"), "{conflict}");
    assert!(conflict.ends_with("using 2019-06-27"), "{conflict}");
}

#[test]
fn a_poster_only_programme_is_reported_at_its_line() {
    let notes = notes_of("sofa-meetup-7");
    assert!(
        notes.iter().any(|n| n.contains("sofa-meetup-7.md:12: cannot read: no talks on the page: the programme is only in images")),
        "{notes:#?}"
    );
}

#[test]
fn an_agenda_typo_is_reported() {
    let notes = notes_of("service-mesh-meetup-8");
    assert!(
        notes.iter().any(
            |n| n.contains(":55: cannot read: agenda slot `14:50-13:10` ends before it starts")
        ),
        "{notes:#?}"
    );
}

const HEAD: &str =
    "---\ntitle: \"SOFAChannel#9：测试\"\ndate: 2021-06-01T10:00:00+08:00\n---\n\n## 概要\n\n";

#[test]
fn a_broken_date_fails_with_its_line() {
    let text = format!("{HEAD}- 活动时间：2021 年 02 月 30 日 19:00-20:00\n- 活动形式：线上直播\n");
    let notes = import_text(&text).unwrap_err();
    let shown: Vec<String> = notes.iter().map(ToString::to_string).collect();
    assert!(shown.iter().any(|n| n.starts_with("pages/x.md:8: cannot read: `2021 年 02 月 30 日 19:00-20:00`: 2021 年 2 月 30 日 is not a date")), "{shown:#?}");
}

#[test]
fn an_impossible_weekday_is_a_contradiction() {
    let text = format!(
        "{HEAD}- 活动时间：2021 年 06 月 10 日（周五）19:00-20:00\n- 活动形式：线上直播\n\n### 19:00-20:00 测试\n\n某某 蚂蚁集团工程师\n"
    );
    let imported = import_text(&text).unwrap();
    let c: Vec<_> = imported
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Conflict)
        .collect();
    assert_eq!(c.len(), 1, "{:#?}", imported.notes);
    assert_eq!(c[0].location.line, 8);
    assert!(c[0].message.contains("written 周五 but a 周四"), "{}", c[0]);
}

#[test]
fn a_page_without_talks_says_so() {
    let text =
        format!("{HEAD}- 活动时间：2021 年 06 月 10 日（周四）19:00-20:00\n- 活动形式：线上直播\n");
    let imported = import_text(&text).unwrap();
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.kind == NoteKind::Unread && n.message == "no talks on the page"),
        "{:#?}",
        imported.notes
    );
    assert!(imported.event.talks.is_empty());
}

#[test]
fn an_agenda_of_another_episode_is_a_contradiction() {
    let text = format!(
        "{HEAD}- 活动时间：2021 年 06 月 10 日（周四）19:00-20:00\n- 活动形式：线上直播\n\n## 议程\n\n### 14:00-14:50 别的话题\n\n某某 蚂蚁集团工程师\n"
    );
    let imported = import_text(&text).unwrap();
    let shown: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
    assert!(shown.iter().any(|n| n.starts_with("pages/x.md:13: contradiction: agenda slot `14:00-14:50 别的话题` lies outside the event's time 19:00-20:00")), "{shown:#?}");
}

#[test]
fn a_year_is_never_invented() {
    let text = "---\ntitle: \"T\"\n---\n\n- 活动时间：6 月 10 日 19:00-20:00\n";
    let notes = import_text(text).unwrap_err();
    assert!(
        notes
            .iter()
            .any(|n| n.message.contains("has no year and the page has no date")),
        "{notes:#?}"
    );
}

#[test]
fn an_agenda_naming_another_episode_is_a_contradiction() {
    let text = format!(
        "{HEAD}- 活动时间：2021 年 06 月 10 日（周四）19:00-20:00\n- 活动形式：线上直播\n\n## 议程\n\n### 19:00-20:00 SOFAChannel#8：别的话题\n\n某某 蚂蚁集团工程师\n"
    );
    let imported = import_text(&text).unwrap();
    let shown: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
    assert!(shown.iter().any(|n| n.starts_with("pages/x.md:13: contradiction: the agenda names SOFAChannel#8 but this page is SOFAChannel#9")), "{shown:#?}");
}

#[test]
fn a_two_day_event_reads_its_end_day() {
    let text = format!(
        "{HEAD}- 活动时间：2021 年 09 月 11 日（周六）09:00 至 09 月 12 日（周日）17:00\n- 活动形式：线上直播\n"
    );
    let e = import_text(&text).unwrap().event;
    assert_eq!(e.start.to_rfc3339(), "2021-09-11T09:00:00+08:00");
    assert_eq!(e.end.to_rfc3339(), "2021-09-12T17:00:00+08:00");
}

#[test]
fn a_summary_item_herald_does_not_know_is_listed() {
    let notes = notes_of("sofastack-cloud-native-workshop");
    assert!(
        notes.iter().any(|n| n.ends_with("sofastack-cloud-native-workshop.md:18: cannot read: `注册费：免费`: no field herald knows as `注册费`; not imported")),
        "{notes:#?}"
    );
}

#[test]
fn title_prefixes_go_and_a_cancelled_page_says_so() {
    let page = |title: &str| {
        format!(
            "---\ntitle: \"{title}\"\n---\n\n## 概要\n\n- 活动时间：2021 年 06 月 10 日（周四）19:00-20:00\n- 活动形式：线上直播\n"
        )
    };
    let e = import_text(&page("【活动报名】SOFAChannel#9：测试（活动报名中）"))
        .unwrap()
        .event;
    assert_eq!(e.title, "SOFAChannel#9：测试");
    assert_eq!(
        (e.series.as_deref(), e.number),
        (Some("SOFAChannel"), Some(9))
    );
    assert_eq!(e.status, herald::model::EventStatus::Scheduled);
    let e = import_text(&page("【活动取消】SOFAChannel#9：测试"))
        .unwrap()
        .event;
    assert_eq!(e.status, herald::model::EventStatus::Cancelled);
}

#[test]
fn odd_pages_give_notes_never_a_panic() {
    let bodies = [
        "",
        "---\n",
        "---\ntitle: [unclosed\n---\n",
        "---\ntitle: \"（）【】《\"\n---\n\n- 活动时间：99999999999:00-1 月 99 日\n",
        "- 活动时间：2021 年 1 月 1 日 99999999999 点至 99999999999 点\n",
        "- 时间：：：--——\n- 日期：年月日\n\n**《》**\n\n>（\n\n嘉宾介绍：（花名\n",
        "| 时间 | 环节 | 嘉宾 |\n| --- | --- | --- |\n| 25:99-: | 《 | 花名： |\n",
        "### 19:00- 主持人开场\n\n### 19:00-19:30 by\n\n**19:00 《a》**\n\n- 资料下载：[](http://)\n",
    ];
    for body in bodies {
        let _ = import_text(body);
        let _ = import_text(&format!("{HEAD}{body}"));
    }
}
