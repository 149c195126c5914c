//! A request body drawn as the phone shows it: DingTalk and WeCom Markdown through a
//! CommonMark renderer (raw HTML escaped, never passed through), Feishu posts from their
//! elements, cards as cards with their buttons, plain text with its links made clickable.
//! Only http(s) links become `<a href>`; images are shown as links (no external assets).

use crate::model::Platform;
use pulldown_cmark::{CowStr, Event as Md, LinkType, Options, Parser, Tag, TagEnd};
use serde_json::Value;

/// The HTML of one part's request body, as `platform`'s client draws it.
pub fn draw(platform: Platform, body: &Value) -> String {
    let s = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or("");
    match platform {
        Platform::Dingtalk => match s("/msgtype") {
            "text" => text(s("/text/content")),
            "markdown" => markdown(s("/markdown/text")),
            "actionCard" => action_card(&body["actionCard"]),
            "link" => link_card(&body["link"]),
            "feedCard" => feed_card(&body["feedCard"]),
            other => unknown(other),
        },
        Platform::Wecom => match s("/msgtype") {
            "text" => text(s("/text/content")),
            "markdown" => markdown(s("/markdown/content")),
            "markdown_v2" => markdown(s("/markdown_v2/content")),
            "news" => news(&body["news"]),
            "template_card" => template_card(&body["template_card"]),
            other => unknown(other),
        },
        Platform::Feishu => match s("/msg_type") {
            "text" => text(s("/content/text")),
            "post" => post(&body["content"]["post"]["zh_cn"]),
            "interactive" => interactive(&body["card"]),
            other => unknown(other),
        },
        Platform::Console => format!(
            "<div class=\"bubble\"><b>{}</b>{}</div>",
            esc(s("/title")),
            text(s("/text"))
        ),
    }
}

fn unknown(kind: &str) -> String {
    format!(
        "<p class=\"warn\">no drawing for message type {}</p>",
        esc(kind)
    )
}

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// HTML-escape text (for text nodes and attribute values).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An `<a>` to `url` if it is http(s), else the label as plain text.
fn anchor(url: &str, label: &str) -> String {
    if is_web(url) {
        format!(
            "<a href=\"{}\" rel=\"noreferrer\">{}</a>",
            esc(url),
            esc(label)
        )
    } else {
        esc(label)
    }
}

fn is_web(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Plain text as a chat bubble: line breaks kept, bare http(s) URLs clickable.
pub fn text(t: &str) -> String {
    format!("<div class=\"bubble text\">{}</div>", autolink(t))
}

/// Escape `t`, turning each bare http(s) URL into a link. A URL ends at whitespace, a
/// non-ASCII character or `<>"` (as the clients see it).
fn autolink(t: &str) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(at) = ["https://", "http://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        out.push_str(&esc(&rest[..at]));
        let url_part = &rest[at..];
        let end = url_part
            .find(|c: char| c.is_whitespace() || !c.is_ascii() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(url_part.len());
        let url = url_part[..end].trim_end_matches(['.', ',', ')', ';']);
        out.push_str(&anchor(url, url));
        rest = &url_part[url.len()..];
    }
    out.push_str(&esc(rest));
    out
}

/// CommonMark to HTML with raw HTML escaped, non-web links unlinked and images as links.
pub fn markdown(md: &str) -> String {
    let events = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(
        |e| match e {
            Md::Html(h) | Md::InlineHtml(h) => Md::Text(h),
            Md::Start(Tag::Link { dest_url, .. }) | Md::Start(Tag::Image { dest_url, .. }) => {
                let dest = if is_web(&dest_url) {
                    dest_url
                } else {
                    CowStr::from("")
                };
                Md::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url: dest,
                    title: CowStr::from(""),
                    id: CowStr::from(""),
                })
            }
            Md::End(TagEnd::Image) => Md::End(TagEnd::Link),
            other => other,
        },
    );
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    format!("<div class=\"bubble md\">{html}</div>")
}

fn buttons<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>, class: &str) -> String {
    let links: String = pairs
        .map(|(title, url)| anchor(url, title))
        .collect::<Vec<_>>()
        .join("");
    format!("<div class=\"{class}\">{links}</div>")
}

fn action_card(card: &Value) -> String {
    let body = markdown(str_at(card, "text"));
    let btns = match card.get("btns").and_then(Value::as_array) {
        Some(list) => buttons(
            list.iter()
                .map(|b| (str_at(b, "title"), str_at(b, "actionURL"))),
            "buttons",
        ),
        None => buttons(
            std::iter::once((str_at(card, "singleTitle"), str_at(card, "singleURL"))),
            "buttons",
        ),
    };
    format!("<div class=\"card\">{body}{btns}</div>")
}

