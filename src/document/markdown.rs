//! Markdown bodies: a cheap scan at load time (headings and links, for
//! checking references) and the HTML rendering at build time (link rewriting,
//! heading anchors, sanitising raw HTML).

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// GitHub-flavoured Markdown plus wiki links (`[[HCB-0007]]`) and explicit
/// heading ids (`## Title {#id}`).
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_WIKILINKS
}

/// What the load-time scan finds in a body.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub links: Vec<BodyLink>,
}

impl Outline {
    pub fn has_anchor(&self, anchor: &str) -> bool {
        self.headings.iter().any(|h| h.anchor == anchor)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub anchor: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinkTarget {
    /// `[[HCB-0007]]`, `[[T1486]]`, `[[CYFUN2023:PR.AC-1]]`
    Wiki(String),
    /// A relative link to another Markdown file, with an optional anchor.
    File {
        path: String,
        anchor: Option<String>,
    },
    /// `#anchor` in the same document.
    Anchor(String),
    /// An image or link that would load from another host.
    ExternalImage(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct BodyLink {
    pub target: LinkTarget,
    /// Byte span in the whole file.
    pub span: Range<usize>,
}

/// Scan a body for headings and links. `offset` is where the body starts in
/// its file, so spans are file-relative.
pub fn scan(body: &str, offset: usize) -> Outline {
    let mut outline = Outline::default();
    let mut anchors = Anchors::default();
    let mut heading: Option<(u8, Option<String>, String)> = None;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let span = range.start + offset..range.end + offset;
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((
                    level_number(level),
                    id.map(|i| i.to_string()),
                    String::new(),
                ));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, text)) = heading.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, id, text)) = heading.take() {
                    let anchor = anchors.next(id.as_deref(), &text);
                    outline.headings.push(Heading {
                        level,
                        text,
                        anchor,
                    });
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                if let Some(target) = classify_link(link_type, &dest_url) {
                    outline.links.push(BodyLink { target, span });
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) if is_external(&dest_url) => {
                outline.links.push(BodyLink {
                    target: LinkTarget::ExternalImage(dest_url.to_string()),
                    span,
                });
            }
            _ => {}
        }
    }
    outline
}

fn classify_link(link_type: LinkType, dest: &str) -> Option<LinkTarget> {
    if let LinkType::WikiLink { .. } = link_type {
        return Some(LinkTarget::Wiki(dest.trim().to_string()));
    }
    if is_external(dest) || has_scheme(dest) {
        return None;
    }
    if let Some(anchor) = dest.strip_prefix('#') {
        return Some(LinkTarget::Anchor(anchor.to_string()));
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string())),
        None => (dest, None),
    };
    path.ends_with(".md").then(|| LinkTarget::File {
        path: path.to_string(),
        anchor,
    })
}

