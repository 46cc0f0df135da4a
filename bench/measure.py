#!/usr/bin/env python3
"""Measurement helper for bench/run.sh (Python 3 standard library only).

    measure.py time   --results F --size N --label L --runs R [--prep CMD]
                      [--out DIR] [--search PATH ...] [--budget S] -- CMD ...
    measure.py serve  --results F --size N --crosswalk BIN --book DIR --edits E
    measure.py report --results F [--write FILE] [--machine FILE] [--quick]

`time` runs CMD R times (after an untimed `sh -c PREP` each time), records wall
time (perf_counter around fork/exec/wait) and peak resident memory
(ru_maxrss from wait4, i.e. the largest process of the command's tree that
was waited for; the same number as GNU `/usr/bin/time -v`), then the size of
the output directory and of the search index. One JSON line per measure is
appended to the results file.

`serve` starts `crosswalk serve --port 0` on the book, waits for the site,
then edits one document's body several times (one word changed each time)
and measures from the moment the write returns until the document's page is
served with the new word (HTTP polling every 2 ms on one keep-alive
connection). The file is restored afterwards.

`report` prints the table, the ratios and the targets, and optionally writes
them as Markdown.
"""
import argparse
import glob
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

MB = 1024 * 1024


def dir_size(path):
    """(bytes, files) of a file or directory tree; (0, 0) if missing."""
    if not os.path.exists(path):
        return 0, 0
    if os.path.isfile(path):
        return os.path.getsize(path), 1
    total = files = 0
    for root, _dirs, names in os.walk(path):
        for n in names:
            p = os.path.join(root, n)
            if os.path.isfile(p) and not os.path.islink(p):
                total += os.path.getsize(p)
                files += 1
    return total, files


def run_once(cmd, log):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=log)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss, proc.returncode


def append(results, record):
    with open(results, "a") as f:
        f.write(json.dumps(record) + "\n")


def cmd_time(a):
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        sys.exit("measure.py time: no command")
    walls, rss = [], []
    log_path = a.log or os.devnull
    code = 0
    with open(log_path, "w") as log:
        spent = 0.0
        for _ in range(a.runs):
            if a.budget and walls and spent >= a.budget:
                break
            if a.prep:
                subprocess.run(["sh", "-c", a.prep], check=True)
            wall, maxrss, code = run_once(cmd, log)
            if code != 0:
                break
            walls.append(wall)
            rss.append(maxrss)
            spent += wall
    out_bytes, out_files = dir_size(a.out) if a.out else (0, 0)
    search_bytes = sum(dir_size(p)[0] for pattern in a.search for p in glob.glob(pattern))
    record = {
        "kind": "time", "size": a.size, "label": a.label, "exit": code,
        "runs": walls, "rss_kb": rss, "out_bytes": out_bytes,
        "out_files": out_files, "search_bytes": search_bytes,
        "log": a.log,
    }
    append(a.results, record)
    print_row(record, sys.stdout)
    if code != 0:
        tail = ""
        if a.log and os.path.exists(a.log):
            with open(a.log, errors="replace") as f:
                tail = f.read()[-3000:]
        sys.stderr.write("FAILED (exit %d): %s\n%s\n" % (code, " ".join(cmd), tail))
        sys.exit(1)


# --------------------------------------------------------------------------
# serve
# --------------------------------------------------------------------------

def split_body(text):
    """Offset where the body starts (after the closing +++ line)."""
    if not text.startswith("+++\n"):
        return 0
    end = text.find("\n+++\n", 3)
    return 0 if end < 0 else end + 5


