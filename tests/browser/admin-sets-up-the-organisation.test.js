// An administrator sets up the organisation on the Settings page: changes its name, time
// zone, working days and brand colour and sees the header follow at once; sees the
// server's word beside a wrong time zone with what was typed kept; uploads a logo, sees it
// in the header and removes it; is told plainly when a file is not an image. A learner
// has no Settings page. The page passes axe-core in light and dark and fits a phone.
//
// Each journey has its own organisation (made through the CLI), so none depends on
// another's changes.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { addUser, seedTenant, signIn } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import { expectFocus, LAPTOP, PHONE, RESULTS, SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, launchBrowser,
  signInThroughPage, text, waitTest, withPage,
} from './lib/browser.js';

/** A valid 1 × 1 PNG. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** A width × height PNG in two colours side by side: a logo that shows in screenshots. */
function twoColourPng(width, height, left, right) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.from([0, ...Array.from({ length: width }, (_, x) => (x < width / 2 ? left : right)).flat()]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('an administrator sets up the organisation', () => {
  let server;
  let browser;
  let count = 0;

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

  /** A fresh organisation with one administrator; resolves to { slug, admin }. */
  function organisation(name = 'Acme Training') {
    count += 1;
    const slug = `org${count}`;
    return seedTenant(server, { slug, name, admin: { email: `ada@${slug}.example`, name: 'Ada Lovelace', password: 'correct horse battery' } });
  }

  async function openSettings(page) {
    await page.locator('[data-test="nav-settings"]').click();
    await waitTest(page, 'settings-form');
  }

  function headerColours(page) {
    return page.locator('[data-test="site-header"]').evaluate((el) => ({
      bg: getComputedStyle(el).backgroundColor,
      fg: getComputedStyle(el.querySelector('[data-test="brand-name"]')).color,
    }));
  }

  test('an administrator changes the name, time zone, working days and colour, and the header follows', async (t) => {
    const org = await organisation();
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.admin);
      await openSettings(page);
      assert.equal(await page.title(), 'Organisation settings · Waymark');
      assert.equal(await page.locator('[data-test="nav-settings"]').getAttribute('aria-current'), 'page');
      assert.equal(await page.locator('[data-test="field-name"]').inputValue(), 'Acme Training');
      assert.equal(await page.locator('[data-test="field-time_zone"]').inputValue(), 'UTC');
      for (const d of ['mon', 'tue', 'wed', 'thu', 'fri']) assert.equal(await page.locator(`[data-test="field-working_days-${d}"]`).isChecked(), true, d);
      assert.equal(await page.locator('[data-test="field-working_days-sat"]').isChecked(), false);

      await page.locator('[data-test="field-name"]').fill('Acme Learning');
      await page.locator('[data-test="field-time_zone"]').fill('Europe/Lisbon');
      await page.locator('[data-test="field-working_days-fri"]').uncheck();
      await page.locator('[data-test="field-working_days-sun"]').check();

      // The picker and the code follow each other, and the preview follows both.
      await page.locator('[data-test="colour-picker"]').fill('#4b0082');
      assert.equal(await page.locator('[data-test="field-brand_colour"]').inputValue(), '#4b0082');
      assert.match(await text(page, 'contrast-note'), /white text on #4b0082/);
      await page.locator('[data-test="field-brand_colour"]').fill('#FFD400');
      assert.equal(await page.locator('[data-test="colour-picker"]').inputValue(), '#ffd400');
      assert.match(await text(page, 'contrast-note'), /black text on #ffd400.*contrast of \d+\.\d to 1/);
      assert.equal(await page.locator('[data-test="colour-preview"]').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 212, 0)');
      assert.match(await text(page, 'colour-preview'), /Acme Learning/);

      await page.locator('[data-test="settings-save"]').click();
      await waitTest(page, 'settings-saved');
      assert.equal(await text(page, 'settings-saved-text'), 'The settings are saved');
      await expectFocus(page, 'test', 'settings-saved', 'focus moves to the message');

      // The header changed without a reload.
      assert.equal(await text(page, 'brand-name'), 'Acme Learning');
      assert.deepEqual(await headerColours(page), { bg: 'rgb(255, 212, 0)', fg: 'rgb(0, 0, 0)' });
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1);

      // And it is kept.
      await page.reload();
      await waitTest(page, 'settings-form');
      assert.equal(await page.locator('[data-test="field-name"]').inputValue(), 'Acme Learning');
      assert.equal(await page.locator('[data-test="field-time_zone"]').inputValue(), 'Europe/Lisbon');
      assert.equal(await page.locator('[data-test="field-brand_colour"]').inputValue(), '#ffd400');
      assert.equal(await page.locator('[data-test="field-working_days-fri"]').isChecked(), false);
      assert.equal(await page.locator('[data-test="field-working_days-sun"]').isChecked(), true);
      assert.equal(await text(page, 'brand-name'), 'Acme Learning');

      // Saving again with nothing changed says so.
      await page.locator('[data-test="settings-save"]').click();
      await page.locator('[data-test="settings-saved-text"]', { hasText: 'Nothing to save' }).waitFor(WAIT);
    });
    const api = await signIn(server, org.admin);
    const got = await api.get('/api/v1/tenant');
    assert.deepEqual(got.body.working_days, ['mon', 'tue', 'wed', 'thu', 'sun']);
  });

  test('a wrong time zone is explained beside its field and what was typed stays', async (t) => {
    const org = await organisation();
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.admin);
      await openSettings(page);
      await page.locator('[data-test="field-name"]').fill('Acme Moon Base');
      await page.locator('[data-test="field-time_zone"]').fill('Moon/Tranquility');
      await page.locator('[data-test="field-brand_colour"]').fill('#123456');
      await page.locator('[data-test="settings-save"]').click();

      await waitTest(page, 'settings-errors');
      assert.match(await text(page, 'settings-errors'), /The settings were not saved/);
      assert.match(await text(page, 'field-time_zone-error'), /Time zone must be a time zone of the tz database, like Europe\/London/);
      assert.equal(await page.locator('[data-test="field-time_zone"]').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('[data-test="field-name"]').inputValue(), 'Acme Moon Base');
      assert.equal(await page.locator('[data-test="field-time_zone"]').inputValue(), 'Moon/Tranquility');
      assert.equal(await page.locator('[data-test="field-brand_colour"]').inputValue(), '#123456');
      assert.equal(await page.locator('[data-test="field-name-error"]').isVisible(), false);
      assert.equal(await text(page, 'brand-name'), 'Acme Training', 'nothing was saved');
      await assertAccessible(page, 'the settings form with an error');

      // No working day at all is caught before sending.
      for (const d of ['mon', 'tue', 'wed', 'thu', 'fri']) await page.locator(`[data-test="field-working_days-${d}"]`).uncheck();
      await page.locator('[data-test="field-time_zone"]').fill('Asia/Tokyo');
      await page.locator('[data-test="settings-save"]').click();
      await page.locator('[data-test="settings-errors"]', { hasText: 'Choose at least one working day' }).waitFor(WAIT);

      await page.locator('[data-test="field-working_days-mon"]').check();
      await page.locator('[data-test="settings-save"]').click();
      await waitTest(page, 'settings-saved');
      assert.equal(await page.locator('[data-test="field-time_zone-error"]').isVisible(), false);
      assert.equal(await text(page, 'brand-name'), 'Acme Moon Base');
    }, { expect: [SIGNED_OUT_ME, { method: 'PATCH', path: '/api/v1/tenant', status: 422 }] });
  });

  test('an administrator uploads a logo, sees it in the header, and removes it', async (t) => {
    const org = await organisation();
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.admin);
      await openSettings(page);
      await waitTest(page, 'logo-none');
      const headerLogo = page.locator('[data-test="brand-logo"]');
      assert.equal(await headerLogo.isVisible(), false);

      // Nothing chosen yet.
      await page.locator('[data-test="logo-upload"]').click();
      await page.locator('[data-test="logo-file-error"]', { hasText: 'Choose a PNG or JPEG image first' }).waitFor(WAIT);

      await page.locator('[data-test="logo-file"]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: TINY_PNG });
      await page.locator('[data-test="logo-upload"]').click();
      await waitTest(page, 'logo-saved');
      assert.equal(await text(page, 'logo-saved-text'), 'The new logo is saved');
      assert.equal(await page.locator('[data-test="logo-file-error"]').isVisible(), false);
      await headerLogo.waitFor({ state: 'visible', ...WAIT });
      assert.ok(await headerLogo.evaluate((el) => el.complete && el.naturalWidth === 1), 'the header shows the logo');
      const img = page.locator('[data-test="logo-image"]');
      await img.waitFor({ state: 'visible', ...WAIT });
      assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 1), 'the page shows the logo');
      assert.equal(await page.locator('[data-test="colour-preview"] img').isVisible(), true, 'the preview shows it too');
      await assertAccessible(page, 'the settings page with a logo');

      // Removing asks first; cancelling keeps it.
      await page.locator('[data-test="logo-remove"]').click();
      await waitTest(page, 'confirm-remove-logo');
      await page.locator('[data-test="confirm-remove-logo-cancel"]').click();
      assert.equal(await headerLogo.isVisible(), true);
      await expectFocus(page, 'test', 'logo-remove', 'focus returns to the button');

      await page.locator('[data-test="logo-remove"]').click();
      await page.locator('[data-test="confirm-remove-logo-ok"]').click();
      await waitTest(page, 'logo-none');
      assert.equal(await text(page, 'logo-saved-text'), 'The logo is removed');
      assert.equal(await headerLogo.isVisible(), false, 'the header no longer shows it');
      assert.equal(await page.locator('[data-test="site-header"] .brand__mark').isVisible(), true, 'Waymark’s sign is back');
    });
  });

  test('a file that is not an image is refused with a clear message', async (t) => {
    const org = await organisation();
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.admin);
      await openSettings(page);
      await page.locator('[data-test="logo-file"]').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('These are my notes, not a picture.\n') });
      await page.locator('[data-test="logo-upload"]').click();
      await waitTest(page, 'logo-errors');
      assert.match(await text(page, 'logo-file-error'), /not a PNG or JPEG image/);
      assert.equal(await page.locator('[data-test="logo-file"]').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('[data-test="brand-logo"]').isVisible(), false);
      await waitTest(page, 'logo-none');
      await assertAccessible(page, 'the refused upload');
    }, { expect: [SIGNED_OUT_ME, { method: 'PUT', path: '/api/v1/tenant/logo', status: 415 }] });
  });

  test('a learner has no Settings page', async (t) => {
    const org = await organisation();
    await addUser(server, { tenant: org.slug, email: `leo@${org.slug}.example`, name: 'Leo Learner', password: 'leos long password' });
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, { email: `leo@${org.slug}.example`, password: 'leos long password' });
      assert.equal(await page.locator('[data-test="nav-profile"]').count(), 1);
      assert.equal(await page.locator('[data-test="nav-settings"]').count(), 0, 'no Settings in the navigation');
      await page.goto('/settings');
      await waitTest(page, 'forbidden');
      assert.equal((await page.locator('h1').innerText()).trim(), 'You cannot open this page');
      assert.equal(await page.locator('[data-test="settings-form"]').count(), 0);
    });
  });

  for (const colorScheme of ['light', 'dark']) {
    for (const [label, viewport] of [['laptop', LAPTOP], ['phone', PHONE]]) {
      test(`the page is accessible and fits the screen (${colorScheme}, ${label})`, async (t) => {
        const org = await organisation('Acme Training and Development Limited');
        const api = await signIn(server, org.admin);
        assert.equal((await api.patch('/api/v1/tenant', { brand_colour: '#0f766e' })).status, 200);
        assert.equal((await api.put('/api/v1/tenant/logo', twoColourPng(96, 32, [255, 255, 255], [250, 180, 40]), { 'Content-Type': 'image/png' })).status, 200);
        await withPage(t, browser, server, async (page) => {
          await signInThroughPage(page, org.admin);
          await page.goto('/settings');
          await waitTest(page, 'logo-image');
          await page.waitForLoadState('networkidle');
          await assertAccessible(page, `/settings (${colorScheme}, ${label})`);
          await assertNoHorizontalScroll(page, `/settings (${colorScheme}, ${label})`);

          // Keyboard: every control is reached with Tab, and focus is visible on it.
          await page.locator('[data-test="field-name"]').focus();
          const reached = [];
          for (let i = 0; i < 20 && reached.at(-1) !== 'logo-upload'; i++) {
            if (i) await page.keyboard.press('Tab');
            const el = await page.evaluate(() => {
              const a = document.activeElement;
              const style = getComputedStyle(a);
              return { test: a.dataset?.test, outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 };
            });
            reached.push(el.test);
            assert.ok(el.outline, `focus is visible on ${el.test}`);
          }
          for (const want of ['field-name', 'field-time_zone', 'field-working_days-mon', 'field-working_days-sun', 'colour-picker', 'field-brand_colour', 'settings-save', 'logo-remove', 'logo-file', 'logo-upload']) {
            assert.ok(reached.includes(want), `Tab reaches ${want} (reached ${reached.join(', ')})`);
          }

          if (process.env.SETTINGS_SCREENSHOTS) {
            await mkdir(RESULTS, { recursive: true });
            await page.evaluate(() => window.scrollTo(0, 0));
            await page.screenshot({ path: path.join(RESULTS, `settings-${colorScheme}-${label}.png`), fullPage: true });
          }
        }, { colorScheme, viewport });
      });
    }
  }
});
