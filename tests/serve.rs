//! `serve`: incremental rebuilds equal full builds, and the real server
//! watches, rebuilds, shows an overlay on errors and refuses traversal.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crosswalk::pipeline::{CheckOptions, Project};
use crosswalk::serve::state::LiveSite;
use crosswalk::site::live;

fn fixture_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let target = tmp.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    tmp
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Apply a file change to the live site the way the watcher would.
fn apply(site: &mut LiveSite, path: &Path) {
    let change = site.classify(&[path.to_path_buf()]);
    site.apply(change);
}

/// What a project reports, comparable across loads.
type Finding = (
    String,
    String,
    Option<String>,
    Option<std::ops::Range<usize>>,
);

fn diagnostics(project: &Project) -> Vec<Finding> {
    project
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.to_string(),
                d.message.clone(),
                d.file_name(),
                d.location.as_ref().map(|l| l.span.clone()),
            )
        })
        .collect()
}

fn assert_equals_full_build(site: &LiveSite, root: &Path, step: &str) {
    assert!(
        site.overlay().is_none(),
        "{step}: unexpected overlay {:?}",
        site.overlay()
    );
    let project = Project::load(root, &CheckOptions::default()).unwrap();
    assert_eq!(
        diagnostics(site.project()),
        diagnostics(&project),
        "{step}: same findings as a fresh load"
    );
    let full = live::render_all(&project).unwrap();
    let incremental = site.files();
    let full_keys: Vec<_> = full.keys().collect();
    let inc_keys: Vec<_> = incremental.keys().collect();
    assert_eq!(inc_keys, full_keys, "{step}: same set of files");
    for (path, bytes) in &full {
        assert!(
            incremental[path] == *bytes,
            "{step}: {path} differs from a full build"
        );
    }
}

