//! Finding and reading the book's files.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use thiserror::Error;

use super::config::BookConfig;
use crate::diagnostic::{Diagnostic, SourceFile};

/// A loaded book: configuration plus the text of every candidate document.
#[derive(Debug)]
pub struct Book {
    /// The book root (the directory holding `book.toml`).
    pub root: PathBuf,
    pub config: BookConfig,
    /// `book.toml` itself, when present, for located config diagnostics.
    pub config_file: Option<Arc<SourceFile>>,
    /// Document files in path order.
    pub files: Vec<RawFile>,
    /// The source directory's other files (pictures, PDFs), relative and
    /// sorted: documents link them relatively, and the site copies them
    /// under `files/`.
    pub assets: Vec<String>,
}

impl Book {
    pub fn src_dir(&self) -> PathBuf {
        self.root.join(&self.config.book.src)
    }
    pub fn output_dir(&self) -> PathBuf {
        self.root.join(&self.config.build.output)
    }
}

/// One Markdown file under the source directory, decoded.
#[derive(Debug, Clone)]
pub struct RawFile {
    /// Path relative to the source directory, `/`-separated (`governance/0001-process.md`).
    pub rel_path: String,
    pub source: Arc<SourceFile>,
}

/// Failures that make the book unusable as a whole (exit code 2).
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("no book at `{}`: {}", .0.display(), not_a_directory(.0))]
    NoRoot(PathBuf),
    /// Neither `book.toml` nor the source directory: not a book's directory.
    #[error("`{}` is not a book: it has no book.toml and no `{}` directory", .0.display(), .1)]
    NotABook(PathBuf, String),
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", .0.message)]
    Config(Box<Diagnostic>),
    /// `path` as reached from where crosswalk runs; `in_book` as written
    /// in book.toml, relative to the book root (what reports name).
    #[error("the source directory `{}` does not exist (set `src` in [book] of book.toml)", .path.display())]
    NoSrc { path: PathBuf, in_book: PathBuf },
    #[error("the source directory `{}` is a file, not a directory (set `src` in [book] of book.toml to the directory holding the documents)", .path.display())]
    SrcIsAFile { path: PathBuf, in_book: PathBuf },
}

/// Load `book.toml` and every Markdown file under the source directory.
/// Per-file problems (bad encoding) become diagnostics; only problems with the
/// book as a whole are errors.
pub fn load_book(root: &Path) -> Result<(Book, Vec<Diagnostic>), LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NoRoot(root.to_path_buf()));
    }
    let (config, config_file) = load_config(root)?;
    let src = root.join(&config.book.src);
    if !src.is_dir() {
        if config_file.is_none() {
            let src = config.book.src.display().to_string();
            return Err(LoadError::NotABook(root.to_path_buf(), src));
        }
        let in_book = config.book.src.clone();
        if src.is_file() {
            return Err(LoadError::SrcIsAFile { path: src, in_book });
        }
        return Err(LoadError::NoSrc { path: src, in_book });
    }
    let prefix = src_prefix(root, &config);
    let walk = walk_sources(&src, &not_sources(root))?;
    let (paths, assets) = (walk.documents, walk.others);
    // The walk reads names as UTF-8, replacing what is not with U+FFFD: such
    // a file can no longer be opened by its name, so it is reported (as a
    // document's is, in `read_document`) rather than failing the copy.
    let (unnamed, named): (Vec<String>, Vec<String>) =
        assets.into_iter().partition(|rel| rel.contains('\u{FFFD}'));
    let assets = named;
    let (files, mut diagnostics): (Vec<_>, Vec<_>) = paths
        .par_iter()
        .map(|rel| read_document(&src, rel, &prefix))
        .partition_map(|r| match r {
            Ok(file) => rayon::iter::Either::Left(file),
            Err(diag) => rayon::iter::Either::Right(*diag),
        });
    diagnostics.extend(walk.unreadable.iter().map(|(rel, reason)| {
        Diagnostic::error("CW001", format!("cannot read this entry: {reason}"))
            .in_file(Path::new(&format!("{prefix}{rel}")))
            .help("remove it or fix its target; a name starting with `.` is ignored")
    }));
    diagnostics.extend(
        unnamed
            .iter()
            .map(|rel| name_not_utf8().in_file(Path::new(&format!("{prefix}{rel}")))),
    );
    diagnostics.extend(
        assets
            .iter()
            .filter(|rel| looks_like_markdown(rel))
            .map(|rel| {
                Diagnostic::warning(
                    "CW030",
                    format!("`{prefix}{rel}` is not read as a document: only `.md` files are"),
                )
                .in_file(Path::new(&format!("{prefix}{rel}")))
                .help("rename it to end in `.md`, in lower case; the site copies it as a file meanwhile")
            }),
    );
    let book = Book {
        root: root.to_path_buf(),
        config,
        config_file,
        files,
        assets,
    };
    Ok((book, diagnostics))
}

