// A learner on a 375 px phone: the home page is their journey — the workflow they are on
// with its progress ("0 of 3 steps"), today's activity and those coming up, as cards. They
// open the reflect step (its instructions are the server's rendered Markdown), try to send
// it without a reflection (refused beside the field, before anything is sent), write one,
// add a file as evidence (sent as multipart and listed with a download link), survive a
// refusal from the server with everything typed kept, send it, see it done with what they
// sent, and find their progress moved to "1 of 3 steps" and the step under Done. Both
// pages pass axe-core and do not scroll sideways. Then, on their profile, they make a
// calendar link (shown once, secret), which serves their open activities without a
// sign-in until they turn it off; and someone on no workflow gets a friendly empty journey.
//
// Seeded through the API: an organisation whose every day is a working day, a manager and
// the learner who reports to them, a published workflow, and the enrolment.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../e2e/lib/server.js';
import {
  SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, expectFocus, launchBrowser, signInThroughPage, text,
  waitTest, withPage,
} from './lib/browser.js';
import { activityTitled, enrolPeople, journeyOf, learningOrganisation, publishedWorkflow } from './lib/journey.js';

const PHONE_TALL = { width: 375, height: 800 };
// A 1×1 PNG: evidence the server sniffs as an image.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('a learner completes an activity on a phone', () => {
  let server;
  let browser;
  let org;

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
      phases: [
        {
          name: 'Week 1 — notice',
          steps: [
            { title: 'Notice three moments', kind: 'learn', instructions: 'Watch for three moments when feedback would help.' },
            {
              title: 'Reflect on your week',
              kind: 'reflect',
              evidence: 'optional',
              due_offset_days: 2,
              effort_minutes: 10,
              instructions: 'Write **what you noticed** and what you will try next.\n\n- one moment\n- what you said',
            },
            { title: 'Try it once', kind: 'experiment', release_offset_days: 5, due_offset_days: 6 },
          ],
        },
      ],
    });
    await enrolPeople(org.admin, wf.id, { user_ids: [org.learner.user.id] });
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  test('the journey, the activity, a refused and then a sent reflection, and the progress moving on', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.learner.login);

      // The journey: the workflow with its progress, and today's activities.
      await waitTest(page, 'journey-enrolment');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Hello, Leo');
      const enrolment = page.locator('[data-test="journey-enrolment"]');
      assert.equal(await enrolment.locator('[data-test="journey-enrolment-link"]').innerText(), 'Giving specific, timely feedback');
      assert.equal(await enrolment.locator('[data-test="journey-progress-text"]').innerText(), '0 of 3 steps');
      const bar = enrolment.locator('[role="progressbar"]');
      assert.equal(await bar.getAttribute('aria-valuenow'), '0');
      assert.equal(await bar.getAttribute('aria-valuemax'), '3');
      assert.equal(await bar.getAttribute('aria-valuetext'), '0 of 3 steps');
      // Due today: the first step. Coming up (released, due in two days; and one that
      // opens in five): the rest.
      const today = page.locator('[data-test="journey-today"] [data-test="activity-card"]');
      assert.deepEqual(await today.locator('[data-test="activity-link"]').allInnerTexts(), ['Notice three moments']);
      assert.equal(await today.locator('[data-test="activity-due"]').innerText(), 'Due today');
      assert.equal(await today.locator('[data-test="activity-kind"]').innerText(), 'Learn');
      assert.equal(await today.locator('[data-test="activity-workflow"]').innerText(), 'Giving specific, timely feedback');
      const later = page.locator('[data-test="journey-upcoming"] [data-test="activity-card"]');
      assert.deepEqual(await later.locator('[data-test="activity-link"]').allInnerTexts(), ['Reflect on your week', 'Try it once']);
      const reflectCard = later.filter({ hasText: 'Reflect on your week' });
      assert.equal(await reflectCard.locator('[data-test="activity-due"]').innerText(), 'Due in 2 days');
      assert.match(await reflectCard.locator('[data-test="activity-effort"]').innerText(), /About 10 min/);
      assert.equal(await reflectCard.getAttribute('data-status'), 'available');
      const locked = later.filter({ hasText: 'Try it once' });
      assert.equal(await locked.getAttribute('data-status'), 'locked');
      assert.match(await locked.locator('[data-test="activity-opens"]').innerText(), /^Opens /);
      assert.equal(await locked.locator('[data-test="activity-status"]').innerText(), 'Not open yet');
      await assertAccessible(page, 'the journey on a phone');
      await assertNoHorizontalScroll(page, 'the journey on a phone');

      // The reflect step: its instructions as the server rendered them.
      await reflectCard.locator('[data-test="activity-link"]').click();
      await waitTest(page, 'complete-form');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Reflect on your week');
      await expectFocus(page, 'tagName', 'H1', 'focus moves to the activity\'s heading');
      await page.locator('[data-test="activity-instructions-body"] strong', { hasText: 'what you noticed' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-test="activity-instructions-body"] li').count(), 2);
      assert.equal(await text(page, 'activity-kind'), 'Reflect');
      assert.equal(await text(page, 'activity-phase'), 'Week 1 — notice');
      assert.match(await text(page, 'activity-due'), /^Due in 2 days/);
      assert.equal(await text(page, 'activity-completion'), 'You mark it done');
      assert.equal(await text(page, 'complete-submit'), 'Mark as done');
      await assertAccessible(page, 'the activity on a phone');
      await assertNoHorizontalScroll(page, 'the activity on a phone');

      // Sent without a reflection: refused beside the field, nothing sent.
      await page.locator('[data-test="complete-submit"]').click();
      await waitTest(page, 'complete-errors');
      await expectFocus(page, 'test', 'complete-errors', 'focus moves to the list of problems');
      assert.match(await text(page, 'complete-reflection-error'), /Write your reflection/);
      assert.equal(await page.locator('[data-test="complete-reflection"]').getAttribute('aria-invalid'), 'true');
      await assertAccessible(page, 'the activity with a missing reflection');

      // A file as evidence goes up at once and is listed with a download link.
      await page.locator('[data-test="complete-files"]').setInputFiles({ name: 'my notes.png', mimeType: 'image/png', buffer: PNG });
      await page.locator('[data-test="complete-files-upload"]').click();
      const file = page.locator('[data-test="evidence-file"]', { hasText: 'my notes.png' });
      await file.waitFor(WAIT);
      assert.match(await file.locator('[data-test="evidence-file-link"]').getAttribute('href'), /^\/api\/v1\/activities\/\d+\/files\/\d+$/);

      // The server refuses once (a network hiccup, say): everything typed stays.
      const reflection = 'I noticed two moments in stand-up.\nNext time I will say what I saw, the same day.';
      await page.locator('[data-test="complete-reflection"]').fill(reflection);
      await page.locator('[data-test="complete-evidence-text"]').fill('Notes from Tuesday');
      const busy = { error: { code: 'enrolment_not_active', message: 'This enrolment is paused: its activities cannot be completed now.', details: [] } };
      await page.route(/\/api\/v1\/activities\/\d+\/complete$/, (route) => route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify(busy) }), { times: 1 });
      await page.locator('[data-test="complete-submit"]').click();
      await page.locator('[data-test="complete-errors"]', { hasText: 'This enrolment is paused' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-test="complete-reflection"]').inputValue(), reflection);
      assert.equal(await page.locator('[data-test="complete-evidence-text"]').inputValue(), 'Notes from Tuesday');
      assert.equal(await page.locator('[data-test="evidence-file"]').count(), 1);

      // Sent: done, with what was sent shown back.
      await page.locator('[data-test="complete-submit"]').click();
      await waitTest(page, 'activity-done');
      assert.match(await text(page, 'activity-done'), /Done — well done/);
      await expectFocus(page, 'test', 'activity-done', 'focus moves to the message');
      assert.equal(await page.locator('[data-test="activity"]').getAttribute('data-status'), 'completed');
      assert.equal(await text(page, 'activity-status'), 'Done');
      assert.equal(await page.locator('[data-test="complete-form"]').count(), 0, 'no form once done');
      assert.equal(await text(page, 'submission-reflection'), reflection);
      assert.equal(await text(page, 'submission-evidence-text'), 'Notes from Tuesday');
      assert.equal(await page.locator('[data-test="submission-file"]', { hasText: 'my notes.png' }).count(), 1);
      await assertAccessible(page, 'a done activity on a phone');
      await assertNoHorizontalScroll(page, 'a done activity on a phone');

      // Back on the journey: progress moved, and the step is under Done.
      await page.locator('[data-test="back-link"]').click();
      await page.locator('[data-test="journey-progress-text"]', { hasText: '1 of 3 steps' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-test="journey-enrolment"] [role="progressbar"]').getAttribute('aria-valuenow'), '1');
      assert.deepEqual(await page.locator('[data-test="journey-upcoming"] [data-test="activity-link"]').allInnerTexts(), ['Try it once']);
      assert.deepEqual(await page.locator('[data-test="journey-done"] [data-test="activity-link"]').allInnerTexts(), ['Reflect on your week']);
      assert.match(await page.locator('[data-test="journey-done"] [data-test="activity-due"]').innerText(), /^Done/);
      await assertAccessible(page, 'the journey after a step');
      await assertNoHorizontalScroll(page, 'the journey after a step');
    }, {
      viewport: PHONE_TALL,
      expect: [SIGNED_OUT_ME, { method: 'POST', path: /^\/api\/v1\/activities\/\d+\/complete$/, status: 409 }],
    });

    // The server agrees.
    const done = await activityTitled(org.learner, 'Reflect on your week');
    assert.equal(done.status, 'completed');
    const j = await journeyOf(org.learner);
    assert.equal(j.enrolments[0].progress.completed, 1);
  });

  test('the learner puts their activities in their own calendar, then turns the link off', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.learner.login);
      await page.goto('/profile');
      await waitTest(page, 'calendar-inactive');
      await page.locator('[data-test="calendar-create"]').click();
      await waitTest(page, 'calendar-new');
      await expectFocus(page, 'test', 'calendar-new', 'focus moves to the new link');
      assert.match(await text(page, 'calendar-warning'), /Keep it secret/);
      const url = await page.locator('[data-test="calendar-url-value"]').inputValue();
      assert.match(url, new RegExp(`^${server.url}/calendar/[0-9a-f]{64}\\.ics$`));
      await waitTest(page, 'calendar-active');
      await assertAccessible(page, 'the profile with a new calendar link');
      await assertNoHorizontalScroll(page, 'the profile with a new calendar link');

      // The link works without signing in: the open activities, by due date.
      const feed = await fetch(url);
      assert.equal(feed.status, 200);
      assert.match(feed.headers.get('content-type'), /^text\/calendar/);
      const ics = await feed.text();
      assert.match(ics, /SUMMARY:Due: Notice three moments/);
      assert.doesNotMatch(ics, /Reflect on your week/, 'a done activity is not in the feed');

      await page.locator('[data-test="calendar-done"]').click();
      await page.locator('[data-test="calendar-revoke"]').click();
      await page.locator('[data-test="confirm-calendar-revoke-ok"]').click();
      await waitTest(page, 'calendar-revoked');
      await waitTest(page, 'calendar-inactive');
      assert.equal((await fetch(url)).status, 404, 'the old link stops working');
    }, { viewport: PHONE_TALL });
  });

  test('someone with nothing to do is welcomed, not shown an empty page', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.manager.login);
      await waitTest(page, 'journey-empty');
      assert.match(await text(page, 'journey-empty'), /Nothing to do yet/);
      await assertAccessible(page, 'an empty journey');
      await assertNoHorizontalScroll(page, 'an empty journey');
    }, { viewport: PHONE_TALL });
  });
});
