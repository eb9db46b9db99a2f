// Who sees and changes which enrolments. Admins and designers see every enrolment of the
// organisation; a manager sees their whole reporting subtree (and their own); a coach the
// enrolments they coach, while they hold the coach role; everyone else only their own.
// Each list shows exactly that, filtered by workflow, person and status and paged newest
// first; reading one outside it is 404, like a missing id. Only admins and designers
// enrol or look at rules (learners, managers and coaches 403); another organisation's
// workflow and people are 404 and unknown. Admins, designers and anyone above the learner
// change an enrolment; the learner and the coach get 403.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  API, ENROLMENT_FIELDS, changeEnrolment, changeUser, enrol, expectRefused, getEnrolment, keysOf, listEnrolments,
  progress, startClockedServer, utc, withTokens,
} from './lib/enrolments.js';
import { buildWorkflow, expectInvalid, organisation, publish } from './lib/workflows.js';

const ROLES = ['admin', 'designer', 'boss', 'mgr', 'l1', 'l2', 'l3', 'coach', 'otherCoach'];

describe('enrolment access', () => {
  let server;
  let acme;
  let globex;
  const wf = {};
  const e = {}; // "W1:l1" → enrolment id

  // Who may see which enrolment.
  const SEES = {
    admin: ['W1:l1', 'W1:l2', 'W1:l3', 'W2:l1', 'W2:mgr'],
    designer: ['W1:l1', 'W1:l2', 'W1:l3', 'W2:l1', 'W2:mgr'],
    boss: ['W1:l1', 'W1:l2', 'W2:l1', 'W2:mgr'],
    mgr: ['W1:l1', 'W1:l2', 'W2:l1', 'W2:mgr'],
    l1: ['W1:l1', 'W2:l1'],
    l2: ['W1:l2'],
    l3: ['W1:l3'],
    coach: ['W1:l2'],
    otherCoach: [],
  };
  const newestFirst = (keys) => keys.map((k) => e[k]).sort((a, b) => b - a);

  before(async () => {
    server = await startClockedServer({ at: utc('2026-12-07', '09:00') });
    acme = await organisation(server, 'acme', {
      designer: ['designer'], boss: [], mgr: [], l1: [], l2: [], l3: [], coach: ['coach'], otherCoach: ['coach'],
    });
    await withTokens(server, acme);
    globex = await organisation(server, 'globex', { designer: ['designer'], learner: [] });
    await withTokens(server, globex);
    await changeUser(acme.admin, acme.mgr.user.id, { manager_id: acme.boss.user.id });
    for (const l of ['l1', 'l2']) await changeUser(acme.admin, acme[l].user.id, { manager_id: acme.mgr.user.id });
    for (const name of ['W1', 'W2']) {
      const draft = await buildWorkflow(acme.designer, { title: `Workflow ${name}`, outcome: 'Learns',
        phases: [{ name: 'P', steps: [{ title: 'One', due_offset_days: 1 }, { title: 'Two', due_offset_days: 2 }] }] });
      await publish(acme.designer, draft.id);
      wf[name] = draft;
    }
    // Enrolled one after the other, so ids follow this order.
    for (const [w, who, coach] of [['W1', 'l1'], ['W1', 'l2', 'coach'], ['W1', 'l3'], ['W2', 'l1'], ['W2', 'mgr']]) {
      const body = { user_ids: [acme[who].user.id] };
      if (coach) body.coach_id = acme[coach].user.id;
      const res = await enrol(acme.designer, wf[w].id, body);
      e[`${w}:${who}`] = res.people[0].enrolment_id;
    }
  });
  after(async () => {
    await server?.stop();
  });

  test('an enrolment in a list has the documented fields', async () => {
    const [item] = await listEnrolments(acme.admin, `user_id=${acme.l2.user.id}`);
    assert.deepEqual(keysOf(item), ENROLMENT_FIELDS);
    assert.deepEqual(item, {
      id: e['W1:l2'], workflow: { id: wf.W1.id, title: 'Workflow W1' }, version: 1,
      learner: { id: acme.l2.user.id, name: 'l2 of acme', email: 'l2@acme.example', manager_id: acme.mgr.user.id },
      coach: { id: acme.coach.user.id, name: 'coach of acme' }, status: 'active', start_date: '2026-12-07',
      progress: progress(0, 2), paused_at: null, paused_days: 0, replanned_at: null, enrolled_at: utc('2026-12-07'),
      completed_at: null, withdrawn_at: null,
    });
  });

  test('each role lists exactly the enrolments it may see, newest first', async () => {
    for (const role of ROLES) {
      const items = await listEnrolments(acme[role]);
      assert.deepEqual(items.map((x) => x.id), newestFirst(SEES[role]), `${role} lists`);
    }
    assert.deepEqual(await listEnrolments(globex.admin), [], 'another organisation lists none of them');
  });

  test('reading one outside what a role sees is 404, as for a missing id', async () => {
    const wrong = [];
    for (const role of ROLES) {
      for (const [key, id] of Object.entries(e)) {
        const res = await acme[role].get(`${API}/enrolments/${id}`);
        const want = SEES[role].includes(key) ? 200 : 404;
        if (res.status !== want) wrong.push(`${role} GET ${key}: ${res.status}, expected ${want}`);
        if (want === 404 && res.body?.error?.code !== 'not_found') wrong.push(`${role} GET ${key}: ${res.text}`);
      }
      expectRefused(await acme[role].get(`${API}/enrolments/987654321`), 404, 'not_found');
    }
    for (const id of Object.values(e)) expectRefused(await globex.admin.get(`${API}/enrolments/${id}`), 404, 'not_found');
    assert.deepEqual(wrong, []);
  });

  test('filters narrow the list; paging follows next_cursor', async () => {
    const ids = async (c, q, limit) => (await listEnrolments(c, q, limit)).map((x) => x.id);
    assert.deepEqual(await ids(acme.admin, `workflow_id=${wf.W2.id}`), newestFirst(['W2:l1', 'W2:mgr']));
    assert.deepEqual(await ids(acme.admin, `user_id=${acme.l1.user.id}`), newestFirst(['W1:l1', 'W2:l1']));
    assert.deepEqual(await ids(acme.admin, `workflow_id=${wf.W1.id}&user_id=${acme.l1.user.id}`), [e['W1:l1']]);
    // A filter never widens what a role sees.
    assert.deepEqual(await ids(acme.mgr, `user_id=${acme.l3.user.id}`), []);
    assert.deepEqual(await ids(acme.l1, `user_id=${acme.l2.user.id}`), []);
    assert.deepEqual(await ids(acme.coach, `workflow_id=${wf.W2.id}`), []);
    // By status.
    await changeEnrolment(acme.admin, e['W1:l3'], { status: 'paused' });
    assert.deepEqual(await ids(acme.admin, 'status=paused'), [e['W1:l3']]);
    assert.deepEqual(await ids(acme.admin, 'status=active'), newestFirst(['W1:l1', 'W1:l2', 'W2:l1', 'W2:mgr']));
    assert.deepEqual(await ids(acme.admin, 'status=withdrawn'), []);
    // Pages of two give the same list.
    assert.deepEqual(await ids(acme.admin, '', 2), await ids(acme.admin, ''), 'paged');
    const page = await acme.admin.get(`${API}/enrolments?limit=2`);
    assert.equal(page.body.items.length, 2);
    assert.equal(typeof page.body.next_cursor, 'string');
    // Malformed parameters.
    for (const [q, field] of [['status=finished', 'status'], ['workflow_id=abc', 'workflow_id'], ['user_id=-1', 'user_id'],
      ['limit=0', 'limit'], ['limit=501', 'limit'], ['cursor=%27%20OR%201%3D1', 'cursor']]) {
      const err = expectRefused(await acme.admin.get(`${API}/enrolments?${q}`), 400, 'bad_request', q);
      assert.deepEqual(err.details.map((d) => d.field), [field], q);
    }
  });

  test('only admins and designers enrol and read rules; another organisation\'s workflow is 404', async () => {
    const before = await listEnrolments(acme.admin);
    for (const role of ['boss', 'mgr', 'l1', 'coach']) {
      expectRefused(await acme[role].post(`${API}/workflows/${wf.W2.id}/enrolments`, { user_ids: [acme.l3.user.id] }), 403, 'forbidden', role);
      expectRefused(await acme[role].post(`${API}/workflows/${wf.W2.id}/enrolments?dry_run=1`, { user_ids: [acme.l3.user.id] }), 403, 'forbidden', role);
      expectRefused(await acme[role].get(`${API}/workflows/${wf.W2.id}/enrolment-rules`), 403, 'forbidden', role);
      expectRefused(await acme[role].delete(`${API}/workflows/${wf.W2.id}/enrolment-rules/1`), 403, 'forbidden', role);
    }
    // Globex's designer: Acme's workflow does not exist, Acme's people are unknown.
    expectRefused(await globex.designer.post(`${API}/workflows/${wf.W2.id}/enrolments`, { user_ids: [globex.learner.user.id] }), 404, 'not_found');
    expectRefused(await globex.designer.post(`${API}/workflows/${wf.W2.id}/enrolments?dry_run=1`, { user_ids: [globex.learner.user.id] }), 404, 'not_found');
    const theirs = await buildWorkflow(globex.designer, { title: 'Globex', outcome: 'Own', phases: [{ name: 'P', steps: [{ title: 'G' }] }] });
    await publish(globex.designer, theirs.id);
    expectInvalid(await globex.designer.post(`${API}/workflows/${theirs.id}/enrolments`, { user_ids: [acme.l3.user.id] }), ['user_ids[0]']);
    expectInvalid(await globex.designer.post(`${API}/workflows/${theirs.id}/enrolments`, { emails: ['l3@acme.example'] }), ['emails[0]']);
    expectInvalid(await globex.designer.post(`${API}/workflows/${theirs.id}/enrolments`,
      { user_ids: [globex.learner.user.id], coach_id: acme.coach.user.id }), ['coach_id']);
    const acmeGroup = await acme.admin.post(`${API}/groups`, { name: 'Acme only' });
    assert.equal(acmeGroup.status, 201, acmeGroup.text);
    const byGroup = await globex.designer.post(`${API}/workflows/${theirs.id}/enrolments`, { group_id: acmeGroup.body.id });
    assert.ok([404, 422].includes(byGroup.status), `another organisation's group: ${byGroup.status} ${byGroup.text}`);
    if (byGroup.status === 422) expectInvalid(byGroup, ['group_id']);
    assert.deepEqual(await listEnrolments(acme.admin), before, 'nothing changed in Acme');
    assert.deepEqual(await listEnrolments(globex.admin), [], 'nothing made in Globex');
  });

  test('admins, designers and anyone above the learner change an enrolment; the learner and the coach may not', async () => {
    const id = e['W1:l1'];
    expectRefused(await acme.l1.patch(`${API}/enrolments/${id}`, { status: 'paused' }), 403, 'forbidden', 'the learner');
    expectRefused(await acme.l2.patch(`${API}/enrolments/${id}`, { status: 'paused' }), 404, 'not_found', 'a colleague');
    expectRefused(await acme.coach.patch(`${API}/enrolments/${e['W1:l2']}`, { status: 'paused' }), 403, 'forbidden', 'the coach');
    expectRefused(await acme.otherCoach.patch(`${API}/enrolments/${id}`, { status: 'paused' }), 404, 'not_found', 'a coach of nobody');
    assert.equal((await getEnrolment(acme.admin, id)).status, 'active', 'nothing changed');
    await server.clock.set(utc('2026-12-07', '10:00'));
    assert.equal((await changeEnrolment(acme.boss, id, { status: 'paused' })).status, 'paused', 'the manager\'s manager');
    assert.equal((await changeEnrolment(acme.mgr, id, { status: 'active' })).status, 'active', 'the manager');
    assert.equal((await changeEnrolment(acme.designer, id, { coach_id: acme.otherCoach.user.id })).coach.id, acme.otherCoach.user.id);
    assert.equal((await getEnrolment(acme.otherCoach, id)).id, id, 'the new coach reads it');
    expectRefused(await acme.mgr.patch(`${API}/enrolments/${e['W2:mgr']}`, { status: 'paused' }), 403, 'forbidden', 'a manager changing their own');
  });

  test('a coach who loses the coach role no longer sees what they coached', async () => {
    assert.deepEqual((await listEnrolments(acme.coach)).map((x) => x.id), [e['W1:l2']]);
    await changeUser(acme.admin, acme.coach.user.id, { roles: ['learner'] });
    assert.deepEqual(await listEnrolments(acme.coach), []);
    expectRefused(await acme.coach.get(`${API}/enrolments/${e['W1:l2']}`), 404, 'not_found');
  });
});
