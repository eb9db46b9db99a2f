// An administrator manages people in the browser: adds a person and hands them their
// invitation link (which the person then uses to choose a password and sign in), sees a
// mistake next to its field, changes a person, deactivates and reactivates someone, and
// makes a new password link. A manager sees the same list without the buttons.
//
// Every journey runs against the real server with an organisation made through the CLI;
// people the journey does not itself create are added through the API.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { seedTenant, signIn } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import { expectFocus, SIGNED_OUT_ME, WAIT, assertAccessible, launchBrowser, signInThroughPage, text, waitTest, withPage,
} from './lib/browser.js';

describe('administrators manage people', () => {
  let server;
  let browser;
  let acme;
  let admin; // an API client signed in as the administrator

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    acme = await seedTenant(server, { slug: 'acme', name: 'Acme Training', admin: { email: 'ada@acme.example', name: 'Ada Lovelace', password: 'correct horse battery' } });
    admin = await signIn(server, acme.admin);
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  async function addPerson(body) {
    const res = await admin.post('/api/v1/users', { roles: ['learner'], ...body });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  /** The table row of the person called name on the People page. */
  function row(page, name) {
    return page.locator('[data-test="person-row"]', { has: page.locator('[data-test="person-link"]', { hasText: name }) });
  }

  test('an administrator adds a person, who then chooses a password with the invitation link and signs in', async (t) => {
    let link;
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.locator('[data-test="nav-people"]').click();
      await waitTest(page, 'people-table');
      await page.locator('[data-test="people-add"]').click();
      await waitTest(page, 'person-form');
      assert.equal(await page.title(), 'Add a person · Waymark');

      await page.locator('[data-test="field-name"]').fill('Ben Okafor');
      await page.locator('[data-test="field-email"]').fill('ben@acme.example');
      await page.locator('[data-test="field-department"]').fill('Sales');
      await page.locator('[data-test="field-job_title"]').fill('Account manager');
      await page.locator('[data-test="field-external_id"]').fill('E-101');
      await page.locator('[data-test="manager-picker-search"]').fill('Ada');
      await page.locator('[data-test="manager-picker-option"]', { hasText: 'Ada Lovelace' }).click();
      assert.equal(await text(page, 'manager-picker-chosen-name'), 'Ada Lovelace');
      await assertAccessible(page, 'the add-a-person form');
      await page.locator('[data-test="person-save"]').click();

      await waitTest(page, 'person-invited');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Ben Okafor is added');
      link = await page.locator('[data-test="invitation-link-value"]').inputValue();
      assert.match(link, new RegExp(`^${server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/welcome#token=[0-9a-f]+$`), 'a full link to the welcome page');
      assert.match(await text(page, 'invitation'), /ben@acme\.example/);
      assert.match(await text(page, 'invitation-warning'), /only once/);

      await page.locator('[data-test="invitation-link-button"]').click();
      await page.locator('[data-test="invitation-link-said"]', { hasText: 'Copied.' }).waitFor(WAIT);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link, 'the Copy button copies the link');
      await assertAccessible(page, 'the invitation page');

      await page.locator('[data-test="person-back"]').click();
      await waitTest(page, 'people-table');
      const ben = row(page, 'Ben Okafor');
      await ben.waitFor(WAIT);
      assert.match(await ben.innerText(), /ben@acme\.example/);
      assert.match(await ben.innerText(), /Account manager/);
      await ben.locator('td', { hasText: 'Ada Lovelace' }).waitFor(WAIT); // reports to
    }, { grant: true });

    // Ben opens the link in his own browser.
    await withPage(t, browser, server, async (page) => {
      await page.goto(link);
      await waitTest(page, 'welcome-form');
      assert.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');
      await assertAccessible(page, 'the welcome page');

      await page.locator('[data-test="field-password"]').fill('short');
      await page.locator('[data-test="field-password_again"]').fill('different');
      await page.locator('[data-test="welcome-submit"]').click();
      await waitTest(page, 'welcome-errors');
      assert.match(await text(page, 'field-password-error'), /at least 10 characters/);
      assert.match(await text(page, 'field-password_again-error'), /not the same/);

      await page.locator('[data-test="field-password"]').fill('bens own long password');
      await page.locator('[data-test="field-password_again"]').fill('bens own long password');
      await page.locator('[data-test="welcome-submit"]').click();
      await waitTest(page, 'signin-form');
      assert.match(await text(page, 'flash'), /Your password is set/);

      await page.locator('[data-test="field-email"]').fill('ben@acme.example');
      await page.locator('[data-test="field-password"]').fill('bens own long password');
      await page.locator('[data-test="signin-submit"]').click();
      await waitTest(page, 'home-signed-in');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Hello, Ben');
      assert.equal(await page.locator('[data-test="nav-people"]').count(), 0, 'a learner has no People page');
      assert.equal(await page.locator('[data-test="nav-profile"]').count(), 1);

      await page.goto('/people');
      await waitTest(page, 'forbidden');
    });

    // The link works once.
    await withPage(t, browser, server, async (page) => {
      await page.goto(link);
      await page.locator('[data-test="field-password"]').fill('another long password');
      await page.locator('[data-test="field-password_again"]').fill('another long password');
      await page.locator('[data-test="welcome-submit"]').click();
      await page.locator('[data-test="welcome-errors"]', { hasText: 'ask your administrator' }).waitFor(WAIT);
      assert.equal(new URL(page.url()).pathname, '/welcome');
    }, { expect: [SIGNED_OUT_ME, { method: 'POST', path: '/api/v1/auth/accept', status: 404 }] });
  });

  test('a mistake is shown next to its field, and what was typed is kept', async (t) => {
    await addPerson({ email: 'cara@acme.example', name: 'Cara Diaz' });
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/people/new');
      await waitTest(page, 'person-form');
      await page.locator('[data-test="person-save"]').click();
      await waitTest(page, 'person-errors');
      assert.match(await text(page, 'field-name-error'), /full name/);
      assert.match(await text(page, 'field-email-error'), /email address/);

      await page.locator('[data-test="field-name"]').fill('Cara Again');
      await page.locator('[data-test="field-email"]').fill('CARA@acme.example');
      await page.locator('[data-test="field-roles-coach"]').check();
      await page.locator('[data-test="field-department"]').fill('Support');
      await page.locator('[data-test="person-save"]').click();
      await page.locator('[data-test="field-email-error"]', { hasText: /already/i }).waitFor(WAIT);
      await expectFocus(page, 'test', 'person-errors', 'focus moves to the summary');
      assert.equal(await page.locator('[data-test="field-email"]').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('[data-test="field-name"]').inputValue(), 'Cara Again');
      assert.equal(await page.locator('[data-test="field-department"]').inputValue(), 'Support');
      assert.equal(await page.locator('[data-test="field-roles-coach"]').isChecked(), true);
      await assertAccessible(page, 'the form with an error');

      // The summary's link takes the keyboard to the field.
      await page.locator('[data-test="person-errors"] a').first().press('Enter');
      await expectFocus(page, 'test', 'field-email');

      await page.locator('[data-test="field-email"]').fill('cara.again@acme.example');
      await page.locator('[data-test="person-save"]').click();
      await waitTest(page, 'person-invited');
    }, { expect: [SIGNED_OUT_ME, { method: 'POST', path: '/api/v1/users', status: 409 }, { method: 'POST', path: '/api/v1/users', status: 422 }] });
  });

  test('an administrator changes a person\'s job title, roles and manager', async (t) => {
    const { user: dan } = await addPerson({ email: 'dan@acme.example', name: 'Dan Brown', job_title: 'Trainee', manager_id: admin.user.id });
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/people?q=dan');
      await waitTest(page, 'people-table');
      assert.equal(await page.locator('[data-test="person-row"]').count(), 1, 'the search finds Dan only');
      assert.equal(await page.locator('[data-test="people-search"]').inputValue(), 'dan');
      await row(page, 'Dan Brown').locator('[data-test="person-edit"]').click();
      await waitTest(page, 'person-form');
      assert.equal(new URL(page.url()).pathname, `/people/${dan.id}`);
      assert.equal(await page.locator('[data-test="field-job_title"]').inputValue(), 'Trainee');
      assert.equal(await text(page, 'manager-picker-chosen-name'), 'Ada Lovelace');
      await assertAccessible(page, 'the edit form');

      await page.locator('[data-test="field-job_title"]').fill('Sales trainer');
      await page.locator('[data-test="field-roles-designer"]').check();
      await page.locator('[data-test="manager-picker-remove"]').click();
      assert.match(await text(page, 'manager-picker-chosen'), /No manager chosen/);
      await page.locator('[data-test="person-save"]').click();

      await waitTest(page, 'people-flash');
      assert.match(await text(page, 'people-flash'), /Changes to Dan Brown are saved/);
      const got = await admin.get(`/api/v1/users/${dan.id}`);
      assert.equal(got.body.job_title, 'Sales trainer');
      assert.deepEqual([...got.body.roles].sort(), ['designer', 'learner']);
      assert.equal(got.body.manager_id, null);

      const dans = row(page, 'Dan Brown');
      await dans.waitFor(WAIT);
      assert.match(await dans.innerText(), /Sales trainer/);
      assert.match(await dans.innerText(), /Designer/);
    });
  });

  test('an administrator deactivates a person after confirming, and can reactivate them', async (t) => {
    await addPerson({ email: 'eve@acme.example', name: 'Eve Adams' });
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/people?q=eve');
      await waitTest(page, 'people-table');
      const eve = row(page, 'Eve Adams');

      await eve.locator('[data-test="person-deactivate"]').click();
      await waitTest(page, 'confirm-deactivate');
      assert.match(await text(page, 'confirm-deactivate'), /signed out everywhere/);
      await assertAccessible(page, 'the confirmation dialog');
      await page.keyboard.press('Escape'); // the dialog cancels with Escape
      await page.locator('[data-test="confirm-deactivate"]').waitFor({ state: 'detached', ...WAIT });
      await expectFocus(page, 'test', 'person-deactivate', 'focus returns to the button');
      assert.equal(await text(page, 'person-status'), 'Active');

      await eve.locator('[data-test="person-deactivate"]').click();
      await page.locator('[data-test="confirm-deactivate-ok"]').click();
      await page.locator('[data-test="people-status"]', { hasText: 'Eve Adams is deactivated.' }).waitFor(WAIT);
      await page.locator('[data-test="people-empty"]').waitFor(WAIT); // no active Eve any more

      await page.locator('[data-test="people-show"]').selectOption('deactivated');
      await eve.waitFor(WAIT);
      assert.equal(await eve.locator('[data-test="person-status"]').innerText(), 'Deactivated');
      assert.equal(new URL(page.url()).searchParams.get('show'), 'deactivated', 'the filter is in the address');
      await eve.locator('[data-test="person-reactivate"]').click();
      await page.locator('[data-test="people-status"]', { hasText: 'Eve Adams is active again.' }).waitFor(WAIT);
    });
    const list = await admin.get('/api/v1/users?q=eve');
    assert.equal(list.body.items[0].active, true);
  });

  test('an administrator makes a new password link for someone who lost theirs', async (t) => {
    const { user: fay } = await addPerson({ email: 'fay@acme.example', name: 'Fay Wray' });
    let link;
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto(`/people/${fay.id}`);
      await waitTest(page, 'person-password');
      await page.locator('[data-test="person-reset"]').click();
      await page.locator('[data-test="confirm-reset-ok"]').click();
      await waitTest(page, 'reset-link-panel');
      link = await page.locator('[data-test="reset-link-value"]').inputValue();
      assert.match(link, /\/welcome#token=[0-9a-f]+$/);
      assert.match(await text(page, 'reset-link-panel'), /works once, until/);
      await assertAccessible(page, 'the person page with a new password link');
    });
    await withPage(t, browser, server, async (page) => {
      await page.goto(link);
      await page.locator('[data-test="field-password"]').fill('fays brand new password');
      await page.locator('[data-test="field-password_again"]').fill('fays brand new password');
      await page.locator('[data-test="welcome-submit"]').click();
      await waitTest(page, 'signin-form');
      await page.locator('[data-test="field-email"]').fill('fay@acme.example');
      await page.locator('[data-test="field-password"]').fill('fays brand new password');
      await page.locator('[data-test="signin-submit"]').click();
      await waitTest(page, 'home-signed-in');
    });
  });

  test('a manager sees the people they may see, without the administrator\'s buttons', async (t) => {
    const { user: gil } = await addPerson({ email: 'gil@acme.example', name: 'Gil Manager' });
    await addPerson({ email: 'hal@acme.example', name: 'Hal Report', manager_id: gil.id, job_title: 'Analyst' });
    const reset = await admin.post(`/api/v1/users/${gil.id}/password-reset`);
    assert.equal(reset.status, 200, reset.text);
    const token = new URL(reset.body.reset_url, server.url).hash.replace('#token=', '');
    const accept = await fetch(new URL('/api/v1/auth/accept', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, password: 'gils long password' }),
    });
    assert.ok(accept.ok, `accept: ${accept.status}`);

    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, { email: 'gil@acme.example', password: 'gils long password' });
      await page.locator('[data-test="nav-people"]').click();
      await waitTest(page, 'people-table');
      assert.equal(await page.locator('[data-test="people-add"]').count(), 0, 'no Add button');
      assert.equal(await page.locator('[data-test="people-import"]').count(), 0, 'no Import button');
      assert.equal(await page.locator('[data-test="person-edit"]').count(), 0, 'no Edit buttons');
      const hal = row(page, 'Hal Report');
      await hal.waitFor(WAIT);
      await hal.locator('[data-test="person-link"]').click();
      await waitTest(page, 'person-view');
      assert.equal(await page.locator('[data-test="person-form"]').count(), 0, 'read-only');
      assert.match(await text(page, 'person-view'), /Analyst/);
      await assertAccessible(page, 'the read-only person page');

      await page.goto('/people/new');
      await waitTest(page, 'forbidden');
    });
  });
});
