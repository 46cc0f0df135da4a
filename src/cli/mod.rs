//! The command line: one file per command. Each returns an exit code:
//! 0 success, 1 the book has problems, 2 usage or configuration failure.

mod build;
mod catalogs;
mod check;
mod coverage;
mod diff;
mod new;
mod refs;
mod serve;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::check::report::{self, Format};
use crate::pipeline::PipelineError;

#[derive(Parser)]
#[command(
    name = "crosswalk",
    version,
    about = "Compile a book of security governance documents into a site indexed by controls and ATT&CK techniques"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build into memory, serve on localhost, rebuild on every save and reload open pages.
    Serve(serve::Args),
    /// Check every document and reference; report all problems at once.
    Check(check::Args),
    /// Build the static site (refuses on check errors).
    Build(build::Args),
    /// Create the next free document from a template.
    New(new::Args),
    /// What the working tree changes in the index since a git revision.
    Diff(diff::Args),
    /// Coverage of a framework (or ATT&CK) by the book, with the gaps.
    Coverage(coverage::Args),
    /// Everything that points at a document, control or technique, and back.
    Refs(refs::Args),
    /// List the loaded frameworks, ATT&CK domains and mapping sets.
    Catalogs(catalogs::Args),
}

/// Entry point used by `main.rs`. `before_one_shot` runs before every
/// command but `serve`, once the command line is read: the binary tunes its
/// allocator for a process that exits when done.
pub fn main(before_one_shot: fn()) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if !matches!(cli.command, Command::Serve(_)) {
        before_one_shot();
    }
    let code = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Check(args) => check::run(args),
        Command::Build(args) => build::run(args),
        Command::New(args) => new::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Coverage(args) => coverage::run(args),
        Command::Refs(args) => refs::run(args),
        Command::Catalogs(args) => catalogs::run(args),
    };
    ExitCode::from(code)
}

/// Exit codes.
pub const OK: u8 = 0;
pub const PROBLEMS: u8 = 1;
pub const FAILURE: u8 = 2;

/// The book root given on the command line (default: current directory).
fn book_root(book: Option<PathBuf>) -> PathBuf {
    book.unwrap_or_else(|| PathBuf::from("."))
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Report a pipeline failure (bad book.toml, missing directory) and return 2.
/// Print `diagnostics` to standard error as `check` does by default
/// (human, coloured on a terminal), with its summary line; a write error
/// on stderr is ignored, as there is nowhere left to say it.
fn print_human(diagnostics: &[crate::diagnostic::Diagnostic]) {
    let _ = report::print(
        &mut std::io::stderr(),
        diagnostics,
        Format::Human,
        color(),
        "",
    );
}

fn report_fatal(err: &PipelineError, format: Format) -> u8 {
    report_fatal_in(err, format, "")
}

/// [`report_fatal`] for a book at `repository_prefix` in its repository
/// (see `report::print`).
fn report_fatal_in(err: &PipelineError, format: Format, repository_prefix: &str) -> u8 {
    let diags = err.diagnostics();
    if diags.is_empty() {
        eprintln!("error: {err}");
    } else if format == Format::Human {
        print_human(&diags);
    } else {
        let _ = report::print(
            &mut std::io::stdout(),
            &diags,
            format,
            false,
            repository_prefix,
        );
    }
    FAILURE
}

/// Refuse to answer from a book `check` finds errors in, after printing
/// what `check` prints (its warnings too, and its summary line, so the
/// counts agree with it): a document that fails to load is missing from the
/// index, and a reference that does not resolve is left out of it, so
/// `coverage` and `refs` would report gaps that are not there, with a
/// success status a script would trust. `None` when the book is clean
/// enough (warnings are fine).
fn refuse_on_errors(project: &crate::pipeline::Project, command: &str) -> Option<u8> {
    let errors = project.error_count();
    if errors == 0 {
        return None;
    }
    print_human(&project.diagnostics);
    Some(refusal(errors, command, "may leave part of the index out"))
}

/// Refuse to compare a book with documents that could not be loaded:
/// `diff` would report them removed. Other errors are the change's own
/// findings, which `diff` is run beside (`check` reports them), so only
/// the load errors are printed, without `check`'s summary line, which would
/// count them as all the book's problems; the refusal counts them.
fn refuse_on_load_errors(project: &crate::pipeline::Project, command: &str) -> Option<u8> {
    let errors: Vec<_> = project.load_errors().into_iter().cloned().collect();
    if errors.is_empty() {
        return None;
    }
    let _ = report::human_without_summary(&mut std::io::stderr(), &errors, color());
    Some(refusal(
        errors.len(),
        command,
        "would keep documents out of the index",
    ))
}

/// Say why `command` does not answer, after the `n` errors it printed.
fn refusal(n: usize, command: &str, effect: &str) -> u8 {
    eprintln!(
        "error: `{command}` answers from the whole index, and the {n} error{} above {effect}; fix {} (`crosswalk check` lists every problem) and run it again",
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" },
    );
    PROBLEMS
}

/// Leave a loaded project for the operating system to reclaim at exit.
/// Freeing it piece by piece (hundreds of thousands of allocations at
/// 10,000 documents, on one thread) only delays the exit once the command's
/// work is done. For the one-shot commands, never for `serve`.
pub(crate) fn release_at_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Write a command's answer to standard output. A reader that closed it
/// early (`crosswalk refs HCB-0010 | head -1`) has all it wanted: that ends
/// the command quietly with success, as it would for any Unix filter,
/// rather than with exit 2 and no word (or 0, depending on how much fitted
/// in the pipe before `head` left). Any other write error is said, exit 2.
/// For every command that prints an answer (`refs`, `coverage`,
/// `catalogs`).
pub(crate) fn print_stdout(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    // Titles, notes and catalog text come from the book and its files: a
    // terminal must not obey what they hold.
    let text = crate::check::snippet::printable(text);
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => OK,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => OK,
        Err(err) => {
            eprintln!("error: cannot write the answer: {err}");
            FAILURE
        }
    }
}
