//! `crosswalk serve`: build into memory, serve over HTTP, watch the book and
//! rebuild incrementally, and tell open pages to reload.
//!
//! Three threads of work: the HTTP server (tokio, axum), the watcher
//! (notify, debounced), and the rebuilder, which owns the [`state::LiveSite`]
//! behind a lock and broadcasts a reload after each rebuild. A rebuild that
//! finds check errors keeps the last good pages and publishes an overlay
//! with the diagnostics instead.

mod http;
pub mod search;
pub mod state;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use thiserror::Error;

use state::LiveSite;

/// Settings from the command line.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub open: bool,
    /// Poll the file system instead of native events (network and container
    /// file systems often deliver no events).
    pub poll: bool,
}

#[derive(Debug, Error)]
pub enum ServeError {
    #[error(transparent)]
    Load(#[from] crate::pipeline::PipelineError),
    #[error("cannot listen on {addr}: {source}{hint}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
        hint: &'static str,
    },
    #[error("cannot watch the book: {0}")]
    Watch(String),
    #[error("{0}")]
    Runtime(String),
}

/// Run the server until Ctrl-C.
pub fn run(options: ServeOptions) -> Result<(), ServeError> {
    let site = LiveSite::load(&options.root)?;
    // `[build] search = false`: pages show no search box, so no index.
    let site = if site.searchable() {
        site.with_search()
    } else {
        site
    };
    if let Some(summary) = site.error_summary() {
        eprintln!("{summary}");
    }
    let base_path = site.base_path().to_string();
    let shared = Arc::new(RwLock::new(site));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(options.bind, options.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr,
                hint: if source.kind() == std::io::ErrorKind::AddrInUse {
                    " (the port is taken: stop the other server or pass --port)"
                } else {
                    ""
                },
                source,
            })?;
        let local = listener
            .local_addr()
            .map_err(|e| ServeError::Runtime(e.to_string()))?;
        let (reload_tx, _) = tokio::sync::broadcast::channel::<u64>(16);
        let _watcher = watch::start(&options, Arc::clone(&shared), reload_tx.clone())?;
        let url = format!("http://{local}{base_path}");
        eprintln!(
            "serving {} at {url} (Ctrl-C to stop)",
            options.root.display()
        );
        if options.open {
            if let Err(err) = open::that_detached(&url) {
                eprintln!("warning: cannot open a browser: {err}");
            }
        }
        http::serve(listener, shared, reload_tx)
            .await
            .map_err(|e| ServeError::Runtime(e.to_string()))?;
        eprintln!("stopped");
        Ok(())
    })
}
