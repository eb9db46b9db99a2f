// browser.js — what every browser test needs: Debian's Chromium driven by playwright-core,
// a fresh browser context (its own cookies) per test, a page that records every problem,
// axe-core, the phone-width check, and signing in through the real sign-in page.
//
// withPage() fails a test on any page error, console error or failed request, and on any
// API answer of 400 or more that the test did not say it expects: Chromium logs every
// 4xx fetch as a console error, and some are the app's ordinary conversation (GET
// /api/v1/me is 401 before sign-in; a wrong password is 401), so those are matched
// against the test's `expect` list instead of being ignored wholesale. A failing test
// leaves a full-page screenshot in test-results/.

import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { REPO_ROOT } from '../../e2e/lib/server.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
export const RESULTS = path.join(REPO_ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const WAIT = { timeout: 10_000 };
export const PHONE = { width: 375, height: 740 };
export const LAPTOP = { width: 1280, height: 800 };

/** The one answer every signed-out page load gets: "who am I?" → 401. */
export const SIGNED_OUT_ME = { method: 'GET', path: '/api/v1/me', status: 401 };

/** Starts Chromium. Resolves to the Browser; close it in after(). */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: CHROMIUM_FLAGS });
}

function matches(rule, got) {
  return (!rule.method || rule.method === got.method) &&
    (rule.status === undefined || rule.status === got.status) &&
    (rule.path instanceof RegExp ? rule.path.test(got.path) : rule.path === got.path);
}

/**
 * Runs body(page, ctx) in a new browser context for the server (its own cookies).
 * Options:
 *   expect      API answers ≥ 400 that are part of the journey: [{ method, path (string or
 *               RegExp, without the query), status }]; each may happen any number of times
 *   viewport    default LAPTOP
 *   colorScheme 'light' (default) or 'dark'
 *   grant       give the page clipboard permissions
 *   console     console errors that are part of the journey: [RegExp]
 * ctx: { context, problems, apiFailures }
 */
export async function withPage(t, browser, server, body, { expect = [SIGNED_OUT_ME], viewport = LAPTOP, colorScheme = 'light', grant = false, console: quiet = [] } = {}) {
  const context = await browser.newContext({ baseURL: server.url, viewport, colorScheme });
  if (grant) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  const problems = [];
  const apiFailures = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location()?.url || '';
    // A failed API answer is checked below, by status and path, not by its console echo.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text()) && new URL(where, server.url).pathname.startsWith('/api/')) return;
    if (quiet.some((re) => re.test(msg.text()))) return;
    problems.push(`console: ${msg.text()} (${where})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText || '';
    if (why === 'net::ERR_ABORTED') return; // the page moved on while it loaded (navigation)
    problems.push(`request failed: ${req.url()} ${why}`);
  });
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (res.status() < 400 || url.origin !== new URL(server.url).origin) return;
    const got = { method: res.request().method(), path: url.pathname, status: res.status() };
    apiFailures.push(got);
    if (!expect.some((rule) => matches(rule, got))) problems.push(`unexpected answer: ${got.method} ${got.path} → ${got.status}`);
  });
  try {
    await body(page, { context, problems, apiFailures });
    assert.deepEqual(problems, [], 'no console errors, page errors, failed requests or unexpected API failures');
  } catch (err) {
    await mkdir(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `browser-${t.fullName ?? t.name}`.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 150) + '.png');
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    const extra = `\n(screenshot: ${path.relative(REPO_ROOT, file)})${problems.length ? `\nproblems:\n  ${problems.join('\n  ')}` : ''}`;
    err.message += extra;
    if (typeof err.stack === 'string') err.stack += extra; // the reporter prints the stack, made before
    throw err;
  } finally {
    await context.close();
  }
}

/** axe-core's violations of WCAG 2.0–2.2 A/AA and best practice, as readable lines. */
export async function axeViolations(page, { impacts = null } = {}) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
  return results.violations
    .filter((v) => !impacts || impacts.includes(v.impact))
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Asserts axe-core finds nothing serious or critical (and lists anything milder too). */
export async function assertAccessible(page, what) {
  const all = await axeViolations(page);
  const bad = await axeViolations(page, { impacts: ['serious', 'critical'] });
  assert.deepEqual(bad, [], `${what}: serious or critical accessibility violations`);
  assert.deepEqual(all, [], `${what}: accessibility violations`);
}

/** Asserts the page does not scroll sideways (content no wider than the screen). */
export async function assertNoHorizontalScroll(page, what) {
  const m = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(m.scrollWidth <= m.clientWidth, `${what}: content ${m.scrollWidth} px wide in a ${m.clientWidth} px screen`);
}

/** The visible text of the element with data-test=name, trimmed. */
export async function text(page, name) {
  return (await page.locator(`[data-test="${name}"]`).first().innerText()).trim();
}

/** Waits for data-test=name to be visible. */
export function waitTest(page, name, options = WAIT) {
  return page.locator(`[data-test="${name}"]`).first().waitFor({ state: 'visible', ...options });
}

/** Signs in through the sign-in page (mouse and keyboard both fine); waits for the shell. */
export async function signInThroughPage(page, { email, password }, { from = '/signin' } = {}) {
  await page.goto(from);
  await waitTest(page, 'signin-form');
  await page.locator('[data-test="field-email"]').fill(email);
  await page.locator('[data-test="field-password"]').fill(password);
  await page.locator('[data-test="signin-submit"]').click();
  // The navigation exists only when signed in (on a phone it is folded behind Menu).
  await page.locator('[data-test="nav-home"]').waitFor({ state: 'attached', ...WAIT });
}

/** The server's API with the browser context's own session (cookie and CSRF from /me). */
export async function pageApi(page) {
  const me = await page.request.get('/api/v1/me');
  const { csrf_token: csrf } = await me.json();
  return {
    get: (p) => page.request.get(p),
    post: (p, data) => page.request.post(p, { data, headers: { 'X-CSRF-Token': csrf } }),
  };
}

/**
 * Asserts that focus lands on the element whose `what` is `want` — what: 'tagName' or
 * 'test' (its data-test) — polling for up to 5 s, because pages move focus after they
 * render and a single read would race them on a loaded machine.
 */
export async function expectFocus(page, what, want, message) {
  const read = () => page.evaluate((w) => (w === 'tagName'
    ? document.activeElement?.tagName : document.activeElement?.dataset?.test), what);
  const deadline = Date.now() + 5000;
  let got = await read();
  while (got !== want && Date.now() < deadline) {
    await page.waitForTimeout(50);
    got = await read();
  }
  assert.equal(got, want, message);
}
