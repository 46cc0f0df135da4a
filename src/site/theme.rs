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
    while let Some(found) = first_special(&bytes[start..]) {
        let at = start + found;
        let entity = match bytes[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        };
        // The special characters are ASCII, so `at` is a char boundary.
        out.write_str(&input[start..at])?;
        out.write_str(entity)?;
        start = at + 1;
    }
    out.write_str(&input[start..])
}

/// Append `text` to `out` escaped for XML (SVG text, the sitemap and the
/// feed): `&`, `<`, `>` and `"`, copying the runs between them whole (a
/// diagram holds dozens of texts, the sitemap a URL per page).
pub fn push_xml_escaped(out: &mut String, text: &str) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        // ASCII, so `i` is a char boundary.
        out.push_str(&text[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Whether [`write_escaped`] replaces `b`.
fn is_special(b: u8) -> bool {
    matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'')
}

/// Where the first byte [`write_escaped`] replaces is, if any: sixteen
/// bytes at a time where the CPU allows. Escaping was a twelfth of a
/// build's instructions, one byte and five comparisons at a time.
fn first_special(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of every x86_64 CPU (the target's baseline),
        // and each unaligned 16-byte load reads `bytes[at..at + 16]`, which
        // the loop condition keeps in bounds.
        unsafe {
            let wanted = [b'&', b'<', b'>', b'"', b'\''].map(|b| _mm_set1_epi8(b as i8));
            while at + 16 <= bytes.len() {
                let chunk = _mm_loadu_si128(bytes.as_ptr().add(at).cast::<__m128i>());
                let mut hits = _mm_cmpeq_epi8(chunk, wanted[0]);
                for w in &wanted[1..] {
                    hits = _mm_or_si128(hits, _mm_cmpeq_epi8(chunk, *w));
                }
                let mask = _mm_movemask_epi8(hits);
                if mask != 0 {
                    return Some(at + mask.trailing_zeros() as usize);
                }
                at += 16;
            }
        }
    }
    bytes[at..]
        .iter()
        .position(|&b| is_special(b))
        .map(|found| at + found)
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

    #[test]
    fn escaping_finds_every_special_character_wherever_it_is() {
        fn reference(input: &str) -> String {
            input
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    c => c.to_string(),
                })
                .collect()
        }
        let specials = ['&', '<', '>', '"', '\'', 'x', 'é'];
        for len in [0_usize, 1, 7, 15, 16, 17, 31, 32, 33, 70] {
            for (i, a) in specials.iter().enumerate() {
                for b in &specials[i..] {
                    for at in [0, len / 3, len / 2, len.saturating_sub(1)] {
                        let mut text: Vec<char> = "abcdefghij".chars().cycle().take(len).collect();
                        if len > 0 {
                            text[at] = *a;
                            text[len - 1 - at] = *b;
                        }
                        let text: String = text.into_iter().collect();
                        assert_eq!(escape_html(&text), reference(&text), "{text:?}");
                    }
                }
            }
        }
    }
}
