//! A page's Markdown body as a flat list of located lines (headings, list items, paragraph
//! lines, table rows), read with pulldown-cmark; `<br/>` and line breaks split lines, `<font>`
//! wrappers and emphasis are dropped, invisible spaces removed.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// What kind of block a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Heading(u8),
    /// A list item line; `first` is false for its continuation lines.
    Item {
        ordered: bool,
        first: bool,
    },
    Para,
    /// One table row; the cells are in `Line::cells`.
    Row,
    Rule,
}

/// A link as written: its text and target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub text: String,
    pub url: String,
}

/// One line of the page's body.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number in the whole page file.
    pub line: usize,
    pub kind: Kind,
    /// Plain text: inline markup removed, invisible spaces removed, trimmed.
    pub text: String,
    pub links: Vec<PageLink>,
    pub images: Vec<String>,
    /// The whole text was bold (`**…**`).
    pub strong: bool,
    /// Inside a `>` quote.
    pub quote: bool,
    /// Table cells (for `Kind::Row`).
    pub cells: Vec<Line>,
    /// It continues the line before it after a plain line break (same paragraph).
    pub soft: bool,
}

impl Line {
    fn new(line: usize, kind: Kind, quote: bool) -> Line {
        Line {
            line,
            kind,
            text: String::new(),
            links: Vec::new(),
            images: Vec::new(),
            strong: true,
            quote,
            cells: Vec::new(),
            soft: false,
        }
    }

    fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.images.is_empty() && self.cells.is_empty()
    }
}

