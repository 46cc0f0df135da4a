//! End-to-end tests of the `crosswalk` binary over fixture books: exit
//! codes, diagnostics, determinism, atomic writes and the rendered pages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::copy_tree;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn crosswalk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run crosswalk")
}

/// `crosswalk build BOOK --dest SITE` with `extra` arguments.
fn build_into(book: &Path, site: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "build",
        book.to_str().unwrap(),
        "--dest",
        site.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    crosswalk(&args)
}

/// [`build_into`], which must succeed.
fn build_ok(book: &Path, site: &Path, extra: &[&str]) {
    let out = build_into(book, site, extra);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir` with its bytes, by relative path.
fn snapshot_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn build_good(dest: &Path) -> BTreeMap<String, Vec<u8>> {
    build_book(&fixture("good"), dest)
}

/// `crosswalk build` of `book` into `dest`, which must succeed; the files.
fn build_book(book: &Path, dest: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = crosswalk(&[
        "build",
        book.to_str().unwrap(),
        "--dest",
        dest.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "build failed: {}", text(&out.stderr));
    snapshot_dir(dest)
}

fn page(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    text(files.get(path).unwrap_or_else(|| panic!("no page {path}")))
}

#[test]
fn good_book_checks_clean_with_two_warnings() {
    let out = crosswalk(&["check", fixture("good").to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[CW030]"),
        "notes.md (no number) is reported as not a document: {stderr}"
    );
    // And the `javascript:` link the sanitiser test needs, which the
    // page drops (CW052).
    assert!(stderr.contains("warning[CW052]"), "{stderr}");
    assert!(stderr.contains("0 errors, 2 warnings"), "{stderr}");
    let denied = crosswalk(&[
        "check",
        fixture("good").to_str().unwrap(),
        "--deny-warnings",
    ]);
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn twenty_mistakes_give_twenty_located_errors() {
    let book = fixture("twenty-mistakes");
    let out = crosswalk(&["check", book.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("error[CW").count(), 20, "{stderr}");
    assert!(stderr.contains("check: 20 errors, 0 warnings"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    insta::assert_snapshot!("twenty_mistakes_human", stderr);

    let json = crosswalk(&["check", book.to_str().unwrap(), "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["errors"], 20);
    for d in report["diagnostics"].as_array().unwrap() {
        assert!(
            d["file"].is_string()
                && d["line"].as_u64().unwrap() > 0
                && d["column"].as_u64().unwrap() > 0,
            "{d}"
        );
        assert!(d["code"].as_str().unwrap().starts_with("CW"));
        assert!(d["help"].is_string(), "every error says how to fix it: {d}");
    }
}

#[test]
fn github_format_prints_workflow_commands() {
    // Outside any git repository, files are named from the book root
    // (`tests/review.rs` covers a book inside one).
    let book = tempfile::tempdir().unwrap();
    copy_tree(&fixture("twenty-mistakes"), book.path());
    let out = crosswalk(&["check", book.path().to_str().unwrap(), "--format", "github"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.lines().any(
            |l| l.starts_with("::error file=docs/0002-many.md,line=3,col=1,")
                && l.contains("title=CW006::")
        ),
        "{stdout}"
    );
}

#[test]
fn configuration_errors_exit_2_with_a_located_message() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("docs")).unwrap();
    std::fs::write(
        tmp.path().join("book.toml"),
        "[book]\ntitle = \"x\"\n[biuld]\noutput = \"out\"\n",
    )
    .unwrap();
    let out = crosswalk(&["check", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("CW040") && stderr.contains("book.toml:3:2"),
        "{stderr}"
    );

    let missing = crosswalk(&["check", tmp.path().join("nope").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("does not exist"));

    // A book that cannot be loaded still answers in the format CI parses.
    let bare = tmp.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    std::fs::write(bare.join("book.toml"), "[book]\ntitle = \"x\"\n").unwrap();
    let no_docs = crosswalk(&["check", bare.to_str().unwrap(), "--format", "json"]);
    assert_eq!(no_docs.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&no_docs.stdout).expect("json on stdout");
    assert_eq!(json["diagnostics"][0]["code"], "CW039", "{json}");
    assert!(
        json["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("source directory")),
        "{json}"
    );
}

#[test]
fn empty_book_toml_is_a_working_book() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("docs")).unwrap();
    std::fs::write(tmp.path().join("book.toml"), "").unwrap();
    let out = crosswalk(&["check", tmp.path().to_str().unwrap(), "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn new_writes_the_next_document_and_it_checks() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("good"), tmp.path());
    let book = tmp.path().to_str().unwrap();
    let out = crosswalk(&[
        "new",
        "--kind",
        "guidance",
        "--area",
        "governance",
        "--book",
        book,
        "Badge tap & break-glass",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = text(&out.stdout).trim().to_string();
    assert!(
        path.ends_with("docs/governance/0006-badge-tap-break-glass.md"),
        "{path}"
    );
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("id = \"HCB-0006\"") && written.contains("status = \"draft\""));
    let check = crosswalk(&["check", book]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(text(&check.stderr).contains("0 errors, 2 warnings"));

    let bad = crosswalk(&["new", "--kind", "novel", "--book", book, "X"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("reference-architecture"),
        "lists the kinds"
    );
}

/// A new book's first `new`: book.toml written, no `docs/` yet. It was
/// refused ("the source directory does not exist"); the folder is made
/// with the document.
#[test]
fn new_starts_a_book_that_has_no_source_directory_yet() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("book.toml"), "[book]\ntitle = \"Fresh\"\n").unwrap();
    let book = tmp.path().to_str().unwrap();
    let out = crosswalk(&["new", "--kind", "guidance", "--book", book, "First steps"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout)
        .trim()
        .ends_with("docs/0001-first-steps.md"));
    let check = crosswalk(&["check", book]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

/// `new` names the file from any title: letters of other scripts are kept
/// (they used to leave nothing, "the title must contain letters or
/// digits"), and a long title is cut (a 500-character one failed with
/// "File name too long"). Each file checks clean.
#[test]
fn new_accepts_long_and_non_latin_titles() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Titles");
    let dir = book.to_str().unwrap();
    let long = "Segmentation of clinical networks ".repeat(15);
    let long = long.trim();
    assert!(long.len() > 500);
    let cases = [
        (
            long,
            "0001-segmentation-of-clinical-networks-segmentation-of-clinical.md",
        ),
        ("Ελληνικά", "0002-ελληνικά.md"),
        ("日本語のタイトル", "0003-日本語のタイトル.md"),
        ("🔒 🔑", "0004-document.md"),
    ];
    for (title, file) in cases {
        let out = crosswalk(&["new", "--kind", "guidance", "--book", dir, title]);
        assert!(out.status.success(), "{title}: {}", text(&out.stderr));
        let path = PathBuf::from(text(&out.stdout).trim());
        assert_eq!(path.file_name().unwrap().to_str().unwrap(), file, "{title}");
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.contains(&format!("title = \"{title}\"")),
            "{written}"
        );
        let check = crosswalk(&["check", "--deny-warnings", dir]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{title}: {}",
            text(&check.stderr)
        );
    }
}

/// Tags are pages named from their slug, in any script. Tags that differ
/// only in case or punctuation share a page listing the documents of all
/// of them (each used to overwrite the other's page), `check` warns where a
/// spelling differs from an earlier one (CW031), and the sitemap names
/// every page once.
#[test]
fn tags_sharing_a_page_list_every_document_and_are_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Tags");
    write_document(
        &book,
        "0001-a.md",
        1,
        "Alpha",
        "tags = [\"Ransomware\", \"a b\", \"日本語\", \"sécurité\"]\n",
        "Text.\n",
    );
    write_document(
        &book,
        "0002-b.md",
        2,
        "Beta",
        "tags = [\"ransomware\", \"a-b\", \"中文\", \"..\"]\n",
        "Text.\n",
    );
    write_document(
        &book,
        "0003-c.md",
        3,
        "Gamma",
        // `sécurité` again, its accents written as combining marks.
        "tags = [\"\\\"\\\"\", \"Ransomware\", \"se\u{301}curite\u{301}\"]\n",
        "Text.\n",
    );
    let dir = book.to_str().unwrap();
    let check = crosswalk(&["check", dir]);
    let stderr = text(&check.stderr);
    assert_eq!(check.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches("warning[CW031]").count(), 2, "{stderr}");
    assert!(
        stderr.contains("tag `ransomware` shares its page with the tag `Ransomware`"),
        "{stderr}"
    );
    assert!(stderr.contains("docs/0002-b.md:10:9"), "{stderr}");
    assert!(stderr.contains("docs/0002-b.md:10:23"), "{stderr}");
    assert!(
        stderr.contains("(tags/ransomware.html); use one spelling: `Ransomware`"),
        "{stderr}"
    );
    let strict = crosswalk(&["check", "--deny-warnings", dir]);
    assert_eq!(strict.status.code(), Some(1));

    // A host, so the site has a sitemap (read below).
    let config = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        format!("{config}[build]\nbase-url = \"https://example.org/\"\n"),
    )
    .unwrap();
    let site = build_book(&book, &tmp.path().join("site"));
    let shared = page(&site, "tags/ransomware.html");
    for id in ["HCB-0001", "HCB-0002", "HCB-0003"] {
        assert!(shared.contains(id), "{id} listed: {shared}");
    }
    assert!(shared.contains("Tag: Ransomware"), "named as first written");
    let joined = page(&site, "tags/a-b.html");
    assert!(joined.contains("HCB-0001") && joined.contains("HCB-0002"));
    assert!(page(&site, "tags/日本語.html").contains("HCB-0001"));
    assert!(page(&site, "tags/中文.html").contains("HCB-0002"));
    let accented = page(&site, "tags/sécurité.html");
    assert!(
        accented.contains("HCB-0001") && accented.contains("HCB-0003"),
        "one page for both"
    );
    // Tags without a letter or digit get distinct, visible file names.
    assert!(!site.contains_key("tags/.html"));
    let odd: Vec<&String> = site.keys().filter(|p| p.starts_with("tags/_")).collect();
    assert_eq!(odd.len(), 2, "{odd:?}");
    assert!(page(&site, odd[0]).contains("HCB-000") && page(&site, odd[1]).contains("HCB-000"));
    // The index of tags names each page once, with its documents counted
    // once each.
    let index = page(&site, "tags/index.html");
    assert_eq!(
        index.matches("href=\"../tags/ransomware.html\"").count(),
        1,
        "{index}"
    );
    assert!(index.contains("Ransomware <span>(3)</span>"), "{index}");
    assert!(index.contains("日本語.html"), "{index}");

    let sitemap = page(&site, "sitemap.xml");
    let locs: Vec<&str> = sitemap
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<url><loc>"))
        .collect();
    let unique: std::collections::BTreeSet<_> = locs.iter().collect();
    assert_eq!(unique.len(), locs.len(), "a page listed twice: {sitemap}");
    assert!(
        sitemap.contains("tags/%E6%97%A5%E6%9C%AC%E8%AA%9E.html"),
        "{sitemap}"
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let first = build_good(&tmp.path().join("a"));
    let second = build_good(&tmp.path().join("b"));
    assert!(first.len() > 50, "a real site was written");
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(bytes == &second[path], "{path} differs between two builds");
    }
}

/// Index parts are built on parallel threads; the site must not depend on
/// which finishes first.
#[test]
fn two_builds_with_a_split_search_index_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    copy_tree(&fixture("good"), &book);
    let config = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        config.replace("[build]", "[build]\nsearch-shards = 3"),
    )
    .unwrap();
    let first = build_book(&book, &tmp.path().join("a"));
    let second = build_book(&book, &tmp.path().join("b"));
    assert!(
        first.contains_key("pagefind/shard-2/pagefind-entry.json"),
        "the index is in three parts"
    );
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(bytes == &second[path], "{path} differs between two builds");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("site");
    let before = build_good(&dest);
    let broken = tmp.path().join("book");
    copy_tree(&fixture("good"), &broken);
    let doc = broken.join("docs/governance/0001-process.md");
    let text_before = std::fs::read_to_string(&doc).unwrap();
    std::fs::write(
        &doc,
        text_before.replace("kind = \"process\"", "kind = \"proces\""),
    )
    .unwrap();
    let out = crosswalk(&[
        "build",
        broken.to_str().unwrap(),
        "--dest",
        dest.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("CW008"),
        "the same diagnostics as check"
    );
    assert_eq!(snapshot_dir(&dest), before, "previous site intact");
    let leftovers = entries(tmp.path());
    assert_eq!(
        leftovers.len(),
        2,
        "no staging directory left behind: {leftovers:?}"
    );
}

#[test]
fn build_refuses_to_replace_a_directory_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("precious.txt"), "keep me").unwrap();
    let out = crosswalk(&[
        "build",
        fixture("good").to_str().unwrap(),
        "--dest",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("precious.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn rendered_pages_carry_the_graph_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let site = build_good(&tmp.path().join("site"));
    let architecture = page(&site, "documents/hcb-0003.html");
    assert!(
        architecture.contains("Implemented by") && architecture.contains("documents/hcb-0004.html"),
        "backlink from the example"
    );
    assert!(architecture.contains("Supersedes") && architecture.contains("hcb-0002.html"));
    assert!(
        architecture.contains("href=\"../documents/hcb-0001.html#lifecycle\""),
        "relative .md link rewritten"
    );
    assert!(
        architecture.contains("T1486 Data Encrypted for Impact"),
        "wiki link titled from the catalog"
    );
    assert!(
        architecture.contains(">our process</a>"),
        "wiki link with its own text"
    );
    assert!(
        architecture.contains("id=\"architecture-1\""),
        "duplicate headings get unique anchors"
    );
    assert!(architecture.contains(
        "<link rel=\"canonical\" href=\"https://example.org/hcb/documents/hcb-0003.html\">"
    ));
    for forbidden in ["<script>alert", "onclick", "javascript:"] {
        assert!(!architecture.contains(forbidden), "sanitised: {forbidden}");
    }
    let old = page(&site, "documents/hcb-0002.html");
    assert!(
        old.contains("Superseded") && old.contains("hcb-0003.html"),
        "superseded banner links the replacement"
    );

    let technique = page(&site, "attack/enterprise/t1486.html");
    assert!(
        technique.contains("HCB-0003") && technique.contains("HCB-0002"),
        "technique lists the documents that address it"
    );
    let ics = page(&site, "attack/ics/t0816.html");
    assert!(ics.contains("HCB-0004"));
    let control = page(&site, "controls/cyfun2023/pr-ip-4.html");
    assert!(control.contains("HCB-0003"));
    assert!(
        page(&site, "404.html").contains("Overridden by the fixture"),
        "book theme overrides the default"
    );
    assert!(
        page(&site, "kinds/playbook.html").contains("HCB-0005"),
        "vocabulary extended in book.toml"
    );
    assert!(page(&site, "sitemap.xml")
        .contains("<loc>https://example.org/hcb/documents/hcb-0001.html</loc>"));
    assert!(page(&site, "feed.xml").contains("<entry>"));
    insta::assert_snapshot!("rendered_body_hcb_0003", body_of(&architecture));
}

/// Lists of documents take each card from the theme's `doc_card.html`
/// partial, rendered once per document and page depth and reused: a book's
/// override shows on the home page, listing pages and document pages, with
/// links relative to each page.
#[test]
fn doc_card_partial_from_the_theme_renders_every_list() {
    let (tmp, book) = good_book_with_templates(&[(
        "doc_card.html",
        "<li>[{{ doc.id }} {{ doc.status }}@{{ root }}{{ doc.url }}]</li>",
    )]);
    let site = build_book(&book, &tmp.path().join("site"));
    let home = page(&site, "index.html");
    assert!(
        home.contains("[HCB-0001 active@documents/hcb-0001.html]"),
        "start here"
    );
    let listing = page(&site, "tags/ransomware.html");
    assert!(listing.contains("[HCB-0003 active@../documents/hcb-0003.html]"));
    let document = page(&site, "documents/hcb-0003.html");
    assert!(
        document.contains("[HCB-0004 active@../documents/hcb-0004.html]"),
        "implemented by"
    );
    assert!(
        document.contains("[HCB-0002 superseded@../documents/hcb-0002.html]"),
        "supersedes"
    );
    for html in [&home, &listing, &document] {
        assert!(
            !html.contains("<li class=\"doc-card"),
            "the default partial leaked"
        );
    }
}

/// Document pages come from compiled twins of four templates only while
/// the book leaves them as shipped: a book's override of any one of them
/// shows on its document pages, rendered by Tera.
#[test]
fn a_book_overriding_a_document_page_template_gets_its_own() {
    let shipped = |name: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("theme/templates")
                .join(name),
        )
        .unwrap()
    };
    let overrides = [
        (
            "document.html",
            "{% extends \"base.html\" %}{% block content %}<p>own page of {{ doc.id }}</p>{% endblock content %}".to_string(),
            "own page of HCB-0003",
        ),
        (
            "base.html",
            shipped("base.html").replace("<main id=", "<p>own base</p><main id="),
            "<p>own base</p>",
        ),
        (
            "also_satisfies.html",
            "<p>own summary{% if also_satisfies %} of {{ also_satisfies.count }}{% endif %}</p>"
                .to_string(),
            "<p>own summary",
        ),
        (
            "macros.html",
            "{% macro doc_list(documents, root) %}<p>own list of {{ documents | length }}</p>{% endmacro doc_list %}".to_string(),
            "<p>own list of 1</p>",
        ),
    ];
    for (name, template, marker) in overrides {
        let (_tmp, site) = build_good_with_templates(&[(name, &template)]);
        let document = std::fs::read_to_string(site.join("documents/hcb-0003.html")).unwrap();
        assert!(
            document.contains(marker),
            "{name} override missing from the document page"
        );
    }
}

/// Control and technique pages, too, come from compiled twins only while
/// their templates and `base.html` are as shipped.
#[test]
fn a_book_overriding_control_or_technique_html_gets_its_own_pages() {
    let (_tmp, site) = build_good_with_templates(&[
        (
            "control.html",
            "{% extends \"base.html\" %}{% block content %}<p>own control page of {{ control.alias }} {{ control.label }}</p>{% endblock content %}",
        ),
        (
            "technique.html",
            "{% extends \"base.html\" %}{% block content %}<p>own technique page of {{ technique.id }}</p>{% endblock content %}",
        ),
    ]);
    let control = std::fs::read_to_string(site.join("controls/cyfun2023/pr-ip-4.html")).unwrap();
    assert!(
        control.contains("own control page of CYFUN2023 PR.IP-4"),
        "the override renders the control page"
    );
    let technique = std::fs::read_to_string(site.join("attack/enterprise/t1486.html")).unwrap();
    assert!(
        technique.contains("own technique page of T1486"),
        "the override renders the technique page"
    );
}

#[test]
fn a_book_overriding_listing_or_documents_html_gets_its_own_pages() {
    let (_tmp, site) = build_good_with_templates(&[
        (
            "listing.html",
            "{% extends \"base.html\" %}{% block content %}<p>own listing of {{ group }}: {{ documents | length }}</p>{% endblock content %}",
        ),
        (
            "documents.html",
            "{% extends \"base.html\" %}{% block content %}<p>own index of {{ documents | length }} documents</p>{% endblock content %}",
        ),
    ]);
    let listing = std::fs::read_to_string(site.join("statuses/active.html")).unwrap();
    assert!(
        listing.contains("own listing of statuses: "),
        "the override renders the listing page"
    );
    let index = std::fs::read_to_string(site.join("documents/index.html")).unwrap();
    assert!(
        index.contains("own index of ") && index.contains(" documents</p>"),
        "the override renders the index of documents"
    );
}

/// The `good` fixture with these theme templates (name, text) written
/// over it, built without search; returns the temporary directory (kept
/// alive by the caller) and the site.
/// A copy of the good fixture in a temporary directory (as `book/`), with
/// the given theme templates written over the shipped ones.
fn good_book_with_templates(templates: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    copy_tree(&fixture("good"), &book);
    for (name, text) in templates {
        std::fs::write(book.join("theme/templates").join(name), text).unwrap();
    }
    (tmp, book)
}

/// The names in `dir`: what a build left beside its output.
fn entries(dir: &Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect()
}

fn build_good_with_templates(templates: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let (tmp, book) = good_book_with_templates(templates);
    let site = tmp.path().join("site");
    let out = crosswalk(&[
        "build",
        book.to_str().unwrap(),
        "--no-search",
        "--dest",
        site.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "build failed: {}", text(&out.stderr));
    (tmp, site)
}

/// The rendered Markdown body of a document page (stable across theme changes).
fn body_of(html: &str) -> String {
    let start = html.find("<div class=\"body\">").expect("body div");
    let rest = &html[start..];
    let end = rest.find("\n</div>").expect("end of body");
    rest[..end + 7].to_string()
}

/// An empty book titled `title` under `dir` (`dir/book`, with `docs/`).
fn empty_book(dir: &Path, title: &str) -> PathBuf {
    let book = dir.join("book");
    std::fs::create_dir_all(book.join("docs")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        format!("[book]\ntitle = \"{title}\"\n"),
    )
    .unwrap();
    book
}

/// Write document `n` of `book` as `docs/<file>`: a valid guidance
/// document with the front-matter lines `extra` added, then `body`.
fn write_document(book: &Path, file: &str, n: u32, title: &str, extra: &str, body: &str) {
    std::fs::write(
        book.join("docs").join(file),
        format!(
            "+++\nid = \"HCB-{n:04}\"\ntitle = \"{title}\"\nkind = \"guidance\"\nstatus = \"active\"\n\
             version = \"1.0\"\ncreated = 2026-01-05\nauthors = [\"A\"]\nsummary = \"S.\"\n{extra}+++\n{body}"
        ),
    )
    .unwrap();
}

/// The home page names the first documents of each area in reading order
/// and links to the area's page for the rest, so it stays small however
/// large the book grows.
#[test]
fn home_page_lists_the_first_documents_of_an_area_and_links_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Many");
    for n in 1..=25 {
        // Priority 1 for the last few: reading order puts them first.
        let priority = if n > 22 { 1 } else { 3 };
        write_document(
            &book,
            &format!("{n:04}-doc.md"),
            n,
            &format!("Document {n}"),
            &format!("area = \"governance\"\npriority = {priority}\n"),
            "Body.\n",
        );
    }
    let site = build_book(&book, &tmp.path().join("site"));
    let home = page(&site, "index.html");
    assert!(
        home.contains("<span class=\"count\">25 current</span>"),
        "{home}"
    );
    assert!(
        home.contains("All 25 current documents in Governance</a>"),
        "the rest is one link away"
    );
    let listed = |id: &str| home.contains(&format!("<span class=\"doc-id\">{id}</span> Document"));
    // Priority 1 first, then by number: 23, 24, 25, 1..17.
    assert!(listed("HCB-0023") && listed("HCB-0001") && listed("HCB-0017"));
    assert!(
        !listed("HCB-0018") && !listed("HCB-0022"),
        "only 20 are listed"
    );
}

/// A heading holding a `[[...]]` link: the anchor `check` validates a link
/// against is the id the built page gives the heading. (The page used to
/// derive the id from the text after the link was replaced by the target's
/// title, so a link `check` accepted could point nowhere.)
#[test]
fn an_anchor_check_accepts_is_the_id_on_the_built_page() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Anchors");
    write_document(
        &book,
        "0001-target.md",
        1,
        "Segmentation",
        "",
        "## Builds on [[HCB-0002]]\n\nText.\n",
    );
    write_document(
        &book,
        "0002-source.md",
        2,
        "Source",
        "",
        "See [the basis](0001-target.md#builds-on-hcb-0002).\n",
    );
    let checked = crosswalk(&["check", book.to_str().unwrap(), "--deny-warnings"]);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    let site = build_book(&book, &tmp.path().join("site"));
    let target = page(&site, "documents/hcb-0001.html");
    assert!(
        target.contains("<h2 id=\"builds-on-hcb-0002\">Builds on <a href=\"../documents/hcb-0002.html\">HCB-0002 Source</a></h2>"),
        "{}",
        body_of(&target)
    );
    let source = page(&site, "documents/hcb-0002.html");
    assert!(
        source.contains("href=\"../documents/hcb-0001.html#builds-on-hcb-0002\""),
        "{}",
        body_of(&source)
    );
}

/// The relation diagram says in words what it draws (its `<desc>`, for
/// screen readers), escapes titles, and cuts long ones to fit their box.
#[test]
fn the_relation_diagram_describes_and_clips_its_neighbours() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Diagram");
    write_document(
        &book,
        "0001-basis.md",
        1,
        "Budget & staffing",
        "",
        "Text.\n",
    );
    write_document(
        &book,
        "0002-plan.md",
        2,
        "Plan",
        "requires = [\"HCB-0001\"]\nrelated = [\"HCB-0003\"]\n",
        "Text.\n",
    );
    write_document(
        &book,
        "0003-long.md",
        3,
        "A title much longer than any diagram box holds",
        "",
        "Text.\n",
    );
    let checked = crosswalk(&["check", book.to_str().unwrap(), "--deny-warnings"]);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    let site = build_book(&book, &tmp.path().join("site"));
    let plan = page(&site, "documents/hcb-0002.html");
    assert!(
        plan.contains(
            "<desc id=\"rel-svg-desc\">HCB-0002 requires HCB-0001 (Budget &amp; staffing); \
             HCB-0002 is related to HCB-0003 (A title much longer than any diagram box holds).</desc>"
        ),
        "{}",
        body_of(&plan)
    );
    assert!(
        plan.contains("<line class=\"rel-edge rel-requires\" x1=\""),
        "{plan}"
    );
    assert!(
        plan.contains("class=\"rel-title\">A title much longer than a…</text>"),
        "{plan}"
    );
    let basis = page(&site, "documents/hcb-0001.html");
    assert!(
        basis.contains("<desc id=\"rel-svg-desc\">HCB-0001 is required by HCB-0002 (Plan).</desc>"),
        "{}",
        body_of(&basis)
    );
    assert!(
        basis.contains("<line class=\"rel-edge rel-required-by\""),
        "{basis}"
    );
}

/// A site directory of ours that comes to hold the book (moved into it)
/// is not replaced: the swap would delete the book along with the old site.
#[test]
fn a_build_never_replaces_a_directory_holding_the_book() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let book = empty_book(tmp.path(), "Moved");
    write_document(&book, "0001-a.md", 1, "A", "", "Text.\n");
    build_book(&book, &out);
    let moved = out.join("book");
    std::fs::rename(&book, &moved).unwrap();
    let again = crosswalk(&[
        "build",
        moved.to_str().unwrap(),
        "--dest",
        out.to_str().unwrap(),
        "--no-search",
    ]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("the book (") && text(&again.stderr).contains("is inside it"),
        "{}",
        text(&again.stderr)
    );
    assert!(
        moved.join("docs/0001-a.md").exists(),
        "the book is still there"
    );
    assert!(out.join("index.html").exists(), "the previous site too");
}

/// `coverage` and `refs` answer from the whole index: with a document that
/// fails to load they would report it uncovered or unknown, with success.
/// They print the errors and exit 1 instead.
#[test]
fn queries_refuse_a_book_with_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Broken");
    write_document(
        &book,
        "0001-a.md",
        1,
        "A",
        "controls = [\"CYFUN2023:PR.AC-1\"]\n",
        "Text.\n",
    );
    let dir = book.to_str().unwrap();
    let fine = crosswalk(&["refs", "HCB-0001", dir]);
    assert!(fine.status.success(), "{}", text(&fine.stderr));
    let path = book.join("docs/0001-a.md");
    let broken = std::fs::read_to_string(&path)
        .unwrap()
        .replace("title = \"A\"", "title = \"A");
    std::fs::write(&path, broken).unwrap();
    for args in [
        vec!["refs", "HCB-0001", dir],
        vec!["coverage", "--framework", "CYFUN2023", dir],
    ] {
        let out = crosswalk(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("error[CW004]"), "{args:?}: {stderr}");
        assert!(stderr.contains("docs/0001-a.md:3:"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("may leave part of the index out"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "no answer on stdout: {args:?}");
    }
}

/// Pictures and downloads beside the documents are copied into the site
/// under `files/` and linked there; a link to a file the book lacks is a
/// located CW014.
#[test]
fn files_beside_the_documents_are_copied_and_linked() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Files");
    let area = book.join("docs/governance");
    std::fs::create_dir_all(area.join("img")).unwrap();
    std::fs::write(area.join("img/zones map.png"), b"png bytes").unwrap();
    std::fs::write(book.join("docs/spec.pdf"), b"pdf bytes").unwrap();
    let body = "![Zones \"A\"](<img/zones map.png>)\n\n[The spec](../spec.pdf#page=2)\n";
    std::fs::write(
        area.join("0001-zones.md"),
        format!(
            "+++\nid = \"HCB-0001\"\ntitle = \"Zones\"\nkind = \"guidance\"\nstatus = \"active\"\n\
             version = \"1.0\"\ncreated = 2026-01-05\nauthors = [\"A\"]\nsummary = \"S.\"\n+++\n{body}"
        ),
    )
    .unwrap();
    let checked = crosswalk(&["check", book.to_str().unwrap(), "--deny-warnings"]);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    let site = build_book(&book, &tmp.path().join("site"));
    assert_eq!(site["files/governance/img/zones map.png"], b"png bytes");
    assert_eq!(site["files/spec.pdf"], b"pdf bytes");
    assert!(
        !site.contains_key("files/governance/0001-zones.md"),
        "sources stay out"
    );
    let page = page(&site, "documents/hcb-0001.html");
    assert!(
        page.contains(
            "<img src=\"../files/governance/img/zones%20map.png\" alt=\"Zones &quot;A&quot;\" />"
        ),
        "{}",
        body_of(&page)
    );
    assert!(
        page.contains("<a href=\"../files/spec.pdf#page=2\">The spec</a>"),
        "{}",
        body_of(&page)
    );
    std::fs::remove_file(book.join("docs/spec.pdf")).unwrap();
    let broken = crosswalk(&["check", book.to_str().unwrap()]);
    let stderr = text(&broken.stderr);
    assert_eq!(broken.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .contains("error[CW014]: broken link: `../spec.pdf#page=2` is not a file of this book"),
        "{stderr}"
    );
    assert!(
        stderr.contains("docs/governance/0001-zones.md:13:"),
        "{stderr}"
    );
}

