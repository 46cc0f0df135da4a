//! `crosswalk check`: the reviewer's command.

use std::path::PathBuf;

use super::{book_root, color, report_fatal, FAILURE, OK, PROBLEMS};
use crate::check::report::{self, Format};
use crate::pipeline::{CheckOptions, Project};

#[derive(clap::Args)]
pub struct Args {
    /// Book directory (holding book.toml); defaults to the current directory.
    book: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(args: Args) -> u8 {
    let root = book_root(args.book);
    let project = match Project::load(&root, &CheckOptions::default()) {
        Ok(p) => p,
        Err(err) => return report_fatal(&err, args.format),
    };
    let result = if args.format == Format::Human {
        report::print(
            &mut std::io::stderr(),
            &project.diagnostics,
            args.format,
            color(),
        )
    } else {
        report::print(
            &mut std::io::stdout(),
            &project.diagnostics,
            args.format,
            false,
        )
    };
    if let Err(err) = result {
        eprintln!("error: cannot write the report: {err}");
        return FAILURE;
    }
    let failed = project.error_count() > 0 || (args.deny_warnings && project.warning_count() > 0);
    if failed {
        PROBLEMS
    } else {
        OK
    }
}
