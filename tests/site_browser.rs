//! The repository's own book, built and checked as a reader gets it.
//!
//! `site_in_headless_chromium` runs `tests/browser/run.mjs` (axe-core WCAG
//! 2.1 AA on every template, search, facets, no-JS fallback, screenshots) in
//! the system's Chromium, on the book built twice: with its search index in
//! three parts, and in twelve for listings that merge parts of documents. It fails, rather than skips, when Node modules or
//! Chromium are missing: `bash scripts/test.sh` installs both.
//!
//! `site_loads_nothing_from_other_hosts` and `every_page_has_the_csp` are
//! pure Rust: they scan every built HTML, CSS and JS file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crosswalk::pipeline::{CheckOptions, Project};
use crosswalk::site::{self, BuildOptions};

/// Parts of the search index in the site the browser tests read.
const BROWSER_SEARCH_SHARDS: usize = 3;

/// Parts of the index of the second site the browser tests read, built
/// from the same book: enough that its documents fill more than one part
/// (`run.mjs` checks that they do), so listing them by priority has to
/// merge the parts, as it does in a large book.
const SPLIT_SEARCH_SHARDS: usize = 12;

const SETUP_HINT: &str = "run `bash scripts/test.sh` (it installs Chromium and the Node modules)";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The book in `docs/`, built once per test process into cargo's
/// per-target temporary directory (replaced atomically by the next run).
fn built_site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    // Three parts of the search index make every search below go through
    // the merge large books use.
    SITE.get_or_init(|| build_book("site", BROWSER_SEARCH_SHARDS, None))
}

/// The same book with its index in [`SPLIT_SEARCH_SHARDS`] parts, built
/// for a sub-path of another host, as a published site is.
fn split_site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        build_book(
            "split-site",
            SPLIT_SEARCH_SHARDS,
            Some("https://example.org/sub/"),
        )
    })
}

fn build_book(name: &str, shards: usize, base_url: Option<&str>) -> PathBuf {
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("site-browser")
        .join(name);
    let mut project =
        Project::load(&repo(), &CheckOptions::default()).expect("load the book in docs/");
    project.book.config.build.search_shards = Some(shards);
    if let Some(url) = base_url {
        project.book.config.build.base_url = url.to_string();
    }
    let options = BuildOptions {
        dest: Some(dest.clone()),
        no_search: false,
    };
    site::build(&project, &options).expect("build the book in docs/");
    dest
}

fn files_with(root: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| extensions.contains(&x))
        })
        .collect()
}

#[test]
fn site_in_headless_chromium() {
    let browser_dir = repo().join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    for module in ["playwright-core", "axe-core"] {
        assert!(
            browser_dir.join("node_modules").join(module).is_dir(),
            "tests/browser/node_modules/{module} is missing: {SETUP_HINT}"
        );
    }
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is missing at {chromium}: {SETUP_HINT}"
    );
    let site = built_site();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("site-browser/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot directory");
    let output = Command::new("node")
        .arg(browser_dir.join("run.mjs"))
        .arg(site)
        .arg("--split-site")
        .arg(split_site())
        .arg("--shots")
        .arg(&shots)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): {SETUP_HINT}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "browser tests failed (see the FAIL lines above); screenshots in {}",
        shots.display()
    );
}

/// A tag's name and attributes, from a small tokenizer that is enough for
/// the HTML crosswalk writes (quoted attribute values, no `>` in names).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let (attrs, tail) = attributes(&rest[name.len()..]);
        out.push((name, attrs));
        rest = tail;
    }
    out
}

/// Attributes up to the closing `>`; returns them and the text after it.
fn attributes(mut s: &str) -> (Vec<(String, String)>, &str) {
    let mut attrs = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return (attrs, s);
        }
        if let Some(tail) = s.strip_prefix('>') {
            return (attrs, tail);
        }
        let name_len = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(s.len())
            .max(1);
        let name = s[..name_len].to_ascii_lowercase();
        s = s[name_len..].trim_start();
        let mut value = String::new();
        if let Some(after) = s.strip_prefix('=') {
            let after = after.trim_start();
            let (v, tail) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = after[1..].find(q).map_or(after.len(), |e| e + 1);
                    (&after[1..end], after.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = v.to_string();
            s = tail;
        }
        attrs.push((name, value));
    }
}

fn is_remote(url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    url.starts_with("http://") || url.starts_with("https://") || url.starts_with("//")
}

/// `url(...)` and `@import` targets in CSS text.
fn css_urls(css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in css.match_indices("url(") {
        let inner = &css[i + 4..];
        let end = inner.find(')').unwrap_or(inner.len());
        out.push(inner[..end].trim().trim_matches(['"', '\'']).to_string());
    }
    for (i, _) in css.match_indices("@import") {
        let inner = css[i + 7..].trim_start().trim_start_matches("url(");
        out.push(
            inner
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ')' | ';'))
                .collect(),
        );
    }
    out
}

/// Elements that load what their attribute names; `<a href>` is a link the
/// reader chooses to follow, so it is allowed anywhere.
fn loading_attributes(tag: &str) -> &'static [&'static str] {
    match tag {
        "script" | "img" | "iframe" | "source" | "video" | "audio" | "embed" | "track"
        | "input" => &["src", "srcset"],
        "link" => &["href"],
        "object" => &["data"],
        "image" | "use" => &["href", "xlink:href"],
        _ => &[],
    }
}

