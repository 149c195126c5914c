//! Turns an event and a message kind into a platform message: templates (embedded defaults,
//! overridable in `config/templates/`), Chinese dates, per-platform Markdown, escaping and
//! splitting within byte limits.

mod context;
mod markup;
pub mod page;
pub use page::DEFAULT_PAGE_AUTHOR;
mod split;
mod write;
pub mod zh_time;

pub use markup::{escape, href};
pub use write::Dialect;

use crate::model::{
    CardLink, Event, FieldChange, Format, Link, LinkRole, Location, Message, MessageKind, Part,
    Platform, Problem, Shape, clip_bytes,
};
use chrono::{DateTime, FixedOffset, Utc};
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};
use std::path::{Path, PathBuf};

/// The built-in templates, by name.
const DEFAULTS: &[(&str, &str)] = &[
    ("announce", include_str!("templates/announce.j2")),
    ("remind", include_str!("templates/remind.j2")),
    ("recap", include_str!("templates/recap.j2")),
    ("change", include_str!("templates/change.j2")),
    ("cancel", include_str!("templates/cancel.j2")),
    ("resume", include_str!("templates/resume.j2")),
    ("digest", include_str!("templates/digest.j2")),
    ("summary", include_str!("templates/summary.j2")),
    ("talk", include_str!("templates/talk.j2")),
    ("footer", include_str!("templates/footer.j2")),
];

/// Template instructions one render may run: the built-in templates need a few thousand for
/// the largest real event; a hundred times that is still milliseconds.
const FUEL: u64 = 1_000_000;

/// The most text one message may render to before splitting (a real recap is ~20 KB).
const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

pub struct Renderer {
    env: Environment<'static>,
    site: Site,
}

/// What a message says about the community itself (from `[herald]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// The community's name: a card's source label.
    pub community: Option<String>,
    /// The site's base URL (no trailing `/`): a relative cover is read against it.
    pub base: Option<String>,
}

impl Site {
    /// An event's cover as a full URL: as written, or a relative one (`/cover.jpg`) joined
    /// to the site; `None` for a relative cover without a site (`check` reports it).
    pub fn cover(&self, cover: Option<&str>) -> Option<String> {
        let cover = cover?;
        if cover.starts_with("http://") || cover.starts_with("https://") {
            return Some(href(cover));
        }
        let base = self.base.as_deref()?;
        Some(href(&format!("{base}/{}", cover.trim_start_matches('/'))))
    }
}

/// An event as its templates read it, for [`Renderer::render_prepared`].
pub struct Prepared<'a> {
    event: &'a Event,
    value: Value,
}

impl<'a> Prepared<'a> {
    pub fn new(event: &'a Event) -> Prepared<'a> {
        Prepared {
            event,
            value: context::event(event),
        }
    }
}

/// One message to render.
pub struct RenderRequest<'a> {
    pub event: &'a Event,
    pub kind: MessageKind,
    pub platform: Platform,
    pub format: Format,
    /// The send instant: drives 今天/明天/本周六 phrases and "starting soon".
    pub now: DateTime<Utc>,
    /// For `change`: what changed.
    pub changes: &'a [FieldChange],
    /// For `digest`: the events listed (`event` is the first of them).
    pub digest: &'a [Event],
}

impl RenderRequest<'_> {
    /// The events a digest lists: those given, or the event itself (a manual digest of one
    /// event shows what its preview shows).
    pub fn digest(&self) -> &[Event] {
        if self.digest.is_empty() {
            std::slice::from_ref(self.event)
        } else {
            self.digest
        }
    }
}

#[derive(Debug, Clone, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("template `{template}` for event `{event}`: {message}")]
pub struct RenderError {
    pub template: String,
    pub event: String,
    pub message: String,
    /// The template the error is in (an included piece such as `talk`, or `template`) and
    /// its line, when minijinja knows them: `check` points at `templates/talk.j2:3`.
    pub at: Option<(String, usize)>,
}

