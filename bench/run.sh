#!/usr/bin/env bash
# Benchmark harness: crosswalk against the floor and its peers.
#
#   bash bench/run.sh [--quick] [--no-write] [--sizes "1000 10000"] [--runs N]
#                     [--no-peers] [--no-mdbook] [--no-serve] [--edits N]
#                     [--work DIR] [--keep] [--append] [--budget SECONDS]
#                     [--skip "LABEL,LABEL"]
#
# Full run (default): installs the peers if missing (Hugo from Debian, mdBook
# 0.5 with cargo into the cache, the Pagefind CLI from npm into the cache),
# builds crosswalk and examples/floor.rs in release, generates 1,000 and
# 10,000 document corpora with gen_corpus.py, then measures for each size
#   crosswalk check, check with catalogs only (the same book.toml, no
#   documents), crosswalk build --no-search, crosswalk build, floor,
#   hugo, hugo + pagefind, mdbook build (once only from 10,000 documents)
# (median, min and max of --runs runs, peak RSS, output and search-index
# sizes) and serve's incremental rebuild latency at the largest size. Prints
# a table, the ratios and the targets, and writes them to BENCHMARKS.md with
# a description of the machine.
#
# --budget stops repeating a measure once its runs took that long in total
# (at least one run; the table shows how many ran): for the slow 10,000
# document measures on a small machine. --skip leaves out measures by label
# (e.g. --skip "hugo,mdbook build").
#
# --append keeps the results of earlier runs in the same work directory (one
# size per invocation, say) and reports them all; a measure run again replaces
# its earlier record.
#
# --quick (CI): 100 documents, 1 run each, no peers, 2 serve edits, does not
# write BENCHMARKS.md (implies --no-write); installs nothing.
#
# Environment:
#   CROSSWALK     crosswalk binary to measure (default: build it in release)
#   FLOOR         floor binary (default: built with crosswalk; in --quick
#                 with CROSSWALK set and no FLOOR, the floor is skipped)
#   BENCH_GEN     gen_corpus.py (default: ../shared/bench/gen_corpus.py
#                 beside the repository, then /work/shared/bench/gen_corpus.py)
#   BENCH_WORK    corpora, outputs and logs (default /dev/shm/crosswalk-bench,
#                 or a temporary directory where /dev/shm is missing)
#   BENCH_CACHE   installed peers (default ~/.cache/crosswalk-bench)
#   CARGO_TARGET_DIR  honoured by the release build
#
# Every output goes under BENCH_WORK, never into the repository (apart from
# BENCHMARKS.md). Exit status: 0 when every measure ran, 1 when one failed,
# 2 on usage errors, 3 when a prerequisite (python3, the generator) is missing.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

SIZES="1000 10000"
RUNS=5
PEERS=1
MDBOOK=1
SERVE=1
EDITS=7
WRITE=1
QUICK=0
KEEP=0
APPEND=0
BUDGET=0
SKIP=""
WORK=${BENCH_WORK:-}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-write) WRITE=0 ;;
    --sizes) SIZES=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --no-peers) PEERS=0 ;;
    --no-mdbook) MDBOOK=0 ;;
    --no-serve) SERVE=0 ;;
    --edits) EDITS=$2; shift ;;
    --work) WORK=$2; shift ;;
    --keep) KEEP=1 ;;
    --append) APPEND=1 ;;
    --budget) BUDGET=$2; shift ;;
    --skip) SKIP=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  SIZES=100; RUNS=1; PEERS=0; WRITE=0; EDITS=2
fi

die() { echo "bench/run.sh: $*" >&2; exit 3; }
log() { echo "== $*" >&2; }

command -v python3 >/dev/null 2>&1 || die "python3 is required (the corpus generator and bench/measure.py are Python)"
MEASURE=(python3 "$HERE/measure.py")

GEN=${BENCH_GEN:-}
if [ -z "$GEN" ]; then
  for g in "$ROOT/../shared/bench/gen_corpus.py" /work/shared/bench/gen_corpus.py; do
    if [ -f "$g" ]; then GEN=$g; break; fi
  done
fi
[ -n "$GEN" ] && [ -f "$GEN" ] || die "gen_corpus.py not found (set BENCH_GEN)"

