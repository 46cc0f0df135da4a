//! The HTTP side of serve: files from memory, the reload event stream, and
//! the diagnostics overlay. The reload script is injected here, into served
//! HTML only; `build` output never contains it.

use std::sync::{Arc, PoisonError, RwLock};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;

use super::state::LiveSite;

/// Generation value that tells event streams to end (server shutting down).
pub const SHUTDOWN: u64 = u64::MAX;

#[derive(Clone)]
struct App {
    site: Arc<RwLock<LiveSite>>,
    reload: broadcast::Sender<u64>,
    /// Tells this server from the one before it on the same port: a page
    /// served by an earlier server reloads when it reconnects to this one.
    instance: Arc<str>,
}

impl App {
    /// What a page served now was built from: this server and its
    /// rebuild count. The page carries it, and the event stream says it
    /// again on every (re)connection.
    fn version(&self, generation: u64) -> String {
        format!("{}.{generation}", self.instance)
    }
}

/// The reload script. The browser reconnects an event stream by itself
/// after the server went away; the stream's first event says which build
/// it serves, so a page left open across a restart, or across a rebuild
/// that happened while it was loading, reloads instead of showing what
/// the book no longer says.
const LIVE_JS: &str = r#"(function () {
  "use strict";
  var script = document.currentScript;
  var shown = script && script.getAttribute("data-version");
  var source = new EventSource("/__crosswalk/events");
  source.addEventListener("hello", function (event) {
    if (event.data !== shown) { window.location.reload(); }
  });
  source.addEventListener("reload", function () { window.location.reload(); });
})();
"#;

const OVERLAY_CSS: &str = ".cw-overlay{position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:1000;background:#1b1f24;color:#f4f6f8;border-top:4px solid #ff8a80;padding:1rem 1.5rem;font:14px/1.45 ui-monospace,Menlo,Consolas,monospace}.cw-overlay h2{margin:0 0 .5rem;font:600 16px system-ui,sans-serif;color:#ff8a80}.cw-overlay pre{white-space:pre-wrap;margin:0;padding:0;border:0;background:#1b1f24;color:#f4f6f8;font:inherit}\n";

