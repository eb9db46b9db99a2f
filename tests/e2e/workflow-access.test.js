// Who may design workflows: designers and admins of the organisation, nobody else. A
// learner, a manager (someone with reports), a coach and an assessor get 403 on every
// workflow route, and may still preview Markdown. Another organisation's designer gets
// 404 for this organisation's workflow, phases, steps and versions — exactly the answer
// for an id that does not exist — and changes nothing. A designer's API token works
// without a CSRF token; a session cookie without X-CSRF-Token cannot change anything;
// nobody signed in gets 401.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { bearer, client, expectApiError } from './lib/people.js';
import { startServer } from './lib/server.js';
import {
  API, buildWorkflow, documentOf, getWorkflow, listWorkflows, organisation, publish, reportsTo,
} from './lib/workflows.js';

const MISSING = 987654321;

// Every workflow route; ":wf", ":phase", ":step" and ":n" are filled in per call.
const ROUTES = [
  ['GET', '/workflows'],
  ['POST', '/workflows', { title: 'Mine now' }],
  ['POST', '/workflows', { template: 'giving-feedback' }],
  ['POST', '/workflows/import', documentOf()],
  ['GET', '/workflows/:wf'],
  ['PATCH', '/workflows/:wf', { title: 'Taken over' }],
  ['DELETE', '/workflows/:wf'],
  ['POST', '/workflows/:wf/archive'],
  ['POST', '/workflows/:wf/restore'],
  ['GET', '/workflows/:wf/diff'],
  ['GET', '/workflows/:wf/diff?from=1&to=draft'],
  ['POST', '/workflows/:wf/duplicate', {}],
  ['GET', '/workflows/:wf/export'],
  ['GET', '/workflows/:wf/export?version=1'],
  ['POST', '/workflows/:wf/phases', { name: 'Extra' }],
  ['PATCH', '/workflows/:wf/phases/:phase', { name: 'Renamed' }],
  ['DELETE', '/workflows/:wf/phases/:phase'],
  ['POST', '/workflows/:wf/publish'],
  ['POST', '/workflows/:wf/steps', { phase: 1, title: 'Extra' }],
  ['PATCH', '/workflows/:wf/steps/:step', { title: 'Renamed' }],
  ['DELETE', '/workflows/:wf/steps/:step'],
  ['GET', '/workflows/:wf/versions'],
  ['GET', '/workflows/:wf/versions/:n'],
  ['PATCH', '/workflows/:wf/versions/:n', { title: 'x' }],
  ['PUT', '/workflows/:wf/versions/:n', { title: 'x' }],
  ['DELETE', '/workflows/:wf/versions/:n'],
  ['GET', '/workflow-templates'],
  ['GET', '/workflow-templates/giving-feedback'],
];
const WITH_ID = ROUTES.filter(([, p]) => p.includes(':wf'));