def pick_document(book):
    """A mid-corpus document: (path, id)."""
    docs = []
    for root, _d, names in os.walk(os.path.join(book, "docs")):
        for n in names:
            if n.endswith(".md"):
                docs.append(os.path.join(root, n))
    docs.sort(key=lambda p: os.path.basename(p))
    path = docs[len(docs) // 2]
    with open(path) as f:
        text = f.read()
    m = re.search(r'^id = "([^"]+)"', text, re.M)
    if not m:
        sys.exit("measure.py serve: no id in %s" % path)
    return path, m.group(1)


class Server:
    def __init__(self, binary, book, log_path):
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "serve", book, "--port", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url = None
        self.rebuilds = []  # ms reported by the server per rebuild
        self.ready = threading.Event()
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.log.write(line)
            self.log.flush()
            self.lines.append(line.rstrip())
            m = re.search(r"serving .* at (http://\S+)", line)
            if m:
                self.url = m.group(1)
                self.ready.set()
            m = re.search(r"rebuilt in (\d+) ms", line)
            if m:
                self.rebuilds.append(int(m.group(1)))
        self.ready.set()

    def peak_rss_kb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def cmd_serve(a):
    path, doc_id = pick_document(a.book)
    with open(path) as f:
        original = f.read()
    body = split_body(original)
    # The word to change: the first " the " of the body.
    at = original.find(" the ", body)
    if at < 0:
        sys.exit("measure.py serve: no word to change in %s" % path)
    at += 1
    server = Server(a.crosswalk, a.book, a.log or os.devnull)
    latencies, writes, code, error = [], [], 0, None
    started = time.perf_counter()
    try:
        if not server.ready.wait(a.timeout) or not server.url:
            raise RuntimeError("serve did not start: " + " | ".join(server.lines[-20:]))
        startup = time.perf_counter() - started
        m = re.match(r"http://([^/:]+):(\d+)(/.*)?", server.url)
        host, port, base = m.group(1), int(m.group(2)), (m.group(3) or "/")
        page = base.rstrip("/") + "/documents/%s.html" % doc_id.lower()
        conn = http.client.HTTPConnection(host, port, timeout=10)

        def get():
            nonlocal conn
            try:
                conn.request("GET", page)
                resp = conn.getresponse()
                return resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
                return 0, b""

        status, html = get()
        if status != 200:
            raise RuntimeError("GET %s -> %d" % (page, status))
        for k in range(a.edits):
            token = "benchword%dx%d" % (os.getpid() % 1000, k)
            # Always from the original: "the" becomes this edit's token, so
            # each write changes one word of the previous version.
            text = original[:at] + token + original[at + 3:]
            needle = token.encode()
            time.sleep(a.settle)
            t0 = time.perf_counter()
            with open(path, "w") as f:
                f.write(text)
            t1 = time.perf_counter()
            deadline = t1 + a.timeout
            while True:
                status, html = get()
                if status == 200 and needle in html:
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError("edit %d not served within %.0f s" % (k, a.timeout))
                time.sleep(0.002)
            latencies.append(time.perf_counter() - t1)
            writes.append(t1 - t0)
        conn.close()
    except Exception as e:  # noqa: BLE001 - reported, then exit 1
        code, error = 1, str(e)
        startup = None
    finally:
        with open(path, "w") as f:
            f.write(original)
        rss = server.peak_rss_kb()
        time.sleep(0.3)
        server.stop()
    record = {
        "kind": "time", "size": a.size, "label": "serve rebuild", "exit": code,
        "runs": latencies, "rss_kb": [rss] if rss else [], "out_bytes": 0,
        "out_files": 0, "search_bytes": 0, "server_ms": server.rebuilds,
        "startup_s": startup, "document": os.path.relpath(path, a.book),
        "log": a.log,
    }
    append(a.results, record)
    print_row(record, sys.stdout)
    if code:
        sys.stderr.write("FAILED serve: %s\n" % error)
        sys.exit(1)


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

ORDER = ["crosswalk check", "check, catalogs only", "crosswalk build --no-search", "crosswalk build",
         "serve rebuild", "floor", "hugo", "hugo + pagefind", "mdbook build"]
HEADER = ("| measure | docs | runs | median | min | max | peak RSS | output | files | search index |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def fmt_t(s):
    if s is None:
        return "-"
    return "%.0f ms" % (s * 1000) if s < 1 else "%.2f s" % s


def fmt_mb(b):
    return "-" if not b else "%.1f MB" % (b / MB)


def summary(r):
    runs = r["runs"]
    return {
        "median": statistics.median(runs) if runs else None,
        "min": min(runs) if runs else None,
        "max": max(runs) if runs else None,
        "rss": max(r["rss_kb"]) * 1024 if r["rss_kb"] else 0,
    }


def row_text(r):
    s = summary(r)
    status = "" if r.get("exit", 0) == 0 else " FAILED"
    return "| %s%s | %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
        r["label"], status, r["size"], len(r["runs"]), fmt_t(s["median"]),
        fmt_t(s["min"]), fmt_t(s["max"]), fmt_mb(s["rss"]),
        fmt_mb(r["out_bytes"]), r["out_files"] or "-", fmt_mb(r["search_bytes"]))


def print_row(r, out):
    out.write("ROW " + row_text(r) + "\n")
    out.flush()


def load(results):
    recs = {}
    if os.path.exists(results):
        with open(results) as f:
            for line in f:
                line = line.strip()
                if line:
                    r = json.loads(line)
                    recs[(r["label"], r["size"])] = r  # the last one wins
    return recs


def cmd_report(a):
    recs = load(a.results)
    sizes = sorted({s for (_l, s) in recs})
    lines = list(HEADER)
    for size in sizes:
        for label in ORDER + sorted({l for (l, s) in recs if l not in ORDER}):
            if (label, size) in recs:
                lines.append(row_text(recs[(label, size)]))

    def med(label, size):
        r = recs.get((label, size))
        return summary(r)["median"] if r and r["runs"] and r.get("exit", 0) == 0 else None

    def rss(label, size):
        r = recs.get((label, size))
        return summary(r)["rss"] if r and r.get("exit", 0) == 0 else None

    big = max(sizes) if sizes else 0
    small = [s for s in sizes if s < big]
    small = max(small) if small else None
    ratios, targets = [], []

    def ratio(name, num, den, fmt="%.2fx"):
        if num is None or den is None or den == 0:
            ratios.append((name, "n/a"))
            return None
        value = num / den
        ratios.append((name, fmt % value))
        return value

    for size in sizes:
        ratio("build --no-search / floor @%d" % size, med("crosswalk build --no-search", size), med("floor", size))
        ratio("build / (hugo + pagefind) @%d" % size, med("crosswalk build", size), med("hugo + pagefind", size))
        ratio("build / build --no-search @%d" % size, med("crosswalk build", size), med("crosswalk build --no-search", size))
    growth = {}
    if small:
        for label in ["crosswalk check", "crosswalk build --no-search", "crosswalk build", "floor", "hugo + pagefind"]:
            growth[label] = ratio("growth %d/%d: %s" % (big, small, label), med(label, big), med(label, small))

    def target(name, value, limit, shown):
        if value is None:
            targets.append((name, "n/a (not measured)", "-"))
        else:
            targets.append((name, shown, "PASS" if value <= limit else "FAIL"))

    b, f = med("crosswalk build --no-search", big), med("floor", big)
    target("build --no-search @%d <= 3x floor" % big, b / f if b and f else None, 3.0,
           "%.2fx" % (b / f) if b and f else "")
    m = rss("crosswalk build --no-search", big)
    target("build --no-search peak memory @%d <= 500 MB" % big, m / MB if m else None, 500,
           fmt_mb(m) if m else "")
    b, h = med("crosswalk build", big), med("hugo + pagefind", big)
    target("build @%d <= 1/3 of hugo + pagefind" % big, b / h if b and h else None, 1 / 3,
           "%.2fx" % (b / h) if b and h else "")
    c = med("crosswalk check", big)
    target("check @%d <= 1 s" % big, c, 1.0, fmt_t(c))
    k = med("check, catalogs only", big)
    target("catalog loading (check without documents) <= 150 ms", k, 0.15, fmt_t(k))
    s = med("serve rebuild", big)
    target("incremental rebuild @%d <= 100 ms" % big, s, 0.1, fmt_t(s))
    g = growth.get("crosswalk build")
    target("growth %s/%s of build <= 11x" % (big, small) if small else "growth of build <= 11x (one size only)",
           g, 11.0, "%.2fx" % g if g else "")

    text = []
    text.append("\n".join(lines))
    text.append("")
    text.append("| ratio | value |\n|---|---:|")
    text[-1] += "".join("\n| %s | %s |" % r for r in ratios)
    text.append("")
    text.append("| target | measured | verdict |\n|---|---:|---|")
    text[-1] += "".join("\n| %s | %s | %s |" % t for t in targets)
    serve = recs.get(("serve rebuild", big))
    if serve and serve.get("server_ms"):
        text.append("")
        text.append("serve @%d: server-reported rebuild times (ms): %s; start-up (initial full render) %s"
                    % (big, serve["server_ms"], fmt_t(serve.get("startup_s"))))
    body = "\n".join(text)
    print(body)
    if a.write:
        machine = open(a.machine).read() if a.machine and os.path.exists(a.machine) else ""
        notes = open(a.notes).read() if a.notes and os.path.exists(a.notes) else ""
        kept = ""
        if os.path.exists(a.write):
            with open(a.write) as f:
                old = f.read()
            at = old.find(KEEP_MARK)
            if at >= 0:
                kept = old[at:]
        with open(a.write, "w") as f:
            f.write(TEMPLATE.format(machine=machine.strip(), results=body, notes=notes.strip()))
            f.write("\n" + (kept or KEEP_MARK + "\n"))
        print("\nwrote %s" % a.write)


# Everything from this line on in BENCHMARKS.md (profiles, analysis written
# by hand) is kept when the file is regenerated.
KEEP_MARK = "<!-- kept by bench/run.sh: everything below is written by hand -->"

TEMPLATE = """# Benchmarks

Generated by `bash bench/run.sh` (see the script's header for what each
measure runs). Corpora come from `gen_corpus.py` (seed 1): the `toolchain`
flavor for crosswalk and the floor, the `hugo` and `mdbook` flavors (the same
prose) for the peers. Outputs are written to tmpfs (`/dev/shm`) and deleted
before every run. Wall time is the median of the runs (min and max beside
it); peak RSS is `ru_maxrss` of the largest process (`wait4`, as GNU
`time -v`); for `serve rebuild` it is the server's `VmHWM` after the edits.
"search index" is the size of the `pagefind/` directory (crosswalk, Pagefind
CLI) or of `searchindex*` (mdBook).

- **floor** (`examples/floor.rs`): walk + TOML front-matter + pulldown-cmark +
  write on every core; no templates, graph, checks or search.
- **check, catalogs only**: `crosswalk check` of the corpus's `book.toml`
  with no documents: what loading every embedded catalog adds to `check`
  (plus process start-up).
- **hugo + pagefind**: `hugo` then the Pagefind CLI on its output, one timed
  command.
- **serve rebuild**: `crosswalk serve`, one word of one document's body
  changed; time from the write returning until the page is served with the
  new word (HTTP polling every 2 ms), median of the edits.

## Machine

{machine}

## Results

{results}

## Notes

{notes}
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("time")
    t.add_argument("--results", required=True)
    t.add_argument("--size", type=int, required=True)
    t.add_argument("--label", required=True)
    t.add_argument("--runs", type=int, default=5)
    t.add_argument("--prep")
    t.add_argument("--out")
    t.add_argument("--search", action="append", default=[])
    t.add_argument("--log")
    t.add_argument("--budget", type=float, default=0,
                   help="stop repeating once the runs took this many seconds (0: no limit)")
    t.add_argument("cmd", nargs=argparse.REMAINDER)
    s = sub.add_parser("serve")
    s.add_argument("--results", required=True)
    s.add_argument("--size", type=int, required=True)
    s.add_argument("--crosswalk", required=True)
    s.add_argument("--book", required=True)
    s.add_argument("--edits", type=int, default=7)
    s.add_argument("--settle", type=float, default=0.5, help="seconds of quiet before each edit")
    s.add_argument("--timeout", type=float, default=120.0)
    s.add_argument("--log")
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--write")
    r.add_argument("--machine")
    r.add_argument("--notes")
    a = p.parse_args()
    {"time": cmd_time, "serve": cmd_serve, "report": cmd_report}[a.command](a)


if __name__ == "__main__":
    main()
