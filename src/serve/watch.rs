//! Watching the book and driving rebuilds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{new_debouncer_opt, Config, DebounceEventResult, Debouncer};
use tokio::sync::broadcast;

use super::state::{Change, LiveSite};
use super::{ServeError, ServeOptions};
use crate::book::BookConfig;

/// Short enough to feel instant, long enough to merge an editor's
/// write-rename-chmod burst into one rebuild.
const DEBOUNCE: Duration = Duration::from_millis(20);
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Keeps the watcher alive; dropping it stops watching.
pub struct Watcher {
    _watched: Arc<Mutex<Watched>>,
}

/// The debounced watcher and the paths it watches now, with the identity
/// of each directory when it was watched.
struct Watched {
    debounced: Debounced,
    current: BTreeMap<PathBuf, RecursiveMode>,
    identities: BTreeMap<PathBuf, Option<(u64, u64)>>,
}

/// A directory's device and inode, to tell one made again (deleted and
/// restored, moved away and back) from the one watched. `None` where the
/// platform does not say; such a directory is never watched anew.
fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

enum Debounced {
    Native(Debouncer<RecommendedWatcher>),
    Poll(Debouncer<PollWatcher>),
}

impl Watched {
    fn watcher(&mut self) -> &mut dyn notify::Watcher {
        match &mut self.debounced {
            Debounced::Native(d) => d.watcher(),
            Debounced::Poll(d) => d.watcher(),
        }
    }

    /// Watch exactly `targets`: unwatch what is no longer a target, watch
    /// what is new (a source directory renamed in book.toml, a `theme/`
    /// created while serving), and watch again the targets in `renewed`
    /// (a directory deleted or moved away and made again: its old watch
    /// died with it or followed it). Returns whether a target was added.
    fn sync(
        &mut self,
        targets: BTreeMap<PathBuf, RecursiveMode>,
        renewed: &[PathBuf],
    ) -> Result<bool, notify::Error> {
        let stale: Vec<PathBuf> = self
            .current
            .iter()
            .filter(|(path, mode)| targets.get(*path) != Some(*mode))
            .map(|(path, _)| path.clone())
            .collect();
        for path in stale {
            // A directory that vanished is no longer watched anyway.
            let _ = self.watcher().unwatch(&path);
            self.current.remove(&path);
            self.identities.remove(&path);
        }
        let mut added = false;
        for (path, mode) in targets {
            // Only a directory that is not the one watched: every save
            // reports the directory too, and watching it again (and reading
            // the book again) each time cost a second at 10,000 documents.
            let replaced = renewed.contains(&path)
                && self
                    .identities
                    .get(&path)
                    .is_some_and(|was| was.is_some() && *was != identity(&path));
            if replaced && self.current.remove(&path).is_some() {
                let _ = self.watcher().unwatch(&path);
            }
            if !self.current.contains_key(&path) {
                self.watcher().watch(&path, mode)?;
                self.identities.insert(path.clone(), identity(&path));
                self.current.insert(path, mode);
                added = true;
            }
        }
        Ok(added)
    }
}

/// What serve watches: the book's root without its subdirectories
/// (`book.toml`, and directories appearing), the source and `theme/`
/// directories with theirs, and the directories of catalog and mapping
/// files outside those. Not the whole root: a repository holds much else
/// (a Rust `target/` of tens of thousands of files, say), whose changes
/// would cost inotify watches and wake the rebuilder for nothing.
pub fn targets(root: &Path, config: &BookConfig) -> BTreeMap<PathBuf, RecursiveMode> {
    let mut out = BTreeMap::new();
    let recursive: Vec<PathBuf> = [root.join(&config.book.src), root.join("theme")]
        .into_iter()
        .filter(|dir| dir.is_dir())
        .map(|dir| dir.canonicalize().unwrap_or(dir))
        .collect();
    let covered = |path: &Path| recursive.iter().any(|dir| path.starts_with(dir));
    if !covered(root) {
        out.insert(root.to_path_buf(), RecursiveMode::NonRecursive);
    }
    for file in config.catalog_files() {
        let Some(dir) = root.join(file).parent().map(Path::to_path_buf) else {
            continue;
        };
        let dir = dir.canonicalize().unwrap_or(dir);
        if dir.is_dir() && !covered(&dir) {
            out.insert(dir, RecursiveMode::NonRecursive);
        }
    }
    for dir in &recursive {
        // A source directory inside `theme/` (or the other way round) is
        // covered by the outer one.
        if !recursive
            .iter()
            .any(|other| other != dir && dir.starts_with(other))
        {
            out.insert(dir.clone(), RecursiveMode::Recursive);
        }
    }
    out
}