impl Renderer {
    /// The built-in templates, overridden by `{name}.j2` / `{kind}.{platform}.j2` files in
    /// `overrides`. Every syntax error is reported with its file and line.
    pub fn new(overrides: Option<&Path>) -> Result<Renderer, Vec<Problem>> {
        let mut env = environment();
        let mut problems = Vec::new();
        for (name, source) in DEFAULTS {
            if let Err(e) = env.add_template_owned(*name, *source) {
                problems.push(template_problem(
                    &PathBuf::from(format!("<built-in>/{name}.j2")),
                    &e,
                ));
            }
        }
        if let Some(dir) = overrides {
            load_overrides(&mut env, dir, &mut problems);
        }
        if problems.is_empty() {
            Ok(Renderer {
                env,
                site: Site::default(),
            })
        } else {
            Err(problems)
        }
    }

    /// Every template it renders with (built-in or override) as (name, source), by name:
    /// `check` keys its cache by them.
    pub fn each_source(&self, mut f: impl FnMut(&str, &str)) {
        let mut all: Vec<_> = self.env.templates().collect();
        all.sort_unstable_by_key(|(name, _)| *name);
        for (name, template) in all {
            f(name, template.source());
        }
    }

    /// The same renderer, telling readers about `site`.
    pub fn with_site(mut self, site: Site) -> Renderer {
        self.site = site;
        self
    }

    pub fn render(&self, req: &RenderRequest<'_>) -> Result<Message, RenderError> {
        self.render_prepared(req, &Prepared::new(req.event))
    }

    /// [`Renderer::render`] with the event's value built once for many renders of it
    /// (`check` renders each event a dozen times); one prepared for another event is not used.
    pub fn render_prepared(
        &self,
        req: &RenderRequest<'_>,
        prepared: &Prepared<'_>,
    ) -> Result<Message, RenderError> {
        let event = if std::ptr::eq(prepared.event, req.event) {
            prepared.value.clone()
        } else {
            context::event(req.event)
        };
        let name = self.template_name(req.kind, req.platform);
        let err = |e: Error| RenderError {
            template: name.clone(),
            event: req.event.id.clone(),
            message: detailed(&e),
            at: e
                .line()
                .map(|line| (e.name().unwrap_or(&name).to_string(), line)),
        };
        let template = self.env.get_template(&name).map_err(err)?;
        let markup = template.render(context::build(req, event)).map_err(err)?;
        if markup.len() > MAX_OUTPUT_BYTES {
            return Err(RenderError {
                template: name,
                event: req.event.id.clone(),
                message: format!(
                    "renders {} bytes, over the {MAX_OUTPUT_BYTES}-byte limit for one message",
                    markup.len()
                ),
                at: None,
            });
        }
        let title = title(req);
        let shape = Shape::decide(req.platform, req.format, req.kind, req.event);
        let dialect = Dialect::of(req.platform, shape.format);
        let sections = markup::parse(&markup);
        let in_body = shape.title_in_body(&title);
        let limit = shape.limits.content_bytes;
        let bodies = if shape.summary {
            vec![split::summary(sections, dialect, limit, in_body)]
        } else {
            split::split(sections, dialect, limit, &title, in_body)
        };
        let total = bodies.len();
        let fields = shape.limits.fields;
        let buttons = buttons(&shape, &title);
        let when = (req.kind != MessageKind::Digest).then(|| {
            let e = req.event;
            zh_time::when(&e.start, &e.end, e.all_day, e.open_end)
        });
        // A card's line under its title: when, or (a digest) what its first link opens.
        let subtitle = match fields.subtitle {
            Some(_) => when.or_else(|| buttons.first().map(|b| b.title.clone())),
            None => when,
        };
        Ok(Message {
            kind: req.kind,
            platform: req.platform,
            format: shape.format,
            asked: shape.asked,
            field_title: shape.field_title(&title),
            title,
            parts: bodies
                .into_iter()
                .enumerate()
                .map(|(i, body)| Part {
                    index: i + 1,
                    total,
                    body,
                })
                .collect(),
            url: shape.main_url().map(str::to_string),
            buttons: buttons
                .into_iter()
                .map(|b| Link {
                    title: clip_bytes(&b.title, fields.link_title),
                    url: b.url,
                })
                .collect(),
            dropped: shape.dropped.iter().map(button).collect(),
            subtitle: subtitle.map(|s| clip_bytes(&s, fields.subtitle)),
            source: (self.site.community.as_deref()).map(|c| clip_bytes(c, fields.source)),
            cover: self.site.cover(req.event.cover.as_deref()),
        })
    }

