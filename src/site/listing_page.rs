//! Lists of documents: the page of a kind, status, area or tag
//! (`listing.html`) and the index of every document (`documents.html`).
//!
//! A listing of a common tag or status holds thousands of cards, and every
//! document shows on several listings, so at 10,000 documents these pages
//! carry some 60,000 cards. Through Tera each card is copied into a
//! `serde_json` value first; the compiled twins (`site::compiled`) write the
//! cached card markup straight out.

use tera::Context;

use super::context::{reading_order, DocCard, SiteContext};
use super::fragments::Fragments;
use super::pages::PageMeta;
use crate::document::Document;
use crate::pipeline::Project;

/// The documents of one kind, status, area or tag, in reading order.
pub(super) struct Listing<'a> {
    pub(super) title: String,
    pub(super) group: &'static str,
    /// Each with its markup from `doc_card.html`.
    pub(super) documents: Vec<DocCard<'a>>,
}

/// The listing of `value` in `group` (`kinds`, `statuses`, `areas`, `tags`).
pub(super) fn listing<'a>(
    project: &'a Project,
    group: &'static str,
    value: &str,
    fragments: &Fragments,
) -> Result<Listing<'a>, tera::Error> {
    let vocab = &project.vocabulary;
    let mut docs: Vec<&Document> = project
        .documents
        .iter()
        .filter(|d| match group {
            "kinds" => d.kind.value == value,
            "statuses" => d.status.value == value,
            "areas" => d.area.as_ref().is_some_and(|a| a.value == value),
            _ => d.tags.iter().any(|t| t == value),
        })
        .collect();
    docs.sort_by(|a, b| reading_order(a, b));
    let documents = fragments.cards(docs.iter().map(|d| DocCard::new(d, vocab)).collect())?;
    let group_title = match group {
        "kinds" => "Kind",
        "statuses" => "Status",
        "areas" => "Area",
        _ => "Tag",
    };
    let shown = if group == "tags" {
        value.to_string()
    } else {
        vocab.title(value)
    };
    Ok(Listing {
        title: format!("{group_title}: {shown}"),
        group,
        documents,
    })
}

impl Listing<'_> {
    /// The listing as `listing.html` reads it through Tera; returns the
    /// page title.
    pub(super) fn fill(self, ctx: &mut Context) -> String {
        ctx.insert("documents", &self.documents);
        ctx.insert("group", self.group);
        self.title
    }
}

/// Every document, by number, for the index page.
pub(super) fn all_documents(project: &Project) -> Vec<DocCard<'_>> {
    project
        .documents
        .iter()
        .map(|d| DocCard::new(d, &project.vocabulary))
        .collect()
}

/// The twin of `listing.html`.
#[derive(askama::Template)]
#[template(
    path = "listing.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct CompiledListing<'a> {
    site: &'a SiteContext<'a>,
    page: &'a PageMeta,
    documents: &'a [DocCard<'a>],
}

/// The twin of `documents.html`.
#[derive(askama::Template)]
#[template(
    path = "documents.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct CompiledIndex<'a> {
    site: &'a SiteContext<'a>,
    page: &'a PageMeta,
    documents: &'a [DocCard<'a>],
}

/// A listing without Tera; the same bytes as `listing.html`.
pub(super) fn render_listing(
    site: &SiteContext,
    page: &PageMeta,
    documents: &[DocCard],
) -> Result<String, askama::Error> {
    askama::Template::render(&CompiledListing {
        site,
        page,
        documents,
    })
}

/// The index of every document without Tera; the same bytes as
/// `documents.html`.
pub(super) fn render_index(
    site: &SiteContext,
    page: &PageMeta,
    documents: &[DocCard],
) -> Result<String, askama::Error> {
    askama::Template::render(&CompiledIndex {
        site,
        page,
        documents,
    })
}
