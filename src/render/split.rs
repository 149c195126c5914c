//! Splitting a message that is over its platform's byte limit into ordered parts marked
//! (1/3), (2/3)…: whole sections (talks) where they fit, else whole blocks, else text cut at
//! character boundaries — never inside a link or a character. Nothing is dropped.

use super::markup::{Block, Kind, Section};
use super::write::{Dialect, write};
use crate::model::{Inline, PartBody};

/// Split `sections` so that every part, written in `dialect`, is at most `limit` bytes.
/// With `title_in_body`, each part of several starts with a title line carrying its marker;
/// without (the format shows the title in a field of its own), the body has no title line.
pub fn split(
    sections: Vec<Section>,
    dialect: Dialect,
    limit: usize,
    title: &str,
    title_in_body: bool,
) -> Vec<PartBody> {
    let sections = if title_in_body {
        sections
    } else {
        without_title(sections)
    };
    let all: Vec<Block> = sections.iter().flatten().cloned().collect();
    let whole = write(dialect, &all);
    if whole.bytes() <= limit {
        return vec![whole];
    }
    let header = marker_block(title, 99, 99);
    let room = limit
        .saturating_sub(write(dialect, std::slice::from_ref(&header)).bytes() + 4)
        .max(64);
    let units = units(sections, dialect, room);
    let parts = pack(units, dialect, room);
    let total = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, mut blocks)| {
            if title_in_body {
                if blocks.first().is_some_and(|b| b.kind == Kind::Title) {
                    blocks.remove(0);
                }
                blocks.insert(0, marker_block(title, i + 1, total));
            }
            write(dialect, &blocks)
        })
        .collect()
}

/// A summary card's one text, within `limit`: whole blocks (after the title, unless
/// `title_in_body` because the card's field would clip it) while they fit, the first one
/// cut with `…` if even it does not.
pub fn summary(
    sections: Vec<Section>,
    dialect: Dialect,
    limit: usize,
    title_in_body: bool,
) -> PartBody {
    let sections = if title_in_body {
        sections
    } else {
        without_title(sections)
    };
    let blocks: Vec<Block> = sections.into_iter().flatten().collect();
    let mut taken = 0;
    while taken < blocks.len() && size(dialect, &blocks[..=taken]) <= limit {
        taken += 1;
    }
    if taken > 0 || limit == 0 || blocks.is_empty() {
        return write(dialect, &blocks[..taken]);
    }
    let PartBody::Text(first) = write(dialect, &blocks[..1]) else {
        return write(dialect, &[]);
    };
    let cut = first.floor_char_boundary(limit.saturating_sub('…'.len_utf8()));
    PartBody::Text(format!("{}…", &first[..cut]))
}

fn without_title(mut sections: Vec<Section>) -> Vec<Section> {
    if let Some(first) = sections.first_mut() {
        first.retain(|b| b.kind != Kind::Title);
    }
    sections.retain(|s| !s.is_empty());
    sections
}

fn marker_block(title: &str, index: usize, total: usize) -> Block {
    Block::text(Kind::Title, &format!("{title} ({index}/{total})"))
}

fn size(dialect: Dialect, blocks: &[Block]) -> usize {
    write(dialect, blocks).bytes()
}

/// Indivisible units, each within `room`: sections if they fit, else blocks, else pieces.
fn units(sections: Vec<Section>, dialect: Dialect, room: usize) -> Vec<Vec<Block>> {
    let mut out = Vec::new();
    for section in sections {
        if size(dialect, &section) <= room {
            out.push(section);
            continue;
        }
        for block in section {
            if size(dialect, std::slice::from_ref(&block)) <= room {
                out.push(vec![block]);
            } else {
                out.extend(cut_block(block, dialect, room).into_iter().map(|b| vec![b]));
            }
        }
    }
    out
}

