// Browser tests of a built crosswalk site, in the system's headless Chromium.
//
//   node tests/browser/run.mjs <site-dir> [--split-site <dir>] [--shots <dir>]
//
// Serves the site from 127.0.0.1 at "/" and under the sub-path "/hcb/",
// then checks: axe-core WCAG 2.1 A/AA on one page of every template (light
// and dark schemes, zero violations), one h1 and no skipped heading level,
// search by id and by word (over http, under /hcb/ and from file://): an
// id's page first, then the documents citing it, ids in the notations the
// format accepts; a facet filter, the header search form, the no-JS
// fallback, no CSP violations or script errors; and takes screenshots at
// 1280 and 390 px. A --split-site (the same book, its index in parts that
// each hold documents) is served under "/split/" and listed by filters
// alone, which must merge its parts in priority order.
// Prints "N passed, M failed" and exits non-zero on any failure.

import { createServer } from "node:http";
import { readFile, stat, readdir, mkdtemp, rm } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const SUBPATH = "/hcb/";
const SPLIT = "/split/";

const args = process.argv.slice(2);
const siteDir = args[0] && path.resolve(args[0]);
const shotsArg = args.indexOf("--shots");
const splitArg = args.indexOf("--split-site");
const splitDir = splitArg >= 0 ? path.resolve(args[splitArg + 1]) : null;
if (!siteDir || !existsSync(path.join(siteDir, "index.html"))) {
  console.error("usage: node tests/browser/run.mjs <built-site-dir> [--shots <dir>]");
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`Chromium not found at ${CHROMIUM}: run bash scripts/test.sh (it installs the Debian package chromium)`);
  process.exit(2);
}

let passed = 0;
let failed = 0;
/** Run one named check; a thrown error fails it and the run goes on. */
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(e && e.stack ? e.stack : e).split("\n").join("\n     ")}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// ---------------------------------------------------------------- server

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
};

/** Map a request path to a file of the site, under "/" or SUBPATH, or of
 * the split site under SPLIT. */
function resolveRequest(urlPath) {
  let rel = decodeURIComponent(urlPath.split("?")[0]);
  let root = siteDir;
  if (splitDir && rel.startsWith(SPLIT)) {
    root = splitDir;
    rel = rel.slice(SPLIT.length);
  } else {
    rel = rel.startsWith(SUBPATH) ? rel.slice(SUBPATH.length) : rel.slice(1);
  }
  const file = path.resolve(root, rel);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return file;
}

/** Until this time, the server answers 404 for the search index, as
 * `crosswalk serve` does while it builds it after the pages. */
let indexMissingUntil = 0;