/// A page that fails to render fails the build with its own error, even
/// with the search index built beside the pages (which then gives up rather
/// than finish an index for a site that will not be written). A template
/// of the book's is the book's error: CW044 at the name Tera complains
/// about, exit 1 like a check error.
#[test]
fn a_page_that_fails_to_render_fails_the_build_with_its_own_error() {
    let (tmp, book) = good_book_with_templates(&[(
        "document.html",
        "<p>fine</p>\n<h1>{{ doc.title }} {{ no_such_value }}</h1>\n",
    )]);
    let site = tmp.path().join("site");
    let out = build_into(&book, &site, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[CW044]: template `document.html` fails to render documents/"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Variable `no_such_value` not found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--> theme/templates/document.html:2:24"),
        "located at the name in the book's file: {stderr}"
    );
    assert!(stderr.contains("= help: "), "{stderr}");
    assert!(!stderr.contains("stopped"), "{stderr}");
    assert!(!site.exists(), "no site written");
    let leftovers = entries(tmp.path());
    assert_eq!(
        leftovers.len(),
        1,
        "no staging directory left: {leftovers:?}"
    );
}

/// An unknown filter in a partial of the book's is located in the partial,
/// whichever page's template included it.
#[test]
fn an_unknown_filter_in_a_partial_is_located_in_the_partial() {
    let (tmp, book) =
        good_book_with_templates(&[("doc_card.html", "<li>\n  {{ doc.title | shout }}\n</li>\n")]);
    let site = tmp.path().join("site");
    let out = build_into(&book, &site, &["--no-search"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[CW044]: template `doc_card.html` fails to render"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--> theme/templates/doc_card.html:2:18"),
        "{stderr}"
    );
    assert!(!site.exists(), "no site written");
}

