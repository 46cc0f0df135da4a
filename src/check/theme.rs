//! The book's own theme (CW037): every template under `theme/templates/`
//! that differs from the shipped one must parse, and the theme they make
//! with the shipped templates must hold together (a parent or macro file
//! that exists). Otherwise `build` would fail only after `check` passed.
//! Shipped templates are tested with the binary and are not parsed again,
//! so a book without its own templates pays for a directory lookup.
//! What only rendering can find (an unknown variable, a bad filter
//! argument) is left to `build`, which names the book's file too.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::site::theme::{self, Theme, ThemeError};

const CODE: &str = "CW037";

const HELP: &str = "the shipped templates (`theme/templates/` in crosswalk's repository) \
are the reference for the syntax and the variables each page gets; deleting this \
file makes the site use the shipped one again";

/// The CW037 errors of the theme of the book at `book_root`.
pub fn check(book_root: &Path) -> Vec<Diagnostic> {
    let files = match theme::book_files(book_root) {
        Ok(files) => files,
        Err(err) => return vec![unreadable(&err)],
    };
    let mut diags = Vec::new();
    let mut own = Vec::new();
    for (path, bytes) in files {
        let Some(name) = path.strip_prefix("templates/") else {
            continue;
        };
        if theme::shipped(&path) == Some(bytes.as_slice()) {
            continue;
        }
        let shown = format!("theme/{path}");
        match String::from_utf8(bytes) {
            Ok(text) => {
                if let Err(err) = tera::Template::new(name, None, &text) {
                    diags.push(parse_error(SourceFile::new(shown, text), &err));
                }
            }
            Err(err) => {
                let valid = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                let end = text[valid..]
                    .chars()
                    .next()
                    .map_or(valid, |c| valid + c.len_utf8());
                diags.push(
                    Diagnostic::error(CODE, format!("template `{name}` is not UTF-8"))
                        .at(&SourceFile::new(shown, text), valid..end)
                        .label("not UTF-8")
                        .help("save the file as UTF-8"),
                );
            }
        }
        own.push(name.to_string());
    }
    // Each template parses: what is left is how they fit together, which
    // only the whole theme shows (it parses them all again: a few ms, and
    // only for a book with templates of its own).
    if diags.is_empty() && !own.is_empty() {
        if let Err(err) = Theme::load(book_root) {
            diags.push(whole_theme_error(book_root, &own, &err));
        }
    }
    diags
}

/// A template that does not parse, located where Tera stopped when it
/// says (its parser's message holds ` --> line:column`).
fn parse_error(file: Arc<SourceFile>, err: &tera::Error) -> Diagnostic {
    let message = theme::error_chain(err);
    let name = file.name.trim_start_matches("theme/templates/").to_string();
    let what = expected(&message).unwrap_or_else(|| message.trim().to_string());
    let diag =
        Diagnostic::error(CODE, format!("template `{name}` does not parse: {what}")).help(HELP);
    match position(&message).and_then(|(line, col)| offset(&file.text, line, col)) {
        Some(start) => {
            let end = file.text[start..]
                .chars()
                .next()
                .filter(|c| *c != '\n' && *c != '\r')
                .map_or(start, |c| start + c.len_utf8());
            diag.at(&file, start..end).label("Tera stops here")
        }
        None => diag.at(&file, 0..0),
    }
}

/// The `= expected ...` line of a parser message.
fn expected(message: &str) -> Option<String> {
    message
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("= "))
        .map(|s| s.trim().to_string())
}

/// `(line, column)` from the parser's ` --> 3:7` line, both one-based,
/// the column in characters.
fn position(message: &str) -> Option<(usize, usize)> {
    let at = message
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let (line, col) = at.trim().split_once(':')?;
    Some((line.parse().ok()?, col.parse().ok()?))
}

/// The byte offset of a one-based line and character column in `text`.
fn offset(text: &str, line: usize, col: usize) -> Option<usize> {
    let start = if line == 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &text[start..];
    let within = rest
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(rest.len()))
        .nth(col - 1)?;
    Some(start + within)
}

/// What only the whole theme shows (a parent or macro file that is not
/// there), on the book's template it names.
fn whole_theme_error(book_root: &Path, own: &[String], err: &ThemeError) -> Diagnostic {
    let message = err.to_string();
    let named = own.iter().find(|name| {
        message.contains(&format!("'{name}'")) || message.contains(&format!("`{name}`"))
    });
    let path = match named {
        Some(name) => format!("theme/templates/{name}"),
        None => "theme/templates".to_string(),
    };
    let diag =
        Diagnostic::error(CODE, format!("the book's theme does not load: {message}")).help(HELP);
    match std::fs::read_to_string(book_root.join(&path)) {
        Ok(text) => diag.at(&SourceFile::new(path, text), 0..0),
        Err(_) => diag.in_file(Path::new(&path)),
    }
}

/// The theme directory could not be read.
fn unreadable(err: &ThemeError) -> Diagnostic {
    Diagnostic::error(CODE, format!("the book's theme cannot be read: {err}"))
        .in_file(Path::new("theme"))
        .help("check the permissions of the files under `theme/`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(templates: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let templates_dir = dir.path().join("theme/templates");
        std::fs::create_dir_all(&templates_dir).unwrap();
        for (name, bytes) in templates {
            std::fs::write(templates_dir.join(name), bytes).unwrap();
        }
        dir
    }

    fn located(d: &Diagnostic) -> (String, usize, usize) {
        let loc = d.location.as_ref().expect("located");
        let (line, col) = loc.line_col();
        (loc.file.name.clone(), line, col)
    }

    #[test]
    fn no_theme_directory_means_no_finding() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check(dir.path()).is_empty());
    }

    #[test]
    fn shipped_templates_copied_into_the_book_are_fine() {
        let base = theme::shipped("templates/base.html").unwrap();
        let dir = book(&[("base.html", base)]);
        assert!(check(dir.path()).is_empty());
    }

    #[test]
    fn every_broken_template_is_reported_at_its_place() {
        let dir = book(&[
            ("listing.html", b"{% if %}"),
            (
                "tags.html",
                "<p>é</p>\n<p>{{ a }}</p>\n  {% for x in %}".as_bytes(),
            ),
        ]);
        let diags = check(dir.path());
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!(
            located(&diags[0]),
            ("theme/templates/listing.html".to_string(), 1, 7)
        );
        assert_eq!(
            located(&diags[1]),
            ("theme/templates/tags.html".to_string(), 3, 15)
        );
        for d in &diags {
            assert_eq!(d.code, "CW037");
            assert!(
                d.message.contains("does not parse: expected"),
                "{}",
                d.message
            );
            assert!(d.help.is_some());
        }
    }

    #[test]
    fn a_template_that_is_not_utf8_is_located_at_its_first_bad_byte() {
        let dir = book(&[("listing.html", b"ab\n\xffc")]);
        let diags = check(dir.path());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            located(&diags[0]),
            ("theme/templates/listing.html".to_string(), 2, 1)
        );
    }

    #[test]
    fn a_missing_parent_is_reported_on_the_template_that_names_it() {
        let dir = book(&[("listing.html", b"{% extends \"nowhere.html\" %}")]);
        let diags = check(dir.path());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "CW037");
        assert!(
            diags[0].message.contains("nowhere.html"),
            "{}",
            diags[0].message
        );
        assert_eq!(located(&diags[0]).0, "theme/templates/listing.html");
    }
}