describe('workflow access', () => {
  let server;
  let acme;
  let globex;
  let wf; // Acme's published workflow (one phase, one step, version 1)

  const fill = (p, ids) => `${API}${p}`.replace(':wf', ids.wf).replace(':phase', ids.phase)
    .replace(':step', ids.step).replace(':n', ids.n);
  const acmeIds = () => ({ wf: wf.id, phase: wf.phases[0].id, step: wf.steps[0].id, n: 1 });

  // Everything an outsider could have changed.
  async function acmeState() {
    return {
      wf: await getWorkflow(acme.designer, wf.id),
      versions: (await acme.designer.get(`${API}/workflows/${wf.id}/versions`)).body,
      v1: (await acme.designer.get(`${API}/workflows/${wf.id}/versions/1`)).body,
      list: await listWorkflows(acme.designer),
    };
  }

  before(async () => {
    server = await startServer();
    acme = await organisation(server, 'acme', {
      designer: ['designer'], learner: [], manager: [], report: [], coach: ['coach'], assessor: ['assessor'],
    });
    await reportsTo(acme, acme.report, acme.manager);
    globex = await organisation(server, 'globex', { designer: ['designer'] });
    wf = await buildWorkflow(acme.designer, {
      title: 'Acme feedback', outcome: 'Gives feedback',
      phases: [{ name: 'Week 1', steps: [{ title: 'Notice', due_offset_days: 2 }] }],
    });
    await publish(acme.designer, wf.id);
    wf = await getWorkflow(acme.designer, wf.id);
  });
  after(async () => {
    await server?.stop();
  });

  test('the manager really is a manager', async () => {
    const me = await acme.manager.get(`${API}/me`);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.is_manager, true);
  });

  test('learners, managers, coaches and assessors get 403 on every workflow route and change nothing', async () => {
    const before = await acmeState();
    const wrong = [];
    for (const role of ['learner', 'manager', 'coach', 'assessor']) {
      for (const [method, p, body] of ROUTES) {
        const res = await acme[role].request(method, fill(p, acmeIds()), body);
        if (res.status !== 403 || res.body?.error?.code !== 'forbidden')
          wrong.push(`${role} ${method} ${p}: ${res.status} ${res.text.slice(0, 100)}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.deepEqual(await acmeState(), before);
  });

  test('everyone signed in may preview Markdown', async () => {
    for (const role of ['learner', 'manager', 'coach', 'assessor', 'designer', 'admin']) {
      const res = await acme[role].post(`${API}/markdown/preview`, { markdown: '**hi**' });
      assert.equal(res.status, 200, `${role}: ${res.text}`);
      assert.match(res.body.html, /<strong>hi<\/strong>/);
    }
  });

  test('admins may design too', async () => {
    assert.equal((await acme.admin.get(`${API}/workflows`)).status, 200);
    assert.equal((await acme.admin.get(`${API}/workflows/${wf.id}`)).status, 200);
    const res = await acme.admin.post(`${API}/workflows`, { title: 'By the admin' });
    assert.equal(res.status, 201, res.text);
    assert.equal((await acme.admin.delete(`${API}/workflows/${res.body.id}`)).status, 204);
  });

  test('another organisation\'s designer gets 404 on every route with an Acme id, as for a missing id', async () => {
    const before = await acmeState();
    const theirs = await buildWorkflow(globex.designer, { title: 'Globex own', outcome: 'Own',
      phases: [{ name: 'G1', steps: [{ title: 'G step' }] }] });
    await publish(globex.designer, theirs.id);
    const wrong = [];
    for (const [method, p, body] of WITH_ID) {
      const a = await globex.designer.request(method, fill(p, acmeIds()), body);
      const b = await globex.designer.request(method, fill(p, { wf: MISSING, phase: MISSING, step: MISSING, n: 1 }), body);
      if (a.status !== 404 || a.body?.error?.code !== 'not_found')
        wrong.push(`${method} ${p} with Acme's ids: ${a.status} ${a.text.slice(0, 100)}`);
      else if (JSON.stringify(a.body.error) !== JSON.stringify(b.body?.error))
        wrong.push(`${method} ${p}: Acme's id answers ${a.text} but a missing id ${b.text}`);
      // Acme's phase and step ids inside Globex's own workflow are missing too.
      if (p.includes(':phase') || p.includes(':step')) {
        const c = await globex.designer.request(method, fill(p, { ...acmeIds(), wf: theirs.id }), body);
        if (c.status !== 404) wrong.push(`${method} ${p} with Globex's workflow and Acme's ${p.includes(':phase') ? 'phase' : 'step'}: ${c.status}`);
      }
    }
    assert.deepEqual(wrong, []);
    // Acme's phase named in a body of Globex's own workflow is no phase of it.
    const res = await globex.designer.post(`${API}/workflows/${theirs.id}/steps`, { phase_id: wf.phases[0].id, title: 'Sneak' });
    assert.equal(res.status, 422, res.text);
    assert.deepEqual(res.body.error.details.map((d) => d.field), ['phase_id']);
    // Lists and filters show only Globex's own.
    assert.deepEqual((await listWorkflows(globex.designer)).map((w) => w.id), [theirs.id]);
    assert.deepEqual(await listWorkflows(globex.designer, 'q=Acme'), []);
    assert.deepEqual(await acmeState(), before, 'Acme\'s workflow is untouched');
  });

  test('a designer\'s API token works without a CSRF token', async () => {
    const t = await acme.designer.post(`${API}/me/tokens`, { name: 'design script' });
    assert.equal(t.status, 201, t.text);
    const api = bearer(server, t.body.token);
    assert.equal((await api.get(`${API}/workflows`)).status, 200);
    const created = await api.post(`${API}/workflows`, { title: 'Scripted', outcome: 'Works' });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    const phase = await api.post(`${API}/workflows/${id}/phases`, { name: 'P' });
    assert.equal(phase.status, 201, phase.text);
    const step = await api.post(`${API}/workflows/${id}/steps`, { phase_id: phase.body.id, title: 'S' });
    assert.equal(step.status, 201, step.text);
    assert.equal((await api.patch(`${API}/workflows/${id}/steps/${step.body.id}`, { effort_minutes: 20 })).status, 200);
    const pub = await api.post(`${API}/workflows/${id}/publish`);
    assert.equal(pub.status, 201, pub.text);
    assert.equal((await api.post(`${API}/workflows/import`, documentOf())).status, 201);
    // A learner's token is still a learner.
    const lt = await acme.learner.post(`${API}/me/tokens`, { name: 'mine' });
    expectApiError(await bearer(server, lt.body.token).get(`${API}/workflows`), 403, 'forbidden');
  });

  test('a session cookie without the CSRF token cannot change anything', async () => {
    const before = await acmeState();
    const bare = client(server, { Cookie: acme.designer.cookie });
    const forged = client(server, { Cookie: acme.designer.cookie, 'X-CSRF-Token': 'f'.repeat(64) });
    for (const c of [bare, forged]) {
      for (const [method, p, body] of ROUTES.filter(([m]) => m !== 'GET')) {
        const res = await c.request(method, fill(p, acmeIds()), body);
        expectApiError(res, 403, 'csrf_failed', `${method} ${p}`);
      }
      expectApiError(await c.post(`${API}/markdown/preview`, { markdown: 'x' }), 403, 'csrf_failed', 'preview');
    }
    // Reading needs no CSRF token.
    assert.equal((await bare.get(`${API}/workflows/${wf.id}`)).status, 200);
    assert.deepEqual(await acmeState(), before);
  });

  test('nobody signed in gets 401 everywhere', async () => {
    const before = await acmeState();
    const anonymous = client(server);
    const revoked = bearer(server, `wm_${'0'.repeat(64)}`);
    for (const c of [anonymous, revoked]) {
      for (const [method, p, body] of ROUTES) {
        const res = await c.request(method, fill(p, acmeIds()), body);
        expectApiError(res, 401, 'unauthorized', `${method} ${p}`);
      }
      expectApiError(await c.post(`${API}/markdown/preview`, { markdown: 'x' }), 401, 'unauthorized');
    }
    assert.deepEqual(await acmeState(), before);
  });
});
