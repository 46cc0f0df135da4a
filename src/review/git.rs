//! Reading the book as it was at a git revision.
//!
//! Review commands compare two states of one book: the working tree (what is
//! on disk now, committed or not) and a revision (`origin/main`, a tag, a
//! commit). The simplest faithful way to know what the book *was* is to run
//! the very same pipeline on it, so this module writes the revision's copy of
//! the book into a temporary directory: `book.toml`, the source directory and
//! the catalog files `book.toml` names. Nothing in the repository is changed.
//!
//! gix is used with only `sha1` and `revision` (rev-parse and object lookup):
//! no network, index or status code is compiled.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use gix::bstr::ByteSlice;
use thiserror::Error;

use crate::book::config::BookConfig;
use crate::book::load::decode;

/// Why the book could not be read at a revision. All are usage or
/// environment problems (exit code 2), never problems of the book.
#[derive(Debug, Error)]
pub enum GitError {
    #[error("`{path}` is not inside a git repository: {reason}")]
    NotARepository { path: PathBuf, reason: String },
    #[error(
        "the git repository at `{0}` has no working tree (a bare repository cannot be compared)"
    )]
    NoWorkTree(PathBuf),
    #[error("unknown git revision `{rev}`: {reason}")]
    UnknownRevision { rev: String, reason: String },
    #[error("cannot read `{path}` at `{rev}` from git: {reason}")]
    Object {
        rev: String,
        path: String,
        reason: String,
    },
    #[error("cannot access `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The book at a revision, written to a temporary directory that lives as
/// long as this value.
pub struct Snapshot {
    dir: tempfile::TempDir,
    /// Whether the revision had a book at this place at all (a `book.toml`
    /// or the source directory); `false` for a book added since.
    pub existed: bool,
}

