//! Printing diagnostics: rustc-style for people, JSON for tools, GitHub
//! workflow commands for pull-request annotations, SARIF for code scanning.

use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::term::{self, Chars, Config};
use serde::Serialize;

use super::codes;
use super::snippet::printable;
use crate::diagnostic::{Diagnostic, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

/// Print diagnostics in `format`, followed (for humans) by a summary line.
/// Files are named relative to the book root; GitHub and SARIF reports put
/// `repository_prefix` (where the book is in its repository, such as
/// `handbook/`) before them, since their readers resolve paths from the
/// repository's top.
pub fn print(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    format: Format,
    color: bool,
    repository_prefix: &str,
) -> io::Result<()> {
    match format {
        Format::Human => human(out, diagnostics, color),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &json_report(diagnostics))?;
            writeln!(out)
        }
        Format::Github => github(out, diagnostics, repository_prefix),
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif(diagnostics, repository_prefix))?;
            writeln!(out)
        }
    }
}

fn human(out: &mut dyn Write, diagnostics: &[Diagnostic], color: bool) -> io::Result<()> {
    human_without_summary(out, diagnostics, color)?;
    writeln!(out, "{}", summary(diagnostics))
}

/// The human report without its `check:` summary line, for a command that
/// shows only some of the problems `check` would and counts them itself.
pub fn human_without_summary(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    color: bool,
) -> io::Result<()> {
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let mut buffer = if color {
        term::termcolor::Buffer::ansi()
    } else {
        term::termcolor::Buffer::no_color()
    };
    for diag in diagnostics {
        let mut cs = CsDiagnostic::new(match diag.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
        })
        .with_code(diag.code)
        .with_message(printable(&diag.message));
        let files = quoted_files(diag);
        cs = cs.with_labels(labels(diag, &files));
        let mut notes = Vec::new();
        if diag.location.is_none() {
            if let Some(name) = diag.file_name() {
                notes.push(format!("in {}", printable(&name)));
            }
        }
        if let Some(help) = &diag.help {
            notes.push(format!("help: {}", printable(help)));
        }
        cs = cs.with_notes(notes);
        term::emit_to_write_style(&mut buffer, &config, &files.shown, &cs)
            .map_err(|e| io::Error::other(e.to_string()))?;
    }
    out.write_all(buffer.as_slice())
}

/// The files a diagnostic quotes, as shown (long lines cut, see
/// [`super::snippet`]), and where each of its labels is in them: the
/// primary location first, then the related ones.
struct QuotedFiles<'a> {
    shown: super::snippet::Shown<'a>,
    spans: Vec<(usize, std::ops::Range<usize>)>,
}

fn quoted_files(diag: &Diagnostic) -> QuotedFiles<'_> {
    let locations: Vec<&crate::diagnostic::Location> = diag
        .location
        .iter()
        .chain(diag.related.iter().map(|(loc, _)| loc))
        .collect();
    let mut shown = super::snippet::Shown::default();
    let mut spans = vec![(0, 0..0); locations.len()];
    // Each file once, with every span of this diagnostic in it.
    let mut done = vec![false; locations.len()];
    for i in 0..locations.len() {
        if done[i] {
            continue;
        }
        let same: Vec<usize> = (i..locations.len())
            .filter(|&j| std::sync::Arc::ptr_eq(&locations[j].file, &locations[i].file))
            .collect();
        let ranges: Vec<_> = same.iter().map(|&j| locations[j].span.clone()).collect();
        let (id, mapped) = shown.add(&locations[i].file, &ranges);
        for (&j, range) in same.iter().zip(mapped) {
            spans[j] = (id, range);
            done[j] = true;
        }
    }
    QuotedFiles { shown, spans }
}

fn labels(diag: &Diagnostic, files: &QuotedFiles) -> Vec<Label<usize>> {
    let mut spans = files.spans.iter().cloned();
    let mut labels = Vec::new();
    if diag.location.is_some() {
        if let Some((id, span)) = spans.next() {
            labels.push(
                Label::primary(id, span)
                    .with_message(printable(diag.label.as_deref().unwrap_or_default())),
            );
        }
    }
    for ((_, note), (id, span)) in diag.related.iter().zip(spans) {
        labels.push(Label::secondary(id, span).with_message(printable(note)));
    }
    labels
}

