// A learner walks through a three-week workflow, day by day, in an organisation in
// London working Monday to Friday. The designer publishes eight steps over three phases
// (a self step, a reflection, a step that needs evidence, a manager sign-off, a coach
// sign-off); the admin enrols the learner, whose coach is assigned to them, starting on
// Monday 7 December 2026. Each activity is released at the start of its working day and
// due at its end, the weekend skipped. The test moves the server's clock through the
// three weeks and checks the journey's groups (overdue, today, upcoming, waiting, done)
// at every stop, exactly; the learner completes steps, submits the sign-off steps, sees
// her manager send one back with a comment, submits it again, and is approved; the coach
// approves the coach step; the progress numbers follow; when the last activity is
// completed the enrolment completes by itself.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  API, PNG, assignCoach, complete, endOfDay, enrol, expectRefused, getActivity, getEnrolment, journey,
  keysOf, listEnrolments, progress, setCalendar, signOff, signoffs, startClockedServer, startOfDay,
  upload, utc, withTokens, assertSummaryShape,
} from './lib/enrolments.js';
import { buildWorkflow, organisation, publish, reportsTo } from './lib/workflows.js';

const TITLE = 'Giving specific, timely feedback';
const PHASES = ['Week 1 — notice', 'Week 2 — try', 'Week 3 — make it stick'];

// The steps in workflow order, with the local dates their offsets give from a start on
// Monday 7 December 2026 (offset 0 Mon 7, 4 Fri 11, 5 Mon 14, 8 Thu 17, 10 Mon 21, 12 Wed 23).
const STEPS = [
  { key: 'why', phase: 1, kind: 'learn', title: 'Why timely feedback works', completion: 'self', evidence: 'none',
    effort_minutes: 10, release_offset_days: 0, due_offset_days: 1, link_url: 'https://example.com/why?a=1&b=2',
    instructions: 'Read **the summary**.', release: '2026-12-07', due: '2026-12-08' },
  { key: 'moment', phase: 1, kind: 'reflect', title: 'Reflect on one moment', completion: 'self', evidence: 'none',
    effort_minutes: 15, release_offset_days: 1, due_offset_days: 2, release: '2026-12-08', due: '2026-12-09' },
  { key: 'note', phase: 1, kind: 'practise', title: 'Write the moment down', completion: 'self', evidence: 'required',
    effort_minutes: 20, release_offset_days: 2, due_offset_days: 4, release: '2026-12-09', due: '2026-12-11' },
  { key: 'try', phase: 2, kind: 'experiment', title: 'Try it once', completion: 'manager_signoff', evidence: 'optional',
    effort_minutes: 30, release_offset_days: 4, due_offset_days: 6, manager_prompt: 'Ask what they tried.',
    release: '2026-12-11', due: '2026-12-15' },
  { key: 'talk', phase: 2, kind: 'discuss', title: 'Talk it through', completion: 'self', evidence: 'none',
    effort_minutes: 15, release_offset_days: 6, due_offset_days: 7, release: '2026-12-15', due: '2026-12-16' },
  { key: 'call', phase: 3, kind: 'coach', title: 'Coaching call', completion: 'coach_signoff', evidence: 'none',
    effort_minutes: 45, release_offset_days: 8, due_offset_days: 10, release: '2026-12-17', due: '2026-12-21' },
  { key: 'practise', phase: 3, kind: 'practise', title: 'Practise weekly', completion: 'self', evidence: 'none',
    effort_minutes: 15, release_offset_days: 9, due_offset_days: 11, release: '2026-12-18', due: '2026-12-22' },
  { key: 'month', phase: 3, kind: 'reflect', title: 'Reflect on the month', completion: 'self', evidence: 'optional',
    effort_minutes: 20, release_offset_days: 10, due_offset_days: 12, release: '2026-12-21', due: '2026-12-23' },
];
const BY_KEY = Object.fromEntries(STEPS.map((s, i) => [s.key, { ...s, seq: i + 1 }]));
const STEP_FIELDS = ['kind', 'title', 'completion', 'evidence', 'effort_minutes', 'release_offset_days',
  'due_offset_days', 'link_url', 'instructions', 'manager_prompt'];

