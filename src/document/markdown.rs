//! Markdown bodies: a cheap scan at load time (headings and links, for
//! checking references) and the HTML rendering at build time (link rewriting,
//! heading anchors, sanitising raw HTML).

use rustc_hash::FxHashMap;
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
    /// The ids of the footnotes the body defines (`fn:note` for
    /// `[^note]: ...`), which links may target as well as headings.
    pub footnotes: Vec<String>,
}

impl Outline {
    /// Whether `#anchor` lands somewhere on the document's page: one of its
    /// headings, or a part of the page around the body (`#also-satisfies`).
    pub fn has_anchor(&self, anchor: &str) -> bool {
        // Written as a browser or GitHub's address bar copies it, an anchor
        // in another script is percent-encoded (`#s%C3%A9curit%C3%A9`).
        let decoded = percent_encoding::percent_decode_str(anchor).decode_utf8_lossy();
        let anchor = decoded.as_ref();
        self.headings.iter().any(|h| h.anchor == anchor)
            || self.footnotes.iter().any(|f| f == anchor)
            || PAGE_IDS.contains(&anchor)
    }

    /// The heading `#anchor` was most likely meant for, when the page keeps
    /// that id for itself: a heading "Main" is `#main-1`, since `#main` is
    /// the page's main content, so a link to `#main` lands there instead.
    pub fn heading_behind_page_id(&self, anchor: &str) -> Option<&Heading> {
        if !PAGE_IDS.contains(&anchor) || self.headings.iter().any(|h| h.anchor == anchor) {
            return None;
        }
        self.headings.iter().find(|h| {
            h.anchor
                .strip_prefix(anchor)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                && slugify(&h.text) == anchor
        })
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
    /// A relative link or image to a file of the book that is not a
    /// document (a picture, a PDF): as written, with any `#fragment`. The
    /// site copies such files under `files/`.
    Asset(String),
    /// A relative `href` or `src` in raw HTML (`<a href="0002-x.md">`,
    /// `<img src="img/a.png">`): the page keeps it as written, where it
    /// leads nowhere, since only Markdown links are rewritten.
    RawHtml(String),
    /// An image with no text alternative: `![](zones.png)`, or `<img>`
    /// without `alt` in raw HTML. Not a link, but found with them.
    ImageWithoutText,
    /// A link whose scheme the page drops (`javascript:`, `data:`, `ftp:`;
    /// only http, https, mailto and tel are kept): as written.
    DroppedScheme(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct BodyLink {
    pub target: LinkTarget,
    /// Byte span in the whole file.
    pub span: Range<usize>,
}

/// Scan a body for headings and links. `offset` is where the body starts in
/// its file, so spans are file-relative. `check` needs no more than this.
pub fn scan(body: &str, offset: usize) -> Outline {
    read(body, offset, false).0
}

/// Scan a body and render it to HTML in the same Markdown parse: `build`
/// and `serve` need both, and parsing a body twice was a tenth of a build.
/// Links to other documents, requirements and techniques stay holes in the
/// HTML until every document is loaded ([`BodyHtml::write_into`]).
pub fn prepare(body: &str, offset: usize) -> (Outline, BodyHtml) {
    if !body.contains('\0') {
        let (outline, html) = read(body, offset, true);
        return (outline, html.unwrap_or_default());
    }
    // Holes are marked with NUL while rendering, so a body holding NUL
    // (CommonMark shows it as U+FFFD) is rendered from a copy without it;
    // the outline keeps the spans of the real text.
    let outline = read(body, offset, false).0;
    let clean = body.replace('\0', "\u{FFFD}");
    let html = read(&clean, offset, true).1.unwrap_or_default();
    (outline, html)
}

/// The one walk over a body's Markdown events: the outline always, the
/// HTML when `with_html`.
fn read(body: &str, offset: usize, with_html: bool) -> (Outline, Option<BodyHtml>) {
    let mut outline = Outline::default();
    let mut anchors = Anchors::around_the_body();
    let mut heading: Option<(u8, Option<String>, String)> = None;
    // The image being read (its span) and whether it has text yet.
    let mut image: Option<(Range<usize>, bool)> = None;
    // About one event per 40 bytes of prose: reserved once, not grown.
    let mut html = with_html.then(|| HtmlBuilder {
        events: Vec::with_capacity(body.len() / 24 + 16),
        ..HtmlBuilder::default()
    });
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let span = range.start + offset..range.end + offset;
        if matches!(event, Event::Start(Tag::Image { .. })) && image.is_none() {
            image = Some((span.clone(), false));
        }
        match &event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((
                    level_number(*level),
                    id.as_ref().map(|i| i.to_string()),
                    String::new(),
                ));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, text)) = heading.as_mut() {
                    text.push_str(t);
                }
                if let Some((_, has_text)) = image.as_mut() {
                    *has_text |= !t.trim().is_empty();
                }
            }
            Event::End(TagEnd::Image) => {
                if let Some((at, false)) = image.take() {
                    outline.links.push(BodyLink {
                        target: LinkTarget::ImageWithoutText,
                        span: at,
                    });
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, id, text)) = heading.take() {
                    let anchor = anchors.next(id.as_deref(), &text);
                    if let Some(html) = html.as_mut() {
                        html.name_heading(&anchor);
                    }
                    outline.headings.push(Heading {
                        level,
                        text,
                        anchor,
                    });
                }
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                outline.footnotes.push(footnote_id(label).to_string());
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                if let Some(target) = classify_link(*link_type, dest_url) {
                    outline.links.push(BodyLink { target, span });
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) if is_external(dest_url) => {
                outline.links.push(BodyLink {
                    target: LinkTarget::ExternalImage(dest_url.to_string()),
                    span,
                });
            }
            Event::Start(Tag::Image { dest_url, .. }) if is_asset(dest_url) => {
                outline.links.push(BodyLink {
                    target: LinkTarget::Asset(dest_url.to_string()),
                    span,
                });
            }
            Event::Html(raw) | Event::InlineHtml(raw) => {
                let block = matches!(event, Event::Html(_));
                if images_without_alt(raw) > 0 {
                    outline.links.push(BodyLink {
                        target: LinkTarget::ImageWithoutText,
                        span: span.clone(),
                    });
                }
                for target in raw_html_links(raw, block) {
                    outline.links.push(BodyLink {
                        target,
                        span: span.clone(),
                    });
                }
            }
            _ => {}
        }
        if let Some(html) = html.as_mut() {
            html.push(event);
        }
    }
    (outline, html.map(HtmlBuilder::finish))
}

