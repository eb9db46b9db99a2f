// The notification API refuses what it should and keeps secrets (docs/notifications.md):
// - preferences: the defaults, every bad field reported with its place and nothing
//   changed, the first save copying the organisation's defaults, later default changes
//   leaving a person's own choices alone;
// - organisation settings: bounds, relay URLs and sender addresses, admins only; the
//   relay's password is stored but never answered, nor written to the audit log;
// - in-app notifications: someone else's id (same organisation or another) is 404, paging;
// - one-click unsubscribe with a bad token is 404, whatever the method;
// - HTML and SQL in a person's name, a step title and the organisation's name arrive as
//   text in the subject and the plain part and escaped in the HTML part, which carries the
//   brand colour.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { complete, enrol, getEnrolment, withTokens } from './lib/enrolments.js';
import {
  API, PREF_KINDS, notificationsOf, outboxOf, prefsOf, setPrefs, setSettings, settingsOf, startClockedNotifyServer, tickAt,
} from './lib/notify.js';
import { expectApiError } from './lib/people.js';
import { startSmtpSink } from './lib/smtp.js';
import { buildWorkflow, organisation, publish, unsafeMarkup } from './lib/workflows.js';

const T0 = '2027-03-02T09:30:00Z'; // Tuesday; the organisations are on UTC
const ALL_ON = Object.fromEntries(PREF_KINDS.map((k) => [k, true]));
const FROM = 'learning@initech.example';

/** A 422 whose details name exactly these places (any order); returns the error. */
function expectFields(res, fields, context = '') {
  const err = expectApiError(res, 422, 'validation_failed', context);
  assert.deepEqual(err.details.map((d) => d.field).sort(), [...fields].sort(), `places named (${context}): ${JSON.stringify(err.details)}`);
  for (const d of err.details) assert.ok(typeof d.message === 'string' && d.message.length > 0, `a message for ${d.field}`);
  return err;
}

/** A 422 naming one place that starts with prefix (for rules whose exact place may vary). */
function expectFieldUnder(res, prefix, context = '') {
  const err = expectApiError(res, 422, 'validation_failed', context);
  assert.ok(err.details.length >= 1 && err.details.every((d) => d.field === prefix || d.field.startsWith(`${prefix}.`)),
    `places under ${prefix} (${context}): ${JSON.stringify(err.details)}`);
  return err;
}

