// A learner subscribes her calendar to her activities. She creates a secret feed; its
// URL works without signing in and holds one all-day event per open activity of her
// active enrolments, on its local due date, titled "Due: <step>" (commas, quotes and
// accents survive iCalendar's escaping), read back with the build's iCalendar parser as
// a calendar application would. A completed or submitted activity leaves the feed, a
// returned one comes back; a paused enrolment and other people's activities are never in
// it. Creating the feed again kills the old URL, revoking kills it too, a deactivated
// person's feed stops, and tokens that are not a live feed's are 404 in the API's shape.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  API, changeEnrolment, complete, enrol, expectRefused, getEnrolment, icalDump, setCalendar, signOff,
  startClockedServer, utc, withTokens,
} from './lib/enrolments.js';
import { client } from './lib/people.js';
import { expectRawError, rawRequest } from './lib/http.js';
import { buildWorkflow, organisation, publish, reportsTo } from './lib/workflows.js';

const TRY = 'Try it, once; then "tell" — réfléchir 🙂';
const LONG = `A long step title ${'that goes on '.repeat(13)}end`;

describe('calendar feed', () => {
  let server;
  let org;
  let wf;
  let paused;
  const act = {}; // title → activity id
  let url; // the live feed's path

  async function feed(path, who = client(server)) {
    const res = await who.get(path);
    return res;
  }

  async function events(path) {
    const res = await feed(path);
    assert.equal(res.status, 200, `GET ${path}: ${res.status} ${res.text.slice(0, 300)}`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/calendar\b/);
    assert.match(res.text, /^BEGIN:VCALENDAR\r\n/);
    assert.match(res.text, /END:VCALENDAR\r\n$/);
    return icalDump(res.text);
  }

  // The event the feed must hold for an activity due on date.
  function event(title, date, next) {
    return { summary: `Due: ${title}`, start: date, end: next };
  }

  function assertEvents(got, want, context) {
    assert.deepEqual(got.map((e) => ({ summary: e.summary, start: e.start, end: e.end })), want, context);
    for (const e of got) {
      assert.equal(typeof e.uid, 'string');
      assert.ok(e.uid.length > 0);
      assert.match(e.description ?? '', /Calendar feed workflow/, `the workflow is named: ${e.description}`);
      const id = act[e.summary.slice('Due: '.length)];
      assert.match(e.url ?? '', new RegExp(`\\b${id}\\b`), `a link to activity ${id}: ${e.url}`);
    }
    assert.equal(new Set(got.map((e) => e.uid)).size, got.length, 'uids are unique');
  }

  before(async () => {
    server = await startClockedServer({ at: utc('2026-12-07', '09:00') });
    org = await organisation(server, 'acme', { designer: ['designer'], manager: [], learner: [], other: [] });
    await withTokens(server, org);
    await setCalendar(org.admin, 'Europe/London');
    await reportsTo(org, org.learner, org.manager);
    wf = await buildWorkflow(org.designer, { title: 'Calendar feed workflow', outcome: 'Plans', phases: [{ name: 'P', steps: [
      { title: 'Read', due_offset_days: 1 },
      { title: 'Check with the manager', completion: 'manager_signoff', due_offset_days: 2 },
      { title: TRY, release_offset_days: 2, due_offset_days: 4 },
      { title: LONG, release_offset_days: 10, due_offset_days: 12 },
    ] }] });
    await publish(org.designer, wf.id);
    const res = await enrol(org.admin, wf.id, { user_ids: [org.learner.user.id, org.other.user.id] });
    const mine = await getEnrolment(org.learner, res.people[0].enrolment_id);
    for (const a of mine.activities) act[a.title] = a.id;
    const other = await buildWorkflow(org.designer, { title: 'Paused workflow', outcome: 'Waits', phases: [{ name: 'P', steps: [
      { title: 'Paused step', due_offset_days: 1 },
    ] }] });
    await publish(org.designer, other.id);
    paused = (await enrol(org.admin, other.id, { user_ids: [org.learner.user.id] })).people[0].enrolment_id;
    await changeEnrolment(org.admin, paused, { status: 'paused' });
  });
  after(async () => {
    await server?.stop();
  });

  test('no feed at first; creating one answers its secret URL once', async () => {
    let res = await org.learner.get(`${API}/me/calendar`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { active: false });
    expectRefused(await client(server).post(`${API}/me/calendar`), 401, 'unauthorized');
    res = await org.learner.post(`${API}/me/calendar`);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['created_at', 'url']);
    assert.match(res.body.url, /^\/calendar\/[0-9a-f]{64}\.ics$/);
    assert.equal(res.body.created_at, utc('2026-12-07'));
    url = res.body.url;
    res = await org.learner.get(`${API}/me/calendar`);
    assert.deepEqual(res.body, { active: true, created_at: utc('2026-12-07') });
    assert.ok(!res.text.includes(url.slice(10, 74)), 'the token is never shown again');
  });

  test('the feed holds one all-day event per open activity, on its due date', async () => {
    const got = await events(url);
    assertEvents(got, [
      event('Read', '2026-12-08', '2026-12-09'),
      event('Check with the manager', '2026-12-09', '2026-12-10'),
      event(TRY, '2026-12-11', '2026-12-12'),
      event(LONG, '2026-12-23', '2026-12-24'),
    ], 'the first feed');
    // Stable: the same events again.
    assert.deepEqual(await events(url), got);
    // Signing in changes nothing: the secret is the key.
    const signedIn = await feed(url, org.learner);
    assert.equal(signedIn.status, 200);
  });

  test('completed and submitted activities leave the feed; a returned one comes back', async () => {
    await server.clock.set(utc('2026-12-07', '10:00'));
    await complete(org.learner, act.Read);
    await complete(org.learner, act['Check with the manager']);
    assertEvents(await events(url), [
      event(TRY, '2026-12-11', '2026-12-12'),
      event(LONG, '2026-12-23', '2026-12-24'),
    ], 'after completing one and submitting another');
    await signOff(org.manager, act['Check with the manager'], 'return', 'Once more, please.');
    assertEvents(await events(url), [
      event('Check with the manager', '2026-12-09', '2026-12-10'),
      event(TRY, '2026-12-11', '2026-12-12'),
      event(LONG, '2026-12-23', '2026-12-24'),
    ], 'after the return');
  });

  test('a paused enrolment is not in the feed until resumed; a withdrawn one leaves it', async () => {
    await server.clock.set(utc('2026-12-07', '11:00'));
    await changeEnrolment(org.admin, paused, { status: 'active' });
    const got = await events(url);
    assert.deepEqual(got.map((e) => e.summary), ['Due: Paused step', 'Due: Check with the manager', `Due: ${TRY}`, `Due: ${LONG}`]);
    await changeEnrolment(org.admin, paused, { status: 'withdrawn' });
    assert.equal((await events(url)).length, 3);
  });

  test('creating the feed again kills the old URL; revoking kills the new one', async () => {
    await server.clock.set(utc('2026-12-08', '09:00'));
    const res = await org.learner.post(`${API}/me/calendar`);
    assert.equal(res.status, 201, res.text);
    assert.notEqual(res.body.url, url);
    assert.equal(res.body.created_at, utc('2026-12-08'));
    expectRefused(await feed(url), 404, 'not_found', 'the old URL');
    assert.equal((await events(res.body.url)).length, 3);
    url = res.body.url;

    const gone = await org.learner.delete(`${API}/me/calendar`);
    assert.equal(gone.status, 204, gone.text);
    expectRefused(await feed(url), 404, 'not_found', 'a revoked URL');
    assert.deepEqual((await org.learner.get(`${API}/me/calendar`)).body, { active: false });
  });

  test('a deactivated person\'s feed stops', async () => {
    const res = await org.other.post(`${API}/me/calendar`);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual((await events(res.body.url)).map((e) => e.summary),
      ['Due: Read', 'Due: Check with the manager', `Due: ${TRY}`, `Due: ${LONG}`]);
    assert.equal((await org.admin.delete(`${API}/users/${org.other.user.id}`)).status, 200);
    expectRefused(await feed(res.body.url), 404, 'not_found');
  });

  test('tokens that are no live feed\'s are 404 in the API\'s error shape', async () => {
    const junk = [
      '/calendar/abc.ics',
      `/calendar/${'0'.repeat(64)}.ics`,
      `/calendar/${'g'.repeat(64)}.ics`,
      `/calendar/${'a'.repeat(65)}.ics`,
      `/calendar/${url.slice(10, 74)}`,
      `/calendar/${url.slice(10, 74)}.ics.bak`,
      "/calendar/'%20OR%201=1--.ics",
    ];
    for (const p of junk) expectRefused(await feed(p), 404, 'not_found', p);
    // Paths a normalising client would never send: refused before or by the router.
    for (const p of ['/calendar/../etc/passwd.ics', '/calendar/..%2f..%2fetc%2fpasswd.ics', '/calendar/.ics',
      `/calendar/${'%00'.repeat(3)}.ics`, `/calendar/${url.slice(10, 74)}%00.ics`]) {
      const res = await rawRequest(server.url, { path: p });
      assert.ok([400, 404].includes(res.status), `${p}: ${res.status} ${res.text.slice(0, 100)}`);
      expectRawError(res, res.status, res.status === 404 ? 'not_found' : JSON.parse(res.text).error.code, p);
    }
  });
});
