//! `crosswalk build`: render the site.

use std::path::PathBuf;

use super::{book_root, print_human, release_at_exit, report_fatal, FAILURE, OK, PROBLEMS};
use crate::check::report::Format;
use crate::pipeline::{CheckOptions, Project};
use crate::site::{self, BuildError, BuildOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Book directory (holding book.toml); defaults to the current directory.
    book: Option<PathBuf>,
    /// Output directory (default: `[build] output` in book.toml, `site/`).
    #[arg(long)]
    dest: Option<PathBuf>,
    /// Skip the search index, for fast previews.
    #[arg(long)]
    no_search: bool,
    /// Where the site is published, instead of `[build] base-url`: a path
    /// (`/hcb/`) or a full address (`https://example.org/hcb/`), which gives
    /// the sitemap, the feed and canonical links absolute URLs.
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    base_url: Option<String>,
}

/// `--base-url`, refused (exit 2) as book.toml's `base-url` would be.
fn parse_base_url(url: &str) -> Result<String, String> {
    match crate::book::config::base_url_problem(url) {
        None => Ok(url.trim().to_string()),
        Some(problem) => Err(format!(
            "`{url}` {problem}; write a path such as \"/hcb/\" or a full address such as \"https://example.org/hcb/\""
        )),
    }
}

pub fn run(args: Args) -> u8 {
    let root = book_root(args.book);
    let mut project = match Project::load(&root, &CheckOptions::for_pages()) {
        Ok(p) => p,
        Err(err) => return report_fatal(&err, Format::Human),
    };
    if let Some(url) = args.base_url {
        project.book.config.build.base_url = url;
    }
    if !project.diagnostics.is_empty() {
        print_human(&project.diagnostics);
    }
    let options = BuildOptions {
        dest: args.dest,
        no_search: args.no_search,
    };
    let built = site::build(&project, &options);
    release_at_exit(project);
    match built {
        Ok(report) => {
            let index = report.dest.join("index.html");
            eprintln!(
                "built {} pages in {} ms: open {}",
                report.pages,
                report.millis,
                index.canonicalize().unwrap_or(index).display()
            );
            OK
        }
        Err(err @ BuildError::CheckFailed(_)) => {
            eprintln!("error: {err}; the previous site was left untouched");
            PROBLEMS
        }
        // A template of the book's that fails on a page: the book's error,
        // reported like `check`'s, at the template's line.
        Err(BuildError::Render { page, message }) => {
            match crate::check::theme::render_error(&root, &page, &message) {
                Some(diag) => {
                    print_human(&[diag]);
                    eprintln!(
                        "error: the site was not built; the previous site was left untouched"
                    );
                    PROBLEMS
                }
                None => {
                    eprintln!(
                        "error: cannot render {page}: {message}; the previous site was left untouched"
                    );
                    FAILURE
                }
            }
        }
        Err(err) => {
            eprintln!("error: {err}; the previous site was left untouched");
            FAILURE
        }
    }
}
