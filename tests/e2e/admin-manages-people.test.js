// An admin builds the organisation's people: adds colleagues with their reporting lines
// (each gets an invitation link), finds them again with filters and paging, corrects
// them, is stopped from making a reporting cycle, assigns a coach, and deactivates
// someone — whose session and API token stop working on their very next request — then
// brings them back. Names full of HTML and SQL are stored and returned exactly as typed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { client, expectApiError, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

const PASSWORD = 'a long enough password';

describe('admin manages people', () => {
  let server;
  let admin;
  const id = {};

  // Adds a person through the API and has them accept their invitation.
  async function invite(body, password = PASSWORD) {
    const res = await admin.post('/api/v1/users', body);
    assert.equal(res.status, 201, res.text);
    const m = /^\/welcome#token=([0-9a-f]{64})$/.exec(res.body.invitation_url);
    assert.ok(m, `an invitation link: ${res.body.invitation_url}`);
    const ok = await client(server).post('/api/v1/auth/accept', { token: m[1], password });
    assert.equal(ok.status, 204, ok.text);
    return res.body.user;
  }

  const as = (email) => signIn(server, { email, password: PASSWORD, tenant: 'acme' });

  async function listAll(who, query = '') {
    const sep = query ? '&' : '';
    const res = await who.get(`/api/v1/users?${query}${sep}limit=500`);
    assert.equal(res.status, 200, res.text);
    return res.body.items;
  }

  before(async () => {
    server = await startServer();
    await seedTenant(server, { slug: 'acme', name: 'Acme' });
    admin = await signIn(server, { email: 'admin@acme.example', password: 'correct horse battery', tenant: 'acme' });
    id.admin = admin.user.id;
  });
  after(async () => {
    await server?.stop();
  });

  test('an admin adds people with reporting lines; everyone is a learner', async () => {
    const maria = await invite({ email: 'Maria@Acme.Example', name: 'Maria Manager', department: 'Sales', job_title: 'Sales Manager', roles: [] });
    assert.deepEqual(maria.roles, ['learner']);
    assert.equal(maria.email, 'Maria@Acme.Example');
    assert.equal(maria.active, true);
    assert.equal(maria.manager_id, null);
    assert.equal(maria.external_id, null);
    assert.equal('password_hash' in maria, false);
    id.maria = maria.id;
    id.raj = (await invite({ email: 'raj@acme.example', name: 'Raj Report', manager_id: maria.id, department: 'Sales', external_id: 'E-100' })).id;
    id.dee = (await invite({ email: 'dee@acme.example', name: 'Dee Deeper', manager_id: id.raj, department: 'sales' })).id;
    id.lou = (await invite({ email: 'lou@acme.example', name: 'Lou Learner', department: 'Operations' })).id;
    id.cora = (await invite({ email: 'cora@acme.example', name: 'Cora Coach', roles: ['coach'] })).id;

    const got = await admin.get(`/api/v1/users/${id.maria}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.body.is_manager, true);
    assert.equal(got.body.direct_report_count, 1);
    assert.equal(got.body.coach_id, null);
    const raj = await admin.get(`/api/v1/users/${id.raj}`);
    assert.equal(raj.body.manager_id, id.maria);
    assert.equal(raj.body.external_id, 'E-100');
  });

  test('a taken email (in any letter case) or external id is 409 naming the field, and writes nothing', async () => {
    const before = (await listAll(admin)).length;
    let err = expectApiError(await admin.post('/api/v1/users', { email: 'MARIA@acme.example', name: 'Another Maria' }), 409, 'conflict');
    assert.deepEqual(err.details.map((d) => d.field), ['email']);
    err = expectApiError(await admin.post('/api/v1/users', { email: 'new@acme.example', name: 'New', external_id: 'E-100' }), 409, 'conflict');
    assert.deepEqual(err.details.map((d) => d.field), ['external_id']);
    err = expectApiError(await admin.patch(`/api/v1/users/${id.lou}`, { email: 'raj@ACME.example' }), 409, 'conflict');
    assert.equal(err.details[0].field, 'email');
    assert.equal((await listAll(admin)).length, before);
  });

  test('bad input is 422 with every bad field named', async () => {
    let err = expectApiError(await admin.post('/api/v1/users', { email: 'not-an-email', name: '', roles: ['boss'], manager_id: 999999, salary: 1 }), 422, 'validation_failed');
    assert.deepEqual(err.details.map((d) => d.field).sort(), ['email', 'name', 'roles', 'salary']);
    err = expectApiError(await admin.post('/api/v1/users', { email: 'x@acme.example', name: 'X', manager_id: 999999 }), 422, 'validation_failed');
    assert.deepEqual(err.details.map((d) => d.field), ['manager_id']);
    err = expectApiError(await admin.post('/api/v1/users', { email: 'x@acme.example', name: 'X', department: 'a'.repeat(201) }), 422, 'validation_failed');
    assert.equal(err.details[0].field, 'department');
    err = expectApiError(await admin.patch(`/api/v1/users/${id.lou}`, { name: null, active: 'yes' }), 422, 'validation_failed');
    assert.deepEqual(err.details.map((d) => d.field).sort(), ['active', 'name']);
    expectApiError(await admin.post('/api/v1/users', [1, 2]), 422, 'validation_failed');
    expectApiError(await admin.get('/api/v1/users/not-a-number'), 404, 'not_found');
    expectApiError(await admin.get('/api/v1/users/99999999'), 404, 'not_found');
  });

  test('names with HTML and SQL are stored and returned exactly as typed', async () => {
    const name = `<script>alert("x")</script> O'Brien"; DROP TABLE users; --`;
    const res = await admin.post('/api/v1/users', { email: 'obrien@acme.example', name, department: '<b>R&D</b>', job_title: "' OR 1=1 --" });
    assert.equal(res.status, 201, res.text);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const got = await admin.get(`/api/v1/users/${res.body.user.id}`);
    assert.equal(got.body.name, name);
    assert.equal(got.body.department, '<b>R&D</b>');
    assert.equal(got.body.job_title, "' OR 1=1 --");
    const found = await listAll(admin, `q=${encodeURIComponent("o'brien\"; drop")}`);
    assert.deepEqual(found.map((u) => u.id), [res.body.user.id]);
    // % and _ in a search are literal, not wildcards.
    assert.equal((await listAll(admin, 'q=%25')).length, 0);
    assert.equal((await listAll(admin, 'q=_')).length, 0);
    id.obrien = res.body.user.id;
  });

  test('lists filter, order by name and page with a cursor', async () => {
    const all = await listAll(admin);
    const names = all.map((u) => u.name);
    assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    assert.deepEqual((await listAll(admin, 'q=RAJ')).map((u) => u.id), [id.raj]);
    assert.deepEqual((await listAll(admin, 'q=acme.example')).length, all.length);
    assert.deepEqual((await listAll(admin, 'department=SALES')).map((u) => u.id).sort(), [id.maria, id.raj, id.dee].sort());
    assert.deepEqual((await listAll(admin, `manager_id=${id.maria}`)).map((u) => u.id), [id.raj]);
    assert.deepEqual((await listAll(admin, 'role=coach')).map((u) => u.id), [id.cora]);
    assert.equal((await listAll(admin, 'active=false')).length, 0);

    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const res = await admin.get(`/api/v1/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.items.length <= 2);
      seen.push(...res.body.items.map((u) => u.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, all.map((u) => u.id));
    assert.equal(pages, Math.ceil(all.length / 2));

    for (const bad of ['limit=0', 'limit=501', 'limit=ten', 'active=maybe', 'manager_id=-1', 'role=boss', 'cursor=abc'])
      expectApiError(await admin.get(`/api/v1/users?${bad}`), 400, 'bad_request', bad);
  });

  test('a reporting cycle is refused with 422 on manager_id and nothing changes', async () => {
    for (const manager of [id.dee, id.raj, id.maria]) {
      const err = expectApiError(await admin.patch(`/api/v1/users/${id.maria}`, { manager_id: manager }), 422, 'validation_failed');
      assert.equal(err.details[0].field, 'manager_id');
    }
    const maria = await admin.get(`/api/v1/users/${id.maria}`);
    assert.equal(maria.body.manager_id, null);
    // A legitimate move works, and so does clearing it again.
    const moved = await admin.patch(`/api/v1/users/${id.dee}`, { manager_id: id.maria });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.manager_id, id.maria);
    const back = await admin.patch(`/api/v1/users/${id.dee}`, { manager_id: id.raj });
    assert.equal(back.body.manager_id, id.raj);
  });

  test('managers read their subtree, coaches their learners, learners themselves', async () => {
    const maria = await as('maria@acme.example');
    assert.deepEqual((await listAll(maria)).map((u) => u.id).sort(), [id.maria, id.raj, id.dee].sort());
    assert.equal((await maria.get(`/api/v1/users/${id.dee}`)).status, 200);
    expectApiError(await maria.get(`/api/v1/users/${id.lou}`), 404, 'not_found');
    expectApiError(await maria.patch(`/api/v1/users/${id.dee}`, { job_title: 'Promoted' }), 403, 'forbidden');

    const cora = await as('cora@acme.example');
    expectApiError(await cora.get(`/api/v1/users/${id.lou}`), 404, 'not_found');
    let err = expectApiError(await admin.put(`/api/v1/users/${id.lou}/coach`, { coach_id: id.raj }), 422, 'validation_failed');
    assert.equal(err.details[0].field, 'coach_id');
    const set = await admin.put(`/api/v1/users/${id.lou}/coach`, { coach_id: id.cora });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body, { user_id: id.lou, coach_id: id.cora });
    assert.equal((await cora.get(`/api/v1/users/${id.lou}`)).status, 200);
    assert.deepEqual((await listAll(cora)).map((u) => u.id).sort(), [id.cora, id.lou].sort());
    assert.equal((await admin.get(`/api/v1/users/${id.lou}`)).body.coach_id, id.cora);

    const lou = await as('lou@acme.example');
    assert.deepEqual((await listAll(lou)).map((u) => u.id), [id.lou]);
    expectApiError(await lou.get(`/api/v1/users/${id.maria}`), 404, 'not_found');
  });

  test('deactivating someone ends their session and API token on the next request, and keeps history', async () => {
    const raj = await as('raj@acme.example');
    const tok = await raj.post('/api/v1/me/tokens', { name: 'integration' });
    assert.equal(tok.status, 201, tok.text);
    const integration = client(server, { Authorization: `Bearer ${tok.body.token}` });
    assert.equal((await raj.get('/api/v1/me')).status, 200);
    assert.equal((await integration.get('/api/v1/me')).status, 200);

    const res = await admin.delete(`/api/v1/users/${id.raj}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.active, false);

    expectApiError(await raj.get('/api/v1/me'), 401, 'unauthorized', 'session after deactivation');
    expectApiError(await raj.get('/api/v1/users'), 401, 'unauthorized');
    expectApiError(await integration.get('/api/v1/me'), 401, 'unauthorized', 'token after deactivation');
    const login = await client(server).post('/api/v1/auth/login', { email: 'raj@acme.example', password: PASSWORD, tenant: 'acme' });
    assert.equal(login.status, 401);

    // The row and the reporting lines stay; Maria no longer counts as a manager.
    const dee = await admin.get(`/api/v1/users/${id.dee}`);
    assert.equal(dee.body.manager_id, id.raj);
    const maria = await admin.get(`/api/v1/users/${id.maria}`);
    assert.equal(maria.body.is_manager, false);
    assert.deepEqual((await listAll(admin, 'active=false')).map((u) => u.id), [id.raj]);
    // Nobody can be put under an inactive manager.
    const err = expectApiError(await admin.patch(`/api/v1/users/${id.lou}`, { manager_id: id.raj }), 422, 'validation_failed');
    assert.equal(err.details[0].field, 'manager_id');
    // Deleting again changes nothing.
    assert.equal((await admin.delete(`/api/v1/users/${id.raj}`)).status, 200);

    // Reactivated, Raj signs in with the same password; the old token stays revoked.
    const back = await admin.patch(`/api/v1/users/${id.raj}`, { active: true });
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.active, true);
    const again = await as('raj@acme.example');
    assert.equal((await again.get('/api/v1/me')).status, 200);
    expectApiError(await integration.get('/api/v1/me'), 401, 'unauthorized');
  });

  test('an admin cannot lock themselves out', async () => {
    expectApiError(await admin.delete(`/api/v1/users/${id.admin}`), 409, 'conflict');
    const err = expectApiError(await admin.patch(`/api/v1/users/${id.admin}`, { roles: ['designer'] }), 422, 'validation_failed');
    assert.equal(err.details[0].field, 'roles');
    assert.equal((await admin.get('/api/v1/me')).status, 200);
  });
});
