//! `crosswalk new`: start a document with the next number never used.

use std::path::PathBuf;

use super::{book_root, FAILURE, OK};
use crate::book::load_book;
use crate::document::Vocabulary;
use crate::site::urls::slug_chars;

#[derive(clap::Args)]
pub struct Args {
    /// Title of the new document.
    title: String,
    /// Kind of document (process, reference-architecture, implementation-example,
    /// guidance, procurement, informational, or one added in book.toml).
    #[arg(long)]
    kind: String,
    /// Area folder to put it in (default: the source directory itself).
    #[arg(long)]
    area: Option<String>,
    /// Book directory (holding book.toml); defaults to the current directory.
    #[arg(long)]
    book: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    match create(args) {
        Ok(path) => {
            println!("{}", path.display());
            OK
        }
        Err(message) => {
            eprintln!("error: {message}");
            FAILURE
        }
    }
}

fn create(args: Args) -> Result<PathBuf, String> {
    if args.title.trim().is_empty() {
        return Err(
            "the title is empty; give the document's title, such as \"Network segmentation\""
                .into(),
        );
    }
    // Line and paragraph separators (U+2028, U+2029) break a line too.
    if args
        .title
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(
            "the title holds a line break or another control character; write it on one line"
                .into(),
        );
    }
    let root = book_root(args.book);
    let (book, _) = match load_book(&root) {
        // A new book's first document: its source directory comes with it.
        Err(crate::book::LoadError::NoSrc { path, .. }) => {
            std::fs::create_dir_all(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            load_book(&root)
        }
        loaded => loaded,
    }
    .map_err(|e| e.to_string())?;
    let vocabulary = Vocabulary::new(&book.config.vocabulary);
    if !vocabulary.kinds.contains(&args.kind) {
        return Err(format!(
            "unknown kind `{}`; kinds are: {}",
            args.kind,
            vocabulary.kinds.join(", ")
        ));
    }
    if let Some(area) = &args.area {
        if !vocabulary.areas.contains(area) {
            return Err(format!(
                "unknown area `{area}`; areas are: {}",
                vocabulary.areas.join(", ")
            ));
        }
    }
    // Numbers are never reused: one removed since (as git history shows)
    // stays taken, as HCB-0001 says.
    let history = crate::review::git::numbers_in_history(&root, &book.config.book.src);
    if history.shallow {
        eprintln!(
            "note: this is a shallow clone: a number only its missing commits used could be given \
             again; fetch the history first (`git fetch --unshallow`)"
        );
    }
    let used_before = history.numbers;
    let number = next_number(
        &book
            .files
            .iter()
            .map(|f| f.rel_path.as_str())
            .collect::<Vec<_>>(),
    )
    .max(used_before.last().map_or(1, |n| n + 1));
    let slug = file_slug(&args.title);
    let dir = match &args.area {
        Some(area) => book.src_dir().join(area),
        None => book.src_dir(),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // `./.` of a book whose source is its root, or given as `.`, left out
    // of the path printed.
    let path: PathBuf = dir
        .join(format!("{number:04}-{slug}.md"))
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    let id = format!("{}-{number:04}", book.config.book.id_prefix);
    let today = jiff::Zoned::now().date();
    let text = template(&id, &args.title, &args.kind, args.area.as_deref(), today);
    // create_new: never overwrite an existing file.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The most characters of a title a file name keeps: far below the usual
/// limit of 255 bytes even in a script of three bytes a character.
const FILE_SLUG_CHARS: usize = 60;

/// The slug part of a new document's file name: the title's slug (letters
/// of any script kept), cut to [`FILE_SLUG_CHARS`] characters at a dash when
/// one falls in the second half, between characters otherwise; `document`
/// for a title with no letter or digit. Always a valid file name slug.
fn file_slug(title: &str) -> String {
    let full: Vec<char> = slug_chars(&crate::site::urls::nfc(title)).collect();
    if full.is_empty() {
        return "document".into();
    }
    if full.len() <= FILE_SLUG_CHARS {
        return full.into_iter().collect();
    }
    let kept = &full[..FILE_SLUG_CHARS];
    let end = if full[FILE_SLUG_CHARS] == '-' {
        FILE_SLUG_CHARS
    } else {
        match kept.iter().rposition(|&c| c == '-') {
            Some(dash) if dash >= FILE_SLUG_CHARS / 2 => dash,
            _ => FILE_SLUG_CHARS,
        }
    };
    // A cut between characters may leave a dash last.
    kept[..end]
        .iter()
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// One more than the highest number used by any file in the book.
pub fn next_number(rel_paths: &[&str]) -> u32 {
    rel_paths
        .iter()
        .filter_map(|p| {
            let name = p.rsplit('/').next()?;
            let digits: String = name.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse::<u32>().ok()
        })
        .max()
        .map_or(1, |n| n + 1)
}

fn template(
    id: &str,
    title: &str,
    kind: &str,
    area: Option<&str>,
    today: jiff::civil::Date,
) -> String {
    let title_toml = toml_string(title);
    let area_line = area.map_or(String::new(), |a| format!("area = \"{a}\"\n"));
    let sections = match kind {
        "reference-architecture" => "## Context\n\nWhat problem this architecture solves, and for which hospitals.\n\n## Architecture\n\nThe building blocks and how they connect.\n\n## Implementation options\n\n## Budget and staffing\n\n## Caveats\n",
        "implementation-example" => "## Situation\n\nThe hospital, its constraints and starting point.\n\n## What was built\n\n## Costs and effort\n\n## Lessons learned\n",
        "procurement" => "## Scope\n\n## Requirements\n\n| Id | Requirement | Level | Phase |\n|----|-------------|-------|-------|\n| XX-01 | ... | must | source |\n\n## How to evaluate answers\n",
        "process" => "## Purpose\n\n## Steps\n\n## Roles\n",
        _ => "## Summary\n\nWhat the reader should do, in a few sentences.\n\n## Guidance\n\n## Budget and staffing\n\n## References\n",
    };
    format!(
        "+++\nid = \"{id}\"\ntitle = {title_toml}\nkind = \"{kind}\"\nstatus = \"draft\"\nversion = \"0.1\"\ncreated = {today}\n{area_line}summary = \"One sentence that says what this document helps a hospital do.\"\n# controls = [\"CYFUN2023:PR.AC-1\"]\n# techniques = [\"T1486\"]\n+++\n\n{sections}"
    )
}

/// `text` as a TOML basic string, escaped by the toml crate.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_free_number() {
        assert_eq!(next_number(&[]), 1);
        assert_eq!(
            next_number(&["a/0001-x.md", "b/0012-y.md", "README.md"]),
            13
        );
    }

    #[test]
    fn file_slugs_fit_any_title() {
        assert_eq!(file_slug("Network segmentation"), "network-segmentation");
        assert_eq!(file_slug("Ελληνικά"), "ελληνικά");
        assert_eq!(file_slug("日本語のタイトル"), "日本語のタイトル");
        assert_eq!(file_slug("!!!"), "document");
        assert_eq!(file_slug(""), "document");
        // Cut at the last dash in reach.
        let words = "backup ".repeat(100);
        let cut = file_slug(&words);
        assert!(cut.chars().count() <= FILE_SLUG_CHARS, "{cut}");
        assert!(
            cut.starts_with("backup-backup") && cut.ends_with("backup"),
            "{cut}"
        );
        // One long word: cut between characters, never inside one.
        let long = "é".repeat(500);
        assert_eq!(file_slug(&long), "é".repeat(FILE_SLUG_CHARS));
        let cjk = "日本語".repeat(100);
        assert_eq!(file_slug(&cjk).chars().count(), FILE_SLUG_CHARS);
        // A dash right after the cut: the words before it are kept whole.
        let exact = format!("{} tail", "a".repeat(FILE_SLUG_CHARS));
        assert_eq!(file_slug(&exact), "a".repeat(FILE_SLUG_CHARS));
        // A dash early on only: cut between characters instead.
        let early = format!("ab {}", "c".repeat(100));
        assert_eq!(file_slug(&early).chars().count(), FILE_SLUG_CHARS);
        for title in [&words, &long, &cjk, &exact, &early] {
            let slug = file_slug(title);
            assert!(!slug.ends_with('-') && !slug.starts_with('-'), "{slug}");
            assert!(slug
                .chars()
                .all(crate::document::frontmatter::is_file_slug_char));
        }
    }
}
