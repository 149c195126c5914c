//! The labelled facts of a page (`- 活动时间：…`, `**时间**：…`, `报名方式：…`) and the facts
//! written in running text: contacts, organizers, series and number, city, venue.

use super::lines::{Line, PageLink};
use crate::model::{Contact, ContactKind};

/// What a label says a line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Theme,
    Time,
    Date,
    Place,
    Venue,
    City,
    Form,
    Register,
    Slides,
    Live,
    Replay,
    Article,
    Project,
    Hosts,
    Organizers,
    Partners,
    /// A talk block's parts.
    Bio,
    Abstract,
    Takeaways,
    Outline,
}

/// The label of a talk-block part written alone: `**嘉宾介绍**`, `嘉宾简介：`, `「议题简介」`,
/// `### 你将收获`, `**本期分享大纲：**`.
pub fn part_label(text: &str) -> Option<Field> {
    let t = text
        .trim()
        .trim_matches(['「', '」', '【', '】', '*', '|', ' ', '：', ':']);
    Some(match t {
        "嘉宾介绍" | "嘉宾简介" | "讲师介绍" | "讲师简介" => Field::Bio,
        "议题简介" | "议题介绍" | "分享简介" => Field::Abstract,
        "听众收获" | "听众收益" | "你将收获" | "您将收获" => Field::Takeaways,
        "议题大纲" | "本期分享大纲" | "分享大纲" | "大纲" => Field::Outline,
        _ => return None,
    })
}

/// `label：value` with a known label; the label may be bold or after a list dash.
pub fn labelled(text: &str) -> Option<(Field, &str, &str)> {
    let colon = text
        .char_indices()
        .find(|&(i, c)| c == '：' || (c == ':' && !text[i..].starts_with("://")))?
        .0;
    let label = text[..colon].trim().trim_start_matches(['|', ' ']);
    if label.chars().count() > 14 {
        return None;
    }
    let value = text[colon + text[colon..].chars().next()?.len_utf8()..].trim();
    let field = field_of(label)?;
    Some((field, label, value))
}

fn field_of(label: &str) -> Option<Field> {
    if let Some(f) = part_label(label) {
        return Some(f);
    }
    let has = |w: &str| label.contains(w);
    Some(match label {
        "活动主题" | "主题" | "直播主题" => Field::Theme,
        "活动时间" | "时间" | "直播时间" => Field::Time,
        "日期" | "活动日期" => Field::Date,
        "活动地点" | "地点" | "地址" | "活动地址" => Field::Place,
        "活动场地" | "场地" | "会场" => Field::Venue,
        "活动城市" | "城市" => Field::City,
        "活动形式" | "形式" => Field::Form,
        "活动报名" | "报名方式" | "报名地址" | "注册地址" | "报名" | "报名链接" => {
            Field::Register
        }
        "资料下载" | "演讲资料" | "PPT 下载" | "PPT下载" => Field::Slides,
        "主持人" | "主持" => Field::Hosts,
        "主办方" | "主办" | "主办单位" | "联合主办" => Field::Organizers,
        "合作伙伴" | "协办" | "协办方" => Field::Partners,
        _ if has("文章") => Field::Article,
        _ if has("回放") || has("回顾") => Field::Replay,
        _ if has("直播") && (has("地址") || has("间") || has("链接")) && !has("ID") => {
            Field::Live
        }
        _ if has("官方网站") || has("官网") || has("项目地址") => Field::Project,
        _ => return None,
    })
}

/// Link texts that say nothing (`戳这里`, `点击获取`): such a link is named by its field.
pub fn generic(text: &str, url: &str) -> bool {
    let t = text.trim();
    t.is_empty()
        || t == url
        || t.starts_with("http")
        || [
            "戳这里",
            "请戳这里",
            "点击这里",
            "这里",
            "点击获取",
            "点击查看",
            "点击",
            "点此",
            "链接",
            "地址",
            "下载",
            "查看",
            "点击下载",
            "点击报名",
            "报名",
            "观看",
            "点击观看",
        ]
        .contains(&t)
}

/// Every http(s) URL of a line: its links, then bare URLs in its text.
pub fn urls(line: &Line) -> Vec<PageLink> {
    let mut out: Vec<PageLink> = line
        .links
        .iter()
        .filter(|l| l.url.starts_with("http") || l.url.starts_with("mailto:"))
        .cloned()
        .collect();
    for (i, _) in line.text.match_indices("http") {
        let tail = &line.text[i..];
        if !(tail.starts_with("http://") || tail.starts_with("https://")) {
            continue;
        }
        let end = tail
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || !c.is_ascii())
            .map_or(tail.len(), |(i, _)| i);
        let url = tail[..end].trim_end_matches(['.', ',', ')']).to_string();
        if !out.iter().any(|l| l.url == url) {
            out.push(PageLink {
                text: url.clone(),
                url,
            });
        }
    }
    out
}

