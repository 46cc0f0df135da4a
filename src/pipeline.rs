//! The pipeline every command shares: load the book, parse documents,
//! load catalogs, build the index, run the checks. Data flows one way:
//! `book` -> `document` -> `catalog` -> `graph` -> `check`; `site` only reads
//! the finished [`Project`].

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use thiserror::Error;

use crate::book::{load_book, Book, LoadError};
use crate::catalog::Registry;
use crate::check;
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::document::frontmatter::ParseContext;
use crate::document::{parse_document, Document, Vocabulary};
use crate::graph::{build_index, Crosswalk, Index};
use crate::timing;

/// Everything known about a book after loading and checking.
pub struct Project {
    pub book: Book,
    pub vocabulary: Vocabulary,
    pub registry: Registry,
    /// Documents sorted by number.
    pub documents: Vec<Document>,
    pub index: Index,
    /// All findings, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Position of each document by id and by path relative to the source
    /// directory: pages resolve every body link through them (Fx: keys are
    /// the book's own, looked up tens of thousands of times a build).
    by_id: rustc_hash::FxHashMap<String, usize>,
    by_path: rustc_hash::FxHashMap<String, usize>,
    /// The mapping sets resolved against the catalogs, built once: updates
    /// keep the catalogs, so they keep this too.
    crosswalk: Option<Arc<Crosswalk>>,
    /// Findings that belong to one file (reading and parsing), by path
    /// relative to the source directory, so an update can replace them.
    file_diagnostics: BTreeMap<String, Vec<Diagnostic>>,
    /// Findings of the cross-document rules, kept so that a prose-only
    /// update replaces just those located in the bodies it touched.
    check_diagnostics: Vec<Diagnostic>,
    /// Findings in the book's own theme templates (CW037). A change under
    /// `theme/` reloads the whole project, so updates keep them.
    theme_diagnostics: Vec<Diagnostic>,
    options: CheckOptions,
}

/// Failures that stop the pipeline before checking (exit code 2).
#[derive(Debug, Error)]
pub enum PipelineError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("the catalogs configured in book.toml could not be loaded")]
    Catalogs(Vec<Diagnostic>),
}

impl PipelineError {
    /// Located diagnostics behind the error, if any.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            PipelineError::Load(LoadError::Config(d)) => vec![(**d).clone()],
            PipelineError::Catalogs(d) => d.clone(),
            // A book that cannot be found or read still reports through
            // the chosen format (CI parses `--format json` output).
            PipelineError::Load(err) => {
                // Reports name files from the book root (GitHub and SARIF
                // add the book's place in its repository): a book that is
                // not there has no file to name, its path is in the message.
                let (in_book, help) = match err {
                    LoadError::NoRoot(_) => (
                        None,
                        "give the directory that holds book.toml (default: the current one)",
                    ),
                    LoadError::NotABook(..) => (
                        None,
                        "run crosswalk in the book's directory (the one with book.toml), or give its path",
                    ),
                    LoadError::NoSrc { in_book, .. } => (
                        Some(in_book),
                        "create the directory, or set `src` in [book] of book.toml to where the documents are",
                    ),
                    LoadError::SrcIsAFile { in_book, .. } => (
                        Some(in_book),
                        "set `src` in [book] of book.toml to the directory that holds the documents",
                    ),
                    LoadError::Io { .. } => (None, "check the path and its permissions"),
                    LoadError::Config(d) => return vec![(**d).clone()],
                };
                let diagnostic = Diagnostic::error("CW039", err.to_string()).help(help);
                vec![match in_book {
                    Some(path) => diagnostic.in_file(path),
                    None => diagnostic,
                }]
            }
        }
    }
}

/// Options for loading a project: what checking reports (`today`) and
/// what the load prepares besides (the index, the bodies' HTML).
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// "Today" for review-by warnings; `None` means the real date.
    pub today: Option<jiff::civil::Date>,
    /// Skip building the index (graph, inference). No check rule reads it,
    /// so `check` sets this and does not pay for what only pages and
    /// coverage need; [`Project::index`] is then empty.
    pub without_index: bool,
    /// Render every body to HTML while scanning it, so a Markdown body is
    /// parsed once ([`crate::document::markdown::prepare`]). What writes
    /// pages sets this; `check` does not pay for HTML it never shows.
    pub render_bodies: bool,
}

