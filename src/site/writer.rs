//! The atomic output writer. A build renders into a fresh sibling directory
//! and swaps it in only when everything has been written, so a failed build
//! (or a crash) leaves the previous site untouched.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use thiserror::Error;

/// Marker file that says "crosswalk owns this directory": a build refuses to
/// replace a non-empty directory without it, so `--dest docs` cannot wipe a
/// book.
pub const MARKER: &str = crate::book::load::SITE_MARKER;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("refusing to replace `{0}`: it is not empty and was not written by crosswalk (no {MARKER} file)")]
    NotOurs(PathBuf),
    #[error("cannot build into `{0}`: it is a file; give a directory for the site")]
    IsAFile(PathBuf),
    #[error("refusing to replace `{dest}`: the book (`{book}`) is inside it, and replacing it would delete the book's own files; choose an output directory that does not contain the book")]
    HoldsBook { dest: PathBuf, book: PathBuf },
    #[error("cannot build into `{0}`: it is a symbolic link to nothing; create its target, or give another directory")]
    DanglingLink(PathBuf),
    #[error("cannot write `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// `dest`, or where it leads when it is a symbolic link.
fn follow_link(dest: &Path) -> Result<PathBuf, WriteError> {
    match fs::symlink_metadata(dest) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(dest).map_err(|_| WriteError::DanglingLink(dest.to_path_buf()))
        }
        _ => Ok(dest.to_path_buf()),
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A staging directory beside the destination.
pub struct Staging {
    dest: PathBuf,
    dir: PathBuf,
    committed: bool,
    /// Directories already made: a site's thousands of pages live in a few
    /// dozen, and making sure of one costs two system calls per file.
    made: RwLock<HashSet<PathBuf>>,
}

impl Staging {
    /// Create an empty staging directory next to `dest`, which is to
    /// replace the site of the book at `book`.
    pub fn new(dest: &Path, book: &Path) -> Result<Staging, WriteError> {
        // A web root is often a symbolic link to the directory served: the
        // site replaces the directory it points at, and the link stays
        // (swapping the link itself for a directory left the server on the
        // old site).
        let resolved = follow_link(dest)?;
        let dest = resolved.as_path();
        if dest.is_file() {
            return Err(WriteError::IsAFile(dest.to_path_buf()));
        }
        if dest.exists() && !is_ours_or_empty(dest) {
            return Err(WriteError::NotOurs(dest.to_path_buf()));
        }
        // A site directory of ours can still hold the book (moved into it
        // after a build): the marker says the site is ours, not everything
        // under it.
        if holds(dest, book) {
            return Err(WriteError::HoldsBook {
                dest: dest.to_path_buf(),
                book: book.to_path_buf(),
            });
        }
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_err(parent))?;
        let name = dest
            .file_name()
            .map_or("site".into(), |n| n.to_string_lossy().into_owned());
        let prefix = format!(".{name}.building-");
        remove_abandoned(parent, &prefix);
        let dir = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(parent)
            .map_err(io_err(parent))?
            .keep();
        // The marker names the building process, so that a later build can
        // tell a staging directory left by one that was killed.
        fs::write(dir.join(MARKER), std::process::id().to_string()).map_err(io_err(&dir))?;
        Ok(Staging {
            dest: dest.to_path_buf(),
            dir,
            committed: false,
            made: RwLock::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Write one file (relative path, `/`-separated), creating directories.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let path = self.prepare(rel)?;
        fs::write(&path, bytes).map_err(io_err(&path))
    }

    /// Copy the file at `from` to `rel`, creating directories: the book's
    /// pictures and downloads, which may be large.
    pub fn copy(&self, rel: &str, from: &Path) -> Result<(), WriteError> {
        let path = self.prepare(rel)?;
        fs::copy(from, &path).map_err(io_err(from))?;
        Ok(())
    }

    /// The path of `rel` in the staging directory, its directory made.
    fn prepare(&self, rel: &str) -> Result<PathBuf, WriteError> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            let made = self.made.read().is_ok_and(|made| made.contains(parent));
            if !made {
                fs::create_dir_all(parent).map_err(io_err(parent))?;
                if let Ok(mut made) = self.made.write() {
                    made.insert(parent.to_path_buf());
                }
            }
        }
        Ok(path)
    }

    /// Swap the staging directory in for the destination.
    pub fn commit(mut self) -> Result<(), WriteError> {
        // The published site's marker names no process: the same book gives
        // the same files.
        fs::write(self.dir.join(MARKER), b"").map_err(io_err(&self.dir))?;
        let old = if self.dest.exists() {
            let old = self.dir.with_extension("old");
            fs::rename(&self.dest, &old).map_err(io_err(&self.dest))?;
            Some(old)
        } else {
            None
        };
        if let Err(source) = fs::rename(&self.dir, &self.dest) {
            // Put the previous site back before reporting.
            if let Some(old) = &old {
                let _ = fs::rename(old, &self.dest);
            }
            return Err(WriteError::Io {
                path: self.dest.clone(),
                source,
            });
        }
        self.committed = true;
        if let Some(old) = old {
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Remove the staging directories (and set-aside previous sites) that
/// builds killed before they could clean up left in `parent`: a build
/// stopped with Ctrl-C leaves its partial site, tens of megabytes, and
/// they piled up. Only directories of ours whose building process is gone
/// are removed; a concurrent build's, or one whose owner cannot be told,
/// is left alone.
fn remove_abandoned(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let is_staging = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(prefix));
        if !is_staging {
            continue;
        }
        let dir = entry.path();
        let owner = fs::read_to_string(dir.join(MARKER))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok());
        if owner.is_some_and(|pid| !process_alive(pid)) {
            let _ = fs::remove_dir_all(&dir);
        }
    }
}

