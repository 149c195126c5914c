//! The talks as the event has them: from the 嘉宾 list when there are no talk blocks, the one
//! talk of a live stream completed from the introduction, slides and replays matched to talks.

use super::facts::Facts;
use super::fields::{self, Field};
use super::lines::Kind;
use super::{Note, NoteKind, people, talks};
use crate::model::{Link, Sparse, Talk, TalkDetails};

pub(super) fn same_words(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && !"-—–《》".contains(*c))
            .collect()
    };
    norm(a) == norm(b)
}

/// Talks get their slides and replays from the event's lists: the slide whose title matches
/// the talk's, or the only slide and replay of a one-talk event.
pub(super) fn attach_links(talks: &mut [Talk], facts: &Facts) {
    let norm = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    if let [talk] = talks {
        if talk.slides.is_none() && facts.slides.len() == 1 {
            talk.slides = Some(facts.slides[0].url.clone());
        }
        if talk.replay.is_none() && facts.replays.len() == 1 {
            talk.replay = Some(facts.replays[0].url.clone());
        }
        return;
    }
    let mut taken: Vec<bool> = facts
        .slides
        .iter()
        .map(|s| {
            talks
                .iter()
                .any(|t| t.slides.as_deref() == Some(s.url.as_str()))
        })
        .collect();
    for talk in talks.iter_mut().filter(|t| t.slides.is_none()) {
        let best = facts
            .slides
            .iter()
            .enumerate()
            .filter(|(k, _)| !taken[*k])
            .map(|(k, s)| {
                (
                    k,
                    strsim::normalized_levenshtein(&norm(&s.title), &norm(&talk.title)),
                )
            })
            .filter(|(_, score)| *score >= 0.6)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((k, _)) = best {
            taken[k] = true;
            talk.slides = Some(facts.slides[k].url.clone());
        }
    }
}

impl super::Reader {
    /// Items of a 嘉宾 section.
    pub(super) fn guests(&self) -> Vec<(usize, String)> {
        (0..self.lines.len())
            .filter(|&i| {
                matches!(self.section_of(i).trim(), "嘉宾" | "分享嘉宾" | "活动嘉宾")
                    && matches!(self.lines[i].kind, Kind::Item { .. })
            })
            .map(|i| (self.lines[i].line, self.lines[i].text.clone()))
            .collect()
    }

    pub(super) fn guest_hosts(&self) -> Vec<String> {
        self.guests()
            .into_iter()
            .filter(|(_, t)| t.trim_end().ends_with("主持人"))
            .map(|(_, t)| talks::host_name(&t))
            .collect()
    }

    /// No talk blocks, but a 嘉宾 list and as many titled slides: one talk per slide, in order.
    pub(super) fn talks_from_guests(&mut self, slides: &[Link]) -> Vec<Talk> {
        let guests: Vec<(usize, String)> = self
            .guests()
            .into_iter()
            .filter(|(_, t)| !t.ends_with("主持人"))
            .collect();
        let titled: Vec<&Link> = slides
            .iter()
            .filter(|s| s.title.starts_with('《'))
            .collect();
        if guests.is_empty() || guests.len() != titled.len() {
            return Vec::new();
        }
        self.notes.push(Note::new(
            guests[0].0,
            NoteKind::Inferred,
            format!(
                "no talk blocks: {} talks from the slide titles and the 嘉宾 list, in order",
                guests.len()
            ),
        ));
        guests
            .iter()
            .zip(titled)
            .filter_map(|((_, g), s)| {
                let speaker = people::person(g)?.speaker();
                Some(Talk {
                    title: s
                        .title
                        .trim_start_matches('《')
                        .trim_end_matches('》')
                        .trim()
                        .to_string(),
                    speakers: vec![speaker],
                    slot: None,
                    details: Sparse::new(TalkDetails {
                        slides: Some(s.url.clone()),
                        ..TalkDetails::default()
                    }),
                })
            })
            .collect()
    }

    /// A live stream with one talk: its title as the event title spells it, its abstract from
    /// the introduction that names it, its outline and takeaways from the event-level lists.
    pub(super) fn single_talk(&mut self, talks: &mut [Talk], title: &str, used: &[bool]) {
        let [talk] = talks else { return };
        let candidates = [
            title
                .split_once('《')
                .and_then(|(_, r)| r.split_once('》'))
                .map(|(t, _)| t.to_string()),
            title.split_once('：').map(|(_, t)| t.to_string()),
        ];
        if let Some(better) = candidates
            .into_iter()
            .flatten()
            .find(|c| same_words(c, &talk.title))
        {
            talk.title = better.trim().to_string();
        }
        let mut i = 0;
        while i < self.lines.len() {
            let l = &self.lines[i];
            let heading = matches!(l.kind, Kind::Heading(3..)) || l.strong;
            let plain: String = l.text.chars().filter(|c| !c.is_whitespace()).collect();
            let names: String = talk.title.chars().filter(|c| !c.is_whitespace()).collect();
            if heading && !used[i] && plain.contains(&names) && talk.r#abstract.is_none() {
                let mut abstract_lines = Vec::new();
                let mut part = None;
                for next in &self.lines[i + 1..] {
                    if let Some(p) = fields::part_label(&next.text) {
                        part = Some(p);
                        continue;
                    }
                    if matches!(next.kind, Kind::Heading(_)) || next.strong {
                        break;
                    }
                    match part {
                        Some(Field::Outline)
                            if talk.outline.is_empty() || part == Some(Field::Outline) =>
                        {
                            if !talk.outline.contains(&next.text) {
                                talk.outline.push(next.text.clone());
                            }
                        }
                        Some(_) => {}
                        None => abstract_lines.push(next.text.clone()),
                    }
                }
                if !abstract_lines.is_empty() {
                    talk.r#abstract = Some(abstract_lines.join("\n\n"));
                }
            }
            if !used[i]
                && fields::part_label(&l.text) == Some(Field::Takeaways)
                && talk.takeaways.is_empty()
            {
                talk.takeaways = self.lines[i + 1..]
                    .iter()
                    .take_while(|n| matches!(n.kind, Kind::Item { .. }))
                    .map(|n| n.text.clone())
                    .collect();
            }
            if !used[i]
                && fields::part_label(&l.text) == Some(Field::Outline)
                && talk.outline.is_empty()
            {
                talk.outline = self.lines[i + 1..]
                    .iter()
                    .take_while(|n| matches!(n.kind, Kind::Item { .. }))
                    .map(|n| n.text.clone())
                    .collect();
            }
            i += 1;
        }
    }

    pub(super) fn no_talks(&mut self) {
        let poster = self
            .lines
            .iter()
            .find(|l| !l.images.is_empty())
            .map(|l| l.line);
        let message = match poster {
            Some(line) => format!(
                "no talks on the page: the programme is only in images (first at line {line})"
            ),
            None => "no talks on the page".to_string(),
        };
        let line = poster.unwrap_or(1);
        self.notes.push(Note::new(line, NoteKind::Unread, message));
    }
}
