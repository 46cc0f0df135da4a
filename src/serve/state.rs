//! The live site: the project, its rendered files in memory, and the
//! diagnostics overlay when the latest change does not check.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::check::report::{self, Format};
use crate::diagnostic::Severity;
use crate::pipeline::{CheckOptions, PipelineError, Project};
use crate::site::live::{self, Files, Footprint};
use crate::site::search;
use crate::site::theme::Theme;

use super::search::{Records, SearchIndexer};

/// What serve holds between rebuilds.
pub struct LiveSite {
    root: PathBuf,
    project: Project,
    files: Files,
    /// Plain-text diagnostics of the latest failed rebuild; `None` when the
    /// served pages match the book.
    overlay: Option<String>,
    /// Bumped at every rebuild; pages reload when it changes.
    pub generation: u64,
    /// The served files are stale as a whole (a full render failed).
    needs_full: bool,
    /// The book could not be loaded at the last attempt (a broken
    /// book.toml, the source directory gone): the next change of any kind
    /// reads it all again.
    load_failed: bool,
    /// What each file of the book looked like when last read, to tell a
    /// change from a mere open or read (inotify reports those, and every
    /// rebuild causes some).
    stamps: Stamps,
    /// The search index, rebuilt in the background (`serve` only; tests
    /// of the rendering leave it off), and the records it is built from.
    search: Option<SearchIndexer>,
    records: Records,
    /// The documents (by path) the first records are of, in order.
    record_paths: Vec<String>,
    /// The theme of the last full render, kept so that an edit to a
    /// document does not compile the templates again.
    theme: Option<Theme>,
    /// Changes not yet rendered because the book did not check.
    pending_before: Footprint,
    pending_paths: std::collections::BTreeSet<String>,
}

/// What a change to the book requires.
#[derive(Debug, PartialEq)]
pub enum Change {
    /// Only these documents (paths relative to the source directory).
    Documents(Vec<String>),
    /// Configuration, theme or catalogs: rebuild everything.
    Everything,
    /// Nothing the site depends on.
    Nothing,
}

/// What the log says was rebuilt: `rebuilt in 12 ms (governance/0007-x.md)`.
impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Documents(paths) => match paths.as_slice() {
                [one] => f.write_str(one),
                [first, rest @ ..] => write!(f, "{first} and {} more", rest.len()),
                [] => f.write_str("no document"),
            },
            Change::Everything => f.write_str("configuration, theme or catalogs: everything"),
            Change::Nothing => f.write_str("nothing"),
        }
    }
}

impl LiveSite {
    pub fn load(root: &Path) -> Result<LiveSite, PipelineError> {
        // Stamps before reading: a file changed in between gets a later
        // stamp than the one kept, so its event is not mistaken for an open.
        let stamps = Stamps::of_inputs(root);
        let project = Project::load(root, &CheckOptions::for_pages())?;
        let mut site = LiveSite {
            stamps,
            root: root.to_path_buf(),
            files: Files::new(),
            overlay: None,
            generation: 0,
            needs_full: true,
            load_failed: false,
            pending_before: Footprint::default(),
            pending_paths: Default::default(),
            theme: None,
            search: None,
            records: Vec::new(),
            record_paths: Vec::new(),
            project,
        };
        site.render_everything();
        Ok(site)
    }

    /// Whether the book wants a search index (`[build] search`).
    pub fn searchable(&self) -> bool {
        self.project.book.config.build.search
    }

    /// Also serve a search index, refreshed in the background after every
    /// rebuild.
    pub fn with_search(mut self) -> Self {
        self.search = Some(SearchIndexer::start());
        self.refresh_all_records();
        self
    }

    /// Records of every page, then a background index of them.
    fn refresh_all_records(&mut self) {
        if let Some(indexer) = &self.search {
            self.records = search::records(&self.project)
                .into_iter()
                .map(Arc::new)
                .collect();
            self.record_paths = self.document_paths();
            indexer.refresh(
                &self.records,
                crate::site::search::IndexSettings::of(&self.project),
            );
        }
    }

