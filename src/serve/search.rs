//! The search index while serving: built in a background thread from the
//! records the rebuilder hands over, so a rebuild never waits for Pagefind
//! (which takes most of a minute at 10,000 documents). Only the newest
//! records are indexed when several rebuilds happened meanwhile; until an
//! index is ready, the previous one is served.
//!
//! The indexer has its own thread pool at a lower priority: on the shared
//! pool, a part of the index (a second or more of work each) would hold a
//! worker that the next edit's pages wait for, and at equal priority it
//! takes half the cores from that rebuild.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use crate::site::search::{self, IndexSettings, Record};

/// Records shared with the indexer: a rebuild replaces the changed
/// documents' entries and hands over the list without copying the rest.
pub type Records = Vec<Arc<Record>>;

/// The background indexer and the files it last produced.
pub struct SearchIndexer {
    files: Arc<RwLock<BTreeMap<String, Vec<u8>>>>,
    jobs: Sender<(Records, IndexSettings)>,
}

impl SearchIndexer {
    /// Start the indexer thread.
    pub fn start() -> SearchIndexer {
        let (jobs, queue) = mpsc::channel::<(Records, IndexSettings)>();
        let files = Arc::new(RwLock::new(BTreeMap::new()));
        let published = Arc::clone(&files);
        std::thread::Builder::new()
            .name("crosswalk-search".into())
            .spawn(move || {
                lower_priority();
                let pool = match rayon::ThreadPoolBuilder::new()
                    .thread_name(|i| format!("crosswalk-search-{i}"))
                    .start_handler(|_| lower_priority())
                    .build()
                {
                    Ok(pool) => pool,
                    Err(err) => {
                        eprintln!("warning: no search index while serving: {err}");
                        return;
                    }
                };
                while let Ok(mut job) = queue.recv() {
                    // Only the newest state matters.
                    while let Ok(newer) = queue.try_recv() {
                        job = newer;
                    }
                    let (records, settings) = job;
                    let started = Instant::now();
                    let owned: Vec<Record> = records.iter().map(|r| Record::clone(r)).collect();
                    // Never stopped: a newer edit waits in the queue and
                    // replaces this index when it is done.
                    let never = AtomicBool::new(false);
                    match pool.install(|| search::index_records(owned, &settings, &never)) {
                        Ok(built) => {
                            if let Ok(mut files) = published.write() {
                                *files = built.into_iter().collect();
                            }
                            crate::timing::report("search index (background)", started.elapsed());
                        }
                        Err(err) => eprintln!("warning: the search index was not refreshed: {err}"),
                    }
                }
            })
            .expect("spawning the search indexer thread");
        SearchIndexer { files, jobs }
    }

    /// Index these records with the book's current settings (language,
    /// parts), after the pages are served.
    pub fn refresh(&self, records: &Records, settings: IndexSettings) {
        // The thread only stops with the process; a send cannot fail before.
        let _ = self.jobs.send((records.clone(), settings));
    }

    /// A file of the latest index (`pagefind/...`).
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.files.read().ok()?.get(path).cloned()
    }
}

/// How much nicer than the rebuilder the indexer's threads are (`nice`).
const INDEXER_NICENESS: i32 = 10;

/// Make the calling thread yield the CPU to the rebuilder. Linux keeps a
/// nice value per thread, which `setpriority` with the thread id sets;
/// elsewhere the indexer runs at normal priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread's own id.
        let failed = unsafe {
            let tid = libc::gettid() as libc::id_t;
            let now = libc::getpriority(libc::PRIO_PROCESS, tid);
            libc::setpriority(libc::PRIO_PROCESS, tid, now + INDEXER_NICENESS) != 0
        };
        if failed {
            eprintln!("note: the search indexer runs at normal priority");
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn own_niceness() -> i32 {
        // SAFETY: reads the calling thread's nice value.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
    }

    #[test]
    fn lowering_priority_touches_only_the_calling_thread() {
        let before = own_niceness();
        let lowered = std::thread::spawn(|| {
            let before = own_niceness();
            lower_priority();
            own_niceness() - before
        })
        .join()
        .unwrap();
        assert_eq!(lowered, INDEXER_NICENESS.min(19 - before));
        assert_eq!(own_niceness(), before, "the caller's thread is untouched");
    }
}
