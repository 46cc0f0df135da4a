//! The reviewer's rules: everything `crosswalk check` reports beyond what
//! parsing a single file can see (references, lifecycle, catalogs).
//! `codes` lists every diagnostic code; `report` prints them.

pub mod codes;
mod lifecycle;
pub mod references;
pub mod report;
pub mod snippet;
mod tags;
pub mod theme;

use std::collections::{BTreeSet, HashMap, HashSet};

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
    /// unreadable), as their file names give them, and their paths: citing
    /// or linking one is no error of the citing document, the one error is
    /// the broken file's.
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
/// The message names both alike, so [`locate_in_changed`] may swap the two
/// places.
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

/// For `check --changed-since`: a duplicate (CW011) between a file the
/// change touched and one it did not is the change's doing, so it is
/// located in the touched file (`changed`: displayed paths, as
/// [`Diagnostic::file_name`] gives them), the untouched one becoming the
/// related place; the check alone, which knows no change, puts it in the
/// file that sorts second. Sorted again afterwards.
pub fn locate_in_changed(diags: &mut [Diagnostic], changed: &BTreeSet<String>) {
    let mut moved = false;
    for diag in diags.iter_mut().filter(|d| d.code == "CW011") {
        let (Some(location), Some((other, _))) = (&mut diag.location, diag.related.first_mut())
        else {
            continue;
        };
        if !changed.contains(&location.file.name) && changed.contains(&other.file.name) {
            std::mem::swap(location, other);
            moved = true;
        }
    }
    if moved {
        crate::diagnostic::sort(diags);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use std::sync::Arc;

    fn named(diag: &Diagnostic) -> (String, Vec<&str>) {
        let related = diag.related.iter().map(|(l, _)| l.file.name.as_str());
        (diag.file_name().unwrap(), related.collect())
    }

    /// Regression: with `check --changed-since`, a new file repeating the
    /// id of an untouched one put the error in the untouched file ("second
    /// definition", as it sorts second) and the new one as "first defined
    /// here".
    #[test]
    fn a_duplicate_is_located_in_the_changed_file() {
        let old = SourceFile::new("docs/b/0002-old.md", "id = \"HCB-0002\"".into());
        let new = SourceFile::new("docs/a/0002-new.md", "id = \"HCB-0002\"".into());
        let cw011 = |at: &Arc<SourceFile>, other: &Arc<SourceFile>| {
            Diagnostic::error("CW011", "duplicate document id `HCB-0002`")
                .at(at, 5..15)
                .related(Location::new(other, 5..15), "first defined here")
        };
        let other = Diagnostic::error("CW012", "unknown document").at(&old, 0..1);
        let mut diags = vec![cw011(&old, &new), other];
        let changed = BTreeSet::from(["docs/a/0002-new.md".to_string()]);
        locate_in_changed(&mut diags, &changed);
        assert_eq!(
            diags.iter().map(named).collect::<Vec<_>>(),
            [
                ("docs/a/0002-new.md".into(), vec!["docs/b/0002-old.md"]),
                ("docs/b/0002-old.md".into(), vec![]),
            ]
        );
        // Already in the changed file, or both changed: left as it is.
        for changed in [
            vec!["docs/a/0002-new.md"],
            vec!["docs/a/0002-new.md", "docs/b/0002-old.md"],
        ] {
            let changed: BTreeSet<String> = changed.into_iter().map(String::from).collect();
            let mut diags = vec![cw011(&new, &old)];
            locate_in_changed(&mut diags, &changed);
            assert_eq!(named(&diags[0]).0, "docs/a/0002-new.md");
        }
    }
}
