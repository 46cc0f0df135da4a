// Live reload of `crosswalk serve` in the system's headless Chromium.
//
//   node tests/browser/live.mjs <page-url> <old-text> <new-text>
//
// Opens the page served by crosswalk serve and checks it shows <old-text>,
// then prints "opened" and waits for a line on standard input: meanwhile
// the caller (tests/serve.rs) stops the server, edits the book and starts
// a new server on the same port. The page must then reload by itself and
// show <new-text>. Prints "reloaded" and exits 0, or exits 1 with why.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const [url, oldText, newText] = process.argv.slice(2);
if (!url || !oldText || !newText) {
  console.error("usage: node tests/browser/live.mjs <page-url> <old-text> <new-text>");
  process.exit(2);
}

const userDataDir = await mkdtemp(path.join(tmpdir(), "crosswalk-live-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let status = 0;
try {
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const streamOpened = page.waitForRequest((r) => r.url().includes("/__crosswalk/events"), { timeout: 30000 });
  await page.goto(url);
  const before = await page.textContent("main");
  if (!before.includes(oldText)) throw new Error(`the page does not show "${oldText}" at first`);
  await streamOpened;
  console.log("opened");
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once("line", resolve));
  lines.close();
  // EventSource retries every few seconds while the server is away.
  await page.waitForFunction((text) => document.querySelector("main")?.textContent.includes(text), newText, { timeout: 45000 });
  if (errors.length) throw new Error(`script errors: ${errors.join("; ")}`);
  console.log("reloaded");
} catch (e) {
  console.log(`FAIL ${e && e.stack ? e.stack : e}`);
  status = 1;
} finally {
  await context.close();
  await rm(userDataDir, { recursive: true, force: true });
}
process.exit(status);
