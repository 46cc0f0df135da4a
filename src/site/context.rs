//! Template contexts: the serialisable views of documents, techniques and
//! controls that templates read. Built from borrowed project data; nothing
//! here clones a document body.

use serde::Serialize;

use super::urls;
use crate::document::{Date, Document, Vocabulary};
use crate::pipeline::Project;

/// Values every page shares, computed once per build.
#[derive(Serialize)]
pub struct SiteContext<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    /// Absolute URL of the site root when `base-url` is a full URL.
    pub url: Option<String>,
    pub base_path: String,
    pub repository: Option<&'a str>,
    pub areas: Vec<Facet>,
    pub domains: Vec<Facet>,
    pub frameworks: Vec<Facet>,
    pub generator: &'static str,
    /// Whether the site has a search index: `[build] search`, and not
    /// `build --no-search`. Without one, pages show no search box.
    pub search: bool,
    /// Partials rendered once per distinct input during this build.
    #[serde(skip)]
    pub fragments: super::fragments::FragmentCache,
    /// The documents of every listing page, made by the first listing
    /// rendered (see [`super::listing_page::members`]).
    #[serde(skip)]
    pub listings: std::sync::OnceLock<super::listing_page::Members>,
    /// How the book addresses each ATT&CK technique, made by the first
    /// matrix or tactic page rendered.
    #[serde(skip)]
    pub techniques: std::sync::OnceLock<super::pages::TechniqueUse>,
}

/// A value with its title and page, for navigation.
#[derive(Serialize, Clone)]
pub struct Facet {
    pub value: String,
    pub title: String,
    pub url: String,
    pub count: usize,
}

impl<'a> SiteContext<'a> {
    pub fn new(project: &'a Project) -> Self {
        let config = &project.book.config;
        let areas = project
            .vocabulary
            .areas
            .iter()
            .map(|area| Facet {
                value: area.clone(),
                title: project.vocabulary.title(area),
                url: urls::listing("areas", area),
                count: project
                    .documents
                    .iter()
                    .filter(|d| d.area.as_ref().is_some_and(|a| &a.value == area))
                    .count(),
            })
            .collect();
        let domains = project
            .registry
            .attack
            .iter()
            .map(|c| Facet {
                value: c.domain.slug().into(),
                title: format!("ATT&CK {}", c.domain.title()),
                url: urls::matrix(c.domain),
                count: c.techniques.len(),
            })
            .collect();
        let frameworks = project
            .registry
            .frameworks
            .values()
            .map(|f| Facet {
                value: f.alias.clone(),
                title: f.catalog.name.clone(),
                url: urls::framework(&f.alias),
                count: f.catalog.nodes.len(),
            })
            .collect();
        SiteContext {
            title: &config.book.title,
            description: &config.book.description,
            language: &config.book.language,
            url: config.site_url(),
            base_path: config.base_path(),
            repository: config.book.repository.as_deref(),
            areas,
            domains,
            frameworks,
            generator: concat!("crosswalk ", env!("CARGO_PKG_VERSION")),
            search: config.build.search,
            fragments: Default::default(),
            listings: Default::default(),
            techniques: Default::default(),
        }
    }
}

/// A document as listings show it.
///
/// A document shows as a card on every page listing it (some 200,000 cards
/// at 10,000 documents), almost always through its cached markup
/// (`Fragments::card`), so building a card allocates nothing: its URL,
/// titles and dates are written out only where a template shows them.
#[derive(Serialize)]
pub struct DocCard<'a> {
    /// The document shown, which its cached markup is found by.
    #[serde(skip)]
    pub doc: &'a Document,
    pub id: &'a str,
    pub title: &'a str,
    #[serde(serialize_with = "as_text")]
    pub url: urls::DocumentUrl<'a>,
    pub kind: &'a str,
    #[serde(serialize_with = "as_text")]
    pub kind_title: Title<'a>,
    pub status: &'a str,
    pub retired: bool,
    pub summary: Option<&'a str>,
    pub priority: Option<u8>,
    pub area: Option<&'a str>,
    #[serde(serialize_with = "as_optional_text")]
    pub area_title: Option<Title<'a>>,
    #[serde(serialize_with = "as_text")]
    pub created: Date,
    #[serde(serialize_with = "as_text")]
    pub updated: Date,
    pub version: &'a str,
    /// The card's markup from `doc_card.html`, where a list shows it
    /// (see `Fragments::cards`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<std::sync::Arc<str>>,
}

impl<'a> DocCard<'a> {
    pub fn new(doc: &'a Document, vocabulary: &'a Vocabulary) -> Self {
        DocCard {
            doc,
            id: &doc.id.value,
            title: &doc.title.value,
            url: urls::DocumentUrl(&doc.id.value),
            kind: &doc.kind.value,
            kind_title: Title::of(vocabulary, &doc.kind.value),
            status: &doc.status.value,
            retired: Vocabulary::is_retired(&doc.status.value),
            summary: doc.summary.as_deref(),
            priority: doc.priority,
            area: doc.area.as_ref().map(|a| a.value.as_str()),
            area_title: doc.area.as_ref().map(|a| Title::of(vocabulary, &a.value)),
            created: doc.created,
            updated: doc.last_changed(),
            version: &doc.version,
            html: None,
        }
    }
}

/// A vocabulary value's title ([`Vocabulary::title`]), made when shown.
#[derive(Clone, Copy)]
pub struct Title<'a> {
    vocabulary: &'a Vocabulary,
    value: &'a str,
}

impl<'a> Title<'a> {
    pub fn of(vocabulary: &'a Vocabulary, value: &'a str) -> Self {
        Title { vocabulary, value }
    }
}

impl std::fmt::Display for Title<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.vocabulary.title(self.value))
    }
}

/// Serialise a value as its text, as templates read it.
fn as_text<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// [`as_text`] for an optional value (`null` when absent).
fn as_optional_text<T: std::fmt::Display, S: serde::Serializer>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.collect_str(value),
        None => serializer.serialize_none(),
    }
}

/// Sort for "what to read first": current before retired, then priority,
/// then number.
pub fn reading_order(a: &Document, b: &Document) -> std::cmp::Ordering {
    let retired = |d: &Document| Vocabulary::is_retired(&d.status.value);
    retired(a)
        .cmp(&retired(b))
        .then(a.priority.unwrap_or(9).cmp(&b.priority.unwrap_or(9)))
        .then(a.number.cmp(&b.number))
}

/// A requirement for links: `{alias, label, url}`.
#[derive(Serialize)]
pub struct ControlRef<'a> {
    pub alias: &'a str,
    pub label: &'a str,
    pub url: String,
}

/// One step of an inferred link's chain, linked to its page.
#[derive(Serialize)]
pub struct ChainStepView {
    pub alias: String,
    pub label: String,
    /// How this step relates to the next; `None` for the last.
    pub relationship: Option<&'static str>,
    /// The mapping set giving that hop.
    pub set: Option<String>,
    pub url: String,
}