/// A template of the book's own theme that does not parse fails `check`
/// (CW037, located in the book's file, in every format), and `build`
/// refuses like for any other check error, leaving the previous site.
#[test]
fn a_broken_theme_template_fails_check_and_build_refuses() {
    let (tmp, book) = good_book_with_templates(&[(
        "listing.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock %}\n",
    )]);
    let book_arg = book.to_str().unwrap();
    let out = crosswalk(&["check", book_arg]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[CW037]") && stderr.contains("theme/templates/listing.html:3:7"),
        "{stderr}"
    );
    let out = crosswalk(&["check", book_arg, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cw037: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "CW037")
        .collect();
    assert_eq!(cw037.len(), 1, "{report}");
    assert_eq!(cw037[0]["file"], "theme/templates/listing.html");
    assert_eq!(
        (cw037[0]["line"].as_u64(), cw037[0]["column"].as_u64()),
        (Some(3), Some(7))
    );
    assert!(cw037[0]["help"].is_string());
    let out = crosswalk(&["check", book_arg, "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("theme/templates/listing.html,line=3,col=7"),
        "{}",
        text(&out.stdout)
    );

    let dest = tmp.path().join("site");
    let before = build_good(&dest);
    let out = crosswalk(&["build", book_arg, "--dest", dest.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("CW037"), "{stderr}");
    assert_eq!(snapshot_dir(&dest), before, "previous site intact");
}

/// A mistake on a line of a megabyte is quoted as a window around it, at
/// its real line and column. Before, each such diagnostic printed the whole
/// line, and its caret after as many spaces.
#[test]
fn a_mistake_on_a_huge_line_is_quoted_in_a_window() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    copy_tree(&fixture("good"), &book);
    let blob = "x".repeat(1_000_000);
    let doc = book.join("docs/governance/0099-blob.md");
    std::fs::write(
        &doc,
        format!(
            "+++\nid = \"HCB-0099\"\ntitle = \"Blob\"\nkind = \"guidance\"\nstatus = \"active\"\n\
             version = \"1.0\"\ncreated = 2026-01-01\n+++\n\nSee {blob} [the spec](nowhere.md).\n"
        ),
    )
    .unwrap();
    let out = crosswalk(&["check", book.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.len() < 5_000, "{} bytes of report", stderr.len());
    assert!(
        stderr.contains(&format!(
            "docs/governance/0099-blob.md:10:{}",
            "See ".len() + blob.len() + 2
        )),
        "{stderr}"
    );
    assert!(stderr.contains("…xxx"), "{stderr}");
    assert!(stderr.contains("[the spec](nowhere.md)."), "{stderr}");
}

/// A file that is not UTF-8 is quoted with U+FFFD for its bad bytes, which
/// are wider than the byte its span points at: the human report widens the
/// span instead of panicking (a regression of the windowed quotes).
#[test]
fn a_file_that_is_not_utf8_is_reported_in_human_format() {
    let out = crosswalk(&["check", fixture("check/CW001-not-utf8").to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[CW001]: file is not valid UTF-8"),
        "{stderr}"
    );
    assert!(stderr.contains("--> docs/0002-case.md:3:13"), "{stderr}");
}

/// A book whose source directory is the whole book (`src = "."`) holds its
/// own site: each build copied the previous one into `files/` (and
/// published `book.toml`), so a site held every earlier one and two builds
/// of the same book differed. A directory crosswalk built is never content.
#[test]
fn a_site_inside_the_source_directory_is_never_copied_into_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Whole");
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"Whole\"\nsrc = \".\"\n",
    )
    .unwrap();
    write_document(&book, "0001-a.md", 1, "A", "", "![Plan](plan.png)\n");
    std::fs::write(book.join("docs/plan.png"), b"png").unwrap();
    let build = |dest: &str| {
        let dest = book.join(dest);
        build_ok(&book, &dest, &["--no-search"]);
        snapshot_dir(&dest)
    };
    let first = build("site");
    let second = build("site");
    assert!(
        first.contains_key("files/docs/plan.png"),
        "content is copied"
    );
    let leaked: Vec<&String> = first
        .keys()
        .filter(|k| k.starts_with("files/") && !k.starts_with("files/docs/"))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
    assert!(first == second, "two builds of one book differ");
    // Nor is a site built elsewhere in the book with --dest.
    let preview = build("preview");
    assert!(!preview.keys().any(|k| k.starts_with("files/site/")));
    let again = build("site");
    assert!(!again.keys().any(|k| k.starts_with("files/preview/")));
}

/// `new` writes a document that checks whatever the title holds, or
/// refuses the title (exit 2): a line break went into the TOML string raw
/// (CW004), and an empty title wrote `title = ""` (CW007), both with exit 0.
#[test]
fn new_refuses_titles_it_cannot_write_and_escapes_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("good"), tmp.path());
    let book = tmp.path().to_str().unwrap();
    let new = |title: &str| crosswalk(&["new", "--kind", "guidance", "--book", book, title]);
    for refused in ["line one\nline two", "", "   ", "bell\u{7}", "a\u{2028}b"] {
        let out = new(refused);
        assert_eq!(out.status.code(), Some(2), "{refused:?}");
        assert!(
            text(&out.stderr).starts_with("error: the title"),
            "{refused:?}"
        );
    }
    let out = new("Quote \" and \\ backslash");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let check = crosswalk(&["check", book]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

/// Links to documents are found however their names are written:
/// percent-encoded as GitHub and address bars copy them, or with accents
/// composed where the file's name has combining ones (older Macs). Both
/// were CW014 while the same links to pictures worked.
#[test]
fn links_to_documents_are_decoded_and_compared_composed() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Links");
    write_document(
        &book,
        "0001-a.md",
        1,
        "A",
        "",
        "[x](0002-s%C3%A9curit%C3%A9.md) [z](0003-caf\u{e9}.md#intro)\n",
    );
    write_document(&book, "0002-s\u{e9}curit\u{e9}.md", 2, "S", "", "Text.\n");
    write_document(&book, "0003-cafe\u{301}.md", 3, "C", "", "## Intro\n");
    let check = crosswalk(&["check", book.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    let site = tmp.path().join("site");
    build_ok(&book, &site, &["--no-search"]);
    let page = std::fs::read_to_string(site.join("documents/hcb-0001.html")).unwrap();
    assert!(
        page.contains("<a href=\"../documents/hcb-0002.html\">x</a>"),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"../documents/hcb-0003.html#intro\">z</a>"),
        "{page}"
    );
}

/// A body's first `# heading` is left out only when it repeats the title
/// (the page shows the title as its one h1); with other words it is kept,
/// one level down like every other heading. It was always dropped, losing
/// its text and the target of links to its anchor.
#[test]
fn a_first_heading_is_dropped_only_when_it_repeats_the_title() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Headings");
    write_document(
        &book,
        "0001-a.md",
        1,
        "Doc A",
        "",
        "# Purpose of this document\n\nIntro.\n\n## Note\n\n# Second top heading\n",
    );
    write_document(&book, "0002-b.md", 2, "Doc B", "", "#  doc   b\n\nIntro.\n");
    let site = tmp.path().join("site");
    build_ok(&book, &site, &["--no-search"]);
    let read = |p: &str| std::fs::read_to_string(site.join(p)).unwrap();
    let a = read("documents/hcb-0001.html");
    assert!(
        a.contains("<h2 id=\"purpose-of-this-document\">Purpose of this document</h2>"),
        "{a}"
    );
    assert!(a.contains("<h3 id=\"note\">Note</h3>"), "{a}");
    assert!(a.contains("<h2 id=\"second-top-heading\">"), "{a}");
    assert_eq!(a.matches("<h1").count(), 1, "one h1: the title");
    let b = read("documents/hcb-0002.html");
    assert!(
        !b.contains("id=\"doc-b\""),
        "the repeated title is left out"
    );
    assert_eq!(b.matches("<h1").count(), 1);
}

/// `refs` and `coverage` refusing a book with errors print what `check`
/// prints, warnings and summary line included, so their counts agree with
/// it (they once listed the errors alone and counted no warning).
#[test]
fn queries_refusing_a_book_print_what_check_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Mixed");
    // An unknown key (CW006, an error) and a passed review date (CW024, a
    // warning).
    write_document(
        &book,
        "0001-a.md",
        1,
        "A",
        "controls = [\"CYFUN2023:PR.AC-1\"]\ncolour = \"red\"\nreview-by = 2020-01-01\n",
        "Text.\n",
    );
    let dir = book.to_str().unwrap();
    let check = crosswalk(&["check", dir]);
    let report = text(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{report}");
    assert!(report.contains("error[CW006]"), "{report}");
    assert!(report.contains("warning[CW024]"), "{report}");
    assert!(report.ends_with("check: 1 error, 1 warning\n"), "{report}");
    for args in [
        vec!["refs", "HCB-0001", dir],
        vec!["coverage", "--framework", "CYFUN2023", dir],
    ] {
        let out = crosswalk(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&report),
            "{args:?}: the report of `check`, then the refusal:\n{stderr}"
        );
        assert!(
            stderr.contains("the 1 error above may leave part of the index out"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "no answer on stdout: {args:?}");
    }
}

/// A server shows 404.html at any missing address, however deep, so its
/// links (stylesheet, navigation, search) start from the site's base path:
/// relative ones pointed under the missing address and the page lost its
/// style and navigation.
#[test]
fn the_not_found_page_links_from_the_base_path() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    build_ok(&fixture("good"), &site, &["--no-search"]);
    let page = std::fs::read_to_string(site.join("404.html")).unwrap();
    assert!(page.contains("href=\"/hcb/assets/style.css\""), "{page}");
    assert!(
        page.contains("href=\"/hcb/documents/index.html\""),
        "{page}"
    );
    let relative: Vec<&str> = page
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| !href.starts_with('/') && !href.starts_with('#') && !href.contains("://"))
        .collect();
    assert!(relative.is_empty(), "{relative:?}");
}

