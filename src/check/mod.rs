//! The reviewer's rules: everything `crosswalk check` reports beyond what
//! parsing a single file can see (references, lifecycle, catalogs).
//! `codes` lists every diagnostic code; `report` prints them.

pub mod codes;
mod lifecycle;
pub mod references;
pub mod report;
mod snippet;
mod tags;
pub mod theme;

use std::collections::{HashMap, HashSet};

use crate::catalog::Registry;
use crate::diagnostic::{Diagnostic, Location};
use crate::document::{Date, Document, Vocabulary};

/// What the rules need to know about the book.
pub struct Context<'a> {
    pub documents: &'a [Document],
    pub registry: &'a Registry,
    pub vocabulary: &'a Vocabulary,
    /// Document id -> index (first definition wins).
    pub by_id: HashMap<&'a str, usize>,
    /// Ids of documents that exist but did not load (broken front-matter,
    /// unreadable), as their file names give them: citing one is no error
    /// of the citing document, the one error is the broken file's.
    pub unloaded: HashSet<&'a str>,
    /// Path relative to the source dir, in normal form C (as
    /// [`document_link`] gives links) -> index.
    pub by_path: HashMap<std::borrow::Cow<'a, str>, usize>,
    /// The source directory's other files, sorted (`Book::assets`).
    pub assets: &'a [String],
    pub today: Date,
}

impl<'a> Context<'a> {
    /// The context of `documents`, and a CW011 for each duplicated id or
    /// number.
    fn new(
        documents: &'a [Document],
        unloaded: &'a [String],
        registry: &'a Registry,
        vocabulary: &'a Vocabulary,
        assets: &'a [String],
        today: Date,
    ) -> (Context<'a>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        // `HCB-0001` and `HCB-00001` are two ids but one number: the
        // number orders the documents and names them in prose, so it must
        // be unique too.
        let mut by_number: HashMap<u32, usize> = HashMap::new();
        for (i, doc) in documents.iter().enumerate() {
            if let Some(&first) = by_id.get(doc.id.value.as_str()) {
                let message = format!("duplicate document id `{}`", doc.id.value);
                diags.push(duplicate(doc, &documents[first], message));
            } else if let Some(&first) = by_number.get(&doc.number) {
                let original = &documents[first];
                let message = format!(
                    "document number {} is used twice: `{}` and `{}`",
                    doc.number, original.id.value, doc.id.value
                );
                diags.push(duplicate(doc, original, message));
                by_id.insert(doc.id.value.as_str(), i);
            } else {
                by_id.insert(doc.id.value.as_str(), i);
                by_number.insert(doc.number, i);
            }
        }
        let by_path = documents
            .iter()
            .enumerate()
            .map(|(i, d)| (crate::document::nfc(&d.rel_path), i))
            .collect();
        let ctx = Context {
            documents,
            registry,
            vocabulary,
            by_id,
            unloaded: unloaded.iter().map(String::as_str).collect(),
            by_path,
            assets,
            today,
        };
        (ctx, diags)
    }

    /// Whether a document has the id `id`, loaded or not.
    pub fn exists(&self, id: &str) -> bool {
        self.by_id.contains_key(id) || self.unloaded.contains(id)
    }
}

/// CW011 at `doc`, the second of two documents with the same id or number.
fn duplicate(doc: &Document, original: &Document, message: String) -> Diagnostic {
    Diagnostic::error("CW011", message)
        .at(&doc.source, doc.id.span.clone())
        .label("second definition")
        .related(
            Location::new(&original.source, original.id.span.clone()),
            "first defined here",
        )
        .help("give one of the documents the next free number (`crosswalk new` picks it)")
}

/// Run every cross-document rule. `unloaded`: the ids of the book's
/// documents that did not load ([`Context::unloaded`]).
pub fn run(
    documents: &[Document],
    unloaded: &[String],
    registry: &Registry,
    vocabulary: &Vocabulary,
    assets: &[String],
    today: Date,
) -> Vec<Diagnostic> {
    let (ctx, mut diags) = Context::new(documents, unloaded, registry, vocabulary, assets, today);
    references::check(&ctx, &mut diags);
    lifecycle::check(&ctx, &mut diags);
    tags::check(&ctx, &mut diags);
    diags
}

/// The rules that read a document's body (its links), for the documents
/// at `positions` only. Everything they report is located in those bodies;
/// every other rule reads front-matter. `serve` uses this when only prose
/// changed.
pub fn bodies(
    documents: &[Document],
    unloaded: &[String],
    registry: &Registry,
    vocabulary: &Vocabulary,
    assets: &[String],
    today: Date,
    positions: &[usize],
) -> Vec<Diagnostic> {
    let (ctx, _) = Context::new(documents, unloaded, registry, vocabulary, assets, today);
    let mut diags = Vec::new();
    for &i in positions {
        references::body_links(&ctx, &documents[i], &mut diags);
    }
    diags
}

pub use references::{book_file, document_link, is_technique_id, resolve_relative};
