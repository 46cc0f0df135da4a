//! Located diagnostics: the one currency every pipeline stage pays in.
//!
//! Loading, parsing, resolving and checking never stop at the first problem;
//! each stage pushes [`Diagnostic`]s and carries on, so that `crosswalk check`
//! can report every mistake in a book at once. Rendering them (human, JSON,
//! GitHub, SARIF) is the job of `check::report`.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// How serious a finding is. Errors fail `check` and refuse `build`; warnings
/// fail only with `--deny-warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One source file as the diagnostics see it: the path shown to the user and
/// the exact text that spans index into (after BOM removal).
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the book root, with `/` separators, as printed.
    pub name: String,
    pub text: String,
    /// Byte offsets where lines start, made on the first diagnostic: most
    /// files never have one.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: String) -> Arc<Self> {
        Arc::new(SourceFile {
            name: name.into(),
            text,
            line_starts: std::sync::OnceLock::new(),
        })
    }

    /// Byte offsets where lines start (the first is 0).
    pub fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = match line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of a one-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let line_starts = self.line_starts();
        let start = line_starts.get(line - 1).copied().unwrap_or(0);
        let end = line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// A span inside a source file.
#[derive(Debug, Clone)]
pub struct Location {
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
}

impl Location {
    pub fn new(file: &Arc<SourceFile>, span: Range<usize>) -> Self {
        Location {
            file: Arc::clone(file),
            span,
        }
    }
    pub fn line_col(&self) -> (usize, usize) {
        self.file.line_col(self.span.start)
    }
}

/// A problem found in a book, with a stable code (see `check::codes`).
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is. `None` only for problems with no file (a missing
    /// `docs/` directory, say); a path without a span uses [`Diagnostic::path`].
    pub location: Option<Location>,
    /// A file the problem is about when no span can be given.
    pub path: Option<PathBuf>,
    /// Short text printed under the caret.
    pub label: Option<String>,
    /// Other places that explain the problem (the first definition of a
    /// duplicate id, say).
    pub related: Vec<(Location, String)>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            location: None,
            path: None,
            label: None,
            related: Vec::new(),
            help: None,
        }
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }
    pub fn at(mut self, file: &Arc<SourceFile>, span: Range<usize>) -> Self {
        self.location = Some(Location::new(file, span));
        self
    }
    pub fn at_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
    pub fn in_file(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn related(mut self, location: Location, note: impl Into<String>) -> Self {
        self.related.push((location, note.into()));
        self
    }

    /// Name of the file the diagnostic points at, as printed to users.
    pub fn file_name(&self) -> Option<String> {
        match (&self.location, &self.path) {
            (Some(loc), _) => Some(loc.file.name.clone()),
            (None, Some(path)) => Some(path.display().to_string().replace('\\', "/")),
            (None, None) => None,
        }
    }

    /// Sort key that groups diagnostics by file, then position, then code.
    pub fn sort_key(&self) -> (String, usize, &'static str, String) {
        let offset = self.location.as_ref().map_or(0, |l| l.span.start);
        (
            self.file_name().unwrap_or_default(),
            offset,
            self.code,
            self.message.clone(),
        )
    }
}

/// Sort diagnostics into a stable, reader-friendly order.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_cached_key(Diagnostic::sort_key);
}

/// Suggest the closest candidates to a misspelt word, best first.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = wanted.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&wanted_lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let file = SourceFile::new("a.md", "ab\né = 1\n".to_string());
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        // 'é' is two bytes; the '=' after "é " is the third character.
        assert_eq!(file.line_col(6), (2, 3));
        assert_eq!(file.line_text(2), "é = 1");
    }

    #[test]
    fn did_you_mean_finds_close_keys() {
        let keys = ["status", "summary", "supersedes"];
        assert_eq!(did_you_mean("stauts", keys), Some("status"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }
}
