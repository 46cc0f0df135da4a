//! The floor: the least work any static-site tool of crosswalk's kind does.
//!
//! Walk the source directory, split and parse each document's TOML
//! front-matter, render its Markdown body with pulldown-cmark (the options
//! crosswalk uses) and write one HTML file per document, on every core
//! (rayon). No templates, no graph, no checks, no search index.
//!
//! ```sh
//! cargo run --release --example floor -- <src> <out>
//! ```
//!
//! `<src>` is a directory of `.md` files (a book's `docs/`, or a book root:
//! hidden entries and non-Markdown files are skipped); `<out>` receives
//! `<relative path>.html` for each. The benchmark harness (`bench/run.sh`)
//! compares `crosswalk build --no-search` against this.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use pulldown_cmark::{html, Options, Parser};
use rayon::prelude::*;
use walkdir::WalkDir;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_WIKILINKS
}

/// Split `+++` front-matter from the body: (front-matter, body).
fn split(text: &str) -> (&str, &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
    else {
        return ("", text);
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return (&rest[..offset], &rest[offset + line.len()..]);
        }
        offset += line.len();
    }
    ("", text)
}

fn process(src: &Path, out: &Path, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (front, body) = split(&text);
    let meta: toml::Table =
        toml::from_str(front).map_err(|e| format!("{}: {e}", path.display()))?;
    let title = meta.get("title").and_then(|t| t.as_str()).unwrap_or("");
    let mut page = String::with_capacity(body.len() * 3 / 2 + 128);
    page.push_str("<!doctype html><meta charset=utf-8><title>");
    // Enough escaping for a title; the body is escaped by pulldown-cmark.
    for c in title.chars() {
        match c {
            '<' => page.push_str("&lt;"),
            '&' => page.push_str("&amp;"),
            _ => page.push(c),
        }
    }
    page.push_str("</title>\n");
    html::push_html(&mut page, Parser::new_ext(body, options()));
    let rel = path.strip_prefix(src).unwrap_or(path);
    let target = out.join(rel).with_extension("html");
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&target, page).map_err(|e| format!("{}: {e}", target.display()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [src, out] = args.as_slice() else {
        eprintln!("usage: floor <src> <out>");
        return ExitCode::from(2);
    };
    let (src, out) = (PathBuf::from(src), PathBuf::from(out));
    let started = Instant::now();
    let files: Vec<PathBuf> = WalkDir::new(&src)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    let errors: Vec<String> = files
        .par_iter()
        .filter_map(|p| process(&src, &out, p).err())
        .collect();
    for e in &errors {
        eprintln!("error: {e}");
    }
    eprintln!(
        "floor: {} documents in {} ms",
        files.len(),
        started.elapsed().as_millis()
    );
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
