//! Compiled twins of the default theme's most frequent pages.
//!
//! Document pages are most of a site (10,000 of 13,000 pages at 10,000
//! documents), and through Tera each one costs a serialisation of its data
//! into `serde_json` values and a walk of the template tree that looks every
//! name up by string: two thirds of the time `build --no-search` spent on
//! them. The templates here (Askama, compiled with the binary) render the
//! same typed view straight to text.
//!
//! They mirror `theme/templates/{base,document,also_satisfies,macros}.html`
//! and are used only while a book's theme leaves all four as shipped; a
//! book that overrides any of them gets Tera and its own templates, as
//! before. Control pages (`base.html` and `control.html`, a third of the
//! pages of a book citing many requirements), technique pages
//! (`base.html` and `technique.html`) and the lists of documents
//! (`listing.html` with `macros.html`, `documents.html`) and a framework's
//! requirement tree (`framework.html` with `coverage_macros.html`) work the
//! same way. The three
//! cached partials (`doc_card.html`, `chain.html`,
//! `mapping_group.html`: rendered tens of thousands of times in a large
//! site) have twins too, each used while its own template is as shipped
//! ([`Twins`]). A test renders every document, control and technique page
//! of the fixture books both ways and requires the same bytes, so a change to one
//! side that is not made to the other fails there.
//!
//! The helpers below reproduce Tera's filters and truthiness where the
//! templates use them, and [`Html`] is Tera's escaping as crosswalk sets it.

use std::borrow::Cow;
use std::fmt;

use unicode_segmentation::UnicodeSegmentation;

/// The default templates the compiled document page stands in for.
pub const MIRRORED: &[&str] = &[
    "base.html",
    "document.html",
    "also_satisfies.html",
    "macros.html",
];

/// Which compiled twins a book may use: each one while the templates it
/// mirrors are byte for byte as shipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Twins {
    /// The document page ([`MIRRORED`]).
    pub document_page: bool,
    /// The control page (`base.html`, `control.html`).
    pub control_page: bool,
    /// The technique page (`base.html`, `technique.html`).
    pub technique_page: bool,
    /// A kind, status, area or tag's page (`base.html`, `listing.html`,
    /// `macros.html`).
    pub listing_page: bool,
    /// The index of every document (`base.html`, `documents.html`).
    pub document_index: bool,
    /// A framework's requirement tree (`base.html`, `framework.html`,
    /// `coverage_macros.html`).
    pub framework_page: bool,
    /// The partials, each standing for its own template alone.
    pub doc_card: bool,
    pub chain: bool,
    pub mapping_group: bool,
}

impl Twins {
    /// Twins for a theme whose templates are `is_shipped(name)` or not.
    pub fn of(is_shipped: impl Fn(&str) -> bool) -> Twins {
        Twins {
            document_page: MIRRORED.iter().all(|name| is_shipped(name)),
            control_page: is_shipped("base.html") && is_shipped("control.html"),
            technique_page: is_shipped("base.html") && is_shipped("technique.html"),
            listing_page: is_shipped("base.html")
                && is_shipped("listing.html")
                && is_shipped("macros.html"),
            document_index: is_shipped("base.html") && is_shipped("documents.html"),
            framework_page: is_shipped("base.html")
                && is_shipped("framework.html")
                && is_shipped("coverage_macros.html"),
            doc_card: is_shipped("doc_card.html"),
            chain: is_shipped("chain.html"),
            mapping_group: is_shipped("mapping_group.html"),
        }
    }

    /// Tera for everything (tests compare the two).
    #[cfg(test)]
    pub const NONE: Twins = Twins {
        document_page: false,
        control_page: false,
        technique_page: false,
        listing_page: false,
        document_index: false,
        framework_page: false,
        doc_card: false,
        chain: false,
        mapping_group: false,
    };
}

/// crosswalk's HTML escaping (`theme::escape_html`) for Askama.
#[derive(Clone, Copy)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: fmt::Write>(&self, dest: W, string: &str) -> fmt::Result {
        super::theme::write_escaped(dest, string)
    }
}

/// An optional text as the templates' data holds it.
pub trait OptionalText {
    fn text(&self) -> Option<&str>;
}

impl OptionalText for Option<&str> {
    fn text(&self) -> Option<&str> {
        *self
    }
}

impl OptionalText for Option<String> {
    fn text(&self) -> Option<&str> {
        self.as_deref()
    }
}

/// Tera's truthiness for an optional text: present and not empty.
pub fn truthy<T: OptionalText>(value: &T) -> Option<&str> {
    value.text().filter(|v| !v.is_empty())
}

/// Tera's `truncate(length=…)`: the first `length` grapheme clusters and an
/// ellipsis, or the text itself when it is no longer.
pub fn truncate(text: &str, length: usize) -> Cow<'_, str> {
    // A cluster is at least one byte: short texts need no segmenting.
    if text.len() <= length {
        return Cow::Borrowed(text);
    }
    // Requirement texts are long and mostly ASCII, and segmenting all of a
    // long text was a twentieth of a build. An ASCII character is a
    // cluster of its own, except CR before LF, and no character that could
    // join a cluster to the one before it is ASCII: when the first
    // `length + 1` bytes are ASCII with no CR, the first `length` clusters
    // end at byte `length`.
    let head = &text.as_bytes()[..=length];
    if head.is_ascii() && !head[..length].contains(&b'\r') {
        return Cow::Owned(format!("{}…", &text[..length]));
    }
    match text.grapheme_indices(true).nth(length) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

/// Tera's `capitalize`: the first character upper case, the rest lower.
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.as_str().to_lowercase().chars())
            .collect(),
        None => String::new(),
    }
}