/// A site without a search index shows no search box: `build --no-search`
/// previews offered one that could not work, and `[build] search = false`
/// was ignored (the index was built anyway).
#[test]
fn a_site_without_search_shows_no_search_box() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    copy_tree(&fixture("good"), &book);
    let preview = tmp.path().join("preview");
    build_ok(&book, &preview, &["--no-search"]);
    for page in ["index.html", "documents/hcb-0001.html"] {
        let html = std::fs::read_to_string(preview.join(page)).unwrap();
        assert!(!html.contains("role=\"search\""), "{page}");
    }
    // Nor a search page that could only fail, or its script (a regression:
    // both were published, and the sitemap listed the page).
    assert!(!preview.join("search.html").exists());
    assert!(!preview.join("assets/search.js").exists());
    let sitemap = std::fs::read_to_string(preview.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains("search.html"), "{sitemap}");
    let config = std::fs::read_to_string(book.join("book.toml")).unwrap();
    let config = if config.contains("[build]") {
        config.replacen("[build]", "[build]\nsearch = false", 1)
    } else {
        format!("{config}\n[build]\nsearch = false\n")
    };
    std::fs::write(book.join("book.toml"), config).unwrap();
    let site = tmp.path().join("site");
    build_ok(&book, &site, &[]);
    assert!(
        !site.join("pagefind").exists(),
        "no index when the book says so"
    );
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(!home.contains("role=\"search\""));
}

