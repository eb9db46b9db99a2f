// Webhooks (docs/notifications.md, "Webhooks"), with a receiver on loopback that checks
// every call the way the contract tells receivers to (HMAC-SHA256 of "{timestamp}.{body}",
// compared in constant time, timestamp fresh):
// - an admin creates a json, a slack and a teams webhook; a generated secret is answered
//   once, a given one never, and neither appears in GET or the audit log;
// - a notice of a kind a webhook takes is POSTed once to it, in its format, signed, with
//   Waymark-Event and Waymark-Delivery naming the outbox row;
// - a 500 from the receiver is tried again a minute later, with a fresh signature;
// - POST /webhooks/{id}/test queues a test event for now;
// - refusals: a URL that is not http(s), bad formats and kinds, the 21st webhook, another
//   organisation's webhook (404), learners and designers (403); an inactive or deleted
//   webhook gets nothing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { changeEnrolment, enrol, withTokens } from './lib/enrolments.js';
import { API, iso, ms, outboxOf, startClockedNotifyServer, tickAt } from './lib/notify.js';
import { expectApiError } from './lib/people.js';
import { startWebhookReceiver, verify } from './lib/webhook-receiver.js';
import { buildWorkflow, expectInvalid, organisation, publish } from './lib/workflows.js';

const T0 = '2027-03-02T09:30:00Z'; // a Tuesday; the organisation is on UTC
const PUBLIC = 'https://learn.contoso.example';
const WEBHOOK_FIELDS = ['id', 'name', 'url', 'format', 'kinds', 'active', 'secret_set', 'created_at', 'updated_at'].sort();
const JSON_FIELDS = ['id', 'kind', 'organisation', 'created_at', 'recipient', 'title', 'text', 'url'].sort();
const plus = (t, seconds) => iso(ms(t) + seconds * 1000);
const unix = (t) => Math.floor(ms(t) / 1000);

