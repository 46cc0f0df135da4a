//! Rendering the site: pages from the checked project, through the theme's
//! Tera templates (or their compiled twins, `compiled`, where the book
//! leaves a template as shipped), written atomically.

mod compiled;
mod context;
mod control_page;
mod document_page;
pub mod exports;
mod feeds;
mod fragments;
mod framework_page;
mod listing_page;
pub mod live;
mod pages;
pub mod search;
mod technique_page;
pub mod theme;
pub mod urls;
pub mod writer;

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;

use crate::pipeline::Project;
use crate::timing;
pub use pages::Page;
use theme::Theme;
use writer::{Staging, WriteError};

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Output directory; defaults to `[build] output`.
    pub dest: Option<PathBuf>,
    /// Skip the search index (fast previews).
    pub no_search: bool,
}

/// What a build produced.
#[derive(Debug)]
pub struct BuildReport {
    pub dest: PathBuf,
    pub pages: usize,
    pub millis: u128,
}

#[derive(Debug, Error)]
pub enum BuildError {
    #[error("the book has {0} error(s); fix them first (run `crosswalk check`)")]
    CheckFailed(usize),
    #[error(transparent)]
    Theme(#[from] theme::ThemeError),
    #[error("cannot render {page}: {message}")]
    Render { page: String, message: String },
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Search(#[from] search::SearchError),
    /// The pages gave up because the search index failed; that failure is
    /// what gets reported.
    #[error("the build stopped because its search index failed")]
    Stopped,
}

/// The most pages one rayon task renders in a row (see [`build`]).
const PAGES_PER_TASK: usize = 8;

/// Build the site of a checked project. Refuses if the check found errors.
pub fn build(project: &Project, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    if project.error_count() > 0 {
        return Err(BuildError::CheckFailed(project.error_count()));
    }
    let dest = options
        .dest
        .clone()
        .unwrap_or_else(|| project.book.output_dir());
    // Both are short and single-threaded: one core each instead of one
    // after the other on one.
    let (theme, pages) = rayon::join(
        || timing::phase("theme", || Theme::load(&project.book.root)),
        || timing::phase("list pages", || pages::all_pages(project)),
    );
    let theme = theme?;
    let mut site = context::SiteContext::new(project);
    site.search &= !options.no_search;
    let with_search = site.search;
    // Without an index the search page could only fail, and nothing links
    // to it (the search boxes go too): neither it nor its script is
    // published, nor listed in the sitemap.
    let mut pages = pages;
    if !with_search {
        pages.retain(|page| !matches!(page, pages::Page::Search));
    }
    let staging = Staging::new(&dest, &project.book.root)?;
    let tally = timing::Tally::default();
    // Raised by whichever side fails first, so the other gives up instead
    // of finishing work that will be thrown away: a broken template is
    // reported at once, not after the search index (seconds at 10k).
    let stop = AtomicBool::new(false);
    let render_pages = || {
        let rendered = timing::phase("render + write pages", || {
            // Small pieces: rayon otherwise hands each core a quarter of
            // the list or more to render alone, and the last such piece
            // (hundreds of requirement pages) kept one core busy for tens of
            // milliseconds after the other had finished.
            pages.par_iter().with_max_len(PAGES_PER_TASK).try_for_each(
                |page| -> Result<(), BuildError> {
                    if stop.load(Ordering::Relaxed) {
                        return Err(BuildError::Stopped);
                    }
                    let html =
                        tally.time(page.kind(), || pages::render(project, &site, &theme, page))?;
                    tally.time("(write)", || {
                        staging.write(&page.path(project), html.as_bytes())
                    })?;
                    Ok(())
                },
            )
        });
        if rendered.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        rendered
    };
    // The search index reads the project, not the pages, so it is built
    // beside them, and a core that one side leaves idle (the last part of
    // the index finishing alone, the tail of the pages) can serve the
    // other. On two cores the wall time is the same as one after the
    // other, within noise (BENCHMARKS.md), with 5-10 % less peak memory and
    // system time.
    let index_search = || {
        if !with_search {
            return Ok(());
        }
        let searched = timing::phase("search index", || write_search(project, &staging, &stop));
        if searched.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        searched
    };
    // The sitemap, feed and exports read only the project and the page
    // list: made beside the pages, not alone on one core after them, and
    // each written at once rather than held while the pages render.
    let write_feeds = || {
        feeds::each(project, &pages, |path, text| {
            staging.write(&path, text.as_bytes())
        })
    };
    let (rendered, (searched, fed)) =
        rayon::join(render_pages, || rayon::join(index_search, write_feeds));
    // The side that stopped because of the other reports the other's error.
    match (rendered, searched) {
        (Err(BuildError::Stopped), Err(search)) => return Err(search),
        (Err(render), _) => return Err(render),
        (Ok(()), searched) => searched?,
    }
    fed?;
    tally.print("render");
    timing::global().print("context");
    for (path, bytes) in published_assets(&theme, with_search) {
        staging.write(path, bytes)?;
    }
    let src = project.book.src_dir();
    project
        .book
        .assets
        .par_iter()
        .try_for_each(|rel| staging.copy(&asset_path(rel), &src.join(rel)))?;
    timing::phase("commit", || staging.commit())?;
    Ok(BuildReport {
        dest,
        pages: pages.len(),
        millis: started.elapsed().as_millis(),
    })
}

/// The search page's script among the theme's assets.
const SEARCH_SCRIPT: &str = "assets/search.js";

/// The theme's assets a site publishes: all but the search page's script
/// when the site has no search index (nor search page).
pub(crate) fn published_assets(
    theme: &Theme,
    search: bool,
) -> impl Iterator<Item = (&String, &Vec<u8>)> {
    theme
        .assets
        .iter()
        .filter(move |(path, _)| search || path.as_str() != SEARCH_SCRIPT)
}

/// Where the site keeps a copy of the book's file `rel` (relative to the
/// source directory): a picture or download documents link relatively.
pub fn asset_path(rel: &str) -> String {
    format!("{ASSETS_DIR}/{rel}")
}

/// The site's folder of the book's own files (see [`asset_path`]).
pub const ASSETS_DIR: &str = "files";

/// Index the site with Pagefind and write its files under `pagefind/`;
/// gives up, writing nothing, once `stop` is raised (the pages failed).
fn write_search(project: &Project, staging: &Staging, stop: &AtomicBool) -> Result<(), BuildError> {
    let records = timing::phase("  search records", || search::records(project));
    let files = search::index(project, records, stop)?;
    if stop.load(Ordering::Relaxed) {
        return Ok(());
    }
    // Thousands of files (each part's fragments and their offline twins).
    timing::phase("  write search files", || {
        files
            .par_iter()
            .try_for_each(|(path, bytes)| staging.write(path, bytes))
    })?;
    Ok(())
}
