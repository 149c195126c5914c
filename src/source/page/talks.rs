//! Talks in every layout the site has used: `**《题目》**` blocks with bold 嘉宾介绍/议题简介/
//! 听众收获, `### 《题目》` with a `>` speaker line and plain 嘉宾简介：/听众收益：, 「嘉宾简介」
//! blocks, agenda headings (`### 19:05-20:00 题目` + speaker line, `**9:20 - 10:10 题目 by 某某**`)
//! and agenda tables (`| 时间 | 环节 | 嘉宾 |`).

use super::fields::{Field, labelled, part_label, urls};
use super::lines::{Kind, Line, paragraphs};
use super::people::{person, role_of_bio, speakers};
use super::when::{read, slot_prefix};
use crate::model::{Sparse, Speaker, Talk, TalkDetails, TalkSlot};
use chrono::NaiveTime;

/// An agenda slot as written, talk or not (签到, 茶歇 …), for checks against the event's time.
#[derive(Debug, Clone)]
pub struct Slot {
    pub line: usize,
    pub start: NaiveTime,
    pub end: Option<NaiveTime>,
    pub text: String,
}

/// What the talk reader found.
#[derive(Debug, Default)]
pub struct Found {
    /// Each talk with the page line of its title.
    pub talks: Vec<(usize, Talk)>,
    pub hosts: Vec<String>,
    pub slots: Vec<Slot>,
    /// Indices of the lines that belong to talk blocks (not event-level fields).
    pub used: Vec<bool>,
}

const BREAKS: [&str; 8] = [
    "签到", "午餐", "午休", "茶歇", "休息", "合影", "抽奖", "入场",
];

