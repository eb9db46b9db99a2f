// A visitor opens Waymark in a browser: the home page says what Waymark is, that the
// server is working and how to sign in; it is accessible (axe-core, light and dark), it
// fits a phone, it can be used with the keyboard, and an unknown address shows a helpful
// not-found page.
//
// Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) driven by playwright-core; a
// screenshot of every failing test goes to test-results/ (lib/browser.js).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../e2e/lib/server.js';
import { expectFocus, PHONE, SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, launchBrowser, withPage,
} from './lib/browser.js';

describe('home page', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  test('the home page says what Waymark is, that the server works, and how to sign in', async (t) => {
    await withPage(t, browser, server, async (page) => {
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
      assert.equal(await page.locator('[data-test="site-nav"]').isVisible(), false, 'no navigation before sign-in');

      await page.locator('[data-test="home-signin"]').click();
      await page.locator('[data-test="signin-form"]').waitFor(WAIT);
      assert.equal(new URL(page.url()).pathname, '/signin');
      assert.equal(await page.title(), 'Sign in · Waymark');
    });
  });

  test('when the server is not working the home page says so and can check again', async (t) => {
    await withPage(t, browser, server, async (page) => {
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
    }, {
      expect: [SIGNED_OUT_ME, { method: 'GET', path: '/healthz', status: 503 }],
      console: [/status of 503/], // the browser logs the 503 as a console error
    });
  });

  for (const colorScheme of ['light', 'dark']) {
    test(`axe-core finds no accessibility violations (${colorScheme})`, async (t) => {
      await withPage(t, browser, server, async (page) => {
        await page.goto('/');
        await page.locator('[data-test="health-status"][data-state="ok"]').waitFor(WAIT);
        await assertAccessible(page, 'home page');

        await page.goto('/no/such/page');
        await page.locator('[data-test="not-found"]').waitFor(WAIT);
        await assertAccessible(page, 'not-found page');
      }, { colorScheme });
    });
  }

  test('a 375 px wide phone screen has no horizontal scroll', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await page.goto('/');
      await page.locator('[data-test="health-status"][data-state="ok"]').waitFor(WAIT);
      await assertNoHorizontalScroll(page, 'home');
      await assertAccessible(page, 'home page on a phone');

      // A long unbroken address on the not-found page must wrap, not widen the page.
      await page.goto(`/${'a-very-long-address-without-breaks'.repeat(6)}`);
      await page.locator('[data-test="not-found"]').waitFor(WAIT);
      await assertNoHorizontalScroll(page, 'not-found');
    }, { viewport: PHONE });
  });

  test('an unknown address shows the not-found page, with a way home', async (t) => {
    await withPage(t, browser, server, async (page) => {
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
      await expectFocus(page, 'tagName', 'H1', 'focus moves to the new page heading');

      // Back returns to the not-found page.
      await page.goBack();
      await page.locator('[data-test="not-found"]').waitFor(WAIT);
      assert.equal(new URL(page.url()).pathname, '/no/such/page');
    });
  });

  test('the keyboard reaches the skip link first, and focus is visible', async (t) => {
    await withPage(t, browser, server, async (page) => {
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
    await withPage(t, browser, server, async (page) => {
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
