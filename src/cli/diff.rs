//! `crosswalk diff`: what a change does to the index, for a pull-request
//! comment (Markdown) or for tools (JSON, schema in HCB-0003).

use std::io::Write;
use std::path::PathBuf;

use super::{book_root, refuse_on_load_errors, report_fatal, FAILURE, OK};
use crate::check::report::Format;
use crate::pipeline::{CheckOptions, Project};
use crate::review::diff::{self, IndexDiff};
use crate::review::Baseline;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Markdown,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// The git revision to compare the working tree with (`origin/main`).
    #[arg(value_name = "GIT-REV")]
    rev: String,
    /// Book directory (holding book.toml); defaults to the current directory.
    book: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    format: DiffFormat,
}

pub fn run(args: Args) -> u8 {
    let root = book_root(args.book);
    let options = CheckOptions::default();
    let now = match Project::load(&root, &options) {
        Ok(p) => p,
        Err(err) => return report_fatal(&err, Format::Human),
    };
    if let Some(code) = refuse_on_load_errors(&now, "diff") {
        return code;
    }
    let base = match Baseline::load(&root, &args.rev, &options) {
        Ok(base) => base,
        Err(err) => {
            eprintln!("error: {err}");
            return FAILURE;
        }
    };
    // A base that does not load (its book.toml was broken, and this change
    // mends it) has nothing to compare with: everything shows as new, as
    // `check --changed-since` reports everything, and the diff job of the
    // pull request that fixes the book passes.
    let mut diff = IndexDiff::compute(&args.rev, base.project(), &now);
    if let Baseline::Broken(err) = &base {
        // In the output too: CI posts standard output as the comment, and a
        // wall of "added" needs its reason beside it.
        let note = format!(
            "the book at `{}` cannot be loaded ({err}); everything is shown as new",
            args.rev
        );
        eprintln!("note: {note}");
        diff.notes.push(note);
    }
    match write(&diff, args.format) {
        Ok(()) => OK,
        // `crosswalk diff REV | head` is not a failure.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => OK,
        Err(err) => {
            eprintln!("error: cannot write the diff: {err}");
            FAILURE
        }
    }
}

fn write(diff: &IndexDiff, format: DiffFormat) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        // Titles come from the book: printed, they must not drive a terminal.
        DiffFormat::Markdown => {
            out.write_all(crate::check::snippet::printable(&diff::markdown(diff)).as_bytes())
        }
        DiffFormat::Json => {
            let json = serde_json::to_string_pretty(diff).map_err(std::io::Error::other)?;
            writeln!(out, "{}", crate::check::snippet::printable(&json))
        }
    }
}
