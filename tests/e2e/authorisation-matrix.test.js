// Who may do what, as one table: every users, groups, audit and workflow route, read and write,
// called by an admin, a designer, a manager, a coach, a learner, an admin of another
// organisation and someone not signed in, each answer compared with the status the rules
// promise (admin: everything in the organisation; designer: reads people and groups;
// manager: their reports, transitively, for reading; coach: the learners assigned to them;
// learner: themselves; workflows: admins and designers only; another organisation: 404
// for every id, as if it did not exist).
// A second table says exactly whom each role's list of people shows.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { client, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

const PASSWORD = 'a long enough password';
const ROLES = ['admin', 'designer', 'manager', 'coach', 'learner', 'otherAdmin', 'anonymous'];

// Each row: method, path (":name" is replaced by fixture ids), body, and the expected
// status for each role in ROLES order. Paths marked fresh get a new target per call,
// made by the admin first, so a successful write by one role does not change the next
// role's answer.
const MATRIX = [
  // people
  ['GET', '/api/v1/users', null, [200, 200, 200, 200, 200, 200, 401]],
  ['POST', '/api/v1/users', 'newUser', [201, 403, 403, 403, 403, 201, 401]],
  ['GET', '/api/v1/users/:report', null, [200, 200, 200, 404, 404, 404, 401]],
  ['GET', '/api/v1/users/:deep', null, [200, 200, 200, 404, 404, 404, 401]],
  ['GET', '/api/v1/users/:coachee', null, [200, 200, 404, 200, 404, 404, 401]],
  ['GET', '/api/v1/users/:learner', null, [200, 200, 404, 404, 200, 404, 401]],
  ['GET', '/api/v1/users/:admin', null, [200, 200, 404, 404, 404, 404, 401]],
  ['PATCH', '/api/v1/users/:report', { job_title: 'Changed' }, [200, 403, 403, 403, 403, 404, 401]],
  ['PATCH', '/api/v1/users/:learner', { job_title: 'Self-promoted' }, [200, 403, 403, 403, 403, 404, 401]],
  ['DELETE', '/api/v1/users/:freshUser', null, [200, 403, 403, 403, 403, 404, 401]],
  ['PUT', '/api/v1/users/:coachee/coach', 'coach', [200, 403, 403, 403, 403, 404, 401]],
  // groups
  ['GET', '/api/v1/groups', null, [200, 200, 403, 403, 403, 200, 401]],
  ['POST', '/api/v1/groups', 'newGroup', [201, 403, 403, 403, 403, 201, 401]],
  ['GET', '/api/v1/groups/:group', null, [200, 200, 403, 403, 403, 404, 401]],
  ['PATCH', '/api/v1/groups/:group', { description: 'Changed' }, [200, 403, 403, 403, 403, 404, 401]],
  ['DELETE', '/api/v1/groups/:freshGroup', null, [204, 403, 403, 403, 403, 404, 401]],
  ['GET', '/api/v1/groups/:group/members', null, [200, 200, 403, 403, 403, 404, 401]],
  ['POST', '/api/v1/groups/:group/members', 'members', [200, 403, 403, 403, 403, 404, 401]],
  ['DELETE', '/api/v1/groups/:freshGroup/members/:learner', null, [204, 403, 403, 403, 403, 404, 401]],
  // audit log
  ['GET', '/api/v1/audit', null, [200, 403, 403, 403, 403, 200, 401]],
  // workflow design: admins and designers of the organisation only
  ['GET', '/api/v1/workflows', null, [200, 200, 403, 403, 403, 200, 401]],
  ['POST', '/api/v1/workflows', 'newWorkflow', [201, 201, 403, 403, 403, 201, 401]],
  ['POST', '/api/v1/workflows/import', 'workflowDocument', [201, 201, 403, 403, 403, 201, 401]],
  ['GET', '/api/v1/workflows/:workflow', null, [200, 200, 403, 403, 403, 404, 401]],
  ['PATCH', '/api/v1/workflows/:workflow', { description: 'Changed' }, [200, 200, 403, 403, 403, 404, 401]],
  ['DELETE', '/api/v1/workflows/:freshWorkflow', null, [204, 204, 403, 403, 403, 404, 401]],
  ['POST', '/api/v1/workflows/:freshWorkflow/phases', { name: 'Week 1' }, [201, 201, 403, 403, 403, 404, 401]],
  ['POST', '/api/v1/workflows/:freshWorkflow/duplicate', {}, [201, 201, 403, 403, 403, 404, 401]],
  ['GET', '/api/v1/workflows/:workflow/export', null, [200, 200, 403, 403, 403, 404, 401]],
  ['GET', '/api/v1/workflows/:workflow/versions', null, [200, 200, 403, 403, 403, 404, 401]],
  ['GET', '/api/v1/workflow-templates', null, [200, 200, 403, 403, 403, 200, 401]],
  // Markdown preview: anyone signed in
  ['POST', '/api/v1/markdown/preview', { markdown: '*hi*' }, [200, 200, 200, 200, 200, 200, 401]],
];