#[test]
fn a_sequence_of_incremental_updates_equals_a_full_build() {
    let tmp = fixture_copy();
    let root = tmp.path();
    let docs = root.join("docs");
    let mut site = LiveSite::load(root).unwrap();
    assert_equals_full_build(&site, root, "initial");

    let arch = docs.join("architecture-operations/0003-backup-architecture.md");
    edit(
        &arch,
        "title = \"Ransomware-resilient backup\"",
        "title = \"Ransomware-proof backup\"",
    );
    apply(&mut site, &arch);
    assert_equals_full_build(&site, root, "title change");

    // Prose only: summary and citation-dependent pages are left alone.
    edit(
        &arch,
        "Three copies, one immutable.",
        "Three copies, one of them immutable.",
    );
    apply(&mut site, &arch);
    assert_equals_full_build(&site, root, "body-only edit");

    // Prose only, but a heading another document links to goes: the
    // finding lands in the linking document, as a fresh load says.
    let process = docs.join("governance/0001-process.md");
    edit(
        &process,
        "## Statuses {#lifecycle}",
        "## Statuses {#states}",
    );
    apply(&mut site, &process);
    let fresh = Project::load(root, &CheckOptions::default()).unwrap();
    assert_eq!(diagnostics(site.project()), diagnostics(&fresh));
    assert!(site.project().diagnostics.iter().any(|d| d.code == "CW015"));
    edit(
        &process,
        "## Statuses {#states}",
        "## Statuses {#lifecycle}",
    );
    apply(&mut site, &process);
    assert_equals_full_build(&site, root, "anchor restored");

    let playbook = docs.join("architecture-operations/0005-playbook.md");
    edit(
        &playbook,
        "status = \"draft\"",
        "status = \"active\"\ntags = [\"restore\"]",
    );
    apply(&mut site, &playbook);
    assert_equals_full_build(&site, root, "status and tag change");

    let example = docs.join("architecture-operations/0004-backup-example.md");
    edit(
        &example,
        "techniques = [\"T0816\"]",
        "techniques = [\"T0816\", \"T1566.001\"]",
    );
    apply(&mut site, &example);
    assert_equals_full_build(&site, root, "technique added");

    edit(&arch, "\"800-53:CP-9\", ", "");
    apply(&mut site, &arch);
    assert_equals_full_build(&site, root, "control removed");

    let added = docs.join("governance/0006-new.md");
    std::fs::write(&added, "+++\nid = \"HCB-0006\"\ntitle = \"New\"\nkind = \"guidance\"\nstatus = \"draft\"\nversion = \"0.1\"\ncreated = 2026-05-01\nrelated = [\"HCB-0001\"]\ntags = [\"fresh\"]\n+++\nSee [[HCB-0003]].\n").unwrap();
    apply(&mut site, &added);
    assert_equals_full_build(&site, root, "document added");

    // An error keeps the last good pages and shows an overlay...
    edit(
        &example,
        "related = [\"HCB-0005\"]",
        "related = [\"HCB-0099\"]",
    );
    apply(&mut site, &example);
    assert!(
        site.overlay().is_some_and(|o| o.contains("CW012")),
        "overlay names the problem"
    );
    // ...a change made while broken is still rendered once fixed.
    edit(&example, "related = [\"HCB-0099\"]", "");
    apply(&mut site, &example);
    assert_equals_full_build(&site, root, "fixed after an error, relation removed");

    std::fs::remove_file(&playbook).unwrap();
    apply(&mut site, &playbook);
    assert_equals_full_build(&site, root, "document deleted");

    std::fs::write(
        root.join("theme/templates/404.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>Gone</h1>{% endblock content %}",
    )
    .unwrap();
    apply(&mut site, &root.join("theme/templates/404.html"));
    assert_equals_full_build(&site, root, "theme change rebuilds all");
    assert!(String::from_utf8_lossy(&site.files()["404.html"]).contains("Gone"));
}

/// A running `crosswalk serve` on a free port.
struct Server {
    child: Child,
    base: String,
    /// The server's log after its address line.
    log: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(root: &Path, extra: &[&str]) -> Server {
        let any_port: &[&str] = if extra.contains(&"--port") {
            &[]
        } else {
            &["--port", "0"]
        };
        // The child is waited for in `stop` or killed and reaped in `Drop`.
        #[allow(clippy::zombie_processes)]
        let mut child = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
            .arg("serve")
            .arg(root)
            .args(any_port)
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("serve printed its address");
            if let Some(url) = line.split(" at ").nth(1).and_then(|s| s.split(' ').next()) {
                return Server {
                    child,
                    base: url.trim_end_matches('/').to_string(),
                    log: rx,
                };
            }
        }
    }

    /// The log lines printed since the last call.
    fn log_lines(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }

    /// `127.0.0.1:PORT`
    fn addr(&self) -> String {
        let rest = self.base.trim_start_matches("http://");
        rest.split('/').next().unwrap_or(rest).to_string()
    }

    /// The site's base path on the server (`/hcb` for the fixture book).
    fn prefix(&self) -> String {
        let rest = self.base.trim_start_matches("http://");
        rest.find('/')
            .map_or(String::new(), |i| rest[i..].to_string())
    }

    fn get(&self, path: &str) -> (u16, String) {
        match ureq::get(&format!("{}{path}", self.base))
            .config()
            .http_status_as_error(false)
            .build()
            .call()
        {
            Ok(mut response) => {
                let status = response.status().as_u16();
                (
                    status,
                    response.body_mut().read_to_string().unwrap_or_default(),
                )
            }
            Err(err) => panic!("GET {path}: {err}"),
        }
    }

    /// Poll until `check` accepts the page (the watcher is asynchronous).
    fn wait_for(&self, path: &str, what: &str, check: impl Fn(u16, &str) -> bool) -> String {
        // Generous: a loaded CI machine indexes search in the background
        // while the other tests of this file run.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, body) = self.get(path);
            if check(status, &body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} (last status {status})"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Send a raw request line (clients normalise `..`, so tests of
    /// traversal must not use one).
    fn raw(&self, target: &str) -> String {
        let mut stream = TcpStream::connect(self.addr()).unwrap();
        let target = format!("{}{target}", self.prefix());
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
    }

    fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not shut down on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_server_rebuilds_on_change_add_and_delete_and_shows_errors() {
    let tmp = fixture_copy();
    let root: PathBuf = tmp.path().to_path_buf();
    let server = Server::start(&root, &[]);
    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    assert!(
        home.contains("/__crosswalk/live.js"),
        "reload script injected by serve"
    );
    // The search index comes from a background thread, after the pages.
    let page_count = |entry: &str| -> u64 {
        let json: serde_json::Value = serde_json::from_str(entry).unwrap_or_default();
        json["languages"]["en"]["page_count"].as_u64().unwrap_or(0)
    };
    let entry = server.wait_for("/pagefind/pagefind-entry.json", "search index", |s, b| {
        s == 200 && page_count(b) > 0
    });
    let indexed = page_count(&entry);
    let (status, _) = server.get("/pagefind/pagefind.js");
    assert_eq!(status, 200);

    let arch = root.join("docs/architecture-operations/0003-backup-architecture.md");
    edit(
        &arch,
        "Three copies, one immutable.",
        "Three copies, one immutable, one offline.",
    );
    server.wait_for("/documents/hcb-0003.html", "changed document", |s, b| {
        s == 200 && b.contains("one offline")
    });

    let added = root.join("docs/governance/0007-added.md");
    std::fs::write(&added, "+++\nid = \"HCB-0007\"\ntitle = \"Added while serving\"\nkind = \"guidance\"\nstatus = \"draft\"\nversion = \"0.1\"\ncreated = 2026-05-01\n+++\nHello.\n").unwrap();
    server.wait_for("/documents/hcb-0007.html", "added document", |s, b| {
        s == 200 && b.contains("Added while serving")
    });
    server.wait_for("/documents/index.html", "index lists it", |_, b| {
        b.contains("HCB-0007")
    });
    server.wait_for(
        "/pagefind/pagefind-entry.json",
        "search indexes it",
        |_, b| page_count(b) == indexed + 1,
    );

    std::fs::remove_file(&added).unwrap();
    server.wait_for("/documents/hcb-0007.html", "deleted document", |s, _| {
        s == 404
    });

    edit(
        &arch,
        "kind = \"reference-architecture\"",
        "kind = \"reference-archtecture\"",
    );
    // std::fs::write truncates first: a rebuild may read the empty file and
    // show its error (CW002) before the write's own event brings CW008.
    let broken = server.wait_for("/documents/hcb-0003.html", "error overlay", |_, b| {
        b.contains("cw-overlay") && b.contains("CW008")
    });
    assert!(
        broken.contains("one offline"),
        "overlay with diagnostics over the last good page"
    );
    edit(
        &arch,
        "kind = \"reference-archtecture\"",
        "kind = \"reference-architecture\"",
    );
    server.wait_for("/documents/hcb-0003.html", "overlay cleared", |s, b| {
        s == 200 && !b.contains("cw-overlay")
    });

    let (status, css) = server.get("/assets/style.css");
    assert_eq!(status, 200);
    assert!(css.contains("--bg"));
    for attempt in [
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/documents/%2E%2E/%2E%2E/book.toml",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/..%2fbook.toml",
    ] {
        let response = server.raw(attempt);
        assert!(
            response.starts_with("HTTP/1.1 400"),
            "{attempt} refused: {response}"
        );
        assert!(
            !response.contains("[book]") && !response.contains("root:"),
            "{attempt} leaked a file"
        );
    }
    let headers = server.raw("/assets/style.css");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-type: text/css"),
        "{headers}"
    );

    let status = server.stop();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
}

/// serve watches the book's inputs, not its whole root: a `theme/` made
/// while serving is watched from then on, and what was written into it
/// before its watch began is read too.
#[test]
fn a_theme_made_while_serving_is_watched() {
    let tmp = fixture_copy();
    let root: PathBuf = tmp.path().to_path_buf();
    std::fs::remove_dir_all(root.join("theme")).unwrap();
    let server = Server::start(&root, &[]);
    let templates = root.join("theme/templates");
    std::fs::create_dir_all(&templates).unwrap();
    let page = |text: &str| format!("<!DOCTYPE html><html><body><p>{text}</p></body></html>");
    std::fs::write(templates.join("404.html"), page("first override")).unwrap();
    server.wait_for("/404.html", "the new theme", |_, b| {
        b.contains("first override")
    });
    std::fs::write(templates.join("404.html"), page("second override")).unwrap();
    server.wait_for("/404.html", "a change inside it", |_, b| {
        b.contains("second override")
    });
    assert!(server.stop().success());
}

/// The background index follows book.toml: set `search-shards` while
/// serving and the next index comes in that many parts.
#[test]
fn search_parts_follow_book_toml_while_serving() {
    let tmp = fixture_copy();
    let root = tmp.path();
    let config = root.join("book.toml");
    let set_parts = |parts: usize| {
        let text = std::fs::read_to_string(&config).unwrap();
        let text: String = text
            .lines()
            .filter(|l| !l.starts_with("search-shards"))
            .map(|l| format!("{l}\n"))
            .collect();
        let setting = format!("[build]\nsearch-shards = {parts}");
        let text = if text.contains("[build]") {
            text.replace("[build]", &setting)
        } else {
            format!("{text}\n{setting}\n")
        };
        std::fs::write(&config, text).unwrap();
    };
    set_parts(1);
    let mut site = LiveSite::load(root).unwrap().with_search();
    let shards_script = |site: &LiveSite| {
        site.file("pagefind/shards.js")
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    };
    let wait = |site: &LiveSite, what: &str, check: &dyn Fn(&str) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !shards_script(site).is_some_and(|s| check(&s)) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait(&site, "an index in one part", &|s| s.contains("= [];"));
    set_parts(2);
    apply(&mut site, &config);
    wait(&site, "an index in two parts", &|s| {
        s.contains("\"shard-1/\"")
    });
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let tmp = fixture_copy();
    let out = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .arg("serve")
        .arg(tmp.path())
        .args(["--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("port is taken"), "{stderr}");
}

/// Regression: inotify reports opens of existing directories, and the
/// rebuild itself opens them; treating those as structural changes made
/// serve rebuild everything in a loop.
#[test]
fn an_event_on_an_existing_directory_is_not_a_change() {
    use crosswalk::serve::state::Change;
    let tmp = fixture_copy();
    let site = LiveSite::load(tmp.path()).unwrap();
    let dir = tmp.path().join("docs/architecture-operations");
    assert_eq!(site.classify(std::slice::from_ref(&dir)), Change::Nothing);
    assert_eq!(
        site.classify(&[tmp.path().join("docs")]),
        Change::Nothing,
        "an open of the source directory itself"
    );
    // Regression: reading the theme opens its directories, and reading any
    // file is reported too; neither is a change (serve rebuilt everything in
    // a loop). A real edit still is.
    let templates = tmp.path().join("theme/templates");
    if templates.is_dir() {
        assert_eq!(
            site.classify(std::slice::from_ref(&templates)),
            Change::Nothing
        );
    }
    let config = tmp.path().join("book.toml");
    assert_eq!(
        site.classify(std::slice::from_ref(&config)),
        Change::Nothing,
        "book.toml only read"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n")).unwrap();
    assert_eq!(
        site.classify(std::slice::from_ref(&config)),
        Change::Everything,
        "book.toml edited"
    );
    // Regression: an editor's temporary file (sed -i writes `sedXXXXXX`,
    // vim probes with `4913`) that is gone by the time the event arrives is
    // not a vanished directory: it made serve rebuild everything per save.
    let probe = tmp.path().join("docs/governance/4913");
    assert_eq!(site.classify(&[probe]), Change::Nothing);
    let moved_in = tmp.path().join("docs/new-area");
    std::fs::create_dir(&moved_in).unwrap();
    std::fs::write(moved_in.join("0090-new.md"), "+++\n+++\n").unwrap();
    assert_eq!(
        site.classify(std::slice::from_ref(&moved_in)),
        Change::Documents(vec!["new-area/0090-new.md".into()]),
        "a directory moved in brings its documents"
    );
    let held: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            format!(
                "architecture-operations/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .filter(|r| r.ends_with(".md"))
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    let Change::Documents(gone) = site.classify(&[dir]) else {
        panic!("a vanished directory takes its documents with it");
    };
    let mut held = held;
    held.sort();
    assert_eq!(
        gone, held,
        "a vanished directory takes its documents with it"
    );
}

/// A picture added while serving is served from the book's folder, and
/// the link to it checks once it exists.
#[test]
fn a_picture_added_while_serving_is_served_and_checks() {
    use crosswalk::serve::state::Change;
    let tmp = fixture_copy();
    let mut site = LiveSite::load(tmp.path()).unwrap();
    let doc = std::fs::read_dir(tmp.path().join("docs/governance"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .expect("a governance document");
    let text = std::fs::read_to_string(&doc).unwrap();
    std::fs::write(&doc, format!("{text}\n![diagram](img/zones.png)\n")).unwrap();
    apply(&mut site, &doc);
    assert!(
        diagnostics(site.project())
            .iter()
            .any(|(code, message, ..)| code == "CW014" && message.contains("img/zones.png")),
        "a missing picture is a broken link"
    );
    let picture = tmp.path().join("docs/governance/img/zones.png");
    std::fs::create_dir_all(picture.parent().unwrap()).unwrap();
    std::fs::write(&picture, b"\x89PNG fake").unwrap();
    let change = site.classify(std::slice::from_ref(&picture));
    assert_eq!(change, Change::Everything);
    site.apply(change);
    let broken: Vec<_> = diagnostics(site.project())
        .into_iter()
        .filter(|(code, ..)| code == "CW014")
        .collect();
    assert!(
        broken.is_empty(),
        "the link checks once the picture exists: {broken:?}"
    );
    assert_eq!(
        site.file("files/governance/img/zones.png").as_deref(),
        Some(&b"\x89PNG fake"[..])
    );
    std::fs::write(&picture, b"changed").unwrap();
    assert_eq!(
        site.classify(std::slice::from_ref(&picture)),
        Change::Nothing,
        "a changed picture is read when asked for"
    );
    assert_eq!(
        site.file("files/governance/img/zones.png").as_deref(),
        Some(&b"changed"[..])
    );
    assert!(site.file("files/governance/img/none.png").is_none());
    let source = doc.strip_prefix(tmp.path().join("docs")).unwrap();
    assert!(
        site.file(&format!("files/{}", source.display())).is_none(),
        "the Markdown sources are not served"
    );
}

/// The records serve keeps for its background search index are those a
/// fresh load gives, after prose, front-matter and structural changes.
#[test]
fn search_records_follow_every_kind_of_change() {
    use crosswalk::site::search;
    let tmp = fixture_copy();
    let root = tmp.path();
    let mut site = LiveSite::load(root).unwrap().with_search();
    let same = |site: &LiveSite, step: &str| {
        let fresh = Project::load(root, &CheckOptions::default()).unwrap();
        let expected = search::records(&fresh);
        let kept: Vec<search::Record> = site.search_records().into_iter().cloned().collect();
        assert!(kept == expected, "{step}: records differ from a fresh load");
    };
    same(&site, "initial");
    let arch = root.join("docs/architecture-operations/0003-backup-architecture.md");
    edit(
        &arch,
        "Three copies, one immutable.",
        "Three copies, one of them immutable.",
    );
    apply(&mut site, &arch);
    same(&site, "prose");
    edit(
        &arch,
        "title = \"Ransomware-resilient backup\"",
        "title = \"Ransomware-proof backup\"",
    );
    apply(&mut site, &arch);
    same(&site, "title");
    let added = root.join("docs/governance/0007-added.md");
    std::fs::write(&added, "+++\nid = \"HCB-0007\"\ntitle = \"Added\"\nkind = \"guidance\"\nstatus = \"draft\"\nversion = \"0.1\"\ncreated = 2026-05-01\ncontrols = [\"CSF2:PR.DS-11\"]\n+++\nHello.\n").unwrap();
    apply(&mut site, &added);
    same(&site, "document added");
}

/// Tags that share a page (`Ransomware` and `ransomware`) and tags in other
/// scripts: the incremental rule re-renders the shared page whoever
/// changes, and the server answers a page named in another script when
/// asked the way browsers ask (percent-encoded UTF-8).
#[test]
fn tag_pages_shared_or_named_in_other_scripts_are_served() {
    let tmp = fixture_copy();
    let root = tmp.path();
    let docs = root.join("docs");
    let mut site = LiveSite::load(root).unwrap();
    let process = docs.join("governance/0001-process.md");
    edit(
        &process,
        "tags = [\"process\"]",
        "tags = [\"process\", \"Ransomware\", \"日本語\"]",
    );
    apply(&mut site, &process);
    assert_equals_full_build(&site, root, "a tag sharing a page, one in Japanese");
    let shared =
        String::from_utf8(site.file("tags/ransomware.html").unwrap().into_owned()).unwrap();
    assert!(
        shared.contains("HCB-0001") && shared.contains("HCB-0003"),
        "{shared}"
    );
    assert!(site.file("tags/日本語.html").is_some());
    assert!(site.project().diagnostics.iter().any(|d| d.code == "CW031"));
    // The page's name comes from the first spelling: the other document
    // changing its spelling renames it.
    let arch = docs.join("architecture-operations/0003-backup-architecture.md");
    edit(&arch, "\"ransomware\"]", "\"RANSOMWARE\"]");
    apply(&mut site, &arch);
    assert_equals_full_build(&site, root, "the other spelling changed");
    edit(&process, ", \"Ransomware\"", "");
    apply(&mut site, &process);
    assert_equals_full_build(&site, root, "one spelling left");
    let alone = String::from_utf8(site.file("tags/ransomware.html").unwrap().into_owned()).unwrap();
    assert!(
        alone.contains("Tag: RANSOMWARE") && !alone.contains("HCB-0001"),
        "{alone}"
    );
    drop(site);

    let server = Server::start(root, &[]);
    let (status, page) = server.get("/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E.html");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("HCB-0001"), "{page}");
    let response = server.raw("/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E.html");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let status = server.stop();
    assert!(status.success(), "{status:?}");
}

/// Regression: `[build] search` turned off or on while serving left the
/// served site unlike a build's (a search page with no index; no index
/// when turned on). The search page, its script and the index follow.
#[test]
fn search_follows_book_toml_on_and_off_while_serving() {
    let tmp = fixture_copy();
    let root = tmp.path();
    let config = root.join("book.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let set_search = |on: bool| {
        let setting = format!("[build]\nsearch = {on}");
        let text = if original.contains("[build]") {
            original.replace("[build]", &setting)
        } else {
            format!("{original}\n{setting}\n")
        };
        std::fs::write(&config, text).unwrap();
    };
    let mut site = LiveSite::load(root).unwrap().with_search();
    assert!(site.file("search.html").is_some());
    set_search(false);
    apply(&mut site, &config);
    assert_equals_full_build(&site, root, "search turned off");
    assert!(site.file("search.html").is_none());
    assert!(site.file("assets/search.js").is_none());
    assert!(site.file("pagefind/pagefind.js").is_none());
    set_search(true);
    apply(&mut site, &config);
    assert_equals_full_build(&site, root, "search turned on");
    assert!(site.file("search.html").is_some());
    let deadline = Instant::now() + Duration::from_secs(60);
    while site.file("pagefind/pagefind.js").is_none() {
        assert!(Instant::now() < deadline, "timed out waiting for the index");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Regression: the source directory moved away while serving gave an
/// empty site with no error; it is CW039 over the last good pages, as
/// check and build say, and the pages come back with it.
#[test]
fn a_source_directory_gone_while_serving_is_an_error_not_an_empty_site() {
    let tmp = fixture_copy();
    let root = tmp.path();
    let docs = root.join("docs");
    let mut site = LiveSite::load(root).unwrap();
    let documents = site
        .files()
        .keys()
        .filter(|k| k.starts_with("documents/"))
        .count();
    let away = root.join("elsewhere");
    std::fs::rename(&docs, &away).unwrap();
    apply(&mut site, &docs);
    let overlay = site.overlay().expect("an error over the pages");
    assert!(overlay.contains("CW039"), "{overlay}");
    assert_eq!(
        site.files()
            .keys()
            .filter(|k| k.starts_with("documents/"))
            .count(),
        documents,
        "the last good pages stay"
    );
    std::fs::rename(&away, &docs).unwrap();
    apply(&mut site, &docs);
    assert_equals_full_build(&site, root, "source directory back");
}

/// Regression: a book that did not check when serve started answered a
/// bare "not found" with no reload script, so the tab stayed on it after
/// the fix. It shows the problems, then the site once they are fixed.
#[test]
fn a_book_broken_at_start_shows_its_problems_then_the_site() {
    let tmp = fixture_copy();
    let root: PathBuf = tmp.path().to_path_buf();
    let playbook = root.join("docs/architecture-operations/0005-playbook.md");
    edit(&playbook, "version = \"", "version = \"\"");
    let server = Server::start(&root, &[]);
    let (status, page) = server.get("/");
    assert_eq!(status, 404);
    assert!(page.contains("No site yet"), "{page}");
    assert!(page.contains("/__crosswalk/live.js"), "it reloads");
    assert!(page.contains("CW004"), "the problem is shown: {page}");
    edit(&playbook, "version = \"\"", "version = \"");
    server.wait_for("/", "the site once fixed", |s, b| {
        s == 200 && !b.contains("No site yet")
    });
}

/// Regression: after 21fa6fd every other save read the whole book again
/// (the source directory, named by each save's events, was watched anew),
/// so a rebuild took a second at 10,000 documents. Saves of a body are
/// rebuilt as that document alone.
#[test]
fn saving_a_document_rebuilds_that_document_alone() {
    let tmp = fixture_copy();
    let root: PathBuf = tmp.path().to_path_buf();
    let server = Server::start(&root, &[]);
    let arch = root.join("docs/architecture-operations/0003-backup-architecture.md");
    for n in 1..=4 {
        let text = std::fs::read_to_string(&arch).unwrap();
        std::fs::write(&arch, format!("{text}\nSaved {n} times.\n")).unwrap();
        let marker = format!("Saved {n} times.");
        server.wait_for("/documents/hcb-0003.html", "the saved body", |s, b| {
            s == 200 && b.contains(&marker)
        });
    }
    std::thread::sleep(Duration::from_millis(300));
    let rebuilds: Vec<String> = server
        .log_lines()
        .into_iter()
        .filter(|l| l.starts_with("rebuilt"))
        .collect();
    assert!(!rebuilds.is_empty());
    assert!(
        rebuilds
            .iter()
            .all(|l| l.ends_with("(architecture-operations/0003-backup-architecture.md)")),
        "{rebuilds:#?}"
    );
}

/// The first event of the reload stream, as (event, data).
fn first_event(server: &Server) -> (String, String) {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET /__crosswalk/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let (mut event, mut data) = (String::new(), String::new());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "stream ended");
        // Chunked transfer: size lines and blank lines come between.
        let line = line.trim_end();
        if let Some(name) = line.strip_prefix("event: ") {
            event = name.to_string();
        } else if let Some(value) = line.strip_prefix("data: ") {
            data = value.to_string();
        } else if line.is_empty() && !event.is_empty() {
            return (event, data);
        }
    }
}

/// The build a served page says it shows (`data-version` of its script).
fn page_version(page: &str) -> String {
    let at = page
        .find("data-version=\"")
        .expect("the reload script carries the page's version")
        + "data-version=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

/// A page left open while serve was stopped, the book edited and serve
/// started again must reload: the reconnected stream's first event names
/// a build other than the page's. So must a page whose build changed
/// while it was loading; a page that is current must not.
#[test]
fn a_page_knows_whether_the_server_serves_its_build() {
    let tmp = fixture_copy();
    let root: PathBuf = tmp.path().to_path_buf();
    let first = Server::start(&root, &[]);
    let (_, page) = first.get("/documents/hcb-0003.html");
    let shown = page_version(&page);
    assert_eq!(
        first_event(&first),
        ("hello".to_string(), shown.clone()),
        "a current page is told it is current"
    );

    let arch = root.join("docs/architecture-operations/0003-backup-architecture.md");
    edit(
        &arch,
        "Three copies, one immutable.",
        "Three copies, two immutable.",
    );
    let rebuilt = first.wait_for("/documents/hcb-0003.html", "the edit", |s, b| {
        s == 200 && b.contains("two immutable")
    });
    let (event, current) = first_event(&first);
    assert_eq!(event, "hello");
    assert_eq!(current, page_version(&rebuilt));
    assert_ne!(current, shown, "a page from before the edit reloads");

    let port = first.addr().rsplit(':').next().unwrap().to_string();
    assert!(first.stop().success());
    edit(
        &arch,
        "Three copies, two immutable.",
        "Three copies, all immutable.",
    );
    let second = Server::start(&root, &["--port", &port]);
    let (_, event_data) = first_event(&second);
    assert_ne!(
        event_data, current,
        "a page open across the restart reloads"
    );
    let (_, page) = second.get("/documents/hcb-0003.html");
    assert!(page.contains("all immutable"));
    assert_eq!(page_version(&page), event_data);
}

/// The same in headless Chromium (tests/browser/live.mjs): a tab left open
/// while serve is stopped, the book edited and serve started again
/// reloads by itself and shows the edit.
#[test]
fn a_tab_open_across_a_restart_reloads_in_chromium() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir() && Path::new(&chromium).exists(),
        "Chromium or tests/browser/node_modules is missing: run `bash scripts/test.sh`"
    );
    let tmp = fixture_copy();
    let root: PathBuf = tmp.path().to_path_buf();
    let first = Server::start(&root, &[]);
    let url = format!("{}/documents/hcb-0003.html", first.base);
    let mut node = Command::new("node")
        .arg(browser_dir.join("live.mjs"))
        .args([&url, "one immutable", "none mutable"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut said = BufReader::new(node.stdout.take().unwrap()).lines();
    let opened = said.next().and_then(Result::ok).unwrap_or_default();
    assert_eq!(opened, "opened", "the page opened in Chromium");

    let port = first.addr().rsplit(':').next().unwrap().to_string();
    assert!(first.stop().success());
    let arch = root.join("docs/architecture-operations/0003-backup-architecture.md");
    edit(
        &arch,
        "Three copies, one immutable.",
        "Three copies, none mutable.",
    );
    let _second = Server::start(&root, &["--port", &port]);
    writeln!(node.stdin.take().unwrap(), "go").unwrap();
    let rest: Vec<String> = said.map_while(Result::ok).collect();
    let status = node.wait().unwrap();
    assert!(
        status.success() && rest.iter().any(|l| l == "reloaded"),
        "the tab did not reload: {rest:#?}"
    );
}