impl CheckOptions {
    /// The options of the commands that write pages (`build`, `serve`).
    pub fn for_pages() -> CheckOptions {
        CheckOptions {
            render_bodies: true,
            ..CheckOptions::default()
        }
    }
}

impl Project {
    /// Load and check the book at `root`.
    pub fn load(root: &Path, options: &CheckOptions) -> Result<Project, PipelineError> {
        let (book, read_failures) = timing::phase("read files", || load_book(root))?;
        let vocabulary = Vocabulary::new(&book.config.vocabulary);
        // Catalogs decode (and the book's own templates, if any, parse) on
        // one thread while documents parse on the others.
        let ((registry, theme_diagnostics), parsed) = timing::phase("catalogs + parse", || {
            rayon::join(
                || {
                    let registry = timing::phase("  catalogs", || {
                        Registry::load(&book.config, &book.root, book.config_file.as_ref())
                    });
                    let theme = timing::phase("  theme", || check::theme::check(&book.root));
                    (registry, theme)
                },
                || {
                    timing::phase("  parse", || {
                        parse_all(&book, &vocabulary, &book.files, options.render_bodies)
                    })
                },
            )
        });
        let registry = registry.map_err(PipelineError::Catalogs)?;
        let mut file_diagnostics: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
        for diag in read_failures {
            let key = diag.file_name().unwrap_or_default();
            file_diagnostics.entry(key).or_default().push(diag);
        }
        let mut documents = Vec::with_capacity(parsed.len());
        for (rel, document, diags) in parsed {
            if !diags.is_empty() {
                file_diagnostics.entry(rel).or_default().extend(diags);
            }
            documents.extend(document);
        }
        let mut project = Project {
            book,
            vocabulary,
            registry,
            documents,
            index: Index::default(),
            diagnostics: Vec::new(),
            by_id: Default::default(),
            by_path: Default::default(),
            crosswalk: None,
            file_diagnostics,
            check_diagnostics: Vec::new(),
            theme_diagnostics,
            options: options.clone(),
        };
        project.resolve();
        Ok(project)
    }

    /// Re-read the given files (paths relative to the source directory;
    /// missing files are removed) and re-run checking and the graph. The
    /// catalogs, the resolved crosswalk and every other parsed document are
    /// kept. When only prose may have changed, try [`Project::update_prose`]
    /// first: it is far cheaper and leaves the project untouched when it
    /// does not apply.
    pub fn update(&mut self, changed: &[String]) {
        let src = self.book.src_dir();
        let prefix = crate::book::load::src_prefix(&self.book.root, &self.book.config);
        let changed: std::collections::BTreeSet<&str> =
            changed.iter().map(String::as_str).collect();
        self.documents
            .retain(|d| !changed.contains(d.rel_path.as_str()));
        self.book
            .files
            .retain(|f| !changed.contains(f.rel_path.as_str()));
        let mut fresh = Vec::new();
        for rel in &changed {
            self.file_diagnostics.remove(&format!("{prefix}{rel}"));
            self.file_diagnostics.remove(*rel);
            if !src.join(rel).is_file() {
                continue;
            }
            match crate::book::load::read_document(&src, rel, &prefix) {
                Ok(file) => fresh.push(file),
                Err(diag) => {
                    self.file_diagnostics
                        .entry(rel.to_string())
                        .or_default()
                        .push(*diag);
                }
            }
        }
        for (rel, document, diags) in parse_all(
            &self.book,
            &self.vocabulary,
            &fresh,
            self.options.render_bodies,
        ) {
            if !diags.is_empty() {
                self.file_diagnostics.entry(rel).or_default().extend(diags);
            }
            self.documents.extend(document);
        }
        self.book.files.extend(fresh);
        self.book.files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        self.resolve();
    }