    fn template_name(&self, kind: MessageKind, platform: Platform) -> String {
        let specific = format!("{kind}.{platform}");
        if self.env.get_template(&specific).is_ok() {
            specific
        } else {
            kind.to_string()
        }
    }
}

/// The card's links as its items show them. A DingTalk feed_card has no title of its own: its
/// first item carries the message's title, `标题（立即报名）`.
fn buttons(shape: &Shape, title: &str) -> Vec<Link> {
    let mut out: Vec<Link> = shape.links.iter().map(button).collect();
    if shape.platform == Platform::Dingtalk
        && shape.format == Format::FeedCard
        && let Some(first) = out.first_mut()
    {
        first.title = format!("{title}（{}）", first.title);
    }
    out
}

/// A card link as readers see it: `立即报名`, `观看直播：B 站直播`, `回放：…`, `资料：…`.
fn button(l: &CardLink) -> Link {
    let title = match l.role {
        LinkRole::Registration => "立即报名".to_string(),
        LinkRole::Live => format!("观看直播：{}", l.name),
        LinkRole::Replay => format!("回放：{}", l.name),
        LinkRole::Slides => format!("资料：{}", l.name),
        LinkRole::Article | LinkRole::Project => l.name.clone(),
    };
    Link {
        title,
        url: l.url.clone(),
    }
}

/// The `【…】` label a title already starts with (pasted from its page, e.g. `【活动回顾】`),
/// which would read twice behind the label every message adds.
pub fn label_prefix(title: &str) -> Option<&str> {
    let rest = title.strip_prefix('【')?;
    let end = rest.find('】')?;
    Some(&title[..'【'.len_utf8() + end + '】'.len_utf8()])
}

/// `herald ping`'s test message: one text part, carrying the robot's first keyword (if it
/// has any) in its title and text so keyword mode lets it through.
pub fn ping(platform: Platform, keywords: &[String]) -> Message {
    let keyword = keywords
        .first()
        .map(|k| format!(" {k}"))
        .unwrap_or_default();
    let title = format!("herald ping{keyword}");
    Message {
        kind: MessageKind::Announce,
        platform,
        format: Format::Text,
        asked: Format::Text,
        field_title: title.clone(),
        title,
        parts: vec![Part {
            index: 1,
            total: 1,
            body: crate::model::PartBody::Text(format!(
                "herald 连通性测试：这个群机器人可以收到活动通知。{keyword}"
            )),
        }],
        buttons: Vec::new(),
        dropped: Vec::new(),
        subtitle: None,
        source: None,
        cover: None,
        url: None,
    }
}

fn load_overrides(env: &mut Environment<'static>, dir: &Path, problems: &mut Vec<Problem>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "j2"))
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match crate::input::read_text(&path, Some(dir)) {
            Ok(source) => {
                if let Err(e) = env.add_template_owned(name, source) {
                    problems.push(template_problem(&path, &e));
                }
            }
            Err(e) => problems.push(Problem::new(Location::file(&path), format!("template {e}"))),
        }
    }
}