describe('webhooks', () => {
  let server;
  let receiver;
  let org;
  let other;
  let wf;
  const hooks = {}; // format → { id, secret, path }
  let enrolmentId;

  before(async () => {
    server = await startClockedNotifyServer({ at: T0, args: ['--public-url', PUBLIC] });
    receiver = await startWebhookReceiver();
    org = await organisation(server, 'contoso', { designer: ['designer'], lee: [] });
    other = await organisation(server, 'tailspin', {});
    await withTokens(server, org);
    await withTokens(server, other);
    wf = await buildWorkflow(org.designer, { title: 'Webhook week', outcome: 'Hooks', phases: [{ name: 'One', steps: [
      { title: 'Read the brief', release_offset_days: 0, due_offset_days: 1 },
      { title: 'Try it once', release_offset_days: 0, due_offset_days: 2 },
    ] }] });
    await publish(org.designer, wf.id);
  });
  after(async () => {
    await receiver?.stop();
    await server?.stop();
  });

  const tick = (at) => tickAt(server, at, { publicUrl: PUBLIC });
  const callsTo = (format) => receiver.requests.filter((r) => r.path === hooks[format].path);

  test('an admin creates json, slack and teams webhooks; secrets are shown once at most', async () => {
    const make = async (format, kinds, secret) => {
      const path = `/${format}`;
      const body = { name: `${format} feed`, url: `${receiver.url}${path}`, format, kinds, ...(secret ? { secret } : {}) };
      const res = await org.admin.post(`${API}/webhooks`, body);
      assert.equal(res.status, 201, res.text);
      const w = res.body;
      if (secret) {
        assert.ok(!('secret' in w), 'a secret sent is never answered back');
      } else {
        assert.equal(typeof w.secret, 'string', 'a generated secret is answered once');
        assert.ok(w.secret.length >= 32, `a 32-byte secret: ${w.secret}`);
      }
      const { secret: shown, ...rest } = w;
      assert.deepEqual(Object.keys(rest).sort(), WEBHOOK_FIELDS);
      assert.deepEqual({ name: rest.name, url: rest.url, format: rest.format, kinds: rest.kinds, active: rest.active, secret_set: rest.secret_set },
        { name: body.name, url: body.url, format, kinds, active: true, secret_set: true });
      assert.equal(rest.created_at, T0);
      hooks[format] = { id: w.id, secret: secret ?? shown, path };
      return w;
    };
    await make('json', ['new_activities', 'enrolment']);
    await make('slack', ['new_activities'], 'a slack secret that the admin chose, long enough');
    await make('teams', ['enrolment']);

    const list = await org.admin.get(`${API}/webhooks`);
    assert.equal(list.status, 200, list.text);
    const items = list.body.items;
    assert.deepEqual(items.map((w) => w.format).sort(), ['json', 'slack', 'teams']);
    for (const w of items) assert.deepEqual(Object.keys(w).sort(), WEBHOOK_FIELDS, 'no secret in the list');
    for (const h of Object.values(hooks)) {
      const one = await org.admin.get(`${API}/webhooks/${h.id}`);
      assert.equal(one.status, 200, one.text);
      assert.deepEqual(Object.keys(one.body).sort(), WEBHOOK_FIELDS, 'no secret in GET');
      assert.ok(!one.text.includes(h.secret));
    }
    const audit = await org.admin.get(`${API}/audit?limit=500`);
    assert.equal(audit.status, 200, audit.text);
    assert.ok(audit.body.items.some((e) => e.action === 'webhook.create'), 'creating is audited');
    for (const h of Object.values(hooks)) assert.ok(!audit.text.includes(h.secret), 'no secret in the audit log');
  });

  test('a notice goes to each webhook that takes its kind, in its format, signed', async () => {
    const res = await enrol(org.admin, wf.id, { user_ids: [org.lee.user.id], start_date: '2027-03-02' });
    enrolmentId = res.people[0].enrolment_id;
    await tick(T0);
    // new_activities: json and slack take it, teams does not.
    assert.deepEqual(receiver.requests.map((r) => r.path).sort(), ['/json', '/slack']);
    const outbox = (await outboxOf(org.admin)).filter((o) => o.channel === 'webhook');
    assert.equal(outbox.length, 2);
    assert.ok(outbox.every((o) => o.state === 'sent' && o.kind === 'new_activities' && o.attempts === 1));

    const [j] = callsTo('json');
    const [s] = callsTo('slack');
    for (const [format, r] of [['json', j], ['slack', s]]) {
      assert.equal(r.method, 'POST');
      assert.match(r.headers['content-type'] ?? '', /^application\/json\b/);
      assert.equal(r.headers['waymark-event'], 'new_activities');
      assert.equal(r.headers['waymark-timestamp'], String(unix(T0)), 'signed at the delivery instant');
      assert.deepEqual(verify(hooks[format].secret, r, { now: unix(T0) }), { ok: true }, `${format} signature`);
      assert.ok(!verify('the wrong secret', r, { now: unix(T0) }).ok, 'a wrong secret does not verify');
      assert.ok(outbox.some((o) => String(o.id) === r.headers['waymark-delivery']), `Waymark-Delivery names the outbox row: ${r.headers['waymark-delivery']}`);
    }
    assert.notEqual(j.headers['waymark-delivery'], s.headers['waymark-delivery']);
    // A stale timestamp is refused by the receiver's rule.
    assert.ok(!verify(hooks.json.secret, j, { now: unix(T0) + 301 }).ok);

    const body = JSON.parse(j.body);
    assert.deepEqual(Object.keys(body).sort(), JSON_FIELDS);
    assert.equal(body.id, `new_activities:${org.lee.user.id}:2027-03-02`);
    assert.equal(body.kind, 'new_activities');
    assert.deepEqual(body.organisation, { slug: 'contoso', name: org.admin.tenant.name });
    assert.equal(body.created_at, T0);
    assert.deepEqual(body.recipient, { id: org.lee.user.id, name: org.lee.user.name, email: org.lee.user.email });
    assert.equal(body.title, 'New today: 2 activities');
    assert.equal(typeof body.text, 'string');
    assert.ok(body.text.length > 0);
    assert.ok(body.url.startsWith(`${PUBLIC}/`), `an absolute link: ${body.url}`);

    assert.deepEqual(JSON.parse(s.body), { text: `*${body.title}*\n${body.text}\n<${body.url}|Open in Waymark>` });

    // The same pass again calls nobody.
    await tick(T0);
    await tick(plus(T0, 3600));
    assert.equal(receiver.requests.length, 2, 'each notice is POSTed once');
  });

  test('a 500 is tried again a minute later; teams gets a MessageCard', async () => {
    const t = plus(T0, 2 * 3600);
    await server.clock.set(t);
    await changeEnrolment(org.admin, enrolmentId, { status: 'withdrawn' });
    receiver.failNext(1, 500);
    await tick(t);
    const first = receiver.requests.slice(2);
    assert.deepEqual(first.map((r) => r.path).sort(), ['/json', '/teams'], 'the enrolment notice goes to json and teams');
    const failed = first.find((r) => r.status === 500);
    assert.ok(failed);
    const row = (await outboxOf(org.admin)).find((o) => String(o.id) === failed.headers['waymark-delivery']);
    assert.equal(row.state, 'pending');
    assert.equal(row.attempts, 1);
    assert.equal(row.next_attempt_at, plus(t, 60));
    assert.match(row.last_error ?? '', /500/);

    await tick(plus(t, 59));
    assert.equal(receiver.requests.length, 4, 'not before its time');
    await tick(plus(t, 60));
    assert.equal(receiver.requests.length, 5);
    const retry = receiver.requests[4];
    assert.equal(retry.path, failed.path);
    assert.equal(retry.headers['waymark-delivery'], failed.headers['waymark-delivery'], 'the same delivery');
    assert.equal(retry.body, failed.body, 'the same body');
    assert.equal(retry.headers['waymark-timestamp'], String(unix(plus(t, 60))), 'a fresh timestamp');
    const fmt = retry.path.slice(1);
    assert.deepEqual(verify(hooks[fmt].secret, retry, { now: unix(plus(t, 60)) }), { ok: true });
    assert.notEqual(retry.headers['waymark-signature'], failed.headers['waymark-signature']);
    const done = (await outboxOf(org.admin)).find((o) => o.id === row.id);
    assert.equal(done.state, 'sent');
    assert.equal(done.attempts, 2);

    const j = JSON.parse(callsTo('json').at(-1).body);
    assert.equal(j.kind, 'enrolment');
    assert.equal(j.title, `You were withdrawn from ${wf.title}`);
    const teams = JSON.parse(callsTo('teams').at(-1).body);
    assert.deepEqual(Object.keys(teams).sort(), ['@context', '@type', 'potentialAction', 'summary', 'text', 'themeColor', 'title'].sort());
    assert.equal(teams['@type'], 'MessageCard');
    assert.equal(teams['@context'], 'https://schema.org/extensions');
    assert.equal(teams.title, j.title);
    assert.equal(typeof teams.summary, 'string');
    assert.match(teams.themeColor, /^#?[0-9A-Fa-f]{6}$/);
    assert.deepEqual(teams.potentialAction, [{ '@type': 'OpenUri', name: 'Open in Waymark', targets: [{ os: 'default', uri: j.url }] }]);
    for (const r of callsTo('teams')) assert.equal(r.headers['waymark-event'], 'enrolment');
  });

  test('POST /webhooks/{id}/test queues a test event for now', async () => {
    const t = plus(T0, 4 * 3600);
    await server.clock.set(t);
    const before = receiver.requests.length;
    const res = await org.admin.post(`${API}/webhooks/${hooks.json.id}/test`);
    assert.equal(res.status, 202, res.text);
    await tick(t);
    const calls = receiver.requests.slice(before);
    assert.equal(calls.length, 1);
    const [c] = calls;
    assert.equal(c.path, '/json');
    assert.equal(c.headers['waymark-event'], 'test');
    assert.deepEqual(verify(hooks.json.secret, c, { now: unix(t) }), { ok: true });
    const body = JSON.parse(c.body);
    assert.equal(body.kind, 'test');
    assert.equal(body.recipient, null);
    assert.deepEqual(Object.keys(body).sort(), JSON_FIELDS);
  });

  test('bad webhooks are refused with their place, and nothing is written', async () => {
    const before = (await org.admin.get(`${API}/webhooks`)).body.items;
    const good = { name: 'Feed', url: `${receiver.url}/x`, format: 'json', kinds: ['reminder'] };
    const cases = [
      [{ ...good, url: 'ftp://example.com/hook' }, ['url']],
      [{ ...good, url: 'javascript:alert(1)' }, ['url']],
      [{ ...good, url: 'file:///etc/passwd' }, ['url']],
      [{ ...good, url: 'http://exa mple.com/' }, ['url']],
      [{ ...good, url: '' }, ['url']],
      [{ ...good, format: 'xml' }, ['format']],
      [{ ...good, kinds: [] }, ['kinds']],
      [{ ...good, kinds: ['reminder', 'remindr'] }, ['kinds[1]']],
      [{ ...good, kinds: 'reminder' }, ['kinds']],
      [{ ...good, name: '' }, ['name']],
      [{ ...good, name: 'x'.repeat(101) }, ['name']],
      [{ ...good, active: 'yes' }, ['active']],
      [{ ...good, colour: 'red' }, ['colour']],
      [{ ...good, url: 'gopher://x', format: 'xml' }, ['url', 'format']],
    ];
    for (const [body, fields] of cases) expectInvalid(await org.admin.post(`${API}/webhooks`, body), fields, JSON.stringify(body).slice(0, 120));
    const { url, ...noUrl } = good;
    assert.ok(url);
    expectApiError(await org.admin.post(`${API}/webhooks`, noUrl), 422, 'validation_failed', 'no url');
    expectInvalid(await org.admin.patch(`${API}/webhooks/${hooks.json.id}`, { url: 'mailto:a@b' }), ['url']);
    assert.deepEqual((await org.admin.get(`${API}/webhooks`)).body.items, before, 'nothing was written');
  });

  test('an organisation has at most 20 webhooks', async () => {
    const have = (await org.admin.get(`${API}/webhooks`)).body.items.length;
    const made = [];
    for (let i = have; i < 20; i++) {
      const res = await org.admin.post(`${API}/webhooks`, { name: `Spare ${i}`, url: `${receiver.url}/spare`, format: 'json', kinds: ['digest'], active: false });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.active, false);
      made.push(res.body.id);
    }
    const res = await org.admin.post(`${API}/webhooks`, { name: 'One too many', url: `${receiver.url}/spare`, format: 'json', kinds: ['digest'] });
    assert.equal(res.status, 409, res.text);
    assert.equal(typeof res.body?.error?.code, 'string');
    assert.equal((await org.admin.get(`${API}/webhooks`)).body.items.length, 20);
    const del = await org.admin.delete(`${API}/webhooks/${made.pop()}`);
    assert.equal(del.status, 204, del.text);
    const again = await org.admin.post(`${API}/webhooks`, { name: 'Now there is room', url: `${receiver.url}/spare`, format: 'json', kinds: ['digest'], active: false });
    assert.equal(again.status, 201, again.text);
  });

  test('another organisation\'s webhooks are 404; learners and designers are 403', async () => {
    const theirs = await other.admin.post(`${API}/webhooks`, { name: 'Theirs', url: `${receiver.url}/theirs`, format: 'json', kinds: ['reminder'] });
    assert.equal(theirs.status, 201, theirs.text);
    const id = theirs.body.id;
    expectApiError(await org.admin.get(`${API}/webhooks/${id}`), 404, 'not_found');
    expectApiError(await org.admin.patch(`${API}/webhooks/${id}`, { name: 'Mine now' }), 404, 'not_found');
    expectApiError(await org.admin.post(`${API}/webhooks/${id}/test`), 404, 'not_found');
    expectApiError(await org.admin.delete(`${API}/webhooks/${id}`), 404, 'not_found');
    expectApiError(await org.admin.get(`${API}/webhooks/999999999`), 404, 'not_found');
    const still = await other.admin.get(`${API}/webhooks/${id}`);
    assert.equal(still.status, 200);
    assert.equal(still.body.name, 'Theirs');
    assert.ok(!(await org.admin.get(`${API}/webhooks`)).body.items.some((w) => w.id === id));

    for (const who of ['lee', 'designer']) {
      const c = org[who];
      expectApiError(await c.get(`${API}/webhooks`), 403, 'forbidden', `${who} lists`);
      expectApiError(await c.post(`${API}/webhooks`, { name: 'x', url: `${receiver.url}/x`, format: 'json', kinds: ['reminder'] }), 403, 'forbidden', `${who} creates`);
      expectApiError(await c.get(`${API}/webhooks/${hooks.json.id}`), 403, 'forbidden', `${who} reads`);
      expectApiError(await c.post(`${API}/webhooks/${hooks.json.id}/test`), 403, 'forbidden', `${who} tests`);
      expectApiError(await c.delete(`${API}/webhooks/${hooks.json.id}`), 403, 'forbidden', `${who} deletes`);
    }
    const anon = await fetch(new URL(`${API}/webhooks`, server.url));
    assert.equal(anon.status, 401);
  });

  test('an inactive or deleted webhook gets nothing; PATCH changes it', async () => {
    const off = await org.admin.patch(`${API}/webhooks/${hooks.slack.id}`, { active: false });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.active, false);
    assert.equal(off.body.secret_set, true);
    assert.ok(!('secret' in off.body));
    const gone = await org.admin.delete(`${API}/webhooks/${hooks.json.id}`);
    assert.equal(gone.status, 204);
    expectApiError(await org.admin.get(`${API}/webhooks/${hooks.json.id}`), 404, 'not_found');
    // A new enrolment the next day: new activities again, but nobody takes them now.
    const t = '2027-03-03T09:30:00Z';
    await server.clock.set(t);
    const before = receiver.requests.length;
    await enrol(org.admin, wf.id, { user_ids: [org.lee.user.id], start_date: '2027-03-03' });
    await tick(t);
    assert.equal(receiver.requests.length, before, 'no calls to inactive or deleted webhooks');
    // Every call the receiver ever got verified with its webhook's secret.
    for (const r of receiver.requests) {
      const fmt = r.path.slice(1);
      assert.deepEqual(verify(hooks[fmt].secret, r, { now: Number(r.headers['waymark-timestamp']) }), { ok: true }, `${r.path} ${r.headers['waymark-delivery']}`);
    }
  });
});
