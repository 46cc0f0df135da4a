//! `crosswalk check`: the reviewer's command.

use std::path::PathBuf;

use super::{book_root, color, report_fatal_in, FAILURE, OK, PROBLEMS};
use crate::check::report::{self, Format};
use crate::diagnostic::{Diagnostic, Severity};
use crate::pipeline::{CheckOptions, Project};
use crate::review::{self, Baseline};

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
    /// Report only problems the working tree's changes since this git
    /// revision are responsible for: every problem in an added or modified
    /// file, and new problems elsewhere (an id removed but still cited).
    #[arg(long, value_name = "GIT-REV")]
    changed_since: Option<String>,
}

pub fn run(args: Args) -> u8 {
    let root = book_root(args.book);
    // Machine reports for CI name files from the repository's top.
    let prefix = match args.format {
        Format::Github | Format::Sarif => {
            review::git::book_dir_in_repository(&root).unwrap_or_default()
        }
        Format::Human | Format::Json => String::new(),
    };
    let options = CheckOptions {
        without_index: true,
        ..CheckOptions::default()
    };
    let project = match Project::load(&root, &options) {
        Ok(p) => p,
        Err(err) => return report_fatal_in(&err, args.format, &prefix),
    };
    let diagnostics = match &args.changed_since {
        None => project.diagnostics.clone(),
        Some(rev) => match changed_since(&project, &root, rev, &options) {
            Ok(d) => d,
            Err(err) => {
                eprintln!("error: {err}");
                return FAILURE;
            }
        },
    };
    super::release_at_exit(project);
    match print(&diagnostics, args.format, &prefix) {
        // `check | head` (or a CI step that stops reading): the verdict
        // still stands and is the exit code.
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the report: {err}");
            return FAILURE;
        }
        _ => {}
    }
    exit_code(&diagnostics, args.deny_warnings)
}

/// The problems the change since `rev` is responsible for. A base that
/// cannot be loaded leaves every problem in, with a note saying why, so a
/// broken base never hides a problem.
fn changed_since(
    project: &Project,
    root: &std::path::Path,
    rev: &str,
    options: &CheckOptions,
) -> Result<Vec<Diagnostic>, review::GitError> {
    let base = Baseline::load(root, rev, options)?;
    if let Baseline::Broken(err) = &base {
        eprintln!("note: the book at `{rev}` cannot be loaded ({err}); reporting every problem");
    }
    Ok(review::changed_since(project, &base))
}

/// Human reports go to stderr (they are for people); machine formats go to
/// stdout so they can be piped or redirected to a file.
fn print(diagnostics: &[Diagnostic], format: Format, prefix: &str) -> std::io::Result<()> {
    if format == Format::Human {
        report::print(&mut std::io::stderr(), diagnostics, format, color(), prefix)
    } else {
        report::print(&mut std::io::stdout(), diagnostics, format, false, prefix)
    }
}

fn exit_code(diagnostics: &[Diagnostic], deny_warnings: bool) -> u8 {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let failed = count(Severity::Error) > 0 || (deny_warnings && count(Severity::Warning) > 0);
    if failed {
        PROBLEMS
    } else {
        OK
    }
}
