// A visitor opens Waymark in a browser: the home page says what Waymark is and that the
// server is working, it is accessible (axe-core, light and dark), it fits a phone, it can
// be used with the keyboard, and an unknown address shows a helpful not-found page.
//
// Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) driven by playwright-core; a
// screenshot of every failing test goes to test-results/.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { REPO_ROOT, startServer } from '../e2e/lib/server.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const RESULTS = path.join(REPO_ROOT, 'test-results');
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
const WAIT = { timeout: 10_000 };

describe('home page', () => {
  let server;
  let context;
  let profile;

  before(async () => {
    server = await startServer();
    profile = await mkdtemp(path.join(tmpdir(), 'waymark-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 800 },
      baseURL: server.url,
    });
  });

  after(async () => {
    try {
      await context?.close();
      if (profile) await rm(profile, { recursive: true, force: true });
    } finally {
      await server?.stop();
    }
  });

  /**
   * Runs body with a fresh page. Collects console errors, page errors and failed requests
   * (the page must have none), and saves a screenshot when the test fails.
   */
  async function withPage(t, body, { allowErrors = false } = {}) {
    const page = await context.newPage();
    const problems = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
    try {
      await body(page);
      if (!allowErrors) assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
    } catch (err) {
      await mkdir(RESULTS, { recursive: true });
      const file = path.join(RESULTS, `browser-${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      err.message += `\n(screenshot: ${path.relative(REPO_ROOT, file)})`;
      throw err;
    } finally {
      await page.close();
    }
  }

  async function axeViolations(page) {
    await page.evaluate(AXE_SOURCE);
    const results = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
    return results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  async function noHorizontalScroll(page) {
    return page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
  }

  test('the home page says what Waymark is and that the server works', async (t) => {
    await withPage(t, async (page) => {
      const res = await page.goto('/');
      assert.equal(res.status(), 200);
      await page.locator('[data-test="health-status"][data-state="ok"]').waitFor(WAIT);
      assert.equal(await page.title(), 'Waymark');
      assert.equal((await page.locator('[data-test="brand"]').innerText()).trim(), 'Waymark');
      assert.equal(await page.locator('h1').count(), 1, 'exactly one h1');
      assert.match(await page.locator('h1').innerText(), /\S/);
      assert.match(await page.locator('.page-header__lead').innerText(), /Waymark/);
      assert.equal((await page.locator('[data-test="health-status-text"]').innerText()).trim(), 'All systems working');
      assert.equal(await page.locator('[data-test="health-status"]').getAttribute('role'), 'status');
    });
  });

  test('when the server is not working the home page says so and can check again', async (t) => {
    await withPage(t, async (page) => {
      let fail = true;
      await page.route('**/healthz', (route) => {
        if (!fail) return route.continue();
        return route.fulfill({
          status: 503,
          contentType: 'application/json; charset=utf-8',
          body: JSON.stringify({ error: { code: 'database_unavailable', message: 'The database is not answering.', details: [] } }),
        });
      });
      await page.goto('/');
      const status = page.locator('[data-test="health-status"]');
      await page.locator('[data-test="health-status"][data-state="error"]').waitFor(WAIT);
      assert.match(await status.innerText(), /not working/i);
      assert.match(await status.innerText(), /The database is not answering\./, 'the server\'s own message is shown');

      fail = false;
      await page.locator('[data-test="health-retry"]').click();
      await page.locator('[data-test="health-status"][data-state="ok"]').waitFor(WAIT);
      assert.equal((await page.locator('[data-test="health-status-text"]').innerText()).trim(), 'All systems working');
    }, { allowErrors: true }); // the browser logs the 503 as a console error
  });

  for (const scheme of ['light', 'dark']) {
    test(`axe-core finds no accessibility violations (${scheme})`, async (t) => {
      await withPage(t, async (page) => {
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto('/');
        await page.locator('[data-test="health-status"][data-state="ok"]').waitFor(WAIT);
        assert.deepEqual(await axeViolations(page), [], 'home page');

        await page.goto('/no/such/page');
        await page.locator('[data-test="not-found"]').waitFor(WAIT);
        assert.deepEqual(await axeViolations(page), [], 'not-found page');
      });
    });
  }

  test('a 375 px wide phone screen has no horizontal scroll', async (t) => {
    await withPage(t, async (page) => {
      await page.setViewportSize({ width: 375, height: 740 });
      await page.goto('/');
      await page.locator('[data-test="health-status"][data-state="ok"]').waitFor(WAIT);
      const home = await noHorizontalScroll(page);
      assert.ok(home.scrollWidth <= home.clientWidth, `home: content ${home.scrollWidth} px wide in a ${home.clientWidth} px screen`);

      // A long unbroken address on the not-found page must wrap, not widen the page.
      await page.goto(`/${'a-very-long-address-without-breaks'.repeat(6)}`);
      await page.locator('[data-test="not-found"]').waitFor(WAIT);
      const missing = await noHorizontalScroll(page);
      assert.ok(missing.scrollWidth <= missing.clientWidth, `not-found: content ${missing.scrollWidth} px wide in a ${missing.clientWidth} px screen`);
    });
  });

  test('an unknown address shows the not-found page, with a way home', async (t) => {
    await withPage(t, async (page) => {
      const res = await page.goto('/no/such/page');
      assert.equal(res.status(), 200, 'the server hands app paths to the app');
      await page.locator('[data-test="not-found"]').waitFor(WAIT);
      assert.equal((await page.locator('h1').innerText()).trim(), 'Page not found');
      assert.equal(await page.title(), 'Page not found · Waymark');
      assert.equal((await page.locator('[data-test="not-found-path"]').innerText()).trim(), '/no/such/page');

      // Following the link is an in-app navigation: no new document is loaded.
      await page.evaluate(() => {
        window.__sameDocument = true;
      });
      await page.locator('[data-test="home-link"]').click();
      await page.locator('[data-test="home"]').waitFor(WAIT);
      assert.equal(new URL(page.url()).pathname, '/');
      assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the router navigated without reloading');
      assert.equal(await page.title(), 'Waymark');
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new page heading');

      // Back returns to the not-found page.
      await page.goBack();
      await page.locator('[data-test="not-found"]').waitFor(WAIT);
      assert.equal(new URL(page.url()).pathname, '/no/such/page');
    });
  });

  test('the keyboard reaches the skip link first, and focus is visible', async (t) => {
    await withPage(t, async (page) => {
      await page.goto('/');
      await page.locator('[data-test="health-status"][data-state="ok"]').waitFor(WAIT);
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => ({
        text: document.activeElement.textContent.trim(),
        outline: getComputedStyle(document.activeElement).outlineStyle,
        width: parseFloat(getComputedStyle(document.activeElement).outlineWidth),
        top: document.activeElement.getBoundingClientRect().top,
      }));
      assert.equal(first.text, 'Skip to content');
      assert.notEqual(first.outline, 'none', 'the focused skip link shows an outline');
      assert.ok(first.width >= 2, `outline at least 2 px (${first.width})`);
      assert.ok(first.top >= 0, 'the focused skip link is on screen');

      await page.keyboard.press('Tab');
      const second = await page.evaluate(() => ({
        test: document.activeElement.dataset.test,
        outline: getComputedStyle(document.activeElement).outlineStyle,
      }));
      assert.equal(second.test, 'brand');
      assert.notEqual(second.outline, 'none');
    });
  });

  test('the page loads with no console errors under the server\'s Content-Security-Policy', async (t) => {
    await withPage(t, async (page) => {
      const res = await page.goto('/');
      assert.match(res.headers()['content-security-policy'] ?? '', /default-src 'self'/);
      await page.locator('[data-test="health-status"][data-state="ok"]').waitFor(WAIT);
      // withPage asserts no console errors: a CSP violation or a missing asset would show there.
      const sheets = await page.evaluate(() => document.styleSheets.length);
      assert.ok(sheets >= 1, 'the stylesheet loaded');
      const icon = await page.request.get('/favicon.svg');
      assert.equal(icon.status(), 200);
    });
  });
});