fn load_config(root: &Path) -> Result<(BookConfig, Option<Arc<SourceFile>>), LoadError> {
    let path = root.join("book.toml");
    if !path.exists() {
        return Ok((BookConfig::default(), None));
    }
    let bytes = fs::read(&path).map_err(|source| LoadError::Io {
        path: path.clone(),
        source,
    })?;
    let file = decode("book.toml", &bytes).map_err(LoadError::Config)?;
    let config = BookConfig::parse(&file).map_err(LoadError::Config)?;
    Ok((config, Some(file)))
}

/// How document paths are shown: relative to the book root (`docs/x.md`).
pub fn src_prefix(_root: &Path, config: &BookConfig) -> String {
    let src = config.book.src.to_string_lossy().replace('\\', "/");
    let src = src.trim_start_matches("./").trim_end_matches('/');
    if src.is_empty() || src == "." {
        String::new()
    } else {
        format!("{src}/")
    }
}

/// Every `.md` file under `src`, relative and sorted, skipping hidden
/// directories (`.git`) and files. Symbolic links are followed, as an
/// author who links an area folder in expects (they were skipped without a
/// word); a loop or a dangling link is an error naming the path.
pub fn markdown_files(src: &Path) -> Result<Vec<String>, LoadError> {
    Ok(source_files(src, &[])?.0)
}

/// The file crosswalk writes at the top of every site it builds.
pub const SITE_MARKER: &str = ".crosswalk-site";

/// Why `path` is not a book's directory.
fn not_a_directory(path: &Path) -> &'static str {
    if path.is_file() {
        "it is a file; give the directory that holds book.toml"
    } else {
        "the directory does not exist"
    }
}

/// What the walk of the source directory leaves out when the source
/// directory holds the whole book (`src = "."`): `book.toml` and the theme,
/// which are configuration, not content. Sites are left out wherever they
/// are (a directory holding [`SITE_MARKER`]): copying the last build into
/// the next made each site hold the previous one, 55 MB after three.
fn not_sources(root: &Path) -> Vec<PathBuf> {
    vec![root.join("book.toml"), root.join("theme")]
}