/// Whether process `pid` is running. Known on Linux (`/proc`); elsewhere
/// assumed, so nothing is removed.
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Whether `dest` is `book` or one of its ancestors (after resolving
/// symbolic links and `..`). A destination that does not exist holds nothing.
fn holds(dest: &Path, book: &Path) -> bool {
    match (dest.canonicalize(), book.canonicalize()) {
        (Ok(dest), Ok(book)) => book.starts_with(dest),
        _ => false,
    }
}

fn is_ours_or_empty(dir: &Path) -> bool {
    dir.join(MARKER).exists() || fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_discards() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("site");
        let staging = Staging::new(&dest, tmp.path()).unwrap();
        staging.write("a/index.html", b"one").unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read(dest.join("a/index.html")).unwrap(), b"one");
        assert_eq!(fs::read(dest.join(MARKER)).unwrap(), b"", "deterministic");

        let staging = Staging::new(&dest, tmp.path()).unwrap();
        staging.write("a/index.html", b"two").unwrap();
        drop(staging);
        assert_eq!(fs::read(dest.join("a/index.html")).unwrap(), b"one");
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "staging dir cleaned up"
        );
    }

    /// Regression: building into a symbolic link (a web root) replaced the
    /// link with a directory, and the directory it pointed at kept the old
    /// site.
    #[cfg(unix)]
    #[test]
    fn a_linked_destination_is_built_where_the_link_points() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("www-real");
        fs::create_dir(&real).unwrap();
        let link = tmp.path().join("www");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        for text in [b"one".as_slice(), b"two"] {
            let staging = Staging::new(&link, tmp.path()).unwrap();
            staging.write("index.html", text).unwrap();
            staging.commit().unwrap();
            assert!(fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(fs::read(real.join("index.html")).unwrap(), text);
        }
        let dangling = tmp.path().join("gone");
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).unwrap();
        let err = Staging::new(&dangling, tmp.path())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("symbolic link to nothing"), "{err}");
    }

    #[test]
    fn a_file_in_the_way_is_named_as_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("site");
        fs::write(&dest, "").unwrap();
        let err = Staging::new(&dest, tmp.path()).err().unwrap().to_string();
        assert!(
            err.ends_with("it is a file; give a directory for the site"),
            "{err}"
        );
        assert!(dest.is_file(), "left as it was");
    }

    #[test]
    fn files_land_in_nested_directories_made_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("site");
        let staging = Staging::new(&dest, tmp.path()).unwrap();
        // From several threads, as the build writes: every file arrives.
        std::thread::scope(|scope| {
            for t in 0..4 {
                let staging = &staging;
                scope.spawn(move || {
                    for n in 0..50 {
                        let rel = format!("d{}/e{}/p{t}-{n}.html", n % 3, n % 2);
                        staging.write(&rel, rel.as_bytes()).unwrap();
                    }
                });
            }
        });
        staging.write("top.html", b"top").unwrap();
        staging.commit().unwrap();
        for t in 0..4 {
            for n in 0..50 {
                let rel = format!("d{}/e{}/p{t}-{n}.html", n % 3, n % 2);
                assert_eq!(fs::read(dest.join(&rel)).unwrap(), rel.as_bytes());
            }
        }
        assert_eq!(fs::read(dest.join("top.html")).unwrap(), b"top");
    }

    #[test]
    fn removes_what_killed_builds_left_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let stage = |suffix: &str, marker: Option<&str>| {
            let dir = tmp.path().join(format!(".site.building-{suffix}"));
            fs::create_dir_all(dir.join("documents")).unwrap();
            fs::write(dir.join("documents/a.html"), b"partial").unwrap();
            if let Some(pid) = marker {
                fs::write(dir.join(MARKER), pid).unwrap();
            }
            dir
        };
        // No process has this id (Linux caps ids far below it).
        let killed = stage("killed", Some("4294967295"));
        let killed_old = stage("killed.old", Some("4294967294"));
        let running = stage("running", Some(&std::process::id().to_string()));
        let foreign = stage("foreign", None);
        let other_site = tmp.path().join(".other.building-x");
        fs::create_dir_all(&other_site).unwrap();
        fs::write(other_site.join(MARKER), "4294967295").unwrap();
        let staging = Staging::new(&tmp.path().join("site"), &tmp.path().join("book")).unwrap();
        if cfg!(target_os = "linux") {
            assert!(!killed.exists() && !killed_old.exists());
        }
        assert!(running.exists(), "a live build's directory stays");
        assert!(foreign.exists(), "a directory without our marker stays");
        assert!(other_site.exists(), "another destination's stays");
        drop(staging);
    }

    #[test]
    fn refuses_a_site_directory_holding_the_book() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("out");
        let book = site.join("mybook");
        fs::create_dir_all(book.join("docs")).unwrap();
        fs::write(site.join(MARKER), b"").unwrap();
        fs::write(book.join("book.toml"), b"").unwrap();
        assert!(matches!(
            Staging::new(&site, &book),
            Err(WriteError::HoldsBook { .. })
        ));
        // The book itself, however named, is refused one way or the other.
        fs::write(book.join(MARKER), b"").unwrap();
        for dest in [book.clone(), book.join("docs").join("..")] {
            assert!(
                matches!(
                    Staging::new(&dest, &book),
                    Err(WriteError::HoldsBook { .. })
                ),
                "{}",
                dest.display()
            );
        }
        assert!(book.join("book.toml").exists(), "nothing removed");
        let beside = Staging::new(&tmp.path().join("site"), &book).unwrap();
        drop(beside);
    }

    #[test]
    fn refuses_foreign_directories() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("precious.md"), "x").unwrap();
        assert!(matches!(
            Staging::new(tmp.path(), &tmp.path().join("book")),
            Err(WriteError::NotOurs(_))
        ));
    }
}
