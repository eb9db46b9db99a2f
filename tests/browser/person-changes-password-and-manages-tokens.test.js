// A signed-in person looks after their own account on the Profile page: changes their
// password (and signs in with the new one), creates an API token that is shown once and
// works, and revokes it so it stops working.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addUser, seedTenant } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import {
  PHONE, SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, launchBrowser, signInThroughPage, text,
  waitTest, withPage,
} from './lib/browser.js';

describe('the profile page', () => {
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

  test('a person changes their password, then signs in with the new one', async (t) => {
    await addUser(server, { tenant: 'acme', email: 'lena@acme.example', name: 'Lena Park', password: 'lenas first password' });
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, { email: 'lena@acme.example', password: 'lenas first password' });
      await page.locator('[data-test="nav-profile"]').click();
      await waitTest(page, 'profile');
      assert.match(await text(page, 'profile-details'), /Lena Park/);
      assert.match(await text(page, 'profile-details'), /Acme Training/);

      // Mistakes caught on the page.
      await page.locator('[data-test="field-current_password"]').fill('lenas first password');
      await page.locator('[data-test="field-new_password"]').fill('a brand new password');
      await page.locator('[data-test="field-new_password_again"]').fill('a brand new passwort');
      await page.locator('[data-test="password-submit"]').click();
      await waitTest(page, 'field-new_password_again-error');
      assert.match(await text(page, 'field-new_password_again-error'), /not the same/);

      // A wrong current password, refused by the server.
      await page.locator('[data-test="field-current_password"]').fill('not my password at all');
      await page.locator('[data-test="field-new_password_again"]').fill('a brand new password');
      await page.locator('[data-test="password-submit"]').click();
      await page.locator('[data-test="password-errors"]', { hasText: 'not changed' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-test="password-changed"]').count(), 0);
      await assertAccessible(page, 'the profile page with a password error');

      await page.locator('[data-test="field-current_password"]').fill('lenas first password');
      await page.locator('[data-test="password-submit"]').click();
      await waitTest(page, 'password-changed');
      assert.match(await text(page, 'password-changed'), /Your password is changed/);
      assert.equal(await page.locator('[data-test="field-new_password"]').inputValue(), '', 'the fields are emptied');

      await page.locator('[data-test="sign-out"]').click();
      await waitTest(page, 'signin-form');
      await page.locator('[data-test="field-email"]').fill('lena@acme.example');
      await page.locator('[data-test="field-password"]').fill('lenas first password');
      await page.locator('[data-test="signin-submit"]').click();
      await page.locator('[data-test="signin-errors"]', { hasText: 'not right' }).waitFor(WAIT);
      await page.locator('[data-test="field-password"]').fill('a brand new password');
      await page.locator('[data-test="signin-submit"]').click();
      await waitTest(page, 'home-signed-in');
    }, {
      expect: [
        SIGNED_OUT_ME,
        { method: 'POST', path: '/api/v1/me/password', status: 422 },
        { method: 'POST', path: '/api/v1/auth/login', status: 401 },
      ],
    });
  });

  test('a person creates an API token, sees it once, uses it, and revokes it', async (t) => {
    let token;
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/profile');
      await waitTest(page, 'tokens-empty');
      assert.match(await text(page, 'tokens-empty'), /no API tokens/);

      await page.locator('[data-test="token-create"]').click();
      await waitTest(page, 'token-errors');
      assert.match(await text(page, 'token-name-error'), /Enter a name/);

      await page.locator('[data-test="token-name"]').fill('Weekly report script');
      await page.locator('[data-test="token-create"]').click();
      await waitTest(page, 'token-new');
      token = await page.locator('[data-test="token-value-value"]').inputValue();
      assert.match(token, /^wm_[0-9a-f]{64}$/);
      assert.match(await text(page, 'token-warning'), /will not show it again/);
      await page.locator('[data-test="token-value-button"]').click();
      await page.locator('[data-test="token-value-said"]', { hasText: 'Copied.' }).waitFor(WAIT);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);

      const tokenRow = page.locator('[data-test="token-row"]', { hasText: 'Weekly report script' });
      await tokenRow.waitFor(WAIT);
      assert.match(await tokenRow.innerText(), /just now/);
      assert.match(await tokenRow.innerText(), /never/, 'not used yet');
      await assertAccessible(page, 'the profile page showing a new token');

      // The token works for a script.
      const me = await fetch(new URL('/api/v1/me', server.url), { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).user.email, acme.admin.email);

      // Shown once: after a reload the list has the token, the page does not.
      await page.reload();
      await tokenRow.waitFor(WAIT);
      assert.equal(await page.locator('[data-test="token-new"]').count(), 0);
      assert.equal((await page.content()).includes(token), false, 'the token is nowhere on the page');
      assert.doesNotMatch(await tokenRow.innerText(), /never/, 'the last use is shown');

      await tokenRow.locator('[data-test="token-revoke"]').click();
      await waitTest(page, 'confirm-revoke');
      assert.match(await text(page, 'confirm-revoke'), /stops working at once/);
      await page.locator('[data-test="confirm-revoke-ok"]').click();
      await page.locator('[data-test="tokens-status"]', { hasText: 'is revoked' }).waitFor(WAIT);
      await waitTest(page, 'tokens-empty');
    }, { grant: true });

    const after = await fetch(new URL('/api/v1/me', server.url), { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401, 'a revoked token no longer works');
  });

  for (const colorScheme of ['light', 'dark']) {
    test(`on a phone the profile page fits and stays accessible (${colorScheme})`, async (t) => {
      await withPage(t, browser, server, async (page) => {
        await signInThroughPage(page, acme.admin);
        await page.goto('/profile');
        await waitTest(page, 'tokens-empty');
        await page.locator('[data-test="token-name"]').fill('A phone token with a rather long name indeed');
        await page.locator('[data-test="token-create"]').click();
        await waitTest(page, 'token-new');
        await page.locator('[data-test="token-row"]').first().waitFor(WAIT);
        await assertNoHorizontalScroll(page, 'the profile page with a new token');
        await assertAccessible(page, 'the profile page on a phone');
        await page.locator('[data-test="token-revoke"]').click();
        await page.locator('[data-test="confirm-revoke-ok"]').click();
        await waitTest(page, 'tokens-empty');
      }, { viewport: PHONE, colorScheme });
    });
  }
});