pub fn start(
    options: &ServeOptions,
    site: Arc<RwLock<LiveSite>>,
    reload: broadcast::Sender<u64>,
) -> Result<Watcher, ServeError> {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<PathBuf>>();
    let handler = move |result: DebounceEventResult| {
        if let Ok(events) = result {
            let _ = tx.send(events.into_iter().map(|e| e.path).collect());
        }
    };
    let root = options
        .root
        .canonicalize()
        .unwrap_or_else(|_| options.root.clone());
    let watch_err = |e: notify::Error| ServeError::Watch(e.to_string());
    let debounced = if options.poll {
        let config = Config::default().with_timeout(DEBOUNCE).with_notify_config(
            notify::Config::default()
                .with_poll_interval(POLL_INTERVAL)
                .with_compare_contents(true),
        );
        Debounced::Poll(new_debouncer_opt::<_, PollWatcher>(config, handler).map_err(watch_err)?)
    } else {
        let config = Config::default().with_timeout(DEBOUNCE);
        Debounced::Native(
            new_debouncer_opt::<_, RecommendedWatcher>(config, handler).map_err(watch_err)?,
        )
    };
    let mut watched = Watched {
        debounced,
        current: BTreeMap::new(),
        identities: BTreeMap::new(),
    };
    let initial = targets(
        &root,
        site.read().unwrap_or_else(PoisonError::into_inner).config(),
    );
    watched.sync(initial, &[]).map_err(watch_err)?;
    let watched = Arc::new(Mutex::new(watched));
    let for_loop = Arc::clone(&watched);
    std::thread::Builder::new()
        .name("crosswalk-rebuild".into())
        .spawn(move || rebuild_loop(rx, site, reload, root, for_loop))
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    Ok(Watcher { _watched: watched })
}

fn rebuild_loop(
    rx: std::sync::mpsc::Receiver<Vec<PathBuf>>,
    site: Arc<RwLock<LiveSite>>,
    reload: broadcast::Sender<u64>,
    root: PathBuf,
    watched: Arc<Mutex<Watched>>,
) {
    while let Ok(mut paths) = rx.recv() {
        // Merge whatever else arrived meanwhile into one rebuild.
        while let Ok(more) = rx.try_recv() {
            paths.extend(more);
        }
        let everything = rebuild(&site, &reload, |live| live.classify(&paths));
        // book.toml or the theme changed, or a directory appeared: the
        // directories to watch may have too (a source directory renamed,
        // `theme/` created).
        if everything || paths.iter().any(|p| p.is_dir()) {
            let targets = targets(
                &root,
                site.read().unwrap_or_else(PoisonError::into_inner).config(),
            );
            // A watched directory that appeared again needs a new watch.
            let renewed: Vec<PathBuf> = paths
                .iter()
                .filter(|p| targets.contains_key(*p) && p.is_dir())
                .cloned()
                .collect();
            let added = match watched.lock() {
                Ok(mut watched) => watched.sync(targets, &renewed).unwrap_or_else(|err| {
                    eprintln!("warning: cannot watch a new directory: {err}");
                    false
                }),
                Err(_) => false,
            };
            // Files written into a directory before it was watched had no
            // events: read the book again.
            if added {
                rebuild(&site, &reload, |_| Change::Everything);
            }
        }
    }
}

/// Decide the change under the write lock, apply it, and tell open pages
/// to reload. Returns whether the whole book was read again.
fn rebuild(
    site: &RwLock<LiveSite>,
    reload: &broadcast::Sender<u64>,
    change_of: impl FnOnce(&LiveSite) -> Change,
) -> bool {
    let started = Instant::now();
    let mut live = site.write().unwrap_or_else(PoisonError::into_inner);
    let change = change_of(&live);
    let kind = change.to_string();
    let everything = change == Change::Everything;
    if live.apply(change) {
        let generation = live.generation;
        let summary = live.error_summary();
        drop(live);
        let _ = reload.send(generation);
        match summary {
            Some(s) => eprintln!("{s}"),
            None => eprintln!("rebuilt in {} ms ({kind})", started.elapsed().as_millis()),
        }
    }
    everything
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    fn config(text: &str) -> BookConfig {
        BookConfig::parse(&SourceFile::new("book.toml", text.to_string())).unwrap()
    }

    #[test]
    fn watches_the_book_inputs_not_the_whole_root() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for dir in ["docs/sub", "theme/templates", "catalogs", "target/debug"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        let targets = targets(
            &root,
            &config("[mappings]\nfiles = [\"catalogs/ours.yaml\"]\n"),
        );
        let expected: BTreeMap<PathBuf, RecursiveMode> = [
            (root.clone(), RecursiveMode::NonRecursive),
            (root.join("catalogs"), RecursiveMode::NonRecursive),
            (root.join("docs"), RecursiveMode::Recursive),
            (root.join("theme"), RecursiveMode::Recursive),
        ]
        .into_iter()
        .collect();
        assert_eq!(targets, expected);
    }

    #[test]
    fn a_source_at_the_root_watches_it_all_once() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("theme")).unwrap();
        let targets = targets(&root, &config("[book]\nsrc = \".\"\n"));
        let expected: BTreeMap<PathBuf, RecursiveMode> = [(root.clone(), RecursiveMode::Recursive)]
            .into_iter()
            .collect();
        assert_eq!(targets, expected);
    }
}