if [ -z "$WORK" ]; then
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then WORK=/dev/shm/crosswalk-bench; else WORK=$(mktemp -d); fi
fi
mkdir -p "$WORK/corpus" "$WORK/out" "$WORK/logs"
WORK=$(cd "$WORK" && pwd)
CACHE=${BENCH_CACHE:-$HOME/.cache/crosswalk-bench}
RESULTS=$WORK/results.jsonl
NOTES=$WORK/notes.md
MACHINE=$WORK/machine.md
if [ "$APPEND" = 0 ]; then : > "$RESULTS"; : > "$NOTES"; fi
touch "$RESULTS" "$NOTES"
FAILED=0

# --------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------

HUGO=""; PAGEFIND=""; MDBOOK_BIN=""
install_peers() {
  if command -v hugo >/dev/null 2>&1; then
    HUGO=$(command -v hugo)
  else
    log "installing hugo (Debian)"
    if { apt-get install -y hugo || { apt-get update && apt-get install -y hugo; }; } >"$WORK/logs/install-hugo.log" 2>&1; then
      HUGO=$(command -v hugo)
    else
      echo "warning: hugo could not be installed (see $WORK/logs/install-hugo.log)" >&2
    fi
  fi
  local pf_dir=$CACHE/pagefind
  find_pagefind() {
    local b
    for b in "$pf_dir"/node_modules/@pagefind/linux-*/bin/pagefind "$pf_dir"/node_modules/@pagefind/linux-*/bin/pagefind_extended "$pf_dir/node_modules/.bin/pagefind"; do
      if [ -x "$b" ]; then PAGEFIND=$b; return 0; fi
    done
    return 1
  }
  if ! find_pagefind; then
    if command -v npm >/dev/null 2>&1; then
      log "installing the Pagefind CLI (npm package pagefind) into $pf_dir"
      mkdir -p "$pf_dir"
      if (cd "$pf_dir" && npm install --no-audit --no-fund --prefix "$pf_dir" 'pagefind@^1.6') >"$WORK/logs/install-pagefind.log" 2>&1; then
        find_pagefind || echo "warning: npm installed pagefind but no binary was found" >&2
      else
        echo "warning: pagefind could not be installed (see $WORK/logs/install-pagefind.log)" >&2
      fi
    else
      echo "warning: npm is missing: no Pagefind CLI" >&2
    fi
  fi
  if [ "$MDBOOK" = 1 ]; then
    if [ -x "$CACHE/mdbook/bin/mdbook" ]; then
      MDBOOK_BIN=$CACHE/mdbook/bin/mdbook
    elif command -v mdbook >/dev/null 2>&1; then
      MDBOOK_BIN=$(command -v mdbook)
    else
      log "installing mdbook 0.5 (cargo install, a few minutes) into $CACHE/mdbook"
      if CARGO_TARGET_DIR=$CACHE/mdbook-target cargo install mdbook --locked --version '^0.5' --root "$CACHE/mdbook" >"$WORK/logs/install-mdbook.log" 2>&1; then
        MDBOOK_BIN=$CACHE/mdbook/bin/mdbook
      else
        echo "warning: mdbook could not be installed (see $WORK/logs/install-mdbook.log)" >&2
      fi
    fi
  fi
}

CW=${CROSSWALK:-}
FLOOR_BIN=${FLOOR:-}
if [ -z "$CW" ]; then
  log "building crosswalk and examples/floor.rs (release)"
  TD=${CARGO_TARGET_DIR:-$ROOT/target}
  (cd "$ROOT" && cargo build --release --bin crosswalk --example floor) >"$WORK/logs/cargo-build.log" 2>&1 \
    || { tail -30 "$WORK/logs/cargo-build.log" >&2; die "cargo build failed"; }
  CW=$TD/release/crosswalk
  [ -n "$FLOOR_BIN" ] || FLOOR_BIN=$TD/release/examples/floor