/// `[[FRAMEWORK:ID]]` links a requirement's page when it has one (cited or
/// inferred), and otherwise its place in the framework's tree: it linked a
/// page that was never written. The link names the requirement.
#[test]
fn a_wiki_link_to_a_requirement_always_lands() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Wiki");
    write_document(
        &book,
        "0001-a.md",
        1,
        "A",
        "controls = [\"800-53:AC-2\"]\n",
        "See [[800-53:AC-2]] and [[CYFUN2023:PR.AC-1]].\n",
    );
    let site = tmp.path().join("site");
    build_ok(&book, &site, &["--no-search"]);
    let page = std::fs::read_to_string(site.join("documents/hcb-0001.html")).unwrap();
    let cited = "<a href=\"../controls/800-53/ac-2.html\">800-53 AC-2 Account Management</a>";
    assert!(page.contains(cited), "{page}");
    let tree = "<a href=\"../controls/cyfun2023/index.html#req-pr-ac-1\">CYFUN2023 PR.AC-1";
    assert!(page.contains(tree), "{page}");
    assert!(!site.join("controls/cyfun2023/pr-ac-1.html").exists());
    let framework = std::fs::read_to_string(site.join("controls/cyfun2023/index.html")).unwrap();
    assert!(framework.contains("id=\"req-pr-ac-1\""));
}

