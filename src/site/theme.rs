//! The theme: Tera templates and static assets, embedded in the binary and
//! overridable file by file from the book's own `theme/` directory (as in
//! mdBook).

use std::collections::BTreeMap;
use std::path::Path;

use tera::Tera;

include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));

/// Templates plus assets, after applying the book's overrides.
pub struct Theme {
    pub tera: Tera,
    /// Files under `assets/`, by path relative to the theme root.
    pub assets: BTreeMap<String, Vec<u8>>,
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
        let overrides = book_root.join("theme");
        if overrides.is_dir() {
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
                    files.insert(rel, bytes);
                }
            }
        }
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
        Ok(Theme { tera, assets })
    }
}

/// HTML escaping for template output. Tera's default also escapes `/`,
/// which bloats every URL (`..&#x2F;documents&#x2F;`) for no safety gain in
/// text and attribute values that are always quoted.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