fn classify_link(link_type: LinkType, dest: &str) -> Option<LinkTarget> {
    match link_type {
        LinkType::WikiLink { .. } => return Some(LinkTarget::Wiki(dest.trim().to_string())),
        // `<security@example.org>`: written without `mailto:`, which the
        // HTML gets; not a file of the book.
        LinkType::Email => return None,
        _ => {}
    }
    if has_scheme(dest) && !is_safe_url(dest) {
        return Some(LinkTarget::DroppedScheme(dest.to_string()));
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
    if path.ends_with(".md") {
        return Some(LinkTarget::File {
            path: path.to_string(),
            anchor,
        });
    }
    is_asset(dest).then(|| LinkTarget::Asset(dest.to_string()))
}

/// A relative path to a file of the book (not an anchor, not from the
/// site's root, no scheme): an image or a download the site copies.
fn is_asset(dest: &str) -> bool {
    let dest = dest.trim();
    !dest.is_empty()
        && !dest.starts_with('#')
        && !dest.starts_with('/')
        && !dest.starts_with('?')
        && !is_external(dest)
        && !has_scheme(dest)
}

/// The path part of an asset link as written and its `#fragment` (with
/// the `#`), if any.
pub fn split_fragment(written: &str) -> (&str, &str) {
    let written = written.trim();
    match written.find('#') {
        Some(at) => written.split_at(at),
        None => (written, ""),
    }
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

/// The ids the shipped document page gives the parts around the body
/// (`base.html`, `document.html`, `also_satisfies.html` and the relation
/// diagram). A heading whose anchor would be one of them takes the next
/// free one (`## Main` is `#main-1`), as a repeated heading does: two
/// elements with one id sent the skip link, and links to it, to the wrong
/// one. A test holds this list to the templates.
pub const PAGE_IDS: &[&str] = &[
    "main",
    "site-search",
    "toc-title",
    "sec-techniques",
    "sec-controls",
    "also-satisfies",
    "sec-relations",
    "rel-svg-title",
    "rel-svg-desc",
    "rel-arrow",
];

/// GitHub-style heading anchors, de-duplicated within one document.
#[derive(Default)]
pub struct Anchors {
    /// How many headings so far took each anchor as their base.
    seen: FxHashMap<String, usize>,
    /// Whether the page's own ids ([`PAGE_IDS`]) count as taken.
    around_the_body: bool,
}

impl Anchors {
    /// Anchors for a body shown on a document page: the page's own ids
    /// ([`PAGE_IDS`]) count as taken.
    pub fn around_the_body() -> Anchors {
        Anchors {
            seen: FxHashMap::default(),
            around_the_body: true,
        }
    }

    pub fn next(&mut self, explicit: Option<&str>, text: &str) -> String {
        let base = match explicit {
            Some(id) => id.to_string(),
            None => slugify(text),
        };
        // A page id counts as met once already.
        let taken = self.around_the_body && PAGE_IDS.contains(&base.as_str());
        let count = self.seen.entry(base.clone()).or_insert(usize::from(taken));
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
    let text = text.trim();
    if text.is_ascii() {
        slugify_ascii(text)
    } else {
        slugify_any(text)
    }
}

/// [`slugify_any`] byte by byte, for the common ASCII heading (tested to
/// agree).
fn slugify_ascii(text: &str) -> String {
    text.bytes()
        .filter_map(|b| match b {
            b' ' => Some('-'),
            b if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' => {
                Some(char::from(b.to_ascii_lowercase()))
            }
            _ => None,
        })
        .collect()
}

fn slugify_any(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// How a prepared body's holes become links; implemented by the site,
/// which knows the graph and the page layout.
pub trait LinkResolver {
    /// `[[...]]` target -> (href, link text).
    fn wiki(&self, target: &str) -> Option<(String, String)>;
    /// Relative `.md` path (as written) -> href of its page.
    fn file(&self, path: &str, anchor: Option<&str>) -> Option<String>;
    /// Relative path of another file of the book (as written, without its
    /// fragment) -> its href in the site. None by default: left as written.
    fn asset(&self, _path: &str) -> Option<String> {
        None
    }
}

/// Marks a hole in the HTML while rendering: an event of its own, taken
/// out whole as the HTML is written ([`MarkedWriter`]). Never part of a
/// rendered body, since bodies holding NUL are rendered from a copy
/// without it.
const HOLE: &str = "\0";

/// A body rendered to safe HTML, but for the links that need the whole
/// project: those are holes, filled in by [`BodyHtml::write_into`].
#[derive(Debug, Clone, Default)]
pub struct BodyHtml {
    html: String,
    /// Where each hole sits in `html` (byte offset) and what fills it, in
    /// document order.
    holes: Vec<(usize, Hole)>,
    /// How many `<h1` the HTML holds: a page with none need not be
    /// searched for them (a tenth of a document page's own work).
    h1s: usize,
}

/// What fills a hole.
#[derive(Debug, Clone)]
enum Hole {
    /// The opening tag of a link to a relative `.md` file: the page of the
    /// document at that path, or the link as written.
    FileLink {
        written: String,
        path: String,
        anchor: Option<String>,
        title: String,
    },
    /// The opening of a `[[...]]` link: `<a>` when it resolves, a
    /// `broken-link` span when it does not.
    WikiOpen { target: String, title: String },
    /// The text of a `[[...]]` link without its own text starts here: it is
    /// replaced by the target's name when the target resolves...
    WikiText,
    /// ...up to here.
    WikiTextEnd,
    /// The closing of a `[[...]]` link.
    WikiClose,
    /// The opening tag of a link to a file of the book that is not a
    /// document: its copy in the site, or the link as written.
    AssetLink { written: String, title: String },
    /// The start of an image from the book: `<img src="..." alt="`, the
    /// alt text following as text.
    AssetImage { written: String },
}

impl BodyHtml {
    /// How many `<h1` tags the body holds (its level-one headings and any
    /// in raw HTML).
    pub fn h1s(&self) -> usize {
        self.h1s
    }

    /// Append the body to `out`, filling its holes through `resolver`.
    pub fn write_into(&self, out: &mut String, resolver: &dyn LinkResolver) {
        out.reserve(self.html.len() + 64 * self.holes.len());
        let mut copied = 0;
        let mut skipping = false;
        let mut wiki: Option<(String, String)> = None;
        for (at, hole) in &self.holes {
            if !skipping {
                out.push_str(&self.html[copied..*at]);
            }
            copied = *at;
            match hole {
                Hole::FileLink {
                    written,
                    path,
                    anchor,
                    title,
                } => {
                    let href = resolver
                        .file(path, anchor.as_deref())
                        .unwrap_or_else(|| written.clone());
                    push_link_open(out, href, title);
                }
                Hole::AssetLink { written, title } => {
                    push_link_open(out, asset_href(resolver, written), title);
                }
                Hole::AssetImage { written } => {
                    out.push_str("<img src=\"");
                    let _ = pulldown_cmark_escape::escape_href(
                        &mut *out,
                        &asset_href(resolver, written),
                    );
                    out.push_str("\" alt=\"");
                }
                Hole::WikiOpen { target, title } => {
                    wiki = resolver.wiki(target);
                    match &wiki {
                        Some((href, _)) => push_link_open(out, href.clone(), title),
                        None => out.push_str("<span class=\"broken-link\">"),
                    }
                }
                Hole::WikiText => {
                    if let Some((_, text)) = &wiki {
                        html::push_html(out, std::iter::once(Event::Text(text.as_str().into())));
                        skipping = true;
                    }
                }
                Hole::WikiTextEnd => skipping = false,
                Hole::WikiClose => {
                    out.push_str(if wiki.take().is_some() {
                        "</a>"
                    } else {
                        "</span>"
                    });
                }
            }
        }
        out.push_str(&self.html[copied..]);
    }
}

/// `<a href="..." title="...">`, escaped exactly as the Markdown renderer
/// escapes the links it writes itself.
/// Where an asset link points in the site: its copy, with the fragment
/// as written, or the link as written when the book has no such file.
fn asset_href(resolver: &dyn LinkResolver, written: &str) -> String {
    let (path, fragment) = split_fragment(written);
    match resolver.asset(path) {
        Some(href) => format!("{href}{fragment}"),
        None => written.to_string(),
    }
}

fn push_link_open(out: &mut String, href: String, title: &str) {
    html::push_html(
        out,
        std::iter::once(Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url: CowStr::from(href),
            title: title.into(),
            id: CowStr::Borrowed(""),
        })),
    );
}

/// How an image of the body is written.
#[derive(Debug, Clone, PartialEq)]
enum ImageAs {
    /// As written (no source, or one the sanitiser would drop anyway).
    Kept,
    /// From another host: a link to it instead.
    Link,
    /// A file of the book: its source is a hole, its alt text plain text,
    /// its end (with its title) written here.
    Asset { title: String },
}

/// Collects a body's events, rewritten for the site, while [`read`] walks
/// them, and writes them as HTML at the end. Events are kept until then
/// because a heading's id is known only at its end.
#[derive(Default)]
struct HtmlBuilder<'a> {
    events: Vec<Event<'a>>,
    holes: Vec<Hole>,
    pending_html: String,
    heading_start: Option<usize>,
    /// Inside a `[[...]]` link: whether it has its own text.
    wiki_pothole: Option<bool>,
    /// How each image being written is shown. A stack, since an image's
    /// text may hold one.
    images: Vec<ImageAs>,
}

