// A manager sees their team and their notifications: "My team" is in their navigation;
// the page has the totals, then one card per report, most overdue first, with each
// enrolment's progress (bar and words), "2 overdue" in words with a sign, the step they
// are on with the workflow's manager prompt ("What to talk about"), and their sign-offs
// waiting, linked to the queue. The bell in the header says how many notifications are
// unread; its page lists them newest first with the unread ones marked; opening one marks
// it read and follows its link; "Mark all as read" clears the rest and the badge goes.
// The manager chooses their own notification emails in their profile (a server 422 shows
// beside its field), and a learner stops one kind of email with the link from an email,
// signed out. Both new pages fit a 375 px phone and pass axe-core.
//
// Seeded through the API on the real clock: every day is a working day; Leo started ten
// days ago (two activities overdue, one sent for sign-off, one done), Nia starts today
// (her first step sent for sign-off). Notices come from one scheduler pass run as the
// operator runs it (`waymark tick --at <now> --no-deliver`), so the emails wait in the
// outbox with their unsubscribe links.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { runCli } from '../e2e/lib/people.js';
import { assertNoSanitizerReport, startServer } from '../e2e/lib/server.js';
import {
  PHONE, SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, expectFocus, launchBrowser, signInThroughPage, text, waitTest, withPage,
} from './lib/browser.js';
import { API, activityTitled, completeActivity, enrolPeople, learningOrganisation, publishedWorkflow } from './lib/journey.js';