fn template_problem(path: &Path, e: &Error) -> Problem {
    let mut location = Location::file(path);
    location.line = e.line().unwrap_or(0);
    Problem::new(
        location,
        format!(
            "template syntax error: {}",
            e.detail().unwrap_or(&e.kind().to_string())
        ),
    )
}

fn detailed(e: &Error) -> String {
    match (e.detail(), e.line()) {
        (Some(d), Some(line)) => format!("{d} (line {line})"),
        (Some(d), None) => d.to_string(),
        _ => e.to_string(),
    }
}

/// The sandboxed environment: strict about undefined names, every printed value escaped for
/// the markup unless a filter marked it safe.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Templates arrive by pull request: a loop or recursion that never ends runs out of fuel
    // and is a render error, not a hung daemon.
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(64);
    env.set_formatter(|out, _state, value| {
        if value.is_none() || value.is_undefined() {
            return Ok(());
        }
        let written = match (value.as_str(), value.is_safe()) {
            (Some(text), true) => out.write_str(text),
            (Some(text), false) => out.write_str(&markup::escape(text)),
            (None, true) => out.write_str(&value.to_string()),
            (None, false) => out.write_str(&markup::escape(&value.to_string())),
        };
        written.map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write output"))
    });
    env.add_filter(
        "zh_range",
        |start: String, end: String| -> Result<String, Error> {
            Ok(zh_time::range(&time(&start)?, &time(&end)?))
        },
    );
    env.add_filter("zh_date", |t: String| -> Result<String, Error> {
        Ok(zh_time::date(&time(&t)?))
    });
    env.add_filter("zh_time", |t: String| -> Result<String, Error> {
        Ok(zh_time::time(&time(&t)?))
    });
    env.add_filter(
        "zh_relative",
        |t: String, now: String| -> Result<String, Error> {
            Ok(zh_time::relative(&time(&t)?, &time(&now)?))
        },
    );
    env.add_filter(
        "zh_relative_day",
        |t: String, now: String| -> Result<String, Error> {
            Ok(zh_time::relative_day(&time(&t)?, &time(&now)?))
        },
    );
    env.add_filter("link", link);
    env.add_filter("paragraphs", paragraphs);
    env.add_filter("speaker", speaker);
    env
}

fn time(s: &str) -> Result<DateTime<FixedOffset>, Error> {
    DateTime::parse_from_rfc3339(s).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("`{s}` is not a time: {e}"),
        )
    })
}

/// `{{ url|link("点击报名") }}` → a safe `[text](url)`; the text defaults to the URL.
fn link(url: String, text: Option<String>) -> Value {
    let text = markup::escape(text.as_deref().unwrap_or(&url));
    Value::from_safe_string(format!("[{text}]({})", markup::href(&url)))
}

/// Paragraphs of a multi-line text (blank-line separated), each on one line.
fn paragraphs(text: String) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// `周群力（花名：仪式），蚂蚁集团技术专家`.
fn speaker(s: Value) -> Result<String, Error> {
    let field = |name: &str| {
        s.get_attr(name)
            .ok()
            .filter(|v| !v.is_none() && !v.is_undefined())
            .map(|v| v.to_string())
    };
    let mut out = field("name").unwrap_or_default();
    if let Some(alias) = field("alias") {
        out.push_str(&format!("（花名：{alias}）"));
    }
    if let Some(role) = field("role") {
        out.push_str(&format!("，{role}"));
    }
    Ok(out)
}

fn title(req: &RenderRequest<'_>) -> String {
    let label = match req.kind {
        MessageKind::Announce => "活动预告",
        MessageKind::Remind => "活动提醒",
        MessageKind::Recap => "活动回顾",
        MessageKind::Change => "活动变更",
        MessageKind::Cancel => "活动取消",
        MessageKind::Resume => "恢复举办",
        MessageKind::Digest => return format!("【本周活动】共 {} 场", req.digest().len()),
    };
    format!("【{label}】{}", req.event.title)
}
