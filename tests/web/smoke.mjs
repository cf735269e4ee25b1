// Loads the web view in headless Chromium, waits for the live stream to update the page twice,
// fails on any console error, and saves a screenshot.  Usage: node smoke.mjs URL SCREENSHOT.png [TOKEN]
// With TOKEN the server requires it: the page must ask for it (screenshot *-locked.png; its 401
// is the only console error allowed), then go live once it is typed in.
import { chromium } from "playwright-core";

const [url, shot, token] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: "domcontentloaded" });
  let locked = null;
  if (token) {
    await page.waitForSelector("#auth:not([hidden])", { timeout: 15000 });
    locked = await page.locator("#live").textContent();
    await page.screenshot({ path: shot.replace(/\.png$/, "-locked.png"), fullPage: false });
    const beforeLogin = errors.splice(0);
    errors.push(...beforeLogin.filter((e) => !e.includes("401")));
    await page.fill("#token", token);
    await page.click("#auth button");
  }
  // On a timeout, say what the page showed instead of only "Timeout exceeded".
  const state = () => page.evaluate(async () => ({ live: document.querySelector("#live").textContent,
    health: document.querySelector("#health").textContent, version: document.body.dataset.version,
    readyz: await fetch("/readyz").then(async (r) => `${r.status} ${await r.text()}`).catch((e) => String(e)) }));
  const waitFor = async (fn, arg, what) => {
    try { await page.waitForFunction(fn, arg, { timeout: 30000 }); }
    catch (e) { throw new Error(`${what}: ${e.message}; page: ${JSON.stringify(await state())}; console: ${JSON.stringify(errors)}`); }
  };
  await waitFor(() => Number(document.body.dataset.version || 0) > 0, null, "no first snapshot");
  const first = Number(await page.evaluate(() => document.body.dataset.version));
  await waitFor((v) => Number(document.body.dataset.version) > v, first, "no second snapshot");
  const second = Number(await page.evaluate(() => document.body.dataset.version));
  const freshRows = await page.locator("#freshness tbody tr").count();
  const live = await page.locator("#live").textContent();
  const ticker = await page.locator("#ticker li").count();
  // Click an opportunity when there is one, so the chart draws too.
  const edgeRows = await page.locator("#edges tbody tr").count();
  if (edgeRows > 0 && (await page.locator("#edges tbody tr td").first().getAttribute("colspan")) === null) {
    await page.locator("#edges tbody tr").first().click();
    await page.waitForTimeout(500);
  }
  await page.screenshot({ path: shot, fullPage: false });
  const authHidden = await page.locator("#auth").isHidden();
  console.log(JSON.stringify({ first, second, freshRows, live, ticker, edgeRows, locked, authHidden, errors }));
  if (errors.length) process.exitCode = 2;
} finally {
  await browser.close();
}