    /// After an update that kept the same documents in the same order:
    /// new records for the changed documents (their text is the costly
    /// part) and for techniques and requirements (cheap, but they count
    /// citing documents); otherwise all of them.
    fn refresh_records_after(&mut self, rel_paths: &[String]) {
        let Some(indexer) = &self.search else {
            return;
        };
        if self.document_paths() != self.record_paths {
            return self.refresh_all_records();
        }
        let documents = self.project.documents.len();
        self.records.truncate(documents);
        for rel in rel_paths {
            if let Some(i) = self.project.document_by_path(rel) {
                self.records[i] = Arc::new(search::document_record(&self.project, i));
            }
        }
        self.records.extend(
            search::catalog_records(&self.project)
                .into_iter()
                .map(Arc::new),
        );
        indexer.refresh(
            &self.records,
            crate::site::search::IndexSettings::of(&self.project),
        );
    }

    fn document_paths(&self) -> Vec<String> {
        self.project
            .documents
            .iter()
            .map(|d| d.rel_path.clone())
            .collect()
    }

    /// New records for documents whose prose changed, then a background
    /// index (documents' records come first, in document order).
    fn refresh_document_records(&mut self, rel_paths: &[String]) {
        let Some(indexer) = &self.search else {
            return;
        };
        for rel in rel_paths {
            if let Some(i) = self.project.document_by_path(rel) {
                if let Some(slot) = self.records.get_mut(i) {
                    *slot = Arc::new(search::document_record(&self.project, i));
                }
            }
        }
        indexer.refresh(
            &self.records,
            crate::site::search::IndexSettings::of(&self.project),
        );
    }

    /// The records the search index is built from (empty without search).
    pub fn search_records(&self) -> Vec<&search::Record> {
        self.records.iter().map(|r| r.as_ref()).collect()
    }

    /// The project as last updated.
    pub fn project(&self) -> &Project {
        &self.project
    }

    pub fn base_path(&self) -> String {
        self.project.book.config.base_path()
    }

    /// A served file.
    pub fn file(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        if let (Some(indexer), true) = (&self.search, path.starts_with("pagefind/")) {
            return indexer.file(path).map(Cow::Owned);
        }
        if let Some(rel) = path
            .strip_prefix(crate::site::ASSETS_DIR)
            .and_then(|p| p.strip_prefix('/'))
        {
            return self.book_file(rel).map(Cow::Owned);
        }
        self.files.get(path).map(|f| Cow::Borrowed(f.as_slice()))
    }

    /// A file of the book's source directory that is not a document (a
    /// picture, a download), read when asked for, so that one added or
    /// changed while serving shows at once. `rel` has been checked not to
    /// leave the site (`http::site_path`); hidden files and the Markdown
    /// sources are not served, as `build` does not copy them.
    fn book_file(&self, rel: &str) -> Option<Vec<u8>> {
        let hidden = rel.split('/').any(|segment| segment.starts_with('.'));
        if hidden || rel.ends_with(".md") {
            return None;
        }
        std::fs::read(self.project.book.src_dir().join(rel)).ok()
    }

    pub fn overlay(&self) -> Option<&str> {
        self.overlay.as_deref()
    }

    pub fn files(&self) -> &Files {
        &self.files
    }

    pub fn error_summary(&self) -> Option<String> {
        self.overlay
            .as_ref()
            .map(|o| format!("{o}\nthe site shows the last good pages until this is fixed"))
    }

    /// The configuration of the last book that loaded.
    pub fn config(&self) -> &crate::book::BookConfig {
        &self.project.book.config
    }

