//! The theme: Tera templates and static assets, embedded in the binary and
//! overridable file by file from the book's own `theme/` directory (as in
//! mdBook).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use tera::Tera;

include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));

/// Templates plus assets, after applying the book's overrides.
pub struct Theme {
    pub tera: Tera,
    /// Files under `assets/`, by path relative to the theme root.
    pub assets: BTreeMap<String, Vec<u8>>,
    /// The compiled templates the book may use: those whose Tera
    /// templates it leaves as shipped (`site::compiled`).
    pub twins: super::compiled::Twins,
    /// The templates the book's `theme/templates/` provides, by name.
    from_book: BTreeSet<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("template error in theme: {0}")]
    Template(String),
    #[error("cannot read theme file `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Theme {
    /// Load the embedded theme, then the book's `theme/` files over it.
    pub fn load(book_root: &Path) -> Result<Theme, ThemeError> {
        let mut files: BTreeMap<String, Vec<u8>> = THEME_FILES
            .iter()
            .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
            .collect();
        let mut from_book = BTreeSet::new();
        for (path, bytes) in book_files(book_root)? {
            if let Some(name) = path.strip_prefix("templates/") {
                from_book.insert(name.to_string());
            }
            files.insert(path, bytes);
        }
        let twins = super::compiled::Twins::of(|name| {
            let path = format!("templates/{name}");
            shipped(&path) == files.get(&path).map(Vec::as_slice)
        });
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape_html);
        let mut templates = Vec::new();
        let mut assets = BTreeMap::new();
        for (path, bytes) in files {
            if let Some(name) = path.strip_prefix("templates/") {
                let text = String::from_utf8(bytes)
                    .map_err(|_| ThemeError::Template(format!("{path} is not UTF-8")))?;
                templates.push((name.to_string(), text));
            } else if path.starts_with("assets/") {
                assets.insert(path, bytes);
            }
        }
        tera.add_raw_templates(templates)
            .map_err(|e| ThemeError::Template(error_chain(&e)))?;
        Ok(Theme {
            tera,
            assets,
            twins,
            from_book,
        })
    }

    /// A Tera error's message (sources included, [`error_chain`]) with the
    /// templates the book provides named by their path in the book
    /// (`'theme/templates/listing.html'`), so the reader knows which file
    /// to open: Tera only knows names.
    pub fn error_message(&self, err: &tera::Error) -> String {
        let mut message = error_chain(err);
        for name in &self.from_book {
            message = message.replace(&format!("'{name}'"), &format!("'theme/templates/{name}'"));
        }
        message
    }
}

/// The embedded file at `path` (relative to the theme root, such as
/// `templates/listing.html`), if the binary ships one.
pub fn shipped(path: &str) -> Option<&'static [u8]> {
    THEME_FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, bytes)| *bytes)
}

/// The files of the book's own `theme/` directory, by path relative to it
/// with `/` separators (`templates/listing.html`), sorted; none when the
/// book has no such directory.
pub fn book_files(book_root: &Path) -> Result<Vec<(String, Vec<u8>)>, ThemeError> {
    let overrides = book_root.join("theme");
    let mut files = Vec::new();
    if !overrides.is_dir() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(&overrides).sort_by_file_name() {
        let entry = entry.map_err(|e| ThemeError::Io {
            path: overrides.display().to_string(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("walk")),
        })?;
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(&overrides)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(entry.path()).map_err(|source| ThemeError::Io {
                path: entry.path().display().to_string(),
                source,
            })?;
            files.push((rel, bytes));
        }
    }
    Ok(files)
}

/// HTML escaping for template output. Tera's default also escapes `/`,
/// which bloats every URL (`..&#x2F;documents&#x2F;`) for no safety gain in
/// text and attribute values that are always quoted.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 16);
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, input);
    out
}

/// [`escape_html`] into any writer (the compiled templates write straight
/// into the page).
pub fn write_escaped<W: std::fmt::Write>(mut out: W, input: &str) -> std::fmt::Result {
    let bytes = input.as_bytes();
    // Copy the runs between special characters whole: most template output
    // (ids, titles, URLs) has none, and per-character pushes dominated.
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // The special characters are ASCII, so `i` is a char boundary.
        out.write_str(&input[start..i])?;
        out.write_str(entity)?;
        start = i + 1;
    }
    out.write_str(&input[start..])
}

/// Tera nests the useful message in its error's sources.
pub fn error_chain(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_html_escapes_the_five_and_keeps_the_rest() {
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("plain / text é"), "plain / text é");
        assert_eq!(
            escape_html(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(escape_html("ü&ü"), "ü&amp;ü");
    }
}
