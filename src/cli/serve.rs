//! `crosswalk serve`: the author's live preview.

use std::net::IpAddr;
use std::path::PathBuf;

use super::{book_root, print_human, FAILURE, OK};
use crate::serve::{self, ServeError, ServeOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Book directory (holding book.toml); defaults to the current directory.
    book: Option<PathBuf>,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 3000)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    open: bool,
    /// Poll for changes instead of using native file events (for network and
    /// container file systems).
    #[arg(long)]
    poll: bool,
}

pub fn run(args: Args) -> u8 {
    let options = ServeOptions {
        root: book_root(args.book),
        bind: args.bind,
        port: args.port,
        open: args.open,
        poll: args.poll,
    };
    match serve::run(options) {
        Ok(()) => OK,
        Err(ServeError::Load(err)) => {
            let diags = err.diagnostics();
            if diags.is_empty() {
                eprintln!("error: {err}");
            } else {
                print_human(&diags);
            }
            FAILURE
        }
        Err(err) => {
            eprintln!("error: {err}");
            FAILURE
        }
    }
}
