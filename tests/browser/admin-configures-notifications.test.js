// An administrator sets up notifications on the settings page: the send hour, reminder and
// escalation days, the defaults for everyone (email kinds, digest day, quiet hours) and the
// organisation's own mail relay, whose password is write-only — the page says a password
// is set and offers to replace it, and editing another field keeps it. A relay address
// the server refuses shows beside its field and changes nothing. Then a webhook: added
// with its name, address, format and kinds, its signing secret shown once with a Copy
// button; paused and turned on again; a test queued, which the outbox log shows waiting
// (and the state filter finds); deleted after a confirmation. The page passes axe-core
// throughout.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { seedTenant, signIn } from '../e2e/lib/people.js';
import { startServer } from '../e2e/lib/server.js';
import {
  SIGNED_OUT_ME, WAIT, assertAccessible, expectFocus, launchBrowser, signInThroughPage, text, waitTest, withPage,
} from './lib/browser.js';

const API = '/api/v1';

function ok(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 500)}`);
  return res.body;
}

describe('an administrator configures notifications', () => {
  let server;
  let browser;
  let acme;
  let api;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    acme = await seedTenant(server, { slug: 'acme', name: 'Acme Training', admin: { email: 'ada@acme.example', name: 'Ada Lovelace', password: 'correct horse battery' } });
    api = await signIn(server, acme.admin);
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  /** The stored relay address, password and all (the API never shows the password). */
  async function storedRelay() {
    return (await server.db.query('SELECT smtp_url FROM notification_settings')).trim();
  }

  test('the settings are saved, and the relay password stays write-only', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.locator('[data-test="nav-settings"]').click();
      await waitTest(page, 'notify-settings-form');
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('[data-test="notify-send-hour"]').inputValue(), '9', 'the defaults at first');
      assert.equal(await page.locator('[data-test="notify-reminder-days"]').inputValue(), '1');
      assert.equal(await page.locator('[data-test="notify-escalate-days"]').inputValue(), '5');
      assert.equal(await page.locator('[data-test="notify-relay-deployment"]').isChecked(), true);
      assert.equal(await page.locator('[data-test="notify-relay-own-fields"]').isVisible(), false);
      assert.equal(await page.locator('[data-test="notify-default-email-digest"]').isChecked(), true);
      await assertAccessible(page, 'the settings with notifications');

      await page.locator('[data-test="notify-send-hour"]').selectOption('8');
      await page.locator('[data-test="notify-reminder-days"]').fill('2');
      await page.locator('[data-test="notify-escalate-days"]').fill('3');
      await page.locator('[data-test="notify-default-email-digest"]').uncheck();
      await page.locator('[data-test="notify-default-digest-day"]').selectOption('tue');
      await page.locator('[data-test="notify-default-quiet-on"]').check();
      await page.locator('[data-test="notify-default-quiet-start"]').fill('20:00');
      await page.locator('[data-test="notify-default-quiet-end"]').fill('07:00');
      await page.locator('[data-test="notify-relay-own"]').check();
      await page.locator('[data-test="notify-smtp-url"]').fill('smtp://mailer@relay.example:587');
      await page.locator('[data-test="notify-smtp-password"]').fill('relay pass 1');
      await page.locator('[data-test="notify-smtp-from"]').fill('Acme Learning <learning@acme.example>');
      await page.locator('[data-test="notify-settings-save"]').click();
      await page.locator('[data-test="notify-settings-saved"]', { hasText: 'The notification settings are saved' }).waitFor(WAIT);
      await expectFocus(page, 'test', 'notify-settings-saved', 'focus moves to the message');

      const saved = ok(await api.get(`${API}/notification-settings`), 200, 'settings');
      assert.equal(saved.send_hour, 8);
      assert.equal(saved.reminder_days_before, 2);
      assert.equal(saved.escalate_after_days, 3);
      assert.equal(saved.defaults.email.digest, false);
      assert.equal(saved.defaults.email.reminder, true);
      assert.equal(saved.defaults.digest_day, 'tue');
      assert.deepEqual(saved.defaults.quiet_hours, { start: '20:00', end: '07:00' });
      assert.deepEqual(saved.smtp, { url: 'smtp://mailer@relay.example:587', password_set: true, from: 'Acme Learning <learning@acme.example>', uses_deployment_relay: false });
      assert.equal(await storedRelay(), 'smtp://mailer:relay%20pass%201@relay.example:587', 'the password went in with the user name');

      // The form shows what is saved: the password only as "set".
      assert.equal(await page.locator('[data-test="notify-smtp-password-set"]').isVisible(), true);
      assert.equal(await page.locator('[data-test="notify-smtp-password"]').inputValue(), '');
      assert.equal(await page.locator('[data-test="notify-smtp-url"]').inputValue(), 'smtp://mailer@relay.example:587');
      assert.ok(!(await page.locator('main').innerText()).includes('relay pass 1'), 'the password is not on the page');
      await assertAccessible(page, 'the saved notification settings');

      // Changing only the sender keeps the password.
      await page.locator('[data-test="notify-smtp-from"]').fill('learning@acme.example');
      await page.locator('[data-test="notify-settings-save"]').click();
      await page.locator('[data-test="notify-settings-saved"]', { hasText: 'The notification settings are saved' }).waitFor(WAIT);
      assert.equal(ok(await api.get(`${API}/notification-settings`), 200, 'settings').smtp.from, 'learning@acme.example');
      assert.equal(await storedRelay(), 'smtp://mailer:relay%20pass%201@relay.example:587', 'the password is kept');

      // An address the server refuses: beside its field, and nothing changes.
      await page.locator('[data-test="notify-smtp-url"]').fill('http://relay.example');
      await page.locator('[data-test="notify-send-hour"]').selectOption('10');
      await page.locator('[data-test="notify-settings-save"]').click();
      await waitTest(page, 'notify-settings-errors');
      assert.match(await text(page, 'notify-smtp-url-error'), /Relay address must be smtp:\/\//);
      assert.equal(await page.locator('[data-test="notify-smtp-url"]').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('[data-test="notify-smtp-url"]').inputValue(), 'http://relay.example', 'what was typed stays');
      await assertAccessible(page, 'the notification settings with an error');
      const unchanged = ok(await api.get(`${API}/notification-settings`), 200, 'settings');
      assert.equal(unchanged.send_hour, 8, 'nothing was written');
      assert.equal(unchanged.smtp.url, 'smtp://mailer@relay.example:587');

      // Back to the installation's relay.
      await page.reload();
      await waitTest(page, 'notify-settings-form');
      await page.locator('[data-test="notify-relay-deployment"]').check();
      assert.equal(await page.locator('[data-test="notify-relay-own-fields"]').isVisible(), false);
      await page.locator('[data-test="notify-settings-save"]').click();
      await page.locator('[data-test="notify-settings-saved"]', { hasText: 'The notification settings are saved' }).waitFor(WAIT);
      const back = ok(await api.get(`${API}/notification-settings`), 200, 'settings');
      assert.equal(back.smtp.uses_deployment_relay, true);
      assert.equal(back.smtp.password_set, false);
    }, { expect: [SIGNED_OUT_ME, { method: 'PATCH', path: `${API}/notification-settings`, status: 422 }] });
  });

  test('a webhook is added with its secret shown once, paused, tested and deleted', async (t) => {
    await withPage(t, browser, server, async (page) => {
      await signInThroughPage(page, acme.admin);
      await page.goto('/settings');
      await waitTest(page, 'webhooks-empty');
      await waitTest(page, 'outbox-empty');

      // The form checks what it can before sending.
      await page.locator('[data-test="webhook-url"]').fill('ftp://example.com/hook');
      await page.locator('[data-test="webhook-create"]').click();
      await waitTest(page, 'webhook-errors');
      assert.match(await text(page, 'webhook-name-error'), /Enter a name/);
      assert.match(await text(page, 'webhook-url-error'), /must start with https:\/\//);

      await page.locator('[data-test="webhook-name"]').fill('L&D channel');
      // Port 9 (discard) refuses at once; the server's scheduler is off in tests anyway.
      await page.locator('[data-test="webhook-url"]').fill('http://127.0.0.1:9/hooks/waymark');
      await page.locator('[data-test="webhook-format"]').selectOption('slack');
      assert.equal(await page.locator('[data-test="webhook-kinds-escalation"]').isChecked(), true);
      await page.locator('[data-test="webhook-kinds-signoff_request"]').check();
      await page.locator('[data-test="webhook-create"]').click();
      await waitTest(page, 'webhook-new');
      const secret = await page.locator('[data-test="webhook-secret-value"]').inputValue();
      assert.match(secret, /^\S{16,}$/, 'a generated secret is shown');
      assert.match(await text(page, 'webhook-secret-warning'), /will not show it again/);
      await expectFocus(page, 'test', 'webhook-new', 'focus moves to the secret');
      await assertAccessible(page, 'a new webhook with its secret');

      const listed = ok(await api.get(`${API}/webhooks`), 200, 'webhooks').items;
      assert.equal(listed.length, 1);
      assert.equal(listed[0].name, 'L&D channel');
      assert.equal(listed[0].format, 'slack');
      assert.deepEqual([...listed[0].kinds].sort(), ['enrolment', 'escalation', 'signoff_request']);
      assert.equal(listed[0].active, true);
      assert.equal(listed[0].secret_set, true);
      assert.equal('secret' in listed[0], false, 'the list never shows the secret');

      const row = page.locator('[data-test="webhook-row"]');
      assert.equal(await row.locator('[data-test="webhook-name-cell"]').innerText(), 'L&D channel');
      assert.equal(await row.locator('[data-test="webhook-state"]').innerText(), 'On');
      await page.locator('[data-test="webhook-secret-done"]').click();
      assert.equal(await page.locator('[data-test="webhook-new"]').count(), 0, 'gone once copied');
      await page.reload();
      await waitTest(page, 'webhook-row');
      assert.ok(!(await page.locator('main').innerText()).includes(secret), 'shown once only');

      // Pause, and on again.
      await row.locator('[data-test="webhook-toggle"]').click();
      await page.locator('[data-test="webhooks-status"]', { hasText: '“L&D channel” is paused.' }).waitFor(WAIT);
      assert.equal(await row.locator('[data-test="webhook-state"]').innerText(), 'Paused');
      assert.equal(ok(await api.get(`${API}/webhooks`), 200, 'webhooks').items[0].active, false);
      await row.locator('[data-test="webhook-toggle"]').click();
      await page.locator('[data-test="webhooks-status"]', { hasText: '“L&D channel” is on again.' }).waitFor(WAIT);
      assert.equal(ok(await api.get(`${API}/webhooks`), 200, 'webhooks').items[0].active, true);

      // A test waits in the outbox (nothing delivers it here), and the filter finds it.
      await row.locator('[data-test="webhook-test"]').click();
      await page.locator('[data-test="webhooks-status"]', { hasText: 'A test message for “L&D channel” is queued.' }).waitFor(WAIT);
      await waitTest(page, 'outbox-row');
      const entry = page.locator('[data-test="outbox-row"]');
      assert.equal(await entry.count(), 1);
      assert.match(await entry.innerText(), /Webhook/);
      assert.equal(await entry.locator('[data-test="outbox-state"]').innerText(), 'Waiting');
      await page.locator('[data-test="outbox-state-filter"]').selectOption('sent');
      await waitTest(page, 'outbox-empty');
      await page.locator('[data-test="outbox-state-filter"]').selectOption('pending');
      await waitTest(page, 'outbox-row');
      await assertAccessible(page, 'webhooks and the outbox');

      // Deleting asks first.
      await row.locator('[data-test="webhook-delete"]').click();
      await waitTest(page, 'confirm-webhook-delete');
      await page.locator('[data-test="confirm-webhook-delete-ok"]').click();
      await page.locator('[data-test="webhooks-status"]', { hasText: '“L&D channel” is deleted.' }).waitFor(WAIT);
      await waitTest(page, 'webhooks-empty');
      assert.deepEqual(ok(await api.get(`${API}/webhooks`), 200, 'webhooks').items, []);
    });
  });
});