describe('authorisation matrix', () => {
  let server;
  const who = {};
  const id = {};
  let counter = 0;

  async function invite(admin, body) {
    const res = await admin.post('/api/v1/users', body);
    assert.equal(res.status, 201, res.text);
    const token = /#token=([0-9a-f]{64})$/.exec(res.body.invitation_url)[1];
    const ok = await client(server).post('/api/v1/auth/accept', { token, password: PASSWORD });
    assert.equal(ok.status, 204, ok.text);
    return res.body.user.id;
  }

  before(async () => {
    server = await startServer();
    await seedTenant(server, { slug: 'acme', name: 'Acme' });
    await seedTenant(server, { slug: 'globex', name: 'Globex' });
    who.admin = await signIn(server, { email: 'admin@acme.example', password: 'correct horse battery', tenant: 'acme' });
    who.otherAdmin = await signIn(server, { email: 'admin@globex.example', password: 'correct horse battery', tenant: 'globex' });
    who.anonymous = client(server);
    const admin = who.admin;
    id.admin = admin.user.id;
    id.designer = await invite(admin, { email: 'designer@acme.example', name: 'Dana Designer', roles: ['designer'] });
    id.manager = await invite(admin, { email: 'manager@acme.example', name: 'Max Manager' });
    id.report = await invite(admin, { email: 'report@acme.example', name: 'Rita Report', manager_id: id.manager });
    id.deep = await invite(admin, { email: 'deep@acme.example', name: 'Dora Deep', manager_id: id.report });
    id.coach = await invite(admin, { email: 'coach@acme.example', name: 'Cole Coach', roles: ['coach'] });
    id.coachee = await invite(admin, { email: 'coachee@acme.example', name: 'Cleo Coachee' });
    id.learner = await invite(admin, { email: 'learner@acme.example', name: 'Lars Learner' });
    const coached = await admin.put(`/api/v1/users/${id.coachee}/coach`, { coach_id: id.coach });
    assert.equal(coached.status, 200, coached.text);
    const group = await admin.post('/api/v1/groups', { name: 'Everyone by hand' });
    assert.equal(group.status, 201, group.text);
    id.group = group.body.id;
    const workflow = await admin.post('/api/v1/workflows', { title: 'Acme feedback' });
    assert.equal(workflow.status, 201, workflow.text);
    id.workflow = workflow.body.id;
    for (const role of ['designer', 'manager', 'coach', 'learner'])
      who[role] = await signIn(server, { email: `${role}@acme.example`, password: PASSWORD, tenant: 'acme' });
  });
  after(async () => {
    await server?.stop();
  });

  // Ids and bodies that each call needs; fresh targets are made by the admin.
  async function resolve(path, body) {
    const n = ++counter;
    const ids = { ...id };
    if (path.includes(':freshUser')) {
      const res = await who.admin.post('/api/v1/users', { email: `fresh${n}@acme.example`, name: `Fresh ${n}` });
      ids.freshUser = res.body.user.id;
    }
    if (path.includes(':freshGroup')) {
      const res = await who.admin.post('/api/v1/groups', { name: `Fresh group ${n}` });
      ids.freshGroup = res.body.id;
      const add = await who.admin.post(`/api/v1/groups/${ids.freshGroup}/members`, { user_ids: [id.learner] });
      assert.equal(add.status, 200, add.text);
    }
    if (path.includes(':freshWorkflow')) {
      const res = await who.admin.post('/api/v1/workflows', { title: `Fresh workflow ${n}` });
      assert.equal(res.status, 201, res.text);
      ids.freshWorkflow = res.body.id;
    }
    const url = path.replace(/:([a-zA-Z]+)/g, (_, k) => {
      assert.ok(ids[k], `fixture ${k}`);
      return String(ids[k]);
    });
    const bodies = {
      newUser: { email: `new${n}@example.com`, name: `New ${n}` },
      newGroup: { name: `New group ${n}` },
      coach: { coach_id: id.coach },
      members: { user_ids: [id.learner] },
      newWorkflow: { title: `New workflow ${n}` },
      workflowDocument: { format: 'waymark-workflow', format_version: 1, title: `Imported ${n}`,
        phases: [{ name: 'Week 1', steps: [{ title: 'Notice one moment' }] }] },
    };
    return { url, body: typeof body === 'string' ? bodies[body] : body ?? undefined };
  }

  test('every role gets exactly the status the rules promise on every route', async () => {
    const wrong = [];
    for (const [method, path, body, expected] of MATRIX) {
      for (let r = 0; r < ROLES.length; r++) {
        const { url, body: payload } = await resolve(path, body);
        const res = await who[ROLES[r]].request(method, url, payload);
        if (res.status !== expected[r])
          wrong.push(`${ROLES[r]} ${method} ${path}: ${res.status}, expected ${expected[r]} ${res.text.slice(0, 120)}`);
        else if (res.status >= 400)
          assert.equal(typeof res.body?.error?.code, 'string', `${ROLES[r]} ${method} ${path} error shape`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('writes made with a session cookie but without the CSRF token are refused', async () => {
    const bare = client(server, { Cookie: who.admin.cookie });
    for (const [method, path, body] of MATRIX.filter(([m]) => m !== 'GET')) {
      const { url, body: payload } = await resolve(path, body);
      const res = await bare.request(method, url, payload);
      assert.equal(res.status, 403, `${method} ${path} without X-CSRF-Token: ${res.text}`);
      assert.equal(res.body.error.code, 'csrf_failed');
    }
  });

  test('each role lists exactly the people it may see', async () => {
    // Columns: admin designer manager report deep coach coachee learner.
    const people = ['admin', 'designer', 'manager', 'report', 'deep', 'coach', 'coachee', 'learner'];
    const sees = {
      designer: '11111111',
      manager: '00111000',
      coach: '00000110',
      learner: '00000001',
    };
    for (const [role, row] of Object.entries(sees)) {
      const res = await who[role].get('/api/v1/users?limit=500');
      assert.equal(res.status, 200, res.text);
      const listed = new Set(res.body.items.map((u) => u.id));
      for (let i = 0; i < people.length; i++)
        assert.equal(listed.has(id[people[i]]), row[i] === '1', `${role} listing ${people[i]}`);
    }
    const other = await who.otherAdmin.get('/api/v1/users?limit=500');
    assert.ok(other.body.items.every((u) => u.email.endsWith('@globex.example') || u.email.endsWith('@example.com')),
      'another organisation lists only its own people');
  });
});
