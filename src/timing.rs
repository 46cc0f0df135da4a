//! Phase timings on stderr, for finding where a build spends its time
//! without a profiler: set `CROSSWALK_TIMINGS=1`. Off by default, and then
//! costs one environment lookup per phase.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("CROSSWALK_TIMINGS").is_some_and(|v| v != "0"))
}

/// Run `f`, printing how long it took as `phase`.
pub fn phase<T>(phase: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let started = Instant::now();
    let out = f();
    eprintln!(
        "timing: {phase:<28} {:>9.1} ms{}",
        ms(started.elapsed()),
        resident().map_or_else(String::new, |mb| format!("   resident {mb} MB"))
    );
    out
}

/// Resident memory of the process after a phase, in MB (Linux only): where
/// the peak builds up.
fn resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1024 * 1024))
}

/// Print a duration measured elsewhere (across `await`s, say).
pub fn report(phase: &str, elapsed: Duration) {
    if enabled() {
        eprintln!("timing: {phase:<28} {:>9.1} ms", ms(elapsed));
    }
}

/// Time spent per kind of work across threads (CPU time summed over
/// threads, not wall time), printed by [`Tally::print`].
#[derive(Default)]
pub struct Tally {
    totals: Mutex<BTreeMap<&'static str, (Duration, usize)>>,
}

impl Tally {
    /// Run `f`, adding its duration to `kind` when timings are on.
    pub fn time<T>(&self, kind: &'static str, f: impl FnOnce() -> T) -> T {
        if !enabled() {
            return f();
        }
        let started = Instant::now();
        let out = f();
        let elapsed = started.elapsed();
        if let Ok(mut totals) = self.totals.lock() {
            let entry = totals.entry(kind).or_default();
            entry.0 += elapsed;
            entry.1 += 1;
        }
        out
    }

    pub fn print(&self, title: &str) {
        if !enabled() {
            return;
        }
        if let Ok(totals) = self.totals.lock() {
            for (kind, (total, count)) in totals.iter() {
                eprintln!(
                    "timing: {title} {kind:<18} {:>9.1} ms over {count} (thread time)",
                    ms(*total)
                );
            }
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A process-wide tally, for work deep in a call tree (template rendering
/// versus building its context, say).
pub fn global() -> &'static Tally {
    static GLOBAL: OnceLock<Tally> = OnceLock::new();
    GLOBAL.get_or_init(Tally::default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn resident_memory_is_read_from_proc() {
        // A test process holds at least its own binary's pages.
        assert!(resident().is_some_and(|mb| mb > 0), "{:?}", resident());
    }
}
