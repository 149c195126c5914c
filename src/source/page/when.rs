//! The ways activity pages write a date and a time (`2021 年 09 月 11 日（周六）13:30-17:00`,
//! `1 月 17 日周四晚 7 点`, `13：00 -17：30`, `9:00 – 16:00`, …), read into parts.
//! A small tokenizer over one field's text: numbers, 年/月/日, colons, dashes, 上午/下午/晚,
//! 周X/星期X.

use chrono::{NaiveDate, NaiveTime, Weekday};

/// What one piece of text says about when: any of a date (with or without year), a weekday,
/// a start and an end time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct When {
    pub year: Option<i32>,
    pub month_day: Option<(u32, u32)>,
    pub weekday: Option<Weekday>,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    /// A second date after the dash (`09:00 至 09 月 12 日（周日）17:00`): the end's day.
    pub end_date: Option<(Option<i32>, u32, u32)>,
}

impl When {
    pub fn has_date(&self) -> bool {
        self.month_day.is_some()
    }

    pub fn has_time(&self) -> bool {
        self.start.is_some()
    }

    /// The calendar date, with `year` when the text has none. `None` for an impossible date.
    pub fn date(&self, year: i32) -> Option<NaiveDate> {
        let (m, d) = self.month_day?;
        NaiveDate::from_ymd_opt(self.year.unwrap_or(year), m, d)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Num(u32, usize),
    Unit(char),
    Colon,
    Dash,
    Period(u32),
    Day(Weekday),
    Other,
}

const PERIODS: [(&str, u32); 8] = [
    ("上午", 0),
    ("早上", 0),
    ("凌晨", 0),
    ("中午", 1),
    ("下午", 2),
    ("傍晚", 2),
    ("晚上", 2),
    ("晚", 2),
];

fn weekday(c: char) -> Option<Weekday> {
    Some(match c {
        '一' => Weekday::Mon,
        '二' => Weekday::Tue,
        '三' => Weekday::Wed,
        '四' => Weekday::Thu,
        '五' => Weekday::Fri,
        '六' => Weekday::Sat,
        '日' | '天' => Weekday::Sun,
        _ => return None,
    })
}

fn tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        if let Some(d) = c.to_digit(10) {
            let mut v = d;
            let mut n = 1;
            while let Some(d) = chars.get(i + n).and_then(|c| c.to_digit(10)) {
                v = v.saturating_mul(10).saturating_add(d);
                n += 1;
            }
            out.push(Tok::Num(v, n));
            i += n;
            continue;
        }
        if let Some(prefix) = ["星期", "礼拜", "周"]
            .iter()
            .find(|p| rest.starts_with(**p))
            && let Some(day) = chars
                .get(i + prefix.chars().count())
                .and_then(|c| weekday(*c))
        {
            out.push(Tok::Day(day));
            i += prefix.chars().count() + 1;
            continue;
        }
        if let Some((word, p)) = PERIODS.iter().find(|(w, _)| rest.starts_with(w)) {
            out.push(Tok::Period(*p));
            i += word.chars().count();
            continue;
        }
        let tok = match c {
            '年' | '月' | '日' | '号' | '点' | '时' | '分' | '半' => Tok::Unit(c),
            ':' | '：' => Tok::Colon,
            '-' | '－' | '—' | '–' | '~' | '～' | '至' | '到' => Tok::Dash,
            ' ' | ',' | '，' | '、' | '(' | ')' | '（' | '）' | '\u{a0}' | '\u{3000}' => {
                i += 1;
                continue;
            }
            _ => Tok::Other,
        };
        if !(tok == Tok::Dash && out.last() == Some(&Tok::Dash)) {
            out.push(tok);
        }
        i += 1;
    }
    out
}

