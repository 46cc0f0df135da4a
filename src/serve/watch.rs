//! Watching the book and driving rebuilds.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{new_debouncer_opt, Config, DebounceEventResult, Debouncer};
use tokio::sync::broadcast;

use super::state::LiveSite;
use super::{ServeError, ServeOptions};

/// Keeps the watcher alive; dropping it stops watching. The debouncers are
/// never read, only held.
#[allow(dead_code)]
pub enum Watcher {
    Native(Debouncer<RecommendedWatcher>),
    Poll(Debouncer<PollWatcher>),
}

/// Short enough to feel instant, long enough to merge an editor's
/// write-rename-chmod burst into one rebuild.
const DEBOUNCE: Duration = Duration::from_millis(20);
const POLL_INTERVAL: Duration = Duration::from_millis(250);

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
    let watcher = if options.poll {
        let config = Config::default().with_timeout(DEBOUNCE).with_notify_config(
            notify::Config::default()
                .with_poll_interval(POLL_INTERVAL)
                .with_compare_contents(true),
        );
        let mut debouncer =
            new_debouncer_opt::<_, PollWatcher>(config, handler).map_err(watch_err)?;
        debouncer
            .watcher()
            .watch(&root, RecursiveMode::Recursive)
            .map_err(watch_err)?;
        Watcher::Poll(debouncer)
    } else {
        let config = Config::default().with_timeout(DEBOUNCE);
        let mut debouncer =
            new_debouncer_opt::<_, RecommendedWatcher>(config, handler).map_err(watch_err)?;
        debouncer
            .watcher()
            .watch(&root, RecursiveMode::Recursive)
            .map_err(watch_err)?;
        Watcher::Native(debouncer)
    };
    std::thread::Builder::new()
        .name("crosswalk-rebuild".into())
        .spawn(move || rebuild_loop(rx, site, reload))
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    Ok(watcher)
}

fn rebuild_loop(
    rx: std::sync::mpsc::Receiver<Vec<PathBuf>>,
    site: Arc<RwLock<LiveSite>>,
    reload: broadcast::Sender<u64>,
) {
    while let Ok(mut paths) = rx.recv() {
        // Merge whatever else arrived meanwhile into one rebuild.
        while let Ok(more) = rx.try_recv() {
            paths.extend(more);
        }
        let started = Instant::now();
        let mut guard = match site.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let change = guard.classify(&paths);
        let kind = format!("{change:?}");
        if guard.apply(change) {
            let generation = guard.generation;
            let summary = guard.error_summary();
            drop(guard);
            let _ = reload.send(generation);
            match summary {
                Some(s) => eprintln!("{s}"),
                None => eprintln!("rebuilt in {} ms ({kind})", started.elapsed().as_millis()),
            }
        }
    }
}
