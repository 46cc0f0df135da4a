//! Smoke run of the benchmark harness (`bench/run.sh --quick`) so it does not
//! rot: 100 generated documents, one run of each crosswalk measure, no peers,
//! nothing installed, no network, no timing assertions.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The floor example, when cargo built it beside the test (a plain
/// `cargo test` builds examples; `cargo test --test bench_smoke` does not).
fn floor_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/bench_smoke-<hash> -> target/<profile>/examples/floor
    let profile_dir = exe.parent()?.parent()?;
    let floor = profile_dir
        .join("examples")
        .join(format!("floor{}", std::env::consts::EXE_SUFFIX));
    floor.is_file().then_some(floor)
}

#[test]
fn quick_benchmark_run_prints_every_crosswalk_measure() {
    let python = Command::new("python3").arg("--version").output();
    assert!(
        python.is_ok_and(|o| o.status.success()),
        "python3 is required by bench/run.sh (corpus generator and bench/measure.py) but was not found on PATH"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("temporary directory");
    let benchmarks = root.join("BENCHMARKS.md");
    let before = std::fs::metadata(&benchmarks)
        .and_then(|m| m.modified())
        .ok();
    let mut cmd = Command::new("bash");
    cmd.arg(root.join("bench/run.sh"))
        .args(["--quick", "--no-write"])
        .current_dir(root)
        .env("CROSSWALK", env!("CARGO_BIN_EXE_crosswalk"))
        .env("BENCH_WORK", work.path())
        // Nothing may be installed or fetched: no cache of peers is consulted.
        .env("BENCH_CACHE", work.path().join("no-cache"))
        .env_remove("FLOOR");
    if let Some(floor) = floor_binary() {
        cmd.env("FLOOR", floor);
    }
    let output = cmd.output().expect("run bash bench/run.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bench/run.sh --quick failed with {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    for label in [
        "crosswalk check",
        "crosswalk build --no-search",
        "crosswalk build",
        "serve rebuild",
    ] {
        let row = format!("ROW | {label} | 100 |");
        assert!(
            stdout.lines().any(|l| l.starts_with(&row)),
            "no table row for `{label}` in the output:\n{stdout}\n--- stderr\n{stderr}"
        );
    }
    // The summary table and the targets are printed too.
    assert!(
        stdout.contains("| target | measured | verdict |"),
        "no targets table:\n{stdout}"
    );
    // Nothing installed, and BENCHMARKS.md left as it was.
    assert!(
        !work.path().join("no-cache").exists(),
        "the quick run must not install peers"
    );
    let after = std::fs::metadata(&benchmarks)
        .and_then(|m| m.modified())
        .ok();
    assert_eq!(before, after, "the quick run must not write BENCHMARKS.md");
}