fn is_external(dest: &str) -> bool {
    // Compared in place: every link of every document comes here.
    let dest = dest.trim_start().as_bytes();
    let starts = |prefix: &str| {
        dest.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    starts("http://") || starts("https://") || starts("//")
}

fn has_scheme(dest: &str) -> bool {
    match dest.find(':') {
        Some(i) => {
            let scheme = &dest[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !dest[..i].contains('/')
        }
        None => false,
    }
}

/// Schemes a rendered link may use; anything else (`javascript:`, `data:`,
/// `vbscript:`) is dropped.
fn is_safe_url(dest: &str) -> bool {
    if !has_scheme(dest) {
        return true;
    }
    let lower = dest.trim().to_ascii_lowercase();
    ["http:", "https:", "mailto:", "tel:"]
        .iter()
        .any(|s| lower.starts_with(s))
}

fn level_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// GitHub-style heading anchors, de-duplicated within one document.
#[derive(Default)]
pub struct Anchors {
    seen: HashMap<String, usize>,
}

impl Anchors {
    pub fn next(&mut self, explicit: Option<&str>, text: &str) -> String {
        let base = match explicit {
            Some(id) => id.to_string(),
            None => slugify(text),
        };
        let count = self.seen.entry(base.clone()).or_insert(0);
        let anchor = if *count == 0 {
            base
        } else {
            format!("{base}-{count}")
        };
        *count += 1;
        anchor
    }
}

/// GitHub's heading slug: lower case, spaces to dashes, punctuation dropped.
pub fn slugify(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// How rendering turns references into URLs; implemented by the site, which
/// knows the graph and the page layout.
pub trait LinkResolver {
    /// `[[...]]` target -> (href, link text).
    fn wiki(&self, target: &str) -> Option<(String, String)>;
    /// Relative `.md` path (as written) -> href of its page.
    fn file(&self, path: &str, anchor: Option<&str>) -> Option<String>;
}

/// A rendered body.
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
}

/// Render a body to safe HTML.
pub fn render(body: &str, resolver: &dyn LinkResolver) -> Rendered {
    let mut anchors = Anchors::default();
    let mut headings = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    let mut pending_html = String::new();
    let mut heading_start: Option<usize> = None;
    let mut wiki: Option<WikiState> = None;

    for event in Parser::new_ext(body, options()) {
        if !matches!(event, Event::Html(_)) && !pending_html.is_empty() {
            events.push(Event::Html(CowStr::from(sanitize_block(&pending_html))));
            pending_html.clear();
        }
        match event {
            Event::Html(raw) => pending_html.push_str(&raw),
            Event::InlineHtml(raw) => events.push(inline_html(raw)),
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                heading_start = Some(events.len());
                events.push(Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(start) = heading_start.take() {
                    let text = plain_text(&events[start + 1..]);
                    if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
                        let anchor = anchors.next(id.as_deref(), &text);
                        *id = Some(CowStr::from(anchor.clone()));
                        headings.push(Heading {
                            level: level_number(level),
                            text,
                            anchor,
                        });
                    }
                }
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                title,
                id,
            }) => {
                let resolved = resolver.wiki(&dest_url);
                wiki = Some(WikiState {
                    resolved: resolved.is_some(),
                    replacement: resolved
                        .as_ref()
                        .filter(|_| !has_pothole)
                        .map(|(_, text)| text.clone()),
                    replaced: false,
                });
                events.push(match resolved {
                    Some((href, _)) => Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url: CowStr::from(href),
                        title,
                        id,
                    }),
                    None => Event::Html(CowStr::from("<span class=\"broken-link\">")),
                });
            }
            Event::Text(text) if wiki.as_ref().is_some_and(|w| w.replacement.is_some()) => {
                if let Some(state) = wiki.as_mut() {
                    if !state.replaced {
                        state.replaced = true;
                        events.push(Event::Text(CowStr::from(
                            state.replacement.clone().unwrap_or_default(),
                        )));
                    }
                } else {
                    events.push(Event::Text(text));
                }
            }
            Event::End(TagEnd::Link) if wiki.is_some() => {
                let resolved = wiki.take().is_some_and(|w| w.resolved);
                events.push(if resolved {
                    Event::End(TagEnd::Link)
                } else {
                    Event::Html(CowStr::from("</span>"))
                });
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let href = rewrite_href(&dest_url, resolver);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(href),
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                // Images from other hosts are never loaded (privacy); they
                // become plain links. Relative images are kept.
                if is_external(&dest_url) || !is_safe_url(&dest_url) {
                    let href = if is_safe_url(&dest_url) {
                        dest_url.to_string()
                    } else {
                        "#".into()
                    };
                    events.push(Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url: CowStr::from(href),
                        title,
                        id,
                    }));
                    events.push(Event::Text(CowStr::from("[image] ")));
                } else {
                    events.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Image) => {
                let opened_as_link = events.iter().rev().find_map(|e| match e {
                    Event::Start(Tag::Image { .. }) => Some(false),
                    Event::Text(t) if t.as_ref() == "[image] " => Some(true),
                    _ => None,
                });
                events.push(if opened_as_link == Some(true) {
                    Event::End(TagEnd::Link)
                } else {
                    Event::End(TagEnd::Image)
                });
            }
            Event::Start(Tag::Table(align)) => {
                events.push(Event::Html(CowStr::from("<div class=\"table-wrap\">")));
                events.push(Event::Start(Tag::Table(align)));
            }
            Event::End(TagEnd::Table) => {
                events.push(Event::End(TagEnd::Table));
                events.push(Event::Html(CowStr::from("</div>")));
            }
            other => events.push(other),
        }
    }
    if !pending_html.is_empty() {
        events.push(Event::Html(CowStr::from(sanitize_block(&pending_html))));
    }
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    Rendered {
        html: out,
        headings,
    }
}