function startServer() {
  const server = createServer(async (req, res) => {
    try {
      if (Date.now() < indexMissingUntil && (req.url || "").includes("/pagefind/")) {
        res.writeHead(404);
        res.end("not yet");
        return;
      }
      let file = resolveRequest(req.url || "/");
      if (file && (await stat(file).catch(() => null))?.isDirectory()) file = path.join(file, "index.html");
      const body = file ? await readFile(file).catch(() => null) : null;
      if (!body) {
        res.writeHead(404, { "content-type": TYPES[".html"] });
        res.end(await readFile(path.join(siteDir, "404.html")).catch(() => "not found"));
        return;
      }
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
      res.end(body);
    } catch (e) {
      res.writeHead(500);
      res.end(String(e));
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ---------------------------------------------------------------- pages

/** How many documents each part of a site's search index holds, read from
 * its fragments (gzip, then Pagefind's 12-byte signature, then JSON). */
async function documentsPerPart(dir) {
  const index = path.join(dir, "pagefind");
  const parts = ["", ...(await readdir(index)).filter((d) => /^shard-\d+$/.test(d)).map((d) => `${d}/`)];
  const counts = [];
  for (const part of parts) {
    let docs = 0;
    for (const file of await readdir(path.join(index, part, "fragment"))) {
      const json = JSON.parse(gunzipSync(await readFile(path.join(index, part, "fragment", file))).subarray(12).toString("utf8"));
      if (/(^|\/)documents\//.test(json.url)) docs++;
    }
    counts.push(docs);
  }
  return counts;
}

async function list(dir) {
  return (await readdir(path.join(siteDir, dir)).catch(() => [])).sort();
}
async function contains(rel, text) {
  return (await readFile(path.join(siteDir, rel), "utf8").catch(() => "")).includes(text);
}

/** One page of every template, found in the built site. */
async function templatePages() {
  const pages = { home: "index.html", documents: "documents/index.html", tags: "tags/index.html", search: "search.html", notfound: "404.html" };
  const docs = (await list("documents")).filter((f) => f !== "index.html").map((f) => `documents/${f}`);
  for (const d of docs) {
    if (!pages.superseded && (await contains(d, "banner-superseded"))) pages.superseded = d;
    if (!pages.related && (await contains(d, "relation-diagram"))) pages.related = d;
  }
  pages.document = docs[0];
  const areas = (await list("areas"))[0];
  if (areas) pages.listing = `areas/${areas}`;
  const domain = existsSync(path.join(siteDir, "attack/enterprise")) ? "enterprise" : (await list("attack"))[0];
  if (domain) {
    const files = await list(`attack/${domain}`);
    pages.matrix = `attack/${domain}/index.html`;
    pages.tactic = `attack/${domain}/${files.find((f) => /^ta\d/.test(f))}`;
    pages.technique = `attack/${domain}/${files.includes("t1486.html") ? "t1486.html" : files.find((f) => /^t\d/.test(f))}`;
  }
  const fw = (await list("controls"))[0];
  if (fw) {
    pages.framework = `controls/${fw}/index.html`;
    pages.control = `controls/${fw}/${(await list(`controls/${fw}`)).find((f) => f !== "index.html")}`;
  }
  // Templates other parts of crosswalk add: checked when the site has them.
  for (const [name, dir] of [["coverage", "coverage"], ["crosswalk", "crosswalks"]]) {
    const sub = (await list(dir))[0];
    if (existsSync(path.join(siteDir, dir, "index.html"))) pages[name] = `${dir}/index.html`;
    else if (sub && existsSync(path.join(siteDir, dir, sub, "index.html"))) pages[name] = `${dir}/${sub}/index.html`;
    else if (sub && sub.endsWith(".html")) pages[name] = `${dir}/${sub}`;
  }
  if (existsSync(path.join(siteDir, "coverage/cyfun2023/index.html"))) pages.coverage = "coverage/cyfun2023/index.html";
  for (const [k, v] of Object.entries(pages)) if (!v || v.includes("undefined")) delete pages[k];
  return pages;
}

// ---------------------------------------------------------------- helpers

/** Fail on script errors and CSP violations seen by a page. */
function watch(page, problems) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(text)) problems.push(`CSP: ${text}`);
  });
}

const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

async function axe(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`) }));
  }, WCAG);
}

/** One h1, and no level skipped going down. */
async function headingProblems(page) {
  return page.evaluate(() => {
    const hs = [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")].filter((h) => h.getClientRects().length > 0 || h.closest("details"));
    const problems = [];
    const h1 = hs.filter((h) => h.tagName === "H1").length;
    if (h1 !== 1) problems.push(`${h1} h1 elements`);
    let prev = 0;
    for (const h of hs) {
      const level = Number(h.tagName[1]);
      if (prev && level > prev + 1) problems.push(`h${prev} then h${level} ("${h.textContent.trim().slice(0, 50)}")`);
      prev = level;
    }
    return problems;
  });
}

async function results(page) {
  await page.waitForFunction(() => {
    const state = document.getElementById("search-app")?.dataset.state;
    return state === "done" || state === "error";
  }, null, { timeout: 20000 });
  return page.$$eval("#search-results > li h3 a", (as) => as.map((a) => a.getAttribute("href")));
}

/** The documents an id's own page lists as declaring it: on a technique's
 * page those before the ones inferred from requirements, on a requirement's
 * those citing it (not through a requirement above it). */
async function declaredDocuments(rel) {
  const html = await readFile(path.join(siteDir, rel), "utf8");
  let section;
  if (html.includes('id="sec-docs"')) {
    section = html.slice(html.indexOf('id="sec-docs"'));
    section = section.slice(0, Math.min(...["Inferred from", 'id="sec-mit"'].map((end) => section.indexOf(end)).filter((i) => i >= 0)));
  } else {
    section = html.slice(html.indexOf(">Documents that cite it<"));
    section = section.slice(0, section.indexOf("<h2", 10));
  }
  const cards = section.split('<li class="doc-card').slice(1).filter((card) => !card.includes(">through "));
  return [...new Set(cards.map((card) => card.match(/documents\/[^"#]+\.html/)?.[0]).filter(Boolean))];
}

/** A search for an id lists its page first, then every document declaring
 * it (before anything else, so none behind a stray match), within the first
 * ten results. */
async function idThenCiters(page, base, q, own) {
  const declared = await declaredDocuments(own);
  assert(declared.length > 0 && declared.length < 10, `${own} lists ${declared.length} declaring documents: pick another id`);
  const hrefs = (await searchFor(page, base, q, own)).map((h) => h.replace(/^.*?\/(documents|attack|controls)\//, "$1/"));
  const next = hrefs.slice(1, 1 + declared.length);
  const missing = declared.filter((d) => !next.includes(d));
  assert(missing.length === 0, `after ${own}, ${q} lists ${next.join(", ")}; missing ${missing.join(", ")} (all: ${hrefs.slice(0, 20).join(", ")})`);
}

async function searchFor(page, url, q, expectFirst) {
  await page.goto(`${url}search.html?q=${encodeURIComponent(q)}`);
  const hrefs = await results(page);
  const status = await page.textContent("#search-status");
  assert(hrefs.length > 0, `no results for ${q}: ${status}`);
  if (expectFirst) assert(hrefs[0].endsWith(expectFirst), `first result for ${q} is ${hrefs[0]}, expected ${expectFirst}; got ${hrefs.slice(0, 5).join(", ")}`);
  return hrefs;
}

// ---------------------------------------------------------------- run

const server = await startServer();
const origin = `http://127.0.0.1:${server.address().port}`;
const userDataDir = await mkdtemp(path.join(tmpdir(), "crosswalk-chromium-"));
const shots = shotsArg >= 0 ? path.resolve(args[shotsArg + 1]) : await mkdtemp(path.join(tmpdir(), "crosswalk-shots-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
const browser = context.browser();

try {
  const pages = await templatePages();
  console.log(`site ${siteDir}, served at ${origin}/ and ${origin}${SUBPATH}`);
  console.log(`pages: ${JSON.stringify(pages)}`);
  for (const name of ["home", "document", "superseded", "related", "documents", "listing", "tags", "technique", "tactic", "matrix", "control", "framework", "search", "notfound"]) {
    await check(`template ${name} exists`, () => assert(pages[name], `no page found for template ${name}`));
  }

  const page = await context.newPage();
  const problems = [];
  watch(page, problems);

  for (const [name, rel] of Object.entries(pages)) {
    for (const scheme of ["light", "dark"]) {
      await check(`axe WCAG 2.1 AA, ${scheme}: ${name} (${rel})`, async () => {
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`${origin}/${rel}${name === "search" ? "?q=ransomware" : ""}`);
        if (name === "search") await results(page);
        const violations = await axe(page);
        assert(violations.length === 0, `${violations.length} violation(s):\n${JSON.stringify(violations, null, 2)}`);
      });
    }
    await check(`headings in order: ${name}`, async () => {
      await page.emulateMedia({ colorScheme: "light" });
      await page.goto(`${origin}/${rel}`);
      const p = await headingProblems(page);
      assert(p.length === 0, p.join("; "));
    });
  }

  await check("skip link is first and moves focus to main", async () => {
    await page.goto(`${origin}/index.html`);
    await page.keyboard.press("Tab");
    const first = await page.evaluate(() => document.activeElement?.className);
    assert(first === "skip-link", `first tab stop is ${first}`);
    await page.keyboard.press("Enter");
    const id = await page.evaluate(() => document.activeElement?.id);
    assert(id === "main", `focus after skip link is on #${id}`);
  });

  for (const [label, base] of [["http", `${origin}/`], ["http under /hcb/", `${origin}${SUBPATH}`], ["file://", pathToFileURL(siteDir).href + "/"]]) {
    await check(`search by document id HCB-0025 ranks it first (${label})`, () => searchFor(page, base, "HCB-0025", "documents/hcb-0025.html"));
    await check(`search by technique id T1486 ranks it first, then the documents declaring it (${label})`, () => idThenCiters(page, base, "T1486", "attack/enterprise/t1486.html"));
    await check(`search by word ransomware finds documents (${label})`, async () => {
      const hrefs = await searchFor(page, base, "ransomware");
      assert(hrefs.some((h) => h.includes("documents/")), `no document among ${hrefs.join(", ")}`);
      const first = new URL(hrefs[0], page.url());
      const response = await page.goto(first.href);
      assert(!response || response.ok(), `result link ${first.href} is broken`);
    });
  }
  for (const [q, own] of [["ISO27001:A.5.20", "controls/iso27001/a-5-20.html"], ["CYFUN2023:PR.AC-5.3", "controls/cyfun2023/pr-ac-5-3.html"], ["NIS2IR:3.2.1", "controls/nis2ir/3-2-1.html"]]) {
    await check(`search by cited requirement ${q} ranks its page first, then the documents citing it`, () => idThenCiters(page, `${origin}/`, q, own));
  }
  // The notations 0002-format.md accepts for ids, each finding the id's page.
  for (const [q, own] of [
    ["AC-02", "controls/800-53/ac-2.html"],
    ["ac-2", "controls/800-53/ac-2.html"],
    ["PR.AA-1", "controls/csf2/pr-aa-01.html"],
    ["BASIC_PR.AC-5.3", "controls/cyfun2023/pr-ac-5-3.html"],
    ["nis2ir:3.2.1", "controls/nis2ir/3-2-1.html"],
    ["0010", "documents/hcb-0010.html"],
    ["hcb-10", "documents/hcb-0010.html"],
  ]) {
    await check(`search by ${q} ranks ${own} first`, async () => {
      assert(existsSync(path.join(siteDir, own)), `${own} is not in the site: pick another id the book cites`);
      await searchFor(page, `${origin}/`, q, own);
    });
  }
  if (existsSync(path.join(siteDir, "controls/cyfun2023/pr-ac-1.html"))) {
    await check("search by control id PR.AC-1 ranks its page first", () => searchFor(page, `${origin}/`, "PR.AC-1", "controls/cyfun2023/pr-ac-1.html"));
  }
  if (existsSync(path.join(siteDir, "controls/800-53/ac-2-1.html"))) {
    await check("search by control id AC-2(1) ranks its page first", () => searchFor(page, `${origin}/`, "AC-2(1)", "controls/800-53/ac-2-1.html"));
  }

  await check("a search page opened before its index exists waits for it", async () => {
    indexMissingUntil = Date.now() + 2500;
    await page.goto(`${origin}/search.html?q=ransomware`);
    await page.waitForFunction(() => document.getElementById("search-app")?.dataset.state === "waiting", null, { timeout: 5000 });
    const hrefs = await results(page);
    const status = await page.textContent("#search-status");
    assert(hrefs.length > 0, `no results once the index came: ${status}`);
  });

  // A word the book does not hold finds nothing: a part of a split index
  // without it answered with pages of the longest word the query starts
  // with ("dialysis" listed 45 pages of "dia..."). A word it holds lists
  // only pages holding it.
  await check("a word the book does not hold finds nothing", async () => {
    for (const q of ["dialysis", "qwertyuiop"]) {
      await page.goto(`${origin}/search.html?q=${q}`);
      const hrefs = await results(page);
      const status = await page.textContent("#search-status");
      assert(hrefs.length === 0 && /No results/.test(status), `${q}: ${status} ${hrefs.slice(0, 5).join(", ")}`);
    }
  });
  await check("a word lists only pages that hold it", async () => {
    const hrefs = await searchFor(page, `${origin}/`, "ransomware");
    for (const href of hrefs.slice(0, 15)) {
      const rel = new URL(href).pathname.replace(/^\//, "");
      const text = (await readFile(path.join(siteDir, rel), "utf8")).toLowerCase();
      assert(text.includes("ransomware"), `${rel} does not mention ransomware`);
    }
  });

  await check("facet filter Type = Document narrows the results to documents", async () => {
    const all = await searchFor(page, `${origin}/`, "ransomware");
    const countOf = async () => Number(((await page.textContent("#search-status")) || "").match(/(\d+) result/)?.[1] || 0);
    const before = await countOf();
    const box = page.locator('.facets input[name="type"][value="Document"]');
    await box.check();
    await page.waitForFunction((b) => {
      const m = (document.getElementById("search-status")?.textContent || "").match(/(\d+) result/);
      return m && Number(m[1]) !== b;
    }, before, { timeout: 10000 });
    const after = await countOf();
    const hrefs = await page.$$eval("#search-results > li h3 a", (as) => as.map((a) => a.getAttribute("href")));
    assert(after < before, `count went from ${before} to ${after}`);
    assert(hrefs.every((h) => h.includes("documents/")), `non-documents after filtering: ${hrefs.join(", ")}`);
    assert(new URL(page.url()).searchParams.get("type") === "Document", `filter not in URL: ${page.url()}`);
    assert(all.length > 0, "no results before filtering");
  });

  /** Browse `dir`'s search page by `filters` alone to the last "Show more";
   * the listed documents must be `expected` of them, by priority. */
  async function byPriority(dir, base, filters, expected) {
    await page.goto(`${base}search.html?${filters}`);
    await page.waitForFunction(() => document.getElementById("search-app")?.dataset.state === "done", null, { timeout: 20000 });
    while (await page.isVisible("#search-more")) {
      const n = await page.$$eval("#search-results > li", (li) => li.length);
      await page.click("#search-more");
      await page.waitForFunction((before) => document.querySelectorAll("#search-results > li").length > before, n, { timeout: 10000 });
    }
    const hrefs = await page.$$eval("#search-results > li h3 a", (as) => as.map((a) => a.getAttribute("href")));
    assert(hrefs.length === expected, `${hrefs.length} results for ${expected} documents`);
    const priorities = [];
    for (const href of hrefs) {
      const file = path.join(dir, "documents", new URL(href, page.url()).pathname.split("/").pop());
      const html = await readFile(file, "utf8");
      priorities.push(Number(html.match(/<dt>Priority<\/dt><dd>(\d)/)?.[1] || 9));
    }
    const unordered = priorities.findIndex((p, i) => i > 0 && p < priorities[i - 1]);
    assert(unordered === -1, `priority ${priorities[unordered]} after ${priorities[unordered - 1]} at result ${unordered + 1}: ${priorities.join(",")}`);
  }

  await check("filters without words list every document by priority, across the index's parts", async () => {
    const parts = existsSync(path.join(siteDir, "pagefind/shard-1"));
    assert(parts, "the site under test has one search index part: build it with search-shards > 1");
    const docs = (await list("documents")).filter((f) => f !== "index.html");
    await byPriority(siteDir, `${origin}/`, "type=Document", docs.length);
  });

  if (splitDir) {
    await check("the split site's documents fill more than one part of its index", async () => {
      const holding = (await documentsPerPart(splitDir)).filter((n) => n > 0).length;
      assert(holding > 1, `documents fill ${holding} part(s): build the split site with more parts`);
    });
    const docs = (await readdir(path.join(splitDir, "documents"))).filter((f) => f !== "index.html");
    const governance = docs.filter((f) => {
      const areas = readFileSync(path.join(splitDir, "documents", f), "utf8").match(/<dt>Areas?<\/dt><dd>(.*?)<\/dd>/)?.[1] || "";
      return areas.includes("areas/governance.html");
    });
    for (const [label, base] of [["http", `${origin}${SPLIT}`], ["file://", pathToFileURL(splitDir).href + "/"]]) {
      await check(`filters alone list documents by priority, merging parts that each hold some (${label})`, () => byPriority(splitDir, base, "type=Document", docs.length));
      await check(`filters alone list an area's documents by priority across parts (${label})`, () => byPriority(splitDir, base, "type=Document&area=Governance", governance.length));
    }
  }

  await check("header search form leads to results", async () => {
    await page.goto(`${origin}${SUBPATH}documents/index.html`);
    await page.fill("#site-search", "T1486");
    await page.press("#site-search", "Enter");
    await page.waitForURL(/search\.html\?q=T1486/);
    const hrefs = await results(page);
    assert(hrefs[0]?.endsWith("attack/enterprise/t1486.html"), `first result ${hrefs[0]}`);
  });

  await check("no CSP violations or script errors", () => assert(problems.length === 0, problems.join("\n")));

  await check("without JavaScript the search page shows index links", async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const p = await noJs.newPage();
    await p.goto(`${origin}/search.html?q=ransomware`);
    assert(await p.isVisible("#search-fallback"), "fallback not visible");
    assert(!(await p.isVisible("#search-app")), "search app visible without JS");
    const links = await p.$$eval("#search-fallback a", (as) => as.map((a) => a.getAttribute("href")));
    assert(links.includes("documents/index.html"), `fallback links: ${links.join(", ")}`);
    await noJs.close();
  });

  await check(`screenshots written to ${shots}`, async () => {
    const targets = [["home", pages.home], ["document", pages.related || pages.document], ["matrix", pages.matrix], ["search", "search.html?q=ransomware"]];
    if (pages.coverage) targets.push(["coverage", pages.coverage]);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, rel] of targets) {
        await page.goto(`${origin}/${rel}`);
        if (name === "search") await results(page);
        const file = path.join(shots, `${name}-${width}.png`);
        await page.screenshot({ path: file, fullPage: name !== "matrix" });
        console.log(`     screenshot ${file}`);
      }
    }
  });
} finally {
  await context.close();
  server.close();
  await rm(userDataDir, { recursive: true, force: true });
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
