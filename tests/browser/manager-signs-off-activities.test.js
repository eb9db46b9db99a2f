// A manager signs off what their report sent: "Sign-offs" is in their navigation, the
// queue lists both steps the learner sent (oldest first, with the reflection), the manager
// opens one, reads the reflection and approves it on the activity page, then returns the
// other from the queue — the comment is required, and the dialog says so before anything
// is sent. The queue ends empty. The learner then finds the returned step open again on
// their journey, with the manager's comment shown first on its page and their earlier
// reflection kept in the form, and the approved one done.
//
// Seeded through the API: the learner reports to the manager; both steps are manager
// sign-off steps released on day 0, sent by the learner through the API.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../e2e/lib/server.js';
import {
  WAIT, assertAccessible, assertNoHorizontalScroll, expectFocus, launchBrowser, signInThroughPage, text, waitTest, withPage,
} from './lib/browser.js';
import { activity, activityTitled, completeActivity, enrolPeople, learningOrganisation, publishedWorkflow } from './lib/journey.js';

const FIRST = 'Ask for feedback on one meeting';
const SECOND = 'Practise the SBI model';
const COMMENT = 'Say which behaviour you saw, not what you think of the person. Try once more this week.';

describe('a manager signs off activities', () => {
  let server;
  let browser;
  let org;
  let first;
  let second;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    org = await learningOrganisation(server, {
      people: {
        manager: { name: 'Maya Manager', email: 'maya@acme.example', password: 'mayas long password' },
        learner: { name: 'Leo Learner', email: 'leo@acme.example', password: 'leos long password', manager: 'manager' },
      },
    });
    const wf = await publishedWorkflow(org.admin, {
      title: 'Giving specific, timely feedback',
      phases: [{
        name: 'Week 1 — try',
        steps: [
          { title: FIRST, kind: 'experiment', completion: 'manager_signoff', manager_prompt: 'Ask which meeting they chose.' },
          { title: SECOND, kind: 'practise', completion: 'manager_signoff', evidence: 'optional', due_offset_days: 1 },
          { title: 'Reflect on the month', kind: 'reflect', release_offset_days: 20, due_offset_days: 21 },
        ],
      }],
    });
    await enrolPeople(org.admin, wf.id, { user_ids: [org.learner.user.id] });
    first = await activityTitled(org.learner, FIRST);
    second = await activityTitled(org.learner, SECOND);
    assert.equal((await completeActivity(org.learner, first.id, { reflection: 'I asked Sam after the Monday review.' })).status, 'awaiting_signoff');
    assert.equal((await completeActivity(org.learner, second.id, { reflection: 'I used situation, behaviour, impact with Kim.', evidence_url: 'https://notes.example.com/sbi' })).status, 'awaiting_signoff');
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  test('the manager approves one step and returns the other with a comment', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.manager.login);
      await page.locator('[data-test="nav-signoffs"]').click();
      await waitTest(page, 'signoff-list');
      assert.equal(await page.title(), 'Sign-offs · Waymark');
      const items = page.locator('[data-test="signoff-item"]');
      assert.deepEqual(await items.locator('[data-test="signoff-title"]').allInnerTexts(), [FIRST, SECOND], 'oldest submission first');
      const one = items.filter({ hasText: FIRST });
      const two = items.filter({ hasText: SECOND });
      assert.match(await one.locator('[data-test="signoff-learner"]').innerText(), /Leo Learner/);
      assert.equal(await one.locator('[data-test="signoff-reflection"]').innerText(), 'I asked Sam after the Monday review.');
      assert.equal(await two.locator('[data-test="signoff-evidence-url"]').getAttribute('href'), 'https://notes.example.com/sbi');
      assert.match(await one.locator('[data-test="signoff-submitted"]').innerText(), /^Sent /);
      await assertAccessible(page, 'the sign-off queue');

      // The first, on its own page: the reflection, the prompt for the manager, Approve.
      await one.locator('[data-test="signoff-title"]').click();
      await waitTest(page, 'signoff');
      assert.equal((await page.locator('h1').innerText()).trim(), FIRST);
      assert.equal(await text(page, 'submission-reflection'), 'I asked Sam after the Monday review.');
      assert.match(await text(page, 'activity-manager-prompt'), /Ask which meeting they chose/);
      assert.equal(await text(page, 'activity-learner'), 'Leo Learner');
      assert.equal(await page.locator('[data-test="complete-form"]').count(), 0, 'the manager does not complete it');
      await assertAccessible(page, 'an activity waiting for the manager');
      await page.locator('[data-test="signoff-approve"]').click();
      await page.locator('[data-test="activity-done"]', { hasText: 'Approved' }).waitFor(WAIT);
      await expectFocus(page, 'test', 'activity-done', 'focus moves to the message');
      assert.equal(await text(page, 'activity-status'), 'Done');
      assert.equal(await page.locator('[data-test="signoff"]').count(), 0, 'nothing left to sign off here');
      assert.match(await text(page, 'feedback-history'), /Approved by Maya Manager/);

      // Back to the queue: the second is left; return it from there.
      await page.locator('[data-test="back-link"]').click();
      await waitTest(page, 'signoff-list');
      assert.deepEqual(await items.locator('[data-test="signoff-title"]').allInnerTexts(), [SECOND]);
      await two.locator('[data-test="signoff-return"]').click();
      await waitTest(page, 'return-dialog');
      await expectFocus(page, 'test', 'return-dialog-comment', 'the dialog starts at the comment');
      await page.locator('[data-test="return-dialog-ok"]').click();
      await waitTest(page, 'return-dialog-errors');
      assert.match(await text(page, 'return-dialog-comment-error'), /Write a comment/);
      await assertAccessible(page, 'the return dialog with a missing comment');
      await page.locator('[data-test="return-dialog-comment"]').fill(COMMENT);
      await page.locator('[data-test="return-dialog-ok"]').click();
      await page.locator('[data-test="return-dialog"]').waitFor({ state: 'detached', ...WAIT });
      await page.locator('[data-test="signoffs-status"]', { hasText: `Returned “${SECOND}” to Leo Learner.` }).waitFor(WAIT);
      await waitTest(page, 'signoffs-empty');
      await assertAccessible(page, 'the empty sign-off queue');
    });

    assert.equal((await activity(org.learner, first.id)).status, 'completed');
    const returned = await activity(org.learner, second.id);
    assert.equal(returned.status, 'returned');
    assert.equal(returned.feedback.at(-1).comment, COMMENT);
  });

  test('the learner sees the returned comment and the approved step done', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.learner.login);
      await waitTest(page, 'journey-enrolment');
      assert.equal(await page.locator('[data-test="nav-signoffs"]').count(), 0, 'a learner has no Sign-offs');
      assert.equal(await text(page, 'journey-progress-text'), '1 of 3 steps');
      const done = page.locator('[data-test="journey-done"] [data-test="activity-card"]');
      assert.deepEqual(await done.locator('[data-test="activity-link"]').allInnerTexts(), [FIRST]);
      const open = page.locator('[data-test="activity-card"][data-status="returned"]');
      assert.equal(await open.locator('[data-test="activity-link"]').innerText(), SECOND);
      assert.equal(await open.locator('[data-test="activity-status"]').innerText(), 'Returned');

      await open.locator('[data-test="activity-link"]').click();
      await waitTest(page, 'activity-returned');
      assert.equal(await text(page, 'activity-returned-comment'), COMMENT);
      assert.match(await text(page, 'activity-returned'), /Maya Manager wrote/);
      assert.equal(await page.locator('[data-test="complete-reflection"]').inputValue(), 'I used situation, behaviour, impact with Kim.', 'the earlier reflection is kept');
      assert.equal(await page.locator('[data-test="complete-evidence-url"]').inputValue(), 'https://notes.example.com/sbi');
      assert.equal(await text(page, 'complete-submit'), 'Send to your manager');
      await assertAccessible(page, 'a returned activity');

      // Sent again, it waits for the manager once more.
      await page.locator('[data-test="complete-reflection"]').fill('I used SBI with Kim, and named the behaviour this time.');
      await page.locator('[data-test="complete-submit"]').click();
      await page.locator('[data-test="activity-done"]', { hasText: 'Sent to your manager' }).waitFor(WAIT);
      assert.equal(await text(page, 'activity-status'), 'Waiting for sign-off');
      assert.match(await text(page, 'activity-state'), /Waiting for your manager’s sign-off/);
    });
  });

  test('on a phone the queue fits the screen', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.manager.login);
      await page.locator('[data-test="home-signoffs-link"]').click();
      await waitTest(page, 'signoff-item');
      assert.deepEqual(await page.locator('[data-test="signoff-title"]').allInnerTexts(), [SECOND], 'sent again, it is back in the queue');
      await assertNoHorizontalScroll(page, 'the sign-off queue on a phone');
      await assertAccessible(page, 'the sign-off queue on a phone');
    }, { viewport: { width: 375, height: 800 } });
  });
});
