//! The pipeline every command shares: load the book, parse documents,
//! load catalogs, build the index, run the checks. Data flows one way:
//! `book` -> `document` -> `catalog` -> `graph` -> `check`; `site` only reads
//! the finished [`Project`].

use std::path::Path;

use rayon::prelude::*;
use thiserror::Error;

use crate::book::{load_book, Book, LoadError};
use crate::catalog::Registry;
use crate::check;
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::document::frontmatter::ParseContext;
use crate::document::{parse_document, Document, Vocabulary};
use crate::graph::{build_index, Index};

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
            PipelineError::Load(_) => Vec::new(),
        }
    }
}

/// Options that change what checking reports.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// "Today" for review-by warnings; `None` means the real date.
    pub today: Option<jiff::civil::Date>,
}

impl Project {
    /// Load and check the book at `root`.
    pub fn load(root: &Path, options: &CheckOptions) -> Result<Project, PipelineError> {
        let (book, mut diagnostics) = load_book(root)?;
        let vocabulary = Vocabulary::new(&book.config.vocabulary);
        // Catalogs decode on one thread while documents parse on the others.
        let (registry, parsed) = rayon::join(
            || Registry::load(&book.config, &book.root, book.config_file.as_ref()),
            || parse_all(&book, &vocabulary),
        );
        let registry = registry.map_err(PipelineError::Catalogs)?;
        let mut documents = Vec::with_capacity(parsed.len());
        for (document, diags) in parsed {
            diagnostics.extend(diags);
            documents.extend(document);
        }
        documents.sort_by(|a, b| {
            a.number
                .cmp(&b.number)
                .then_with(|| a.rel_path.cmp(&b.rel_path))
        });
        let today = options.today.unwrap_or_else(|| jiff::Zoned::now().date());
        diagnostics.extend(check::run(&documents, &registry, &vocabulary, today));
        let index = build_index(&documents, &registry);
        diagnostic::sort(&mut diagnostics);
        Ok(Project {
            book,
            vocabulary,
            registry,
            documents,
            index,
            diagnostics,
        })
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
        self.documents.iter().position(|d| d.id.value == id)
    }
}

fn parse_all(book: &Book, vocabulary: &Vocabulary) -> Vec<(Option<Document>, Vec<Diagnostic>)> {
    let ctx = ParseContext {
        id_prefix: &book.config.book.id_prefix,
        vocabulary,
    };
    book.files
        .par_iter()
        .map(|file| {
            let parsed = parse_document(file, &ctx);
            (parsed.document, parsed.diagnostics)
        })
        .collect()
}