impl<'a> HtmlBuilder<'a> {
    fn hole(&mut self, hole: Hole) {
        self.holes.push(hole);
        self.events.push(Event::Html(CowStr::Borrowed(HOLE)));
    }

    /// Give the heading being closed its anchor as id.
    fn name_heading(&mut self, anchor: &str) {
        if let Some(start) = self.heading_start {
            if let Some(Event::Start(Tag::Heading { id, .. })) = self.events.get_mut(start) {
                *id = Some(CowStr::from(anchor.to_string()));
            }
        }
    }

    fn push(&mut self, event: Event<'a>) {
        // Inside a book image, everything up to its end is its alt text.
        if matches!(self.images.last(), Some(ImageAs::Asset { .. }))
            && !matches!(event, Event::End(TagEnd::Image))
        {
            match event {
                // Escaped for the attribute (quotes too), as pulldown-cmark
                // writes an image's text.
                Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) => {
                    let mut alt = String::with_capacity(t.len());
                    let _ = pulldown_cmark_escape::escape_html(&mut alt, &t);
                    self.events.push(Event::Html(CowStr::from(alt)));
                }
                Event::SoftBreak | Event::HardBreak => {
                    self.events.push(Event::Html(CowStr::Borrowed(" ")));
                }
                // An image in an image's text: its own alt text stays text.
                Event::Start(Tag::Image { .. }) => self.images.push(ImageAs::Kept),
                _ => {}
            }
            return;
        }
        if !matches!(event, Event::Html(_)) && !self.pending_html.is_empty() {
            let block = sanitize_block(&self.pending_html);
            self.events.push(Event::Html(CowStr::from(block)));
            self.pending_html.clear();
        }
        match event {
            Event::Html(raw) => self.pending_html.push_str(&raw),
            Event::InlineHtml(raw) => self.events.push(inline_html(raw)),
            // A footnote's id is its label (`[^note]` is `#note`), which a
            // heading `## Note` has too: the marker jumped to the heading.
            // `fn:` keeps them apart (a heading's anchor has no colon).
            Event::FootnoteReference(label) => self
                .events
                .push(Event::FootnoteReference(footnote_id(&label))),
            Event::Start(Tag::FootnoteDefinition(label)) => self
                .events
                .push(Event::Start(Tag::FootnoteDefinition(footnote_id(&label)))),
            Event::Start(tag @ Tag::Heading { .. }) => {
                self.heading_start = Some(self.events.len());
                self.events.push(Event::Start(tag));
            }
            Event::End(TagEnd::Heading(level)) => {
                self.heading_start = None;
                self.events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                title,
                ..
            }) => {
                self.hole(Hole::WikiOpen {
                    target: dest_url.to_string(),
                    title: title.to_string(),
                });
                if !has_pothole {
                    self.hole(Hole::WikiText);
                }
                self.wiki_pothole = Some(has_pothole);
            }
            Event::End(TagEnd::Link) if self.wiki_pothole.is_some() => {
                if self.wiki_pothole.take() == Some(false) {
                    self.hole(Hole::WikiTextEnd);
                }
                self.hole(Hole::WikiClose);
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => self.link(link_type, dest_url, title, id),
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
                        dest_url
                    } else {
                        CowStr::Borrowed("#")
                    };
                    self.events.push(Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url: href,
                        title,
                        id,
                    }));
                    self.events.push(Event::Text(CowStr::Borrowed("[image] ")));
                    self.images.push(ImageAs::Link);
                } else if is_asset(&dest_url) {
                    self.hole(Hole::AssetImage {
                        written: dest_url.to_string(),
                    });
                    self.images.push(ImageAs::Asset {
                        title: title.to_string(),
                    });
                } else {
                    self.images.push(ImageAs::Kept);
                    self.events.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Image) => match self.images.pop() {
                Some(ImageAs::Link) => self.events.push(Event::End(TagEnd::Link)),
                Some(ImageAs::Asset { title }) => {
                    // As pulldown-cmark ends an image.
                    let mut end = String::from("\"");
                    if !title.is_empty() {
                        end.push_str(" title=\"");
                        let _ = pulldown_cmark_escape::escape_html(&mut end, &title);
                        end.push('"');
                    }
                    end.push_str(" />");
                    self.events.push(Event::Html(CowStr::from(end)));
                }
                _ => self.events.push(Event::End(TagEnd::Image)),
            },
            Event::Start(Tag::Table(align)) => {
                self.events.push(Event::Html(CowStr::Borrowed(
                    "<div class=\"table-wrap\" tabindex=\"0\">",
                )));
                self.events.push(Event::Start(Tag::Table(align)));
            }
            Event::End(TagEnd::Table) => {
                self.events.push(Event::End(TagEnd::Table));
                self.events.push(Event::Html(CowStr::Borrowed("</div>")));
            }
            other => self.events.push(other),
        }
    }

    /// An ordinary link: unsafe schemes are defused, relative `.md` links
    /// become holes, the rest pass as written.
    fn link(&mut self, link_type: LinkType, dest: CowStr<'a>, title: CowStr<'a>, id: CowStr<'a>) {
        if !is_safe_url(&dest) {
            self.events.push(Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::Borrowed("#"),
                title,
                id,
            }));
            return;
        }
        if link_type != LinkType::Email {
            match classify_link(LinkType::Inline, &dest) {
                Some(LinkTarget::File { path, anchor }) => {
                    self.hole(Hole::FileLink {
                        written: dest.to_string(),
                        path,
                        anchor,
                        title: title.to_string(),
                    });
                    return;
                }
                Some(LinkTarget::Asset(written)) => {
                    self.hole(Hole::AssetLink {
                        written,
                        title: title.to_string(),
                    });
                    return;
                }
                _ => {}
            }
        }
        self.events.push(Event::Start(Tag::Link {
            link_type,
            dest_url: dest,
            title,
            id,
        }));
    }

    fn finish(mut self) -> BodyHtml {
        if !self.pending_html.is_empty() {
            let block = sanitize_block(&self.pending_html);
            self.events.push(Event::Html(CowStr::from(block)));
        }
        let h1s = self.events.iter().map(h1s_written).sum();
        // The marks come out as the HTML is written, noting where they were.
        let mut out = MarkedWriter {
            html: String::with_capacity(self.events.len() * 48),
            marks: Vec::with_capacity(self.holes.len()),
        };
        // Writing to a String cannot fail.
        let _ = html::write_html_fmt(&mut out, self.events.into_iter());
        out.html.shrink_to_fit();
        let holes = out.marks.into_iter().zip(self.holes).collect();
        BodyHtml {
            html: out.html,
            holes,
            h1s,
        }
    }
}