/// A Markdown file by its name that is not read as a document: `.MD`,
/// `.Md`, `.markdown` (an author would expect it to be one).
fn looks_like_markdown(rel: &str) -> bool {
    Path::new(rel).extension().is_some_and(|e| {
        let e = e.to_string_lossy();
        e != "md" && (e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
    })
}

/// The `.md` files under `src` (see [`markdown_files`]), then every other
/// file there, both relative and sorted.
/// Paths in `skip` (files or directories) and built sites are left out.
pub fn source_files(src: &Path, skip: &[PathBuf]) -> Result<(Vec<String>, Vec<String>), LoadError> {
    let walk = walk_sources(src, skip)?;
    Ok((walk.documents, walk.others))
}

/// What the walk of a source directory found.
pub struct SourceWalk {
    /// `.md` files, relative and sorted.
    pub documents: Vec<String>,
    /// Every other file, relative and sorted.
    pub others: Vec<String>,
    /// Entries the walk could not read (a dangling symbolic link, a
    /// directory without permission), relative, with the reason. One such
    /// entry is that file's problem, not the book's.
    pub unreadable: Vec<(String, String)>,
}

/// [`source_files`], with the entries that could not be read.
/// `path` below `base`, `/`-separated, as the book names its files. Joined
/// by component: a backslash is a separator only where the system says so
/// (Windows); on Unix it is a character of a name (`0003-back\\slash.md`,
/// CW030), not a folder.
pub fn relative_path(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub fn walk_sources(src: &Path, skip: &[PathBuf]) -> Result<SourceWalk, LoadError> {
    let mut walk = SourceWalk {
        documents: Vec::new(),
        others: Vec::new(),
        unreadable: Vec::new(),
    };
    let relative = |path: &Path| relative_path(path, src);
    let walker = walkdir::WalkDir::new(src)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_name().to_string_lossy().starts_with('.')
                    || skip.iter().any(|s| s == e.path())
                    || (e.file_type().is_dir() && e.path().join(SITE_MARKER).exists()))
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            // Below the source directory, an entry that cannot be read is
            // skipped when hidden (an editor's lock file is a dangling
            // link: `.#0001-x.md`) and reported otherwise.
            Err(err) if err.depth() > 0 => {
                let Some(path) = err.path() else { continue };
                let rel = relative(path);
                let hidden = rel.split('/').any(|part| part.starts_with('.'));
                let ignored = skip.iter().any(|s| path.starts_with(s));
                if !hidden && !ignored {
                    let reason = match err.io_error() {
                        Some(io) if io.kind() == std::io::ErrorKind::NotFound => {
                            "it is a symbolic link to nothing".to_string()
                        }
                        Some(io) => io.to_string(),
                        None => {
                            "it leads back to a folder above it (a file system loop)".to_string()
                        }
                    };
                    walk.unreadable.push((rel, reason));
                }
                continue;
            }
            Err(err) => {
                return Err(LoadError::Io {
                    path: err.path().unwrap_or(src).to_path_buf(),
                    source: err
                        .into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("file system loop")),
                })
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = relative(entry.path());
        if entry.path().extension().is_some_and(|e| e == "md") {
            walk.documents.push(rel);
        } else {
            walk.others.push(rel);
        }
    }
    Ok(walk)
}

#[cfg(test)]
mod naming_tests {
    use super::*;