    /// Classify changed paths (absolute or relative to the book root).
    pub fn classify(&self, paths: &[PathBuf]) -> Change {
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let src = root.join(&self.project.book.config.book.src);
        let output = root.join(&self.project.book.config.build.output);
        // The source directory gone (moved, deleted) is the book's problem,
        // CW039, as check and build report it, not a book of no documents:
        // read it again, and the last good pages stay with the error over
        // them.
        if !src.is_dir() || self.load_failed {
            return Change::Everything;
        }
        let mut docs = Vec::new();
        for path in paths {
            let path = if path.is_absolute() {
                path.clone()
            } else {
                root.join(path)
            };
            // Output, `.git` and editors' hidden files are not the book.
            let hidden = path
                .strip_prefix(&root)
                .map(|rel| {
                    rel.components()
                        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                })
                .unwrap_or(true);
            if hidden || path.starts_with(&output) {
                continue;
            }
            if path.starts_with(&src) {
                if self.stamps.unchanged(&path) {
                    continue;
                }
                let rel = crate::book::load::relative_path(&path, &src);
                if path.extension().is_some_and(|e| e == "md") {
                    docs.push(rel);
                    continue;
                }
                // A picture or download added or removed: the check of the
                // links to it needs the book's list of files again. One that
                // only changed is read from disk when asked for.
                // Editors' probes and backups (`4913`, `sedXXXXXX`, `x~`)
                // come and go on every save: only named files count.
                let named = path.extension().is_some() && !rel.ends_with('~');
                let listed = self.project.book.assets.binary_search(&rel).is_ok();
                if named && !path.is_dir() && listed != path.is_file() {
                    return Change::Everything;
                }
                docs.extend(self.documents_under(&path, &rel));
                continue;
            }
            // Outside the documents, a directory event is an open (its
            // files have events of their own when they change).
            if path.is_dir() {
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if (name == "book.toml"
                || path.starts_with(root.join("theme"))
                || self.is_catalog_file(&path))
                && !self.stamps.unchanged(&path)
            {
                return Change::Everything;
            }
        }
        if docs.is_empty() {
            Change::Nothing
        } else {
            docs.sort();
            docs.dedup();
            Change::Documents(docs)
        }
    }

    /// The documents an event on a path that is not a document touches:
    /// for a directory that vanished, the documents it held; for one that
    /// appeared (moved in), the documents in it not known yet. Anything else
    /// (an editor's temporary file such as sed's `sedXXXXXX` or vim's
    /// `4913`, or a mere open of a known directory, which inotify reports
    /// and every rebuild causes) touches none.
    fn documents_under(&self, path: &Path, rel: &str) -> Vec<String> {
        let rel = rel.trim_matches('/');
        let prefix = if rel.is_empty() {
            String::new()
        } else {
            format!("{rel}/")
        };
        let held: std::collections::BTreeSet<&str> = self
            .project
            .book
            .files
            .iter()
            .map(|f| f.rel_path.as_str())
            .chain(self.project.documents.iter().map(|d| d.rel_path.as_str()))
            .filter(|r| r.starts_with(&prefix))
            .collect();
        if !path.exists() {
            return held.into_iter().map(str::to_string).collect();
        }
        // A directory holding known documents was only opened (a new file
        // in it has an event of its own); only an unknown one is walked.
        if !path.is_dir() || !held.is_empty() {
            return Vec::new();
        }
        // The same walk as the load's (hidden entries skipped, links
        // followed), so a folder moved in gives the documents a reload would.
        crate::book::load::markdown_files(path)
            .unwrap_or_default()
            .into_iter()
            .map(|inner| format!("{prefix}{inner}"))
            .collect()
    }

    fn is_catalog_file(&self, path: &Path) -> bool {
        let config = &self.project.book.config;
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        config.catalog_files().any(|p| root.join(p) == path)
    }

    /// Apply a change. Returns true if the served pages or overlay may have
    /// changed (open pages should reload).
    pub fn apply(&mut self, change: Change) -> bool {
        let everything = change == Change::Everything;
        match change {
            Change::Nothing => return false,
            Change::Everything => match Project::load(&self.root, &CheckOptions::for_pages()) {
                Ok(project) => {
                    self.project = project;
                    self.needs_full = true;
                    self.load_failed = false;
                    // `[build] search` turned on or off while serving: the
                    // index follows, as a build would.
                    match (self.searchable(), self.search.is_some()) {
                        (true, false) => self.search = Some(SearchIndexer::start()),
                        (false, true) => {
                            self.search = None;
                            self.records.clear();
                            self.record_paths.clear();
                        }
                        _ => {}
                    }
                }
                Err(err) => {
                    self.load_failed = true;
                    let diags = err.diagnostics();
                    let mut text = Vec::new();
                    let _ = report::print(&mut text, &diags, Format::Human, false, "");
                    self.overlay = Some(if diags.is_empty() {
                        err.to_string()
                    } else {
                        String::from_utf8_lossy(&text).into_owned()
                    });
                    self.generation += 1;
                    return true;
                }
            },
            Change::Documents(paths)
                if self.is_settled()
                    && crate::timing::phase("prose-only update", || {
                        self.project.update_prose(&paths)
                    }) =>
            {
                // Prose only: the documents' own pages are all that can
                // change (their findings are rebuilt by the update).
                self.generation += 1;
                if self.set_overlay() {
                    self.pending_paths.extend(paths);
                    return true;
                }
                if let Some(theme) = &self.theme {
                    let applied = crate::timing::phase("render changed pages", || {
                        live::apply_prose(&self.project, theme, &mut self.files, &paths)
                    });
                    if let Err(err) = applied {
                        self.overlay = Some(failure_text(&self.project.book.root, &err));
                        return true;
                    }
                }
                self.refresh_document_records(&paths);
                return true;
            }
            Change::Documents(paths) => {
                // Footprints are taken on the last state whose pages were
                // rendered or on every state since, so a relation removed
                // while the book did not check is still re-rendered later.
                self.pending_before
                    .extend(Footprint::of(&self.project, &paths));
                self.pending_paths.extend(paths.iter().cloned());
                self.project.update(&paths);
            }
        }
        self.generation += 1;
        if self.set_overlay() {
            return true;
        }
        let full = everything || self.needs_full || self.theme.is_none();
        if full {
            self.render_everything();
        } else if let Some(theme) = &self.theme {
            let paths: Vec<String> = self.pending_paths.iter().cloned().collect();
            let after = Footprint::of(&self.project, &paths);
            let applied = crate::timing::phase("render changed pages", || {
                live::apply(
                    &self.project,
                    theme,
                    &mut self.files,
                    &self.pending_before,
                    &after,
                )
            });
            if let Err(err) = applied {
                self.overlay = Some(failure_text(&self.project.book.root, &err));
                return true;
            }
        }
        let paths: Vec<String> = std::mem::take(&mut self.pending_paths)
            .into_iter()
            .collect();
        self.pending_before = Footprint::default();
        if full {
            self.refresh_all_records();
        } else {
            self.refresh_records_after(&paths);
        }
        true
    }

    /// The served pages match the project and nothing waits to be rendered.
    fn is_settled(&self) -> bool {
        !self.needs_full
            && self.overlay.is_none()
            && self.pending_paths.is_empty()
            && self.theme.is_some()
    }

    /// Render every page (first load, configuration or theme change).
    fn render_everything(&mut self) {
        if self.set_overlay() {
            self.needs_full = true;
            return;
        }
        let rendered = Theme::load(&self.project.book.root)
            .map_err(crate::site::BuildError::from)
            .and_then(|theme| {
                let files = live::render_all_with(&self.project, &theme)?;
                Ok((theme, files))
            });
        match rendered {
            Ok((theme, files)) => {
                self.theme = Some(theme);
                self.files = files;
                self.overlay = None;
                self.needs_full = false;
            }
            Err(err) => {
                self.overlay = Some(failure_text(&self.project.book.root, &err));
                self.needs_full = true;
            }
        }
    }

    /// Set the overlay from the project's errors; true if there are any.
    fn set_overlay(&mut self) -> bool {
        let diagnostics = &self.project.diagnostics;
        if !diagnostics.iter().any(|d| d.severity == Severity::Error) {
            self.overlay = None;
            return false;
        }
        // What `check` prints, warnings included: its count line said
        // "0 warnings" when only the errors were given to it.
        let mut text = Vec::new();
        let _ = report::print(&mut text, diagnostics, Format::Human, false, "");
        self.overlay = Some(String::from_utf8_lossy(&text).into_owned());
        true
    }
}

/// The overlay text of a failed render: a template of the book's that fails
/// on a page shows as its located CW044, as `build` reports it.
fn failure_text(book_root: &Path, err: &crate::site::BuildError) -> String {
    if let crate::site::BuildError::Render { page, message } = err {
        if let Some(diag) = crate::check::theme::render_error(book_root, page, message) {
            let mut text = Vec::new();
            let _ = report::print(&mut text, &[diag], Format::Human, false, "");
            return String::from_utf8_lossy(&text).into_owned();
        }
    }
    err.to_string()
}

/// Size, modification and change times of the files last read, by absolute
/// path. Reading a file generates events too, so comparing contents would
/// feed itself; `stat` does not. Nanosecond times (ext4, tmpfs, overlayfs)
/// tell two saves in the same second apart.
#[derive(Default)]
struct Stamps(std::sync::Mutex<std::collections::HashMap<PathBuf, Stamp>>);

#[derive(Debug, Clone, Copy, PartialEq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
    ctime_ns: i64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() {
            return None;
        }
        #[cfg(unix)]
        let (inode, ctime_ns) = {
            use std::os::unix::fs::MetadataExt;
            (meta.ino(), meta.ctime() * 1_000_000_000 + meta.ctime_nsec())
        };
        #[cfg(not(unix))]
        let (inode, ctime_ns) = (0, 0);
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
            ctime_ns,
        })
    }
}