/// The line is nothing but links (a continuation of a `资料下载：` list).
pub fn only_links(line: &Line) -> bool {
    !line.links.is_empty() && {
        let mut rest = line.text.clone();
        for l in &line.links {
            rest = rest.replacen(&l.text, "", 1);
        }
        rest.trim().is_empty()
    }
}

/// Contacts in running text: DingTalk group numbers, WeChat official accounts, e-mail links.
pub fn contacts(line: &Line, out: &mut Vec<Contact>) {
    let text = &line.text;
    let mut push = |kind, value: String| {
        if !out.iter().any(|c| c.kind == kind && c.value == value) {
            out.push(Contact {
                kind,
                value,
                label: None,
            });
        }
    };
    if let Some(i) = ["群号", "钉钉群", "钉钉搜索"]
        .iter()
        .filter_map(|k| text.find(k))
        .min()
    {
        let digits: String = text[i..]
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.len() >= 6 {
            push(ContactKind::DingtalkGroup, digits);
        }
    }
    if let Some(i) = text.find("公众号") {
        let before = &text[..i];
        if let Some(close) = before.rfind(['”', '"', '」'])
            && let Some(open) = before[..close].rfind(['“', '"', '「'])
        {
            let open_len = before[open..].chars().next().map_or(1, char::len_utf8);
            let name = before[open + open_len..close].trim();
            if !name.is_empty() {
                push(ContactKind::WechatOfficialAccount, name.to_string());
            }
        }
    }
    if let Some((_, v)) = text.split_once("微信群：") {
        push(ContactKind::WechatGroup, v.trim().to_string());
    }
    for l in &line.links {
        if let Some(mail) = l.url.strip_prefix("mailto:") {
            push(ContactKind::Email, mail.to_string());
        }
    }
}

/// Names in a list: `CNCF、阿里巴巴及蚂蚁金服`, `OceanBase & SOFAStack`.
pub fn names(list: &str) -> Vec<String> {
    list.split(['、', '&', '＆', '及', '和', '与', ',', '，'])
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Organizers named in a sentence: `由 X 主办`, `由 X 联合举办`, `联合 X 共同举办`.
pub fn organizers_in(text: &str) -> Option<Vec<String>> {
    for clause in text.split(['，', '。', '；', '！', ',']) {
        let Some(end) = ["联合举办", "共同举办", "主办"]
            .iter()
            .filter_map(|w| clause.find(w))
            .min()
        else {
            continue;
        };
        let head = &clause[..end];
        let start = ["由", "联合"]
            .iter()
            .filter_map(|w| head.rfind(w).map(|i| i + w.len()))
            .max();
        if let Some(start) = start {
            let list = names(&head[start..]);
            if !list.is_empty() {
                return Some(list);
            }
        }
    }
    None
}

/// `SOFAMeetup#8`, `Service Mesh Meetup#8`, `SOFA x Erda Meetup#8`: the name before `#N`.
pub fn numbered_series(text: &str) -> Option<(String, u32)> {
    for (i, _) in text.match_indices('#') {
        let digits: String = text[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let Ok(n) = digits.parse() else { continue };
        let head = &text[..i];
        let start = head
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == ' ' || *c == '&'))
            .map_or(0, |(j, c)| j + c.len_utf8());
        let mut name = head[start..].trim();
        while let Some((first, rest)) = name.split_once(' ')
            && first.chars().all(|c| c.is_ascii_digit())
        {
            name = rest.trim_start();
        }
        if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) {
            return Some((name.to_string(), n));
        }
    }
    None
}

/// A series named without a number: a word ending in `Meetup`/`Channel`, or `五周年`.
pub fn plain_series(title: &str) -> Option<(String, Option<u32>)> {
    if let Some(i) = title.find("周年") {
        let head: Vec<char> = title[..i].trim_end().chars().collect();
        let n = match head.last() {
            Some(c) if c.is_ascii_digit() => {
                let digits: String = head
                    .iter()
                    .rev()
                    .take_while(|c| c.is_ascii_digit())
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                digits.parse().ok()
            }
            Some(c) => "一二三四五六七八九十".find(*c).map(|p| p as u32 / 3 + 1),
            None => None,
        };
        if n.is_some() {
            return Some(("周年庆".to_string(), n));
        }
    }
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() > 6 && (w.ends_with("Meetup") || w.ends_with("Channel")))
        .map(|w| (w.to_string(), None))
}