/// Remove zero-width characters, turn non-breaking and ideographic spaces into spaces.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
            )
        })
        .map(|c| {
            if matches!(c, '\u{a0}' | '\u{3000}' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Lines as paragraphs: a line that continues the one before it (a plain line break) joins it
/// with `\n`; `<br/>`, two-space breaks and blank lines separate paragraphs.
pub fn paragraphs(lines: &[(String, bool)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (text, soft) in lines {
        match out.last_mut() {
            Some(last) if *soft => {
                last.push('\n');
                last.push_str(text);
            }
            _ => out.push(text.clone()),
        }
    }
    out
}

/// The body's lines. `first_line` is the page line on which `body` starts.
pub fn lines(body: &str, first_line: usize) -> Vec<Line> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset) + first_line - 1;
    let mut b = Builder::default();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        b.event(event, line_of(range.start));
    }
    b.flush();
    b.out
}

#[derive(Default)]
struct Builder {
    out: Vec<Line>,
    cur: Option<Line>,
    /// Nesting of open blocks that make lines: lists (ordered?), quotes.
    lists: Vec<bool>,
    quote: usize,
    strong: usize,
    link: Option<(String, String)>,
    image: bool,
    /// A list item has started and its first line is not yet out.
    item_first: bool,
    /// Table state: the row being built and its current cell.
    row: Option<Line>,
    heading: Option<u8>,
    /// The next line continues the last one after a soft break.
    soft_next: bool,
}

impl Builder {
    fn kind(&self) -> Kind {
        if let Some(level) = self.heading {
            return Kind::Heading(level);
        }
        match self.lists.last() {
            Some(&ordered) => Kind::Item {
                ordered,
                first: self.item_first,
            },
            None => Kind::Para,
        }
    }

    fn line_mut(&mut self, at: usize) -> &mut Line {
        if self.cur.is_none() {
            let kind = self.kind();
            if matches!(kind, Kind::Item { first: true, .. }) {
                self.item_first = false;
            }
            let mut line = Line::new(at, kind, self.quote > 0);
            line.soft = std::mem::take(&mut self.soft_next);
            self.cur = Some(line);
        }
        self.cur.as_mut().expect("just set")
    }

    fn flush(&mut self) {
        if let Some(mut line) = self.cur.take() {
            line.text = clean(&line.text).trim().to_string();
            if line.text.is_empty() {
                line.strong = false;
            }
            if let Some(row) = &mut self.row {
                row.cells.push(line);
            } else if !line.is_empty() {
                self.out.push(line);
            } else if matches!(line.kind, Kind::Item { first: true, .. }) {
                self.item_first = true;
            }
        }
    }

    fn text(&mut self, s: &str, at: usize) {
        let strong = self.strong > 0;
        if self.image {
            return;
        }
        if let Some((text, _)) = &mut self.link {
            text.push_str(s);
        }
        let line = self.line_mut(at);
        if !strong && !s.trim().is_empty() {
            line.strong = false;
        }
        line.text.push_str(s);
    }

    fn event(&mut self, event: Event, at: usize) {
        match event {
            Event::Start(tag) => self.start(tag, at),
            Event::End(tag) => self.end(tag),
            Event::Text(s) | Event::Code(s) => self.text(&s, at),
            Event::SoftBreak => {
                self.flush();
                self.soft_next = true;
            }
            Event::HardBreak => self.flush(),
            Event::InlineHtml(html) | Event::Html(html) => {
                let tag = html.trim().to_ascii_lowercase();
                if tag.starts_with("<br") {
                    self.flush();
                }
            }
            Event::Rule => {
                self.flush();
                self.out.push(Line::new(at, Kind::Rule, self.quote > 0));
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag, at: usize) {
        if !matches!(
            tag,
            Tag::Strong | Tag::Emphasis | Tag::Link { .. } | Tag::Image { .. } | Tag::Strikethrough
        ) {
            self.soft_next = false;
        }
        match tag {
            Tag::Heading { level, .. } => {
                self.flush();
                self.heading = Some(level as u8);
            }
            Tag::Paragraph | Tag::TableCell => self.flush(),
            Tag::List(first) => {
                self.flush();
                self.lists.push(first.is_some());
            }
            Tag::Item => {
                self.flush();
                self.item_first = true;
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote += 1;
            }
            Tag::TableRow | Tag::TableHead => {
                self.flush();
                self.row = Some(Line::new(at, Kind::Row, self.quote > 0));
            }
            Tag::Strong => self.strong += 1,
            Tag::Link { dest_url, .. } => self.link = Some((String::new(), dest_url.to_string())),
            Tag::Image { dest_url, .. } => {
                self.line_mut(at).images.push(dest_url.to_string());
                self.image = true;
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                self.flush();
                self.heading = None;
            }
            TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell => self.flush(),
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
            }
            TagEnd::TableRow | TagEnd::TableHead => {
                self.flush();
                if let Some(mut row) = self.row.take() {
                    row.text = row
                        .cells
                        .iter()
                        .map(|c| c.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" | ");
                    row.strong = false;
                    self.out.push(row);
                }
            }
            TagEnd::Strong => self.strong = self.strong.saturating_sub(1),
            TagEnd::Link => {
                if let Some((text, url)) = self.link.take()
                    && let Some(line) = &mut self.cur
                {
                    line.links.push(PageLink {
                        text: clean(&text).trim().to_string(),
                        url: url.trim().to_string(),
                    });
                }
            }
            TagEnd::Image => self.image = false,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_split_lines_and_markup_is_dropped() {
        let body = "- 资料下载：<br/>\n[《A》](https://a/x.pdf)<br/>\n[《B》](https://b)\n\n**时间**：2021年6 月 19 日\n\n<font color=#1E90FF>[点击查看](https://v)</font> \n";
        let ls = lines(body, 10);
        let texts: Vec<&str> = ls.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "资料下载：",
                "《A》",
                "《B》",
                "时间：2021年6 月 19 日",
                "点击查看"
            ]
        );
        assert_eq!(ls[0].line, 10);
        assert_eq!(ls[1].line, 11);
        assert_eq!(ls[1].links[0].url, "https://a/x.pdf");
        assert!(matches!(ls[1].kind, Kind::Item { first: false, .. }));
        assert!(!ls[3].strong);
        assert_eq!(ls[4].links[0].text, "点击查看");
    }

    #[test]
    fn plain_line_breaks_keep_a_paragraph_together() {
        let body = "从事开发超过 10 年。\n曾在金融行业。\n\n目前负责社区。<br/>以及后端。\n";
        let ls = lines(body, 1);
        let parts: Vec<(String, bool)> = ls.iter().map(|l| (l.text.clone(), l.soft)).collect();
        assert_eq!(
            paragraphs(&parts),
            [
                "从事开发超过 10 年。\n曾在金融行业。",
                "目前负责社区。",
                "以及后端。"
            ]
        );
    }

    #[test]
    fn two_space_breaks_split_lines_too() {
        let body = "- 资料下载：  \n[《A》](https://a)  \n[《B》](https://b)\n";
        let ls = lines(body, 1);
        let texts: Vec<&str> = ls.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["资料下载：", "《A》", "《B》"]);
        assert_eq!(ls[2].line, 3);
    }

    #[test]
    fn tables_quotes_and_invisible_spaces() {
        let body = "| 时间 | 环节 |\n| --- | --- |\n| 9:00 | 签到\u{200b} |\n\n>王庆\u{a0}英特尔\n\n**《题目》**\n";
        let ls = lines(body, 1);
        assert_eq!(ls[0].kind, Kind::Row);
        assert_eq!(ls[1].cells[1].text, "签到");
        assert_eq!(ls[1].line, 3);
        assert!(ls[2].quote);
        assert_eq!(ls[2].text, "王庆 英特尔");
        assert!(ls[3].strong);
    }
}
