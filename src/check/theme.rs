//! The book's own theme (CW037): every template under `theme/templates/`
//! that differs from the shipped one must parse, and the theme they make
//! with the shipped templates must hold together (a parent or macro file
//! that exists). Otherwise `build` would fail only after `check` passed.
//! Shipped templates are tested with the binary and are not parsed again,
//! so a book without its own templates pays for a directory lookup.
//! What only rendering can find (an unknown variable, a bad filter
//! argument) is left to `build`, which reports it as CW044 at the name in
//! the book's template ([`render_error`]).

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

/// Code of a template of the book's that parses but fails to render.
pub const RENDER_CODE: &str = "CW044";

/// A render failure of one of the book's own templates, located at the
/// name Tera complains about (`Variable \`doc.titel\` not found`) in the
/// template that failed, or at its start when that name is not found.
/// `message` is [`Theme::error_message`]'s, which names the book's files
/// `theme/templates/NAME`. `None` when no template of the book's is named:
/// the shipped templates failing is crosswalk's bug, not the book's.
///
/// Such failures pass `check`, which parses templates but renders none;
/// `build` finds them on the first page that uses the template.
pub fn render_error(book_root: &Path, page: &str, message: &str) -> Option<Diagnostic> {
    let path = failing_template(message)?;
    let text = std::fs::read_to_string(book_root.join(path)).ok()?;
    let name = path.trim_start_matches("theme/templates/");
    let cause = message.rsplit(": ").next().unwrap_or(message).trim();
    let diag = Diagnostic::error(
        RENDER_CODE,
        format!("template `{name}` fails to render {page}: {cause}"),
    )
    .help(
        "each page gets the variables the shipped template of the same name uses \
         (`theme/templates/` in crosswalk's repository) and Tera's built-in filters; \
         write `{% if x %}` or `x | default(value=...)` around a value some pages lack",
    );
    let file = SourceFile::new(path, text);
    Some(
        match named_in_message(message).and_then(|n| find_in_tags(&file.text, n)) {
            Some(span) => diag.at(&file, span).label("not available here"),
            None => diag.at(&file, 0..0),
        },
    )
}

/// The innermost of the book's templates a render message names: Tera
/// names the outer template first and the one that failed last.
fn failing_template(message: &str) -> Option<&str> {
    let start = message.rfind("'theme/templates/")? + 1;
    let len = message[start..].find('\'')?;
    Some(&message[start..start + len])
}

/// The name Tera complains about: in backticks for a variable
/// (``Variable `doc.x` not found``), in single quotes for a filter, function
/// or test (`Filter 'x' not found`); template names are not it.
fn named_in_message(message: &str) -> Option<&str> {
    ['`', '\''].into_iter().find_map(|quote| {
        message
            .split(quote)
            .skip(1)
            .step_by(2)
            .find(|name| !name.is_empty() && !name.contains('/') && !name.contains(' '))
    })
}

/// Where `name` first appears as a whole word inside a `{{ }}` or `{% %}`
/// tag of `text`.
fn find_in_tags(text: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    text.match_indices(name).find_map(|(at, _)| {
        let end = at + name.len();
        let alone = !text[..at].ends_with(word) && !text[end..].starts_with(word);
        let open = text[..at].rfind(['{']).filter(|&o| {
            matches!(text.as_bytes().get(o.wrapping_sub(1)), Some(b'{'))
                || text[o..].starts_with("{%")
        });
        let in_tag = open.is_some_and(|o| !text[o..at].contains(['}']));
        (alone && in_tag).then_some(at..end)
    })
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

    #[test]
    fn a_render_failure_is_located_at_the_name_in_the_innermost_book_template() {
        let dir = book(&[
            ("document.html", b"{% include \"part.html\" %}"),
            (
                "part.html",
                b"<p>{{ docx }}</p>\n<p>{{ doc.title }} {{ doc.titel }}</p>",
            ),
        ]);
        let message = "Failed to render 'theme/templates/document.html': Variable \
                       `doc.titel` not found in context while rendering \
                       'theme/templates/part.html'";
        let diag = render_error(dir.path(), "documents/hcb-0001.html", message).unwrap();
        assert_eq!(diag.code, RENDER_CODE);
        assert!(diag
            .message
            .contains("`part.html` fails to render documents/hcb-0001.html"));
        // `doc.title` is not the name, nor is `docx`: whole words in tags.
        assert_eq!(located(&diag), ("theme/templates/part.html".into(), 2, 23));
    }

    #[test]
    fn names_in_render_messages() {
        assert_eq!(named_in_message("Variable `a.b` not found"), Some("a.b"));
        assert_eq!(
            named_in_message("Failed to render 'theme/templates/x.html': Filter 'up' not found"),
            Some("up")
        );
        assert_eq!(named_in_message("no name here"), None);
        // Outside a tag the name is prose, not the culprit.
        assert_eq!(find_in_tags("title {{ title }}", "title"), Some(9..14));
        assert_eq!(find_in_tags("{% if x %}title{% endif %}", "title"), None);
    }

    #[test]
    fn a_render_failure_of_a_shipped_template_is_not_the_books() {
        let dir = book(&[]);
        let message = "Failed to render 'document.html': Variable `x` not found";
        assert!(render_error(dir.path(), "index.html", message).is_none());
    }
}