/// Cities a page may name (for `成都站`-less pages: the address or the sentence with the date).
const CITIES: [&str; 40] = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "南京",
    "武汉",
    "西安",
    "重庆",
    "苏州",
    "天津",
    "长沙",
    "厦门",
    "合肥",
    "郑州",
    "青岛",
    "大连",
    "济南",
    "福州",
    "昆明",
    "贵阳",
    "宁波",
    "无锡",
    "东莞",
    "佛山",
    "沈阳",
    "哈尔滨",
    "长春",
    "石家庄",
    "太原",
    "南昌",
    "南宁",
    "海口",
    "兰州",
    "呼和浩特",
    "香港",
    "澳门",
    "台北",
    "珠海",
];

/// The first city named in `text`.
pub fn city_in(text: &str) -> Option<String> {
    CITIES
        .iter()
        .filter_map(|c| text.find(c).map(|i| (i, *c)))
        .min()
        .map(|(_, c)| c.to_string())
}

/// `成都站` in a title: the city.
pub fn station_city(text: &str) -> Option<String> {
    let i = text.find('站')?;
    let head = &text[..i];
    let start = head
        .char_indices()
        .rev()
        .find(|(_, c)| !('\u{4e00}'..='\u{9fff}').contains(c))
        .map_or(0, |(j, c)| j + c.len_utf8());
    let city = &head[start..];
    (1..=4)
        .contains(&city.chars().count())
        .then(|| city.to_string())
}

/// The venue inside an address: what follows the last province/city/district/street/number.
pub fn venue_of(address: &str) -> String {
    let cut = address
        .char_indices()
        .filter(|(_, c)| "省市区县街路号".contains(*c))
        .map(|(i, c)| i + c.len_utf8())
        .rfind(|&i| i < address.len())
        .unwrap_or(0);
    address[cut..].trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(
            labelled("活动时间：2021 年").map(|x| x.0),
            Some(Field::Time)
        );
        assert_eq!(
            labelled("B 站直播间地址：http://x").map(|x| x.0),
            Some(Field::Live)
        );
        assert_eq!(
            labelled("B 站直播回放：[a](b)").map(|x| x.0),
            Some(Field::Replay)
        );
        assert_eq!(labelled("B 站直播ID：21954520"), None);
        assert_eq!(labelled("https://x.y/z"), None);
        assert_eq!(part_label("「嘉宾简介」"), Some(Field::Bio));
        assert_eq!(part_label("本期分享大纲："), Some(Field::Outline));
    }

    #[test]
    fn organizers_in_sentences() {
        assert_eq!(
            organizers_in("本期为特别场，联合 CNCF、阿里巴巴及蚂蚁金服 共同举办。").unwrap(),
            ["CNCF", "阿里巴巴", "蚂蚁金服"]
        );
        assert_eq!(
            organizers_in("本次线下 Meetup，由  OceanBase & SOFAStack 联合举办，也是").unwrap(),
            ["OceanBase", "SOFAStack"]
        );
        assert_eq!(
            organizers_in("Workshop 由蚂蚁金服主办，6 月 24 日").unwrap(),
            ["蚂蚁金服"]
        );
        assert_eq!(organizers_in("我们举办了第一个开放日"), None);
    }

    #[test]
    fn series_and_places() {
        assert_eq!(
            numbered_series("【活动回顾】SOFAMeetup#8 成都站"),
            Some(("SOFAMeetup".into(), 8))
        );
        assert_eq!(
            numbered_series("## Service Mesh Meetup#8 特别场"),
            Some(("Service Mesh Meetup".into(), 8))
        );
        assert_eq!(
            numbered_series("SOFAChannel#35《SOFABoot》"),
            Some(("SOFAChannel".into(), 35))
        );
        assert_eq!(
            plain_series("《SOFAMeetup&木兰技术开放日-云原生专场》"),
            Some(("SOFAMeetup".into(), None))
        );
        assert_eq!(
            plain_series("SOFA 五周年，Live Long and Prosper！"),
            Some(("周年庆".into(), Some(5)))
        );
        assert_eq!(
            station_city("SOFAMeetup#6 北京站，从数据库"),
            Some("北京".into())
        );
        assert_eq!(
            venue_of("四川省成都市武侯区蚂蚁 C 空间 101 猎户座"),
            "蚂蚁 C 空间 101 猎户座"
        );
        assert_eq!(
            venue_of("北京朝阳大望京科技商务园区宏泰东街浦项中心B座2层多功能厅"),
            "浦项中心B座2层多功能厅"
        );
        assert_eq!(
            venue_of("北京海淀中关村创业大街 72 号拓荒族众创空间"),
            "拓荒族众创空间"
        );
        assert_eq!(venue_of("上海世博中心 616 房间"), "上海世博中心 616 房间");
    }
}