/// Read the date and time parts of `text`. The first date and the first time range win.
pub fn read(text: &str) -> When {
    let toks = tokens(text);
    let mut w = When::default();
    let mut period: Option<u32> = None;
    let mut after_dash = false;
    let mut end_year = None;
    let mut i = 0;
    while i < toks.len() {
        let at = |k: usize| toks.get(i + k).copied();
        match (at(0), at(1), at(2), at(3)) {
            (Some(Tok::Num(y, 4)), Some(Tok::Unit('年')), ..) => {
                if w.month_day.is_none() {
                    w.year = Some(y as i32);
                } else if after_dash {
                    end_year = Some(y as i32);
                }
                i += 2;
            }
            (
                Some(Tok::Num(m, _)),
                Some(Tok::Unit('月')),
                Some(Tok::Num(d, _)),
                Some(Tok::Unit('日' | '号')),
            ) => {
                if w.month_day.is_none() {
                    w.month_day = Some((m, d));
                } else if after_dash && w.end.is_none() && w.end_date.is_none() {
                    w.end_date = Some((end_year, m, d));
                }
                i += 4;
            }
            (Some(Tok::Day(day)), ..) => {
                if w.end_date.is_none() {
                    w.weekday = w.weekday.or(Some(day));
                }
                i += 1;
            }
            (Some(Tok::Period(p)), ..) => {
                period = Some(p);
                i += 1;
            }
            (Some(Tok::Dash), ..) => {
                after_dash = w.start.is_some();
                i += 1;
            }
            (Some(Tok::Num(h, _)), Some(Tok::Colon), Some(Tok::Num(m, _)), _) => {
                w.time(h, m, period, after_dash);
                after_dash = false;
                i += 3;
            }
            (Some(Tok::Num(h, _)), Some(Tok::Unit('点' | '时')), next, after) => {
                let (m, used) = match (next, after) {
                    (Some(Tok::Num(m, _)), Some(Tok::Unit('分'))) => (m, 4),
                    (Some(Tok::Unit('半')), _) => (30, 3),
                    _ => (0, 2),
                };
                w.time(h, m, period, after_dash);
                after_dash = false;
                i += used;
            }
            _ => {
                after_dash = false;
                i += 1;
            }
        }
    }
    w
}

impl When {
    fn time(&mut self, h: u32, m: u32, period: Option<u32>, after_dash: bool) {
        let h = match period {
            Some(2) if h < 12 => h + 12,
            Some(1) if h < 11 => h + 12,
            _ => h,
        };
        let Some(t) = NaiveTime::from_hms_opt(h, m, 0) else {
            return;
        };
        match (self.start, self.end) {
            (None, _) => self.start = Some(t),
            (Some(s), None) if after_dash => {
                // `晚 7 点至 9 点`: an end written without its period.
                let pm = (h < 12)
                    .then(|| NaiveTime::from_hms_opt(h + 12, m, 0))
                    .flatten();
                self.end = Some(match pm {
                    Some(pm) if t < s && pm > s && period == Some(2) => pm,
                    _ => t,
                });
            }
            _ => {}
        }
    }
}

