// An administrator builds groups in the browser — one by hand (adds two people, removes
// one), one by rule ("department is Sales", whose matching people appear at once; a rule
// the server refuses shows its message beside the condition) — and reads the audit log,
// newest first, filtered by action. A designer sees groups without any way to change them;
// a learner sees neither page. Every page passes axe-core in light and dark and fits a
// 375 px phone.
//
// Runs against the real server; people are added through the API, the designer and the
// learner through the operator CLI. With SCREENSHOTS=1 the pages are saved to
// test-results/ in light, dark and at 375 px, to look at.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { addUser, seedTenant, signIn } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import {
  PHONE, RESULTS, SIGNED_OUT_ME, WAIT, assertAccessible, assertNoHorizontalScroll, launchBrowser, signInThroughPage, text, waitTest,
  withPage,
} from './lib/browser.js';

const DESIGNER = { email: 'dina@acme.example', name: 'Dina Designer', password: 'dinas long password' };
const LEARNER = { email: 'leo@acme.example', name: 'Leo Learner', password: 'leos long password' };

describe('administrators build groups and read the audit log', () => {
  let server;
  let browser;
  let acme;
  let admin; // an API client signed in as the administrator
  const people = {};

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    acme = await seedTenant(server, { slug: 'acme', name: 'Acme Training', admin: { email: 'ada@acme.example', name: 'Ada Lovelace', password: 'correct horse battery' } });
    admin = await signIn(server, acme.admin);
    for (const [key, body] of Object.entries({
      ben: { email: 'ben@acme.example', name: 'Ben Okafor', department: 'Sales', job_title: 'Account manager' },
      cara: { email: 'cara@acme.example', name: 'Cara Diaz', department: 'sales', job_title: 'Sales lead' },
      dev: { email: 'dev@acme.example', name: 'Dev Patel', department: 'Support', job_title: 'Support engineer' },
    })) {
      const res = await admin.post('/api/v1/users', { roles: ['learner'], ...body });
      assert.equal(res.status, 201, res.text);
      people[key] = res.body.user;
    }
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

  async function makeGroup(body) {
    const res = await admin.post('/api/v1/groups', body);
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async function memberNames(page) {
    await waitTest(page, 'members-results');
    return (await page.locator('[data-test="member-link"]').allInnerTexts()).map((s) => s.trim());
  }

  // The members list reloads after a change; poll until it shows what is expected (or the
  // wait runs out) instead of reading whatever is on screen at that instant.
  async function expectMembers(page, expected, message) {
    const deadline = Date.now() + 10_000;
    let names = await memberNames(page);
    while (JSON.stringify(names) !== JSON.stringify(expected) && Date.now() < deadline) {
      await page.waitForTimeout(100);
      names = await memberNames(page);
    }
    assert.deepEqual(names, expected, message);
  }

  async function addMember(page, search, name) {
    await page.locator('[data-test="member-picker-search"]').fill(search);
    await page.locator('[data-test="member-picker-option"]', { hasText: name }).click();
    await page.locator('[data-test="member-add"]').click();
    await page.locator('[data-test="members-status"]', { hasText: `${name} is added` }).waitFor(WAIT);
    await page.locator('[data-test="member-link"]', { hasText: name }).waitFor(WAIT);
  }

  test('an administrator creates a group by hand, adds two people and removes one', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.locator('[data-test="nav-groups"]').click();
      await waitTest(page, 'groups');
      assert.equal(await page.title(), 'Groups · Waymark');
      await page.locator('[data-test="groups-create"]').click();
      await waitTest(page, 'group-form');
      assert.equal(await page.locator('[data-test="rule-box"]').isVisible(), false, 'no rule for a group by hand');

      await page.locator('[data-test="group-name"]').fill('Induction cohort');
      await page.locator('[data-test="group-description"]').fill('Everyone starting in March.');
      await page.locator('[data-test="group-save"]').click();

      await waitTest(page, 'group');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Induction cohort');
      assert.match(await text(page, 'group-flash'), /is created/);
      await waitTest(page, 'members-empty');

      await addMember(page, 'Ben', 'Ben Okafor');
      await addMember(page, 'dev@', 'Dev Patel');
      await expectMembers(page, ['Ben Okafor', 'Dev Patel']);
      assert.equal(await text(page, 'group-member-count'), '2');

      const devRow = page.locator('[data-test="member-row"]', { has: page.locator('[data-test="member-link"]', { hasText: 'Dev Patel' }) });
      await devRow.locator('[data-test="member-remove"]').click();
      await waitTest(page, 'confirm-remove-member');
      await page.locator('[data-test="confirm-remove-member-ok"]').click();
      await page.locator('[data-test="members-status"]', { hasText: 'Dev Patel is removed' }).waitFor(WAIT);
      await expectMembers(page, ['Ben Okafor']);
      await page.locator('[data-test="group-member-count"]', { hasText: '1' }).waitFor(WAIT);
      await assertAccessible(page, 'a group made by hand');

      await page.locator('[data-test="back-link"]').click();
      const row = page.locator('[data-test="group-row"]', { has: page.locator('[data-test="group-link"]', { hasText: 'Induction cohort' }) });
      await row.waitFor(WAIT);
      assert.match(await row.innerText(), /By hand/);
      assert.equal((await row.locator('[data-test="group-members"]').innerText()).trim(), '1');
      await assertAccessible(page, 'the groups list');
    });
  });

  test('an administrator creates a group by rule; a rule the server refuses is explained beside its condition', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/groups/new');
      await waitTest(page, 'group-form');
      await page.locator('[data-test="group-name"]').fill('Sales team');
      await page.locator('[data-test="group-kind-rule"]').check();
      await waitTest(page, 'rule-condition');

      // Two conditions; the second asks for a department containing nothing.
      await page.locator('[data-test="rule-value"]').first().fill('Sales');
      await page.locator('[data-test="rule-add"]').click();
      const second = page.locator('[data-test="rule-condition"]').nth(1);
      await second.locator('[data-test="rule-op"]').selectOption('contains');
      await page.locator('[data-test="group-save"]').click();
      await waitTest(page, 'group-errors');
      const problem = second.locator('[data-test="rule-condition-error"]');
      await problem.waitFor(WAIT);
      assert.match(await problem.innerText(), /Value must be text of 1 to 200 characters/);
      assert.equal(await page.locator('[data-test="rule-condition"]').first().locator('[data-test="rule-condition-error"]').isVisible(), false, 'the first condition is fine');
      assert.match(await text(page, 'group-errors'), /Condition 2/);
      assert.equal(await page.locator('[data-test="group-name"]').inputValue(), 'Sales team', 'what was typed is kept');
      await assertAccessible(page, 'the rule builder with a mistake');

      // Remove the bad condition: department is Sales.
      await second.locator('[data-test="rule-remove"]').click();
      assert.equal(await page.locator('[data-test="rule-condition"]').count(), 1);
      await page.locator('[data-test="group-save"]').click();

      await waitTest(page, 'group');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Sales team');
      assert.match(await text(page, 'group-rule'), /Department is “Sales”/);
      await expectMembers(page, ['Ben Okafor', 'Cara Diaz'], 'department matches without regard to case');
      await waitTest(page, 'members-by-rule');
      assert.equal(await page.locator('[data-test="member-add-form"]').count(), 0, 'no adding by hand to a rule group');
      assert.equal(await page.locator('[data-test="member-remove"]').count(), 0);

      // Widen the rule: any of department Sales or job title containing "engineer".
      const edit = page.locator('[data-test="group-edit"]');
      await edit.locator('[data-test="rule-match"]').selectOption('any');
      await edit.locator('[data-test="rule-add"]').click();
      const added = edit.locator('[data-test="rule-condition"]').nth(1);
      await added.locator('[data-test="rule-field"]').selectOption('job_title');
      await added.locator('[data-test="rule-op"]').selectOption('contains');
      await added.locator('[data-test="rule-value"]').fill('engineer');
      await edit.locator('[data-test="group-save"]').click();
      await page.locator('[data-test="group-flash"]', { hasText: 'are saved' }).waitFor(WAIT);
      assert.match(await text(page, 'group-rule'), /Department is “Sales” or Job title contains “engineer”/);
      await expectMembers(page, ['Ben Okafor', 'Cara Diaz', 'Dev Patel']);
      await assertAccessible(page, 'a group made by rule');
    }, { expect: [SIGNED_OUT_ME, { method: 'POST', path: '/api/v1/groups', status: 422 }] });
  });

  test('an administrator deletes a group after saying yes', async (t) => {
    const g = await makeGroup({ name: 'Short-lived', rule: null });
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto(`/groups/${g.id}`);
      await waitTest(page, 'group');
      await page.locator('[data-test="group-delete"]').click();
      await page.locator('[data-test="confirm-delete-group-cancel"]').click();
      assert.equal(new URL(page.url()).pathname, `/groups/${g.id}`, 'cancel keeps the group');
      await page.locator('[data-test="group-delete"]').click();
      await page.locator('[data-test="confirm-delete-group-ok"]').click();
      await waitTest(page, 'groups');
      assert.match(await text(page, 'groups-flash'), /“Short-lived” is deleted/);
      assert.equal(await page.locator('[data-test="group-link"]', { hasText: 'Short-lived' }).count(), 0);
    });
  });

  test('a designer sees groups and their members but cannot change them', async (t) => {
    const g = await makeGroup({ name: 'Designers can read', rule: null });
    assert.equal((await admin.post(`/api/v1/groups/${g.id}/members`, { user_ids: [people.ben.id] })).status, 200);
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, DESIGNER);
      assert.equal(await page.locator('[data-test="nav-audit"]').count(), 0, 'no audit log for designers');
      await page.locator('[data-test="nav-groups"]').click();
      await waitTest(page, 'groups-table');
      assert.equal(await page.locator('[data-test="groups-create"]').count(), 0);
      await page.locator('[data-test="group-link"]', { hasText: 'Designers can read' }).click();
      await waitTest(page, 'group-read-only');
      await expectMembers(page, ['Ben Okafor']);
      for (const name of ['group-delete', 'member-add-form', 'member-remove', 'group-edit', 'group-form'])
        assert.equal(await page.locator(`[data-test="${name}"]`).count(), 0, `no ${name} for a designer`);
      await assertAccessible(page, 'a group seen by a designer');
      await page.goto('/groups/new');
      await waitTest(page, 'forbidden');
      await page.goto('/audit');
      await waitTest(page, 'forbidden');
    });
  });

  test('the audit log shows what the administrator did, newest first, and filters by action', async (t) => {
    const g = await makeGroup({ name: 'Audited cohort', description: 'For the log' });
    assert.equal((await admin.post(`/api/v1/groups/${g.id}/members`, { user_ids: [people.ben.id, people.cara.id] })).status, 200);
    assert.equal((await admin.delete(`/api/v1/groups/${g.id}/members/${people.cara.id}`)).status, 204);
    assert.equal((await admin.patch(`/api/v1/users/${people.dev.id}`, { department: 'Field support' })).status, 200);
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.locator('[data-test="nav-audit"]').click();
      await waitTest(page, 'audit-list');
      assert.equal(await page.title(), 'Audit log · Waymark');
      const entries = page.locator('[data-test="audit-entry"]');
      const actions = await entries.evaluateAll((els) => els.map((e) => e.dataset.action));
      assert.deepEqual(actions.slice(0, 4), ['user.update', 'group.members.remove', 'group.members.add', 'group.create'], 'newest first');

      const first = entries.nth(0);
      await first.locator('[data-test="audit-what"]', { hasText: 'Ada Lovelace changed the details of Dev Patel' }).waitFor(WAIT);
      assert.match(await first.locator('[data-test="audit-changes"]').innerText(), /Department\s+Support\s*→\s*changed to\s*Field support/);
      await entries.nth(1).locator('[data-test="audit-what"]', { hasText: 'Ada Lovelace removed someone from the group “Audited cohort”' }).waitFor(WAIT);
      await entries.nth(1).locator('[data-test="audit-changes"]', { hasText: 'Cara Diaz' }).waitFor(WAIT);
      await entries.nth(2).locator('[data-test="audit-changes"]', { hasText: 'Ben Okafor, Cara Diaz' }).waitFor(WAIT);
      assert.match(await entries.nth(0).innerText(), /just now|minute|today at/);
      assert.doesNotMatch(await page.locator('[data-test="audit-list"]').innerText(), /[{}"]|user_ids|manager_id/, 'no raw JSON');
      await assertAccessible(page, 'the audit log');

      await page.locator('[data-test="audit-action"]').selectOption('group.members.remove');
      await page.locator('[data-test="audit-apply"]').click();
      await page.waitForURL(/action=group\.members\.remove/);
      await page.locator('[data-test="audit-count"]').filter({ hasText: /entr/ }).waitFor({ state: 'attached', ...WAIT });
      await page.waitForFunction(() => [...document.querySelectorAll('[data-test="audit-entry"]')].every((e) => e.dataset.action === 'group.members.remove'));
      await entries.nth(0).locator('[data-test="audit-what"]', { hasText: '“Audited cohort”' }).waitFor(WAIT);
      assert.ok(await entries.count() >= 1);

      // A date range in the past finds nothing; clearing the filters brings everything back.
      await page.locator('[data-test="audit-action"]').selectOption('');
      await page.locator('[data-test="audit-from"]').fill('2001-01-01');
      await page.locator('[data-test="audit-to"]').fill('2001-01-31');
      await page.locator('[data-test="audit-apply"]').click();
      await waitTest(page, 'audit-empty');
      await page.locator('[data-test="audit-clear"]').click();
      await waitTest(page, 'audit-list');
      assert.ok(await entries.count() >= 4);
    });
  });

  test('a learner has neither page', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, LEARNER);
      assert.equal(await page.locator('[data-test="nav-groups"]').count(), 0);
      assert.equal(await page.locator('[data-test="nav-audit"]').count(), 0);
      for (const where of ['/groups', '/groups/new', '/audit']) {
        await page.goto(where);
        await waitTest(page, 'forbidden');
        assert.equal((await page.locator('h1').innerText()).trim(), 'You cannot open this page');
      }
    });
  });

  // Light on a laptop and dark on a 375 px phone: both palettes, both layouts (sideways
  // scrolling does not depend on the palette), at half the cost of all four.
  for (const [colorScheme, size, viewport] of [['light', 'laptop', undefined], ['dark', 'phone', PHONE]]) {
    {
      test(`the groups and audit pages are accessible in ${colorScheme} on a ${size}`, async (t) => {
        const hand = await makeGroup({ name: `Hand ${colorScheme} ${size}`, description: 'A cohort with a rather long description that has to wrap on a narrow phone screen.' });
        await admin.post(`/api/v1/groups/${hand.id}/members`, { user_ids: [people.ben.id, people.dev.id] });
        const rule = await makeGroup({ name: `Rule ${colorScheme} ${size}`, rule: { all: [{ field: 'department', op: 'equals', value: 'Sales' }, { field: 'manager_id', op: 'under', value: admin.user.id }, { field: 'role', op: 'has', value: 'learner' }] } });
        await withPage(t, browser, server, async (page) => {
          await signInThroughPage(page, acme.admin);
          const shots = process.env.SCREENSHOTS ? path.join(RESULTS, 'screens') : null;
          if (shots) await mkdir(shots, { recursive: true });
          const check = async (name, what) => {
            await assertAccessible(page, `${what} (${colorScheme}, ${size})`);
            await assertNoHorizontalScroll(page, `${what} (${colorScheme}, ${size})`);
            if (shots) await page.screenshot({ path: path.join(shots, `${name}-${colorScheme}-${size}.png`), fullPage: true });
          };
          await page.goto('/groups');
          await waitTest(page, 'groups-table');
          await check('groups', 'the groups list');

          await page.goto('/groups/new');
          await waitTest(page, 'group-form');
          await page.locator('[data-test="group-kind-rule"]').check();
          await page.locator('[data-test="rule-add"]').click();
          await page.locator('[data-test="rule-field"]').nth(1).selectOption('manager_id');
          await page.locator('[data-test="rule-add"]').click();
          await page.locator('[data-test="rule-field"]').nth(2).selectOption('role');
          await check('group-new', 'the new group form with a rule');

          await page.goto(`/groups/${hand.id}`);
          await waitTest(page, 'members-table');
          await check('group-hand', 'a group by hand');

          await page.goto(`/groups/${rule.id}`);
          await waitTest(page, 'members-results');
          await page.locator('[data-test="group-rule"]', { hasText: 'Ada Lovelace' }).waitFor(WAIT);
          await check('group-rule', 'a group by rule');

          await page.goto('/audit');
          await waitTest(page, 'audit-list');
          await check('audit', 'the audit log');
        }, { colorScheme, viewport });
      });
    }
  }
});