/// A feed entry's summary ends at the document's version when it has no
/// summary of its own: it ended in ": ".
#[test]
fn a_feed_entry_without_a_summary_does_not_end_in_a_colon() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Feed");
    write_document(&book, "0001-a.md", 1, "A", "", "Text.\n");
    std::fs::write(
        book.join("docs/0002-b.md"),
        "+++\nid = \"HCB-0002\"\ntitle = \"B\"\nkind = \"guidance\"\nstatus = \"active\"\n\
         version = \"1.0\"\ncreated = 2026-01-05\n+++\nText.\n",
    )
    .unwrap();
    let site = tmp.path().join("site");
    build_ok(&book, &site, &["--no-search"]);
    let feed = std::fs::read_to_string(site.join("feed.xml")).unwrap();
    assert!(
        feed.contains("<summary>New (active, version 1.0): S.</summary>"),
        "{feed}"
    );
    assert!(
        feed.contains("<summary>New (active, version 1.0)</summary>"),
        "{feed}"
    );
}

/// `build --base-url` publishes under another address than book.toml's,
/// as a deploy needs (the book keeps "/" for previews): the sitemap, the
/// feed and canonical links take it; a value book.toml would refuse is a
/// usage error.
#[test]
fn build_base_url_overrides_the_books_for_absolute_links() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Deployed");
    write_document(&book, "0001-plan.md", 1, "Plan", "", "Text.\n");
    let dest = tmp.path().join("site");
    build_ok(
        &book,
        &dest,
        &["--no-search", "--base-url", "https://example.org/kb/"],
    );
    let site = snapshot_dir(&dest);
    assert!(
        page(&site, "sitemap.xml")
            .contains("<loc>https://example.org/kb/documents/hcb-0001.html</loc>"),
        "{}",
        page(&site, "sitemap.xml")
    );
    assert!(page(&site, "feed.xml").contains("https://example.org/kb/documents/hcb-0001.html"));
    assert!(page(&site, "documents/hcb-0001.html").contains(
        "<link rel=\"canonical\" href=\"https://example.org/kb/documents/hcb-0001.html\">"
    ));

    let refused = build_into(
        &book,
        &tmp.path().join("other"),
        &["--base-url", "example.org/kb"],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("--base-url")
            && stderr.contains("neither a path starting with `/` nor an http(s) address"),
        "{stderr}"
    );
    assert!(!tmp.path().join("other").exists(), "nothing written");
}

/// A pull request's text must not drive the reviewer's terminal: escape
/// sequences, bells, lone carriage returns and bidirectional overrides in
/// a document (quoted under a diagnostic, or named in its message) are
/// printed as visible characters, never as the bytes themselves.
#[test]
fn the_human_report_prints_no_terminal_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Hostile");
    write_document(
        &book,
        "0001-hostile.md",
        1,
        "Hostile",
        "",
        "\u{1b}[2J\u{1b}]0;pwned\u{7} [[T9999\u{1b}[31m]] \u{202e}red\rover\n",
    );
    let out = crosswalk(&["check", book.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stderr);
    assert!(report.contains("error[CW012]"), "{report}");
    assert!(report.contains("0001-hostile.md:11:16"), "{report}");
    for forbidden in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
        assert!(
            !report.contains(forbidden),
            "{forbidden:?} reached the terminal: {report:?}"
        );
    }
    assert!(
        report.contains("?[2J?]0;pwned?"),
        "shown in place: {report}"
    );
}