    /// Regression: a picture whose name is not UTF-8 made `build` fail
    /// with "No such file or directory" while copying it.
    #[cfg(unix)]
    #[test]
    fn an_asset_whose_name_is_not_utf8_is_reported_and_not_copied() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("docs/img")).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.png");
        fs::write(tmp.path().join("docs/img").join(name), "png").unwrap();
        fs::write(tmp.path().join("docs/img/plan.png"), "png").unwrap();
        let (book, diags) = load_book(tmp.path()).unwrap();
        assert_eq!(book.assets, ["img/plan.png"], "the other file is kept");
        let diag = diags
            .iter()
            .find(|d| d.code == "CW001")
            .expect("a CW001 for the picture");
        assert_eq!(diag.severity, crate::diagnostic::Severity::Error);
        assert!(diag.message.contains("not valid UTF-8"), "{}", diag.message);
        assert!(
            diag.path
                .as_deref()
                .is_some_and(|f| f.to_string_lossy().starts_with("docs/img/caf")),
            "{:?}",
            diag.path
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_named_so() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("docs")).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"0002-caf\xe9.md");
        fs::write(tmp.path().join("docs").join(name), "x").unwrap();
        let (_, diags) = load_book(tmp.path()).unwrap();
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["the file's name (or a folder's) is not valid UTF-8"]
        );
    }

    /// Regression: a dangling symbolic link in the source directory (an
    /// editor's lock file `.#0001-x.md`, or a picture whose target moved)
    /// stopped every command with "cannot read". A hidden one is ignored,
    /// a visible one is that file's CW001, and the book still loads.
    #[cfg(unix)]
    #[test]
    fn a_dangling_link_is_the_links_problem_not_the_books() {
        let tmp = tempfile::tempdir().unwrap();
        let docs = tmp.path().join("docs");
        fs::create_dir_all(&docs).unwrap();
        fs::write(docs.join("0001-x.md"), "x").unwrap();
        std::os::unix::fs::symlink("user@host.1:1", docs.join(".#0001-x.md")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/plan.png", docs.join("plan.png")).unwrap();
        let (book, diags) = load_book(tmp.path()).expect("the book loads");
        assert_eq!(book.files.len(), 1);
        assert!(book.assets.is_empty(), "{:?}", book.assets);
        let found: Vec<(&str, String)> = diags
            .iter()
            .map(|d| {
                (
                    d.code,
                    d.path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(found, [("CW001", "docs/plan.png".to_string())], "{diags:?}");
        assert!(
            diags[0].message.contains("symbolic link to nothing"),
            "{}",
            diags[0].message
        );
    }

    /// Regression: `src = "book.toml"` was said not to exist.
    #[test]
    fn a_source_directory_that_is_a_file_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(
            tmp.path().join("book.toml"),
            "[book]\nsrc = \"book.toml\"\n",
        )
        .unwrap();
        let err = load_book(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("is a file, not a directory"), "{err}");
    }

    #[test]
    fn what_is_not_a_book_says_why() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("book.toml");
        fs::write(&file, "").unwrap();
        let err = load_book(&file).unwrap_err().to_string();
        assert!(err.contains("it is a file; give the directory"), "{err}");
        let missing = load_book(&tmp.path().join("nowhere"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("the directory does not exist"),
            "{missing}"
        );
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        let err = load_book(&empty).unwrap_err().to_string();
        assert!(
            err.ends_with("is not a book: it has no book.toml and no `docs` directory"),
            "{err}"
        );
    }

    #[test]
    fn markdown_not_named_md_is_a_warning_and_stays_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("docs/area")).unwrap();
        for name in ["0001-a.MD", "0002-b.markdown", "0003-c.md", "notes.txt"] {
            fs::write(tmp.path().join("docs/area").join(name), "x").unwrap();
        }
        let (book, diags) = load_book(tmp.path()).unwrap();
        assert_eq!(book.files.len(), 1);
        assert_eq!(
            book.assets,
            ["area/0001-a.MD", "area/0002-b.markdown", "area/notes.txt"]
        );
        let warned: Vec<_> = diags
            .iter()
            .map(|d| (d.code, d.path.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            warned,
            [
                ("CW030", PathBuf::from("docs/area/0001-a.MD")),
                ("CW030", PathBuf::from("docs/area/0002-b.markdown")),
            ]
        );
    }
}

#[cfg(all(test, unix))]
mod symlink_tests {
    use super::*;

    #[test]
    fn linked_folders_and_files_are_documents_and_a_dangling_link_is_its_own_error() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("docs");
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir_all(&src).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(elsewhere.join("0001-a.md"), "x").unwrap();
        fs::write(tmp.path().join("0002-b.md"), "x").unwrap();
        std::os::unix::fs::symlink(&elsewhere, src.join("governance")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("0002-b.md"), src.join("0002-b.md")).unwrap();
        assert_eq!(
            markdown_files(&src).unwrap(),
            vec!["0002-b.md".to_string(), "governance/0001-a.md".to_string()]
        );
        std::os::unix::fs::symlink(tmp.path().join("gone.md"), src.join("0003-c.md")).unwrap();
        let walk = walk_sources(&src, &[]).unwrap();
        assert_eq!(walk.documents.len(), 2, "the others still load");
        assert_eq!(walk.unreadable.len(), 1);
        assert_eq!(walk.unreadable[0].0, "0003-c.md");
    }
}

