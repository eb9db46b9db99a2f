// Two designers edit one workflow. Each GET carries the draft's revision as its ETag;
// a change sent with If-Match of an older revision is refused with 412 and changes
// nothing, so nobody's saved text is silently overwritten. Without If-Match a change
// applies to whatever is current, as before.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectApiError } from './lib/people.js';
import { startServer } from './lib/server.js';
import { API, buildWorkflow, getWorkflow, organisation } from './lib/workflows.js';

describe('two designers edit one workflow', () => {
  let server;
  let acme;
  let wf;

  before(async () => {
    server = await startServer();
    acme = await organisation(server, 'acme', { ana: ['designer'], ben: ['designer'] });
    wf = await buildWorkflow(acme.ana, {
      title: 'Feedback', outcome: 'Gives feedback',
      phases: [{ name: 'Week 1', steps: [{ title: 'Notice', due_offset_days: 2 }] }],
    });
  });
  after(async () => {
    await server?.stop();
  });

  const etag = async (c) => {
    const res = await c.get(`${API}/workflows/${wf.id}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('etag'), `"${res.body.revision}"`);
    return res.headers.get('etag');
  };

  test('a change made on the current revision applies, and the ETag moves on', async () => {
    const tag = await etag(acme.ana);
    const step = wf.steps[0];
    const res = await acme.ana.patch(`${API}/workflows/${wf.id}/steps/${step.id}`,
      { title: 'Notice three moments' }, { 'If-Match': tag });
    assert.equal(res.status, 200, res.text);
    assert.notEqual(await etag(acme.ana), tag);
  });

  test('a change made on a revision someone else has since changed is 412 and changes nothing', async () => {
    const anaSaw = await etag(acme.ana);
    const step = (await getWorkflow(acme.ana, wf.id)).steps[0];
    // Ben saves first.
    const ben = await acme.ben.patch(`${API}/workflows/${wf.id}/steps/${step.id}`,
      { instructions: 'Ben\'s careful words.' }, { 'If-Match': anaSaw });
    assert.equal(ben.status, 200, ben.text);
    const afterBen = await getWorkflow(acme.ana, wf.id);
    // Ana, still on the older revision, is stopped on every kind of change.
    const stale = { 'If-Match': anaSaw };
    const attempts = [
      ['PATCH', `/workflows/${wf.id}/steps/${step.id}`, { instructions: 'Ana overwrites.' }],
      ['PATCH', `/workflows/${wf.id}`, { title: 'Ana renames' }],
      ['POST', `/workflows/${wf.id}/steps`, { phase_id: step.phase_id, title: 'Ana adds' }],
      ['DELETE', `/workflows/${wf.id}/steps/${step.id}`],
      ['POST', `/workflows/${wf.id}/phases`, { name: 'Week 2' }],
      ['POST', `/workflows/${wf.id}/publish`],
      ['POST', `/workflows/${wf.id}/archive`],
    ];
    for (const [method, p, body] of attempts) {
      const res = await acme.ana.request(method, `${API}${p}`, body, stale);
      expectApiError(res, 412, 'precondition_failed', `${method} ${p}`);
      assert.match(res.body.error.message, /changed by someone else/);
    }
    assert.deepEqual(await getWorkflow(acme.ana, wf.id), afterBen, 'nothing changed');
    const versions = await acme.ana.get(`${API}/workflows/${wf.id}/versions`);
    assert.deepEqual(versions.body.items, []);
  });

  test('If-Match must be an ETag; * and no header mean "whatever is current"', async () => {
    for (const bad of ['12', '"x"', 'W/12', '"12" "13"', '""']) {
      const res = await acme.ana.patch(`${API}/workflows/${wf.id}`, { outcome: 'x' }, { 'If-Match': bad });
      expectApiError(res, 400, 'bad_request', `If-Match ${bad}`);
    }
    for (const extra of [{ 'If-Match': '*' }, {}]) {
      const res = await acme.ana.patch(`${API}/workflows/${wf.id}`, { outcome: `Gives feedback ${JSON.stringify(extra)}` }, extra);
      assert.equal(res.status, 200, res.text);
    }
    const tag = await etag(acme.ana);
    const res = await acme.ana.patch(`${API}/workflows/${wf.id}`, { outcome: 'Weak form' }, { 'If-Match': `W/${tag}` });
    assert.equal(res.status, 200, res.text);
  });
});