/// The number of documents for a technique is one number on every page:
/// the matrix cell, its tactic pages' rows and its own page count the
/// documents addressing it or one of its sub-techniques. Regression: a
/// cell said "17 docs via sub-techniques" while the tactic page said 0 and
/// the technique's page called it a gap the community could fill.
#[test]
fn a_technique_has_one_document_count_on_every_page() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    build_ok(Path::new(env!("CARGO_MANIFEST_DIR")), &site, &[]);
    let read = |rel: &str| std::fs::read_to_string(site.join(rel)).unwrap();
    let matrix = read("attack/enterprise/index.html");
    // `T1547 · 17 docs via sub-techniques`, `T1059 · 3 docs, 1 on ...`.
    let mut cells = BTreeMap::new();
    for part in matrix.split("<span class=\"tid\">").skip(1) {
        let label = &part[..part.find("</span>").unwrap()];
        let id = label.split(' ').next().unwrap().to_string();
        let n: usize = label
            .split(" · ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        cells.insert(id, (n, label.to_string()));
    }
    assert!(cells
        .values()
        .any(|(_, l)| l.contains("via sub-techniques")));
    let mut rows = 0;
    for entry in std::fs::read_dir(site.join("attack/enterprise")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.starts_with("ta") {
            continue;
        }
        let page = read(&format!("attack/enterprise/{name}"));
        for row in page.split("<tr><td><a href=").skip(1) {
            let id = row.split('>').nth(1).unwrap().split(' ').next().unwrap();
            let count: usize = row
                .split("</a></td><td>")
                .nth(1)
                .and_then(|c| c.split(|ch: char| !ch.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok())
                .unwrap();
            let (cell, label) = &cells[id];
            assert_eq!(
                count, *cell,
                "{name}: {id} row {count}, matrix cell {label}"
            );
            rows += 1;
        }
    }
    assert!(rows > 100, "{rows} tactic rows read");
    for (id, (n, label)) in &cells {
        if !label.contains("via sub-techniques") {
            continue;
        }
        let page = read(&format!("attack/enterprise/{}.html", id.to_lowercase()));
        assert!(!page.contains("a gap the community could fill"), "{id}");
        assert!(
            page.contains(&format!(
                "{n} document{} address",
                if *n == 1 { "" } else { "s" }
            )),
            "{id}: the page names the {n} documents of its sub-techniques"
        );
    }
}

/// Every page names an icon the site ships (browsers asked for a missing
/// /favicon.ico on every page view), and a crosswalk table has no column
/// that is empty in every row (no embedded mapping set grades strength).
#[test]
fn pages_name_a_shipped_icon_and_crosswalks_no_empty_column() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build_good(&tmp.path().join("site"));
    assert!(files.contains_key("assets/favicon.svg"));
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = text(bytes);
        // The 404 page is served at any address: its links start at the
        // site's base path instead of being relative.
        let depth = path.matches('/').count();
        let icon = if path == "404.html" {
            "assets/favicon.svg\"".to_string()
        } else {
            format!("href=\"{}assets/favicon.svg\"", "../".repeat(depth))
        };
        assert!(html.contains(&icon), "{path} names no icon");
    }
    let crosswalks: Vec<_> = files
        .keys()
        .filter(|p| p.starts_with("crosswalks/"))
        .collect();
    assert!(!crosswalks.is_empty());
    for path in crosswalks {
        assert!(!page(&files, path).contains(">Strength</th>"), "{path}");
    }
}

/// What a vendor takes away is published with the site, linked from the
/// pages that show it, and says what the pages and the CLI say: the
/// coverage files are the bytes `crosswalk coverage` prints, the documents
/// file lists every document with its citations, and each ATT&CK matrix
/// has a Navigator layer scoring the techniques the book addresses.
#[test]
fn the_site_publishes_its_data_for_other_tools() {
    let tmp = tempfile::tempdir().unwrap();
    let book = fixture("good");
    let files = build_book(&book, &tmp.path().join("site"));
    for alias in ["CYFUN2023", "NIS2IR"] {
        let slug = alias.to_lowercase();
        for format in ["csv", "json"] {
            let out = crosswalk(&[
                "coverage",
                "--framework",
                alias,
                "--format",
                format,
                book.to_str().unwrap(),
            ]);
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert_eq!(
                page(&files, &format!("exports/coverage/{slug}.{format}")),
                text(&out.stdout),
                "{alias} {format}"
            );
        }
        let dashboard = page(&files, &format!("coverage/{slug}/index.html"));
        assert!(dashboard.contains(&format!("href=\"../../exports/coverage/{slug}.csv\"")));
    }
    let documents: serde_json::Value =
        serde_json::from_str(&page(&files, "exports/documents.json")).unwrap();
    let listed = documents["documents"].as_array().unwrap();
    let pages = files
        .keys()
        .filter(|p| p.starts_with("documents/hcb-"))
        .count();
    assert_eq!(listed.len(), pages, "one entry per document page");
    for doc in listed {
        assert!(files.contains_key(doc["url"].as_str().unwrap()), "{doc}");
    }
    assert!(
        listed
            .iter()
            .any(|d| d["controls"].as_array().is_some_and(|c| c
                .iter()
                .any(|c| c["id"].as_str().is_some_and(|id| id.contains(':'))))),
        "citations are ALIAS:ID"
    );
    assert!(page(&files, "documents/index.html").contains("href=\"../exports/documents.json\""));
    let layer: serde_json::Value =
        serde_json::from_str(&page(&files, "exports/attack/enterprise.json")).unwrap();
    assert_eq!(layer["domain"], "enterprise-attack");
    assert_eq!(layer["versions"]["layer"], "4.5");
    let scored = layer["techniques"].as_array().unwrap();
    assert!(!scored.is_empty());
    for t in scored {
        let id = t["techniqueID"].as_str().unwrap();
        assert!(t["score"].as_u64().unwrap() >= 1, "{id}");
        assert!(
            files.contains_key(&format!(
                "attack/enterprise/{}.html",
                id.to_lowercase().replace('.', "-")
            )),
            "{id} has a page"
        );
    }
    assert!(page(&files, "attack/enterprise/index.html")
        .contains("href=\"../../exports/attack/enterprise.json\""));
}

/// `check --format json | head -1`, or a CI step that stops reading: the
/// verdict is still the exit code (0 clean, 1 errors), not 2 with
/// "cannot write the report: Broken pipe".
#[test]
fn check_with_a_closed_stdout_still_exits_with_its_verdict() {
    let clean = fixture("good");
    let tmp = tempfile::tempdir().unwrap();
    let broken = empty_book(tmp.path(), "Broken");
    write_document(&broken, "0001-a.md", 1, "A", "", "[[HCB-0404]]\n");
    for (book, verdict) in [(&clean, 0), (&broken, 1)] {
        let out =
            common::with_closed_stdout(&["check", book.to_str().unwrap(), "--format", "json"]);
        assert_eq!(out.status.code(), Some(verdict), "{}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("cannot write"));
    }
}

/// With a base-url that is only a path (`/`, the default and this
/// project's own), no host is known: the site has no sitemap (the protocol
/// wants absolute URLs, and crawlers rejected `<loc>/index.html</loc>`)
/// and no link to one, and the feed's ids are stable `urn:uuid:` names,
/// as Atom wants absolute ids. With a host, both use the pages' URLs.
#[test]
fn a_site_without_a_host_has_no_sitemap_and_a_valid_feed() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Pathless");
    write_document(&book, "0001-a.md", 1, "A", "", "Body.\n");
    let files = build_book(&book, &tmp.path().join("site"));
    assert!(!files.contains_key("sitemap.xml"));
    assert!(!page(&files, "index.html").contains("sitemap.xml"));
    let feed = page(&files, "feed.xml");
    let ids: Vec<&str> = feed
        .split("<id>")
        .skip(1)
        .map(|s| &s[..s.find("</id>").unwrap()])
        .collect();
    assert_eq!(ids.len(), 2, "{feed}");
    for id in &ids {
        assert!(id.starts_with("urn:uuid:") && id.len() == 45, "{id}");
    }
    assert_ne!(ids[0], ids[1]);
    let again = build_book(&book, &tmp.path().join("again"));
    assert_eq!(page(&again, "feed.xml"), feed, "the same ids every build");

    let hosted = build_book(&fixture("good"), &tmp.path().join("hosted"));
    assert!(page(&hosted, "sitemap.xml").contains("<loc>https://example.org/hcb/"));
    assert!(page(&hosted, "feed.xml").contains("<id>https://example.org/hcb/"));
    assert!(page(&hosted, "index.html").contains("sitemap.xml"));
}