elif [ -z "$FLOOR_BIN" ] && [ "$QUICK" = 0 ]; then
  log "building examples/floor.rs (release)"
  TD=${CARGO_TARGET_DIR:-$ROOT/target}
  (cd "$ROOT" && cargo build --release --example floor) >"$WORK/logs/cargo-build.log" 2>&1 \
    || { tail -30 "$WORK/logs/cargo-build.log" >&2; die "cargo build failed"; }
  FLOOR_BIN=$TD/release/examples/floor
fi
[ -x "$CW" ] || die "crosswalk binary not found: $CW"
[ -z "$FLOOR_BIN" ] || [ -x "$FLOOR_BIN" ] || die "floor binary not found: $FLOOR_BIN"
[ "$PEERS" = 0 ] || install_peers

# --------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------

version_of() { "$@" 2>/dev/null | head -1 || true; }
{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), nproc $(nproc)"
  echo "- memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "- kernel: $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- crosswalk: $(version_of "$CW" --version)$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null | sed 's/^/, commit /')$(cd "$ROOT" && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' + uncommitted changes')"
  echo "- rustc: $(version_of rustc --version)"
  echo "- python3: $(version_of python3 --version)"
  [ -z "$HUGO" ] || echo "- hugo: $(version_of "$HUGO" version)"
  [ -z "$PAGEFIND" ] || echo "- pagefind CLI: $(version_of "$PAGEFIND" --version)"
  [ -z "$MDBOOK_BIN" ] || echo "- mdbook: $(version_of "$MDBOOK_BIN" --version)"
  echo "- sizes: $SIZES documents; runs: $RUNS; work directory: $WORK ($(df -T "$WORK" | awk 'NR==2 {print $2}'))"
} > "$MACHINE"
cat "$MACHINE" >&2

# --------------------------------------------------------------------------
# Corpora
# --------------------------------------------------------------------------

corpus() {  # flavor size -> path (generated once; the generator is deterministic)
  local dir=$WORK/corpus/$1-$2
  if [ ! -f "$dir/.complete" ]; then
    log "generating $1 corpus, $2 documents"
    rm -rf "$dir" "$dir.tmp"
    python3 "$GEN" "$dir.tmp" --docs "$2" --flavor "$1" --seed 1 >"$WORK/logs/gen-$1-$2.log" 2>&1 \
      || { tail -20 "$WORK/logs/gen-$1-$2.log" >&2; die "gen_corpus.py failed for $1 $2"; }
    mv "$dir.tmp" "$dir"
    touch "$dir/.complete"
  fi
  echo "$dir"
}

skipped() { case ",$SKIP," in *",$1,"*) echo "$1: skipped (--skip)" >&2; return 0 ;; esac; return 1; }

measure() {  # label size runs out search-paths... -- cmd...
  local label=$1 size=$2 runs=$3 out=$4; shift 4
  if skipped "$label"; then return 0; fi
  local search=()
  while [ "$1" != "--" ]; do search+=(--search "$1"); shift; done
  shift
  local slug; slug=$(echo "$label-$size" | tr -c 'a-zA-Z0-9-' '-')
  local args=(--results "$RESULTS" --size "$size" --label "$label" --runs "$runs" --budget "$BUDGET" --log "$WORK/logs/$slug.log")
  if [ -n "$out" ]; then args+=(--out "$out" --prep "rm -rf '$out'"); fi
  if ! "${MEASURE[@]}" time "${args[@]}" "${search[@]}" -- "$@"; then
    FAILED=1
  fi
  if [ -n "$out" ] && [ "$KEEP" = 0 ]; then rm -rf "$out"; fi
}

OUT=$WORK/out
BIG=0
for n in $SIZES; do [ "$n" -gt "$BIG" ] && BIG=$n; done