/// Serve until Ctrl-C (or SIGTERM), then end open event streams and stop.
pub async fn serve(
    listener: tokio::net::TcpListener,
    site: Arc<RwLock<LiveSite>>,
    reload: broadcast::Sender<u64>,
) -> std::io::Result<()> {
    let app = App {
        site,
        reload: reload.clone(),
        instance: instance_id().into(),
    };
    let router = Router::new()
        .route("/__crosswalk/events", get(events))
        .route(
            "/__crosswalk/live.js",
            get(|| async { text(LIVE_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/__crosswalk/overlay.css",
            get(|| async { text(OVERLAY_CSS, "text/css; charset=utf-8") }),
        )
        .fallback(get(file))
        .with_state(app);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = reload.send(SHUTDOWN);
        })
        .await
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn text(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// A server's instance id: the time it started, in nanoseconds, with its
/// process id. Two servers started one after the other differ.
fn instance_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}-{:x}", nanos, std::process::id())
}

async fn events(State(app): State<App>) -> impl IntoResponse {
    // Subscribed before the generation is read, so a rebuild in between
    // is not missed: it is announced as a reload.
    let updates = app.reload.subscribe();
    let current = {
        let site = app.site.read().unwrap_or_else(PoisonError::into_inner);
        site.generation
    };
    let hello = Event::default().event("hello").data(app.version(current));
    let reloads = BroadcastStream::new(updates)
        .filter_map(Result::ok)
        .take_while(|generation| *generation != SHUTDOWN)
        .map(move |generation| {
            Event::default()
                .event("reload")
                .data(app.version(generation))
        });
    let stream = tokio_stream::once(hello)
        .chain(reloads)
        .map(Ok::<_, std::convert::Infallible>);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Why a request path was refused.
#[derive(Debug, PartialEq)]
pub enum PathError {
    /// Outside the site's base path.
    NotUnderBase,
    /// `..`, an absolute path, a backslash or a NUL after decoding.
    Traversal,
}

/// Map a request path to a file of the site. Percent-decoding happens
/// before the checks, so `%2e%2e` is caught like `..`.
pub fn site_path(request_path: &str, base: &str) -> Result<String, PathError> {
    let rest = request_path.strip_prefix(base).or_else(|| {
        // `/hcb` for a base of `/hcb/`.
        (request_path == base.trim_end_matches('/')).then_some("")
    });
    let rest = rest.ok_or(PathError::NotUnderBase)?;
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .map_err(|_| PathError::Traversal)?;
    if decoded.starts_with('/') || decoded.contains('\\') || decoded.contains('\0') {
        return Err(PathError::Traversal);
    }
    if decoded
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Err(PathError::Traversal);
    }
    let mut path = decoded.into_owned();
    if path.is_empty() || path.ends_with('/') {
        path.push_str("index.html");
    }
    Ok(path)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn file(State(app): State<App>, uri: Uri) -> Response {
    let site = match app.site.read() {
        Ok(site) => site,
        Err(poisoned) => poisoned.into_inner(),
    };
    let base = site.base_path();
    let path = match site_path(uri.path(), &base) {
        Ok(path) => path,
        Err(PathError::NotUnderBase) if uri.path() == "/" => {
            return (StatusCode::FOUND, [(header::LOCATION, base)]).into_response();
        }
        Err(PathError::NotUnderBase) => return not_found(&app, &site),
        Err(PathError::Traversal) => {
            return (StatusCode::BAD_REQUEST, "refused: the path leaves the site").into_response();
        }
    };
    if site.file(&path).is_none() && site.file(&format!("{path}/index.html")).is_some() {
        let location = format!("{}/", uri.path());
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    match site.file(&path) {
        Some(bytes) => respond(&app, &site, &path, &bytes, StatusCode::OK),
        None => not_found(&app, &site),
    }
}

fn not_found(app: &App, site: &LiveSite) -> Response {
    match site.file("404.html") {
        Some(bytes) => respond(app, site, "404.html", &bytes, StatusCode::NOT_FOUND),
        // No good build yet (the book did not check when serve started):
        // a page that shows the problems and reloads once they are fixed,
        // rather than a bare "not found" that never does.
        None if site.overlay().is_some() => respond(
            app,
            site,
            "404.html",
            NO_SITE_YET.as_bytes(),
            StatusCode::NOT_FOUND,
        ),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// What every address shows before the book has built once.
const NO_SITE_YET: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>crosswalk: no site yet</title></head><body><main><h1>No site yet</h1><p>The book has not built since serve started: its problems are listed below. This page reloads when they are fixed.</p></main></body></html>";

fn respond(app: &App, site: &LiveSite, path: &str, bytes: &[u8], status: StatusCode) -> Response {
    let body = if path.ends_with(".html") {
        let version = app.version(site.generation);
        Body::from(inject(bytes, site.overlay(), &version))
    } else {
        Body::from(bytes.to_vec())
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Add the reload script (and the overlay, when the book does not check)
/// before `</body>`. `version` is the build the page comes from
/// ([`App::version`]).
pub fn inject(html: &[u8], overlay: Option<&str>, version: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let mut extra = String::new();
    if let Some(diagnostics) = overlay {
        extra.push_str("<link rel=\"stylesheet\" href=\"/__crosswalk/overlay.css\"><div class=\"cw-overlay\" role=\"alert\"><h2>crosswalk: the book does not check. These pages are the last good build.</h2><pre>");
        extra.push_str(&crate::site::theme::escape_html(diagnostics));
        extra.push_str("</pre></div>");
    }
    extra.push_str("<script src=\"/__crosswalk/live.js\" data-version=\"");
    extra.push_str(&crate::site::theme::escape_html(version));
    extra.push_str("\"></script>");
    match text.rfind("</body>") {
        Some(i) => format!("{}{extra}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{extra}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        assert_eq!(site_path("/", "/").unwrap(), "index.html");
        assert_eq!(
            site_path("/documents/", "/").unwrap(),
            "documents/index.html"
        );
        assert_eq!(site_path("/hcb/a.html", "/hcb/").unwrap(), "a.html");
        assert_eq!(site_path("/hcb", "/hcb/").unwrap(), "index.html");
        assert_eq!(site_path("/a%20b.html", "/").unwrap(), "a b.html");
        // Pages named in other scripts, as browsers request them
        // (percent-encoded UTF-8) and as a raw UTF-8 path.
        assert_eq!(
            site_path("/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E.html", "/").unwrap(),
            "tags/日本語.html"
        );
        assert_eq!(
            site_path("/hcb/tags/s%C3%A9curit%C3%A9.html", "/hcb/").unwrap(),
            "tags/sécurité.html"
        );
        assert_eq!(
            site_path("/tags/sécurité.html", "/").unwrap(),
            "tags/sécurité.html"
        );
        // Not UTF-8 once decoded: refused rather than guessed at.
        assert_eq!(
            site_path("/tags/%E6%97.html", "/"),
            Err(PathError::Traversal)
        );
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "//etc/passwd",
            "/%2fetc/passwd",
            "/a\\..\\b",
            "/%00",
            "/a/./b",
        ] {
            assert_eq!(site_path(bad, "/"), Err(PathError::Traversal), "{bad}");
        }
        assert_eq!(
            site_path("/other/x.html", "/hcb/"),
            Err(PathError::NotUnderBase)
        );
    }

    #[test]
    fn injection_only_adds_before_body_end() {
        let out = String::from_utf8(inject(
            b"<html><body><p>x</p></body></html>",
            Some("error[CW008] <bad>"),
            "1a2b-3c.7",
        ))
        .unwrap();
        assert!(out.contains("live.js\" data-version=\"1a2b-3c.7\"></script></body>"));
        assert!(out.contains("&lt;bad&gt;"));
    }
}
