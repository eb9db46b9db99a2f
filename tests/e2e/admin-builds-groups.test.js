// An admin builds groups: a cohort picked by hand, and teams by rule ("department is
// Sales", "Sales and job title contains Manager", "everyone under Maria"). When people
// change department, are deactivated, arrive, or move in the reporting lines, the rule
// groups follow at once; the hand-made cohort keeps whom the admin put in it. Mistakes in
// a rule come back naming the exact part; a designer may read groups but not change them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { client, expectApiError, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

const PASSWORD = 'a long enough password';

describe('admin builds groups', () => {
  let server;
  let admin;
  const id = {};

  async function person(body) {
    const res = await admin.post('/api/v1/users', body);
    assert.equal(res.status, 201, res.text);
    return res.body.user.id;
  }

  async function memberIds(group) {
    const ids = [];
    let cursor = null;
    do {
      const res = await admin.get(`/api/v1/groups/${group}/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, res.text);
      ids.push(...res.body.items.map((u) => u.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    return ids.sort((a, b) => a - b);
  }

  const sorted = (...ids) => ids.sort((a, b) => a - b);

  before(async () => {
    server = await startServer();
    await seedTenant(server, { slug: 'acme', name: 'Acme' });
    admin = await signIn(server, { email: 'admin@acme.example', password: 'correct horse battery', tenant: 'acme' });
    id.maria = await person({ email: 'maria@acme.example', name: 'Maria', department: 'Sales', job_title: 'Head of Sales' });
    id.sam = await person({ email: 'sam@acme.example', name: 'Sam', department: 'Sales', job_title: 'Sales Manager', manager_id: id.maria });
    id.rae = await person({ email: 'rae@acme.example', name: 'Rae', department: 'sales', job_title: 'Account Executive', manager_id: id.sam });
    id.omar = await person({ email: 'omar@acme.example', name: 'Omar', department: 'Operations', job_title: 'Operations manager' });
    id.cleo = await person({ email: 'cleo@acme.example', name: 'Cleo', department: 'L&D', job_title: 'Coach', roles: ['coach'] });
  });
  after(async () => {
    await server?.stop();
  });

  test('rule groups are filled at once by department, title, role and manager', async () => {
    let res = await admin.post('/api/v1/groups', { name: 'Sales', description: 'Everyone in sales', rule: { all: [{ field: 'department', op: 'equals', value: 'SALES' }] } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body.rule, { all: [{ field: 'department', op: 'equals', value: 'SALES' }] });
    assert.equal(res.body.member_count, 3);
    id.sales = res.body.id;
    res = await admin.post('/api/v1/groups', { name: 'Sales managers', rule: { all: [{ field: 'department', op: 'equals', value: 'Sales' }, { field: 'job_title', op: 'contains', value: 'manager' }] } });
    id.salesManagers = res.body.id;
    res = await admin.post('/api/v1/groups', { name: 'Managers or coaches', rule: { any: [{ field: 'job_title', op: 'contains', value: 'Manager' }, { field: 'role', op: 'has', value: 'coach' }] } });
    id.any = res.body.id;
    res = await admin.post('/api/v1/groups', { name: "Maria's organisation", rule: { all: [{ field: 'manager_id', op: 'under', value: id.maria }] } });
    id.under = res.body.id;
    res = await admin.post('/api/v1/groups', { name: "Maria's team", rule: { all: [{ field: 'manager_id', op: 'equals', value: id.maria }] } });
    id.direct = res.body.id;

    assert.deepEqual(await memberIds(id.sales), sorted(id.maria, id.sam, id.rae));
    assert.deepEqual(await memberIds(id.salesManagers), [id.sam]);
    assert.deepEqual(await memberIds(id.any), sorted(id.sam, id.omar, id.cleo));
    assert.deepEqual(await memberIds(id.under), sorted(id.sam, id.rae));
    assert.deepEqual(await memberIds(id.direct), [id.sam]);
  });

  test('rule groups follow people when they change, leave, arrive or move', async () => {
    // Rae moves to Operations: out of Sales.
    let res = await admin.patch(`/api/v1/users/${id.rae}`, { department: 'Operations' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await memberIds(id.sales), sorted(id.maria, id.sam));
    // Omar becomes a sales manager: into both sales groups.
    res = await admin.patch(`/api/v1/users/${id.omar}`, { department: 'Sales', job_title: 'Regional Sales Manager' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await memberIds(id.salesManagers), sorted(id.sam, id.omar));
    // Sam is deactivated: out of every rule group; back when reactivated.
    res = await admin.delete(`/api/v1/users/${id.sam}`);
    assert.equal(res.status, 200, res.text);
    for (const g of [id.sales, id.salesManagers, id.any, id.under, id.direct])
      assert.ok(!(await memberIds(g)).includes(id.sam), `group ${g} after deactivation`);
    res = await admin.patch(`/api/v1/users/${id.sam}`, { active: true });
    assert.equal(res.status, 200, res.text);
    assert.ok((await memberIds(id.salesManagers)).includes(id.sam));
    // Someone new in sales joins at once.
    const newcomer = await person({ email: 'nia@acme.example', name: 'Nia', department: 'Sales', manager_id: id.rae });
    assert.ok((await memberIds(id.sales)).includes(newcomer));
    assert.deepEqual(await memberIds(id.under), sorted(id.sam, id.rae, newcomer));
    // Rae (with Nia below her) moves under Omar: both leave Maria's organisation.
    res = await admin.patch(`/api/v1/users/${id.rae}`, { manager_id: id.omar });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await memberIds(id.under), [id.sam]);
    const group = await admin.get(`/api/v1/groups/${id.under}`);
    assert.equal(group.body.member_count, 1);
  });

  test('a cohort by hand keeps whom the admin puts in it', async () => {
    let res = await admin.post('/api/v1/groups', { name: 'Cohort <1> & "friends"' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.name, 'Cohort <1> & "friends"');
    assert.equal(res.body.rule, null);
    id.cohort = res.body.id;
    res = await admin.post(`/api/v1/groups/${id.cohort}/members`, { user_ids: [id.rae, id.omar, id.rae] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { added: 2, skipped: 1 });
    res = await admin.post(`/api/v1/groups/${id.cohort}/members`, { user_ids: [id.rae, id.cleo] });
    assert.deepEqual(res.body, { added: 1, skipped: 1 });
    // Changing department does not move anyone out of a hand-made group.
    await admin.patch(`/api/v1/users/${id.omar}`, { department: 'Finance' });
    assert.deepEqual(await memberIds(id.cohort), sorted(id.rae, id.omar, id.cleo));
    res = await admin.delete(`/api/v1/groups/${id.cohort}/members/${id.omar}`);
    assert.equal(res.status, 204);
    expectApiError(await admin.delete(`/api/v1/groups/${id.cohort}/members/${id.omar}`), 404, 'not_found');
    assert.deepEqual(await memberIds(id.cohort), sorted(id.rae, id.cleo));
    // Unknown, inactive and nonsense ids are named, and nothing is added.
    await admin.delete(`/api/v1/users/${id.maria}`);
    const err = expectApiError(await admin.post(`/api/v1/groups/${id.cohort}/members`, { user_ids: [id.omar, 99999, id.maria] }), 422, 'validation_failed');
    assert.deepEqual(err.details.map((d) => d.field), ['user_ids[1]', 'user_ids[2]']);
    assert.deepEqual(await memberIds(id.cohort), sorted(id.rae, id.cleo));
    await admin.patch(`/api/v1/users/${id.maria}`, { active: true });
  });

  test('members of a rule group cannot be changed by hand', async () => {
    expectApiError(await admin.post(`/api/v1/groups/${id.sales}/members`, { user_ids: [id.cleo] }), 409, 'conflict');
    expectApiError(await admin.delete(`/api/v1/groups/${id.sales}/members/${id.maria}`), 409, 'conflict');
  });

  test('switching a group between rule and hand', async () => {
    // A rule replaces the hand-picked members…
    let res = await admin.patch(`/api/v1/groups/${id.cohort}`, { rule: { all: [{ field: 'role', op: 'has', value: 'coach' }] } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await memberIds(id.cohort), [id.cleo]);
    // …and dropping the rule keeps the members it had.
    res = await admin.patch(`/api/v1/groups/${id.cohort}`, { rule: null, description: 'Coaches, now by hand' });
    assert.equal(res.body.rule, null);
    assert.equal(res.body.description, 'Coaches, now by hand');
    assert.deepEqual(await memberIds(id.cohort), [id.cleo]);
  });

  test('mistakes in a rule name the exact part; names are unique whatever their case', async () => {
    const cases = [
      [{ name: 'X', rule: { all: [] } }, ['rule.all']],
      [{ name: 'X', rule: { every: [] } }, ['rule']],
      [{ name: 'X', rule: { any: [{ field: 'salary', op: 'equals', value: '1' }] } }, ['rule.any[0].field']],
      [{ name: 'X', rule: { all: [{ field: 'department', op: 'equals', value: 'A' }, { field: 'role', op: 'has', value: 'boss' }, { field: 'manager_id', op: 'contains', value: 1 }] } }, ['rule.all[1].value', 'rule.all[2].op']],
      [{ name: 'X', rule: { all: [{ field: 'manager_id', op: 'under', value: 999999 }] } }, ['rule.all[0].value']],
      [{ name: '', colour: 'red' }, ['colour', 'name']],
    ];
    for (const [body, fields] of cases) {
      const err = expectApiError(await admin.post('/api/v1/groups', body), 422, 'validation_failed', JSON.stringify(body));
      assert.deepEqual(err.details.map((d) => d.field).sort(), fields.sort(), JSON.stringify(body));
    }
    let err = expectApiError(await admin.post('/api/v1/groups', { name: 'SALES' }), 409, 'conflict');
    assert.equal(err.details[0].field, 'name');
    err = expectApiError(await admin.patch(`/api/v1/groups/${id.cohort}`, { name: 'sales managers' }), 409, 'conflict');
    assert.equal(err.details[0].field, 'name');
    const list = await admin.get('/api/v1/groups?q=SALES');
    assert.deepEqual(list.body.items.map((g) => g.name), ['Sales', 'Sales managers']);
  });

  test('a designer reads groups but cannot change them; a learner cannot read them', async () => {
    const invited = async (email, roles) => {
      const res = await admin.post('/api/v1/users', { email, name: email.split('@')[0], roles });
      const token = /#token=([0-9a-f]{64})$/.exec(res.body.invitation_url)[1];
      assert.equal((await client(server).post('/api/v1/auth/accept', { token, password: PASSWORD })).status, 204);
      return signIn(server, { email, password: PASSWORD, tenant: 'acme' });
    };
    const dana = await invited('dana@acme.example', ['designer']);
    const lee = await invited('lee@acme.example', []);
    expectApiError(await lee.get('/api/v1/groups'), 403, 'forbidden');
    expectApiError(await lee.get(`/api/v1/groups/${id.sales}/members`), 403, 'forbidden');
    assert.equal((await dana.get('/api/v1/groups')).status, 200);
    assert.equal((await dana.get(`/api/v1/groups/${id.sales}/members`)).status, 200);
    expectApiError(await dana.patch(`/api/v1/groups/${id.sales}`, { name: 'Mine' }), 403, 'forbidden');
    expectApiError(await dana.delete(`/api/v1/groups/${id.sales}`), 403, 'forbidden');

    // Deleting a group keeps its people.
    const del = await admin.delete(`/api/v1/groups/${id.sales}`);
    assert.equal(del.status, 204);
    expectApiError(await admin.get(`/api/v1/groups/${id.sales}`), 404, 'not_found');
    assert.equal((await admin.get(`/api/v1/users/${id.sam}`)).status, 200);
  });
});