const READ = 'Read the SBI guide';
const SIGNOFF = 'Ask for feedback on one meeting';
const PRACTISE = 'Practise the SBI model';
const EXAMPLE = 'Write down one example';
const SIGNOFF_PROMPT = 'Ask which meeting they chose.';
const PRACTISE_PROMPT = 'Ask how the SBI conversation went, and what they would say differently next time.';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The UTC date `days` from today, "2026-12-01". */
function dateFromToday(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function ok(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 500)}`);
  return res.body;
}

describe('a manager sees their team and their notifications', () => {
  let server;
  let browser;
  let org;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    org = await learningOrganisation(server, {
      people: {
        manager: { name: 'Maya Manager', email: 'maya@acme.example', password: 'mayas long password' },
        leo: { name: 'Leo Learner', email: 'leo@acme.example', password: 'leos long password', manager: 'manager' },
        nia: { name: 'Nia Newcomer', email: 'nia@acme.example', password: 'nias long password', manager: 'manager' },
      },
    });
    ok(await org.admin.patch(`${API}/users/${org.leo.user.id}`, { job_title: 'Team lead, customer support' }), 200, 'Leo’s job title');
    // Day-based notices from midnight, so the pass below sends them whatever the hour.
    ok(await org.admin.patch(`${API}/notification-settings`, { send_hour: 0 }), 200, 'send hour 0');
    const wf = await publishedWorkflow(org.admin, {
      title: 'Giving specific, timely feedback',
      replan_after_days: 0, // Leo's overdue steps stay overdue: no satnav re-plan in the pass
      phases: [{
        name: 'Week 1 — try',
        steps: [
          { title: READ, kind: 'learn', due_offset_days: 0 },
          { title: SIGNOFF, kind: 'experiment', completion: 'manager_signoff', due_offset_days: 1, manager_prompt: SIGNOFF_PROMPT },
          { title: PRACTISE, kind: 'practise', due_offset_days: 2, manager_prompt: PRACTISE_PROMPT },
          { title: EXAMPLE, kind: 'reflect', release_offset_days: 1, due_offset_days: 3 },
          { title: 'Reflect on the month', kind: 'reflect', release_offset_days: 20, due_offset_days: 25 },
        ],
      }],
    });
    await enrolPeople(org.admin, wf.id, { user_ids: [org.leo.user.id], start_date: dateFromToday(-10) });
    await enrolPeople(org.admin, wf.id, { user_ids: [org.nia.user.id] });
    await completeActivity(org.leo, (await activityTitled(org.leo, READ)).id);
    assert.equal((await completeActivity(org.leo, (await activityTitled(org.leo, SIGNOFF)).id, { reflection: 'I asked Sam after Monday’s review.' })).status, 'awaiting_signoff');
    assert.equal((await completeActivity(org.nia, (await activityTitled(org.nia, SIGNOFF)).id, { reflection: 'I asked Kim.' })).status, 'awaiting_signoff');

    // One scheduler pass a moment after the submissions, as the operator runs it.
    await sleep(1100);
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await runCli(['tick', '--at', at, '--no-deliver', '--db', server.db.url]);
    assertNoSanitizerReport(r.stderr, 'waymark tick');
    assert.equal(r.code, 0, `waymark tick --at ${at}: ${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  test('My team shows each report’s progress, what is overdue and what to talk about', async (t) => {
    const team = ok(await org.manager.get(`${API}/me/team`), 200, 'the team');
    assert.deepEqual(team.members.map((m) => m.name), ['Leo Learner', 'Nia Newcomer'], 'most overdue first');
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.manager.login);
      await page.locator('[data-test="nav-team"]').click();
      await waitTest(page, 'team-members');
      assert.equal(await page.title(), 'My team · Waymark');
      assert.equal(await page.locator('[data-test="nav-team"]').getAttribute('aria-current'), 'page');

      assert.equal(await text(page, 'team-total-members'), '2');
      assert.equal(await text(page, 'team-total-behind'), String(team.totals.behind));
      assert.equal(await text(page, 'team-total-overdue'), String(team.totals.overdue));
      assert.match(await text(page, 'team-total-signoffs'), /^2\b/, 'two steps wait for sign-off');

      const cards = page.locator('[data-test="team-member"]');
      assert.deepEqual(await cards.locator('[data-test="team-member-name"]').allInnerTexts(), ['Leo Learner', 'Nia Newcomer']);
      const leo = cards.nth(0);
      assert.equal(await leo.locator('[data-test="team-member-job"]').innerText(), 'Team lead, customer support');
      const flag = leo.locator('[data-test="team-member-overdue"]');
      assert.equal((await flag.innerText()).trim(), '2 overdue');
      assert.equal(await flag.locator('svg').count(), 1, 'a warning sign beside the words');
      assert.ok(Number(await flag.evaluate((el) => getComputedStyle(el).fontWeight)) >= 700, 'and in bold: not by colour alone');

      const enrolment = leo.locator('[data-test="team-enrolment"]');
      assert.equal(await enrolment.locator('[data-test="team-enrolment-title"]').innerText(), 'Giving specific, timely feedback');
      assert.equal(await enrolment.locator('[data-test="team-progress-text"]').innerText(), '20% · 1 of 5 steps done');
      const bar = enrolment.locator('[data-test="team-progress-bar"]');
      assert.equal(await bar.getAttribute('role'), 'progressbar');
      assert.equal(await bar.getAttribute('aria-valuenow'), '20');
      assert.equal(await bar.getAttribute('aria-valuetext'), '20% · 1 of 5 steps done');
      assert.equal(await bar.getAttribute('aria-label'), 'Leo Learner’s progress on Giving specific, timely feedback');
      assert.equal(await enrolment.locator('[data-test="team-current-title"]').innerText(), PRACTISE, 'the earliest open step');
      assert.match(await enrolment.locator('[data-test="team-current-due"]').innerText(), /\d+ days overdue/);
      assert.match(await enrolment.locator('[data-test="team-prompt"]').innerText(), /^What to talk about\s+/);
      assert.equal(await enrolment.locator('[data-test="team-prompt-text"]').innerText(), PRACTISE_PROMPT);
      assert.match(await leo.locator('[data-test="team-member-last"]').innerText(), /^Last completed a step (just now|\d+ minutes? ago)$/);
      assert.equal(await leo.locator('[data-test="team-member-signoffs"]').innerText(), '1 sign-off waiting for you');

      const nia = cards.nth(1);
      assert.equal(await nia.locator('[data-test="team-progress-text"]').innerText(), '0% · 0 of 5 steps done');
      assert.equal(await nia.locator('[data-test="team-current-title"]').innerText(), READ, 'Nia’s first step is still open');
      assert.match(await nia.locator('[data-test="team-member-last"]').innerText(), /Has not completed a step yet/);
      await assertAccessible(page, 'My team');

      // The way to the queue.
      await leo.locator('[data-test="team-member-signoffs"]').click();
      await waitTest(page, 'signoff-list');
      assert.deepEqual((await page.locator('[data-test="signoff-title"]').allInnerTexts()).sort(), [SIGNOFF, SIGNOFF]);

      // The current step opens the activity, with the prompt for the manager there too.
      await page.goBack();
      await waitTest(page, 'team-members');
      await page.locator('[data-test="team-member"]').nth(0).locator('[data-test="team-current-title"]').click();
      await waitTest(page, 'activity-facts');
      assert.equal((await page.locator('h1').innerText()).trim(), PRACTISE);
      assert.match(await text(page, 'activity-manager-prompt'), /Ask how the SBI conversation went/);
    });
  });

  test('the bell counts unread notifications; reading them clears the badge', async (t) => {
    const before = ok(await org.manager.get(`${API}/me/notifications?limit=100`), 200, 'the manager’s notifications');
    const requests = before.items.filter((n) => n.kind === 'signoff_request');
    assert.equal(requests.length, 2, `a sign-off request for each submission: ${JSON.stringify(before.items.map((n) => n.title))}`);
    assert.ok(before.unread >= 2, `unread ${before.unread}`);
    const leos = requests.find((n) => n.title.includes('Leo Learner'));
    assert.ok(leos.link, 'a sign-off request links to what to sign off');

    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.manager.login);
      const bell = page.locator('[data-test="bell"]');
      await page.locator(`[data-test="bell"][data-unread="${before.unread}"]`).waitFor(WAIT);
      assert.equal(await bell.getAttribute('aria-label'), `Notifications, ${before.unread} unread`);
      assert.equal(await text(page, 'bell-count'), String(before.unread));
      assert.equal(await page.locator('[data-test="bell-count"]').getAttribute('aria-hidden'), 'true', 'the name already says it');

      await bell.click();
      await waitTest(page, 'notification-list');
      assert.equal(await page.title(), 'Notifications · Waymark');
      assert.equal(await bell.getAttribute('aria-current'), 'page');
      assert.equal(await text(page, 'notifications-summary'), `You have ${before.unread} unread notifications.`);
      const items = page.locator('[data-test="notification"]');
      assert.deepEqual(await items.locator('[data-test="notification-link"]').allInnerTexts(), before.items.slice(0, 20).map((n) => n.title), 'newest first');
      for (const title of ['Sign-off requested: Leo Learner, Ask for feedback on one meeting', 'Sign-off requested: Nia Newcomer, Ask for feedback on one meeting']) {
        const item = items.filter({ hasText: title });
        assert.equal(await item.count(), 1, title);
        assert.equal(await item.getAttribute('data-unread'), 'true');
        assert.equal(await item.locator('[data-test="notification-new"]').innerText(), 'New', 'unread in words, not colour alone');
        assert.match(await item.locator('[data-test="notification-when"]').innerText(), /(just now|minutes? ago).* · .*\d\d:\d\d/, 'when, in words and exactly');
      }
      await assertAccessible(page, 'the notifications');

      // Opening one marks it read and goes where it points.
      const opening = page.locator(`[data-test="notification"][data-id="${leos.id}"]`);
      await opening.locator('[data-test="notification-link"]').click();
      await page.waitForURL((url) => url.pathname === new URL(leos.link, server.url).pathname, WAIT);
      await page.locator(`[data-test="bell"][data-unread="${before.unread - 1}"]`).waitFor(WAIT);
      assert.equal(await bell.getAttribute('aria-label'), `Notifications, ${before.unread - 1} unread`);
      const opened = ok(await org.manager.get(`${API}/me/notifications?limit=100`), 200, 'after opening one');
      assert.ok(opened.items.find((n) => n.id === leos.id).read_at, 'the opened one is read');
      assert.equal(opened.unread, before.unread - 1);

      await bell.click();
      await waitTest(page, 'notification-list');
      assert.equal(await opening.getAttribute('data-unread'), 'false');
      assert.equal(await opening.locator('[data-test="notification-new"]').count(), 0);
      await page.locator('[data-test="notifications-read-all"]').click();
      await page.locator('[data-test="notifications-status"]', { hasText: `Marked ${before.unread - 1} notification` }).waitFor(WAIT);
      await expectFocus(page, 'test', 'notifications-status', 'focus moves to the message');
      await page.locator('[data-test="bell"][data-unread="0"]').waitFor(WAIT);
      assert.equal(await bell.getAttribute('aria-label'), 'Notifications');
      assert.equal(await page.locator('[data-test="bell-count"]').isVisible(), false, 'the badge is gone');
      assert.equal(await page.locator('[data-test="notification"][data-unread="true"]').count(), 0);
      assert.equal(await page.locator('[data-test="notifications-read-all"]').isVisible(), false);
      await assertAccessible(page, 'the notifications, all read');

      // It stays gone after a reload: the server agrees.
      await page.reload();
      await waitTest(page, 'notification-list');
      await page.waitForLoadState('networkidle');
      assert.equal(await bell.getAttribute('aria-label'), 'Notifications');
    });
    assert.equal(ok(await org.manager.get(`${API}/me/notifications/unread`), 200, 'unread').unread, 0);
  });

  test('on a phone My team and the notifications fit the screen', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.manager.login);
      assert.equal(await page.locator('[data-test="bell"]').isVisible(), true, 'the bell is outside the folded menu');
      for (const [where, ready] of [['/team', 'team-members'], ['/notifications', 'notification-list'], ['/profile', 'prefs-form']]) {
        await page.goto(where);
        await waitTest(page, ready);
        await page.waitForLoadState('networkidle');
        await assertNoHorizontalScroll(page, `${where} on a phone`);
        await assertAccessible(page, `${where} on a phone`);
      }
    }, { viewport: PHONE });
  });

  test('someone with nobody reporting to them has no My team, and the page says why', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.leo.login);
      assert.equal(await page.locator('[data-test="nav-team"]').count(), 0);
      await page.goto('/team');
      await waitTest(page, 'team-empty');
      assert.match(await text(page, 'team-empty'), /Nobody reports to you/);
      await assertAccessible(page, 'an empty team');
    });
  });

  test('the manager chooses which notifications are emailed, and a refusal shows beside its field', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, org.manager.login);
      await page.locator('[data-test="nav-profile"]').click();
      await waitTest(page, 'prefs-form');
      assert.equal(await page.locator('[data-test="prefs-defaults"]').isVisible(), true, 'the organisation’s defaults at first');
      assert.equal(await page.locator('[data-test="prefs-email-reminder"]').isChecked(), true);
      assert.equal(await page.locator('[data-test="prefs-email-digest"]').isChecked(), true, 'a manager chooses the digest too');
      await assertAccessible(page, 'the notification choices');

      // Start and end at the same time: the server refuses it, beside the quiet hours.
      await page.locator('[data-test="prefs-quiet-on"]').check();
      await page.locator('[data-test="prefs-quiet-start"]').fill('08:00');
      await page.locator('[data-test="prefs-quiet-end"]').fill('08:00');
      await page.locator('[data-test="prefs-save"]').click();
      await waitTest(page, 'prefs-errors');
      assert.notEqual((await text(page, 'prefs-quiet-error')).length, 0, 'the quiet hours say what is wrong');
      assert.equal(await page.locator('[data-test="prefs-quiet-start"]').getAttribute('aria-invalid'), 'true');
      await assertAccessible(page, 'the notification choices with an error');
      const unchanged = ok(await org.manager.get(`${API}/me/notification-preferences`), 200, 'prefs');
      assert.equal(unchanged.uses_defaults, true, 'nothing was saved');

      await page.locator('[data-test="prefs-quiet-start"]').fill('21:30');
      await page.locator('[data-test="prefs-quiet-end"]').fill('07:00');
      await page.locator('[data-test="prefs-email-reminder"]').uncheck();
      await page.locator('[data-test="prefs-digest-day"]').selectOption('fri');
      await page.locator('[data-test="prefs-save"]').click();
      await page.locator('[data-test="prefs-saved"]', { hasText: 'Your notification choices are saved' }).waitFor(WAIT);
      assert.equal(await page.locator('[data-test="prefs-errors"]').isVisible(), false);
      assert.equal(await page.locator('[data-test="prefs-defaults"]').isVisible(), false);

      const saved = ok(await org.manager.get(`${API}/me/notification-preferences`), 200, 'prefs');
      assert.equal(saved.email.reminder, false);
      assert.equal(saved.email.overdue, true);
      assert.equal(saved.digest_day, 'fri');
      assert.deepEqual(saved.quiet_hours, { start: '21:30', end: '07:00' });
      assert.equal(saved.uses_defaults, false);

      await page.reload();
      await waitTest(page, 'prefs-form');
      assert.equal(await page.locator('[data-test="prefs-email-reminder"]').isChecked(), false);
      assert.equal(await page.locator('[data-test="prefs-digest-day"]').inputValue(), 'fri');
      assert.equal(await page.locator('[data-test="prefs-quiet-start"]').inputValue(), '21:30');
    }, { expect: [SIGNED_OUT_ME, { method: 'PATCH', path: `${API}/me/notification-preferences`, status: 422 }] });
  });

  test('a learner stops one kind of email with the link from an email, signed out', async (t) => {
    const rows = await server.db.query(`SELECT kind || ' ' || unsubscribe_url FROM outbox WHERE channel = 'email' AND recipient LIKE '%nia@acme.example%' AND unsubscribe_url IS NOT NULL ORDER BY id`);
    const [kind, url] = rows.trim().split('\n')[0]?.split(' ') ?? [];
    assert.ok(url, `Nia has an email waiting with its unsubscribe link: ${rows}`);
    const token = new URL(url).pathname.split('/').pop();
    const before = ok(await org.nia.get(`${API}/me/notification-preferences`), 200, 'Nia’s prefs');
    assert.equal(before.email[kind], true);

    await withPage(t, browser, server, async (page) => {
      await page.goto(`/unsubscribe#${token}`);
      await waitTest(page, 'unsubscribe-ask');
      const h1 = (await page.locator('h1').innerText()).trim();
      assert.match(h1, /^Stop .+ emails to Nia Newcomer\?$/);
      await assertAccessible(page, 'the unsubscribe question');
      await page.locator('[data-test="unsubscribe-confirm"]').click();
      await waitTest(page, 'unsubscribe-done');
      assert.match(await text(page, 'unsubscribe-done'), /Waymark will no longer send .+ emails to Nia Newcomer\./);
      await expectFocus(page, 'test', 'unsubscribe-done', 'focus moves to the confirmation');
      await assertAccessible(page, 'the unsubscribe confirmation');

      await page.goto('/unsubscribe#not-a-real-token-0000');
      await waitTest(page, 'unsubscribe-unknown');
      assert.equal((await page.locator('h1').innerText()).trim(), 'This unsubscribe link does not work');
      await assertAccessible(page, 'an unknown unsubscribe link');
    }, { expect: [SIGNED_OUT_ME, { method: 'GET', path: `${API}/unsubscribe/not-a-real-token-0000`, status: 404 }] });

    const afterwards = ok(await org.nia.get(`${API}/me/notification-preferences`), 200, 'Nia’s prefs');
    assert.equal(afterwards.email[kind], false, `${kind} emails are off`);
    for (const other of Object.keys(afterwards.email).filter((k) => k !== kind)) assert.equal(afterwards.email[other], true, `${other} stays on`);
  });
});