/// A leading time or time range (`19:05-20:00  题目`, `9:20 - 10:10 题目 by 某某`): the start,
/// the end if any, and the rest of the text.
pub fn slot_prefix(text: &str) -> Option<(NaiveTime, Option<NaiveTime>, &str)> {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || " :：-－—–~～至\u{a0}".contains(*c)))
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    if !head.contains([':', '：']) {
        return None;
    }
    let w = read(head);
    let start = w.start?;
    Some((start, w.end, text[end..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn reads(
        text: &str,
        year: Option<i32>,
        md: (u32, u32),
        wd: Option<Weekday>,
        start: &str,
        end: Option<&str>,
    ) {
        let w = read(text);
        assert_eq!(w.year, year, "{text}");
        assert_eq!(w.month_day, Some(md), "{text}");
        assert_eq!(w.weekday, wd, "{text}");
        assert_eq!(w.start, Some(t(start)), "{text}");
        assert_eq!(w.end, end.map(t), "{text}");
    }

    #[test]
    fn full_date_with_weekday_and_range() {
        reads(
            "2021 年 09 月 11 日（周六）13:30-17:00",
            Some(2021),
            (9, 11),
            Some(Weekday::Sat),
            "13:30",
            Some("17:00"),
        );
    }

    #[test]
    fn no_year_evening_hour() {
        reads(
            "1 月 17 日周四晚 7 点",
            None,
            (1, 17),
            Some(Weekday::Thu),
            "19:00",
            None,
        );
        reads(
            "5 月 16 日周四晚 7 点",
            None,
            (5, 16),
            Some(Weekday::Thu),
            "19:00",
            None,
        );
    }

    #[test]
    fn afternoon_with_a_24_hour_clock() {
        reads(
            "3 月 24 日周日 下午 13 点",
            None,
            (3, 24),
            Some(Weekday::Sun),
            "13:00",
            None,
        );
    }

    #[test]
    fn no_spaces_and_ascii_comma() {
        reads(
            "08月18日,周三晚19点",
            None,
            (8, 18),
            Some(Weekday::Wed),
            "19:00",
            None,
        );
    }

    #[test]
    fn comma_before_weekday() {
        reads(
            "01 月 20 日，周四晚 19 点",
            None,
            (1, 20),
            Some(Weekday::Thu),
            "19:00",
            None,
        );
    }

    #[test]
    fn full_width_colons_and_spaced_dash() {
        reads(
            "2021年6 月 19 日（周六）13：00 -17：30",
            Some(2021),
            (6, 19),
            Some(Weekday::Sat),
            "13:00",
            Some("17:30"),
        );
    }

    #[test]
    fn double_hyphen() {
        reads(
            "04 月 15 日 12:00--17:00",
            None,
            (4, 15),
            None,
            "12:00",
            Some("17:00"),
        );
    }

    #[test]
    fn em_dash() {
        reads(
            "2019 年 3 月 2 日 13:30—17:20",
            Some(2019),
            (3, 2),
            None,
            "13:30",
            Some("17:20"),
        );
    }

    #[test]
    fn en_dash_time_on_its_own_line() {
        let w = read("9:00 – 16:00");
        assert_eq!(
            (w.month_day, w.start, w.end),
            (None, Some(t("09:00")), Some(t("16:00")))
        );
    }

    #[test]
    fn xingqi_weekday() {
        reads(
            "2019 年 11 月 24 日（星期日）9:30-16:30",
            Some(2019),
            (11, 24),
            Some(Weekday::Sun),
            "09:30",
            Some("16:30"),
        );
    }

    #[test]
    fn date_line_alone() {
        let w = read("2019年6月24日，星期一");
        assert_eq!(
            (w.year, w.month_day, w.weekday, w.start),
            (Some(2019), Some((6, 24)), Some(Weekday::Mon), None)
        );
    }

    #[test]
    fn morning_point_time() {
        reads(
            "2022 年 4 月 1 日 上午 9:30",
            Some(2022),
            (4, 1),
            None,
            "09:30",
            None,
        );
    }

    #[test]
    fn hours_with_zhi() {
        reads(
            "6 月 24 日 9 点至16 点",
            None,
            (6, 24),
            None,
            "09:00",
            Some("16:00"),
        );
        reads(
            "6 月 24 日晚 7 点至 9 点半",
            None,
            (6, 24),
            None,
            "19:00",
            Some("21:30"),
        );
    }

    #[test]
    fn a_range_over_two_days() {
        let w = read("2021 年 09 月 11 日（周六）09:00 至 09 月 12 日（周日）17:00");
        assert_eq!(w.month_day, Some((9, 11)));
        assert_eq!(w.weekday, Some(Weekday::Sat));
        assert_eq!(w.end_date, Some((None, 9, 12)));
        assert_eq!((w.start, w.end), (Some(t("09:00")), Some(t("17:00"))));
        let w = read("2021 年 12 月 31 日（周五）20:00 至 2022 年 01 月 01 日（周六）02:00");
        assert_eq!(w.end_date, Some((Some(2022), 1, 1)));
        assert_eq!(w.end, Some(t("02:00")));
    }

    #[test]
    fn agenda_slots() {
        let (s, e, rest) = slot_prefix("19:05-20:00  给研发工程师的代码质量利器").unwrap();
        assert_eq!(
            (s, e, rest),
            (t("19:05"), Some(t("20:00")), "给研发工程师的代码质量利器")
        );
        let (s, e, rest) =
            slot_prefix("9:20 - 10:10 使用 SOFAStack 快速构建微服务 by 玄北").unwrap();
        assert_eq!(
            (s, e, rest),
            (
                t("09:20"),
                Some(t("10:10")),
                "使用 SOFAStack 快速构建微服务 by 玄北"
            )
        );
        assert!(slot_prefix("2021 回顾").is_none());
        assert!(slot_prefix("漫谈 HTTP/3").is_none());
    }

    #[test]
    fn impossible_dates_have_no_calendar_date() {
        assert_eq!(read("2 月 30 日 19:00").date(2021), None);
        assert_eq!(
            read("2 月 3 日 19:00").date(2021),
            NaiveDate::from_ymd_opt(2021, 2, 3)
        );
    }
}