    /// The update of the common edit: every changed file is a known
    /// document whose front-matter is byte for byte what it was. Positions,
    /// ids, citations and so the whole graph stay; only the documents'
    /// bodies and the findings located in bodies (links) can change, in
    /// them and in documents linking to them by path (an anchor may be
    /// gone). Returns false, changing nothing, when that does not hold.
    pub fn update_prose(&mut self, changed: &[String]) -> bool {
        let src = self.book.src_dir();
        let prefix = crate::book::load::src_prefix(&self.book.root, &self.book.config);
        let mut fresh = Vec::new();
        for rel in changed {
            let Some(pos) = self.document_by_path(rel) else {
                return false;
            };
            let Ok(file) = crate::book::load::read_document(&src, rel, &prefix) else {
                return false;
            };
            let parsed = parse_all(
                &self.book,
                &self.vocabulary,
                std::slice::from_ref(&file),
                self.options.render_bodies,
            );
            let Some((_, Some(document), diags)) = parsed.into_iter().next() else {
                return false;
            };
            if document.front_matter_text() != self.documents[pos].front_matter_text() {
                return false;
            }
            fresh.push((pos, file, document, diags));
        }
        let mut touched: Vec<usize> = Vec::new();
        for (pos, file, document, diags) in fresh {
            let rel = file.rel_path.clone();
            self.file_diagnostics.remove(&format!("{prefix}{rel}"));
            self.file_diagnostics.remove(&rel);
            if !diags.is_empty() {
                self.file_diagnostics.insert(rel.clone(), diags);
            }
            if let Some(slot) = self.book.files.iter_mut().find(|f| f.rel_path == rel) {
                *slot = file;
            }
            self.documents[pos] = document;
            touched.push(pos);
        }
        let changed: std::collections::BTreeSet<&str> =
            changed.iter().map(String::as_str).collect();
        // By path only: a wiki link reads the target's id and title, which
        // are front-matter and did not change.
        touched.extend(self.documents_linking_to(&changed, false));
        touched.sort_unstable();
        touched.dedup();
        let bodies: Vec<(&str, usize)> = touched
            .iter()
            .map(|&i| {
                let doc = &self.documents[i];
                (doc.source.name.as_str(), doc.body.start)
            })
            .collect();
        self.check_diagnostics.retain(|d| {
            !d.location.as_ref().is_some_and(|loc| {
                bodies
                    .iter()
                    .any(|(name, start)| loc.file.name == *name && loc.span.start >= *start)
            })
        });
        let today = self.today();
        let unloaded = self.unloaded_ids();
        self.check_diagnostics.extend(check::bodies(
            &self.documents,
            &unloaded,
            &self.registry,
            &self.vocabulary,
            &self.book.assets,
            today,
            &touched,
        ));
        self.collect_diagnostics();
        true
    }

    fn today(&self) -> jiff::civil::Date {
        self.options
            .today
            .unwrap_or_else(|| jiff::Zoned::now().date())
    }

    /// `diagnostics` from the per-file and cross-document findings, sorted.
    fn collect_diagnostics(&mut self) {
        let mut diagnostics: Vec<Diagnostic> =
            self.file_diagnostics.values().flatten().cloned().collect();
        diagnostics.extend(self.check_diagnostics.iter().cloned());
        diagnostics.extend(self.theme_diagnostics.iter().cloned());
        diagnostic::sort(&mut diagnostics);
        self.diagnostics = diagnostics;
    }

    /// Sort documents, run the cross-document checks and build the graph.
    fn resolve(&mut self) {
        self.documents.sort_by(|a, b| {
            a.number
                .cmp(&b.number)
                .then_with(|| a.rel_path.cmp(&b.rel_path))
        });
        self.by_id.clear();
        self.by_path.clear();
        for (i, doc) in self.documents.iter().enumerate() {
            // The first of duplicated ids wins, as the check reports the rest.
            self.by_id.entry(doc.id.value.clone()).or_insert(i);
            self.by_path.insert(doc.rel_path.clone(), i);
            // Links are looked up composed (`check::document_link`); a
            // name written with combining accents is found both ways.
            let composed = crate::document::nfc(&doc.rel_path);
            if composed != doc.rel_path.as_str() {
                self.by_path.insert(composed.into_owned(), i);
            }
        }
        let today = self.today();
        let unloaded = self.unloaded_ids();
        // The checks and the graph read the same documents and neither
        // needs the other: one core each.
        let (documents, registry, vocabulary) = (&self.documents, &self.registry, &self.vocabulary);
        let assets = &self.book.assets;
        let crosswalk_cache = &mut self.crosswalk;
        let (check_diagnostics, index) = rayon::join(
            || {
                timing::phase("check", || {
                    check::run(documents, &unloaded, registry, vocabulary, assets, today)
                })
            },
            || {
                if self.options.without_index {
                    return None;
                }
                let crosswalk = crosswalk_cache
                    .get_or_insert_with(|| {
                        timing::phase("crosswalk", || Arc::new(Crosswalk::build(registry)))
                    })
                    .clone();
                Some(timing::phase("graph", || {
                    build_index(documents, registry, crosswalk)
                }))
            },
        );
        self.check_diagnostics = check_diagnostics;
        if let Some(index) = index {
            self.index = index;
        }
        self.collect_diagnostics();
    }