impl Snapshot {
    /// The book root inside the temporary copy: load it like any book.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// Where the book lives in its git working tree, as a prefix for paths
/// relative to the book root: `handbook/` for a book in `handbook/`, empty
/// at the top. `None` outside a git working tree. CI annotations (GitHub
/// workflow commands, SARIF for code scanning) name files from the
/// repository's top, not from the book.
pub fn book_dir_in_repository(book_root: &Path) -> Option<String> {
    let root = canonical(book_root).ok()?;
    let repo = gix::discover(&root).ok()?;
    let workdir = canonical(repo.workdir()?).ok()?;
    let rel = root.strip_prefix(&workdir).ok()?;
    let mut prefix = String::new();
    for part in rel.components() {
        prefix.push_str(&part.as_os_str().to_string_lossy());
        prefix.push('/');
    }
    Some(prefix)
}

/// Write the book rooted at `book_root` (inside a git working tree) as it
/// was at `rev` into a temporary directory.
pub fn snapshot(book_root: &Path, rev: &str) -> Result<Snapshot, GitError> {
    let root = canonical(book_root)?;
    let repo = gix::discover(&root).map_err(|err| GitError::NotARepository {
        path: book_root.to_path_buf(),
        reason: err.to_string(),
    })?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| GitError::NoWorkTree(repo.git_dir().to_path_buf()))?;
    let workdir = canonical(workdir)?;
    let rel = root.strip_prefix(&workdir).unwrap_or(Path::new(""));
    let reader = TreeReader::at(&repo, rev)?;
    let dir = tempfile::Builder::new()
        .prefix("crosswalk-rev-")
        .tempdir()
        .map_err(|source| GitError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let existed = reader.write_book(&git_path(rel), dir.path())?;
    Ok(Snapshot { dir, existed })
}

/// The document numbers (`NNNN` of `NNNN-slug.md`) the book's source
/// directory `src` (relative to the book root) has held in any commit
/// reachable from HEAD or from any branch, local or fetched (an open pull
/// request's branch has numbers too): numbers used even by documents
/// removed since, so `crosswalk new` never hands one out again. Only the
/// directory's present place is read: the whole tree would count every
/// numbered Markdown file of a repository that holds more than the book
/// (test fixtures, other books). Empty outside git or before the first
/// commit. A subtree is read once however many commits share it, so a long
/// history costs about its distinct trees.
pub struct History {
    pub numbers: BTreeSet<u32>,
    /// A shallow clone (a CI checkout) lacks older commits, and the numbers
    /// only they used.
    pub shallow: bool,
}

pub fn numbers_in_history(book_root: &Path, src: &Path) -> History {
    let mut history = History {
        numbers: BTreeSet::new(),
        shallow: false,
    };
    let Ok(root) = canonical(book_root) else {
        return history;
    };
    let Ok(repo) = gix::discover(&root) else {
        return history;
    };
    history.shallow = repo.is_shallow();
    let Some(workdir) = repo.workdir().and_then(|w| canonical(w).ok()) else {
        return history;
    };
    let book = root.strip_prefix(&workdir).unwrap_or(Path::new(""));
    let Some(src_path) = join_inside(&git_path(book), src) else {
        return history;
    };
    let mut tips: Vec<gix::ObjectId> = repo
        .head_id()
        .ok()
        .map(|id| id.detach())
        .into_iter()
        .collect();
    if let Ok(references) = repo.references() {
        if let Ok(all) = references.all() {
            for mut reference in all.flatten() {
                let name = reference.name().as_bstr().to_string();
                if !(name.starts_with("refs/heads/") || name.starts_with("refs/remotes/")) {
                    continue;
                }
                if let Ok(id) = reference.peel_to_id() {
                    tips.push(id.detach());
                }
            }
        }
    }
    if tips.is_empty() {
        return history;
    }
    let mut seen = HashSet::new();
    let Ok(walk) = repo.rev_walk(tips).all() else {
        return history;
    };
    for info in walk.flatten() {
        let tree = info.object().ok().and_then(|commit| commit.tree().ok());
        let Some(tree) = tree else { continue };
        let id = if src_path.is_empty() {
            Some(tree.id)
        } else {
            tree.lookup_entry_by_path(&src_path)
                .ok()
                .flatten()
                .filter(|entry| entry.mode().is_tree())
                .map(|entry| entry.object_id())
        };
        if let Some(id) = id {
            numbers_in_tree(&repo, id, &mut seen, &mut history.numbers);
        }
    }
    history
}

/// `0012-x.md` -> 12: the number a document's file name carries.
fn document_number(name: &str) -> Option<u32> {
    let stem = name.strip_suffix(".md")?;
    let digits = stem.len() - stem.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    (digits >= 4).then(|| stem[..digits].parse().ok()).flatten()
}

fn numbers_in_tree(
    repo: &gix::Repository,
    id: gix::ObjectId,
    seen: &mut HashSet<gix::ObjectId>,
    numbers: &mut BTreeSet<u32>,
) {
    if !seen.insert(id) {
        return;
    }
    let Ok(tree) = repo.find_tree(id) else { return };
    let Ok(decoded) = tree.decode() else { return };
    for entry in &decoded.entries {
        if entry.mode.is_tree() {
            numbers_in_tree(repo, entry.oid.to_owned(), seen, numbers);
        } else if entry.mode.is_blob() {
            let name = entry.filename.to_str_lossy();
            if let Some(n) = document_number(&name) {
                numbers.insert(n);
            }
        }
    }
}

fn canonical(path: &Path) -> Result<PathBuf, GitError> {
    path.canonicalize().map_err(|source| GitError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A repository-relative path in git's notation (`/`-separated, no `.`).
fn git_path(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Join a book-relative configuration path onto the book's path in the
/// repository, refusing paths that climb out of the book (`..`, absolute):
/// those are not the book's to read at a revision.
fn join_inside(book: &str, rel: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    let rel = parts.join("/");
    Some(match (book.is_empty(), rel.is_empty()) {
        (true, _) => rel,
        (false, true) => book.to_string(),
        (false, false) => format!("{book}/{rel}"),
    })
}

/// Reads files and trees from one revision's root tree.
struct TreeReader<'r> {
    repo: &'r gix::Repository,
    tree: gix::Tree<'r>,
    rev: String,
}

/// Why `rev` names nothing, in the reviewer's terms rather than the git
/// library's (`delegate.traverse(NthAncestor(5)) failed`): most often a
/// CI checkout that fetched one commit.
fn why_unknown(repo: &gix::Repository) -> String {
    if repo.head_id().is_err() {
        "the repository has no commit yet".to_string()
    } else if repo.is_shallow() {
        "no such commit in this shallow clone: fetch the history it needs \
         (`git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout)"
            .to_string()
    } else {
        "no such commit, branch or tag in this repository (`git log --oneline` \
         and `git branch -a` list what there is)"
            .to_string()
    }
}

impl<'r> TreeReader<'r> {
    fn at(repo: &'r gix::Repository, rev: &str) -> Result<Self, GitError> {
        let unknown = |reason: String| GitError::UnknownRevision {
            rev: rev.to_string(),
            reason,
        };
        let id = repo
            .rev_parse_single(rev.as_bytes().as_bstr())
            .map_err(|_| unknown(why_unknown(repo)))?;
        let object = id.object().map_err(|e| unknown(e.to_string()))?;
        let tree = object.peel_to_tree().map_err(|e| unknown(e.to_string()))?;
        Ok(TreeReader {
            repo,
            tree,
            rev: rev.to_string(),
        })
    }

    fn error(&self, path: &str, reason: impl ToString) -> GitError {
        GitError::Object {
            rev: self.rev.clone(),
            path: path.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Write `book.toml`, the source directory and the catalog files the
    /// configuration names; returns whether any of the first two existed.
    fn write_book(&self, book: &str, dest: &Path) -> Result<bool, GitError> {
        let config_path = join_inside(book, Path::new("book.toml")).unwrap_or_default();
        let config_bytes = self.read_blob(&config_path)?;
        let config = match &config_bytes {
            Some(bytes) => {
                write_file(&dest.join("book.toml"), bytes)?;
                // A broken book.toml at the revision is reported when the copy
                // is loaded; the default source directory is still copied.
                decode("book.toml", bytes)
                    .ok()
                    .and_then(|file| BookConfig::parse(&file).ok())
                    .unwrap_or_default()
            }
            None => BookConfig::default(),
        };
        let src_existed = match join_inside(book, &config.book.src) {
            Some(src) => self.write_tree(&src, &dest.join(&config.book.src))?,
            None => false,
        };
        for file in config.catalog_files() {
            if let Some(path) = join_inside(book, file) {
                if let Some(bytes) = self.read_blob(&path)? {
                    write_file(&dest.join(file), &bytes)?;
                }
            }
        }
        Ok(config_bytes.is_some() || src_existed)
    }

    /// The entry at `path`, or `None` when the revision has no such path.
    fn entry(&self, path: &str) -> Result<Option<gix::object::tree::Entry<'r>>, GitError> {
        if path.is_empty() {
            return Ok(None);
        }
        self.tree
            .lookup_entry_by_path(path)
            .map_err(|e| self.error(path, e))
    }

    /// The bytes of the file at `path`, or `None` if it is missing or not a file.
    fn read_blob(&self, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let Some(entry) = self.entry(path)? else {
            return Ok(None);
        };
        if !entry.mode().is_blob() {
            return Ok(None);
        }
        let blob = self
            .repo
            .find_blob(entry.object_id())
            .map_err(|e| self.error(path, e))?;
        Ok(Some(blob.data.clone()))
    }

    /// Write the directory at `path` recursively into `dest`; `false` when
    /// the revision has no directory there.
    fn write_tree(&self, path: &str, dest: &Path) -> Result<bool, GitError> {
        let id = if path.is_empty() {
            self.tree.id
        } else {
            match self.entry(path)? {
                Some(entry) if entry.mode().is_tree() => entry.object_id(),
                _ => return Ok(false),
            }
        };
        self.write_tree_id(id, path, dest)?;
        Ok(true)
    }

    fn write_tree_id(&self, id: gix::ObjectId, path: &str, dest: &Path) -> Result<(), GitError> {
        fs::create_dir_all(dest).map_err(|source| GitError::Io {
            path: dest.to_path_buf(),
            source,
        })?;
        let tree = self.repo.find_tree(id).map_err(|e| self.error(path, e))?;
        let decoded = tree.decode().map_err(|e| self.error(path, e))?;
        for entry in &decoded.entries {
            let name = entry.filename.to_str_lossy();
            // Names git could store but a file system path must not take.
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
                continue;
            }
            let child = format!("{path}/{name}");
            let target = dest.join(name.as_ref());
            if entry.mode.is_tree() {
                self.write_tree_id(entry.oid.to_owned(), &child, &target)?;
            } else if entry.mode.is_blob() {
                let blob = self
                    .repo
                    .find_blob(entry.oid.to_owned())
                    .map_err(|e| self.error(&child, e))?;
                write_file(&target, &blob.data)?;
            }
        }
        Ok(())
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), GitError> {
    let io = |source| GitError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io)?;
    }
    fs::write(path, bytes).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_paths_stay_inside_the_book() {
        assert_eq!(
            join_inside("books/hcb", Path::new("docs")).as_deref(),
            Some("books/hcb/docs")
        );
        assert_eq!(
            join_inside("", Path::new("./docs")).as_deref(),
            Some("docs")
        );
        assert_eq!(join_inside("", Path::new("../secret")), None);
        assert_eq!(join_inside("", Path::new("/etc/passwd")), None);
        assert_eq!(join_inside("book", Path::new(".")).as_deref(), Some("book"));
    }

    #[test]
    fn git_paths_use_slashes() {
        assert_eq!(git_path(Path::new("a/b")), "a/b");
        assert_eq!(git_path(Path::new("")), "");
    }
}