/// The writer of a body's HTML, leaving the holes' marks out and noting
/// where they were. A mark is an event of its own, which pulldown-cmark
/// writes in one piece, so it is seen whole: searching the written HTML
/// for marks afterwards, and copying it around them, cost a tenth of
/// reading a body.
struct MarkedWriter {
    html: String,
    /// Where each mark was, in order.
    marks: Vec<usize>,
}

impl std::fmt::Write for MarkedWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if s == HOLE {
            self.marks.push(self.html.len());
        } else if let Some(rest) = s.strip_prefix(CODE_BLOCK) {
            // A code block scrolls sideways when its lines are long: it
            // takes the keyboard focus so that it can be scrolled without
            // a mouse (WCAG 2.1.1). pulldown-cmark opens one in one piece.
            self.html.push_str(FOCUSABLE_CODE_BLOCK);
            self.html.push_str(rest);
        } else {
            self.html.push_str(s);
        }
        Ok(())
    }
}

/// How pulldown-cmark opens a code block, and how the site does.
const CODE_BLOCK: &str = "<pre><code";
const FOCUSABLE_CODE_BLOCK: &str = "<pre tabindex=\"0\"><code";

/// How many `<h1` an event writes: a level-one heading, or raw HTML
/// holding some (text, code and attributes are escaped, so `<` is written
/// nowhere else).
fn h1s_written(event: &Event) -> usize {
    match event {
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            ..
        }) => 1,
        Event::Html(raw) | Event::InlineHtml(raw) => raw.matches("<h1").count(),
        _ => 0,
    }
}

