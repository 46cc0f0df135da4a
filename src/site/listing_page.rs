//! Lists of documents: the page of a kind, status, area or tag
//! (`listing.html`) and the index of every document (`documents.html`).
//!
//! A listing of a common tag or status holds thousands of cards, and every
//! document shows on several listings, so at 10,000 documents these pages
//! carry some 60,000 cards. Through Tera each card is copied into a
//! `serde_json` value first; the compiled twins (`site::compiled`) write the
//! cached card markup straight out.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tera::Context;

use super::context::{reading_order, DocCard, SiteContext};
use super::fragments::Fragments;
use super::pages::{Page, PageMeta};
use super::urls;
use crate::document::Document;
use crate::pipeline::Project;

/// The listing pages, by group then value: one per page path. Values whose
/// [`urls::slug`] is the same (tags `Ransomware` and `ransomware`, `a b`
/// and `a-b`) share a page, named after the value met first (documents in
/// order, then the vocabulary's areas), and it lists the documents of them
/// all: each used to overwrite the other's page.
pub(super) fn listings<'a>(project: &'a Project) -> Vec<Page> {
    let mut first: HashMap<(&'static str, String), &'a str> = HashMap::new();
    let mut add = |group: &'static str, value: &'a str| {
        first.entry((group, urls::slug(value))).or_insert(value);
    };
    for doc in &project.documents {
        for (group, value) in listed_values(doc) {
            add(group, value);
        }
    }
    for area in &project.vocabulary.areas {
        add("areas", area);
    }
    // In the order of the values, as before values were grouped.
    let sorted: BTreeSet<(&'static str, &str)> = first
        .into_iter()
        .map(|((group, _), value)| (group, value))
        .collect();
    sorted
        .into_iter()
        .map(|(group, value)| Page::Listing {
            group,
            value: value.to_string(),
        })
        .collect()
}

/// Each tag page's name (see [`listings`]) with its number of documents,
/// by name, for the index of tags.
pub(super) fn tags(project: &Project) -> BTreeMap<&str, usize> {
    // slug -> (name, documents, the last document counted)
    let mut by_slug: HashMap<String, (&str, usize, usize)> = HashMap::new();
    for (i, doc) in project.documents.iter().enumerate() {
        for tag in &doc.tags {
            let entry =
                by_slug
                    .entry(urls::slug(&tag.value))
                    .or_insert((&tag.value, 0, usize::MAX));
            // A document with `Ransomware` and `ransomware` counts once.
            if entry.2 != i {
                entry.1 += 1;
                entry.2 = i;
            }
        }
    }
    by_slug
        .into_values()
        .map(|(name, count, _)| (name, count))
        .collect()
}

/// The documents of each listing page, by group and [`urls::slug`] of the
/// value, in document order, each once.
pub type Members = HashMap<(&'static str, String), Vec<usize>>;

/// [`Members`] of the project's listings. Made once per build: each of the
/// dozens of listings used to compare every document's values with its own,
/// which at 10,000 documents cost more than writing the listings.
pub(super) fn members(project: &Project) -> Members {
    let mut members: Members = HashMap::new();
    for (i, doc) in project.documents.iter().enumerate() {
        for (group, value) in listed_values(doc) {
            let documents = members.entry((group, urls::slug(value))).or_default();
            // A document tagged `Ransomware` and `ransomware` shows once.
            if documents.last() != Some(&i) {
                documents.push(i);
            }
        }
    }
    members
}

/// Each (group, value) a document is listed under: its kind, status, area
/// and tags.
fn listed_values(doc: &Document) -> impl Iterator<Item = (&'static str, &str)> {
    [
        ("kinds", Some(doc.kind.value.as_str())),
        ("statuses", Some(doc.status.value.as_str())),
        ("areas", doc.area.as_ref().map(|a| a.value.as_str())),
    ]
    .into_iter()
    .filter_map(|(group, value)| Some((group, value?)))
    .chain(doc.tags.iter().map(|t| ("tags", t.value.as_str())))
}

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
    site: &SiteContext,
    group: &'static str,
    value: &str,
    fragments: &Fragments,
) -> Result<Listing<'a>, tera::Error> {
    let vocab = &project.vocabulary;
    // Every value sharing the page (see `listings`).
    let members = site.listings.get_or_init(|| members(project));
    let mut docs: Vec<&Document> = members
        .get(&(group, urls::slug(value)))
        .into_iter()
        .flatten()
        .map(|&i| &project.documents[i])
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
