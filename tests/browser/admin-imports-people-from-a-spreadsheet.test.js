// An administrator imports people from a CSV file in the browser. The page checks the file
// first (a dry run) and shows the report — counts and a table of the rows to fix — before
// it offers the import; a file with problems cannot be imported, and nothing is written.
// After fixing the file, the check passes, the import runs, and the People page pages
// through everyone who arrived.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { seedTenant, signIn } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import { expectFocus, PHONE, WAIT, assertAccessible, assertNoHorizontalScroll, launchBrowser, signInThroughPage, text, waitTest, withPage,
} from './lib/browser.js';

const HEADER = 'email,name,manager_email,department,job_title,roles,external_id';
const BROKEN = [
  HEADER,
  'maya@acme.example,Maya Patel,,Sales,Head of Sales,admin;coach,E200',
  'noor@acme.example,Noor Khan,maya@acme.example,Sales,Account manager,,E201',
  'omar@acme.example,Omar Said,maya@acme.example,Sales,Account manager,boss,E202', // row 4: no such role
  'pia@acme.example,Pia Berg,noor@acme.example,Sales,Sales assistant,,E203',
].join('\n') + '\n';
const FIXED = BROKEN.replace(',boss,', ',,');

function csvFile(name, content) {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') };
}

describe('importing people from a spreadsheet', () => {
  let server;
  let browser;
  let acme;
  let admin;

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

  test('the check shows a bad row before anything is imported; after the fix the import runs', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/people');
      await page.locator('[data-test="people-import"]').click();
      await waitTest(page, 'people-import');
      assert.equal(await page.locator('[data-test="import-check"]').isDisabled(), true, 'nothing to check before a file is chosen');
      assert.equal(await page.locator('[data-test="import-run"]').isDisabled(), true, 'no import before a check');

      await page.locator('[data-test="import-file"]').setInputFiles(csvFile('people.csv', BROKEN));
      await page.locator('[data-test="import-check"]').click();
      await page.locator('[data-test="import-status"][data-state="error"]').waitFor(WAIT);
      assert.match(await text(page, 'import-status'), /1 problem found\. Nothing has been imported\./);
      assert.equal(await text(page, 'import-created'), '3', 'the counts of the rows that are fine');
      assert.equal(await text(page, 'import-updated'), '0');
      const errors = page.locator('[data-test="import-error-row"]');
      assert.equal(await errors.count(), 1);
      const cells = await errors.first().locator('th, td').allInnerTexts();
      assert.equal(cells[0].trim(), '4', 'the row of the file');
      assert.equal(cells[1].trim(), 'roles', 'the column');
      assert.match(cells[2], /unknown role 'boss'/, 'the problem in words');
      assert.equal(await page.locator('[data-test="import-run"]').isDisabled(), true, 'a file with problems cannot be imported');
      assert.match(await text(page, 'import-why'), /once the check finds no problems/);
      await assertAccessible(page, 'the import page with a report of problems');

      const before = await admin.get('/api/v1/users?limit=500');
      assert.equal(before.body.items.length, 1, 'the check wrote nothing');

      // The fixed file: the check passes and the import is offered.
      await page.locator('[data-test="import-file"]').setInputFiles(csvFile('people-fixed.csv', FIXED));
      assert.match(await text(page, 'import-report'), /No file checked yet/, 'a new file needs a new check');
      await page.locator('[data-test="import-check"]').click();
      await page.locator('[data-test="import-status"][data-state="ok"]').waitFor(WAIT);
      assert.equal(await text(page, 'import-created'), '4');
      assert.equal(await page.locator('[data-test="import-error-row"]').count(), 0);
      const run = page.locator('[data-test="import-run"]');
      assert.equal(await run.isDisabled(), false);
      assert.equal((await run.innerText()).trim(), 'Import 4 people');
      await assertAccessible(page, 'the import page ready to import');

      await run.click();
      await page.locator('[data-test="import-done"]', { hasText: 'Import finished' }).waitFor(WAIT);
      assert.match(await text(page, 'import-done'), /4 people added, 0 updated/);
      assert.equal(await run.isDisabled(), true, 'the same file is not imported twice by accident');

      await page.locator('[data-test="import-see-people"]').click();
      await waitTest(page, 'people-table');
      const row = (name) => page.locator('[data-test="person-row"]', { has: page.locator('[data-test="person-link"]', { hasText: name }) });
      const pia = row('Pia Berg');
      await pia.waitFor(WAIT);
      await pia.locator('td', { hasText: 'Noor Khan' }).waitFor(WAIT); // her manager, from the file
      const maya = row('Maya Patel');
      assert.match(await maya.innerText(), /Administrator, Coach/);
    });
    const after = await admin.get('/api/v1/users?limit=500');
    assert.equal(after.body.items.length, 5);
  });

  test('a real run that finds problems imports nothing and shows them', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/people/import');
      await waitTest(page, 'people-import');
      const file = [HEADER, 'quinn@acme.example,Quinn Lee,,Ops,Planner,,E300'].join('\n') + '\n';
      await page.locator('[data-test="import-file"]').setInputFiles(csvFile('quinn.csv', file));
      await page.locator('[data-test="import-check"]').click();
      await page.locator('[data-test="import-status"][data-state="ok"]').waitFor(WAIT);

      // Between the check and the import, someone adds by hand a person with Quinn's HR id
      // and another with Quinn's email: the row now points at two different people.
      for (const body of [
        { email: 'rex@acme.example', name: 'Rex Hand', roles: ['learner'], external_id: 'E300' },
        { email: 'quinn@acme.example', name: 'Quinn by hand', roles: ['learner'] },
      ]) {
        const taken = await admin.post('/api/v1/users', body);
        assert.equal(taken.status, 201, taken.text);
      }

      await page.locator('[data-test="import-run"]').click();
      await page.locator('[data-test="import-done"]', { hasText: 'Nothing was imported' }).waitFor(WAIT);
      assert.ok(await page.locator('[data-test="import-error-row"]').count() >= 1, 'the new problem is listed');
      assert.equal(await page.locator('[data-test="import-run"]').isDisabled(), true);
    }, { expect: [{ method: 'GET', path: '/api/v1/me', status: 401 }, { method: 'POST', path: '/api/v1/users/import', status: 422 }] });
    const rex = await admin.get('/api/v1/users?q=rex');
    assert.equal(rex.body.items[0].email, 'rex@acme.example', 'nothing was changed');
  });

  test('the People page pages through a long list, and search narrows it', async (t) => {
    const rows = [HEADER];
    for (let i = 1; i <= 30; i++) rows.push(`p${String(i).padStart(2, '0')}@bulk.example,Person ${String(i).padStart(2, '0')},,Bulk,Tester,,B${i}`);
    const res = await admin.post('/api/v1/users/import', rows.join('\n') + '\n', { 'Content-Type': 'text/csv' });
    assert.equal(res.status, 200, res.text);

    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/people');
      await waitTest(page, 'people-table');
      assert.equal(await page.locator('[data-test="person-row"]').count(), 25, 'a page of 25');
      assert.equal(await page.locator('[data-test="people-pager-previous"]').count(), 0, 'no Previous on the first page');
      const firstPage = await page.locator('[data-test="person-link"]').allInnerTexts();

      await page.locator('[data-test="people-pager-next"]').click();
      await page.locator('[data-test="people-pager"]', { hasText: 'Page 2' }).waitFor(WAIT);
      const secondPage = await page.locator('[data-test="person-link"]').allInnerTexts();
      assert.ok(secondPage.length >= 1);
      assert.deepEqual(secondPage.filter((n) => firstPage.includes(n)), [], 'page 2 holds other people');
      assert.equal(await page.locator('[data-test="people-pager-next"]').count(), 0, 'the last page has no Next');
      await expectFocus(page, 'test', 'people-pager-previous', 'focus stays on the pager');

      await page.locator('[data-test="people-pager-previous"]').click();
      await page.locator('[data-test="people-pager"]', { hasText: 'Page 1' }).waitFor(WAIT);
      assert.deepEqual(await page.locator('[data-test="person-link"]').allInnerTexts(), firstPage);

      await page.locator('[data-test="people-search"]').fill('Person 17');
      await page.locator('[data-test="people-search"]').press('Enter');
      await page.locator('[data-test="people-count"]', { hasText: '1 person shown' }).waitFor(WAIT);
      assert.deepEqual(await page.locator('[data-test="person-link"]').allInnerTexts(), ['Person 17']);
      assert.equal(new URL(page.url()).searchParams.get('q'), 'Person 17', 'the search is in the address');

      await page.locator('[data-test="people-search"]').fill('nobody at all');
      await page.locator('[data-test="people-search"]').press('Enter');
      await waitTest(page, 'people-empty');
      assert.match(await text(page, 'people-empty'), /No one matches “nobody at all”/);
      await page.locator('[data-test="people-clear-search"]').click();
      await waitTest(page, 'people-table');
      assert.equal(await page.locator('[data-test="person-row"]').count(), 25);
    });
  });

  for (const colorScheme of ['light', 'dark']) {
    test(`on a phone the report fits the screen and stays accessible (${colorScheme})`, async (t) => {
      await withPage(t, browser, server, async (page) => {
        await signInThroughPage(page, acme.admin);
        await page.goto('/people/import');
        await waitTest(page, 'people-import');
        await page.locator('[data-test="import-file"]').setInputFiles(csvFile('people.csv', BROKEN.replace('maya@', 'zed@').replace(',E200', ',E900')));
        await page.locator('[data-test="import-check"]').click();
        await page.locator('[data-test="import-status"]').waitFor(WAIT);
        await page.locator('summary').click(); // open the column help too
        await assertNoHorizontalScroll(page, 'the import page with a report');
        await assertAccessible(page, 'the import page with a report on a phone');
      }, { viewport: PHONE, colorScheme });
    });
  }
});