/// Inline HTML tags without attributes from a small list pass through;
/// anything else is shown as text.
/// The page id of footnote `label`.
fn footnote_id(label: &str) -> CowStr<'static> {
    CowStr::from(format!("fn:{label}"))
}

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
/// An `<img>` from another host loses its `src`: the site loads nothing
/// from third-party hosts (`check` warns, CW036).
fn sanitize_block(raw: &str) -> String {
    ammonia::Builder::default()
        .add_tags(["details", "summary", "figure", "figcaption"])
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .attribute_filter(|element, attribute, value| {
            (!is_external_image(element, attribute, value)).then_some(value.into())
        })
        .clean(raw)
        .to_string()
}

/// Whether an attribute would make the page load `value` from another
/// host. Of the elements the sanitiser keeps, only `<img>` loads anything.
fn is_external_image(element: &str, attribute: &str, value: &str) -> bool {
    element == "img" && attribute == "src" && is_external(value)
}

/// What `check` reads in raw HTML, in one parse: every relative `href` of
/// an `<a>` and `src` of an `<img>` (not anchors, not from the site's root,
/// no scheme), which the page keeps as written ([`LinkTarget::RawHtml`]);
/// and, in an HTML block, every `<img>` that would load from another host
/// ([`LinkTarget::ExternalImage`]; the page drops them, see
/// [`sanitize_block`]). Raw HTML is rare, and most of it has neither
/// attribute and is not parsed.
/// How many `<img>` tags of raw HTML have no `alt` attribute (an empty
/// one, for a decorative picture, is the author's choice).
fn images_without_alt(raw: &str) -> usize {
    let lower = raw.to_ascii_lowercase();
    lower
        .match_indices("<img")
        .filter(|(at, _)| {
            let tag = &lower[*at..];
            let tag = &tag[..tag.find('>').map_or(tag.len(), |end| end + 1)];
            !tag.split(|c: char| c.is_ascii_whitespace() || c == '/')
                .any(|attribute| attribute == "alt" || attribute.starts_with("alt="))
        })
        .count()
}

