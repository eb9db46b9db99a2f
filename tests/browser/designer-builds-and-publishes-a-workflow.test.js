// A designer builds a workflow from scratch in the browser: a title and the outcome it
// exists for, a phase, two steps — the first with Markdown instructions whose preview
// (rendered by the server) shows a bold word, never runs a typed "<script>" and says, with
// the tag as plain text, that learners will not see it (the server drops raw HTML) —
// tries a step due before it is released, sees the server's refusal beside the due day with
// everything typed still in the form, fixes it, and publishes version 1. The editor passes
// axe-core. Then the rest of a workflow's life: publishing refused (no outcome, an empty
// phase) with each problem linked to its place, a phase renamed inline and an empty one
// deleted, export, an import whose every problem is listed, then a good import, archive
// (read-only) and restore, duplicate and delete. A learner cannot open the workflow pages.
//
// Runs against the real server; the designer and the learner are added with the operator
// CLI.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { addUser, seedTenant, signIn } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import {
  SIGNED_OUT_ME, WAIT, assertAccessible, expectFocus, launchBrowser, signInThroughPage, text, waitTest, withPage,
} from './lib/browser.js';

const DESIGNER = { email: 'dina@acme.example', name: 'Dina Designer', password: 'dinas long password' };
const LEARNER = { email: 'leo@acme.example', name: 'Leo Learner', password: 'leos long password' };

