//! The search index while serving: built in a background thread from the
//! records the rebuilder hands over, so a rebuild never waits for Pagefind
//! (which takes most of a minute at 10,000 documents). Only the newest
//! records are indexed when several rebuilds happened meanwhile; until an
//! index is ready, the previous one is served.

use std::collections::BTreeMap;
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
                while let Ok(mut job) = queue.recv() {
                    // Only the newest state matters.
                    while let Ok(newer) = queue.try_recv() {
                        job = newer;
                    }
                    let (records, settings) = job;
                    let started = Instant::now();
                    let owned: Vec<Record> = records.iter().map(|r| Record::clone(r)).collect();
                    match search::index_records(owned, &settings) {
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