fn raw_html_links(raw: &str, block: bool) -> Vec<LinkTarget> {
    let has = |needle: &[u8]| {
        raw.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if !has(b"href") && !has(b"src") {
        return Vec::new();
    }
    let found = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&found);
    ammonia::Builder::default()
        .attribute_filter(move |element, attribute, value| {
            let linking =
                (element == "a" && attribute == "href") || (element == "img" && attribute == "src");
            let target = if linking && is_asset(value) {
                Some(LinkTarget::RawHtml(value.trim().to_string()))
            } else if block && is_external_image(element, attribute, value) {
                Some(LinkTarget::ExternalImage(value.to_string()))
            } else {
                None
            };
            if let (Some(target), Ok(mut found)) = (target, sink.lock()) {
                found.push(target);
            }
            Some(value.into())
        })
        .clean(raw);
    let found = found.lock().map(|f| f.clone()).unwrap_or_default();
    found
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
        fn asset(&self, path: &str) -> Option<String> {
            ["img/a b.png", "spec.pdf"]
                .contains(&path)
                .then(|| format!("../files/area/{path}"))
        }
    }

    /// Code blocks and tables scroll sideways on narrow screens: they take
    /// the keyboard focus so that they can be scrolled without a mouse
    /// (WCAG 2.1.1; axe's scrollable-region-focusable).
    #[test]
    fn code_blocks_and_tables_take_the_keyboard_focus() {
        let html = render(
            "```rust\nfn main() {}\n```\n\n    indented\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
            &Fake,
        );
        assert!(
            html.contains("<pre tabindex=\"0\"><code class=\"language-rust\">"),
            "{html}"
        );
        assert!(
            html.contains("<pre tabindex=\"0\"><code>indented"),
            "{html}"
        );
        assert!(
            html.contains("<div class=\"table-wrap\" tabindex=\"0\"><table>"),
            "{html}"
        );
        assert!(!html.contains("<pre><code"), "{html}");
    }

    /// An image needs a text alternative: a Markdown image with none, or
    /// raw `<img>` without `alt` (an empty `alt` is a decorative picture,
    /// the author's choice).
    #[test]
    fn images_without_text_are_found() {
        let without = |body: &str| {
            scan(body, 0)
                .links
                .iter()
                .filter(|l| l.target == LinkTarget::ImageWithoutText)
                .count()
        };
        assert_eq!(without("![](a.png)\n"), 1);
        assert_eq!(without("![ ](a.png)\n"), 1);
        assert_eq!(without("![zones](a.png) and ![`code`](b.png)\n"), 0);
        assert_eq!(without("<img src=\"a.png\">\n"), 1);
        assert_eq!(without("<IMG SRC=a.png ALT=zones>\n"), 0);
        assert_eq!(without("<img src=\"a.png\" alt=\"\">\n"), 0);
        assert_eq!(
            images_without_alt("<p><img src=a.png><img src=b.png alt=b></p>"),
            1
        );
    }

    /// Regression: a link to `#main` meaning the heading "Main" passed
    /// check and landed on the page's main content.
    #[test]
    fn a_page_id_that_hides_a_heading_names_the_heading() {
        let outline = scan("## Main\n\n## Also satisfies\n\n## Also satisfied\n", 0);
        let meant = |anchor: &str| {
            outline
                .heading_behind_page_id(anchor)
                .map(|h| h.anchor.clone())
        };
        assert_eq!(meant("main").as_deref(), Some("main-1"));
        assert_eq!(meant("also-satisfies").as_deref(), Some("also-satisfies-1"));
        assert_eq!(meant("main-1"), None, "the heading's own anchor");
        assert_eq!(meant("toc-title"), None, "no heading of that name");
        assert_eq!(
            scan("## Other\n", 0)
                .heading_behind_page_id("main")
                .map(|h| h.anchor.clone()),
            None
        );
    }

    #[test]
    fn headings_never_take_the_ids_of_the_page_around_the_body() {
        let outline = scan(
            "## Main\n\n## Also satisfies\n\n## Also satisfies\n\n## Scope {#toc-title}\n",
            0,
        );
        let anchors: Vec<&str> = outline.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "main-1",
                "also-satisfies-1",
                "also-satisfies-2",
                "toc-title-1"
            ]
        );
        assert!(
            outline.has_anchor("also-satisfies"),
            "the page's own section"
        );
        assert!(outline.has_anchor("main-1") && !outline.has_anchor("scope"));
        let accented = scan("## Sécurité réseau\n", 0);
        assert!(accented.has_anchor("sécurité-réseau"));
        assert!(
            accented.has_anchor("s%C3%A9curit%C3%A9-r%C3%A9seau"),
            "percent-encoded, as an address bar copies it"
        );
        assert!(!accented.has_anchor("s%C3%A9curit"));
        let html = render("## Main\n", &Fake);
        assert_eq!(html, "<h2 id=\"main-1\">Main</h2>\n");
    }

    /// A footnote's id on the page (`fn:note`) is an anchor a link may
    /// target, as the format document says; an unknown one is not.
    #[test]
    fn footnotes_are_anchors() {
        let body = "Backups[^note] and [the note](#fn:note).\n\n[^note]: Kept offline.\n";
        let outline = scan(body, 0);
        assert!(outline.has_anchor("fn:note"));
        assert!(!outline.has_anchor("fn:other") && !outline.has_anchor("note"));
        assert!(render(body, &Fake).contains("id=\"fn:note\""));
    }

    /// Every fixed id a shipped document page carries around the body is
    /// in [`PAGE_IDS`], so no heading can take it.
    #[test]
    fn page_ids_are_those_of_the_shipped_document_page() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut ids = std::collections::BTreeSet::new();
        for file in [
            "theme/templates/base.html",
            "theme/templates/document.html",
            "theme/templates/also_satisfies.html",
            "src/site/document_page.rs",
        ] {
            let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
            let text = text.replace("\\\"", "\"");
            for part in text.split("id=\"").skip(1) {
                let id = &part[..part.find('"').unwrap_or(0)];
                let fixed =
                    !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                if fixed {
                    ids.insert(id.to_string());
                }
            }
        }
        let listed: std::collections::BTreeSet<String> =
            PAGE_IDS.iter().map(|s| s.to_string()).collect();
        assert_eq!(ids, listed);
    }

    #[test]
    fn files_of_the_book_are_linked_where_the_site_copies_them() {
        let body = "![A \"quoted\" *alt*](img/a%20b.png \"T&C\") and ![x](img/a b.png)\n\n\
                    [the spec](spec.pdf#page=2), [gone](gone.pdf), [[HCB-0007]], \
                    ![missing](img/none.png), [page](../x/0007-seg.md)\n";
        let outline = scan(body, 0);
        let assets: Vec<_> = outline
            .links
            .iter()
            .filter_map(|l| match &l.target {
                LinkTarget::Asset(written) => Some(written.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            assets,
            [
                "img/a%20b.png",
                "spec.pdf#page=2",
                "gone.pdf",
                "img/none.png"
            ],
            "an image in angle-less form with a space is not a link target"
        );
        let html = render(body, &Fake);
        assert!(
            html.contains(
                "<img src=\"img/a%20b.png\" alt=\"A &quot;quoted&quot; alt\" title=\"T&amp;C\" />"
            ),
            "written as is when the resolver does not know it (percent-encoded path): {html}"
        );
        assert!(
            html.contains("<a href=\"../files/area/spec.pdf#page=2\">the spec</a>"),
            "{html}"
        );
        assert!(html.contains("<a href=\"gone.pdf\">gone</a>"), "{html}");
        assert!(
            html.contains("<img src=\"img/none.png\" alt=\"missing\" />"),
            "{html}"
        );
        // The same image written with the same markup pulldown-cmark gives.
        let plain = render("![alt](img/a b.png)\n", &Fake);
        assert_eq!(
            plain, "<p>![alt](img/a b.png)</p>\n",
            "a space ends a link destination"
        );
        let kept = render("![alt *x*](<img/a b.png>)\n", &Fake);
        assert_eq!(
            kept,
            "<p><img src=\"../files/area/img/a%20b.png\" alt=\"alt x\" /></p>\n"
        );
    }

    #[test]
    fn images_from_other_hosts_in_raw_html_are_reported_and_not_loaded() {
        let body = "Text.\n\n<img src=\"https://cdn.example/a.png\" alt=\"A\">\n\n\
                    <details><summary>s</summary><IMG SRC=\"//cdn.example/b.png\"></details>\n\n\
                    <img src=\"local.png\" alt=\"L\">\n";
        let outline = scan(body, 0);
        let external: Vec<_> = outline
            .links
            .iter()
            .filter_map(|l| match &l.target {
                LinkTarget::ExternalImage(url) => Some((url.as_str(), &body[l.span.clone()])),
                _ => None,
            })
            .collect();
        assert_eq!(external.len(), 2, "{external:?}");
        assert_eq!(external[0].0, "https://cdn.example/a.png");
        assert!(external[0].1.contains("a.png"), "located at its block");
        assert_eq!(external[1].0, "//cdn.example/b.png");
        let html = render(body, &Fake);
        assert!(!html.contains("cdn.example"), "{html}");
        assert!(
            html.contains("alt=\"A\""),
            "the image stays, without its source: {html}"
        );
        assert!(html.contains("src=\"local.png\""), "{html}");
    }

    fn render(body: &str, resolver: &dyn LinkResolver) -> String {
        let mut out = String::new();
        prepare(body, 0).1.write_into(&mut out, resolver);
        out
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
        let out = render(body, &Fake);
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
    fn relative_links_in_raw_html_are_found_for_check() {
        let body = "<p><a href=\"0001-a.md\">A</a> <a href=\"#top\">top</a> \
                    <a href=\"https://example.org\">x</a></p>\n\n\
                    Inline <img src=\"img/zones.png\" alt=\"zones\"> and <a href=\"mailto:a@b.org\">m</a>.\n";
        let targets: Vec<LinkTarget> = scan(body, 0).links.into_iter().map(|l| l.target).collect();
        assert_eq!(
            targets,
            [
                LinkTarget::RawHtml("0001-a.md".into()),
                LinkTarget::RawHtml("img/zones.png".into()),
            ]
        );
    }

    #[test]
    fn footnotes_do_not_share_ids_with_headings() {
        let html = render("## Note\n\nText.[^note]\n\n[^note]: The footnote.\n", &Fake);
        assert!(html.contains("<h2 id=\"note\">Note</h2>"), "{html}");
        assert!(html.contains("href=\"#fn:note\""), "{html}");
        assert!(html.contains("id=\"fn:note\""), "{html}");
        assert_eq!(html.matches("id=\"note\"").count(), 1, "{html}");
    }

    #[test]
    fn an_email_autolink_is_a_mailto_link_not_a_file() {
        let outline = scan("Write to <security@example.org>.\n", 0);
        assert!(outline.links.is_empty(), "{:?}", outline.links);
        let html = render("Write to <security@example.org>.\n", &Fake);
        assert!(
            html.contains("<a href=\"mailto:security@example.org\">security@example.org</a>"),
            "{html}"
        );
    }

    #[test]
    fn external_images_become_links() {
        let out = render("![logo](https://cdn.example.org/x.png)\n", &Fake);
        assert!(!out.contains("<img"), "{out}");
        assert!(
            out.contains("href=\"https://cdn.example.org/x.png\""),
            "{out}"
        );
    }

    #[test]
    fn holes_fill_in_document_order() {
        let body = "[[HCB-0007]], [[HCB-0007|the segmentation]], [[HCB-9999]], [[HCB-0007|*own* text]], [s](../x/0007-seg.md \"T&t\") and [gone](gone.md#a).\n";
        let out = render(body, &Fake);
        assert_eq!(
            out,
            "<p><a href=\"hcb-0007.html\">HCB-0007: Segmentation</a>, \
             <a href=\"hcb-0007.html\">the segmentation</a>, \
             <span class=\"broken-link\">HCB-9999</span>, \
             <a href=\"hcb-0007.html\"><em>own</em> text</a>, \
             <a href=\"hcb-0007.html\" title=\"T&amp;t\">s</a> and \
             <a href=\"gone.md#a\">gone</a>.</p>\n"
        );
    }

    #[test]
    fn one_parse_gives_the_outline_check_reads_and_the_ids_pages_show() {
        let body = "# Top\n## See [[HCB-0007]]\n## See [[HCB-0007]]\n### Mixed `code` {#own}\n";
        let (outline, html) = prepare(body, 5);
        assert_eq!(outline.headings, scan(body, 5).headings);
        let mut out = String::new();
        html.write_into(&mut out, &Fake);
        for heading in &outline.headings {
            assert!(out.contains(&format!("id=\"{}\"", heading.anchor)), "{out}");
        }
        let anchors: Vec<_> = outline.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(anchors, ["top", "see-hcb-0007", "see-hcb-0007-1", "own"]);
    }

    #[test]
    fn a_body_holding_nul_keeps_its_spans_and_renders_without_it() {
        let body = "## A\0b\n[[HCB-0007]] and \0 [x](../x/0007-seg.md)\n";
        let (outline, html) = prepare(body, 3);
        assert_eq!(outline.links, scan(body, 3).links);
        assert_eq!(outline.links[1].span.start, 3 + body.find("[x]").unwrap());
        let mut out = String::new();
        html.write_into(&mut out, &Fake);
        assert!(!out.contains('\0'), "{out:?}");
        assert!(out.contains("\u{FFFD}"), "{out}");
        assert!(out.contains("<a href=\"hcb-0007.html\">x</a>"), "{out}");
        assert!(out.contains(">HCB-0007: Segmentation</a>"), "{out}");
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Backup & Recovery (3-2-1)"),
            "backup--recovery-3-2-1"
        );
    }

    #[test]
    fn ascii_heading_slugs_agree_with_the_general_rule() {
        for a in ' '..='~' {
            for b in ' '..='~' {
                let text = format!("{a}X{b}y {a}");
                assert_eq!(slugify_ascii(&text), slugify_any(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn a_heading_named_like_a_page_part_takes_the_next_anchor() {
        let mut anchors = Anchors::around_the_body();
        assert_eq!(anchors.next(None, "Main"), "main-1");
        assert_eq!(anchors.next(None, "Main"), "main-2");
        assert_eq!(anchors.next(Some("also-satisfies"), ""), "also-satisfies-1");
        assert_eq!(anchors.next(None, "Other"), "other");
        let mut plain = Anchors::default();
        assert_eq!(plain.next(None, "Main"), "main");
    }
}
