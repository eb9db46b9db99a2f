// A person signs in and out of Waymark in a browser: with the keyboard alone, after a
// wrong password, when their email is in two organisations, when they are throttled,
// when their session ends under them, and the sign-in page stays accessible throughout.
//
// Every journey runs against the real server (tests/e2e/lib/server.js) with organisations
// and people made through the operator CLI (tests/e2e/lib/people.js).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addTenant, addUser, seedTenant } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import { expectFocus, PHONE, SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, launchBrowser, signInThroughPage, text,
  waitTest, withPage,
} from './lib/browser.js';

const WRONG_PASSWORD = { method: 'POST', path: '/api/v1/auth/login', status: 401 };

describe('signing in and out', () => {
  let server;
  let browser;
  let acme;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    acme = await seedTenant(server, { slug: 'acme', name: 'Acme Training', admin: { email: 'ada@acme.example', name: 'Ada Lovelace', password: 'correct horse battery' } });
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  test('with the keyboard alone, a visitor signs in and lands on the page they asked for', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await page.goto('/people');
      await waitTest(page, 'signin-form');
      const url = new URL(page.url());
      assert.equal(url.pathname, '/signin', 'a page that needs a session sends visitors to sign in');
      assert.equal(url.searchParams.get('next'), '/people', 'and remembers where they were going');

      // Tab from the top of the page: skip link, home link, then the email field.
      let reached = null;
      for (let i = 0; i < 6 && reached !== 'field-email'; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.dataset?.test ?? document.activeElement?.tagName);
      }
      assert.equal(reached, 'field-email', 'Tab reaches the email field');
      const outline = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      });
      assert.notEqual(outline.style, 'none', 'the focused field shows where focus is');
      assert.ok(outline.width >= 2, `focus outline at least 2 px (${outline.width})`);

      await page.keyboard.type(acme.admin.email);
      await page.keyboard.press('Tab');
      await expectFocus(page, 'test', 'field-password');
      await page.keyboard.type(acme.admin.password);
      await page.keyboard.press('Enter');

      await waitTest(page, 'people');
      assert.equal(new URL(page.url()).pathname, '/people', 'back on the page they asked for');
      assert.equal(await text(page, 'brand-name'), 'Acme Training', 'the header shows the organisation');
      assert.match(await text(page, 'signed-in-as'), /Ada Lovelace/);
      assert.equal(await page.locator('[data-test="nav-people"]').getAttribute('aria-current'), 'page');

      // The navigation and sign-out button are reachable with Tab too.
      await page.locator('[data-test="nav-profile"]').focus();
      await page.keyboard.press('Enter');
      await waitTest(page, 'profile');
      assert.equal(new URL(page.url()).pathname, '/profile');
    });
  });

  test('a wrong password is refused with one plain message, and the email is kept', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await page.goto('/signin');
      await waitTest(page, 'signin-form');
      await page.locator('[data-test="signin-submit"]').click();
      await waitTest(page, 'signin-errors');
      assert.match(await text(page, 'signin-errors'), /Enter your email address/);
      assert.match(await text(page, 'field-email-error'), /Enter your email address/);
      assert.equal(await page.locator('[data-test="field-email"]').getAttribute('aria-invalid'), 'true');

      await page.locator('[data-test="field-email"]').fill(acme.admin.email);
      await page.locator('[data-test="field-password"]').fill('not the password');
      await page.locator('[data-test="signin-submit"]').click();
      await page.locator('[data-test="signin-errors"]', { hasText: 'Email or password is not right.' }).waitFor(WAIT);
      await expectFocus(page, 'test', 'signin-errors', 'focus moves to the message');
      assert.equal(await page.locator('[data-test="field-email"]').inputValue(), acme.admin.email, 'the email is kept');
      assert.equal(await page.locator('[data-test="field-password"]').inputValue(), '', 'the wrong password is cleared');
      assert.equal(new URL(page.url()).pathname, '/signin');
      await assertAccessible(page, 'sign-in page with an error');

      await page.locator('[data-test="field-password"]').fill(acme.admin.password);
      await page.locator('[data-test="signin-submit"]').click();
      await waitTest(page, 'home-signed-in');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Hello, Ada');
    }, { expect: [SIGNED_OUT_ME, WRONG_PASSWORD] });
  });

  test('someone whose email is in two organisations names theirs', async (t) => {
    await addTenant(server, { slug: 'globex', name: 'Globex' });
    await addTenant(server, { slug: 'initech', name: 'Initech' });
    for (const tenant of ['globex', 'initech'])
      await addUser(server, { tenant, email: 'sam@both.example', name: 'Sam Both', password: 'the same long password' });

    await withPage(t, browser, server, async (page) => {
      await page.goto('/signin');
      await waitTest(page, 'signin-form');
      assert.equal(await page.locator('[data-test="field-tenant"]').isVisible(), false, 'no organisation field at first');
      await page.locator('[data-test="field-email"]').fill('sam@both.example');
      await page.locator('[data-test="field-password"]').fill('the same long password');
      await page.locator('[data-test="signin-submit"]').click();

      await waitTest(page, 'field-tenant');
      await expectFocus(page, 'test', 'field-tenant', 'focus moves to the new field');
      assert.equal(await page.locator('[data-test="field-password"]').inputValue(), 'the same long password', 'the password is kept');
      await page.locator('[data-test="field-tenant"]').fill('initech');
      await page.locator('[data-test="signin-submit"]').click();
      await waitTest(page, 'home-signed-in');
      assert.equal(await text(page, 'brand-name'), 'Initech');
    }, { expect: [SIGNED_OUT_ME, { method: 'POST', path: '/api/v1/auth/login', status: 422 }] });
  });

  test('after too many wrong passwords the page says when to try again', async (t) => {
    await addUser(server, { tenant: 'acme', email: 'tom@acme.example', name: 'Tom Thumb', password: 'tom has a long password' });
    await withPage(t, browser, server, async (page) => {
      await page.goto('/signin');
      await waitTest(page, 'signin-form');
      let throttled = false;
      for (let i = 0; i < 8 && !throttled; i++) {
        await page.locator('[data-test="field-email"]').fill('tom@acme.example');
        await page.locator('[data-test="field-password"]').fill(`wrong guess ${i}`);
        const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
        await page.locator('[data-test="signin-submit"]').click();
        const res = await answer;
        throttled = res.status() === 429;
        if (throttled) assert.match(res.headers()['retry-after'] ?? '', /^\d+$/);
      }
      assert.ok(throttled, 'the server throttles the account');
      await page.locator('[data-test="signin-errors"]', { hasText: 'Please wait' }).waitFor(WAIT);
      assert.match(await text(page, 'signin-errors'), /try again in \d+ minutes?/i);
    }, { expect: [SIGNED_OUT_ME, WRONG_PASSWORD, { method: 'POST', path: '/api/v1/auth/login', status: 429 }] });
  });

  test('signing out ends the session: pages that need one ask to sign in again', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/profile');
      await waitTest(page, 'profile');

      await page.locator('[data-test="sign-out"]').click();
      await waitTest(page, 'signin-form');
      assert.equal(new URL(page.url()).pathname, '/signin');
      assert.match(await text(page, 'flash'), /You have signed out/);
      assert.equal(await page.locator('[data-test="site-nav"]').isVisible(), false, 'the navigation is gone');
      assert.equal(await text(page, 'brand-name'), 'Waymark');

      const me = await page.request.get('/api/v1/me');
      assert.equal(me.status(), 401, 'the server ended the session too');

      await page.goto('/profile');
      await waitTest(page, 'signin-form');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/profile');
    });
  });

  test('when the session ends under an open page, the person signs in again and carries on', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/profile');
      await waitTest(page, 'profile');

      // End the session behind the page's back (as an expiry or another tab would).
      const me = await (await page.request.get('/api/v1/me')).json();
      const out = await page.request.post('/api/v1/auth/logout', { headers: { 'X-CSRF-Token': me.csrf_token } });
      assert.equal(out.status(), 204);

      await page.locator('[data-test="token-name"]').fill('Nightly export');
      await page.locator('[data-test="token-create"]').click();
      await waitTest(page, 'signin-form');
      const url = new URL(page.url());
      assert.equal(url.pathname, '/signin');
      assert.equal(url.searchParams.get('next'), '/profile');
      assert.match(await text(page, 'flash'), /session has ended/i);

      await page.locator('[data-test="field-email"]').fill(acme.admin.email);
      await page.locator('[data-test="field-password"]').fill(acme.admin.password);
      await page.locator('[data-test="signin-submit"]').click();
      await waitTest(page, 'profile');
      assert.equal(new URL(page.url()).pathname, '/profile', 'back where they were');
    }, { expect: [SIGNED_OUT_ME, { method: 'POST', path: '/api/v1/me/tokens', status: 401 }] });
  });

  test('a sign-in link never sends anyone to another site', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await page.goto(`/signin?next=${encodeURIComponent('//evil.example/phish')}`);
      await waitTest(page, 'signin-form');
      await page.locator('[data-test="field-email"]').fill(acme.admin.email);
      await page.locator('[data-test="field-password"]').fill(acme.admin.password);
      await page.locator('[data-test="signin-submit"]').click();
      await waitTest(page, 'home-signed-in');
      const url = new URL(page.url());
      assert.equal(url.origin, new URL(server.url).origin);
      assert.equal(url.pathname, '/');
    });
  });

  for (const colorScheme of ['light', 'dark']) {
    for (const [label, viewport] of [['laptop', undefined], ['phone', PHONE]]) {
      test(`the sign-in page is accessible and fits the screen (${colorScheme}, ${label})`, async (t) => {
        await withPage(t, browser, server, async (page) => {
          await page.goto('/signin');
          await waitTest(page, 'signin-form');
          await assertAccessible(page, 'sign-in page');
          await assertNoHorizontalScroll(page, 'sign-in page');
          await page.locator('[data-test="signin-submit"]').click();
          await waitTest(page, 'signin-errors');
          await assertAccessible(page, 'sign-in page with missing details');
          await assertNoHorizontalScroll(page, 'sign-in page with missing details');
        }, { colorScheme, viewport });
      });
    }
  }
});
