//! Chinese dates and times in the house style, always in the event's own zone:
//! `2021 年 09 月 11 日（周六）13:30-17:00`, ranges across midnight and days, and relative
//! phrases for reminders (今天 / 明天 / 后天 / 本周六 / 下周六; 上午 / 下午 / 晚上).

use chrono::{DateTime, Datelike, TimeZone, Timelike};

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

/// `周六`.
pub fn weekday<Tz: TimeZone>(t: &DateTime<Tz>) -> String {
    format!(
        "周{}",
        WEEKDAYS[t.weekday().num_days_from_monday() as usize]
    )
}

/// `2021 年 09 月 11 日（周六）`.
pub fn date<Tz: TimeZone>(t: &DateTime<Tz>) -> String {
    format!(
        "{} 年 {:02} 月 {:02} 日（{}）",
        t.year(),
        t.month(),
        t.day(),
        weekday(t)
    )
}

/// `13:30`.
pub fn time<Tz: TimeZone>(t: &DateTime<Tz>) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `2021 年 09 月 11 日（周六）13:30-17:00`; an end on the next day before 06:00 reads
/// `22:00-次日 01:00`; otherwise the end date is spelled out (with its year if it differs).
pub fn range<Tz: TimeZone>(start: &DateTime<Tz>, end: &DateTime<Tz>) -> String {
    let (sd, ed) = (start.date_naive(), end.date_naive());
    if sd == ed {
        return format!("{}{}-{}", date(start), time(start), time(end));
    }
    if ed == sd.succ_opt().unwrap_or(ed) && end.hour() < 6 {
        return format!("{}{}-次日 {}", date(start), time(start), time(end));
    }
    let end_date = if start.year() == end.year() {
        format!(
            "{:02} 月 {:02} 日（{}）",
            end.month(),
            end.day(),
            weekday(end)
        )
    } else {
        date(end)
    };
    format!(
        "{}{} 至 {}{}",
        date(start),
        time(start),
        end_date,
        time(end)
    )
}

/// 凌晨 / 上午 / 中午 / 下午 / 晚上 for an hour of the day.
pub fn period(hour: u32) -> &'static str {
    match hour {
        0..=5 => "凌晨",
        6..=11 => "上午",
        12 => "中午",
        13..=17 => "下午",
        _ => "晚上",
    }
}

/// How `at` reads from `now` (both in the event's zone): `今天下午 13:30`, `明天上午 09:30`,
/// `后天晚上 19:00`, `本周六下午 13:30`, `下周六下午 13:30`, else `09 月 11 日（周六）下午 13:30`.
pub fn relative<Tz: TimeZone>(at: &DateTime<Tz>, now: &DateTime<Tz>) -> String {
    format!(
        "{}{} {}",
        relative_day(at, now),
        period(at.hour()),
        time(at)
    )
}

/// The day of `at` as read from `now`: `今天`, `明天`, `本周六`, `下周六`, `09 月 11 日（周六）`.
pub fn relative_day<Tz: TimeZone>(at: &DateTime<Tz>, now: &DateTime<Tz>) -> String {
    let days = (at.date_naive() - now.date_naive()).num_days();
    match days {
        0 => "今天".to_string(),
        1 => "明天".to_string(),
        2 => "后天".to_string(),
        d if d > 0 && same_week(at, now) => format!("本{}", weekday(at)),
        d if d > 0 && same_week(at, &(now.clone() + chrono::TimeDelta::days(7))) => {
            format!("下{}", weekday(at))
        }
        _ if at.year() == now.year() => {
            format!("{:02} 月 {:02} 日（{}）", at.month(), at.day(), weekday(at))
        }
        _ => date(at),
    }
}

/// When an event happens, in the house form: a range with times; `… 全天` for an all-day
/// event (`… 至 …（周日）全天` over several days; `end` is the first instant after it);
/// `… 13:30 开始` for an event without an end.
pub fn when<Tz: TimeZone>(
    start: &DateTime<Tz>,
    end: &DateTime<Tz>,
    all_day: bool,
    open_end: bool,
) -> String {
    if all_day {
        let last = end.clone() - chrono::TimeDelta::seconds(1);
        if last.date_naive() <= start.date_naive() {
            return format!("{}全天", date(start));
        }
        return format!("{}至 {}全天", date(start), date(&last));
    }
    if open_end {
        return format!("{}{} 开始", date(start), time(start));
    }
    range(start, end)
}