/// "Did you mean" never names the citing document itself: `HCB-0010`
/// requiring an unknown `HCB-0011` was told "did you mean HCB-0010?",
/// and following that is CW013 (a document requiring itself).
#[test]
fn an_unknown_id_is_never_answered_with_the_citing_document() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Self");
    write_document(
        &book,
        "0010-a.md",
        10,
        "A",
        "requires = [\"HCB-0011\"]\n",
        "Text.\n",
    );
    let out = crosswalk(&["check", book.to_str().unwrap()]);
    let report = text(&out.stderr);
    assert!(report.contains("error[CW012]"), "{report}");
    assert!(!report.contains("did you mean `HCB-0010`"), "{report}");
}

/// Not only check's report: every command that prints what a book holds
/// (a title, a note) writes what a terminal would obey as a visible
/// `\u001b`, and JSON stays JSON with the same meaning.
#[test]
fn no_command_prints_a_documents_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Hostile");
    write_document(
        &book,
        "0001-hostile.md",
        1,
        "Evil \\u001b[31mred\\u001b]0;pwned\\u0007 title",
        "techniques = [{ id = \"T1486\", relation = \"mitigates\" }]\ncontrols = [{ id = \"CYFUN2023:PR.AC-1.1\", note = \"n \\u001b[1m\\u009b\" }]\n",
        "Text.\n",
    );
    let dir = book.to_str().unwrap();
    for args in [
        vec!["refs", "T1486", dir],
        vec!["refs", "HCB-0001", dir],
        vec!["refs", "HCB-0001", "--format", "json", dir],
    ] {
        let out = crosswalk(&args);
        let printed = text(&out.stdout);
        assert!(printed.contains("Evil"), "{args:?}: {printed}");
        for c in ['\u{1b}', '\u{7}', '\u{9b}'] {
            assert!(!printed.contains(c), "{args:?} printed {c:?}: {printed:?}");
        }
        if args.contains(&"json") {
            let json: serde_json::Value = serde_json::from_str(&printed).expect("still JSON");
            assert!(json.to_string().contains("Evil"));
        }
    }
    // check's GitHub annotations, for a message quoting the document.
    write_document(
        &book,
        "0002-link.md",
        2,
        "Link",
        "",
        "[[HCB-0404\u{1b}[31m]]\n",
    );
    let out = crosswalk(&["check", dir, "--format", "github"]);
    let printed = text(&out.stdout);
    assert!(printed.contains("title=CW012::"), "{printed}");
    assert!(printed.contains("\\u001b[31m"), "{printed}");
    assert!(!printed.contains('\u{1b}'), "{printed:?}");
}

/// documents.json names requirements and techniques as the catalogs write
/// them, as the coverage files, the Navigator layers and `refs` do, however
/// a document spelt them: an integrator joins the files on these ids.
#[test]
fn exported_citations_use_the_catalogs_spelling() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Spellings");
    write_document(
        &book,
        "0001-a.md",
        1,
        "A",
        "controls = [\"cyfun2023:BASIC_PR.AC-1.1\", \"800-53:ac-02\", \"csf2:PR.AA-1\"]\ntechniques = [\"t1486\"]\n",
        "Text.\n",
    );
    let files = build_book(&book, &tmp.path().join("site"));
    let documents: serde_json::Value =
        serde_json::from_str(&page(&files, "exports/documents.json")).unwrap();
    let doc = &documents["documents"][0];
    let ids: Vec<&str> = doc["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["CYFUN2023:PR.AC-1.1", "800-53:AC-2", "CSF2:PR.AA-01"]);
    assert_eq!(doc["techniques"][0]["id"], "T1486");
}

/// `refs` reads a document id as the search page does: `hcb-1` and
/// `HCB-1` are `HCB-0001` (it answered "did you mean HCB-0001?").
#[test]
fn refs_reads_a_document_number_without_its_padding() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Padding");
    write_document(&book, "0001-a.md", 1, "Alpha", "", "Text.\n");
    for written in ["hcb-1", "HCB-1", "hcb-0001"] {
        let out = crosswalk(&["refs", written, book.to_str().unwrap()]);
        assert!(out.status.success(), "{written}: {}", text(&out.stderr));
        assert!(text(&out.stdout).starts_with("HCB-0001 Alpha"), "{written}");
    }
}

/// On Unix a backslash is a character of a file name, not a folder: such a
/// document was "cannot read file: No such file or directory" (CW001) at
/// `0003-back/slash.md`; it is a name that is not `NNNN-slug.md` (CW030).
#[cfg(unix)]
#[test]
fn a_backslash_in_a_file_name_is_a_character() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Backslash");
    write_document(&book, "0003-back\\slash.md", 3, "B", "", "Text.\n");
    let out = crosswalk(&["check", book.to_str().unwrap()]);
    let report = text(&out.stderr);
    assert!(report.contains("error[CW030]"), "{report}");
    assert!(report.contains("docs/0003-back\\slash.md:1:1"), "{report}");
    assert!(!report.contains("CW001"), "{report}");
}

/// A technique MITRE deprecated keeps its page (citations of it are
/// explained there) but the sitemap does not invite crawlers to it: no
/// page links it, and it called itself a gap to fill.
#[test]
fn the_sitemap_leaves_out_deprecated_technique_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build_good(&tmp.path().join("site"));
    let sitemap = page(&files, "sitemap.xml");
    let deprecated: Vec<&String> = files
        .iter()
        .filter(|(p, bytes)| p.starts_with("attack/") && text(bytes).contains("banner-deprecated"))
        .map(|(p, _)| p)
        .collect();
    assert!(
        !deprecated.is_empty(),
        "the embedded ATT&CK has deprecated techniques"
    );
    for path in deprecated {
        assert!(
            !sitemap.contains(&format!("/{path}<")),
            "{path} is in the sitemap"
        );
    }
    assert!(sitemap.contains("attack/enterprise/t1486.html"));
}

/// CW051's help says whether any row of the file is used: it said "the
/// other rows are used" when every row was skipped.
#[test]
fn a_mapping_file_with_no_usable_row_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let book = empty_book(tmp.path(), "Nothing usable");
    std::fs::create_dir_all(book.join("catalogs")).unwrap();
    std::fs::write(
        book.join("catalogs/mapex.json"),
        r#"{"metadata": {"technology_domain": "enterprise", "attack_version": "16.1", "mapping_framework": "nist_800_53", "mapping_framework_version": "rev5"},
 "mapping_objects": [{"capability_id": "IA-13", "mapping_type": "mitigates", "attack_object_id": "T1078", "status": "complete"}]}"#,
    )
    .unwrap();
    let config = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        format!("{config}[mappings]\nembedded = false\nfiles = [\"catalogs/mapex.json\"]\n"),
    )
    .unwrap();
    write_document(&book, "0001-a.md", 1, "A", "", "Text.\n");
    let report = text(&crosswalk(&["check", book.to_str().unwrap()]).stderr);
    assert!(report.contains("warning[CW051]: 1 of 1 rows"), "{report}");
    assert!(report.contains("no row of the file is used"), "{report}");
}
