// A designer starts from the first template of the library, publishes version 1, then
// reorders a step with the keyboard alone: Alt+ArrowDown on the focused card, then its
// "Move down" button. After each move the page has fetched the workflow again, the order is
// the new one, focus is still on the moved card (or the same button), and a polite live
// region says where the step went. The last step of a phase moves into the next phase, and
// a card dragged with the mouse lands where it is dropped. The designer publishes version 2 — the confirmation lists the change — then compares version
// 1 with version 2 on the Versions page, which lists the step's new position, and opens
// version 1, read-only, still in the old order.
//
// Runs against the real server; the designer is added with the operator CLI.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addUser, seedTenant } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import {
  SIGNED_OUT_ME, WAIT, assertAccessible, launchBrowser, signInThroughPage, text, waitTest, withPage,
} from './lib/browser.js';

const DESIGNER = { email: 'dina@acme.example', name: 'Dina Designer', password: 'dinas long password' };

describe('a designer reorders a template and publishes version 2', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await seedTenant(server, { slug: 'acme', name: 'Acme Training' });
    await addUser(server, { tenant: 'acme', ...DESIGNER, roles: ['designer'] });
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  const phase = (page, i) => page.locator('[data-test="phase"]').nth(i);
  const titles = (page, i) => phase(page, i).locator('[data-test="step-card-title"]').allInnerTexts();

  /** Polls until the titles of phase i are want (the page re-fetches after a move). */
  async function expectTitles(page, i, want, message) {
    const deadline = Date.now() + 10_000;
    let got = await titles(page, i);
    while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
      await page.waitForTimeout(50);
      got = await titles(page, i);
    }
    assert.deepEqual(got, want, message);
  }

  /** Polls until the focused element belongs to step id (its card, or test inside it). */
  async function expectFocusOnStep(page, id, test, message) {
    const read = () => page.evaluate(() => {
      const el = document.activeElement;
      return { step: el?.closest('[data-test="step-card"]')?.dataset.stepId ?? null, test: el?.dataset.test ?? null };
    });
    const deadline = Date.now() + 5000;
    let got = await read();
    while ((got.step !== id || got.test !== test) && Date.now() < deadline) {
      await page.waitForTimeout(50);
      got = await read();
    }
    assert.deepEqual(got, { step: id, test }, message);
  }

  async function publish(page, version) {
    await page.locator('[data-test="workflow-publish"]').click();
    await waitTest(page, 'confirm-publish');
    const dialog = await text(page, 'confirm-publish');
    await page.locator('[data-test="confirm-publish-ok"]').click();
    await page.locator('[data-test="toast"]', { hasText: `Published version ${version}` }).waitFor(WAIT);
    await page.locator('[data-test="workflow-version"]', { hasText: `Version ${version},` }).waitFor(WAIT);
    return dialog;
  }

  test('keyboard reordering, version 2, and the difference between the versions', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, DESIGNER);
      await page.locator('[data-test="nav-workflows"]').click();
      await waitTest(page, 'workflows-empty');
      await page.locator('[data-test="workflows-templates"]').click();
      const template = page.locator('[data-test="template"]').first();
      await template.waitFor(WAIT);
      const templateTitle = (await template.locator('h2').innerText()).trim();
      assert.match(await template.locator('[data-test="template-facts"]').innerText(), /\d+ phases · \d+ steps/);
      await assertAccessible(page, 'the template library');
      await template.locator('[data-test="template-use"]').click();

      await waitTest(page, 'workflow-editor');
      assert.equal((await page.locator('h1').innerText()).trim(), templateTitle);
      await waitTest(page, 'timeline');
      const phaseNames = (await page.locator('[data-test="phase-name"]').allInnerTexts()).map((s) => s.trim());
      assert.ok(phaseNames.length >= 2, 'the template has at least two phases');
      const before = await titles(page, 0);
      assert.ok(before.length >= 3, 'the first phase has at least three steps');
      await publish(page, 1);
      assert.equal(await text(page, 'workflow-status'), 'Published');

      // Alt+ArrowDown on the focused first card: it becomes the second.
      const moved = before[0];
      const card = phase(page, 0).locator('[data-test="step-card"]').first();
      const id = await card.getAttribute('data-step-id');
      await card.focus();
      await page.keyboard.press('Alt+ArrowDown');
      await expectTitles(page, 0, [before[1], moved, ...before.slice(2)], 'Alt+ArrowDown moved it one place down');
      await expectFocusOnStep(page, id, 'step-card', 'focus stays on the moved card');
      await page.locator('[data-test="editor-announce"]', { hasText: `Moved to position 2 in ${phaseNames[0]}` }).waitFor({ state: 'attached', ...WAIT });

      // Its Move down button: the third place, focus on the same button.
      await page.locator(`[data-test="step-card"][data-step-id="${id}"] [data-test="step-down"]`).focus();
      await page.keyboard.press('Enter');
      await expectTitles(page, 0, [before[1], before[2], moved, ...before.slice(3)], 'Move down moved it again');
      await expectFocusOnStep(page, id, 'step-down', 'focus stays on the same Move down button');
      await page.locator('[data-test="editor-announce"]', { hasText: `Moved to position 3 in ${phaseNames[0]}` }).waitFor({ state: 'attached', ...WAIT });
      await page.locator('[data-test="workflow-changes"]', { hasText: 'Unpublished changes' }).waitFor(WAIT);

      // The last step of the first phase goes down into the next phase, and back up.
      const last = phase(page, 0).locator('[data-test="step-card"]').last();
      const lastTitle = (await last.locator('[data-test="step-card-title"]').innerText()).trim();
      const lastId = await last.getAttribute('data-step-id');
      const secondBefore = await titles(page, 1);
      const firstNow = await titles(page, 0);
      await last.focus();
      await page.keyboard.press('Alt+ArrowDown');
      await expectTitles(page, 1, [lastTitle, ...secondBefore], 'past the end of a phase is the start of the next');
      await expectFocusOnStep(page, lastId, 'step-card', 'focus follows it into the next phase');
      await page.locator('[data-test="editor-announce"]', { hasText: `Moved to position 1 in ${phaseNames[1]}` }).waitFor({ state: 'attached', ...WAIT });
      await page.keyboard.press('Alt+ArrowUp');
      await expectTitles(page, 0, firstNow, 'and Alt+ArrowUp brings it back to the end of the first phase');
      await expectFocusOnStep(page, lastId, 'step-card', 'focus follows it back');

      // With the mouse: drag the first card of the last phase below its second card.
      const lastIndex = phaseNames.length - 1;
      const lastBefore = await titles(page, lastIndex);
      await phase(page, lastIndex).locator('[data-test="phase-name"]').scrollIntoViewIfNeeded();
      const target = phase(page, lastIndex).locator('[data-test="step-card"]').nth(1);
      const box = await target.boundingBox();
      await phase(page, lastIndex).locator('[data-test="step-card"]').first().dragTo(target, { targetPosition: { x: 24, y: box.height - 6 } });
      await expectTitles(page, lastIndex, [lastBefore[1], lastBefore[0], ...lastBefore.slice(2)], 'dragging a card below the next one swaps them');
      await page.locator('[data-test="editor-announce"]', { hasText: `Moved to position 2 in ${phaseNames[lastIndex]}` }).waitFor({ state: 'attached', ...WAIT });
      await assertAccessible(page, 'the editor after reordering');

      // Version 2: the confirmation says what changed.
      const dialog = await publish(page, 2);
      assert.match(dialog, /What changed since version 1/);
      assert.ok(dialog.includes(`Changed: ${moved} — position 1 → 3`), `the move is listed: ${dialog}`);
      assert.equal(await page.locator('[data-test="workflow-changes"]').count(), 0);

      // Versions: compare 1 → 2.
      await page.locator('[data-test="workflow-versions"]').click();
      await waitTest(page, 'versions-table');
      assert.deepEqual((await page.locator('[data-test="version-link"]').allInnerTexts()).map((s) => s.trim()), ['Version 2', 'Version 1']);
      await page.locator('[data-test="compare-from"]').selectOption('1');
      await page.locator('[data-test="compare-to"]').selectOption('2');
      await page.locator('[data-test="compare-submit"]').click();
      await page.locator('[data-test="compare-heading"]', { hasText: 'From version 1 to version 2' }).waitFor(WAIT);
      await page.locator('[data-test="diff-item"]', { hasText: `Changed: ${moved} — position 1 → 3` }).waitFor(WAIT);
      assert.match(await text(page, 'diff-summary'), /steps? changed/);
      assert.doesNotMatch(await text(page, 'diff-steps'), /[{}]|"field"/, 'no raw JSON');
      assert.match(page.url(), /from=1&to=2/);
      await assertAccessible(page, 'the versions page');

      // Version 1, read-only, in the old order.
      await page.locator('[data-test="version-link"]', { hasText: 'Version 1' }).click();
      await waitTest(page, 'workflow-version-view');
      await expectTitles(page, 0, before, 'version 1 keeps the old order');
      for (const name of ['step-edit', 'step-up', 'step-down', 'step-delete', 'step-add', 'phase-add-form', 'workflow-publish'])
        assert.equal(await page.locator(`[data-test="${name}"]`).count(), 0, `no ${name} on a version`);
      await assertAccessible(page, 'a version, read-only');
    }, { expect: [SIGNED_OUT_ME] });
  });
});
