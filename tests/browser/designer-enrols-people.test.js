// A designer enrols people on a published workflow in the browser: from the editor, "Enrol
// people"; two people found with the picker and one pasted email address; a preview that
// shows the counts and the schedule everyone gets (nothing written); then Enrol, the counts
// again, and the list of everyone on the workflow with their progress, each linking to
// their enrolment. Enrolling again shows who is skipped, and an unknown address is refused
// beside the list of addresses. A group is enrolled and followed; the rule appears on the
// enrolments page and is stopped there. One enrolment is paused, resumed and withdrawn
// from its page. Finally the designer sets when learners who fall behind are re-planned,
// in the workflow's settings. Every page passes axe-core.
//
// Seeded through the API and the operator CLI: the designer, three learners, a group and
// the published workflow.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../e2e/lib/server.js';
import {
  SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, expectFocus, launchBrowser, signInThroughPage, text,
  waitTest, withPage,
} from './lib/browser.js';
import { API, journeyOf, learningOrganisation, publishedWorkflow } from './lib/journey.js';

const TITLE = 'Running better meetings';

describe('a designer enrols people', () => {
  let server;
  let browser;
  let org;
  let wf;
  let group;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    org = await learningOrganisation(server, {
      people: {
        designer: { name: 'Dina Designer', email: 'dina@acme.example', password: 'dinas long password', roles: ['designer'] },
        ana: { name: 'Ana Silva', email: 'ana@acme.example', password: 'anas long password' },
        bo: { name: 'Bo Berg', email: 'bo@acme.example', password: 'bos long password' },
        cleo: { name: 'Cleo Clark', email: 'cleo@acme.example', password: 'cleos long password' },
        dan: { name: 'Dan Doe', email: 'dan@acme.example', password: 'dans long password' },
      },
    });
    wf = await publishedWorkflow(org.designer, {
      title: TITLE,
      phases: [
        { name: 'Week 1 — notice', steps: [{ title: 'Time your next meeting', due_offset_days: 1 }, { title: 'Write an agenda', kind: 'practise', release_offset_days: 2, due_offset_days: 3 }] },
        { name: 'Week 2 — try', steps: [{ title: 'Reflect on the meeting', kind: 'reflect', release_offset_days: 5, due_offset_days: 6 }] },
      ],
    });
    const made = await org.admin.post(`${API}/groups`, { name: 'New team leads' });
    assert.equal(made.status, 201, made.text);
    group = made.body.group || made.body;
    const added = await org.admin.post(`${API}/groups/${group.id}/members`, { user_ids: [org.dan.user.id] });
    assert.ok(added.status === 200 || added.status === 201, added.text);
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  test('two people picked and one pasted: preview, enrol, and the list of who is on it', async (t) => {
    const { date: today } = await journeyOf(org.designer); // the organisation's date, by the server's clock
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.designer.login);
      await page.locator('[data-test="nav-workflows"]').click();
      await page.locator('[data-test="workflow-link"]', { hasText: TITLE }).click();
      await waitTest(page, 'workflow-editor');
      await page.locator('[data-test="workflow-enrol"]').click();
      await waitTest(page, 'enrol-form');
      assert.equal(new URL(page.url()).pathname, `/workflows/${wf.id}/enrol`);
      assert.equal(await page.locator('[data-test="enrol-start"]').inputValue(), today, 'starts today unless told');

      // Two people found one by one; one address pasted.
      for (const [q, name] of [['Ana', 'Ana Silva'], ['berg', 'Bo Berg']]) {
        await page.locator('[data-test="enrol-picker-search"]').fill(q);
        await page.locator('[data-test="enrol-picker-option"]', { hasText: name }).click();
        await page.locator('[data-test="enrol-person"]', { hasText: name }).waitFor(WAIT);
        await expectFocus(page, 'test', 'enrol-picker-search', 'focus returns to the search box');
      }
      assert.equal(await page.locator('[data-test="enrol-person"]').count(), 2);
      await page.locator('[data-test="enrol-emails"]').fill('cleo@acme.example');
      await assertAccessible(page, 'the enrol form');

      // The preview: counts and the schedule, nothing written.
      await page.locator('[data-test="enrol-preview"]').click();
      await waitTest(page, 'enrol-preview-result');
      await expectFocus(page, 'test', 'enrol-result-title', 'focus moves to the preview');
      assert.equal(await text(page, 'enrol-created'), '3');
      assert.equal(await text(page, 'enrol-skipped'), '0');
      const rows = page.locator('[data-test="schedule-row"]');
      assert.deepEqual(await rows.locator('[data-test="schedule-title"]').allInnerTexts(), ['Time your next meeting', 'Write an agenda', 'Reflect on the meeting']);
      assert.match(await rows.nth(2).innerText(), /Week 2 — try/);
      await assertAccessible(page, 'the enrol preview');
      const none = await org.designer.get(`${API}/enrolments?workflow_id=${wf.id}`);
      assert.deepEqual(none.body.items, [], 'a preview writes nothing');

      // Enrol: the counts, and links to each new enrolment.
      await page.locator('[data-test="enrol-submit"]').click();
      await waitTest(page, 'enrol-done');
      assert.equal(await text(page, 'enrol-created'), '3');
      assert.equal(await text(page, 'enrol-result-title'), 'Enrolled 3 people');
      assert.deepEqual((await page.locator('[data-test="enrol-created-person"]').allInnerTexts()).sort(), ['Ana Silva', 'Bo Berg', 'Cleo Clark']);
      assert.equal(await page.locator('[data-test="enrol-person"]').count(), 0, 'the form is cleared for the next people');
      await assertAccessible(page, 'the enrol report');

      // Everyone on the workflow.
      await page.locator('[data-test="enrol-see-list"]').click();
      await waitTest(page, 'enrolments-table');
      const listed = page.locator('[data-test="enrolment-row"]');
      assert.deepEqual((await listed.locator('[data-test="enrolment-link"]').allInnerTexts()).sort(), ['Ana Silva', 'Bo Berg', 'Cleo Clark']);
      for (const progress of await listed.locator('[data-test="enrolment-row-progress-text"]').allInnerTexts()) assert.equal(progress, '0 of 3 steps');
      assert.deepEqual(await listed.locator('[data-test="enrolment-row-status"]').allInnerTexts(), ['Active', 'Active', 'Active']);
      await waitTest(page, 'rules-empty');
      await assertAccessible(page, 'the enrolments list');

      // One enrolment's page.
      await listed.locator('[data-test="enrolment-link"]', { hasText: 'Ana Silva' }).click();
      await waitTest(page, 'enrolment-activities');
      assert.equal((await page.locator('h1').innerText()).trim(), TITLE);
      assert.match(await text(page, 'enrolment-learner'), /Ana Silva/);
      assert.equal(await page.locator('[data-test="enrolment-activity"]').count(), 3);
      assert.equal(await text(page, 'enrolment-progress-text'), '0 of 3 steps');
      await assertAccessible(page, 'an enrolment');
      await page.locator('[data-test="back-link"]').click();
      await waitTest(page, 'enrolments-table');

      // Again: Ana is skipped, and an unknown address is refused by name.
      await page.locator('[data-test="enrolments-enrol"]').click();
      await waitTest(page, 'enrol-form');
      await page.locator('[data-test="enrol-picker-search"]').fill('Ana');
      await page.locator('[data-test="enrol-picker-option"]', { hasText: 'Ana Silva' }).click();
      await page.locator('[data-test="enrol-emails"]').fill('nobody@acme.example');
      await page.locator('[data-test="enrol-preview"]').click();
      await waitTest(page, 'enrol-errors');
      await expectFocus(page, 'test', 'enrol-errors', 'focus moves to the problems');
      assert.match(await text(page, 'enrol-emails-error'), /nobody@acme\.example/);
      assert.equal(await page.locator('[data-test="enrol-person"]').count(), 1, 'the chosen person is kept');
      await assertAccessible(page, 'the enrol form with an unknown address');
      await page.locator('[data-test="enrol-emails"]').fill('');
      await page.locator('[data-test="enrol-preview"]').click();
      await waitTest(page, 'enrol-preview-result');
      assert.equal(await text(page, 'enrol-created'), '0');
      assert.equal(await text(page, 'enrol-skipped'), '1');
      assert.match(await text(page, 'enrol-skipped-person'), /Ana Silva — already on this workflow/);
    }, {
      expect: [SIGNED_OUT_ME, { method: 'POST', path: `/api/v1/workflows/${wf.id}/enrolments`, status: 422 }],
    });
  });

  test('a followed group: enrolled now, the rule listed, then stopped', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.designer.login);
      await page.goto(`/workflows/${wf.id}/enrol`);
      await waitTest(page, 'enrol-form');
      const follow = page.locator('[data-test="enrol-follow-yes"]');
      assert.equal(await follow.isDisabled(), true, 'following needs a group');
      await page.locator('[data-test="enrol-group"]').selectOption({ label: 'New team leads (1 person)' });
      await follow.check();
      await page.locator('[data-test="enrol-submit"]').click();
      await waitTest(page, 'enrol-done');
      assert.equal(await text(page, 'enrol-created'), '1');
      await waitTest(page, 'enrol-rule');

      await page.locator('[data-test="enrol-see-list"]').click();
      const rule = page.locator('[data-test="rule"]', { hasText: 'New team leads' });
      await rule.waitFor(WAIT);
      assert.equal(await rule.getAttribute('data-active'), 'true');
      assert.match(await rule.innerText(), /Following New team leads/);
      await page.locator('[data-test="enrolment-link"]', { hasText: 'Dan Doe' }).waitFor(WAIT);
      await rule.locator('[data-test="rule-stop"]').click();
      await page.locator('[data-test="confirm-stop-rule-ok"]').click();
      await waitTest(page, 'rules-stopped');
      await page.locator('[data-test="rule"][data-active="false"]', { hasText: 'Stopped following New team leads' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-test="rule-stop"]').count(), 0);
      await page.locator('[data-test="enrolment-link"]', { hasText: 'Dan Doe' }).waitFor(WAIT);
      await assertAccessible(page, 'the enrolments page with a stopped rule');
    });
  });

  test('an enrolment is paused, resumed and withdrawn', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.designer.login);
      await page.goto(`/workflows/${wf.id}/enrolments`);
      await page.locator('[data-test="enrolment-link"]', { hasText: 'Bo Berg' }).click();
      await waitTest(page, 'enrolment-activities');
      assert.equal(await text(page, 'enrolment-status'), 'Active');

      await page.locator('[data-test="enrolment-pause"]').click();
      await waitTest(page, 'enrolment-changed');
      await expectFocus(page, 'test', 'enrolment-changed', 'focus moves to what happened');
      assert.equal(await text(page, 'enrolment-status'), 'Paused');
      assert.equal(await page.locator('[data-test="enrolment-pause"]').count(), 0);
      await assertAccessible(page, 'a paused enrolment');

      await page.locator('[data-test="enrolment-resume"]').click();
      await page.locator('[data-test="enrolment-status"]', { hasText: 'Active' }).waitFor(WAIT);

      // Withdrawing asks first; Cancel changes nothing.
      await page.locator('[data-test="enrolment-withdraw"]').click();
      await page.locator('[data-test="confirm-withdraw-cancel"]').click();
      await expectFocus(page, 'test', 'enrolment-withdraw', 'focus returns to the button');
      assert.equal(await text(page, 'enrolment-status'), 'Active');
      await page.locator('[data-test="enrolment-withdraw"]').click();
      await page.locator('[data-test="confirm-withdraw-ok"]').click();
      await page.locator('[data-test="enrolment-status"]', { hasText: 'Withdrawn' }).waitFor(WAIT);
      for (const name of ['enrolment-pause', 'enrolment-resume', 'enrolment-withdraw'])
        assert.equal(await page.locator(`[data-test="${name}"]`).count(), 0, `no ${name} once withdrawn`);
      await assertAccessible(page, 'a withdrawn enrolment');
    });
    const bo = (await org.designer.get(`${API}/enrolments?workflow_id=${wf.id}&user_id=${org.bo.user.id}`)).body.items[0];
    assert.equal(bo.status, 'withdrawn');
  });

  test('the re-planning settings are part of the workflow\'s settings', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.designer.login);
      await page.goto(`/workflows/${wf.id}`);
      await waitTest(page, 'workflow-editor');
      await page.locator('[data-test="workflow-details-toggle"]').click();
      assert.equal(await page.locator('[data-test="workflow-replan"]').inputValue(), '3', 'the default');
      assert.equal(await page.locator('[data-test="workflow-max-due"]').inputValue(), '2', 'the default');
      await page.locator('[data-test="workflow-replan"]').fill('-1');
      await page.locator('[data-test="workflow-details-save"]').click();
      await waitTest(page, 'workflow-replan-error');
      await page.locator('[data-test="workflow-replan"]').fill('5');
      await page.locator('[data-test="workflow-max-due"]').fill('3');
      await page.locator('[data-test="workflow-details-save"]').click();
      await page.locator('[data-test="toast"]', { hasText: 'Changes saved.' }).waitFor(WAIT);
      await page.reload();
      await waitTest(page, 'workflow-editor');
      await page.locator('[data-test="workflow-details-toggle"]').click();
      assert.equal(await page.locator('[data-test="workflow-replan"]').inputValue(), '5');
      assert.equal(await page.locator('[data-test="workflow-max-due"]').inputValue(), '3');
      await assertAccessible(page, 'the workflow settings with re-planning');
      await assertNoHorizontalScroll(page, 'the editor');
    });
    const saved = await org.designer.get(`${API}/workflows/${wf.id}`);
    assert.equal(saved.body.replan_after_days, 5);
    assert.equal(saved.body.max_due_per_day, 3);
  });
});
