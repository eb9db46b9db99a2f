// Every rule of a workflow, broken one at a time: each answer is 422 validation_failed
// with one detail naming exactly the field at fault (several faults: several details), and
// after each refusal the workflow reads exactly as before and no workflow was created.
// The limits themselves are accepted (200 characters, 730 days, 1 and 480 minutes).
// Publishing an unfinished draft (no outcome, no steps, an empty phase) is 422 with a
// detail for each problem, and leaves the draft unpublished.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectApiError } from './lib/people.js';
import { startServer } from './lib/server.js';
import {
  API, addPhase, addStep, buildWorkflow, createWorkflow, expectInvalid, getWorkflow, listWorkflows,
  organisation,
} from './lib/workflows.js';

const long = (n, ch = 'x') => ch.repeat(n);

describe('workflow validation rules', () => {
  let server;
  let dana;
  let wf; // a draft with two phases: [A1, A2] and [B1]
  let other; // another workflow of the same designer
  const url = (tail = '') => `${API}/workflows/${wf.id}${tail}`;

  // Sends the request and checks it is refused with 422 naming exactly fields, and that
  // neither this workflow nor the list of workflows changed. Returns a description of
  // what was wrong, or null, so one test reports every broken rule at once.
  async function refusal(method, path, body, fields) {
    const what = `${method} ${path} ${JSON.stringify(body)?.slice(0, 100)}`;
    const before = await getWorkflow(dana, wf.id);
    const count = (await listWorkflows(dana)).length;
    const res = await dana.request(method, path, body);
    let wrong = null;
    try {
      expectInvalid(res, fields, what);
    } catch (e) {
      wrong = `${what}: expected 422 naming ${JSON.stringify(fields)}, got ${res.status} ${res.text.slice(0, 200)}`;
    }
    const after = await getWorkflow(dana, wf.id);
    if (JSON.stringify(after) !== JSON.stringify(before)) wrong = `${wrong ?? what}; and the workflow changed`;
    if ((await listWorkflows(dana)).length !== count) wrong = `${wrong ?? what}; and a workflow was created`;
    if (res.status === 201) await undo(path, res.body);
    return wrong;
  }

  // Something created by a request that should have been refused is deleted again, so the
  // cases after it start from the same state.
  async function undo(path, created) {
    if (path.endsWith('/steps')) await dana.delete(`${path}/${created.id}`);
    else if (path.endsWith('/phases')) await dana.delete(`${path}/${created.id}`);
    else await dana.delete(`${API}/workflows/${created.id}`);
  }

  // Runs every case and asserts that none went wrong.
  async function allRefused(cases) {
    const wrong = [];
    for (const [method, path, body, fields] of cases) {
      const w = await refusal(method, path, body, fields);
      if (w) wrong.push(w);
    }
    assert.deepEqual(wrong, []);
  }

  before(async () => {
    server = await startServer();
    ({ designer: dana } = await organisation(server, 'acme'));
    wf = await buildWorkflow(dana, {
      title: 'Rules', outcome: 'Follows the rules',
      phases: [
        { name: 'A', steps: [{ title: 'A1', release_offset_days: 2, due_offset_days: 4 }, { title: 'A2' }] },
        { name: 'B', steps: [{ title: 'B1' }] },
      ],
    });
    other = await buildWorkflow(dana, { title: 'Other', phases: [{ name: 'Elsewhere', steps: [{ title: 'E1' }] }] });
  });
  after(async () => {
    await server?.stop();
  });

  test('a workflow needs a title of 1 to 200 characters that is not only spaces', async () => {
    const cases = [
      [{}, ['title']],
      [{ title: '' }, ['title']],
      [{ title: '   ' }, ['title']],
      [{ title: long(201) }, ['title']],
      [{ title: long(200, 'é') + 'é' }, ['title']],
      [{ title: null }, ['title']],
      [{ title: 42 }, ['title']],
      [{ title: ['x'] }, ['title']],
      [{ title: 'Fine', outcome: long(1001) }, ['outcome']],
      [{ title: 'Fine', description: long(5001) }, ['description']],
      [{ title: 'Fine', pacing: 'weekly' }, ['pacing']],
      [{ title: 'Fine', outcome: 7 }, ['outcome']],
      [{ title: 'Fine', colour: 'red' }, ['colour']],
      [{ title: '', pacing: 'weekly', colour: 'red' }, ['colour', 'pacing', 'title']],
      [{ template: 'no-such-template' }, ['template']],
    ];
    await allRefused(cases.map(([body, fields]) => ['POST', `${API}/workflows`, body, fields]));
    // The limits themselves are fine; characters count, not bytes.
    for (const title of [long(200), long(200, 'é'), 'A'])
      assert.equal((await createWorkflow(dana, { title })).title, title);
    const full = await createWorkflow(dana, { title: 'Full', outcome: long(1000), description: long(5000), pacing: 'calendar_days' });
    assert.equal(full.outcome.length, 1000);
  });

  test('changing a workflow follows the same rules', async () => {
    await allRefused([
      [{ title: '' }, ['title']],
      [{ title: '  ' }, ['title']],
      [{ title: long(201) }, ['title']],
      [{ title: null }, ['title']],
      [{ pacing: 'fortnightly' }, ['pacing']],
      [{ outcome: long(1001) }, ['outcome']],
      [{ status: 'published' }, ['status']],
      [{ latest_version: 3 }, ['latest_version']],
      [{ title: 5, description: false }, ['description', 'title']],
    ].map(([body, fields]) => ['PATCH', url(), body, fields]));
  });

  test('a phase needs a name of 1 to 100 characters and a position 1..n+1', async () => {
    const phaseA = wf.phases[0].id;
    await allRefused([
      [{}, ['name']],
      [{ name: '' }, ['name']],
      [{ name: '   ' }, ['name']],
      [{ name: long(101) }, ['name']],
      [{ name: 'Ok', position: 0 }, ['position']],
      [{ name: 'Ok', position: 4 }, ['position']],
      [{ name: 'Ok', position: '1' }, ['position']],
      [{ name: 'Ok', colour: 'red' }, ['colour']],
    ].map(([body, fields]) => ['POST', url('/phases'), body, fields]).concat([
      [{ name: '' }, ['name']],
      [{ name: null }, ['name']],
      [{ position: 0 }, ['position']],
      [{ position: 3 }, ['position']],
    ].map(([body, fields]) => ['PATCH', url(`/phases/${phaseA}`), body, fields])));
  });

  test('a new step breaks no rule: title, offsets, effort, link, names, types, place', async () => {
    const A = wf.phases[0].id;
    const cases = [
      // title
      [{}, ['title']],
      [{ title: '' }, ['title']],
      [{ title: '    ' }, ['title']],
      [{ title: long(201) }, ['title']],
      [{ title: 12 }, ['title']],
      [{ title: null }, ['title']],
      // offsets: 0..730, due not before release
      [{ title: 'S', release_offset_days: 5, due_offset_days: 3 }, ['due_offset_days']],
      [{ title: 'S', release_offset_days: -1, due_offset_days: 0 }, ['release_offset_days']],
      [{ title: 'S', release_offset_days: 731, due_offset_days: 730 }, ['release_offset_days']],
      [{ title: 'S', due_offset_days: 731 }, ['due_offset_days']],
      [{ title: 'S', due_offset_days: -1 }, ['due_offset_days']],
      [{ title: 'S', release_offset_days: 1.5, due_offset_days: 2 }, ['release_offset_days']],
      // effort: 1..480
      [{ title: 'S', effort_minutes: 0 }, ['effort_minutes']],
      [{ title: 'S', effort_minutes: 481 }, ['effort_minutes']],
      [{ title: 'S', effort_minutes: -5 }, ['effort_minutes']],
      // link_url: an absolute http(s) URL with a host
      [{ title: 'S', link_url: 'javascript:alert(1)' }, ['link_url']],
      [{ title: 'S', link_url: 'JavaScript://example.com/%0Aalert(1)' }, ['link_url']],
      [{ title: 'S', link_url: 'ftp://files.example.com/a.pdf' }, ['link_url']],
      [{ title: 'S', link_url: '/wiki/feedback' }, ['link_url']],
      [{ title: 'S', link_url: 'example.com/feedback' }, ['link_url']],
      [{ title: 'S', link_url: '//example.com/feedback' }, ['link_url']],
      [{ title: 'S', link_url: 'https://' }, ['link_url']],
      [{ title: 'S', link_url: 'http:///path' }, ['link_url']],
      [{ title: 'S', link_url: 'https://exa mple.com/' }, ['link_url']],
      [{ title: 'S', link_url: 'https://example.com/a b' }, ['link_url']],
      [{ title: 'S', link_url: ' https://example.com/' }, ['link_url']],
      [{ title: 'S', link_url: `https://example.com/${long(1990)}` }, ['link_url']],
      // names
      [{ title: 'S', kind: 'lecture' }, ['kind']],
      [{ title: 'S', kind: 'LEARN' }, ['kind']],
      [{ title: 'S', completion: 'peer_review' }, ['completion']],
      [{ title: 'S', evidence: 'maybe' }, ['evidence']],
      // lengths
      [{ title: 'S', instructions: long(20001) }, ['instructions']],
      [{ title: 'S', manager_prompt: long(1001) }, ['manager_prompt']],
      // unknown fields and wrong types
      [{ title: 'S', colour: 'red' }, ['colour']],
      [{ title: 'S', id: 5 }, ['id']],
      [{ title: 'S', updated_at: '2026-01-01T00:00:00Z' }, ['updated_at']],
      [{ title: 'S', effort_minutes: '15' }, ['effort_minutes']],
      [{ title: 'S', release_offset_days: '0' }, ['release_offset_days']],
      [{ title: 'S', due_offset_days: true }, ['due_offset_days']],
      [{ title: 'S', kind: 3 }, ['kind']],
      [{ title: 'S', instructions: 5 }, ['instructions']],
      [{ title: 'S', link_url: 5 }, ['link_url']],
      [{ title: 'S', manager_prompt: {} }, ['manager_prompt']],
      [{ title: 'S', position: '1' }, ['position']],
      // place: position 1..n+1 (n = 2 in phase A)
      [{ title: 'S', position: 0 }, ['position']],
      [{ title: 'S', position: 4 }, ['position']],
      [{ title: 'S', position: -1 }, ['position']],
      // several faults at once: all named
      [{ title: '', effort_minutes: 0, kind: 'lecture', link_url: 'ftp://x' }, ['effort_minutes', 'kind', 'link_url', 'title']],
    ];
    // The phase: one of this workflow's, named by id or position.
    cases.push(
      [{ phase_id: other.phases[0].id, title: 'S' }, ['phase_id']],
      [{ phase_id: 987654321, title: 'S' }, ['phase_id']],
      [{ phase_id: String(A), title: 'S' }, ['phase_id']],
      [{ phase_id: undefined, phase: 3, title: 'S' }, ['phase']],
      [{ phase_id: undefined, phase: 0, title: 'S' }, ['phase']],
    );
    await allRefused(cases.map(([body, fields]) => ['POST', url('/steps'), JSON.parse(JSON.stringify({ phase_id: A, ...body })), fields]));
    // No phase at all: the one detail names the phase (as phase_id or phase).
    const before = await getWorkflow(dana, wf.id);
    const err = expectApiError(await dana.post(url('/steps'), { title: 'S' }), 422, 'validation_failed', 'no phase given');
    assert.equal(err.details.length, 1, JSON.stringify(err.details));
    assert.match(err.details[0].field, /^phase(_id)?$/, 'a step without a phase names the phase');
    assert.deepEqual(await getWorkflow(dana, wf.id), before);
  });

  test('the limits themselves are accepted', async () => {
    const cases = [
      { title: long(200) },
      { title: long(200, '✓') },
      { title: 'S', release_offset_days: 730, due_offset_days: 730 },
      { title: 'S', release_offset_days: 0, due_offset_days: 0 },
      { title: 'S', release_offset_days: 7, due_offset_days: 7 },
      { title: 'S', effort_minutes: 1 },
      { title: 'S', effort_minutes: 480 },
      { title: 'S', link_url: 'HTTPS://EXAMPLE.COM' },
      { title: 'S', link_url: 'http://localhost:8080/path?q=1#frag' },
      { title: 'S', link_url: `https://example.com/${long(1980)}` },
      { title: 'S', instructions: long(20000) },
      { title: 'S', manager_prompt: long(1000) },
    ];
    const scratch = await createWorkflow(dana, { title: 'Scratch' });
    const p = await addPhase(dana, scratch.id, 'P');
    for (const body of cases) {
      const s = await addStep(dana, scratch.id, { phase_id: p.id, ...body });
      for (const [k, v] of Object.entries(body)) assert.equal(s[k], v, k);
    }
  });

  test('changing or moving a step follows the same rules', async () => {
    const B = wf.phases[1].id;
    const a1 = wf.steps.find((s) => s.title === 'A1'); // release 2, due 4
    const a2 = wf.steps.find((s) => s.title === 'A2');
    const cases = [
      [a1, { title: '' }, ['title']],
      [a1, { title: '  ' }, ['title']],
      [a1, { title: long(201) }, ['title']],
      [a1, { title: null }, ['title']],
      [a1, { due_offset_days: 1 }, ['due_offset_days']], // before the stored release (2)
      [a1, { release_offset_days: 5 }, ['due_offset_days']], // after the stored due (4)
      [a1, { release_offset_days: 731 }, ['release_offset_days']],
      [a1, { release_offset_days: -1 }, ['release_offset_days']],
      [a1, { due_offset_days: 731 }, ['due_offset_days']],
      [a1, { effort_minutes: 0 }, ['effort_minutes']],
      [a1, { effort_minutes: 481 }, ['effort_minutes']],
      [a1, { link_url: 'javascript:alert(1)' }, ['link_url']],
      [a1, { link_url: 'https://' }, ['link_url']],
      [a1, { kind: 'lecture' }, ['kind']],
      [a1, { completion: 'nobody' }, ['completion']],
      [a1, { evidence: 'lots' }, ['evidence']],
      [a1, { colour: 'red' }, ['colour']],
      [a1, { effort_minutes: '20' }, ['effort_minutes']],
      [a1, { title: 7 }, ['title']],
      // moving within phase A (n = 2): 1..n
      [a1, { position: 0 }, ['position']],
      [a1, { position: 3 }, ['position']],
      // into phase B (n = 1): 1..n+1
      [a2, { phase_id: B, position: 3 }, ['position']],
      [a2, { phase_id: B, position: 0 }, ['position']],
      [a2, { phase_id: other.phases[0].id }, ['phase_id']],
      [a2, { phase_id: 987654321 }, ['phase_id']],
      [a2, { phase: 3 }, ['phase']],
    ];
    await allRefused(cases.map(([s, body, fields]) => ['PATCH', url(`/steps/${s.id}`), body, fields]));
  });

  test('publishing an unfinished draft is 422 naming each problem, and publishes nothing', async () => {
    const publishRefused = async (id, fields) => {
      const before = await getWorkflow(dana, id);
      expectInvalid(await dana.post(`${API}/workflows/${id}/publish`), fields, `publish ${before.title}`);
      assert.deepEqual(await getWorkflow(dana, id), before);
      const versions = await dana.get(`${API}/workflows/${id}/versions`);
      assert.deepEqual(versions.body.items, [], 'no version');
      assert.equal(before.status, 'draft');
    };
    // Nothing at all: no outcome, no steps.
    const bare = await createWorkflow(dana, { title: 'Bare' });
    await publishRefused(bare.id, ['outcome', 'steps']);
    // An outcome and one phase without steps.
    const empty = await buildWorkflow(dana, { title: 'Empty phase', outcome: 'Something', phases: [{ name: 'Nothing yet' }] });
    await publishRefused(empty.id, ['phases[0]', 'steps']);
    // Steps, but no outcome, and an empty second phase.
    const half = await buildWorkflow(dana, { title: 'Half', phases: [{ name: 'P1', steps: [{ title: 'S1' }] }, { name: 'P2' }] });
    await publishRefused(half.id, ['outcome', 'phases[1]']);
    // An empty outcome is no outcome.
    const noOutcome = await buildWorkflow(dana, { title: 'No outcome', outcome: '', phases: [{ name: 'P1', steps: [{ title: 'S1' }] }] });
    await publishRefused(noOutcome.id, ['outcome']);
    // Fixed, it publishes.
    const res = await dana.patch(`${API}/workflows/${noOutcome.id}`, { outcome: 'Done' });
    assert.equal(res.status, 200, res.text);
    const pub = await dana.post(`${API}/workflows/${noOutcome.id}/publish`);
    assert.equal(pub.status, 201, pub.text);
    assert.equal(pub.body.version, 1);
  });
});
