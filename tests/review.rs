//! Review features end to end: every `check` output format on a small
//! fixture book (snapshots), SARIF validated against the official OASIS
//! schema, and `check --changed-since` / `diff` on real temporary git
//! repositories built with the `git` command line.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn crosswalk_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run crosswalk")
}

fn crosswalk(args: &[&str]) -> Output {
    crosswalk_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn formats_book() -> String {
    fixture("review/formats").to_string_lossy().into_owned()
}

// ------------------------------------------------------------ check formats

#[test]
fn check_human_snapshot() {
    let out = crosswalk(&["check", &formats_book()]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("check_human", text(&out.stderr));
}

#[test]
fn check_json_snapshot() {
    let out = crosswalk(&["check", &formats_book(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("check_json", text(&out.stdout));
}

/// The formats book copied out of this repository: GitHub and SARIF
/// reports name files from the top of the book's git repository, and the
/// snapshots are of a book that is in none.
fn formats_book_outside_git() -> tempfile::TempDir {
    outside_git("review/formats")
}

/// The fixture book `name` copied out of this repository (see
/// [`formats_book_outside_git`]).
fn outside_git(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    common::copy_tree(&fixture(name), dir.path());
    dir
}

#[test]
fn check_github_snapshot() {
    let book = formats_book_outside_git();
    let out = crosswalk(&["check", book.path().to_str().unwrap(), "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("check_github", text(&out.stdout));
}

#[test]
fn check_sarif_snapshot() {
    let book = formats_book_outside_git();
    let out = crosswalk(&["check", book.path().to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    // The tool version changes with every release; the rest must not.
    let sarif = text(&out.stdout).replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("check_sarif", sarif);
}

// ------------------------------------------------------------ related locations

/// Two documents with the id HCB-0002: the second is reported, and the
/// first is the place the human report quotes under it ("first defined
/// here"). Every machine format must name it too.
const DUPLICATE_ID: &str = "check/CW011-duplicate-id";
const FIRST: &str = "docs/governance/0002-case.md";
const SECOND: &str = "docs/supply-chain/0002-other.md";

#[test]
fn check_human_quotes_the_related_location() {
    let out = crosswalk(&["check", &fixture(DUPLICATE_ID).to_string_lossy()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("--> {SECOND}:2:6")), "{stderr}");
    assert!(stderr.contains(&format!("--> {FIRST}:2:6")), "{stderr}");
    assert!(stderr.contains("first defined here"), "{stderr}");
}

#[test]
fn check_json_gives_the_related_location() {
    let book = fixture(DUPLICATE_ID);
    let out = crosswalk(&["check", &book.to_string_lossy(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["version"], 1);
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "CW011");
    assert_eq!(d["file"], SECOND);
    assert_eq!(
        d["related"],
        serde_json::json!([{
            "file": FIRST,
            "line": 2,
            "column": 6,
            "end_line": 2,
            "end_column": 16,
            "label": "first defined here",
        }])
    );
}

#[test]
fn check_github_names_the_related_location_in_the_annotation() {
    let book = outside_git(DUPLICATE_ID);
    let out = crosswalk(&["check", book.path().to_str().unwrap(), "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let annotation = stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect("an annotation");
    assert_eq!(
        annotation,
        format!(
            "::error file={SECOND},line=2,col=6,endLine=2,endColumn=16,title=CW011::\
             duplicate document id `HCB-0002`; first defined here: {FIRST}:2:6\
             %0Ahelp: give one of the documents the next free number (`crosswalk new` picks it)"
        )
    );
}

#[test]
fn check_sarif_gives_related_locations() {
    let book = outside_git(DUPLICATE_ID);
    let out = crosswalk(&["check", book.path().to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    let result = &results[0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        SECOND
    );
    assert_eq!(
        result["relatedLocations"],
        serde_json::json!([{
            "id": 0,
            "physicalLocation": {
                "artifactLocation": { "uri": FIRST, "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": 2, "startColumn": 6, "endLine": 2, "endColumn": 16 },
            },
            "message": { "text": "first defined here" },
        }])
    );
    // Code scanning shows a related location only where the message links
    // to it: the message names it as well.
    let message = result["message"]["text"].as_str().expect("message");
    assert!(
        message.contains(&format!("first defined here: {FIRST}:2:6")),
        "{message}"
    );
    assert_valid_sarif(book.path().to_str().unwrap());
}

// ------------------------------------------------------------ SARIF schema

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).expect("vendored schema")).expect("json");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(book: &str) {
    let out = crosswalk(&["check", book, "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{book}: invalid SARIF:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    assert_valid_sarif(&formats_book());
    assert_valid_sarif(&fixture("twenty-mistakes").to_string_lossy());
    assert_valid_sarif(&fixture("good").to_string_lossy());
}

#[test]
fn sarif_validator_rejects_a_broken_log() {
    // Guards the test above: a schema that accepted anything would prove nothing.
    let bad = serde_json::json!({ "version": "2.1.0", "runs": [{ "results": [] }] });
    assert!(!sarif_validator().is_valid(&bad));
}

#[test]
fn sarif_rule_indexes_point_at_their_rule() {
    let out = crosswalk(&["check", &formats_book(), "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for result in run["results"].as_array().expect("results") {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

// ------------------------------------------------------------ git fixtures

/// A temporary git repository holding a book, driven by the `git` CLI with
/// the user's and system configuration ignored.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.write(
            "book.toml",
            "[book]\ntitle = \"Git book\"\nid-prefix = \"HCB\"\n",
        );
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("run git");
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    }

    fn write(&self, rel: &str, contents: &str) {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, contents).expect("write");
    }

    fn remove(&self, rel: &str) {
        fs::remove_file(self.path().join(rel)).expect("remove");
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn run(&self, args: &[&str]) -> Output {
        crosswalk_in(self.path(), args)
    }

    /// A clone of one commit, as a CI checkout makes by default.
    fn shallow_clone(&self) -> tempfile::TempDir {
        let clone = tempfile::tempdir().expect("temp");
        let source = format!("file://{}", self.path().display());
        let cloned = Command::new("git")
            .args(["clone", "-q", "--depth", "1", &source])
            .arg(clone.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git clone");
        assert!(cloned.status.success(), "{}", text(&cloned.stderr));
        clone
    }
}

/// A document with the required keys and `extra` front-matter lines.
fn doc(number: u32, title: &str, kind: &str, status: &str, extra: &str) -> String {
    format!(
        "+++\nid = \"HCB-{number:04}\"\ntitle = \"{title}\"\nkind = \"{kind}\"\nstatus = \"{status}\"\n\
         version = \"1.0\"\ncreated = 2026-01-01\n{extra}+++\n## Scope\n\nText.\n"
    )
}

/// The base commit (tagged `base`): clean but for one old problem (T9999 in
/// 0004) that no change touches, which `--changed-since` must not report.
fn base_repo() -> Repo {
    let repo = Repo::new();
    repo.write(
        "docs/0001-base.md",
        &doc(
            1,
            "Base architecture",
            "reference-architecture",
            "active",
            "techniques = [\"T1486\"]\n",
        ),
    );
    repo.write(
        "docs/0002-old.md",
        &doc(2, "Old guidance", "guidance", "active", ""),
    );
    repo.write(
        "docs/0003-user.md",
        &doc(
            3,
            "User of old",
            "guidance",
            "active",
            "related = [\"HCB-0002\"]\n",
        ),
    );
    repo.write(
        "docs/0004-legacy.md",
        &doc(
            4,
            "Legacy",
            "guidance",
            "active",
            "techniques = [\"T9999\"]\n",
        ),
    );
    repo.write(
        "docs/0007-successor.md",
        &doc(
            7,
            "Successor",
            "guidance",
            "active",
            "supersedes = [\"HCB-0008\"]\n",
        ),
    );
    repo.write(
        "docs/0008-predecessor.md",
        &doc(8, "Predecessor", "guidance", "superseded", ""),
    );
    repo.commit("base");
    repo.git(&["tag", "base"]);
    repo
}

/// The change under review: one commit (0002 renamed to 0005 with a new id,
/// 0007 no longer supersedes 0008) plus uncommitted edits (a new technique
/// in 0001, a new document 0006 citing an unknown control).
fn changed_repo() -> Repo {
    let repo = base_repo();
    repo.remove("docs/0002-old.md");
    repo.write(
        "docs/0005-new.md",
        &doc(
            5,
            "New guidance",
            "guidance",
            "active",
            "controls = [\"CYFUN2023:PR.AC-1\"]\n",
        ),
    );
    repo.write(
        "docs/0007-successor.md",
        &doc(7, "Successor", "guidance", "active", ""),
    );
    repo.commit("rename 0002 to 0005, drop a supersession");
    repo.write(
        "docs/0001-base.md",
        &doc(
            1,
            "Base architecture",
            "reference-architecture",
            "deprecated",
            "techniques = [\"T1486\", \"T1490\", \"T9998\"]\n",
        ),
    );
    repo.write(
        "docs/0006-added.md",
        &doc(
            6,
            "Added",
            "guidance",
            "draft",
            "controls = [\"CYFUN2023:XX.YY-1\"]\n",
        ),
    );
    repo
}

fn codes_by_file(json: &serde_json::Value) -> Vec<(String, String)> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_string(),
                d["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn changed_since_reports_only_what_the_change_caused() {
    let repo = changed_repo();
    let full = repo.run(&["check", "--format", "json"]);
    let full: serde_json::Value = serde_json::from_slice(&full.stdout).expect("json");
    assert!(
        codes_by_file(&full).contains(&("docs/0004-legacy.md".into(), "CW016".into())),
        "the old problem is there in a full check: {full:#}"
    );

    let out = repo.run(&["check", "--changed-since", "base", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let found = codes_by_file(&json);
    let expected: Vec<(String, String)> = [
        ("docs/0001-base.md", "CW016"),        // uncommitted edit: T9998
        ("docs/0003-user.md", "CW012"),        // unchanged file, id removed by the change
        ("docs/0006-added.md", "CW025"),       // untracked new document
        ("docs/0008-predecessor.md", "CW021"), // unchanged file, supersession dropped
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    assert_eq!(found, expected, "{json:#}");
}

#[test]
fn changed_since_human_snapshot() {
    let repo = changed_repo();
    let out = repo.run(&["check", "--changed-since", "base"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("changed_since_human", text(&out.stderr));
}

#[test]
fn changed_since_the_same_commit_is_clean() {
    let repo = base_repo();
    let out = repo.run(&["check", "--changed-since", "HEAD", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no problems"));
}

#[test]
fn changed_since_a_commit_without_the_book_reports_everything() {
    let repo = Repo::new();
    repo.write("README.txt", "before the book\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "empty"]);
    repo.write(
        "docs/0001-a.md",
        &doc(1, "A", "guidance", "draft", "techniques = [\"T9999\"]\n"),
    );
    repo.commit("book");
    let out = repo.run(&["check", "--changed-since", "HEAD~1", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        codes_by_file(&json),
        vec![("docs/0001-a.md".into(), "CW016".into())]
    );
}

#[test]
fn changed_since_works_for_a_book_in_a_subdirectory() {
    let repo = Repo::new();
    fs::remove_file(repo.path().join("book.toml")).expect("rm");
    repo.write("handbook/book.toml", "[book]\nid-prefix = \"HCB\"\n");
    repo.write(
        "handbook/docs/0001-a.md",
        &doc(1, "A", "guidance", "draft", "techniques = [\"T9999\"]\n"),
    );
    repo.commit("book");
    repo.write(
        "handbook/docs/0002-b.md",
        &doc(2, "B", "guidance", "draft", "related = [\"HCB-0042\"]\n"),
    );
    let out = repo.run(&[
        "check",
        "handbook",
        "--changed-since",
        "HEAD",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        codes_by_file(&json),
        vec![("docs/0002-b.md".into(), "CW012".into())]
    );
}

#[test]
fn changed_since_outside_git_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp");
    fs::create_dir_all(dir.path().join("docs")).expect("mkdir");
    let out = crosswalk_in(dir.path(), &["check", "--changed-since", "main"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not inside a git repository"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn changed_since_an_unknown_revision_is_a_usage_error() {
    let repo = base_repo();
    let out = repo.run(&["check", "--changed-since", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown git revision `no-such-branch`"),
        "{}",
        text(&out.stderr)
    );
    let out = repo.run(&["diff", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    // Said in a reviewer's terms, not the git library's
    // (`delegate.traverse(NthAncestor(5)) failed: "~5"`).
    let out = repo.run(&["check", "--changed-since", "HEAD~5"]);
    let said = text(&out.stderr);
    assert!(said.contains("no such commit, branch or tag"), "{said}");
    assert!(!said.contains("delegate"), "{said}");
}

/// A CI checkout of one commit (actions/checkout's default) has no base
/// to compare with: the error says so and how to fetch it.
#[test]
fn changed_since_in_a_shallow_clone_says_to_fetch_the_history() {
    let repo = base_repo();
    repo.write(
        "docs/0009-later.md",
        &doc(9, "Later", "guidance", "draft", ""),
    );
    repo.commit("a second commit");
    let clone = repo.shallow_clone();
    let out = crosswalk_in(clone.path(), &["check", "--changed-since", "HEAD~1"]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("shallow clone") && said.contains("fetch-depth: 0"),
        "{said}"
    );
}

// ------------------------------------------------------------ diff

#[test]
fn diff_json_snapshot() {
    let repo = changed_repo();
    let out = repo.run(&["diff", "base", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["version"], 1);
    // Only rows that changed: the full tables are long and catalog-dependent.
    let coverage = &json["coverage"];
    let changed = |rows: &serde_json::Value| -> Vec<serde_json::Value> {
        rows.as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["before"] != r["after"])
            .cloned()
            .collect()
    };
    let view = serde_json::json!({
        "version": json["version"],
        "base": json["base"],
        "documents": json["documents"],
        "references": json["references"],
        "coverage_changed": {
            "frameworks": changed(&coverage["frameworks"]),
            "tactics": changed(&coverage["tactics"]),
        },
    });
    insta::assert_json_snapshot!("diff_json", view);
}

#[test]
fn diff_markdown_snapshot() {
    let repo = changed_repo();
    let out = repo.run(&["diff", "base"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    insta::assert_snapshot!("diff_markdown", text(&out.stdout));
}

#[test]
fn diff_against_the_same_commit_says_nothing_changed() {
    let repo = base_repo();
    let out = repo.run(&["diff", "HEAD"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("No change"),
        "{}",
        text(&out.stdout)
    );
    let out = repo.run(&["diff", "HEAD", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["documents"]["added"], serde_json::json!([]));
    assert_eq!(json["references"], serde_json::json!([]));
}

/// A document whose front-matter breaks in the change is not reported as
/// removed (it would be missing from the index): `diff` prints its error and
/// exits 1. Other errors are findings of the change, which `diff` still
/// compares (the base has one, T9999).
#[test]
fn diff_refuses_a_document_that_no_longer_loads() {
    let repo = base_repo();
    let broken = doc(
        1,
        "Base architecture",
        "reference-architecture",
        "active",
        "",
    )
    .replace(
        "title = \"Base architecture\"",
        "title = \"Base architecture",
    );
    repo.write("docs/0001-base.md", &broken);
    let out = repo.run(&["diff", "HEAD"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[CW004]"), "{stderr}");
    assert!(
        stderr.contains("keep documents out of the index"),
        "{stderr}"
    );
    assert!(
        !text(&out.stdout).contains("HCB-0001"),
        "not reported removed: {}",
        text(&out.stdout)
    );
}

/// A book in a subdirectory of its repository: GitHub annotations and SARIF
/// results name files from the repository's top, which is what GitHub
/// resolves them against, whatever directory `check` runs in.
#[test]
fn ci_reports_name_files_from_the_repository_top() {
    let repo = Repo::new();
    repo.write(
        "handbook/book.toml",
        "[book]\ntitle = \"Handbook\"\nid-prefix = \"HCB\"\n",
    );
    repo.write(
        "handbook/docs/0001-a.md",
        &doc(1, "A", "guidance", "draft", "techniques = [\"T9999\"]\n"),
    );
    let from_top = repo.run(&["check", "handbook", "--format", "github"]);
    assert_eq!(from_top.status.code(), Some(1));
    let github = text(&from_top.stdout);
    assert!(
        github.contains("::error file=handbook/docs/0001-a.md,line="),
        "{github}"
    );
    let inside = crosswalk_in(
        &repo.path().join("handbook"),
        &["check", ".", "--format", "sarif"],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&inside.stdout).expect("SARIF is JSON");
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"];
    assert_eq!(uri, "handbook/docs/0001-a.md");
    let human = repo.run(&["check", "handbook"]);
    assert!(
        text(&human.stderr).contains("docs/0001-a.md")
            && !text(&human.stderr).contains("handbook/docs"),
        "people read paths from the book, as before"
    );
}

/// Regression: a pull request that mends a broken book.toml failed its
/// `diff` job (exit 2, "cannot be loaded") while `check --changed-since`
/// passed. The base is now compared as empty, with a note.
#[test]
fn diff_against_a_base_that_does_not_load_shows_everything_as_new() {
    let repo = Repo::new();
    repo.write("book.toml", "[book]\nid-prefix = \"HCB\"\nbogus = 1\n");
    repo.write("docs/0001-a.md", &doc(1, "A", "guidance", "draft", ""));
    repo.commit("a broken book.toml");
    repo.write("book.toml", "[book]\nid-prefix = \"HCB\"\n");
    let out = repo.run(&["diff", "HEAD", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot be loaded")
            && text(&out.stderr).contains("shown as new"),
        "{}",
        text(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["documents"]["added"][0]["id"], "HCB-0001", "{json}");
    // The note is in what CI posts (standard output), not only on stderr.
    assert!(
        json["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("cannot be loaded") && n.contains("shown as new")),
        "{json}"
    );
    let comment = text(&repo.run(&["diff", "HEAD"]).stdout);
    assert!(
        comment.contains("> **Note:** the book at `HEAD` cannot be loaded"),
        "{comment}"
    );
}

/// A book that cannot load names its missing source directory from the
/// book root in JSON and from the repository root in GitHub annotations,
/// however the book's path was written on the command line.
#[test]
fn a_missing_source_directory_is_named_from_the_book_and_the_repository() {
    let repo = Repo::new();
    fs::remove_file(repo.path().join("book.toml")).expect("rm");
    repo.write("handbook/book.toml", "[book]\nsrc = \"nodocs\"\n");
    repo.commit("book");
    let absolute = repo.path().join("handbook");
    for book in ["handbook", "./handbook", absolute.to_str().expect("utf-8")] {
        let out = repo.run(&["check", book, "--format", "github"]);
        assert_eq!(out.status.code(), Some(2));
        let annotation = text(&out.stdout);
        assert!(
            annotation.starts_with("::error file=handbook/nodocs,title=CW039::"),
            "{book}: {annotation}"
        );
        let out = repo.run(&["check", book, "--format", "json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(json["diagnostics"][0]["file"], "nodocs", "{book}: {json}");
    }
}

/// A pull request that adds a document repeating an old document's id
/// gets the error on its own file (the old one as the related location),
/// inside its diff, whichever of the two sorts first.
#[test]
fn changed_since_locates_a_duplicate_id_in_the_changed_file() {
    let repo = Repo::new();
    repo.write(
        "docs/supply-chain/0001-alpha.md",
        &doc(1, "Alpha", "guidance", "draft", ""),
    );
    repo.commit("base");
    repo.write(
        "docs/governance/0001-newcomer.md",
        &doc(1, "Newcomer", "guidance", "draft", ""),
    );
    let out = repo.run(&["check", "--changed-since", "HEAD", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let duplicates: Vec<_> = codes_by_file(&json)
        .into_iter()
        .filter(|(_, code)| code == "CW011")
        .collect();
    assert_eq!(
        duplicates,
        vec![(
            "docs/governance/0001-newcomer.md".to_string(),
            "CW011".to_string()
        )],
        "{json:#}"
    );
}

/// `new` never hands out a number the book has used: not one whose file
/// was deleted and committed, nor one deleted in the working tree only.
#[test]
fn new_skips_numbers_used_in_the_history() {
    let repo = Repo::new();
    repo.write("docs/0001-a.md", &doc(1, "A", "guidance", "draft", ""));
    repo.write("docs/0002-b.md", &doc(2, "B", "guidance", "draft", ""));
    repo.commit("two documents");
    repo.remove("docs/0002-b.md");
    repo.commit("B rejected and removed");
    let made = repo.run(&["new", "--kind", "guidance", "After the removal"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(
        text(&made.stdout)
            .trim()
            .ends_with("0003-after-the-removal.md"),
        "{}",
        text(&made.stdout)
    );
    repo.commit("C");
    repo.remove("docs/0003-after-the-removal.md");
    let made = repo.run(&["new", "--kind", "guidance", "Again"]);
    assert!(
        text(&made.stdout).trim().ends_with("0004-again.md"),
        "{}",
        text(&made.stdout)
    );
}

/// Numbers taken on another branch (an open pull request's) are not
/// handed out again on this one, and a shallow clone, which lacks the
/// older commits, says that numbers only they used could come back.
#[test]
fn new_skips_numbers_of_other_branches_and_warns_in_a_shallow_clone() {
    let repo = Repo::new();
    repo.write("docs/0001-a.md", &doc(1, "A", "guidance", "draft", ""));
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "docs/0002-on-feature.md",
        &doc(2, "On feature", "guidance", "draft", ""),
    );
    repo.commit("a document in review");
    repo.git(&["checkout", "-q", "main"]);
    let made = repo.run(&["new", "--kind", "guidance", "On main"]);
    assert!(
        text(&made.stdout).trim().ends_with("0003-on-main.md"),
        "{}",
        text(&made.stdout)
    );
    assert!(!text(&made.stderr).contains("shallow"));
    repo.commit("C");

    let clone = repo.shallow_clone();
    let made = crosswalk_in(clone.path(), &["new", "--kind", "guidance", "Late"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(
        text(&made.stderr).contains("shallow clone"),
        "{}",
        text(&made.stderr)
    );
}