/// `check: 2 errors, 1 warning` or `check: no problems`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if diagnostics.is_empty() {
        "check: no problems found".to_string()
    } else {
        format!(
            "check: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

/// The stable JSON schema (version 1), documented in the format reference.
#[derive(Serialize)]
pub struct JsonReport {
    pub version: u32,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub label: Option<String>,
    pub help: Option<String>,
    /// The other places the human report quotes (the first definition of a
    /// duplicate id, say), each with its note; empty when there are none.
    /// Added within version 1: fields are only ever added.
    pub related: Vec<JsonRelated>,
}

/// A secondary location of a diagnostic: always in a file, so never null.
#[derive(Serialize)]
pub struct JsonRelated {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub label: String,
}

pub fn json_report(diagnostics: &[Diagnostic]) -> JsonReport {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    JsonReport {
        version: 1,
        errors,
        warnings: diagnostics.len() - errors,
        diagnostics: diagnostics.iter().map(json_diagnostic).collect(),
    }
}

fn json_diagnostic(d: &Diagnostic) -> JsonDiagnostic {
    let start = d.location.as_ref().map(|l| l.file.line_col(l.span.start));
    let end = d.location.as_ref().map(|l| l.file.line_col(l.span.end));
    JsonDiagnostic {
        code: d.code,
        severity: d.severity,
        message: d.message.clone(),
        file: d.file_name(),
        line: start.map(|s| s.0),
        column: start.map(|s| s.1),
        end_line: end.map(|e| e.0),
        end_column: end.map(|e| e.1),
        label: d.label.clone(),
        help: d.help.clone(),
        related: d
            .related
            .iter()
            .map(|(loc, note)| {
                let (line, column) = loc.line_col();
                let (end_line, end_column) = loc.file.line_col(loc.span.end);
                JsonRelated {
                    file: loc.file.name.clone(),
                    line,
                    column,
                    end_line,
                    end_column,
                    label: note.clone(),
                }
            })
            .collect(),
    }
}

/// The related places of a diagnostic as text for a format with one
/// location per finding: `; first defined here: docs/x.md:2:6` for each,
/// files named as `prefix` says (see [`print`]).
fn related_text(d: &Diagnostic, prefix: &str) -> String {
    let mut text = String::new();
    for (loc, note) in &d.related {
        let (line, col) = loc.line_col();
        text.push_str(&format!("; {note}: {prefix}{}:{line}:{col}", loc.file.name));
    }
    text
}

/// GitHub Actions workflow commands; values escaped as GitHub requires.
fn github(out: &mut dyn Write, diagnostics: &[Diagnostic], prefix: &str) -> io::Result<()> {
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(file) = d.file_name() {
            props.push(format!(
                "file={}",
                escape_property(&format!("{prefix}{file}"))
            ));
        }
        if let Some(loc) = &d.location {
            let (line, col) = loc.line_col();
            let (end_line, end_col) = loc.file.line_col(loc.span.end);
            props.push(format!(
                "line={line},col={col},endLine={end_line},endColumn={end_col}"
            ));
        }
        props.push(format!("title={}", escape_property(d.code)));
        // One location per annotation: the others go in its text.
        let mut message = d.message.clone();
        message.push_str(&related_text(d, prefix));
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{level} {}::{}",
            props.join(","),
            escape_data(&super::snippet::printable(&message))
        )?;
    }
    writeln!(out, "{}", summary(diagnostics))
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// SARIF 2.1.0 log with one run, valid against the OASIS schema (checked by
/// `tests/review.rs` with the schema vendored in `tests/schemas/`).
///
/// Paths are relative to the repository's top (`prefix` is where the book
/// is in it) and given with the `%SRCROOT%` base, SARIF's conventional name
/// for "the checked-out sources", as code scanning expects.
pub fn sarif(diagnostics: &[Diagnostic], prefix: &str) -> serde_json::Value {
    let rules: Vec<_> = codes::CODES
        .iter()
        .map(|(code, title)| {
            serde_json::json!({
                "id": code,
                "shortDescription": { "text": title },
            })
        })
        .collect();
    let results: Vec<_> = diagnostics
        .iter()
        .map(|d| sarif_result(d, prefix))
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "crosswalk",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// One SARIF result. `ruleIndex` is only given when the code is in the rule
/// table: a wrong index would attach the finding to another rule.
///
/// The related places are `relatedLocations`, each with its note as its
/// message, and are also named in the result's text: GitHub code scanning
/// shows a related location only where the message links to it.
fn sarif_result(d: &Diagnostic, prefix: &str) -> serde_json::Value {
    let mut message = d.message.clone();
    message.push_str(&related_text(d, prefix));
    if let Some(help) = &d.help {
        message.push_str(" (help: ");
        message.push_str(help);
        message.push(')');
    }
    let mut result = serde_json::json!({
        "ruleId": d.code,
        "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "message": { "text": message },
    });
    if let Some(index) = codes::CODES.iter().position(|(c, _)| *c == d.code) {
        result["ruleIndex"] = serde_json::json!(index);
    }
    if let Some(file) = d.file_name() {
        let mut physical = serde_json::json!({
            "artifactLocation": { "uri": sarif_uri(&format!("{prefix}{file}")), "uriBaseId": "%SRCROOT%" }
        });
        if let Some(loc) = &d.location {
            physical["region"] = sarif_region(loc);
        }
        result["locations"] = serde_json::json!([{ "physicalLocation": physical }]);
    }
    if !d.related.is_empty() {
        let related: Vec<_> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, (loc, note))| {
                serde_json::json!({
                    "id": i,
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": sarif_uri(&format!("{prefix}{}", loc.file.name)),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": sarif_region(loc),
                    },
                    "message": { "text": note },
                })
            })
            .collect();
        result["relatedLocations"] = serde_json::json!(related);
    }
    result
}

/// A region with one-based lines and columns; the end column is exclusive,
/// as in SARIF, and never before the start on a one-line region.
fn sarif_region(loc: &crate::diagnostic::Location) -> serde_json::Value {
    let (line, col) = loc.line_col();
    let (end_line, end_col) = loc.file.line_col(loc.span.end);
    let end_col = if end_line == line {
        end_col.max(col)
    } else {
        end_col
    };
    serde_json::json!({
        "startLine": line, "startColumn": col,
        "endLine": end_line.max(line), "endColumn": end_col,
    })
}

/// A relative path as a URI reference: characters that are not allowed
/// unescaped in a URI path (spaces, `%`, `#`, `?`, non-ASCII) are
/// percent-encoded, `/` kept; so is `:`, which a first segment must not
/// contain (it would read as a URI scheme).
fn sarif_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_uris_are_escaped_relative_references() {
        assert_eq!(sarif_uri("docs/a b/0001-x.md"), "docs/a%20b/0001-x.md");
        assert_eq!(sarif_uri("c:/x#1.md"), "c%3A/x%231.md");
        assert_eq!(sarif_uri("docs/é.md"), "docs/%C3%A9.md");
    }
}