describe('learner walks through a workflow', () => {
  let server;
  let org; // admin, designer, manager, coach, learner: API-token clients
  let wf; // the draft as built
  let enrolmentId;
  const stepKey = {}; // key → the step's key (its draft id)
  const act = {}; // key → activity id
  const state = {}; // key → { stored: open|awaiting_signoff|completed, completed_at, returned, returnedUnknown }

  const clock = (date, time = '09:00') => server.clock.set(utc(date, time));

  // The summary the contract promises for step `key` now, from what the test did so far.
  function summary(key) {
    const s = BY_KEY[key];
    const st = state[key];
    let status = st.stored;
    if (status === 'open') {
      if (server.clock.now < startOfDay(s.release)) status = 'locked';
      else status = st.returned ? 'returned' : 'available';
    }
    return {
      id: act[key], enrolment_id: enrolmentId, workflow_title: TITLE, step_key: stepKey[key], seq: s.seq,
      phase: s.phase, phase_name: PHASES[s.phase - 1], kind: s.kind, title: s.title,
      effort_minutes: s.effort_minutes, completion: s.completion, evidence: s.evidence, status,
      release_at: startOfDay(s.release), due_at: endOfDay(s.due), due_date: s.due,
      completed_at: st.completed_at ?? null, returned: st.returned ?? false,
    };
  }

  // Compares an answered summary with the promised one (`returned` is only compared while
  // the test knows it: after a returned step is submitted again the contract leaves open
  // whether it still says it was returned).
  function assertSummary(got, key, context) {
    assertSummaryShape(got, `${key} ${context}`);
    const want = summary(key);
    if (state[key].returnedUnknown) {
      assert.equal(typeof got.returned, 'boolean', `${key}.returned ${context}`);
      want.returned = got.returned;
    }
    assert.deepEqual(got, want, `${key} ${context}`);
  }

  function assertList(got, keys, context) {
    assert.deepEqual(got.map((a) => a.id), keys.map((k) => act[k]),
      `${context}: got ${JSON.stringify(got.map((a) => `${a.title} [${a.status}]`))}, want ${JSON.stringify(keys)}`);
    got.forEach((a, i) => assertSummary(a, keys[i], context));
  }

  /** Checks the whole journey; groups: { overdue, today, upcoming, waiting, done } of keys. */
  async function expectJourney(date, groups, { completed, overdue = 0, nextDue } = {}) {
    const j = await journey(org.learner);
    const where = `journey on ${server.clock.now}`;
    assert.deepEqual(keysOf(j), ['date', 'done', 'enrolments', 'overdue', 'time_zone', 'today', 'upcoming', 'waiting'], where);
    assert.equal(j.date, date, `${where}: date`);
    assert.equal(j.time_zone, 'Europe/London', `${where}: time_zone`);
    for (const g of ['overdue', 'today', 'upcoming', 'waiting', 'done'])
      assertList(j[g], groups[g] ?? [], `${where}: ${g}`);
    assert.equal(j.enrolments.length, 1, `${where}: one enrolment`);
    const e = j.enrolments[0];
    assert.deepEqual(keysOf(e), ['id', 'next_due_at', 'progress', 'start_date', 'status', 'workflow'], where);
    assert.equal(e.id, enrolmentId);
    assert.deepEqual(e.workflow, { id: wf.id, title: TITLE });
    assert.equal(e.status, completed === 8 ? 'completed' : 'active');
    assert.equal(e.start_date, '2026-12-07');
    if (completed !== undefined) assert.deepEqual(e.progress, progress(completed, 8, overdue), `${where}: progress`);
    if (nextDue !== undefined) assert.equal(e.next_due_at, nextDue, `${where}: next_due_at`);
    return j;
  }

  function completedNow(key) {
    state[key].stored = 'completed';
    state[key].completed_at = server.clock.now;
  }

  before(async () => {
    server = await startClockedServer({ at: utc('2026-12-04', '10:00') });
    org = await organisation(server, 'acme', { designer: ['designer'], manager: [], coach: ['coach'], learner: [] });
    await withTokens(server, org);
    await setCalendar(org.admin, 'Europe/London', ['mon', 'tue', 'wed', 'thu', 'fri']);
    await reportsTo(org, org.learner, org.manager);
    await assignCoach(org.admin, org.learner.user.id, org.coach.user.id);
    wf = await buildWorkflow(org.designer, {
      title: TITLE, outcome: 'Gives specific, timely feedback within a day of the moment',
      phases: PHASES.map((name, p) => ({
        name,
        steps: STEPS.filter((s) => s.phase === p + 1).map((s) => Object.fromEntries(STEP_FIELDS.filter((f) => f in s).map((f) => [f, s[f]]))),
      })),
    });
    assert.deepEqual(wf.steps.map((s) => s.title), STEPS.map((s) => s.title), 'steps in workflow order');
    wf.steps.forEach((s, i) => (stepKey[STEPS[i].key] = s.id));
    assert.equal((await publish(org.designer, wf.id)).version, 1);
    for (const s of STEPS) state[s.key] = { stored: 'open' };
  });
  after(async () => {
    await server?.stop();
  });

  test('Monday 7 December: enrolled, each activity released at the start of a working day and due at the end of one', async () => {
    await clock('2026-12-07');
    const res = await enrol(org.admin, wf.id, { user_ids: [org.learner.user.id], start_date: '2026-12-07' });
    assert.equal(res.dry_run, false);
    assert.equal(res.workflow_id, wf.id);
    assert.equal(res.version, 1);
    assert.equal(res.start_date, '2026-12-07');
    assert.equal(res.created, 1);
    assert.equal(res.skipped, 0);
    assert.equal(res.rule_id, null);
    assert.equal(res.people.length, 1);
    enrolmentId = res.people[0].enrolment_id;
    assert.ok(Number.isInteger(enrolmentId) && enrolmentId > 0, `enrolment id ${enrolmentId}`);
    assert.deepEqual(res.people, [{ user_id: org.learner.user.id, name: 'learner of acme', email: 'learner@acme.example',
      enrolment_id: enrolmentId, skipped: false }]);
    assert.deepEqual(res.schedule, STEPS.map((s, i) => ({
      step_key: stepKey[s.key], seq: i + 1, phase: s.phase, phase_name: PHASES[s.phase - 1], title: s.title, kind: s.kind,
      release_date: s.release, due_date: s.due, release_at: startOfDay(s.release), due_at: endOfDay(s.due),
    })));
    // The weekend is skipped: "Try it once" is released on Friday and due on Tuesday.
    assert.equal(res.schedule[3].release_at, '2026-12-11T00:00:00Z');
    assert.equal(res.schedule[3].due_at, '2026-12-15T23:59:59Z');

    const e = await getEnrolment(org.learner, enrolmentId);
    assert.equal(e.activities.length, 8);
    e.activities.forEach((a, i) => (act[STEPS[i].key] = a.id));
    assert.deepEqual(keysOf(e), ['activities', 'coach', 'completed_at', 'enrolled_at', 'events', 'id', 'learner',
      'paused_at', 'paused_days', 'progress', 'replanned_at', 'start_date', 'status', 'version', 'withdrawn_at', 'workflow']);
    assert.deepEqual({ ...e, activities: undefined }, {
      id: enrolmentId, workflow: { id: wf.id, title: TITLE }, version: 1,
      learner: { id: org.learner.user.id, name: 'learner of acme', email: 'learner@acme.example', manager_id: org.manager.user.id },
      coach: { id: org.coach.user.id, name: 'coach of acme' }, status: 'active', start_date: '2026-12-07',
      progress: progress(0, 8), paused_at: null, paused_days: 0, replanned_at: null, enrolled_at: utc('2026-12-07'),
      completed_at: null, withdrawn_at: null, events: [], activities: undefined,
    });
    STEPS.forEach((s, i) => assertSummary(e.activities[i], s.key, 'in the enrolment'));
    assert.deepEqual(e.activities.map((a) => a.status), ['available', 'locked', 'locked', 'locked', 'locked', 'locked', 'locked', 'locked']);

    // Everything released within the next seven days (up to Monday 14) is upcoming.
    await expectJourney('2026-12-07', { upcoming: ['why', 'moment', 'note', 'try'] },
      { completed: 0, nextDue: endOfDay('2026-12-08') });
  });

  test('Monday: a locked activity cannot be completed; the first one can', async () => {
    expectRefused(await org.learner.post(`${API}/activities/${act.moment}/complete`, { reflection: 'Early' }), 409, 'not_released');
    await clock('2026-12-07', '09:10');
    const a = await complete(org.learner, act.why);
    completedNow('why');
    assert.equal(a.status, 'completed');
    assert.equal(a.completed_at, utc('2026-12-07', '09:10'));
    assert.deepEqual(a.completed_by, { id: org.learner.user.id, name: 'learner of acme' });
    assert.equal(a.link_url, 'https://example.com/why?a=1&b=2', 'the learner sees the link');
    assert.equal(a.instructions, 'Read **the summary**.');
    assert.match(a.instructions_html, /<strong>the summary<\/strong>/);
    assert.equal(a.enrolment_status, 'active');
    assert.deepEqual(a.learner, { id: org.learner.user.id, name: 'learner of acme' });
    await expectJourney('2026-12-07', { upcoming: ['moment', 'note', 'try'], done: ['why'] },
      { completed: 1, nextDue: endOfDay('2026-12-09') });
    expectRefused(await org.learner.post(`${API}/activities/${act.why}/complete`, {}), 409, 'already_completed');
  });

  test('Tuesday 8: the reflection is released; "Talk it through" comes within the week', async () => {
    await clock('2026-12-08');
    await expectJourney('2026-12-08', { upcoming: ['moment', 'note', 'try', 'talk'], done: ['why'] }, { completed: 1 });
  });

  test('Wednesday 9: the reflection is due today and needs a reflection; the evidence step needs evidence', async () => {
    await clock('2026-12-09');
    await expectJourney('2026-12-09', { today: ['moment'], upcoming: ['note', 'try', 'talk'], done: ['why'] }, { completed: 1 });
    const noReflection = await org.learner.post(`${API}/activities/${act.moment}/complete`, {});
    const err = expectRefused(noReflection, 422, 'validation_failed', 'a reflect step without a reflection');
    assert.deepEqual(err.details.map((d) => d.field), ['reflection']);
    const blank = await org.learner.post(`${API}/activities/${act.note}/complete`, { reflection: 'No evidence yet' });
    const err2 = expectRefused(blank, 422, 'validation_failed', 'an evidence-required step without evidence');
    assert.deepEqual(err2.details.map((d) => d.field), ['evidence_text'], 'evidence: a text, a link or a file');
    assert.equal((await getActivity(org.learner, act.note)).status, 'available', 'the refusal changed nothing');

    await clock('2026-12-09', '09:10');
    const a = await complete(org.learner, act.moment, { reflection: 'I told Sam at once; it landed.' });
    completedNow('moment');
    assert.equal(a.reflection, 'I told Sam at once; it landed.');
    assert.equal(a.status, 'completed');
    await expectJourney('2026-12-09', { upcoming: ['note', 'try', 'talk'], done: ['moment', 'why'] },
      { completed: 2, nextDue: endOfDay('2026-12-11') });
  });

  test('Thursday 10: the coaching call comes within the week', async () => {
    await clock('2026-12-10');
    await expectJourney('2026-12-10', { upcoming: ['note', 'try', 'talk', 'call'], done: ['moment', 'why'] }, { completed: 2 });
  });

  test('Friday 11: a file is the evidence; the manager step waits for the manager, who sends it back', async () => {
    await clock('2026-12-11');
    await expectJourney('2026-12-11', { today: ['note'], upcoming: ['try', 'talk', 'call', 'practise'], done: ['moment', 'why'] },
      { completed: 2, nextDue: endOfDay('2026-12-11') });

    const files = await upload(org.learner, act.note, [{ filename: 'moment.png', type: 'image/png', data: PNG }]);
    assert.equal(files.length, 1);
    assert.deepEqual({ ...files[0], id: undefined }, { id: undefined, name: 'moment.png', content_type: 'image/png',
      size: PNG.length, created_at: utc('2026-12-11') });
    await clock('2026-12-11', '09:10');
    let a = await complete(org.learner, act.note, {});
    completedNow('note');
    assert.equal(a.status, 'completed');
    assert.deepEqual(a.files.map((f) => f.name), ['moment.png']);

    await clock('2026-12-11', '09:20');
    a = await complete(org.learner, act.try, { evidence_text: 'I told Sam what I saw.' });
    state.try.stored = 'awaiting_signoff';
    assert.equal(a.status, 'awaiting_signoff');
    assert.equal(a.submitted_at, utc('2026-12-11', '09:20'));
    assert.equal(a.completed_at, null);
    expectRefused(await org.learner.post(`${API}/activities/${act.try}/complete`, { evidence_text: 'again' }), 409, 'awaiting_signoff');
    await expectJourney('2026-12-11', { upcoming: ['talk', 'call', 'practise'], waiting: ['try'], done: ['note', 'moment', 'why'] },
      { completed: 3 });

    // The manager's queue holds it, with what the learner sent; the coach's does not.
    const queue = await signoffs(org.manager);
    assert.equal(queue.length, 1);
    const { learner, submitted_at, reflection, evidence_text, evidence_url, file_count, ...rest } = queue[0];
    assertSummary(rest, 'try', 'in the manager\'s queue');
    assert.deepEqual({ learner, submitted_at, reflection, evidence_text, evidence_url, file_count }, {
      learner: { id: org.learner.user.id, name: 'learner of acme' }, submitted_at: utc('2026-12-11', '09:20'),
      reflection: null, evidence_text: 'I told Sam what I saw.', evidence_url: null, file_count: 0,
    });
    assert.deepEqual(await signoffs(org.coach), []);
    assert.deepEqual(await signoffs(org.learner), []);

    const seen = await getActivity(org.manager, act.try);
    assert.equal(seen.manager_prompt, 'Ask what they tried.');
    assert.deepEqual(seen.can, { complete: false, upload: false, sign_off: true });
    const own = await getActivity(org.learner, act.try);
    assert.ok(!('manager_prompt' in own) || own.manager_prompt === null, `the learner does not see the manager's prompt: ${own.manager_prompt}`);
    assert.deepEqual(own.can, { complete: false, upload: false, sign_off: false });

    // Returning needs a comment.
    const bare = await org.manager.post(`${API}/activities/${act.try}/signoff`, { decision: 'return' });
    assert.deepEqual(expectRefused(bare, 422, 'validation_failed').details.map((d) => d.field), ['comment']);
    await clock('2026-12-11', '09:30');
    a = await signOff(org.manager, act.try, 'return', 'Add one example of what you said.');
    state.try.stored = 'open';
    state.try.returned = true;
    assert.equal(a.status, 'returned');
    assert.deepEqual(await signoffs(org.manager), []);
    await expectJourney('2026-12-11', { upcoming: ['try', 'talk', 'call', 'practise'], done: ['note', 'moment', 'why'] },
      { completed: 3 });
  });

  test('the learner sees why it came back', async () => {
    const a = await getActivity(org.learner, act.try);
    assert.equal(a.status, 'returned');
    assert.equal(a.returned, true);
    assert.equal(a.feedback.length, 1);
    const [f] = a.feedback;
    assert.ok(Number.isInteger(f.id));
    assert.deepEqual({ ...f, id: undefined }, { id: undefined, decision: 'return', comment: 'Add one example of what you said.',
      author: { id: org.manager.user.id, name: 'manager of acme' }, created_at: utc('2026-12-11', '09:30') });
    assert.deepEqual(a.can, { complete: true, upload: true, sign_off: false });
  });

  test('Saturday 12: nothing is due at the weekend and nothing new comes', async () => {
    await clock('2026-12-12');
    await expectJourney('2026-12-12', { upcoming: ['try', 'talk', 'call', 'practise'], done: ['note', 'moment', 'why'] },
      { completed: 3 });
  });

  test('Monday 14: the returned step is submitted again', async () => {
    await clock('2026-12-14');
    await expectJourney('2026-12-14', { upcoming: ['try', 'talk', 'call', 'practise', 'month'], done: ['note', 'moment', 'why'] },
      { completed: 3 });
    await clock('2026-12-14', '09:10');
    const a = await complete(org.learner, act.try, { evidence_text: 'I told Sam: "the summary on Tuesday was clear".' });
    state.try.stored = 'awaiting_signoff';
    state.try.returnedUnknown = true;
    assert.equal(a.status, 'awaiting_signoff');
    assert.equal(a.submitted_at, utc('2026-12-14', '09:10'));
    await expectJourney('2026-12-14', { upcoming: ['talk', 'call', 'practise', 'month'], waiting: ['try'], done: ['note', 'moment', 'why'] },
      { completed: 3 });
  });

  test('Tuesday 15: the manager approves', async () => {
    await clock('2026-12-15');
    const queue = await signoffs(org.manager);
    assert.deepEqual(queue.map((q) => [q.id, q.evidence_text, q.submitted_at]),
      [[act.try, 'I told Sam: "the summary on Tuesday was clear".', utc('2026-12-14', '09:10')]]);
    const a = await signOff(org.manager, act.try, 'approve', 'Good example.');
    completedNow('try');
    assert.equal(a.status, 'completed');
    assert.equal(a.completed_at, utc('2026-12-15'));
    assert.deepEqual(a.feedback.map((f) => [f.decision, f.comment, f.author.id, f.created_at]), [
      ['return', 'Add one example of what you said.', org.manager.user.id, utc('2026-12-11', '09:30')],
      ['approve', 'Good example.', org.manager.user.id, utc('2026-12-15')],
    ]);
    expectRefused(await org.manager.post(`${API}/activities/${act.try}/signoff`, { decision: 'approve' }), 409, 'not_awaiting_signoff');
    await expectJourney('2026-12-15', { upcoming: ['talk', 'call', 'practise', 'month'], done: ['try', 'note', 'moment', 'why'] },
      { completed: 4, nextDue: endOfDay('2026-12-16') });
  });

  test('Wednesday 16: "Talk it through" is due today', async () => {
    await clock('2026-12-16');
    await expectJourney('2026-12-16', { today: ['talk'], upcoming: ['call', 'practise', 'month'], done: ['try', 'note', 'moment', 'why'] },
      { completed: 4 });
  });

  test('Thursday 17: it is overdue; done late; the coach approves the coaching call, the manager may not', async () => {
    await clock('2026-12-17');
    await expectJourney('2026-12-17', { overdue: ['talk'], upcoming: ['call', 'practise', 'month'], done: ['try', 'note', 'moment', 'why'] },
      { completed: 4, overdue: 1 });
    const e = await getEnrolment(org.manager, enrolmentId);
    assert.deepEqual(e.progress, progress(4, 8, 1));

    await clock('2026-12-17', '09:10');
    await complete(org.learner, act.talk);
    completedNow('talk');
    await clock('2026-12-17', '09:20');
    const a = await complete(org.learner, act.call);
    state.call.stored = 'awaiting_signoff';
    assert.equal(a.status, 'awaiting_signoff');
    assert.deepEqual(await signoffs(org.manager), []);
    assert.deepEqual((await signoffs(org.coach)).map((q) => q.id), [act.call]);
    expectRefused(await org.manager.post(`${API}/activities/${act.call}/signoff`, { decision: 'approve' }), 403, 'forbidden',
      'the manager signs off no coach step');
    await expectJourney('2026-12-17', { upcoming: ['practise', 'month'], waiting: ['call'], done: ['talk', 'try', 'note', 'moment', 'why'] },
      { completed: 5 });
    await clock('2026-12-17', '09:30');
    const approved = await signOff(org.coach, act.call, 'approve');
    completedNow('call');
    assert.equal(approved.status, 'completed');
    await expectJourney('2026-12-17', { upcoming: ['practise', 'month'], done: ['call', 'talk', 'try', 'note', 'moment', 'why'] },
      { completed: 6 });
  });

  test('Friday 18: practising', async () => {
    await clock('2026-12-18');
    await complete(org.learner, act.practise);
    completedNow('practise');
    await expectJourney('2026-12-18', { upcoming: ['month'], done: ['practise', 'call', 'talk', 'try', 'note', 'moment', 'why'] },
      { completed: 7, nextDue: endOfDay('2026-12-23') });
  });

  test('Monday 21: the last activity completes the enrolment', async () => {
    await clock('2026-12-21');
    const a = await complete(org.learner, act.month, { reflection: 'Feedback within a day, most days.',
      evidence_url: 'https://intranet.example/notes/42' });
    completedNow('month');
    assert.equal(a.status, 'completed');
    assert.equal(a.evidence_url, 'https://intranet.example/notes/42');
    assert.equal(a.enrolment_status, 'completed');

    const e = await getEnrolment(org.learner, enrolmentId);
    assert.equal(e.status, 'completed');
    assert.equal(e.completed_at, utc('2026-12-21'));
    assert.deepEqual(e.progress, progress(8, 8));
    STEPS.forEach((s, i) => assertSummary(e.activities[i], s.key, 'at the end'));

    // A completed enrolment stays in the journey's list; its activities leave the groups.
    const j = await journey(org.learner);
    assert.deepEqual(j.enrolments.map((x) => [x.id, x.status, x.progress]), [[enrolmentId, 'completed', progress(8, 8)]]);
    for (const g of ['overdue', 'today', 'upcoming', 'waiting', 'done']) assert.deepEqual(j[g], [], g);

    assert.deepEqual((await listEnrolments(org.manager, 'status=completed')).map((x) => x.id), [enrolmentId]);
    assert.deepEqual(await listEnrolments(org.manager, 'status=active'), []);
  });
});