describe('a designer builds and publishes a workflow', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await seedTenant(server, { slug: 'acme', name: 'Acme Training' });
    await addUser(server, { tenant: 'acme', ...DESIGNER, roles: ['designer'] });
    await addUser(server, { tenant: 'acme', ...LEARNER });
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  /** The titles of the step cards of the phase named name, in order. */
  function titlesIn(page, name) {
    return page.locator('[data-test="phase"]', { has: page.locator('[data-test="phase-name"]', { hasText: name }) })
      .locator('[data-test="step-card-title"]').allInnerTexts();
  }

  test('from scratch: an outcome, a phase, two steps, a refused due day, then version 1', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, DESIGNER);
      await page.locator('[data-test="nav-workflows"]').click();
      await waitTest(page, 'workflows-empty');
      assert.equal(await page.title(), 'Workflows · Waymark');
      await assertAccessible(page, 'the empty workflows list');

      // A title and the outcome, then on to the editor.
      await page.locator('[data-test="workflows-new"]').click();
      await waitTest(page, 'new-workflow-form');
      await page.locator('[data-test="new-workflow-title"]').fill('Giving specific, timely feedback');
      await page.locator('[data-test="new-workflow-outcome"]').fill('Gives specific, timely feedback within a day of the moment');
      await page.locator('[data-test="new-workflow-save"]').click();
      await waitTest(page, 'workflow-editor');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Giving specific, timely feedback');
      assert.match(await text(page, 'workflow-flash'), /is created as a draft/);
      assert.equal(await text(page, 'workflow-status'), 'Draft');
      assert.equal(await text(page, 'workflow-version'), 'Not published yet');
      await waitTest(page, 'timeline-empty');

      // A phase: focus goes to its "Add a step" button.
      await page.locator('[data-test="phase-new-name"]').fill('Week 1 — notice');
      await page.locator('[data-test="phase-add"]').click();
      await page.locator('[data-test="phase-name"]', { hasText: 'Week 1 — notice' }).waitFor(WAIT);
      await expectFocus(page, 'test', 'step-add', 'focus moves to the new phase\'s Add a step');

      // The first step, with Markdown instructions and their preview.
      await page.locator('[data-test="step-add"]').click();
      await waitTest(page, 'step-dialog');
      await expectFocus(page, 'test', 'step-title', 'the dialog starts at the title');
      await page.locator('[data-test="step-title"]').fill('Notice three moments');
      await page.locator('[data-test="step-instructions"]').fill('Watch for **three** moments this week when feedback would help.\n\nTyping <script>alert(1)</script> is just text.');
      await page.locator('[data-test="step-instructions-preview"]').click();
      const preview = page.locator('[data-test="step-instructions-preview-body"]');
      await preview.locator('strong', { hasText: 'three' }).waitFor(WAIT);
      // The server leaves typed HTML out of what learners see; the preview says so, showing
      // the tag as text — and no script element ever reaches the page.
      await page.locator('[data-test="step-instructions-preview-html-note"]', { hasText: '<script>' }).waitFor(WAIT);
      assert.equal(await preview.locator('script').count(), 0, 'no script element in the preview');
      assert.equal(await page.evaluate(() => document.querySelectorAll('.markdown script, .markdown [onerror]').length), 0);
      assert.equal(await page.locator('[data-test="step-instructions"]').isVisible(), false, 'the preview replaces the textarea');
      await assertAccessible(page, 'the step form showing its preview');
      await page.locator('[data-test="step-instructions-write"]').click();
      assert.match(await page.locator('[data-test="step-instructions"]').inputValue(), /\*\*three\*\*/, 'the Markdown is untouched');
      await page.locator('[data-test="step-release"]').fill('0');
      await page.locator('[data-test="step-due"]').fill('2');
      await page.locator('[data-test="step-completion"]').selectOption('manager_signoff');
      await page.locator('[data-test="step-save"]').click();
      await page.locator('[data-test="step-dialog"]').waitFor({ state: 'detached', ...WAIT });
      const first = page.locator('[data-test="step-card"]', { hasText: 'Notice three moments' });
      await first.waitFor(WAIT);
      assert.equal(await first.locator('[data-test="step-card-timing"]').innerText(), 'Day 0 → due day 2');
      assert.equal(await first.locator('[data-test="step-card-completion"]').innerText(), 'Manager signs off');
      assert.equal(await first.locator('[data-test="step-card-kind"]').innerText(), 'Learn');
      assert.equal(await first.locator('[data-test="step-card-effort"]').innerText(), '15 min');
      await expectFocus(page, 'test', 'step-card', 'focus is on the new step');

      // The second step is due before it is released: refused, and nothing typed is lost.
      await page.locator('[data-test="step-add"]').click();
      await waitTest(page, 'step-dialog');
      await page.locator('[data-test="step-kind"]').selectOption('experiment');
      await page.locator('[data-test="step-title"]').fill('Try it once');
      await page.locator('[data-test="step-instructions"]').fill('Pick one moment and say *what you saw*.');
      await page.locator('[data-test="step-release"]').fill('5');
      await page.locator('[data-test="step-due"]').fill('3');
      await page.locator('[data-test="step-evidence"]').selectOption('required');
      await page.locator('[data-test="step-save"]').click();
      const dueError = page.locator('[data-test="step-due-error"]');
      await dueError.waitFor(WAIT);
      assert.match(await dueError.innerText(), /release/i);
      await expectFocus(page, 'test', 'step-due', 'focus moves to the due day');
      const described = await page.locator('[data-test="step-due"]').getAttribute('aria-describedby');
      assert.ok(described.split(' ').includes(await dueError.getAttribute('id')), 'the error describes the field');
      assert.equal(await page.locator('[data-test="step-due"]').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('[data-test="step-title"]').inputValue(), 'Try it once');
      assert.equal(await page.locator('[data-test="step-instructions"]').inputValue(), 'Pick one moment and say *what you saw*.');
      assert.equal(await page.locator('[data-test="step-kind"]').inputValue(), 'experiment');
      assert.equal(await page.locator('[data-test="step-evidence"]').inputValue(), 'required');
      assert.equal(await page.locator('[data-test="step-release"]').inputValue(), '5');
      await waitTest(page, 'step-errors');
      await assertAccessible(page, 'the step form with a refused due day');

      await page.locator('[data-test="step-due"]').fill('7');
      await page.locator('[data-test="step-save"]').click();
      await page.locator('[data-test="step-dialog"]').waitFor({ state: 'detached', ...WAIT });
      const second = page.locator('[data-test="step-card"]', { hasText: 'Try it once' });
      await second.waitFor(WAIT);
      assert.equal(await second.locator('[data-test="step-card-timing"]').innerText(), 'Day 5 → due day 7');
      assert.equal(await second.locator('[data-test="step-card-kind"]').innerText(), 'Experiment');
      assert.equal(await second.locator('[data-test="step-card-evidence"]').innerText(), 'Evidence required');
      assert.deepEqual(await titlesIn(page, 'Week 1 — notice'), ['Notice three moments', 'Try it once']);

      // A save that fails (the server answers 409) keeps the dialog open with what was typed.
      await first.locator('[data-test="step-edit"]').click();
      await waitTest(page, 'step-dialog');
      await page.locator('[data-test="step-effort"]').fill('20');
      await page.locator('[data-test="step-prompt"]').fill('Ask them which moment they chose.');
      const conflict = { error: { code: 'conflict', message: 'The workflow was changed meanwhile. Try again.', details: [] } };
      await page.route(/\/api\/v1\/workflows\/\d+\/steps\/\d+$/, (route) => route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify(conflict) }), { times: 1 });
      await page.locator('[data-test="step-save"]').click();
      await page.locator('[data-test="step-errors"]', { hasText: 'The workflow was changed meanwhile' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-test="step-effort"]').inputValue(), '20');
      assert.equal(await page.locator('[data-test="step-prompt"]').inputValue(), 'Ask them which moment they chose.');
      await page.locator('[data-test="step-save"]').click();
      await page.locator('[data-test="step-dialog"]').waitFor({ state: 'detached', ...WAIT });
      await first.locator('[data-test="step-card-effort"]', { hasText: '20 min' }).waitFor(WAIT);
      await expectFocus(page, 'test', 'step-edit', 'focus returns to the step\'s Edit button');
      assert.equal(await text(page, 'phase-days'), 'Days 0–7 · 2 steps');
      await assertAccessible(page, 'the editor');

      // Publish version 1.
      await page.locator('[data-test="workflow-publish"]').click();
      await waitTest(page, 'confirm-publish');
      assert.match(await text(page, 'confirm-publish'), /Version 1 will have 2 steps in 1 phase/);
      await page.locator('[data-test="confirm-publish-ok"]').click();
      await page.locator('[data-test="toast"]', { hasText: 'Published version 1' }).waitFor(WAIT);
      await page.locator('[data-test="workflow-status"]', { hasText: 'Published' }).waitFor(WAIT);
      assert.match(await text(page, 'workflow-version'), /^Version 1, published/);
      assert.equal(await page.locator('[data-test="workflow-changes"]').count(), 0, 'no unpublished changes right after publishing');
      assert.equal(await page.locator('[data-test="workflow-delete"]').count(), 0, 'a published workflow cannot be deleted');

      // The list shows it.
      await page.locator('[data-test="back-link"]').click();
      const row = page.locator('[data-test="workflow-row"]', { has: page.locator('[data-test="workflow-link"]', { hasText: 'Giving specific, timely feedback' }) });
      await row.waitFor(WAIT);
      assert.equal(await row.locator('[data-test="workflow-status"]').innerText(), 'Published');
      assert.equal(await row.locator('[data-test="workflow-version"]').innerText(), 'v1');
      assert.equal(await row.locator('[data-test="workflow-steps"]').innerText(), '2 steps in 1 phase');
      await assertAccessible(page, 'the workflows list');
    }, {
      expect: [
        SIGNED_OUT_ME,
        { method: 'POST', path: /^\/api\/v1\/workflows\/\d+\/steps$/, status: 422 },
        { method: 'PATCH', path: /^\/api\/v1\/workflows\/\d+\/steps\/\d+$/, status: 409 },
      ],
    });
  });

  test('publishing is refused with linked problems; phases are renamed and deleted; export, import, archive, duplicate, delete', async (t) => {
    const api = await signIn(server, DESIGNER);
    const made = await api.post('/api/v1/workflows', { title: 'Running better meetings' });
    assert.equal(made.status, 201, made.text);
    const wf = made.body;
    const week1 = (await api.post(`/api/v1/workflows/${wf.id}/phases`, { name: 'Week 1' })).body;
    await api.post(`/api/v1/workflows/${wf.id}/phases`, { name: 'Week 2' });
    assert.equal((await api.post(`/api/v1/workflows/${wf.id}/steps`, { phase_id: week1.id, title: 'Time your next meeting', due_offset_days: 3 })).status, 201);

    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, DESIGNER);
      await page.goto(`/workflows/${wf.id}`);
      await waitTest(page, 'timeline');
      assert.equal(await page.locator('[data-test="workflow-details"]').getAttribute('open'), '', 'the details are open while the outcome is missing');

      // Publishing is refused: no outcome, and an empty phase. Each problem links to its place.
      await page.locator('[data-test="workflow-publish"]').click();
      await page.locator('[data-test="confirm-publish-ok"]').click();
      const problems = page.locator('[data-test="publish-problems"]');
      await problems.waitFor(WAIT);
      await expectFocus(page, 'test', 'publish-problems', 'focus moves to the list of problems');
      assert.match(await problems.innerText(), /Version 1 was not published/);
      const links = problems.locator('[data-test="publish-problem-link"]');
      assert.equal(await links.count(), 2, await problems.innerText());
      await links.filter({ hasText: /Week 2/ }).click();
      await expectFocus(page, 'test', 'phase-name', 'the link goes to the empty phase');
      assert.equal((await page.evaluate(() => document.activeElement.textContent)).trim(), 'Week 2');
      const week2 = page.locator('[data-test="phase"]', { has: page.locator('[data-test="phase-name"]', { hasText: 'Week 2' }) });
      await week2.locator('[data-test="phase-delete"]').click();
      await page.locator('[data-test="toast"]', { hasText: 'Deleted the phase “Week 2”' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-test="phase"]').count(), 1);
      assert.equal(await page.locator('[data-test="phase-delete"]').count(), 0, 'a phase with steps cannot be deleted');

      await links.filter({ hasText: /Outcome/ }).click();
      await expectFocus(page, 'test', 'workflow-outcome-field', 'the link goes to the outcome');
      await page.locator('[data-test="workflow-outcome-field"]').fill('Runs meetings that end on time with agreed actions');
      await page.locator('[data-test="workflow-details-save"]').click();
      await page.locator('[data-test="toast"]', { hasText: 'Changes saved' }).waitFor(WAIT);
      await page.locator('.page-header__lead', { hasText: 'Runs meetings that end on time' }).waitFor(WAIT);

      // Rename the phase inline: Enter saves, focus returns to Rename.
      await page.locator('[data-test="phase-rename"]').click();
      await page.locator('[data-test="phase-rename-input"]').fill('Week 1 — notice');
      await page.keyboard.press('Enter');
      await page.locator('[data-test="phase-name"]', { hasText: 'Week 1 — notice' }).waitFor(WAIT);
      await expectFocus(page, 'test', 'phase-rename', 'focus returns to Rename');
      assert.equal(await text(page, 'phase-days'), 'Days 0–3 · 1 step');

      await page.locator('[data-test="workflow-publish"]').click();
      await page.locator('[data-test="confirm-publish-ok"]').click();
      await page.locator('[data-test="toast"]', { hasText: 'Published version 1' }).waitFor(WAIT);
      assert.equal(await problems.count(), 0, 'the old problems are gone');

      // Export the draft, then import a broken file (every problem listed) and the export.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="workflow-export"]').click()]);
      const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
      assert.equal(exported.format, 'waymark-workflow');
      assert.equal(exported.phases[0].name, 'Week 1 — notice');
      const dir = await mkdtemp(path.join(tmpdir(), 'waymark-import-'));
      const broken = path.join(dir, 'broken.json');
      const good = path.join(dir, 'meetings.json');
      await writeFile(broken, JSON.stringify({ ...exported, title: '', phases: [{ name: 'A', steps: [{ title: 'x', kind: 'nope', due_offset_days: 900 }] }] }));
      await writeFile(good, JSON.stringify({ ...exported, title: 'Running better meetings (imported)' }));

      await page.goto('/workflows');
      await page.locator('[data-test="workflows-import"]').click();
      await waitTest(page, 'import-workflow-form');
      await page.locator('[data-test="import-workflow-file"]').setInputFiles(broken);
      await page.locator('[data-test="import-workflow-submit"]').click();
      const importProblems = page.locator('[data-test="import-workflow-problem"]');
      await importProblems.first().waitFor(WAIT);
      const problemsListed = await importProblems.allInnerTexts();
      assert.ok(problemsListed.length >= 3, problemsListed.join('\n'));
      assert.ok(problemsListed.some((l) => l.startsWith('Phase 1, step 1, kind:')), problemsListed.join('\n'));
      await assertAccessible(page, 'an import with problems');
      await page.locator('[data-test="import-workflow-file"]').setInputFiles(good);
      await page.locator('[data-test="import-workflow-submit"]').click();
      await waitTest(page, 'workflow-editor');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Running better meetings (imported)');
      assert.match(await text(page, 'workflow-flash'), /is imported as a new draft/);
      assert.deepEqual(await titlesIn(page, 'Week 1 — notice'), ['Time your next meeting']);

      // Archive it: read-only with a notice; restore it.
      await page.locator('[data-test="workflow-archive"]').click();
      await page.locator('[data-test="confirm-archive-ok"]').click();
      await waitTest(page, 'workflow-archived');
      await expectFocus(page, 'test', 'archived-restore', 'focus goes to Restore');
      assert.equal(await text(page, 'workflow-status'), 'Archived');
      for (const name of ['workflow-publish', 'step-edit', 'step-up', 'step-add', 'phase-add-form', 'workflow-details-form'])
        assert.equal(await page.locator(`[data-test="${name}"]`).count(), 0, `no ${name} while archived`);
      await assertAccessible(page, 'an archived workflow');
      await page.locator('[data-test="archived-restore"]').click();
      await page.locator('[data-test="workflow-status"]', { hasText: 'Draft' }).waitFor(WAIT);
      await waitTest(page, 'step-edit');

      // Duplicate, then delete the copy (never published).
      await page.locator('[data-test="workflow-duplicate"]').click();
      await page.locator('[data-test="workflow-flash"]', { hasText: 'This is a new draft' }).waitFor(WAIT);
      const copyTitle = (await page.locator('h1').innerText()).trim();
      assert.match(copyTitle, /Running better meetings \(imported\)/);
      await page.locator('[data-test="workflow-delete"]').click();
      await page.locator('[data-test="confirm-delete-workflow-ok"]').click();
      await waitTest(page, 'workflows-table');
      assert.match(await text(page, 'workflows-flash'), /is deleted/);
      const listed = (await page.locator('[data-test="workflow-link"]').allInnerTexts()).map((x) => x.trim());
      assert.ok(!listed.includes(copyTitle), `the copy is gone: ${listed}`);
      assert.ok(listed.includes('Running better meetings') && listed.includes('Running better meetings (imported)'), `the original and the import remain: ${listed}`);
    }, {
      expect: [
        SIGNED_OUT_ME,
        { method: 'POST', path: /^\/api\/v1\/workflows\/\d+\/publish$/, status: 422 },
        { method: 'POST', path: '/api/v1/workflows/import', status: 422 },
      ],
    });
  });

  test('a learner cannot open the workflow pages', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, LEARNER);
      assert.equal(await page.locator('[data-test="nav-workflows"]').count(), 0);
      for (const where of ['/workflows', '/workflows/new', '/workflows/1']) {
        await page.goto(where);
        await waitTest(page, 'forbidden');
      }
    });
  });
});