/// CW001 for a file whose name, or a folder's, is not UTF-8: the walk reads
/// names lossily (U+FFFD for what is not UTF-8), and the name it gives no
/// longer opens the file, to read or to copy.
fn name_not_utf8() -> Diagnostic {
    Diagnostic::error(
        "CW001",
        "the file's name (or a folder's) is not valid UTF-8",
    )
    .help("rename it in UTF-8 (crosswalk reads every name as UTF-8)")
}

pub fn read_document(src: &Path, rel: &str, prefix: &str) -> Result<RawFile, Box<Diagnostic>> {
    let display = format!("{prefix}{rel}");
    let bytes = fs::read(src.join(rel)).map_err(|err| {
        // The walk reads names as UTF-8, replacing what is not with U+FFFD:
        // such a name is no longer the file's, which then seems missing.
        let diag = if rel.contains('\u{FFFD}') && err.kind() == std::io::ErrorKind::NotFound {
            name_not_utf8()
        } else {
            Diagnostic::error("CW001", format!("cannot read file: {err}"))
        };
        Box::new(diag.in_file(Path::new(&display)))
    })?;
    let source = decode_owned(&display, bytes)?;
    Ok(RawFile {
        rel_path: rel.to_string(),
        source,
    })
}

/// [`decode`] for bytes read for this file alone: valid UTF-8 becomes the
/// text without a copy (a book's worth of documents is tens of megabytes).
pub fn decode_owned(name: &str, mut bytes: Vec<u8>) -> Result<Arc<SourceFile>, Box<Diagnostic>> {
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(err) => Err(not_utf8(
            name,
            err.as_bytes(),
            err.utf8_error().valid_up_to(),
        )),
    }
}

/// Decode file bytes as UTF-8, dropping a byte-order mark. Invalid UTF-8 is a
/// located error pointing at the first bad byte.
pub fn decode(name: &str, bytes: &[u8]) -> Result<Arc<SourceFile>, Box<Diagnostic>> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text.to_string())),
        Err(err) => Err(not_utf8(name, bytes, err.valid_up_to())),
    }
}

/// The UTF-8 byte-order mark, which editors on Windows may write.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The error for `bytes` (without a byte-order mark) that are valid UTF-8
/// only up to `good`.
fn not_utf8(name: &str, bytes: &[u8], good: usize) -> Box<Diagnostic> {
    // Show the valid prefix plus the rest decoded lossily so the caret lands
    // on the offending character.
    let lossy = String::from_utf8_lossy(bytes).into_owned();
    let file = SourceFile::new(name, lossy);
    Box::new(
        Diagnostic::error("CW001", "file is not valid UTF-8")
            .at(&file, good..good + 1)
            .label("invalid byte here")
            .help("save the file as UTF-8 (most editors have an \"encoding\" menu)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_dropped() {
        let file = decode("a.md", b"\xEF\xBB\xBF+++\n").unwrap();
        assert_eq!(file.text, "+++\n");
    }

    #[test]
    fn owned_bytes_decode_like_borrowed_ones() {
        for bytes in [
            &b"\xEF\xBB\xBF+++\n"[..],
            b"plain",
            b"",
            b"+++\nid = \"\xFF\"\n",
            b"\xEF\xBB\xBF\xEF\xBB\xBFx\xC3",
        ] {
            let borrowed = decode("a.md", bytes).map(|f| f.text.clone());
            let owned = decode_owned("a.md", bytes.to_vec()).map(|f| f.text.clone());
            match (borrowed, owned) {
                (Ok(a), Ok(b)) => assert_eq!(a, b),
                (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
                (a, b) => panic!("{bytes:?}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = decode("a.md", b"+++\nid = \"\xFF\"\n").unwrap_err();
        assert_eq!(err.code, "CW001");
        assert_eq!(err.location.unwrap().line_col(), (2, 7));
    }
}