#[test]
fn site_loads_nothing_from_other_hosts() {
    let site = built_site();
    let mut problems = Vec::new();
    for file in files_with(site, &["html"]) {
        let html = std::fs::read_to_string(&file).expect("read page");
        for (tag, attrs) in tags(&html) {
            let rel = attrs
                .iter()
                .find(|(n, _)| n == "rel")
                .map(|(_, v)| v.as_str());
            if tag == "link" && rel == Some("canonical") {
                continue; // names the page, loads nothing
            }
            for (name, value) in &attrs {
                let loads = loading_attributes(&tag).contains(&name.as_str());
                let remote_style = name == "style" && css_urls(value).iter().any(|u| is_remote(u));
                if (loads && is_remote(value)) || remote_style {
                    problems.push(format!("{}: <{tag} {name}=\"{value}\">", file.display()));
                }
            }
        }
        for url in inline_styles(&html).iter().flat_map(|css| css_urls(css)) {
            if is_remote(&url) {
                problems.push(format!("{}: <style> url({url})", file.display()));
            }
        }
    }
    for file in files_with(site, &["css"]) {
        let css = std::fs::read_to_string(&file).expect("read stylesheet");
        for url in css_urls(&css) {
            if is_remote(&url) {
                problems.push(format!("{}: url({url})", file.display()));
            }
        }
    }
    for file in files_with(site, &["js", "mjs"]) {
        let js = String::from_utf8_lossy(&std::fs::read(&file).expect("read script")).into_owned();
        for needle in [
            "import(\"http",
            "import('http",
            "from\"http",
            "from \"http",
            "src=\"http",
            "src='http",
            "fetch(\"http",
            "fetch('http",
            "importScripts(\"http",
            "url(http",
            "url(//",
        ] {
            if js.contains(needle) {
                problems.push(format!("{}: contains {needle}", file.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the site loads from other hosts:\n{}",
        problems.join("\n")
    );
}

/// Contents of `<style>` elements.
fn inline_styles(html: &str) -> Vec<String> {
    html.match_indices("<style")
        .filter_map(|(i, _)| {
            let open = html[i..].find('>')? + i + 1;
            let close = html[open..].find("</style>")? + open;
            Some(html[open..close].to_string())
        })
        .collect()
}

#[test]
fn every_page_has_the_csp_and_no_inline_script() {
    let site = built_site();
    let pages = files_with(site, &["html"]);
    assert!(pages.len() > 50, "only {} pages built", pages.len());
    let mut problems = Vec::new();
    for file in pages {
        let html = std::fs::read_to_string(&file).expect("read page");
        let all = tags(&html);
        let csp = all.iter().find(|(tag, attrs)| {
            tag == "meta"
                && attrs.iter().any(|(n, v)| {
                    n == "http-equiv" && v.eq_ignore_ascii_case("content-security-policy")
                })
        });
        match csp.and_then(|(_, attrs)| attrs.iter().find(|(n, _)| n == "content")) {
            Some((_, policy))
                if policy.contains("default-src 'self'") && !policy.contains("unsafe-inline") => {}
            Some((_, policy)) => problems.push(format!("{}: weak CSP `{policy}`", file.display())),
            None => problems.push(format!("{}: no CSP meta tag", file.display())),
        }
        for (tag, attrs) in &all {
            if tag == "script" && !attrs.iter().any(|(n, _)| n == "src") {
                problems.push(format!("{}: inline <script>", file.display()));
            }
            if let Some((n, _)) = attrs
                .iter()
                .find(|(n, _)| n.starts_with("on") && n.len() > 2)
            {
                problems.push(format!(
                    "{}: <{tag} {n}=…> event handler attribute",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn search_index_is_written_with_offline_copies() {
    let pagefind = built_site().join("pagefind");
    for file in [
        "pagefind.js",
        "pagefind.classic.js",
        "pagefind-entry.json",
        "offline/pagefind-entry.json.js",
        "shards.js",
    ] {
        assert!(pagefind.join(file).is_file(), "pagefind/{file} missing");
    }
    let listed = std::fs::read_to_string(pagefind.join("shards.js")).expect("shards.js");
    let mut parts = vec![String::new()];
    for n in 1..BROWSER_SEARCH_SHARDS {
        let dir = format!("shard-{n}/");
        assert!(
            listed.contains(&format!("\"{dir}\"")),
            "{dir} not in {listed}"
        );
        parts.push(dir);
    }
    assert!(!pagefind
        .join(format!("shard-{BROWSER_SEARCH_SHARDS}"))
        .exists());
    for part in &parts {
        // Every part has its entry and fragments, each with its file:// twin.
        for file in [
            "pagefind-entry.json",
            "offline/{part}pagefind-entry.json.js",
        ] {
            let file = file.replace("{part}", part);
            let path = if file.starts_with("offline/") {
                pagefind.join(&file)
            } else {
                pagefind.join(part).join(&file)
            };
            assert!(path.is_file(), "{} missing", path.display());
        }
        let fragments = files_with(&pagefind.join(part).join("fragment"), &["pf_fragment"]).len();
        let offline = files_with(
            &pagefind.join("offline").join(part).join("fragment"),
            &["js"],
        )
        .len();
        assert!(
            fragments > 0 && fragments == offline,
            "part {part:?}: {fragments} fragments, {offline} offline copies"
        );
    }
}