/// Greedy packing of units into parts within `room`, in order.
fn pack(units: Vec<Vec<Block>>, dialect: Dialect, room: usize) -> Vec<Vec<Block>> {
    let mut parts: Vec<Vec<Block>> = Vec::new();
    let mut current: Vec<Block> = Vec::new();
    for unit in units {
        let mut candidate = current.clone();
        candidate.extend(unit.iter().cloned());
        if current.is_empty() || size(dialect, &candidate) <= room {
            current = candidate;
        } else {
            parts.push(std::mem::replace(&mut current, unit));
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// A block too large on its own: split between inlines, and a too-long text inline at
/// character boundaries. Links are never cut.
fn cut_block(block: Block, dialect: Dialect, room: usize) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut current = Block {
        kind: block.kind,
        inlines: Vec::new(),
        cells: Vec::new(),
    };
    for inline in block.inlines {
        for piece in cut_inline(inline, room / 2) {
            let mut candidate = current.clone();
            candidate.inlines.push(piece.clone());
            if current.inlines.is_empty() || size(dialect, std::slice::from_ref(&candidate)) <= room
            {
                current = candidate;
            } else {
                out.push(std::mem::replace(
                    &mut current,
                    Block {
                        kind: Kind::Para,
                        inlines: vec![piece],
                        cells: Vec::new(),
                    },
                ));
            }
        }
    }
    if !current.inlines.is_empty() {
        out.push(current);
    }
    out
}

fn cut_inline(inline: Inline, max: usize) -> Vec<Inline> {
    let Inline::Text { text, bold } = inline else {
        return vec![inline];
    };
    let mut pieces = Vec::new();
    let mut rest = text.as_str();
    while rest.len() > max {
        let cut = rest.floor_char_boundary(max);
        pieces.push(Inline::Text {
            text: rest[..cut].to_string(),
            bold,
        });
        rest = &rest[cut..];
    }
    pieces.push(Inline::Text {
        text: rest.to_string(),
        bold,
    });
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::markup::parse;

    fn markup(talks: usize) -> String {
        let mut s = String::from("# 标题\n- 时间：今天\n");
        for i in 0..talks {
            s.push_str(&format!(
                "---\n## 《议题 {i}》\n{}\n- 资料：[下载](https://example.com/{i}.pdf)\n",
                "云原生".repeat(200)
            ));
        }
        s
    }

    fn text(p: &PartBody) -> String {
        p.plain()
    }

    #[test]
    fn fits_in_one_part_unmarked() {
        let parts = split(
            parse(&markup(1)),
            Dialect::WecomMarkdown,
            4096,
            "标题",
            true,
        );
        assert_eq!(parts.len(), 1);
        assert!(!text(&parts[0]).contains("(1/1)"));
    }

    #[test]
    fn splits_at_talk_boundaries_within_the_limit_losing_nothing() {
        let parts = split(
            parse(&markup(8)),
            Dialect::WecomMarkdown,
            4096,
            "标题",
            true,
        );
        assert!(parts.len() > 1);
        let n = parts.len();
        for (i, p) in parts.iter().enumerate() {
            assert!(p.bytes() <= 4096, "part {i} has {} bytes", p.bytes());
            assert!(
                text(p).starts_with(&format!("### 标题 ({}/{n})", i + 1)),
                "{}",
                text(p)
            );
        }
        let all: String = parts.iter().map(text).collect();
        for i in 0..8 {
            assert_eq!(all.matches(&format!("《议题 {i}》")).count(), 1);
            assert!(
                all.contains(&format!("[下载](https://example.com/{i}.pdf)")),
                "link {i} intact"
            );
        }
    }

    #[test]
    fn a_huge_paragraph_is_cut_at_character_boundaries() {
        let huge = format!("# 标题\n{}\n", "长".repeat(5000));
        let parts = split(parse(&huge), Dialect::Text, 2048, "标题", true);
        assert!(parts.len() >= 8);
        let mut total = 0;
        for p in &parts {
            assert!(p.bytes() <= 2048);
            total += text(p).matches('长').count();
        }
        assert_eq!(total, 5000);
    }
}