/// Tera's `pluralize` with its defaults.
pub fn pluralize(count: impl std::borrow::Borrow<usize>) -> &'static str {
    if *count.borrow() == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{CheckOptions, Project};
    use crate::site::context::SiteContext;
    use crate::site::pages::{render, Page};
    use crate::site::theme::Theme;

    /// Every document, control, technique and listing page of every
    /// fixture book, through the compiled templates and through Tera, must
    /// be the same bytes.
    #[test]
    fn compiled_pages_equal_tera_on_every_fixture_book() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let books = [
            ".",
            "tests/fixtures/awkward-text",
            "tests/fixtures/good",
            "tests/fixtures/frameworks/handmade",
            "tests/fixtures/frameworks/embedded",
        ];
        let mut pages = 0;
        for book in books {
            let root = manifest.join(book);
            let project = Project::load(&root, &CheckOptions::default()).expect(book);
            assert_eq!(project.error_count(), 0, "{book} has errors");
            let compiled = Theme::load(&root).expect(book);
            assert_eq!(
                compiled.twins,
                Twins::of(|_| true),
                "{book} overrides a template with a twin"
            );
            let mut tera = Theme::load(&root).expect(book);
            tera.twins = Twins::NONE;
            // Each side with its own cache of partials, or one side would
            // reuse the other's.
            let ours_site = SiteContext::new(&project);
            let theirs_site = SiteContext::new(&project);
            let documents = (0..project.documents.len()).map(Page::Document);
            let controls = crate::site::pages::all_pages(&project)
                .into_iter()
                .filter(|p| {
                    matches!(
                        p,
                        Page::Control(..)
                            | Page::Technique(..)
                            | Page::Listing { .. }
                            | Page::DocumentIndex
                            | Page::Framework(_)
                            | Page::FrameworkLevel(..)
                    )
                });
            for page in documents.chain(controls) {
                let ours = render(&project, &ours_site, &compiled, &page).expect("compiled");
                let theirs = render(&project, &theirs_site, &tera, &page).expect("tera");
                if ours != theirs {
                    let at = ours
                        .bytes()
                        .zip(theirs.bytes())
                        .position(|(a, b)| a != b)
                        .unwrap_or(ours.len().min(theirs.len()));
                    let from = at.saturating_sub(200);
                    panic!(
                        "{book}, {}: differs at byte {at}\ncompiled: {:?}\ntera:     {:?}",
                        page.path(&project),
                        &ours[from..(at + 200).min(ours.len())],
                        &theirs[from..(at + 200).min(theirs.len())],
                    );
                }
                pages += 1;
            }
        }
        assert!(pages > 40, "only {pages} pages compared");
    }

    #[test]
    fn only_a_theme_changing_a_mirrored_template_gets_tera() {
        let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("theme/templates");
        let others = [
            "control.html",
            "technique.html",
            "listing.html",
            "documents.html",
            "framework.html",
            "coverage_macros.html",
            "doc_card.html",
            "chain.html",
            "mapping_group.html",
        ];
        for name in MIRRORED.iter().chain(&others) {
            let text = std::fs::read_to_string(shipped.join(name)).expect(name);
            let book = tempfile::tempdir().expect("tempdir");
            let templates = book.path().join("theme/templates");
            std::fs::create_dir_all(&templates).expect("mkdir");
            // A copy as shipped, and an unrelated override, keep every twin.
            std::fs::write(templates.join(name), &text).expect("write");
            std::fs::write(templates.join("404.html"), "{% extends \"base.html\" %}")
                .expect("write");
            let theme = Theme::load(book.path()).expect(name);
            assert_eq!(theme.twins, Twins::of(|_| true), "{name} as shipped");
            // A change to a mirrored template hands what mirrors it to Tera,
            // and nothing else.
            std::fs::write(templates.join(name), format!("{text}{{# changed #}}\n"))
                .expect("write");
            let theme = Theme::load(book.path()).expect(name);
            assert_eq!(theme.twins, Twins::of(|n| n != *name), "{name} changed");
            assert_ne!(theme.twins, Twins::of(|_| true), "{name} changed");
        }
    }

    #[test]
    fn truncate_counts_grapheme_clusters_like_tera() {
        assert_eq!(truncate("short", 140), "short");
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        // "e" + combining acute is one cluster.
        assert_eq!(truncate("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}e\u{301}…");
        // The ASCII shortcut must agree with segmenting: a combining mark
        // right after the cut joins the last cluster, CR LF is one cluster.
        assert_eq!(truncate("abce\u{301}xyz", 4), "abce\u{301}…");
        assert_eq!(truncate("ab\r\ncd", 3), "ab\r\n…");
        assert_eq!(truncate("ab\r\ncd", 2), "ab…");
        for text in [
            "plain ascii text",
            "tab\tand\nnew line",
            "a\r\nb",
            "x\u{301}yz",
        ] {
            for length in 0..text.len() {
                let slow = match text.grapheme_indices(true).nth(length) {
                    Some((end, _)) => format!("{}…", &text[..end]),
                    None => text.to_string(),
                };
                assert_eq!(truncate(text, length), slow, "{text:?} at {length}");
            }
        }
    }

    #[test]
    fn capitalize_and_pluralize_like_tera() {
        assert_eq!(capitalize("mITIGATES"), "Mitigates");
        assert_eq!(capitalize(""), "");
        assert_eq!(capitalize("éclair"), "Éclair");
        assert_eq!(pluralize(1), "");
        assert_eq!(pluralize(0), "s");
        assert_eq!(pluralize(2), "s");
    }

    #[test]
    fn truthy_drops_empty_text() {
        assert_eq!(truthy(&Some("")), None);
        assert_eq!(truthy(&Some("x")), Some("x"));
        assert_eq!(truthy(&Some(String::from("y"))), Some("y"));
        assert_eq!(truthy(&None::<&str>), None);
    }
}