impl Stamps {
    /// Stamps of the files a book is built from: `book.toml`, and what is
    /// under its source and `theme/` directories (hidden ones left out).
    /// Not the whole root: a repository holds much else (a Rust `target/`
    /// of tens of thousands of files, say). Catalog files elsewhere get
    /// their stamp at their first event.
    fn of_inputs(root: &Path) -> Stamps {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        // Only `[book] src` is needed here; a book.toml that does not parse
        // fails the load right after, with its located error.
        let src = std::fs::read_to_string(root.join("book.toml"))
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .and_then(|t| t.get("book")?.get("src")?.as_str().map(str::to_string))
            .unwrap_or_else(|| "docs".to_string());
        let src = root.join(src);
        let mut map = std::collections::HashMap::new();
        for dir in [src, root.join("theme")] {
            let files = walkdir::WalkDir::new(&dir)
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                })
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file());
            for entry in files {
                if let Some(stamp) = Stamp::of(entry.path()) {
                    map.insert(entry.path().to_path_buf(), stamp);
                }
            }
        }
        let config = root.join("book.toml");
        if let Some(stamp) = Stamp::of(&config) {
            map.insert(config, stamp);
        }
        Stamps(std::sync::Mutex::new(map))
    }

    /// True when `path` is a file whose stamp is the one kept (the event
    /// was an open or a read); otherwise keeps the new stamp and returns
    /// false. Directories and vanished paths are never "unchanged".
    fn unchanged(&self, path: &Path) -> bool {
        let Ok(mut stamps) = self.0.lock() else {
            return false;
        };
        match Stamp::of(path) {
            Some(now) => stamps.insert(path.to_path_buf(), now) == Some(now),
            None => {
                stamps.remove(path);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Change;

    #[test]
    fn the_log_names_what_changed_in_words() {
        let one = Change::Documents(vec!["governance/0007-backup.md".into()]);
        assert_eq!(one.to_string(), "governance/0007-backup.md");
        let three = Change::Documents(vec!["a.md".into(), "b.md".into(), "c.md".into()]);
        assert_eq!(three.to_string(), "a.md and 2 more");
        assert_eq!(
            Change::Everything.to_string(),
            "configuration, theme or catalogs: everything"
        );
        assert_eq!(Change::Nothing.to_string(), "nothing");
    }
}