/// Read every talk of the page.
pub fn find(lines: &[Line]) -> Found {
    let mut found = Found {
        used: vec![false; lines.len()],
        ..Found::default()
    };
    let mut i = 0;
    while i < lines.len() {
        if let Some(next) = table(lines, i, &mut found) {
            i = next;
            continue;
        }
        match start(&lines[i]) {
            Some(Start::Host(slot)) => {
                found.slots.push(slot);
                found.used[i] = true;
                if let Some(host) = lines
                    .get(i + 1)
                    .filter(|l| l.kind == Kind::Para && !l.strong)
                {
                    found.hosts.push(host_name(&host.text));
                    found.used[i + 1] = true;
                    i += 1;
                }
                i += 1;
            }
            Some(Start::Break(slot)) => {
                found.slots.push(slot);
                found.used[i] = true;
                i += 1;
            }
            Some(Start::Talk(draft)) => {
                if let Some(slot) = &draft.slot {
                    found.slots.push(slot.clone());
                }
                found.used[i] = true;
                let end = block_end(lines, i + 1);
                for u in &mut found.used[i + 1..end] {
                    *u = true;
                }
                found
                    .talks
                    .push((lines[i].line, draft.finish(&lines[i + 1..end])));
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

/// `SOFAGirl 主持人` → `SOFAGirl`.
pub fn host_name(text: &str) -> String {
    text.trim()
        .trim_end_matches("主持人")
        .trim()
        .trim_end_matches(['，', ','])
        .trim()
        .to_string()
}

enum Start {
    Talk(Draft),
    Host(Slot),
    Break(Slot),
}

struct Draft {
    title: String,
    slot: Option<Slot>,
    speakers: Vec<Speaker>,
    /// The speaker is on the next plain line (agenda headings without ` by `).
    speaker_next: bool,
}

fn titled(text: &str) -> Option<&str> {
    let t = text.trim();
    let inner = t.strip_prefix('《')?.strip_suffix('》')?;
    (!inner.contains('《')).then_some(inner.trim())
}

fn start(line: &Line) -> Option<Start> {
    let emphasised = line.strong || matches!(line.kind, Kind::Heading(l) if l >= 3);
    if !emphasised || line.quote {
        return None;
    }
    let (slot, rest) = match slot_prefix(&line.text) {
        Some((s, e, rest)) => (
            Some(Slot {
                line: line.line,
                start: s,
                end: e,
                text: line.text.clone(),
            }),
            rest,
        ),
        None => (None, line.text.as_str()),
    };
    if let Some(title) = titled(rest) {
        return Some(Start::Talk(Draft {
            title: title.to_string(),
            slot,
            speakers: Vec::new(),
            speaker_next: false,
        }));
    }
    let slot = slot?;
    if rest.is_empty() || BREAKS.iter().any(|b| rest.starts_with(b)) {
        return Some(Start::Break(slot));
    }
    if let Some((title, by)) = rest.rsplit_once(" by ") {
        let title = ["开场演讲", "主题演讲", "开场致辞"]
            .iter()
            .find_map(|p| title.strip_prefix(p))
            .unwrap_or(title);
        return Some(Start::Talk(Draft {
            title: titled(title).unwrap_or(title.trim()).to_string(),
            slot: Some(slot),
            speakers: by
                .split(['、', '&', '，'])
                .filter_map(person)
                .map(|p| p.speaker())
                .collect(),
            speaker_next: false,
        }));
    }
    if rest.contains("主持") {
        return Some(Start::Host(slot));
    }
    Some(Start::Talk(Draft {
        title: titled(rest).unwrap_or(rest).to_string(),
        slot: Some(slot),
        speakers: Vec::new(),
        speaker_next: true,
    }))
}

/// A talk block runs until the next talk, a section heading, a rule, or a bold or heading line
/// that is not one of its parts.
fn block_end(lines: &[Line], from: usize) -> usize {
    (from..lines.len())
        .find(|&j| {
            let l = &lines[j];
            let part = part_label(&l.text).is_some()
                || labelled(&l.text).is_some_and(|(f, _, _)| is_part(f));
            match l.kind {
                Kind::Rule => true,
                Kind::Heading(level) if level <= 2 => true,
                Kind::Heading(_) => !part,
                Kind::Row => true,
                _ => start(l).is_some() || (l.strong && !part && !l.quote),
            }
        })
        .unwrap_or(lines.len())
}

fn is_part(f: Field) -> bool {
    matches!(
        f,
        Field::Bio
            | Field::Abstract
            | Field::Takeaways
            | Field::Outline
            | Field::Slides
            | Field::Replay
    )
}

impl Draft {
    fn finish(mut self, body: &[Line]) -> Talk {
        let mut part: Option<Field> = None;
        let mut bios: Vec<(String, bool)> = Vec::new();
        let mut abstract_lines: Vec<(String, bool)> = Vec::new();
        let mut takeaways = Vec::new();
        let mut outline = Vec::new();
        let mut slides = None;
        let mut replay = None;
        for line in body {
            let label = part_label(&line.text).map(|f| (f, "")).or_else(|| {
                labelled(&line.text)
                    .filter(|(f, _, _)| is_part(*f))
                    .map(|(f, _, v)| (f, v))
            });
            let text = match label {
                Some((field, value)) => {
                    part = Some(field);
                    match field {
                        Field::Slides => slides = urls(line).first().map(|l| l.url.clone()),
                        Field::Replay => replay = urls(line).first().map(|l| l.url.clone()),
                        _ => {}
                    }
                    if value.is_empty() || matches!(field, Field::Slides | Field::Replay) {
                        continue;
                    }
                    value.to_string()
                }
                None => line.text.clone(),
            };
            match part {
                None if self.speaker_next && self.speakers.is_empty() && !line.strong => {
                    self.speakers = speakers(&text);
                }
                None if line.quote => self.speakers.extend(person(&text).map(|p| p.speaker())),
                None if is_time_line(&text) => {}
                None | Some(Field::Abstract) => match line.kind {
                    Kind::Item { ordered: true, .. } => outline.push(text),
                    _ => abstract_lines.push((
                        text.trim_start_matches("- ").to_string(),
                        line.soft && label.is_none(),
                    )),
                },
                Some(Field::Bio) => bios.push((text, line.soft && label.is_none())),
                Some(Field::Takeaways) => takeaways.push(text),
                Some(Field::Outline) => outline.push(text),
                Some(_) => {}
            }
        }
        self.apply_bios(&paragraphs(&bios));
        let abstract_text = paragraphs(&abstract_lines).join("\n\n");
        Talk {
            title: self.title,
            speakers: self.speakers,
            slot: self.slot.map(|s| TalkSlot {
                start: s.start,
                end: s.end,
            }),
            details: Sparse::new(TalkDetails {
                slides,
                r#abstract: (!abstract_text.is_empty()).then_some(abstract_text),
                takeaways,
                outline,
                replay,
            }),
        }
    }

    /// 嘉宾介绍 lines: bios of known speakers, or the speaker itself (`刘浩杨，Erda 微服务…` with
    /// the title part as role; or `胡子杰（花名：致节）` followed by one role per line).
    fn apply_bios(&mut self, bios: &[String]) {
        if bios.is_empty() {
            return;
        }
        if !self.speakers.is_empty() {
            if bios.len() == self.speakers.len() {
                for (s, b) in self.speakers.iter_mut().zip(bios) {
                    s.bio = Some(b.clone());
                }
            } else {
                self.speakers[0].bio = Some(bios.join("\n\n"));
            }
            for s in &mut self.speakers {
                if s.alias.is_none()
                    && let Some(p) = s.bio.as_deref().and_then(person)
                    && p.name == s.name
                {
                    s.alias = p.alias;
                }
            }
            return;
        }
        let Some(first) = person(&bios[0]) else {
            return;
        };
        let short_lines = bios[1..]
            .iter()
            .all(|b| b.chars().count() <= 40 && !b.contains('。'));
        let speaker = if first.rest.is_empty() && short_lines {
            Speaker::new(
                first.name,
                first.alias,
                (bios.len() > 1).then(|| bios[1..].join("；")),
                None,
            )
        } else {
            let role = role_of_bio(&first.rest);
            Speaker::new(first.name, first.alias, role, Some(bios.join("\n\n")))
        };
        self.speakers.push(speaker);
    }
}

/// A line that is only a date or a time (`2023 年 9 月 7 日（周四）`, `19：00 - 20：00`).
fn is_time_line(text: &str) -> bool {
    let w = read(text);
    (w.has_date() || w.has_time()) && text.chars().count() <= 30
}

/// An agenda table: a header row naming 时间 and a talk column; each row with a speaker is a
/// talk, the others are breaks.
fn table(lines: &[Line], i: usize, found: &mut Found) -> Option<usize> {
    let head = &lines[i];
    if head.kind != Kind::Row {
        return None;
    }
    let col = |words: &[&str]| {
        head.cells
            .iter()
            .position(|c| words.iter().any(|w| c.text.contains(w)))
    };
    let time = col(&["时间"])?;
    let topic = col(&["环节", "主题", "议题", "题目"])?;
    let who = col(&["嘉宾", "讲师", "分享人", "讲者"]);
    let mut j = i + 1;
    found.used[i] = true;
    while j < lines.len() && lines[j].kind == Kind::Row {
        let row = &lines[j];
        found.used[j] = true;
        let cell = |k: usize| row.cells.get(k).map_or("", |c| c.text.as_str());
        let slot = slot_prefix(cell(time)).map(|(s, e, _)| Slot {
            line: row.line,
            start: s,
            end: e,
            text: cell(time).to_string(),
        });
        let names = who.map(cell).unwrap_or("");
        if let Some(slot) = &slot {
            found.slots.push(slot.clone());
        }
        if !names.trim().is_empty() {
            let title = cell(topic);
            found.talks.push((
                row.line,
                Talk {
                    title: titled(title).unwrap_or(title.trim()).to_string(),
                    speakers: speakers(names),
                    slot: slot.map(|s| TalkSlot {
                        start: s.start,
                        end: s.end,
                    }),
                    details: Sparse::default(),
                },
            ));
        }
        j += 1;
    }
    Some(j)
}
