// Every page of the web UI, in light and dark, on a laptop and on a 375 px phone: axe-core
// finds no violation (none serious or critical, and none milder either), nothing scrolls
// sideways, and the navigation folds behind a Menu button on the phone that works with the
// keyboard. The organisation's brand colour and logo appear in the header without
// costing contrast.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import { addUser, seedTenant, signIn } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import { expectFocus, LAPTOP, PHONE, SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, launchBrowser, signInThroughPage, text, waitTest,
  withPage,
} from './lib/browser.js';

/** A small solid-colour PNG (width × height, RGB), for the organisation's logo. */
function png(width, height, [r, g, b]) {
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
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0, ...Array.from({ length: width }, () => [r, g, b]).flat()]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Contrast ratio of two "rgb(r, g, b)" colours (WCAG 2.2). */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+/g).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('every page', () => {
  let server;
  let browser;
  let acme;
  let person; // someone to open on the person page
  let workflow; // a workflow from the first template: version 1, then a changed draft
  let enrolment; // the person's enrolment on it (the admin is enrolled too)
  let activity; // one of the admin's own activities on it

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    acme = await seedTenant(server, { slug: 'acme', name: 'Acme Training and Development Limited', admin: { email: 'ada@acme.example', name: 'Ada Lovelace', password: 'correct horse battery' } });
    const admin = await signIn(server, acme.admin);
    const made = await admin.post('/api/v1/users', {
      email: 'a.very.long.email.address.for.testing@subsidiary.acme.example',
      name: 'Maximiliana Wolfeschlegelsteinhausen',
      roles: ['learner', 'coach'],
      manager_id: admin.user.id,
      department: 'Research and Development',
      job_title: 'Principal learning experience designer',
    });
    assert.equal(made.status, 201, made.text);
    person = made.body.user;
    const templates = await admin.get('/api/v1/workflow-templates');
    assert.equal(templates.status, 200, templates.text);
    const wf = await admin.post('/api/v1/workflows', { template: templates.body.items[0].key });
    assert.equal(wf.status, 201, wf.text);
    workflow = wf.body;
    assert.equal((await admin.post(`/api/v1/workflows/${workflow.id}/publish`)).status, 201);
    const moved = await admin.patch(`/api/v1/workflows/${workflow.id}/steps/${workflow.steps[0].id}`, { position: 2, due_offset_days: 9 });
    assert.equal(moved.status, 200, moved.text);
    const enrolled = await admin.post(`/api/v1/workflows/${workflow.id}/enrolments`, { user_ids: [admin.user.id, person.id] });
    assert.equal(enrolled.status, 201, enrolled.text);
    enrolment = enrolled.body.people.find((p) => p.user_id === person.id);
    const journey = await admin.get('/api/v1/me/journey');
    assert.equal(journey.status, 200, journey.text);
    activity = ['overdue', 'today', 'upcoming'].flatMap((g) => journey.body[g]).find(Boolean);
    assert.ok(activity, `the admin has an activity coming up: ${journey.text.slice(0, 500)}`);
    await addUser(server, { tenant: 'acme', email: 'leo@acme.example', name: 'Leo Learner', password: 'leos long password' });
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  const SIGNED_IN_PAGES = [
    { path: '/', ready: 'journey-enrolments' },
    { path: () => `/activities/${activity.id}`, ready: 'activity-facts' },
    { path: () => `/enrolments/${enrolment.enrolment_id}`, ready: 'enrolment-activities' },
    { path: '/signoffs', ready: 'signoffs-empty' },
    { path: '/people', ready: 'people-table' },
    { path: '/people?q=zzzz-nobody', ready: 'people-empty' },
    { path: '/people/new', ready: 'person-form' },
    { path: () => `/people/${person.id}`, ready: 'person-form' },
    { path: '/people/import', ready: 'people-import' },
    { path: '/profile', ready: 'calendar-inactive' },
    { path: '/team', ready: 'team-members' },
    { path: '/notifications', ready: 'notifications-empty' },
    { path: '/settings', ready: 'outbox-table' }, // the person's invitation email
    { path: '/workflows', ready: 'workflows-table' },
    { path: '/workflows/new', ready: 'new-workflow-form' },
    { path: '/workflows/templates', ready: 'templates' },
    { path: '/workflows/import', ready: 'import-workflow-form' },
    { path: () => `/workflows/${workflow.id}`, ready: 'timeline' },
    { path: () => `/workflows/${workflow.id}/versions`, ready: 'diff' },
    { path: () => `/workflows/${workflow.id}/versions/1`, ready: 'workflow-version-view' },
    { path: () => `/workflows/${workflow.id}/enrol`, ready: 'enrol-form' },
    { path: () => `/workflows/${workflow.id}/enrolments`, ready: 'enrolments-table' },
    { path: '/no/such/page', ready: 'not-found' },
    { path: '/people/999999', ready: 'person-missing' },
  ];

  for (const colorScheme of ['light', 'dark']) {
    for (const [label, viewport] of [['laptop', LAPTOP], ['phone', PHONE]]) {
      test(`signed-in pages (${colorScheme}, ${label})`, async (t) => {
        await withPage(t, browser, server, async (page) => {
          await signInThroughPage(page, acme.admin);
          for (const p of SIGNED_IN_PAGES) {
            const where = typeof p.path === 'function' ? p.path() : p.path;
            await page.goto(where);
            await waitTest(page, p.ready);
            await page.waitForLoadState('networkidle');
            await assertAccessible(page, where);
            await assertNoHorizontalScroll(page, where);
          }
        }, { colorScheme, viewport, expect: [{ method: 'GET', path: '/api/v1/me', status: 401 }, { method: 'GET', path: '/api/v1/users/999999', status: 404 }] });
      });

      test(`signed-out pages (${colorScheme}, ${label})`, async (t) => {
        await withPage(t, browser, server, async (page) => {
          for (const [where, ready] of [['/', 'home'], ['/signin', 'signin-form'], ['/welcome', 'welcome-no-token'], ['/welcome#token=0123abcd', 'welcome-form'], ['/unsubscribe#no-such-token-0123', 'unsubscribe-unknown'], ['/unsubscribe', 'unsubscribe-no-token']]) {
            await page.goto(where);
            await waitTest(page, ready);
            await assertAccessible(page, where);
            await assertNoHorizontalScroll(page, where);
          }
        }, { colorScheme, viewport, expect: [SIGNED_OUT_ME, { method: 'GET', path: '/api/v1/unsubscribe/no-such-token-0123', status: 404 }] });
      });
    }
  }

  test('a learner who opens an administrator\'s page is told so, accessibly', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, { email: 'leo@acme.example', password: 'leos long password' });
      await page.goto('/people/import');
      await waitTest(page, 'forbidden');
      assert.equal((await page.locator('h1').innerText()).trim(), 'You cannot open this page');
      await assertAccessible(page, 'the forbidden page');
    });
  });

  test('on a phone the navigation folds behind a Menu button that works with the keyboard', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      const menu = page.locator('[data-test="menu-button"]');
      const nav = page.locator('[data-test="site-nav"]');
      assert.equal(await menu.isVisible(), true);
      assert.equal(await nav.isVisible(), false, 'folded at first');
      assert.equal(await menu.getAttribute('aria-expanded'), 'false');

      await menu.focus();
      await page.keyboard.press('Enter');
      await nav.waitFor({ state: 'visible', ...WAIT });
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      await assertAccessible(page, 'the open menu');
      await assertNoHorizontalScroll(page, 'the open menu');

      await page.keyboard.press('Tab');
      await expectFocus(page, 'test', 'nav-home', 'Tab goes into the menu');
      await page.keyboard.press('Escape');
      await nav.waitFor({ state: 'hidden', ...WAIT });
      await expectFocus(page, 'test', 'menu-button', 'Escape returns to the button');

      await page.keyboard.press('Enter');
      await page.locator('[data-test="nav-people"]').click();
      await waitTest(page, 'people-table');
      assert.equal(await nav.isVisible(), false, 'choosing a page folds the menu again');
      await expectFocus(page, 'tagName', 'H1', 'focus is on the new page');

      await menu.click();
      await page.locator('[data-test="sign-out"]').click();
      await waitTest(page, 'signin-form');
    }, { viewport: PHONE });
  });

  test('the organisation\'s colour and logo brand the header, with readable text', async (t) => {
    const admin = await signIn(server, acme.admin);
    for (const [colour, wantText] of [['#ffd400', 'rgb(0, 0, 0)'], ['#4b0082', 'rgb(255, 255, 255)']]) {
      const res = await admin.patch('/api/v1/tenant', { brand_colour: colour });
      assert.equal(res.status, 200, res.text);
      const logo = await admin.put('/api/v1/tenant/logo', png(40, 20, [200, 30, 30]), { 'Content-Type': 'image/png' });
      assert.equal(logo.status, 200, logo.text);

      await withPage(t, browser, server, async (page) => {
        await signInThroughPage(page, acme.admin);
        const header = page.locator('[data-test="site-header"]');
        const colours = await header.evaluate((el) => ({
          bg: getComputedStyle(el).backgroundColor,
          fg: getComputedStyle(el.querySelector('[data-test="brand-name"]')).color,
          nav: getComputedStyle(el.querySelector('[data-test="nav-people"]')).color,
        }));
        assert.equal(colours.fg, wantText, `text on ${colour}`);
        assert.equal(colours.nav, wantText);
        assert.ok(contrast(colours.bg, colours.fg) >= 4.5, `contrast ${contrast(colours.bg, colours.fg).toFixed(2)} on ${colour}`);
        const img = page.locator('[data-test="brand-logo"]');
        await img.waitFor({ state: 'visible', ...WAIT });
        assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 40), 'the logo loaded');
        assert.equal(await text(page, 'brand-name'), 'Acme Training and Development Limited');
        await assertAccessible(page, `the branded header (${colour})`);
      });
      await withPage(t, browser, server, async (page) => {
        await signInThroughPage(page, acme.admin);
        await assertNoHorizontalScroll(page, 'a long organisation name on a phone');
        await assertAccessible(page, `the branded header on a phone (${colour})`);
      }, { viewport: PHONE });
    }
  });
});
