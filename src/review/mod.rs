//! Reviewing a change: the book now (the working tree) against the book at a
//! git revision.
//!
//! Both states go through the same [`Project::load`], so "what the change
//! did" is always computed from two fully checked books rather than from a
//! textual diff: `check --changed-since` keeps the problems a change is
//! responsible for, and [`diff`] describes what it does to the index.

pub mod diff;
pub mod git;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

pub use git::GitError;

use crate::diagnostic::Diagnostic;
use crate::pipeline::{CheckOptions, PipelineError, Project};

/// The book at the base revision.
pub enum Baseline {
    /// The revision has no book here (no `book.toml`, no source directory):
    /// everything in the working tree is new.
    Missing,
    /// The book at the revision cannot be loaded (its `book.toml` is broken,
    /// say), so nothing can be attributed to the change.
    Broken(PipelineError),
    Loaded(Box<Project>),
}

impl Baseline {
    /// Load the book rooted at `root` as it was at git revision `rev`.
    pub fn load(root: &Path, rev: &str, options: &CheckOptions) -> Result<Baseline, GitError> {
        let snapshot = git::snapshot(root, rev)?;
        if !snapshot.existed {
            return Ok(Baseline::Missing);
        }
        // The project keeps every text in memory; the temporary copy can go.
        Ok(match Project::load(snapshot.root(), options) {
            Ok(project) => Baseline::Loaded(Box::new(project)),
            Err(err) => Baseline::Broken(err),
        })
    }

    pub fn project(&self) -> Option<&Project> {
        match self {
            Baseline::Loaded(project) => Some(project),
            _ => None,
        }
    }
}

/// The files of a book (documents and `book.toml`) by displayed path, with
/// their text: what "changed" is decided on.
fn file_texts(project: &Project) -> BTreeMap<&str, &str> {
    let documents = project
        .book
        .files
        .iter()
        .map(|f| (f.source.name.as_str(), f.source.text.as_str()));
    let config = project
        .book
        .config_file
        .iter()
        .map(|f| (f.name.as_str(), f.text.as_str()));
    documents.chain(config).collect()
}

/// Files that were added or modified since the base (a rename is an added
/// file), by displayed path (`docs/governance/0003-x.md`, `book.toml`).
pub fn changed_files(now: &Project, base: &Project) -> BTreeSet<String> {
    let before = file_texts(base);
    file_texts(now)
        .into_iter()
        .filter(|(name, text)| before.get(name) != Some(text))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// What identifies "the same problem" in both states of an unchanged file.
/// The text of an unchanged file is identical, so the code and span say it;
/// the message is left out because suggestions in it ("did you mean") may
/// change with other files. Problems without a span fall back to the message.
type ProblemKey = (
    &'static str,
    Option<String>,
    Option<(usize, usize)>,
    Option<String>,
);

fn problem_key(d: &Diagnostic) -> ProblemKey {
    let span = d.location.as_ref().map(|l| (l.span.start, l.span.end));
    let message = span.is_none().then(|| d.message.clone());
    (d.code, d.file_name(), span, message)
}

/// The problems a change is responsible for: every problem in a file the
/// change added or modified, plus problems elsewhere that the base did not
/// have (an id removed but still cited, a broken supersession pair).
/// Without a loadable base every problem is kept.
pub fn changed_since(now: &Project, base: &Baseline) -> Vec<Diagnostic> {
    let Some(base) = base.project() else {
        return now.diagnostics.clone();
    };
    let changed = changed_files(now, base);
    let before: HashSet<ProblemKey> = base.diagnostics.iter().map(problem_key).collect();
    // A duplicate between a changed file and an untouched one belongs to
    // the change: located there, the annotation falls inside the diff.
    let mut diagnostics = now.diagnostics.clone();
    crate::check::locate_in_changed(&mut diagnostics, &changed);
    diagnostics
        .into_iter()
        .filter(|d| {
            d.file_name().is_some_and(|f| changed.contains(&f)) || !before.contains(&problem_key(d))
        })
        .collect()
}