/// Where we are inside a `[[...]]` link while rendering.
struct WikiState {
    resolved: bool,
    /// Title from the graph, replacing the raw id as link text.
    replacement: Option<String>,
    replaced: bool,
}

fn rewrite_href(dest: &str, resolver: &dyn LinkResolver) -> String {
    if !is_safe_url(dest) {
        return "#".into();
    }
    if let Some(LinkTarget::File { path, anchor }) = classify_link(LinkType::Inline, dest) {
        if let Some(href) = resolver.file(&path, anchor.as_deref()) {
            return href;
        }
    }
    dest.to_string()
}

fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text
}

/// Inline HTML tags without attributes from a small list pass through;
/// anything else is shown as text.
fn inline_html(raw: CowStr) -> Event {
    const ALLOWED: &[&str] = &[
        "kbd", "sub", "sup", "br", "mark", "abbr", "small", "b", "i", "em", "strong", "s", "u",
        "ins", "del", "code",
    ];
    let inner = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_start_matches('/')
        .trim_end_matches('/')
        .trim();
    if ALLOWED.contains(&inner.to_ascii_lowercase().as_str()) {
        Event::InlineHtml(raw)
    } else {
        Event::Text(raw)
    }
}

/// Sanitise a block of raw HTML: scripts, event handlers, styles and
/// dangerous URLs are removed; the structure of ordinary markup stays.
fn sanitize_block(raw: &str) -> String {
    ammonia::Builder::default()
        .add_tags(["details", "summary", "figure", "figcaption"])
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .clean(raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl LinkResolver for Fake {
        fn wiki(&self, target: &str) -> Option<(String, String)> {
            (target == "HCB-0007")
                .then(|| ("hcb-0007.html".into(), "HCB-0007: Segmentation".into()))
        }
        fn file(&self, path: &str, anchor: Option<&str>) -> Option<String> {
            (path == "../x/0007-seg.md").then(|| match anchor {
                Some(a) => format!("hcb-0007.html#{a}"),
                None => "hcb-0007.html".into(),
            })
        }
    }

    #[test]
    fn scan_finds_headings_and_links() {
        let body = "# A b\n## A b\nSee [[HCB-0007]] and [x](../x/0007-seg.md#top) and [y](#a-b) and [z](https://e.org).\n";
        let outline = scan(body, 10);
        let anchors: Vec<_> = outline.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(anchors, ["a-b", "a-b-1"]);
        assert_eq!(outline.links.len(), 3);
        assert_eq!(outline.links[0].target, LinkTarget::Wiki("HCB-0007".into()));
        assert!(outline.links[0].span.start >= 10);
        assert_eq!(
            outline.links[1].target,
            LinkTarget::File {
                path: "../x/0007-seg.md".into(),
                anchor: Some("top".into())
            }
        );
    }

    #[test]
    fn render_resolves_and_sanitises() {
        let body = "## Intro\n[[HCB-0007]] [p]([[x]]) [f](../x/0007-seg.md#intro) [j](javascript:alert(1))\n\n<div onclick=\"x()\"><script>alert(1)</script>ok</div>\n\n<kbd>Ctrl</kbd> <img src=x onerror=y>\n";
        let out = render(body, &Fake).html;
        assert!(out.contains("<h2 id=\"intro\">Intro</h2>"), "{out}");
        assert!(
            out.contains("<a href=\"hcb-0007.html\">HCB-0007: Segmentation</a>"),
            "{out}"
        );
        assert!(out.contains("href=\"hcb-0007.html#intro\""), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(out.contains("<kbd>Ctrl</kbd>"), "{out}");
        assert!(!out.contains("<img src=x"), "{out}");
    }

    #[test]
    fn external_means_http_https_or_protocol_relative_in_any_case() {
        for dest in ["http://a", "HTTPS://a", "  //cdn.example", "Http://x"] {
            assert!(is_external(dest), "{dest}");
        }
        for dest in ["ftp://a", "doc.md", "/abs", "http:/x", "", "h", "éhttp://"] {
            assert!(!is_external(dest), "{dest}");
        }
    }

    #[test]
    fn external_images_become_links() {
        let out = render("![logo](https://cdn.example.org/x.png)\n", &Fake).html;
        assert!(!out.contains("<img"), "{out}");
        assert!(
            out.contains("href=\"https://cdn.example.org/x.png\""),
            "{out}"
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Backup & Recovery (3-2-1)"),
            "backup--recovery-3-2-1"
        );
    }
}