fn cover(url: &str) -> String {
    if url.is_empty() {
        String::new()
    } else {
        format!("<div class=\"cover\">{}</div>", anchor(url, "cover image"))
    }
}

fn link_card(link: &Value) -> String {
    format!(
        "<div class=\"card\"><p class=\"card-title\">{}</p>{}<p>{}</p></div>",
        anchor(str_at(link, "messageUrl"), str_at(link, "title")),
        cover(str_at(link, "picUrl")),
        esc(str_at(link, "text"))
    )
}

fn feed_card(feed: &Value) -> String {
    let items: String = feed["links"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!(
                "<li>{}{}</li>",
                anchor(str_at(l, "messageURL"), str_at(l, "title")),
                cover(str_at(l, "picURL"))
            )
        })
        .collect();
    format!("<div class=\"card\"><ul class=\"feed\">{items}</ul></div>")
}

fn news(news: &Value) -> String {
    let items: String = news["articles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            format!(
                "<li>{}{}<p>{}</p></li>",
                anchor(str_at(a, "url"), str_at(a, "title")),
                cover(str_at(a, "picurl")),
                esc(str_at(a, "description"))
            )
        })
        .collect();
    format!("<div class=\"card\"><ul class=\"feed\">{items}</ul></div>")
}

fn template_card(card: &Value) -> String {
    let source = card.pointer("/source/desc").and_then(Value::as_str);
    let main = &card["main_title"];
    let whole = card.pointer("/card_action/url").and_then(Value::as_str);
    let jumps = buttons(
        card["jump_list"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|j| (str_at(j, "title"), str_at(j, "url"))),
        "jumps",
    );
    format!(
        "<div class=\"card\">{}<p class=\"card-title\">{}</p><p class=\"muted\">{}</p>{}{jumps}{}</div>",
        source.map_or_else(String::new, |s| format!(
            "<p class=\"muted\">{}</p>",
            esc(s)
        )),
        esc(str_at(main, "title")),
        esc(str_at(main, "desc")),
        text(str_at(card, "sub_title_text")),
        whole.map_or_else(String::new, |u| format!(
            "<div class=\"buttons\">{}</div>",
            anchor(u, "open")
        )),
    )
}

fn post(post: &Value) -> String {
    let paragraphs: String = post["content"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let inline: String = p
                .as_array()
                .into_iter()
                .flatten()
                .map(post_element)
                .collect();
            format!("<p>{inline}</p>")
        })
        .collect();
    format!(
        "<div class=\"bubble post\"><p class=\"card-title\">{}</p>{paragraphs}</div>",
        esc(str_at(post, "title"))
    )
}

fn post_element(e: &Value) -> String {
    match str_at(e, "tag") {
        "a" => anchor(str_at(e, "href"), str_at(e, "text")),
        "at" => format!("<span class=\"at\">@{}</span>", esc(str_at(e, "user_id"))),
        _ => {
            let bold = e["style"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x == "bold"));
            let t = esc(str_at(e, "text"));
            if bold { format!("<b>{t}</b>") } else { t }
        }
    }
}

fn interactive(card: &Value) -> String {
    let title = card
        .pointer("/header/title/content")
        .and_then(Value::as_str)
        .unwrap_or("");
    let elements: String = card["elements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| match str_at(e, "tag") {
            "action" => buttons(
                e["actions"].as_array().into_iter().flatten().map(|b| {
                    (
                        b.pointer("/text/content")
                            .and_then(Value::as_str)
                            .unwrap_or(""),
                        str_at(b, "url"),
                    )
                }),
                "buttons",
            ),
            _ => markdown(
                e.pointer("/text/content")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            ),
        })
        .collect();
    format!(
        "<div class=\"card\"><p class=\"card-head\">{}</p>{elements}</div>",
        esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_script_links_never_reach_the_page() {
        let html =
            markdown("see <script>x()</script> [a](javascript:alert(1)) [b](https://e.com/s.pdf)");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        let block = markdown("<script>x()</script>");
        assert!(
            block.contains("&lt;script&gt;") && !block.contains("<script"),
            "{block}"
        );
        assert!(
            html.contains("<a href=\"https://e.com/s.pdf\">b</a>"),
            "{html}"
        );
    }

    #[test]
    fn bare_urls_in_text_become_links_and_stop_at_chinese() {
        let html = text("\u{5e7b}: https://e.com/a.pdf\u{3002}next http://x.org/b");
        assert!(html.contains("<a href=\"https://e.com/a.pdf\""), "{html}");
        assert!(html.contains("<a href=\"http://x.org/b\""), "{html}");
        assert!(html.contains("\u{3002}next"), "{html}");
    }
}
