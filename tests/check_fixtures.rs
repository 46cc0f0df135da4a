//! One fixture book per diagnostic code under `tests/fixtures/check/`.
//! Each holds an `expect.txt` with lines `CODE file:line:column` (column may
//! be left empty). The book must produce exactly the listed codes, at the
//! listed places, each with a message and a help line.

use std::path::Path;

use crosswalk::pipeline::{CheckOptions, Project};

fn today() -> CheckOptions {
    CheckOptions {
        today: Some(jiff::civil::date(2026, 11, 26)),
        ..CheckOptions::default()
    }
}

struct Expected {
    code: String,
    file: String,
    line: usize,
    column: Option<usize>,
}

fn parse_expect(text: &str) -> Vec<Expected> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (code, place) = line.split_once(' ').expect("CODE file:line:col");
            let mut parts = place.trim().split(':');
            let file = parts.next().unwrap().to_string();
            let line_no = parts.next().unwrap().parse().unwrap();
            let column = parts.next().and_then(|c| c.parse().ok());
            Expected {
                code: code.to_string(),
                file,
                line: line_no,
                column,
            }
        })
        .collect()
}

#[test]
fn every_diagnostic_fixture_reports_its_code_at_its_place() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "fixtures missing");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let expected = parse_expect(&std::fs::read_to_string(case.join("expect.txt")).unwrap());
        let project = match Project::load(case, &today()) {
            Ok(p) => p,
            Err(err) => {
                failures.push(format!("{name}: pipeline failed: {err}"));
                continue;
            }
        };
        let found: Vec<String> = project
            .diagnostics
            .iter()
            .map(|d| {
                let (line, col) = d.location.as_ref().map_or((0, 0), |l| l.line_col());
                format!(
                    "{} {}:{line}:{col}",
                    d.code,
                    d.file_name().unwrap_or_default()
                )
            })
            .collect();
        for want in &expected {
            let hit = project.diagnostics.iter().any(|d| {
                let Some(loc) = &d.location else { return false };
                let (line, col) = loc.line_col();
                d.code == want.code
                    && loc.file.name == want.file
                    && line == want.line
                    && want.column.is_none_or(|c| c == col)
                    && !d.message.is_empty()
                    && d.help.is_some()
            });
            if !hit {
                failures.push(format!(
                    "{name}: expected {} at {}:{}:{:?}, found {found:?}",
                    want.code, want.file, want.line, want.column
                ));
            }
        }
        for d in &project.diagnostics {
            if !expected.iter().any(|e| e.code == d.code) {
                failures.push(format!("{name}: unexpected {} {}", d.code, d.message));
            }
        }
        let case_code = &name[..5];
        assert_eq!(
            case_code, expected[0].code,
            "fixture {name} is named after its code"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
