//! People as pages write them: `孔令涛（花名：伯琴）`, `宋顺（齐天）`, `章耿 花名余淮`,
//! `碧远@SOFARPC 开源负责人`, `曹寅，蚂蚁金服 Kubernetes 落地负责人`, `王庆 英特尔研发总监`.

use crate::model::Speaker;

/// A name, its 花名 and whatever follows (usually the role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub alias: Option<String>,
    /// The rest of the text after the name (and alias), separators removed.
    pub rest: String,
}

impl Person {
    /// As a speaker whose role is the whole rest.
    pub fn speaker(self) -> Speaker {
        let role = trim_end(&self.rest);
        Speaker::new(
            self.name,
            self.alias,
            (!role.is_empty()).then(|| role.to_string()),
            None,
        )
    }
}

const OPEN: [char; 2] = ['（', '('];
const CLOSE: [char; 2] = ['）', ')'];

fn trim_end(s: &str) -> &str {
    s.trim()
        .trim_end_matches(['。', '；', ';', '，', ','])
        .trim()
}

/// Split a person line. `None` when it does not start with a plausible name.
pub fn person(text: &str) -> Option<Person> {
    let text = text.trim().trim_start_matches(['-', '*', ' ']).trim();
    let stop = text
        .char_indices()
        .find(|(_, c)| OPEN.contains(c) || "，,@ 、：:；;".contains(*c))
        .map_or(text.len(), |(i, _)| i);
    let mut name = text[..stop].trim().to_string();
    let mut rest = text[stop..].trim_start();
    if let Some(i) = name.find("花名") {
        // `章耿花名余淮` without a space
        rest = &text[i..];
        name = name[..i].trim().to_string();
    }
    if name.is_empty() || name.chars().count() > 16 {
        return None;
    }
    let mut alias = None;
    let mut paren_role = None;
    if rest.starts_with(OPEN) {
        let close = rest.find(CLOSE)?;
        let open_len = rest.chars().next().map_or(0, char::len_utf8);
        let inner = rest[open_len..close].trim();
        rest = rest[close + rest[close..].chars().next().map_or(0, char::len_utf8)..].trim_start();
        match nickname(inner) {
            Some(a) => alias = Some(a),
            None if inner.chars().count() <= 6 && !inner.contains(' ') => {
                alias = Some(inner.to_string())
            }
            None => paren_role = Some(inner.to_string()),
        }
    } else if let Some(a) = rest.strip_prefix("花名") {
        let a = a.trim_start_matches(['：', ':', ' ']);
        let end = a
            .char_indices()
            .find(|(_, c)| "，,@ 、；;".contains(*c))
            .map_or(a.len(), |(i, _)| i);
        alias = Some(a[..end].to_string());
        rest = &a[end..];
    }
    let rest = rest
        .trim_start_matches(['，', ',', '@', '、', '：', ':', ' '])
        .trim();
    let rest = match paren_role {
        Some(r) if rest.is_empty() => r,
        _ => rest.to_string(),
    };
    Some(Person { name, alias, rest })
}

fn nickname(inner: &str) -> Option<String> {
    let a = inner.strip_prefix("花名")?;
    let a = a.trim_start_matches(['：', ':', ' ']).trim();
    (!a.is_empty()).then(|| a.to_string())
}

/// Words that begin the narrative part of a bio rather than a title.
const NARRATIVE: [&str; 12] = [
    "主要", "专注", "目前", "负责", "从事", "曾", "热爱", "同时", "致力", "对", "在", "拥有",
];

/// The title part of a bio's first sentence: `Erda 微服务和监控团队负责人，主要负责…` →
/// `Erda 微服务和监控团队负责人`.
pub fn role_of_bio(rest: &str) -> Option<String> {
    let sentence = rest.split('。').next().unwrap_or("");
    let mut parts = Vec::new();
    for seg in sentence.split('，') {
        let seg = seg.trim();
        if seg.is_empty() || NARRATIVE.iter().any(|w| seg.starts_with(w)) {
            break;
        }
        parts.push(seg);
    }
    (!parts.is_empty()).then(|| parts.join("，"))
}

/// Several speakers in one cell: `曾凡松（逐灵），阿里巴巴高级技术专家；汪萌海（木苏），…`.
pub fn speakers(text: &str) -> Vec<Speaker> {
    text.split(['；', ';'])
        .filter_map(person)
        .map(Person::speaker)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> (String, Option<String>, String) {
        let p = person(text).unwrap();
        (p.name, p.alias, p.rest)
    }

    fn owned(name: &str, alias: Option<&str>, rest: &str) -> (String, Option<String>, String) {
        (name.into(), alias.map(Into::into), rest.into())
    }

    #[test]
    fn the_spellings_of_a_flower_name() {
        assert_eq!(p("孔令涛（花名：伯琴）"), owned("孔令涛", Some("伯琴"), ""));
        assert_eq!(
            p("宋顺（齐天），蚂蚁金服高级技术专家"),
            owned("宋顺", Some("齐天"), "蚂蚁金服高级技术专家")
        );
        assert_eq!(p("章耿 花名余淮"), owned("章耿", Some("余淮"), ""));
        assert_eq!(
            p("碧远@SOFARPC 开源负责人"),
            owned("碧远", None, "SOFARPC 开源负责人")
        );
        assert_eq!(
            p("周涛 （广侯），阿里巴巴高级技术专家"),
            owned("周涛", Some("广侯"), "阿里巴巴高级技术专家")
        );
        assert_eq!(p("胡子杰（花名：致节）"), owned("胡子杰", Some("致节"), ""));
        assert_eq!(
            p("周群力（花名：仪式）目前在蚂蚁"),
            owned("周群力", Some("仪式"), "目前在蚂蚁")
        );
    }

    #[test]
    fn roles_after_a_space_comma_or_in_parentheses() {
        assert_eq!(
            p("王庆 英特尔研发总监、木兰开源社区技术委员会成员"),
            owned("王庆", None, "英特尔研发总监、木兰开源社区技术委员会成员")
        );
        assert_eq!(
            p("曹寅，蚂蚁金服 Kubernetes 落地负责人"),
            owned("曹寅", None, "蚂蚁金服 Kubernetes 落地负责人")
        );
        assert_eq!(
            p("周群力（目前在蚂蚁集团中间件团队负责 Layotto 项目研发）"),
            owned(
                "周群力",
                None,
                "目前在蚂蚁集团中间件团队负责 Layotto 项目研发"
            )
        );
    }

    #[test]
    fn a_bio_gives_its_title_part() {
        assert_eq!(
            role_of_bio("Erda 微服务和监控团队负责人，主要负责云原生").as_deref(),
            Some("Erda 微服务和监控团队负责人")
        );
        assert_eq!(
            role_of_bio("高级技术专家，Erda 数据团队负责人，主要负责").as_deref(),
            Some("高级技术专家，Erda 数据团队负责人")
        );
        assert_eq!(
            role_of_bio("开源爱好者, co-founder of Layotto，Dapr contributor。目前在").as_deref(),
            Some("开源爱好者, co-founder of Layotto，Dapr contributor")
        );
        assert_eq!(role_of_bio("目前在蚂蚁集团"), None);
    }

    #[test]
    fn several_speakers_in_one_cell() {
        let s = speakers("曾凡松（逐灵），阿里巴巴高级技术专家；汪萌海（木苏），阿里巴巴技术专家");
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].name, "汪萌海");
        assert_eq!(s[1].alias.as_deref(), Some("木苏"));
        assert_eq!(s[1].role.as_deref(), Some("阿里巴巴技术专家"));
    }
}