    /// Errors of the Markdown files that could not be loaded as documents
    /// (unreadable, broken front-matter): they are missing from the index.
    pub fn load_errors(&self) -> Vec<&Diagnostic> {
        self.unloaded_files()
            .flat_map(|(_, diags)| diags)
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .collect()
    }

    /// The files with findings that are not loaded documents, by path
    /// (relative to the source directory, or shown from the book's root).
    fn unloaded_files(&self) -> impl Iterator<Item = (&String, &Vec<Diagnostic>)> {
        self.file_diagnostics
            .iter()
            .filter(|(path, _)| !self.by_path.contains_key(path.as_str()))
    }

    /// The ids that the names of the files which failed to load give
    /// (`0012-x.md`: `HCB-0012`). Those documents exist: citing one is not
    /// an unknown id, or one broken file would be an error in every file
    /// citing it, with a "did you mean" some other document.
    ///
    /// With them, their paths (relative to the source directory, in
    /// normal form C, as links resolve): a relative link to such a file is
    /// not broken either. An id and a path never look alike.
    fn unloaded_ids(&self) -> Vec<String> {
        let prefix = &self.book.config.book.id_prefix;
        self.unloaded_files()
            .filter(|(_, diags)| diags.iter().any(|d| d.severity == Severity::Error))
            .filter_map(|(path, _)| {
                let id = crate::document::frontmatter::id_from_file_name(path, prefix)?;
                Some([id, crate::document::nfc(path).into_owned()])
            })
            .flatten()
            .collect()
    }

    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Position of a document by id.
    pub fn document_by_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Positions of the documents whose bodies link to one of `rel_paths`:
    /// by relative path, and also by id (`[[HCB-0007]]`) when `by_id`.
    pub fn documents_linking_to(
        &self,
        rel_paths: &std::collections::BTreeSet<&str>,
        by_id: bool,
    ) -> Vec<usize> {
        use crate::document::markdown::LinkTarget;
        let ids: std::collections::BTreeSet<&str> = self
            .documents
            .iter()
            .filter(|d| by_id && rel_paths.contains(d.rel_path.as_str()))
            .map(|d| d.id.value.as_str())
            .collect();
        // Links resolve to composed paths (`check::document_link`).
        let composed: std::collections::BTreeSet<std::borrow::Cow<str>> =
            rel_paths.iter().map(|r| crate::document::nfc(r)).collect();
        self.documents
            .iter()
            .enumerate()
            .filter(|(_, doc)| {
                doc.outline.links.iter().any(|link| match &link.target {
                    LinkTarget::Wiki(target) => ids.contains(target.as_str()),
                    LinkTarget::File { path, .. } => check::document_link(&doc.rel_path, path)
                        .is_some_and(|p| composed.contains(p.as_str())),
                    _ => false,
                })
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Position of a document by path relative to the source directory.
    pub fn document_by_path(&self, rel_path: &str) -> Option<usize> {
        self.by_path.get(rel_path).copied()
    }
}

fn parse_all(
    book: &Book,
    vocabulary: &Vocabulary,
    files: &[crate::book::RawFile],
    render_bodies: bool,
) -> Vec<(String, Option<Document>, Vec<Diagnostic>)> {
    let ctx = ParseContext {
        id_prefix: &book.config.book.id_prefix,
        vocabulary,
        render_bodies,
    };
    files
        .par_iter()
        .map(|file| {
            let parsed = parse_document(file, &ctx);
            (file.rel_path.clone(), parsed.document, parsed.diagnostics)
        })
        .collect()
}