for n in $SIZES; do
  book=$(corpus toolchain "$n")
  rm -rf "$book/site"

  log "crosswalk check, $n documents"
  set +e
  "$CW" check "$book" > "$WORK/logs/check-output-$n.txt" 2>&1
  code=$?
  set -e
  errors=$(grep -c '^error\[' "$WORK/logs/check-output-$n.txt" || true)
  warnings=$(grep -c '^warning\[' "$WORK/logs/check-output-$n.txt" || true)
  codes=$(grep -o '^\(error\|warning\)\[[A-Z0-9]*\]' "$WORK/logs/check-output-$n.txt" | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}' || true)
  # Like a measure run again with --append, this size's note replaces the
  # one an earlier run wrote.
  grep -v "^- check of the generated $n-document corpus:" "$NOTES" > "$NOTES.tmp" || true
  mv "$NOTES.tmp" "$NOTES"
  echo "- check of the generated $n-document corpus: exit $code, $errors errors, $warnings warnings${codes:+ ($codes)}." >> "$NOTES"
  echo "check @$n: exit $code, $errors errors, $warnings warnings${codes:+ ($codes)}" >&2
  if [ "$code" != 0 ] && [ "$errors" != 0 ]; then
    head -40 "$WORK/logs/check-output-$n.txt" >&2
  fi

  measure "crosswalk check" "$n" "$RUNS" "" -- "$CW" check "$book"
  # What loading every embedded catalog adds to check: the same book.toml
  # with no documents (catalogs plus process start-up, nothing else).
  empty="$WORK/corpus/no-documents"
  rm -rf "$empty" && mkdir -p "$empty/docs" && cp "$book/book.toml" "$empty/"
  measure "check, catalogs only" "$n" "$RUNS" "" -- "$CW" check "$empty"
  if [ -n "$FLOOR_BIN" ]; then
    measure "floor" "$n" "$RUNS" "$OUT/floor-$n" -- "$FLOOR_BIN" "$book/docs" "$OUT/floor-$n"
  else
    echo "floor: skipped (no FLOOR binary)" >&2
  fi
  measure "crosswalk build --no-search" "$n" "$RUNS" "$OUT/cw-nosearch-$n" -- \
    "$CW" build "$book" --dest "$OUT/cw-nosearch-$n" --no-search
  measure "crosswalk build" "$n" "$RUNS" "$OUT/cw-$n" "$OUT/cw-$n/pagefind" -- \
    "$CW" build "$book" --dest "$OUT/cw-$n"

  hbook=""
  if [ "$PEERS" = 1 ] && [ -n "$HUGO" ]; then
    hbook=$(corpus hugo "$n")
    if [ -n "$PAGEFIND" ]; then
      measure "hugo + pagefind" "$n" "$RUNS" "$OUT/hugo-pf-$n" "$OUT/hugo-pf-$n/pagefind" -- sh -c \
        '"$1" --source "$2" --destination "$3" --cacheDir "$4" --quiet && "$5" --site "$3"' \
        sh "$HUGO" "$hbook" "$OUT/hugo-pf-$n" "$WORK/hugo-cache" "$PAGEFIND"
    fi
  fi

  if [ "$SERVE" = 1 ] && [ "$n" = "$BIG" ] && ! skipped "serve rebuild"; then
    log "serve incremental rebuild, $n documents, $EDITS edits"
    if ! "${MEASURE[@]}" serve --results "$RESULTS" --size "$n" --crosswalk "$CW" --book "$book" \
        --edits "$EDITS" --log "$WORK/logs/serve-$n.log" --timeout 900; then
      FAILED=1
    fi
  fi

  if [ -n "$hbook" ]; then
    measure "hugo" "$n" "$RUNS" "$OUT/hugo-$n" -- \
      "$HUGO" --source "$hbook" --destination "$OUT/hugo-$n" --cacheDir "$WORK/hugo-cache" --quiet
  fi
  if [ "$PEERS" = 1 ] && [ -n "$MDBOOK_BIN" ] && ! skipped "mdbook build"; then
    mbook=$(corpus mdbook "$n")
    mruns=$RUNS
    [ "$n" -lt 10000 ] || mruns=1
    measure "mdbook build" "$n" "$mruns" "$OUT/mdbook-$n" "$OUT/mdbook-$n/searchindex*" -- \
      "$MDBOOK_BIN" build "$mbook" --dest-dir "$OUT/mdbook-$n"
  fi
done

echo >&2
REPORT=("${MEASURE[@]}" report --results "$RESULTS" --notes "$NOTES" --machine "$MACHINE")
[ "$WRITE" = 0 ] || REPORT+=(--write "$ROOT/BENCHMARKS.md")
"${REPORT[@]}"
echo
cat "$NOTES"
exit "$FAILED"
