// Two organisations share one server. Globex's admin, who may do everything inside Globex,
// tries every users, groups, audit and workflow route with Acme's ids — reading, changing, deleting,
// adding members, naming Acme people as managers, coaches, group members or in a rule —
// and gets exactly what an id that does not exist gets: 404 (or 422 where the id is a
// value in the body). Acme's rows are unchanged afterwards, and no list or audit entry of
// Globex ever shows an Acme row.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectApiError, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

describe('tenants never see each other', () => {
  let server;
  let acme;
  let globex;
  const id = {};

  before(async () => {
    server = await startServer();
    await seedTenant(server, { slug: 'acme', name: 'Acme' });
    await seedTenant(server, { slug: 'globex', name: 'Globex' });
    acme = await signIn(server, { email: 'admin@acme.example', password: 'correct horse battery', tenant: 'acme' });
    globex = await signIn(server, { email: 'admin@globex.example', password: 'correct horse battery', tenant: 'globex' });
    const mk = async (body) => {
      const res = await acme.post('/api/v1/users', body);
      assert.equal(res.status, 201, res.text);
      return res.body.user.id;
    };
    id.boss = await mk({ email: 'boss@acme.example', name: 'Acme Boss', department: 'Sales' });
    id.worker = await mk({ email: 'worker@acme.example', name: 'Acme Worker', department: 'Sales', manager_id: id.boss });
    id.coach = await mk({ email: 'coach@acme.example', name: 'Acme Coach', roles: ['coach'] });
    let res = await acme.post('/api/v1/groups', { name: 'Acme cohort' });
    id.group = res.body.id;
    res = await acme.post(`/api/v1/groups/${id.group}/members`, { user_ids: [id.worker] });
    assert.equal(res.status, 200, res.text);
    res = await acme.post('/api/v1/groups', { name: 'Acme sales', rule: { all: [{ field: 'department', op: 'equals', value: 'Sales' }] } });
    assert.equal(res.status, 201, res.text);
    id.ruleGroup = res.body.id;
    // Globex has its own people with overlapping names and emails.
    res = await globex.post('/api/v1/users', { email: 'boss@acme.example', name: 'Globex Boss', department: 'Sales' });
    assert.equal(res.status, 201, res.text);
    id.globexBoss = res.body.user.id;
    res = await globex.post('/api/v1/groups', { name: 'Acme cohort' });
    assert.equal(res.status, 201, 'the same group name is free in another organisation');
    id.globexGroup = res.body.id;
  });
  after(async () => {
    await server?.stop();
  });

  test('every route answers 404 for another organisation\'s ids, exactly as for missing ids', async () => {
    const missing = 987654321;
    const routes = [
      ['GET', '/api/v1/users/:user'],
      ['PATCH', '/api/v1/users/:user', { name: 'Taken over' }],
      ['PATCH', '/api/v1/users/:user', { active: false }],
      ['DELETE', '/api/v1/users/:user'],
      ['PUT', '/api/v1/users/:user/coach', { coach_id: null }],
      ['GET', '/api/v1/groups/:group'],
      ['PATCH', '/api/v1/groups/:group', { name: 'Taken over' }],
      ['DELETE', '/api/v1/groups/:group'],
      ['GET', '/api/v1/groups/:group/members'],
      ['POST', '/api/v1/groups/:group/members', { user_ids: [id.globexBoss] }],
      ['DELETE', '/api/v1/groups/:group/members/:user'],
      ['DELETE', '/api/v1/groups/:ruleGroup/members/:user'],
      ['DELETE', '/api/v1/groups/:globexGroup/members/:user'],
    ];
    for (const [method, path, body] of routes) {
      const theirs = path.replace(':user', id.worker).replace(':group', id.group)
        .replace(':ruleGroup', id.ruleGroup).replace(':globexGroup', id.globexGroup);
      const none = path.replace(':user', missing).replace(':group', missing)
        .replace(':ruleGroup', missing).replace(':globexGroup', id.globexGroup);
      const a = expectApiError(await globex.request(method, theirs, body), 404, 'not_found', `${method} ${theirs}`);
      const b = expectApiError(await globex.request(method, none, body), 404, 'not_found', `${method} ${none}`);
      assert.deepEqual(a, b, `${method} ${path}: another organisation's id answers like a missing one`);
    }
  });

  test('naming another organisation\'s people in a body is refused like naming nobody', async () => {
    const cases = [
      ['POST', '/api/v1/users', { email: 'new@globex.example', name: 'New', manager_id: id.boss }, 'manager_id'],
      ['PATCH', `/api/v1/users/${id.globexBoss}`, { manager_id: id.boss }, 'manager_id'],
      ['PUT', `/api/v1/users/${id.globexBoss}/coach`, { coach_id: id.coach }, 'coach_id'],
      ['POST', `/api/v1/groups/${id.globexGroup}/members`, { user_ids: [id.worker] }, 'user_ids[0]'],
      ['POST', '/api/v1/groups', { name: 'Under Acme', rule: { any: [{ field: 'manager_id', op: 'under', value: id.boss }] } }, 'rule.any[0].value'],
    ];
    for (const [method, path, body, field] of cases) {
      const err = expectApiError(await globex.request(method, path, body), 422, 'validation_failed', `${method} ${path}`);
      assert.deepEqual(err.details.map((d) => d.field), [field], `${method} ${path}`);
    }
  });

  test('lists, filters and the audit log of one organisation show none of the other', async () => {
    const users = await globex.get('/api/v1/users?limit=500');
    assert.deepEqual(users.body.items.map((u) => u.name).sort(), ['Ada Admin', 'Globex Boss']);
    for (const q of [`manager_id=${id.boss}`, 'q=acme%20worker', 'department=Sales&active=true', 'role=coach']) {
      const res = await globex.get(`/api/v1/users?${q}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.items.every((u) => u.name.startsWith('Globex')), `${q}: ${res.text}`);
    }
    // A cursor is an id too: Acme's is not a cursor of Globex's list.
    expectApiError(await globex.get(`/api/v1/users?cursor=${id.worker}`), 400, 'bad_request');
    expectApiError(await globex.get(`/api/v1/groups?cursor=${id.group}`), 400, 'bad_request');

    const groups = await globex.get('/api/v1/groups');
    assert.deepEqual(groups.body.items.map((g) => g.id), [id.globexGroup]);
    const members = await globex.get(`/api/v1/groups/${id.globexGroup}/members`);
    assert.deepEqual(members.body.items, []);

    const audit = await globex.get('/api/v1/audit?limit=500');
    assert.equal(audit.status, 200, audit.text);
    assert.ok(audit.body.items.length > 0);
    for (const e of audit.body.items) {
      assert.notEqual(e.target_id, id.worker);
      assert.ok(!JSON.stringify(e).includes('Acme Worker'), JSON.stringify(e));
    }
    for (const q of [`target_id=${id.worker}`, `target_id=${id.group}&target_type=group`, `actor_id=${acme.user.id}`]) {
      const res = await globex.get(`/api/v1/audit?${q}`);
      assert.deepEqual(res.body.items, [], q);
    }
  });

  test('workflow routes answer 404 for another organisation\'s workflows, phases, steps and versions', async () => {
    let res = await acme.post('/api/v1/workflows', { title: 'Acme feedback', outcome: 'Gives feedback' });
    assert.equal(res.status, 201, res.text);
    const wf = res.body.id;
    res = await acme.post(`/api/v1/workflows/${wf}/phases`, { name: 'Week 1' });
    const phase = res.body.id;
    res = await acme.post(`/api/v1/workflows/${wf}/steps`, { phase_id: phase, title: 'Notice' });
    assert.equal(res.status, 201, res.text);
    const step = res.body.id;
    assert.equal((await acme.post(`/api/v1/workflows/${wf}/publish`)).status, 201);
    const before = (await acme.get(`/api/v1/workflows/${wf}`)).body;
    const v1 = (await acme.get(`/api/v1/workflows/${wf}/versions/1`)).body;

    const missing = 987654321;
    const routes = [
      ['GET', '/api/v1/workflows/:wf'],
      ['PATCH', '/api/v1/workflows/:wf', { title: 'Taken over' }],
      ['DELETE', '/api/v1/workflows/:wf'],
      ['POST', '/api/v1/workflows/:wf/archive'],
      ['POST', '/api/v1/workflows/:wf/restore'],
      ['POST', '/api/v1/workflows/:wf/duplicate', {}],
      ['GET', '/api/v1/workflows/:wf/export'],
      ['GET', '/api/v1/workflows/:wf/diff'],
      ['POST', '/api/v1/workflows/:wf/publish'],
      ['POST', '/api/v1/workflows/:wf/phases', { name: 'Extra' }],
      ['PATCH', '/api/v1/workflows/:wf/phases/:phase', { name: 'Taken over' }],
      ['DELETE', '/api/v1/workflows/:wf/phases/:phase'],
      ['POST', '/api/v1/workflows/:wf/steps', { phase: 1, title: 'Extra' }],
      ['PATCH', '/api/v1/workflows/:wf/steps/:step', { title: 'Taken over' }],
      ['DELETE', '/api/v1/workflows/:wf/steps/:step'],
      ['GET', '/api/v1/workflows/:wf/versions'],
      ['GET', '/api/v1/workflows/:wf/versions/1'],
      ['PATCH', '/api/v1/workflows/:wf/versions/1', {}],
      ['PUT', '/api/v1/workflows/:wf/versions/1', {}],
      ['DELETE', '/api/v1/workflows/:wf/versions/1'],
    ];
    for (const [method, path, body] of routes) {
      const theirs = path.replace(':wf', wf).replace(':phase', phase).replace(':step', step);
      const none = path.replace(':wf', missing).replace(':phase', missing).replace(':step', missing);
      const a = expectApiError(await globex.request(method, theirs, body), 404, 'not_found', `${method} ${theirs}`);
      const b = expectApiError(await globex.request(method, none, body), 404, 'not_found', `${method} ${none}`);
      assert.deepEqual(a, b, `${method} ${path}: another organisation's id answers like a missing one`);
    }
    const list = await globex.get('/api/v1/workflows?limit=500');
    assert.deepEqual(list.body.items, []);
    assert.deepEqual((await acme.get(`/api/v1/workflows/${wf}`)).body, before, 'Acme\'s workflow is untouched');
    assert.deepEqual((await acme.get(`/api/v1/workflows/${wf}/versions/1`)).body, v1);
  });

  test('Acme\'s people and groups are untouched', async () => {
    const worker = await acme.get(`/api/v1/users/${id.worker}`);
    assert.equal(worker.body.name, 'Acme Worker');
    assert.equal(worker.body.active, true);
    assert.equal(worker.body.manager_id, id.boss);
    const group = await acme.get(`/api/v1/groups/${id.group}`);
    assert.equal(group.body.name, 'Acme cohort');
    assert.equal(group.body.member_count, 1);
    const rule = await acme.get(`/api/v1/groups/${id.ruleGroup}`);
    assert.equal(rule.body.member_count, 2, 'the rule counts Acme\'s sales people only');
    const members = await acme.get(`/api/v1/groups/${id.ruleGroup}/members`);
    assert.deepEqual(members.body.items.map((u) => u.id).sort(), [id.boss, id.worker].sort());
  });
});