fn same_week<Tz: TimeZone>(a: &DateTime<Tz>, b: &DateTime<Tz>) -> bool {
    let monday = |t: &DateTime<Tz>| {
        t.date_naive() - chrono::TimeDelta::days(i64::from(t.weekday().num_days_from_monday()))
    };
    monday(a) == monday(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Zone;
    const NEW_YORK: Zone = Zone::known("America/New_York");
    const SHANGHAI: Zone = Zone::SHANGHAI;

    fn t(zone: Zone, s: &str) -> DateTime<Zone> {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        zone.from_local_datetime(&naive).single().unwrap()
    }

    #[test]
    fn all_day_and_open_ended_events_read_naturally() {
        let (a, b) = (
            t(SHANGHAI, "2025-04-26 00:00"),
            t(SHANGHAI, "2025-04-27 00:00"),
        );
        assert_eq!(when(&a, &b, true, false), "2025 年 04 月 26 日（周六）全天");
        let c = t(SHANGHAI, "2025-04-28 00:00");
        assert_eq!(
            when(&a, &c, true, false),
            "2025 年 04 月 26 日（周六）至 2025 年 04 月 27 日（周日）全天"
        );
        let s = t(SHANGHAI, "2025-04-26 19:00");
        assert_eq!(
            when(&s, &b, false, true),
            "2025 年 04 月 26 日（周六）19:00 开始"
        );
    }

    #[test]
    fn same_day_range_in_house_style() {
        let (s, e) = (
            t(SHANGHAI, "2021-09-11 13:30"),
            t(SHANGHAI, "2021-09-11 17:00"),
        );
        assert_eq!(range(&s, &e), "2021 年 09 月 11 日（周六）13:30-17:00");
    }

    #[test]
    fn across_midnight_and_across_days_and_years() {
        let s = t(SHANGHAI, "2021-12-31 22:00");
        assert_eq!(
            range(&s, &t(SHANGHAI, "2022-01-01 01:00")),
            "2021 年 12 月 31 日（周五）22:00-次日 01:00"
        );
        assert_eq!(
            range(&s, &t(SHANGHAI, "2022-01-02 12:00")),
            "2021 年 12 月 31 日（周五）22:00 至 2022 年 01 月 02 日（周日）12:00"
        );
        let s = t(SHANGHAI, "2021-09-11 09:00");
        assert_eq!(
            range(&s, &t(SHANGHAI, "2021-09-12 17:00")),
            "2021 年 09 月 11 日（周六）09:00 至 09 月 12 日（周日）17:00"
        );
        assert_eq!(
            range(
                &t(SHANGHAI, "2022-01-01 00:00"),
                &t(SHANGHAI, "2022-01-01 00:30")
            ),
            "2022 年 01 月 01 日（周六）00:00-00:30"
        );
    }

    #[test]
    fn the_event_zone_decides_not_the_utc_instant() {
        // 2021-09-11 01:00 in SHANGHAI is still 09-10 in UTC: the date must be the 11th.
        let s = t(SHANGHAI, "2021-09-11 01:00");
        assert_eq!(date(&s), "2021 年 09 月 11 日（周六）");
        assert_eq!(
            date(&s.with_timezone(&chrono::Utc)),
            "2021 年 09 月 10 日（周五）"
        );
    }

    #[test]
    fn dst_change_in_a_non_shanghai_zone() {
        // New York springs forward on 2021-03-14 at 02:00 → 03:00.
        let s = t(NEW_YORK, "2021-03-13 19:00");
        let e = t(NEW_YORK, "2021-03-14 04:00");
        assert_eq!((e - s).num_hours(), 8, "one hour is skipped");
        assert_eq!(range(&s, &e), "2021 年 03 月 13 日（周六）19:00-次日 04:00");
        let now = t(NEW_YORK, "2021-03-13 09:00");
        let next_day_evening = t(NEW_YORK, "2021-03-14 19:00");
        assert_eq!(relative(&next_day_evening, &now), "明天晚上 19:00");
        // Instants converted from UTC land on the right local wall time either side of the change.
        let before = chrono::Utc
            .with_ymd_and_hms(2021, 3, 14, 6, 30, 0)
            .unwrap()
            .with_timezone(&NEW_YORK);
        let after = chrono::Utc
            .with_ymd_and_hms(2021, 3, 14, 7, 30, 0)
            .unwrap()
            .with_timezone(&NEW_YORK);
        assert_eq!(
            (time(&before), time(&after)),
            ("01:30".to_string(), "03:30".to_string())
        );
    }

    #[test]
    fn relative_phrases() {
        let now = t(SHANGHAI, "2021-09-06 10:00"); // Monday
        let at = |s| relative(&t(SHANGHAI, s), &now);
        assert_eq!(at("2021-09-06 19:00"), "今天晚上 19:00");
        assert_eq!(at("2021-09-07 09:30"), "明天上午 09:30");
        assert_eq!(at("2021-09-08 14:00"), "后天下午 14:00");
        assert_eq!(at("2021-09-11 13:30"), "本周六下午 13:30");
        assert_eq!(at("2021-09-18 13:30"), "下周六下午 13:30");
        assert_eq!(at("2021-09-25 12:00"), "09 月 25 日（周六）中午 12:00");
        assert_eq!(
            at("2022-01-01 01:00"),
            "2022 年 01 月 01 日（周六）凌晨 01:00"
        );
    }

    #[test]
    fn year_end_week_spans_years() {
        let now = t(SHANGHAI, "2021-12-27 10:00"); // Monday
        assert_eq!(
            relative(&t(SHANGHAI, "2022-01-01 14:00"), &now),
            "本周六下午 14:00"
        );
        assert_eq!(
            relative(&t(SHANGHAI, "2022-01-08 14:00"), &now),
            "下周六下午 14:00"
        );
    }
}