describe('the notification API', () => {
  let server;
  let sink;
  let org;
  let other;

  before(async () => {
    server = await startClockedNotifyServer({ at: T0 });
    sink = await startSmtpSink();
    org = await organisation(server, 'initech', { designer: ['designer'], manager: [], ana: [], bo: [], cy: [], dee: [], bobby: [] });
    other = await organisation(server, 'umbrella', { zed: [] });
    await withTokens(server, org);
    await withTokens(server, other);
  });
  after(async () => {
    await sink?.stop();
    await server?.stop();
  });

  test('preferences start from the defaults, refuse every bad field, and change nothing when refused', async () => {
    const defaults = await prefsOf(org.ana);
    assert.deepEqual(defaults, { email: ALL_ON, digest_day: 'mon', quiet_hours: null, time_zone: 'UTC', uses_defaults: true });

    const cases = [
      [{ email: { remindr: false } }, ['email.remindr']],
      [{ email: { reminder: 'no' } }, ['email.reminder']],
      [{ email: { reminder: null } }, ['email.reminder']],
      [{ email: { invitation: false } }, ['email.invitation']],
      [{ email: 'off' }, ['email']],
      [{ email: [false] }, ['email']],
      [{ digest_day: 'monday' }, ['digest_day']],
      [{ digest_day: 1 }, ['digest_day']],
      [{ digest_day: 'MON' }, ['digest_day']],
      [{ quiet_hours: '21:00-07:00' }, ['quiet_hours']],
      [{ colour: 'blue' }, ['colour']],
      [{ time_zone: 'Europe/Paris' }, ['time_zone']],
      [{ email: { remindr: true, digest: 'x' }, digest_day: 'someday', extra: 1 }, ['email.remindr', 'email.digest', 'digest_day', 'extra']],
    ];
    for (const [body, fields] of cases) expectFields(await org.ana.patch(`${API}/me/notification-preferences`, body), fields, JSON.stringify(body));
    for (const quiet of [
      { start: '21:00', end: '21:00' }, // equal is refused
      { start: '24:00', end: '07:00' },
      { start: '21:60', end: '07:00' },
      { start: '9:00', end: '17:00' },
      { start: '21:00' },
      { start: '21:00', end: '07:00', tz: 'UTC' },
      { start: 2100, end: 700 },
    ]) expectFieldUnder(await org.ana.patch(`${API}/me/notification-preferences`, { quiet_hours: quiet }), 'quiet_hours', JSON.stringify(quiet));
    expectApiError(await org.ana.patch(`${API}/me/notification-preferences`, '{"email":', { 'Content-Type': 'application/json' }), 400, 'malformed_json', 'broken JSON');
    expectApiError(await org.ana.patch(`${API}/me/notification-preferences`, '[]', { 'Content-Type': 'application/json' }), 422, 'validation_failed', 'not an object');
    assert.deepEqual(await prefsOf(org.ana), defaults, 'nothing changed');

    const mine = await setPrefs(org.ana, { email: { digest: false }, digest_day: 'fri', quiet_hours: { start: '22:00', end: '06:30' } });
    assert.deepEqual(mine, { email: { ...ALL_ON, digest: false }, digest_day: 'fri', quiet_hours: { start: '22:00', end: '06:30' }, time_zone: 'UTC', uses_defaults: false });
    assert.deepEqual(await prefsOf(org.ana), mine);
    const noQuiet = await setPrefs(org.ana, { quiet_hours: null });
    assert.deepEqual(noQuiet, { ...mine, quiet_hours: null });
    assert.deepEqual(await prefsOf(org.bo), defaults, 'one person\'s choice is theirs alone');
  });

  test('the first save copies the organisation\'s defaults; later defaults leave own choices alone', async () => {
    await setSettings(org.admin, { defaults: { email: { reminder: false }, digest_day: 'tue', quiet_hours: { start: '20:00', end: '08:00' } } });
    const inherited = await prefsOf(org.cy);
    assert.deepEqual(inherited, { email: { ...ALL_ON, reminder: false }, digest_day: 'tue', quiet_hours: { start: '20:00', end: '08:00' }, time_zone: 'UTC', uses_defaults: true });
    const saved = await setPrefs(org.cy, { email: { overdue: false } });
    assert.deepEqual(saved, { ...inherited, email: { ...ALL_ON, reminder: false, overdue: false }, uses_defaults: false });
    await setSettings(org.admin, { defaults: { email: { reminder: true }, digest_day: 'mon', quiet_hours: null } });
    assert.deepEqual(await prefsOf(org.cy), saved, 'her own choices are kept');
    assert.deepEqual(await prefsOf(org.dee), { email: ALL_ON, digest_day: 'mon', quiet_hours: null, time_zone: 'UTC', uses_defaults: true });
  });

  test('organisation settings refuse every bad field and change nothing when refused', async () => {
    const before = await settingsOf(org.admin);
    assert.equal(before.send_hour, 9);
    assert.equal(before.reminder_days_before, 1);
    assert.equal(before.escalate_after_days, 5);
    assert.deepEqual(before.defaults, { email: ALL_ON, digest_day: 'mon', quiet_hours: null });
    assert.equal(before.smtp.password_set, false);
    assert.equal(before.smtp.uses_deployment_relay, true);

    const cases = [
      [{ send_hour: 24 }, ['send_hour']],
      [{ send_hour: -1 }, ['send_hour']],
      [{ send_hour: 9.5 }, ['send_hour']],
      [{ send_hour: '9' }, ['send_hour']],
      [{ reminder_days_before: 11 }, ['reminder_days_before']],
      [{ reminder_days_before: -1 }, ['reminder_days_before']],
      [{ escalate_after_days: 31 }, ['escalate_after_days']],
      [{ escalate_after_days: null }, ['escalate_after_days']],
      [{ send_hour: null }, ['send_hour']],
      [{ send_hour: 7, escalate_after_days: null }, ['escalate_after_days']],
      [{ smtp: { url: 'http://relay.example:25' } }, ['smtp.url']],
      [{ smtp: { url: 'smtp://relay example:25' } }, ['smtp.url']],
      [{ smtp: { url: 'smtp://relay.example:25\r\nRCPT TO:<x@y>' } }, ['smtp.url']],
      [{ smtp: { url: `smtp://${'a'.repeat(1000)}.example` } }, ['smtp.url']],
      [{ smtp: { url: 'smtp://' } }, ['smtp.url']],
      [{ smtp: { from: 'not an address' } }, ['smtp.from']],
      [{ smtp: { from: 'x@y.example\r\nBcc: all@y.example' } }, ['smtp.from']],
      [{ smtp: { from: 'Name <>' } }, ['smtp.from']],
      [{ smtp: { password: 'x' } }, ['smtp.password']],
      [{ smtp: 'smtp://relay.example' }, ['smtp']],
      [{ defaults: { email: { remindr: false } } }, ['defaults.email.remindr']],
      [{ defaults: { digest_day: 'xyz' } }, ['defaults.digest_day']],
      [{ webhooks: [] }, ['webhooks']],
      [{ send_hour: 25, reminder_days_before: 99, escalate_after_days: -5, smtp: { url: 'ftp://x', from: 'nobody' } },
        ['send_hour', 'reminder_days_before', 'escalate_after_days', 'smtp.url', 'smtp.from']],
    ];
    for (const [body, fields] of cases) expectFields(await org.admin.patch(`${API}/notification-settings`, body), fields, JSON.stringify(body).slice(0, 100));
    assert.deepEqual(await settingsOf(org.admin), before, 'nothing changed');

    const ok = await setSettings(org.admin, { send_hour: 0, reminder_days_before: 10, escalate_after_days: 0 });
    assert.deepEqual([ok.send_hour, ok.reminder_days_before, ok.escalate_after_days], [0, 10, 0], 'the bounds are inclusive');
    const back = await setSettings(org.admin, { send_hour: 9, reminder_days_before: 1, escalate_after_days: 5 });
    assert.deepEqual(back, before);

    for (const who of ['ana', 'designer', 'manager']) {
      expectApiError(await org[who].get(`${API}/notification-settings`), 403, 'forbidden', `${who} reads the settings`);
      expectApiError(await org[who].patch(`${API}/notification-settings`, { send_hour: 3 }), 403, 'forbidden', `${who} changes them`);
      expectApiError(await org[who].get(`${API}/outbox`), 403, 'forbidden', `${who} reads the outbox`);
    }
    // A malformed query parameter is 400 naming it, as for every list.
    const lost = expectApiError(await org.admin.get(`${API}/outbox?state=lost`), 400, 'bad_request', 'unknown state');
    assert.deepEqual(lost.details.map((d) => d.field), ['state']);
    assert.deepEqual(await settingsOf(org.admin), before);
  });

  test('the relay password is stored but never shown, nor audited', async () => {
    const secret = 'S3cret-relay-pass';
    const res = await org.admin.patch(`${API}/notification-settings`, { smtp: { url: `smtp://mailer:${secret}@relay.initech.example:587`, from: 'Initech Learning <learning@initech.example>' } });
    assert.equal(res.status, 200, res.text);
    assert.ok(!res.text.includes(secret), 'not in the answer');
    assert.deepEqual(res.body.smtp, { url: 'smtp://mailer@relay.initech.example:587', password_set: true, from: 'Initech Learning <learning@initech.example>', uses_deployment_relay: false });
    const got = await org.admin.get(`${API}/notification-settings`);
    assert.ok(!got.text.includes(secret), 'not in GET');
    assert.deepEqual(got.body.smtp, res.body.smtp);
    // Changing the sender keeps the password.
    const from = await setSettings(org.admin, { smtp: { from: 'learning@initech.example' } });
    assert.equal(from.smtp.password_set, true);
    assert.equal(from.smtp.url, 'smtp://mailer@relay.initech.example:587');
    const audit = await org.admin.get(`${API}/audit?action=notification_settings.update&limit=500`);
    assert.equal(audit.status, 200, audit.text);
    assert.ok(audit.body.items.length >= 2, 'every change is audited');
    const all = await org.admin.get(`${API}/audit?limit=500`);
    assert.ok(!all.text.includes(secret), 'the audit log has no password');
    assert.ok(!(await org.admin.get(`${API}/outbox`)).text.includes(secret));
    const cleared = await setSettings(org.admin, { smtp: { url: null } });
    assert.equal(cleared.smtp.uses_deployment_relay, true);
    assert.equal(cleared.smtp.password_set, false);
  });

  test('notifications are one\'s own: other ids are 404; paging works', async () => {
    const wf = await buildWorkflow(org.designer, { title: 'Three things', outcome: 'Done', phases: [{ name: 'One', steps: [
      { title: 'First thing', release_offset_days: 0, due_offset_days: 1 },
      { title: 'Second thing', release_offset_days: 0, due_offset_days: 1 },
    ] }] });
    await publish(org.designer, wf.id);
    await enrol(org.admin, wf.id, { user_ids: [org.ana.user.id, org.bo.user.id], start_date: '2027-03-02' });
    await tickAt(server, T0, { smtp: sink, smtpFrom: FROM });
    const ana = await notificationsOf(org.ana);
    const bo = await notificationsOf(org.bo);
    assert.ok(ana.items.length >= 2, `new activities and reminders: ${JSON.stringify(ana.items.map((n) => n.title))}`);
    assert.ok(bo.items.length >= 2);
    const theirs = bo.items[0].id;
    expectApiError(await org.ana.post(`${API}/me/notifications/${theirs}/read`), 404, 'not_found', 'Bo\'s notification');
    expectApiError(await other.zed.post(`${API}/me/notifications/${theirs}/read`), 404, 'not_found', 'another organisation');
    expectApiError(await org.ana.post(`${API}/me/notifications/99999999/read`), 404, 'not_found');
    assert.equal((await notificationsOf(org.bo)).unread, bo.items.length, 'still unread');
    for (const bad of ['limit=0', 'limit=101', 'limit=x', 'cursor=%27%3B--'])
      assert.equal((await org.ana.get(`${API}/me/notifications?${bad}`)).status, 400, bad);
    // Paging one at a time gives the same list.
    const seen = [];
    let cursor = null;
    do {
      const res = await org.ana.get(`${API}/me/notifications?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.items.length <= 1);
      seen.push(...res.body.items);
      cursor = res.body.next_cursor;
    } while (cursor && seen.length < 50);
    assert.deepEqual(seen, ana.items);
    const anon = await fetch(new URL(`${API}/me/notifications`, server.url));
    assert.equal(anon.status, 401);
  });

  test('unsubscribing with a bad token is 404', async () => {
    for (const token of ['..%2F..%2Fetc', "x'%20OR%20'1'%3D'1"]) {
      const get = await fetch(new URL(`${API}/unsubscribe/${token}`, server.url));
      assert.equal(get.status, 404, `GET ${token}`);
    }
    for (const token of ['nope', '0'.repeat(64), 'a'.repeat(43), 'A-_'.repeat(20)]) {
      const get = await fetch(new URL(`${API}/unsubscribe/${token}`, server.url));
      assert.equal(get.status, 404, `GET ${token}`);
      const post = await fetch(new URL(`${API}/unsubscribe/${token}`, server.url), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      assert.equal(post.status, 404, `POST ${token}`);
    }
    // A real token still works for its owner only once: a second POST answers the same.
    const [m] = (await sink.messages()).filter((x) => x.to.address === org.bo.user.email && x.header('list-unsubscribe'));
    assert.ok(m, 'Bo got an email with a List-Unsubscribe link');
    const link = /<[^>]*\/api\/v1\/unsubscribe\/([^>]+)>/.exec(m.header('list-unsubscribe'))[1];
    const url = new URL(`${API}/unsubscribe/${link}`, server.url);
    const first = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    const body = await first.json();
    assert.equal(first.status, 200);
    assert.equal(body.email, false);
    const second = await fetch(url, { method: 'POST', body: '' });
    assert.equal(second.status, 200, 'idempotent, and any body is fine');
    assert.equal((await prefsOf(org.bo)).email[body.kind], false);
  });

  test('HTML and SQL in names arrive as text, and escaped in the HTML part', async () => {
    const tricky = "Bobby <b>Tables</b>'); DROP TABLE users;--";
    const title = '<img src=x onerror=alert(1)> & "quotes"';
    const orgName = 'Initech & <Sons>';
    const t = '2027-03-03T09:30:00Z';
    await server.clock.set(t);
    let res = await org.admin.patch(`${API}/tenant`, { name: orgName, brand_colour: '#c0ffee' });
    assert.equal(res.status, 200, res.text);
    res = await org.admin.patch(`${API}/users/${org.bobby.user.id}`, { name: tricky, manager_id: org.manager.user.id });
    assert.equal(res.status, 200, res.text);
    const wf = await buildWorkflow(org.designer, { title: '<script>alert(1)</script> week', outcome: 'Safe', phases: [{ name: 'One', steps: [
      { title, release_offset_days: 0, due_offset_days: 2, completion: 'manager_signoff' },
    ] }] });
    await publish(org.designer, wf.id);
    const e = await enrol(org.admin, wf.id, { user_ids: [org.bobby.user.id], start_date: '2027-03-03' });
    await tickAt(server, t, { smtp: sink, smtpFrom: FROM });
    // Bobby submits; the next pass asks his manager, naming him.
    const enrolment = await getEnrolment(org.bobby, e.people[0].enrolment_id);
    await server.clock.set('2027-03-03T10:00:00Z');
    await complete(org.bobby, enrolment.activities[0].id, { evidence_text: '<script>steal()</script>' });
    await tickAt(server, '2027-03-03T11:00:00Z', { smtp: sink, smtpFrom: FROM });

    const all = await sink.messages();
    const toBobby = all.find((m) => m.to.address === org.bobby.user.email && m.subject === `New today: ${title}`);
    const toManager = all.find((m) => m.to.address === org.manager.user.email && m.subject === `Sign-off requested: ${tricky}, ${title}`);
    assert.ok(toBobby, `Bobby's new-activity email: ${all.map((m) => m.subject).join(' / ')}`);
    assert.ok(toManager, `the manager's sign-off request: ${all.map((m) => m.subject).join(' / ')}`);
    for (const m of [toBobby, toManager]) {
      assert.equal(m.from.name, `${orgName} via Waymark`, 'the organisation\'s name is in From, intact');
      assert.ok(m.text.includes(title), 'the plain part has the title as text');
      // The layout's own <meta> tags are fine in an email document; nothing else may be there.
      assert.deepEqual(unsafeMarkup(m.html).filter((p) => p !== '<meta> tag'), [], `no markup gets through in "${m.subject}"`);
      assert.ok(m.html.includes('&lt;img src=x onerror=alert(1)&gt; &amp; '), `the title is escaped in the HTML:\n${m.html}`);
      assert.ok(!m.html.includes('<img'), 'no <img');
      assert.ok(m.html.includes('Initech &amp; &lt;Sons&gt;'), 'the organisation\'s name is escaped in the HTML');
      assert.match(m.html, /#c0ffee/i, 'the HTML carries the brand colour');
    }
    assert.ok(toManager.text.includes(tricky));
    assert.ok(toManager.html.includes('Bobby &lt;b&gt;Tables&lt;/b&gt;&#39;); DROP TABLE users;--') || toManager.html.includes('Bobby &lt;b&gt;Tables&lt;/b&gt;&#x27;); DROP TABLE users;--') || toManager.html.includes("Bobby &lt;b&gt;Tables&lt;/b&gt;'); DROP TABLE users;--"),
      'the name is escaped in the HTML');
    assert.ok(!toManager.html.includes('<b>Tables'), 'no <b> from the name');
    // The in-app notification keeps the text as text; the people table is still there.
    const [n] = (await notificationsOf(org.manager)).items.filter((x) => x.kind === 'signoff_request');
    assert.equal(n.title, `Sign-off requested: ${tricky}, ${title}`);
    assert.equal((await org.admin.get(`${API}/users/${org.bobby.user.id}`)).body.name, tricky);
    const outbox = await outboxOf(org.admin);
    assert.ok(outbox.some((o) => o.subject === `Sign-off requested: ${tricky}, ${title}`), 'the outbox log shows the subject as text');
  });
});
