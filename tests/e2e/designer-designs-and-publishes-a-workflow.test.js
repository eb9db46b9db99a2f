// A designer designs a workflow from nothing: the draft, three phases (one slotted in
// between), steps with every field and steps with none but a title, in order by phase and
// position. She changes fields, moves steps within and across phases (the others close
// up, positions stay 1..n), moves and deletes phases, deletes a step, and publishes
// version 1. Editing the draft afterwards marks it changed but leaves version 1 exactly
// as it was; version 2 is published, the versions list newest first, the difference
// between them names each changed field. A published version refuses PATCH, PUT and
// DELETE with 409 version_immutable and is identical afterwards; publishing an unchanged
// draft is 409. She duplicates, archives (read-only, 409 on every edit), restores, cannot
// delete a published workflow (409) and deletes a never-published copy (204, then 404).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectApiError } from './lib/people.js';
import { startServer } from './lib/server.js';
import {
  API, INSTANT, addPhase, addStep, assertWellOrdered, createWorkflow, frozen, getWorkflow,
  layout, listWorkflows, omit, organisation, publish, updateStep, updateWorkflow,
} from './lib/workflows.js';

describe('designer designs and publishes a workflow', () => {
  let server;
  let dana;
  let admin;
  let wf; // the workflow's id
  const phase = {}; // name → phase
  const step = {}; // short name → step as last answered
  let v1; // GET versions/1 as first read
  let v2;

  const url = (tail = '') => `${API}/workflows/${wf}${tail}`;

  before(async () => {
    server = await startServer();
    ({ designer: dana, admin } = await organisation(server, 'acme'));
  });
  after(async () => {
    await server?.stop();
  });

  test('a new draft is empty, with its defaults, and GET answers what POST answered', async () => {
    const created = await createWorkflow(dana, { title: 'Giving feedback', description: 'For new managers.' });
    wf = created.id;
    assert.ok(Number.isInteger(wf) && wf > 0);
    assert.equal(created.title, 'Giving feedback');
    assert.equal(created.outcome, '');
    assert.equal(created.description, 'For new managers.');
    assert.equal(created.pacing, 'working_days');
    assert.equal(created.status, 'draft');
    assert.ok(!created.latest_version, `no version yet: ${created.latest_version}`);
    assert.equal(created.draft_changed, true, 'a never-published draft counts as changed');
    assert.equal(created.archived_at ?? null, null);
    assert.equal(created.published_at ?? null, null);
    assert.match(created.created_at, INSTANT);
    assert.match(created.updated_at, INSTANT);
    assert.deepEqual(created.phases, []);
    assert.deepEqual(created.steps, []);
    assert.deepEqual(await getWorkflow(dana, wf), created);
  });

  test('phases are added at the end or slotted in, numbered 1..n', async () => {
    phase.notice = await addPhase(dana, wf, 'Week 1 — notice');
    assert.deepEqual(omit(phase.notice, 'id'), { position: 1, name: 'Week 1 — notice' });
    phase.stick = await addPhase(dana, wf, 'Month 2 — make it stick');
    assert.equal(phase.stick.position, 2);
    phase.try = await addPhase(dana, wf, 'Week 2 — try', 2);
    assert.equal(phase.try.position, 2);
    const got = await getWorkflow(dana, wf);
    assert.deepEqual(got.phases, [
      { id: phase.notice.id, position: 1, name: 'Week 1 — notice' },
      { id: phase.try.id, position: 2, name: 'Week 2 — try' },
      { id: phase.stick.id, position: 3, name: 'Month 2 — make it stick' },
    ]);
  });

  test('steps keep every field given, take defaults for the rest, and are listed by phase then position', async () => {
    const full = {
      phase_id: phase.notice.id,
      kind: 'learn',
      title: 'Why timely feedback works',
      instructions: 'Read **the two-page summary** and note one moment from this week.\n\n- one\n- two',
      link_url: 'https://example.com/feedback?x=1&y=2#part',
      release_offset_days: 0,
      due_offset_days: 2,
      effort_minutes: 10,
      completion: 'self',
      evidence: 'none',
      manager_prompt: 'Ask what moment they noticed.',
    };
    step.why = await addStep(dana, wf, full);
    assert.deepEqual(omit(step.why, 'id', 'updated_at'), { ...full, phase: 1, position: 1 });
    assert.match(step.why.updated_at, INSTANT);

    // Only a title and the phase by its position: every other field takes its default.
    step.notice = await addStep(dana, wf, { phase: 1, title: 'Notice one moment' });
    assert.deepEqual(omit(step.notice, 'id', 'updated_at'), {
      phase_id: phase.notice.id, phase: 1, position: 2, kind: 'learn', title: 'Notice one moment',
      instructions: '', link_url: null, release_offset_days: 0, due_offset_days: 0,
      effort_minutes: 15, completion: 'self', evidence: 'none', manager_prompt: null,
    });
    // Due defaults to the release offset.
    step.reflect = await addStep(dana, wf, { phase_id: phase.notice.id, title: 'Reflect on the week', kind: 'reflect',
      release_offset_days: 3, evidence: 'optional', completion: 'manager_signoff' });
    assert.equal(step.reflect.due_offset_days, 3);
    assert.equal(step.reflect.position, 3);
    // Slotted in first: the others move down.
    step.intro = await addStep(dana, wf, { phase_id: phase.notice.id, position: 1, title: 'Start here', kind: 'checkpoint' });
    assert.equal(step.intro.position, 1);

    step.try = await addStep(dana, wf, { phase: 2, title: 'Try it once', kind: 'experiment', release_offset_days: 5,
      due_offset_days: 10, effort_minutes: 30, completion: 'coach_signoff', evidence: 'required' });
    step.discuss = await addStep(dana, wf, { phase: 2, title: 'Talk it through', kind: 'discuss', release_offset_days: 8,
      due_offset_days: 12, manager_prompt: 'Share one example of your own.' });
    step.practise = await addStep(dana, wf, { phase_id: phase.stick.id, title: 'Practise weekly', kind: 'practise',
      release_offset_days: 15, due_offset_days: 40, effort_minutes: 480, completion: 'xapi' });
    step.coach = await addStep(dana, wf, { phase_id: phase.stick.id, title: 'Coaching call', kind: 'coach',
      release_offset_days: 20, due_offset_days: 25, effort_minutes: 1 });
    step.assess = await addStep(dana, wf, { phase_id: phase.stick.id, title: 'Observed conversation', kind: 'assess',
      release_offset_days: 30, due_offset_days: 45, completion: 'assessor', evidence: 'required' });
    step.measure = await addStep(dana, wf, { phase_id: phase.stick.id, title: 'Pulse survey', kind: 'measure',
      release_offset_days: 730, due_offset_days: 730 });

    const got = await getWorkflow(dana, wf);
    assert.deepEqual(layout(got), [
      [1, 1, 'Start here'], [1, 2, 'Why timely feedback works'], [1, 3, 'Notice one moment'], [1, 4, 'Reflect on the week'],
      [2, 1, 'Try it once'], [2, 2, 'Talk it through'],
      [3, 1, 'Practise weekly'], [3, 2, 'Coaching call'], [3, 3, 'Observed conversation'], [3, 4, 'Pulse survey'],
    ]);
    assertWellOrdered(got);
    // Each step as stored is what its creation answered, apart from positions moved by
    // the step slotted in before them.
    const shifted = new Set([step.why.id, step.notice.id, step.reflect.id]);
    for (const s of Object.values(step)) {
      const stored = got.steps.find((x) => x.id === s.id);
      assert.deepEqual(omit(stored, 'position', 'updated_at'), omit(s, 'position', 'updated_at'), s.title);
      assert.equal(stored.position, s.position + (shifted.has(s.id) ? 1 : 0), s.title);
    }
    assert.equal(got.status, 'draft');
    assert.equal(got.draft_changed, true);
  });

  test('changing fields changes those and nothing else', async () => {
    const before = await getWorkflow(dana, wf);
    const changed = await updateWorkflow(dana, wf, { title: 'Giving specific, timely feedback',
      outcome: 'Gives specific, timely feedback within a day of the moment', pacing: 'calendar_days' });
    assert.equal(changed.title, 'Giving specific, timely feedback');
    assert.equal(changed.outcome, 'Gives specific, timely feedback within a day of the moment');
    assert.equal(changed.pacing, 'calendar_days');
    assert.equal(changed.description, before.description);
    assert.deepEqual(changed.phases, before.phases);
    assert.deepEqual(changed.steps, before.steps);
    assert.ok(changed.revision > before.revision, 'the revision grows with a change');
    assert.deepEqual(await getWorkflow(dana, wf), changed);
    await updateWorkflow(dana, wf, { pacing: 'working_days' });

    const s = await updateStep(dana, wf, step.notice.id, { instructions: 'Write it down *the same day*.',
      link_url: 'http://intranet.example/notice', manager_prompt: 'Ask to hear it.', effort_minutes: 20 });
    const was = before.steps.find((x) => x.id === step.notice.id);
    assert.deepEqual(omit(s, 'updated_at'), omit({ ...was, instructions: 'Write it down *the same day*.',
      link_url: 'http://intranet.example/notice', manager_prompt: 'Ask to hear it.', effort_minutes: 20 }, 'updated_at'));
    const cleared = await updateStep(dana, wf, step.notice.id, { link_url: null, manager_prompt: null });
    assert.equal(cleared.link_url, null);
    assert.equal(cleared.manager_prompt, null);
    assert.equal(cleared.instructions, 'Write it down *the same day*.');
    // Every other step is untouched.
    const after = await getWorkflow(dana, wf);
    for (const x of after.steps.filter((y) => y.id !== step.notice.id))
      assert.deepEqual(x, before.steps.find((y) => y.id === x.id), x.title);
  });

  test('moving a step within its phase and across phases closes up the others', async () => {
    const before = await getWorkflow(dana, wf);
    // Within phase 1: "Reflect" from 4 to 1.
    let moved = await updateStep(dana, wf, step.reflect.id, { position: 1 });
    assert.equal(moved.position, 1);
    assert.equal(moved.phase_id, phase.notice.id);
    let got = await getWorkflow(dana, wf);
    assert.deepEqual(layout(got).filter(([p]) => p === 1), [
      [1, 1, 'Reflect on the week'], [1, 2, 'Start here'], [1, 3, 'Why timely feedback works'], [1, 4, 'Notice one moment']]);
    assertWellOrdered(got);
    // Across, by phase_id: "Why" to the top of phase 2.
    moved = await updateStep(dana, wf, step.why.id, { phase_id: phase.try.id, position: 1 });
    assert.deepEqual([moved.phase_id, moved.phase, moved.position], [phase.try.id, 2, 1]);
    // Across, by phase number: "Notice" to the end of phase 3 (n + 1).
    moved = await updateStep(dana, wf, step.notice.id, { phase: 3, position: 5 });
    assert.deepEqual([moved.phase_id, moved.phase, moved.position], [phase.stick.id, 3, 5]);
    got = await getWorkflow(dana, wf);
    assert.deepEqual(layout(got), [
      [1, 1, 'Reflect on the week'], [1, 2, 'Start here'],
      [2, 1, 'Why timely feedback works'], [2, 2, 'Try it once'], [2, 3, 'Talk it through'],
      [3, 1, 'Practise weekly'], [3, 2, 'Coaching call'], [3, 3, 'Observed conversation'], [3, 4, 'Pulse survey'],
      [3, 5, 'Notice one moment'],
    ]);
    assertWellOrdered(got);
    // A move changes the place, nothing else.
    for (const s of got.steps) {
      const was = before.steps.find((x) => x.id === s.id);
      assert.deepEqual(omit(s, 'phase', 'phase_id', 'position', 'updated_at'),
        omit(was, 'phase', 'phase_id', 'position', 'updated_at'), s.title);
    }
    // And back to where the plan wants it: "Notice" second in phase 1.
    await updateStep(dana, wf, step.notice.id, { phase_id: phase.notice.id, position: 2 });
    got = await getWorkflow(dana, wf);
    assert.deepEqual(layout(got).slice(0, 3), [[1, 1, 'Reflect on the week'], [1, 2, 'Notice one moment'], [1, 3, 'Start here']]);
    assert.deepEqual(layout(got).filter(([p]) => p === 3).map(([, pos]) => pos), [1, 2, 3, 4]);
    assertWellOrdered(got);
  });

  test('phases move and rename; an empty phase is deleted and the rest renumber; one with steps is 409', async () => {
    const scratch = await addPhase(dana, wf, 'Scratch', 1);
    let got = await getWorkflow(dana, wf);
    assert.deepEqual(got.phases.map((p) => p.name), ['Scratch', 'Week 1 — notice', 'Week 2 — try', 'Month 2 — make it stick']);
    assert.deepEqual(layout(got).map(([p]) => p), [2, 2, 2, 3, 3, 3, 4, 4, 4, 4], 'steps follow their phase');
    assertWellOrdered(got);

    const res = await dana.patch(url(`/phases/${phase.stick.id}`), { name: 'Month 2 — keep going', position: 1 });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { id: phase.stick.id, position: 1, name: 'Month 2 — keep going' });
    got = await getWorkflow(dana, wf);
    assert.deepEqual(got.phases.map((p) => p.name), ['Month 2 — keep going', 'Scratch', 'Week 1 — notice', 'Week 2 — try']);
    assertWellOrdered(got);
    assert.equal((await dana.patch(url(`/phases/${phase.stick.id}`), { name: 'Month 2 — make it stick', position: 4 })).status, 200);

    const before = await getWorkflow(dana, wf);
    expectApiError(await dana.delete(url(`/phases/${phase.notice.id}`)), 409, 'phase_not_empty', 'a phase with steps');
    assert.deepEqual(await getWorkflow(dana, wf), before, 'a refused delete changes nothing');

    assert.equal((await dana.delete(url(`/phases/${scratch.id}`))).status, 204);
    expectApiError(await dana.delete(url(`/phases/${scratch.id}`)), 404, 'not_found');
    got = await getWorkflow(dana, wf);
    assert.deepEqual(got.phases, [
      { id: phase.notice.id, position: 1, name: 'Week 1 — notice' },
      { id: phase.try.id, position: 2, name: 'Week 2 — try' },
      { id: phase.stick.id, position: 3, name: 'Month 2 — make it stick' },
    ]);
    assertWellOrdered(got);
  });

  test('deleting a step closes up its phase', async () => {
    const res = await dana.delete(url(`/steps/${step.intro.id}`));
    assert.equal(res.status, 204, res.text);
    expectApiError(await dana.delete(url(`/steps/${step.intro.id}`)), 404, 'not_found');
    expectApiError(await dana.patch(url(`/steps/${step.intro.id}`), { title: 'Back' }), 404, 'not_found');
    const got = await getWorkflow(dana, wf);
    assert.ok(!got.steps.some((s) => s.id === step.intro.id));
    assert.deepEqual(layout(got), [
      [1, 1, 'Reflect on the week'], [1, 2, 'Notice one moment'],
      [2, 1, 'Why timely feedback works'], [2, 2, 'Try it once'], [2, 3, 'Talk it through'],
      [3, 1, 'Practise weekly'], [3, 2, 'Coaching call'], [3, 3, 'Observed conversation'], [3, 4, 'Pulse survey'],
    ]);
    assertWellOrdered(got);
  });

  test('publishing freezes the draft as version 1', async () => {
    const draft = await getWorkflow(dana, wf);
    const res = await publish(dana, wf);
    assert.equal(res.version, 1);
    assert.match(res.published_at, INSTANT);
    const got = await getWorkflow(dana, wf);
    assert.equal(got.status, 'published');
    assert.equal(got.latest_version, 1);
    assert.equal(got.draft_changed, false);
    assert.equal(got.published_at, res.published_at);
    assert.deepEqual(got.phases, draft.phases);
    assert.deepEqual(got.steps, draft.steps, 'publishing does not touch the draft');

    const v = await dana.get(url('/versions/1'));
    assert.equal(v.status, 200, v.text);
    v1 = v.body;
    assert.equal(v1.version, 1);
    for (const f of ['title', 'outcome', 'description', 'pacing']) assert.equal(v1[f], draft[f], f);
    assert.equal(v1.published_at, res.published_at);
    assert.deepEqual(v1.published_by, { id: dana.user.id, name: dana.user.name });
    assert.deepEqual(v1.phases, draft.phases, 'phase ids are their keys');
    assert.deepEqual(v1.steps.map(frozen), draft.steps.map(frozen), 'step ids are their keys, every field kept');
  });

  test('editing the draft marks it changed and leaves version 1 exactly as it was', async () => {
    await updateWorkflow(dana, wf, { title: 'Giving timely feedback' });
    let got = await getWorkflow(dana, wf);
    assert.equal(got.draft_changed, true);
    assert.equal(got.status, 'published');
    assert.equal(got.latest_version, 1);
    await updateStep(dana, wf, step.reflect.id, { due_offset_days: 5 });
    step.followUp = await addStep(dana, wf, { phase_id: phase.try.id, title: 'Follow up a week later', kind: 'reflect',
      release_offset_days: 12, due_offset_days: 14 });
    assert.equal(step.followUp.position, 4);
    assert.deepEqual((await dana.get(url('/versions/1'))).body, v1, 'version 1 is immutable');
    got = await getWorkflow(dana, wf);
    assert.equal(got.title, 'Giving timely feedback');
  });

  test('version 2 is published; versions are listed newest first', async () => {
    const res = await publish(dana, wf);
    assert.equal(res.version, 2);
    const got = await getWorkflow(dana, wf);
    assert.equal(got.latest_version, 2);
    assert.equal(got.draft_changed, false);
    const list = await dana.get(url('/versions'));
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.next_cursor, null);
    assert.deepEqual(list.body.items.map((v) => v.version), [2, 1]);
    const [i2, i1] = list.body.items;
    assert.deepEqual(i2, { version: 2, title: 'Giving timely feedback', published_at: res.published_at,
      published_by: { id: dana.user.id, name: dana.user.name }, phase_count: 3, step_count: 10 });
    assert.deepEqual(i1, { version: 1, title: 'Giving specific, timely feedback', published_at: v1.published_at,
      published_by: { id: dana.user.id, name: dana.user.name }, phase_count: 3, step_count: 9 });

    v2 = (await dana.get(url('/versions/2'))).body;
    assert.equal(v2.version, 2);
    assert.equal(v2.title, 'Giving timely feedback');
    assert.deepEqual(v2.steps.map(frozen), got.steps.map(frozen));
    assert.deepEqual((await dana.get(url('/versions/1'))).body, v1, 'version 1 still as it was');
    assert.equal(v1.steps.find((s) => s.id === step.reflect.id).due_offset_days, 3);
    assert.equal(v2.steps.find((s) => s.id === step.reflect.id).due_offset_days, 5);
  });

  test('the difference from version 1 to 2 names every change by field', async () => {
    const res = await dana.get(url('/diff?from=1&to=2'));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, {
      from: 1,
      to: 2,
      workflow: [{ field: 'title', from: 'Giving specific, timely feedback', to: 'Giving timely feedback' }],
      phases: { added: [], removed: [], changed: [] },
      steps: {
        added: [{ id: step.followUp.id, title: 'Follow up a week later', phase: 'Week 2 — try', position: 4 }],
        removed: [],
        changed: [{ id: step.reflect.id, title: 'Reflect on the week', phase: 'Week 1 — notice', position: 1,
          fields: [{ field: 'due_offset_days', from: 3, to: 5 }] }],
      },
      summary: '1 step added, 1 step changed, title changed',
    });
    // Defaults: from the latest version to the draft, which has not changed.
    const same = await dana.get(url('/diff'));
    assert.equal(same.status, 200, same.text);
    assert.equal(same.body.from, 2);
    assert.equal(same.body.to, 'draft');
    assert.deepEqual(same.body.steps, { added: [], removed: [], changed: [] });
    assert.deepEqual(same.body.workflow, []);
    // Backwards, the same change reversed.
    const back = await dana.get(url('/diff?from=2&to=1'));
    assert.deepEqual(back.body.steps.removed.map((s) => s.id), [step.followUp.id]);
    assert.deepEqual(back.body.steps.changed[0].fields, [{ field: 'due_offset_days', from: 5, to: 3 }]);
    expectApiError(await dana.get(url('/diff?from=1&to=9')), 404, 'not_found', 'no version 9');
    expectApiError(await dana.get(url('/diff?from=abc')), 400, 'bad_request', 'from is not a number');
  });

  test('a published version refuses PATCH, PUT and DELETE with 409 version_immutable, and is unchanged', async () => {
    const attempts = [
      dana.patch(url('/versions/1'), { title: 'Rewritten history' }),
      dana.put(url('/versions/1'), { ...v1, title: 'Rewritten history' }),
      dana.delete(url('/versions/1')),
      dana.patch(url('/versions/2'), {}),
    ];
    for (const res of await Promise.all(attempts)) expectApiError(res, 409, 'version_immutable');
    for (const m of ['PATCH', 'PUT', 'DELETE'])
      expectApiError(await dana.request(m, url('/versions/3'), m === 'DELETE' ? undefined : {}), 404, 'not_found', `${m} a version that does not exist`);
    expectApiError(await dana.get(url('/versions/3')), 404, 'not_found');
    assert.deepEqual((await dana.get(url('/versions/1'))).body, v1);
    assert.deepEqual((await dana.get(url('/versions/2'))).body, v2);
    assert.deepEqual((await dana.get(url('/versions'))).body.items.map((v) => v.version), [2, 1]);
  });

  test('publishing an unchanged draft is 409 and creates no version', async () => {
    expectApiError(await dana.post(url('/publish')), 409, 'no_changes');
    const got = await getWorkflow(dana, wf);
    assert.equal(got.latest_version, 2);
    assert.deepEqual((await dana.get(url('/versions'))).body.items.map((v) => v.version), [2, 1]);
  });

  test('duplicating copies the draft into a new, never-published draft', async () => {
    const original = await getWorkflow(dana, wf);
    const res = await dana.post(url('/duplicate'), {});
    assert.equal(res.status, 201, res.text);
    const copy = res.body;
    step.copyId = copy.id;
    assert.notEqual(copy.id, wf);
    assert.equal(copy.title, `Copy of ${original.title}`);
    assert.equal(copy.status, 'draft');
    assert.ok(!copy.latest_version);
    assert.equal(copy.draft_changed, true);
    for (const f of ['outcome', 'description', 'pacing']) assert.equal(copy[f], original[f], f);
    assert.deepEqual(copy.phases.map((p) => omit(p, 'id')), original.phases.map((p) => omit(p, 'id')));
    assert.deepEqual(copy.steps.map((s) => omit(s, 'id', 'phase_id', 'updated_at')),
      original.steps.map((s) => omit(s, 'id', 'phase_id', 'updated_at')));
    const oldSteps = new Set(original.steps.map((s) => s.id));
    const oldPhases = new Set(original.phases.map((p) => p.id));
    assert.ok(copy.steps.every((s) => !oldSteps.has(s.id)), 'new step ids');
    assert.ok(copy.phases.every((p) => !oldPhases.has(p.id)), 'new phase ids');
    assert.deepEqual(copy.steps.map((s) => s.phase_id), copy.steps.map((s) => copy.phases[s.phase - 1].id), 'steps in the new phases');
    expectApiError(await dana.get(`${API}/workflows/${copy.id}/versions/1`), 404, 'not_found', 'a copy has no versions');
    assert.deepEqual(await getWorkflow(dana, wf), original, 'the original is untouched');

    const named = await dana.post(url('/duplicate'), { title: 'Feedback for sales' });
    assert.equal(named.status, 201, named.text);
    assert.equal(named.body.title, 'Feedback for sales');
    step.namedCopyId = named.body.id;
  });

  test('lists show summaries newest first, filter by status and title, and page', async () => {
    const all = await listWorkflows(dana);
    assert.deepEqual(all.map((w) => w.id), [step.namedCopyId, step.copyId, wf]);
    const mine = all.find((w) => w.id === wf);
    assert.deepEqual(omit(mine, 'updated_at', 'published_at'), {
      id: wf, title: 'Giving timely feedback', outcome: 'Gives specific, timely feedback within a day of the moment',
      status: 'published', latest_version: 2, draft_changed: false, phase_count: 3, step_count: 10,
    });
    assert.match(mine.updated_at, INSTANT);
    assert.match(mine.published_at, INSTANT);
    assert.deepEqual((await listWorkflows(dana, 'status=published')).map((w) => w.id), [wf]);
    assert.deepEqual((await listWorkflows(dana, 'status=draft')).map((w) => w.id), [step.namedCopyId, step.copyId]);
    assert.deepEqual((await listWorkflows(dana, 'q=SALES')).map((w) => w.id), [step.namedCopyId]);
    const page1 = await dana.get(`${API}/workflows?limit=2`);
    assert.deepEqual(page1.body.items.map((w) => w.id), [step.namedCopyId, step.copyId]);
    assert.equal(typeof page1.body.next_cursor, 'string');
    const page2 = await dana.get(`${API}/workflows?limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
    assert.deepEqual(page2.body.items.map((w) => w.id), [wf]);
    assert.equal(page2.body.next_cursor, null);
    for (const bad of ['status=live', 'limit=0', 'limit=501', 'limit=x', 'cursor=zzz'])
      expectApiError(await dana.get(`${API}/workflows?${bad}`), 400, 'bad_request', bad);
  });

  test('an archived workflow is read-only until restored', async () => {
    const res = await dana.post(url('/archive'));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'archived');
    assert.match(res.body.archived_at, INSTANT);
    const archived = await getWorkflow(dana, wf);
    assert.deepEqual(archived, res.body);
    const edits = [
      ['PATCH', url(), { title: 'Sneaky' }],
      ['POST', url('/phases'), { name: 'Extra' }],
      ['PATCH', url(`/phases/${phase.try.id}`), { name: 'Renamed' }],
      ['DELETE', url(`/phases/${phase.try.id}`)],
      ['POST', url('/steps'), { phase_id: phase.try.id, title: 'Extra' }],
      ['PATCH', url(`/steps/${step.reflect.id}`), { title: 'Renamed' }],
      ['DELETE', url(`/steps/${step.reflect.id}`)],
      ['POST', url('/publish')],
    ];
    for (const [m, path, body] of edits)
      expectApiError(await dana.request(m, path, body), 409, 'workflow_archived', `${m} ${path} while archived`);
    assert.deepEqual(await getWorkflow(dana, wf), archived, 'nothing changed');
    assert.deepEqual((await listWorkflows(dana, 'status=archived')).map((w) => w.id), [wf]);
    assert.deepEqual(await listWorkflows(dana, 'status=published'), []);
    assert.equal((await dana.get(url('/versions/2'))).status, 200, 'versions stay readable');

    const restored = await dana.post(url('/restore'));
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.status, 'published');
    assert.equal(restored.body.archived_at ?? null, null);
    assert.equal(restored.body.latest_version, 2);
    assert.equal((await dana.patch(url(), { description: 'For new and experienced managers.' })).status, 200, 'editable again');
  });

  test('a published workflow cannot be deleted; a never-published draft can', async () => {
    expectApiError(await dana.delete(url()), 409, 'workflow_published');
    assert.equal((await dana.get(url())).status, 200);
    assert.equal((await dana.get(url('/versions/1'))).status, 200);

    const res = await dana.delete(`${API}/workflows/${step.copyId}`);
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    expectApiError(await dana.get(`${API}/workflows/${step.copyId}`), 404, 'not_found');
    expectApiError(await dana.delete(`${API}/workflows/${step.copyId}`), 404, 'not_found');
    assert.deepEqual((await listWorkflows(dana)).map((w) => w.id), [step.namedCopyId, wf]);
    assert.equal((await getWorkflow(dana, wf)).steps.length, 10, 'the original keeps its steps');
  });

  test('every change is in the audit log, and no refused request is', async () => {
    const res = await admin.get(`/api/v1/audit?target_type=workflow&target_id=${wf}&limit=500`);
    assert.equal(res.status, 200, res.text);
    const actions = res.body.items.map((e) => e.action);
    const count = (a) => actions.filter((x) => x === a).length;
    assert.ok(res.body.items.every((e) => e.actor?.id === dana.user.id), 'all by the designer');
    assert.equal(count('workflow.create'), 1);
    assert.equal(count('workflow.publish'), 2, 'two versions; the refused publishes wrote nothing');
    assert.equal(count('workflow.archive'), 1);
    assert.equal(count('workflow.restore'), 1);
    assert.equal(count('workflow.delete'), 0, 'the refused delete wrote nothing');
    assert.equal(count('workflow.phase.create'), 4);
    assert.equal(count('workflow.phase.delete'), 1, 'the refused phase delete wrote nothing');
    assert.equal(count('workflow.step.create'), 11);
    assert.equal(count('workflow.step.delete'), 1);
    for (const a of ['workflow.update', 'workflow.step.update', 'workflow.phase.update'])
      assert.ok(count(a) > 0, a);
  });
});
