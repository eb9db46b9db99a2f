// How enrolment paces people, in an organisation in London working Monday to Friday,
// through January 2027 (when London is on UTC) and the spring clock change:
// - a dry run answers the schedule and writes nothing;
// - dates across the clock change: a step due on Monday 29 March 2027 ends at 22:59:59Z,
//   one due on Friday 26 March at 23:59:59Z; a start on a Saturday begins on Monday;
// - who is enrolled: ids, a pasted list of emails, people named twice, people already
//   enrolled (skipped and counted), and every refusal writing nothing;
// - a pause across a weekend, resumed: open activities move by the working days paused;
// - withdrawal keeps the history and empties the journey; enrolling again works;
// - re-planning: a learner who fell more than replan_after_days behind is spread from
//   today by `waymark tick`, no more than max_due_per_day due a day, and a second pass at
//   the same instant changes nothing; a learner not far enough behind is left alone;
// - following a rule group: a new member is enrolled at once (and by the scheduler when
//   the API did not see them join); a withdrawn member is not enrolled again; stopping
//   the rule stops it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  API, changeEnrolment, changeUser, complete, endOfDay, enrol, expectRefused, getEnrolment, journey,
  listEnrolments, listRules, progress, setCalendar, startClockedServer, startOfDay, tick, utc, withTokens,
} from './lib/enrolments.js';
import { buildWorkflow, expectInvalid, organisation, publish, updateWorkflow } from './lib/workflows.js';

const PEOPLE = ['ana', 'bo', 'cy', 'dee', 'eve', 'fay'];

describe('enrolment pacing and re-planning', () => {
  let server;
  let org;
  const wf = {}; // name → draft
  const heavyIds = {}; // cy, dee, eve → their enrolment on the heavy week
  const HEAVY_DUE = ['2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08', '2027-01-11', '2027-01-18', '2027-01-18'];
  const uid = (k) => org[k].user.id;
  const person = (k, enrolment_id = null, skipped = false) => ({
    user_id: uid(k), name: `${k} of acme`, email: `${k}@acme.example`, enrolment_id, skipped,
    ...(skipped ? { reason: 'already_enrolled' } : {}),
  });
  const clock = (date, time = '09:00') => server.clock.set(utc(date, time));

  async function published(name, plan) {
    const draft = await buildWorkflow(org.designer, { outcome: 'Does it', ...plan });
    await publish(org.designer, draft.id);
    wf[name] = draft;
    return draft;
  }

  // Everything the enrolment API could have written.
  async function everything() {
    const rules = {};
    for (const [name, w] of Object.entries(wf)) rules[name] = await listRules(org.admin, w.id);
    return { enrolments: await listEnrolments(org.admin), rules };
  }

  before(async () => {
    server = await startClockedServer({ at: utc('2027-01-04', '08:00') });
    org = await organisation(server, 'acme', {
      designer: ['designer'], manager: [], coach: ['coach'], ...Object.fromEntries(PEOPLE.map((p) => [p, []])),
    });
    await withTokens(server, org);
    await setCalendar(org.admin, 'Europe/London');
    for (const p of PEOPLE) await changeUser(org.admin, uid(p), { manager_id: uid('manager') });

    await published('pause', { title: 'Pause me', phases: [{ name: 'One', steps: [
      { title: 'Notice', release_offset_days: 0, due_offset_days: 0 },
      { title: 'Try', release_offset_days: 1, due_offset_days: 3 },
      { title: 'Tell', release_offset_days: 4, due_offset_days: 5 },
      { title: 'Look back', release_offset_days: 5, due_offset_days: 7 },
    ] }] });
    await published('clock', { title: 'Across the clock change', phases: [{ name: 'Spring', steps: [
      { title: 'Friday step', release_offset_days: 0, due_offset_days: 0 },
      { title: 'Monday step', release_offset_days: 1, due_offset_days: 1 },
    ] }] });
    await published('calendar', { title: 'Every day counts', pacing: 'calendar_days', phases: [{ name: 'Spring', steps: [
      { title: 'Saturday step', release_offset_days: 0, due_offset_days: 0 },
      { title: 'Sunday step', release_offset_days: 1, due_offset_days: 1 },
    ] }] });

    // Re-planning after more than 2 working days behind, at most 3 due a day.
    const heavy = await buildWorkflow(org.designer, { title: 'A heavy week', outcome: 'Copes', phases: [{ name: 'Week',
      steps: [0, 1, 2, 3, 4, 5, 10, 10].map((due, i) => ({ title: `Step ${i + 1}`, release_offset_days: 0, due_offset_days: due })) }] });
    assert.equal(heavy.replan_after_days, 3, 'replan_after_days defaults to 3');
    assert.equal(heavy.max_due_per_day, 2, 'max_due_per_day defaults to 2');
    const set = await updateWorkflow(org.designer, heavy.id, { replan_after_days: 2, max_due_per_day: 3 });
    assert.deepEqual([set.replan_after_days, set.max_due_per_day], [2, 3]);
    await publish(org.designer, heavy.id);
    const v1 = await org.designer.get(`${API}/workflows/${heavy.id}/versions/1`);
    assert.deepEqual([v1.body.replan_after_days, v1.body.max_due_per_day], [2, 3], 'frozen into version 1');
    // Changed in the draft only: version 1 keeps its own settings.
    await updateWorkflow(org.designer, heavy.id, { replan_after_days: 0, max_due_per_day: 1 });
    wf.heavy = heavy;

    await published('follow', { title: 'Welcome to sales', phases: [{ name: 'Day one', steps: [
      { title: 'Meet the team', release_offset_days: 0, due_offset_days: 2 },
    ] }] });
  });
  after(async () => {
    await server?.stop();
  });

  test('workflow pacing settings are checked', async () => {
    for (const bad of [{ replan_after_days: -1 }, { max_due_per_day: 0 }, { replan_after_days: 'soon' }, { max_due_per_day: 1.5 }]) {
      const res = await org.designer.patch(`${API}/workflows/${wf.heavy.id}`, bad);
      expectInvalid(res, Object.keys(bad), JSON.stringify(bad));
    }
  });

  test('a dry run answers the schedule and writes nothing', async () => {
    await clock('2027-01-04');
    const before = await everything();
    const res = await enrol(org.admin, wf.pause.id, { user_ids: [uid('ana'), uid('bo')], start_date: '2027-01-04' }, { dryRun: true });
    assert.deepEqual(res, {
      dry_run: true, workflow_id: wf.pause.id, version: 1, start_date: '2027-01-04', created: 2, skipped: 0, rule_id: null,
      people: [person('ana'), person('bo')],
      schedule: [['Notice', '2027-01-04', '2027-01-04'], ['Try', '2027-01-05', '2027-01-07'], ['Tell', '2027-01-08', '2027-01-11'],
        ['Look back', '2027-01-11', '2027-01-13']].map(([title, r, d], i) => ({
        step_key: wf.pause.steps[i].id, seq: i + 1, phase: 1, phase_name: 'One', title, kind: 'learn',
        release_date: r, due_date: d, release_at: startOfDay(r), due_at: endOfDay(d),
      })),
    });
    // start_date defaults to today, and a group with follow_group makes no rule in a dry run.
    const group = await org.admin.post(`${API}/groups`, { name: 'Dry cohort' });
    assert.equal(group.status, 201, group.text);
    const add = await org.admin.post(`${API}/groups/${group.body.id}/members`, { user_ids: [uid('eve'), uid('cy')] });
    assert.equal(add.status, 200, add.text);
    const byGroup = await enrol(org.admin, wf.pause.id, { group_id: group.body.id, follow_group: true }, { dryRun: true });
    assert.equal(byGroup.start_date, '2027-01-04');
    assert.equal(byGroup.rule_id, null);
    assert.deepEqual(byGroup.people, [person('cy'), person('eve')], 'group members by name');
    assert.deepEqual(await everything(), before, 'a dry run writes nothing');
    assert.deepEqual(await listEnrolments(org.admin), []);
  });

  test('dates across the spring clock change, and a start on a Saturday', async () => {
    const fri = await enrol(org.admin, wf.clock.id, { user_ids: [uid('ana')], start_date: '2027-03-26' }, { dryRun: true });
    assert.deepEqual(fri.schedule.map((s) => [s.release_date, s.due_date, s.release_at, s.due_at]), [
      ['2027-03-26', '2027-03-26', '2027-03-26T00:00:00Z', '2027-03-26T23:59:59Z'],
      ['2027-03-29', '2027-03-29', '2027-03-28T23:00:00Z', '2027-03-29T22:59:59Z'],
    ]);
    const sat = await enrol(org.admin, wf.clock.id, { user_ids: [uid('ana')], start_date: '2027-03-27' }, { dryRun: true });
    assert.equal(sat.start_date, '2027-03-27');
    assert.deepEqual(sat.schedule.map((s) => [s.release_date, s.due_date, s.release_at, s.due_at]), [
      ['2027-03-29', '2027-03-29', '2027-03-28T23:00:00Z', '2027-03-29T22:59:59Z'],
      ['2027-03-30', '2027-03-30', '2027-03-29T23:00:00Z', '2027-03-30T22:59:59Z'],
    ]);
    // Calendar pacing counts the weekend; Sunday 28 March is 23 hours long.
    const cal = await enrol(org.admin, wf.calendar.id, { user_ids: [uid('ana')], start_date: '2027-03-27' }, { dryRun: true });
    assert.deepEqual(cal.schedule.map((s) => [s.release_date, s.due_date, s.release_at, s.due_at]), [
      ['2027-03-27', '2027-03-27', '2027-03-27T00:00:00Z', '2027-03-27T23:59:59Z'],
      ['2027-03-28', '2027-03-28', '2027-03-28T00:00:00Z', '2027-03-28T22:59:59Z'],
    ]);
    assert.deepEqual(await listEnrolments(org.admin), []);
  });

  test('every refusal names its place and writes nothing', async () => {
    const before = await everything();
    const url = `${API}/workflows/${wf.pause.id}/enrolments`;
    const deactivated = await org.admin.post(`${API}/users`, { email: 'gone@acme.example', name: 'Gone' });
    assert.equal(deactivated.status, 201, deactivated.text);
    assert.equal((await org.admin.delete(`${API}/users/${deactivated.body.user.id}`)).status, 200);
    const cases = [
      [{ user_ids: [uid('ana'), 987654321] }, ['user_ids[1]']],
      [{ user_ids: [deactivated.body.user.id] }, ['user_ids[0]']],
      [{ emails: ['cy@acme.example', 'nobody@acme.example'] }, ['emails[1]']],
      [{ emails: 'cy@acme.example; bo@acme.example,\n nobody@acme.example' }, ['emails[2]']],
      [{ emails: ['gone@acme.example'] }, ['emails[0]']],
      [{ user_ids: [uid('ana')], start_date: '2027-02-30' }, ['start_date']],
      [{ user_ids: [uid('ana')], start_date: '04/01/2027' }, ['start_date']],
      [{ user_ids: [uid('ana')], start_date: '2026-12-04' }, ['start_date']], // 31 days ago
      [{ user_ids: [uid('ana')], coach_id: uid('bo') }, ['coach_id']],
      [{ user_ids: [uid('ana')], coach_id: 987654321 }, ['coach_id']],
    ];
    for (const [body, fields] of cases) expectInvalid(await org.admin.post(url, body), fields, JSON.stringify(body));
    // Naming nobody, or following without a group, is invalid too.
    expectRefused(await org.admin.post(url, {}), 422, 'validation_failed', 'nobody named');
    expectRefused(await org.admin.post(url, { user_ids: [uid('ana')], follow_group: true }), 422, 'validation_failed', 'follow_group without a group');
    // 30 days ago is still allowed (as a dry run).
    const oldest = await enrol(org.admin, wf.pause.id, { user_ids: [uid('ana')], start_date: '2026-12-05' }, { dryRun: true });
    assert.equal(oldest.start_date, '2026-12-05');
    // A workflow never published, and an archived one.
    const draft = await buildWorkflow(org.designer, { title: 'Not yet', phases: [{ name: 'P', steps: [{ title: 'S' }] }] });
    expectRefused(await org.admin.post(`${API}/workflows/${draft.id}/enrolments`, { user_ids: [uid('ana')] }), 409, 'not_published');
    const archived = await published('archived', { title: 'Old one', phases: [{ name: 'P', steps: [{ title: 'S' }] }] });
    assert.equal((await org.designer.post(`${API}/workflows/${archived.id}/archive`)).status, 200);
    expectRefused(await org.admin.post(`${API}/workflows/${archived.id}/enrolments`, { user_ids: [uid('ana')] }), 409, 'workflow_archived');
    assert.deepEqual(await everything(), { ...before, rules: { ...before.rules, archived: [] } });
  });

  test('people named twice count once, people already enrolled are skipped, a pasted list works', async () => {
    const first = await enrol(org.admin, wf.pause.id, { user_ids: [uid('ana'), uid('bo')], start_date: '2027-01-04' });
    assert.equal(first.created, 2);
    assert.equal(first.skipped, 0);
    const [ana, bo] = first.people.map((p) => p.enrolment_id);
    assert.deepEqual(first.people, [person('ana', ana), person('bo', bo)]);

    const again = await enrol(org.designer, wf.pause.id, {
      user_ids: [uid('ana')], emails: 'cy@acme.example; bo@acme.example,\n dee@acme.example  ana@acme.example\r\ncy@acme.example',
      start_date: '2027-01-04',
    });
    assert.equal(again.created, 2);
    assert.equal(again.skipped, 2);
    const cy = again.people.find((p) => p.user_id === uid('cy'))?.enrolment_id;
    const dee = again.people.find((p) => p.user_id === uid('dee'))?.enrolment_id;
    assert.deepEqual(again.people, [person('ana', null, true), person('cy', cy), person('bo', null, true), person('dee', dee)]);
    const list = await listEnrolments(org.admin, `workflow_id=${wf.pause.id}`);
    assert.deepEqual(list.map((e) => e.learner.id).sort(), [uid('ana'), uid('bo'), uid('cy'), uid('dee')].sort());
    assert.deepEqual(list.map((e) => e.id), [...list.map((e) => e.id)].sort((a, b) => b - a), 'newest first');
  });

  test('three learners start a heavy week and do different amounts', async () => {
    await clock('2027-01-04', '12:00');
    const res = await enrol(org.admin, wf.heavy.id, { user_ids: [uid('cy'), uid('dee'), uid('eve')], start_date: '2027-01-04' });
    assert.equal(res.version, 1);
    Object.assign(heavyIds, Object.fromEntries(res.people.map((p) => [p.name.split(' ')[0], p.enrolment_id])));
    const acts = async (k) => (await getEnrolment(org.admin, heavyIds[k])).activities;
    // dee did the first three, eve the first two, cy nothing.
    for (const [k, n] of [['dee', 3], ['eve', 2]]) {
      const a = await acts(k);
      for (let i = 0; i < n; i++) await complete(org[k], a[i].id);
    }
    assert.deepEqual((await acts('cy')).map((a) => a.due_date), HEAVY_DUE);
  });

  test('a paused enrolment is frozen', async () => {
    const [ana] = await listEnrolments(org.admin, `workflow_id=${wf.pause.id}&user_id=${uid('ana')}`);
    await clock('2027-01-04', '13:00');
    let e = await getEnrolment(org.ana, ana.id);
    await complete(org.ana, e.activities[0].id);

    await clock('2027-01-06', '10:00'); // Wednesday
    e = await changeEnrolment(org.manager, ana.id, { status: 'paused' });
    assert.equal(e.status, 'paused');
    assert.equal(e.paused_at, '2027-01-06T10:00:00Z');
    assert.equal(e.paused_days, 0);
    expectRefused(await org.ana.post(`${API}/activities/${e.activities[1].id}/complete`, {}), 409, 'enrolment_not_active');
    const j = await journey(org.ana);
    assert.deepEqual(j.enrolments.map((x) => [x.id, x.status]), [[ana.id, 'paused']]);
    for (const g of ['overdue', 'today', 'upcoming', 'waiting', 'done'])
      assert.deepEqual(j[g].filter((a) => a.enrolment_id === ana.id), [], `a paused enrolment has nothing in ${g}`);
  });

  test('re-planning spreads a learner who fell behind from today; a second pass changes nothing', async () => {
    const id = heavyIds;
    const DUE = HEAVY_DUE;
    const acts = async (k) => (await getEnrolment(org.admin, id[k])).activities;
    const first = await tick(server, '2027-01-11T07:00:00Z');
    assert.match(first.stdout, /re-planned/, `the pass says what it did: ${first.stdout}`);
    await clock('2027-01-11');
    const dueDates = async (k) => (await acts(k)).map((a) => a.due_date);
    // cy: 5 working days behind (Step 1 was due Monday 4) > 2: spread from today, 3 a day.
    assert.deepEqual(await dueDates('cy'), ['2027-01-11', '2027-01-11', '2027-01-11', '2027-01-12', '2027-01-12', '2027-01-12',
      '2027-01-18', '2027-01-18']);
    // eve: 3 behind (Step 3 was due Wednesday 6): her four open overdue-or-crowded steps move.
    assert.deepEqual(await dueDates('eve'), [...DUE.slice(0, 2), '2027-01-11', '2027-01-11', '2027-01-11', '2027-01-12',
      '2027-01-18', '2027-01-18']);
    // dee: exactly 2 behind (Step 4 was due Thursday 7): not more than 2, left alone.
    assert.deepEqual(await dueDates('dee'), DUE);

    const cy = await getEnrolment(org.cy, id.cy);
    assert.equal(cy.replanned_at, '2027-01-11T07:00:00Z');
    assert.deepEqual(cy.events, [{ kind: 'replanned', created_at: '2027-01-11T07:00:00Z', data: { moved: 6, behind_days: 5 } }]);
    assert.deepEqual(cy.progress, progress(0, 8, 0), 'nothing is overdue after the re-plan');
    for (const a of cy.activities) {
      assert.equal(a.release_at, startOfDay('2027-01-04'), 'releases never move later');
      assert.equal(a.due_at, endOfDay(a.due_date));
    }
    const perDay = {};
    for (const a of cy.activities) perDay[a.due_date] = (perDay[a.due_date] ?? 0) + 1;
    assert.ok(Object.values(perDay).every((n) => n <= 3), JSON.stringify(perDay));
    assert.ok(cy.activities.every((a) => a.due_date >= '2027-01-11'), 'nothing due before today');
    const eve = await getEnrolment(org.eve, id.eve);
    assert.deepEqual(eve.events, [{ kind: 'replanned', created_at: '2027-01-11T07:00:00Z', data: { moved: 4, behind_days: 3 } }]);
    const dee = await getEnrolment(org.dee, id.dee);
    assert.equal(dee.replanned_at, null);
    assert.deepEqual(dee.events, []);
    assert.deepEqual(dee.progress, progress(3, 8, 2));

    // The same pass again changes nothing.
    const snapshot = await Promise.all(['cy', 'dee', 'eve'].map((k) => getEnrolment(org.admin, id[k])));
    const again = await tick(server, '2027-01-11T07:00:00Z');
    assert.match(again.stdout, /\b0 enrolled by rules, 0 \w+ re-planned/, `the second pass says it did nothing: ${again.stdout}`);
    assert.deepEqual(await Promise.all(['cy', 'dee', 'eve'].map((k) => getEnrolment(org.admin, id[k]))), snapshot);
  });

  test('resuming moves the open activities by the working days the pause covered', async () => {
    const [ana] = await listEnrolments(org.admin, `workflow_id=${wf.pause.id}&user_id=${uid('ana')}`);
    await clock('2027-01-12', '10:00'); // the next Tuesday: Wed, Thu, Fri, Mon paused
    const e = await changeEnrolment(org.admin, ana.id, { status: 'active' });
    assert.equal(e.status, 'active');
    assert.equal(e.paused_at, null);
    assert.equal(e.paused_days, 4);
    assert.deepEqual(e.activities.map((a) => [a.title, a.status, a.release_at, a.due_at, a.due_date]), [
      ['Notice', 'completed', startOfDay('2027-01-04'), endOfDay('2027-01-04'), '2027-01-04'],
      ['Try', 'available', startOfDay('2027-01-11'), endOfDay('2027-01-13'), '2027-01-13'],
      ['Tell', 'locked', startOfDay('2027-01-14'), endOfDay('2027-01-15'), '2027-01-15'],
      ['Look back', 'locked', startOfDay('2027-01-15'), endOfDay('2027-01-19'), '2027-01-19'],
    ]);
    assert.deepEqual(e.progress, progress(1, 4, 0));
  });

  test('bad transitions are refused', async () => {
    const [ana] = await listEnrolments(org.admin, `workflow_id=${wf.pause.id}&user_id=${uid('ana')}`);
    expectRefused(await org.admin.patch(`${API}/enrolments/${ana.id}`, { status: 'active' }), 409, 'bad_transition', 'resume an active one');
    expectInvalid(await org.admin.patch(`${API}/enrolments/${ana.id}`, { status: 'finished' }), ['status']);
    assert.equal((await getEnrolment(org.admin, ana.id)).status, 'active');
  });

  test('withdrawal keeps the history and takes the activities off the journey; enrolling again works', async () => {
    const [bo] = await listEnrolments(org.admin, `workflow_id=${wf.pause.id}&user_id=${uid('bo')}`);
    const before = await getEnrolment(org.admin, bo.id);
    await clock('2027-01-12', '11:00');
    const e = await changeEnrolment(org.admin, bo.id, { status: 'withdrawn' });
    assert.equal(e.status, 'withdrawn');
    assert.equal(e.withdrawn_at, '2027-01-12T11:00:00Z');
    assert.deepEqual(e.activities.map((a) => [a.id, a.title, a.due_at]), before.activities.map((a) => [a.id, a.title, a.due_at]));
    const j = await journey(org.bo);
    assert.deepEqual(j.enrolments, []);
    for (const g of ['overdue', 'today', 'upcoming', 'waiting', 'done']) assert.deepEqual(j[g], [], g);
    expectRefused(await org.admin.patch(`${API}/enrolments/${bo.id}`, { status: 'withdrawn' }), 409, 'bad_transition', 'withdraw twice');
    expectRefused(await org.admin.patch(`${API}/enrolments/${bo.id}`, { status: 'active' }), 409, 'bad_transition', 'resume a withdrawn one');
    expectRefused(await org.ana.post(`${API}/activities/${e.activities[0].id}/complete`, {}), 404, 'not_found');
    expectRefused(await org.bo.post(`${API}/activities/${e.activities[0].id}/complete`, {}), 409, 'enrolment_not_active');
    assert.equal((await getEnrolment(org.bo, bo.id)).status, 'withdrawn', 'the learner still reads her history');

    const again = await enrol(org.admin, wf.pause.id, { user_ids: [uid('bo')] });
    assert.equal(again.created, 1);
    assert.equal(again.start_date, '2027-01-12');
    const mine = await listEnrolments(org.bo, `workflow_id=${wf.pause.id}`);
    assert.deepEqual(mine.map((x) => [x.id, x.status]), [[again.people[0].enrolment_id, 'active'], [bo.id, 'withdrawn']]);
  });

  test('following a rule group enrols new members at once, and by the scheduler, until the rule stops', async () => {
    await clock('2027-01-13');
    await changeUser(org.admin, uid('fay'), { department: 'Sales' });
    const group = await org.admin.post(`${API}/groups`, { name: 'Sales', rule: { all: [{ field: 'department', op: 'equals', value: 'Sales' }] } });
    assert.equal(group.status, 201, group.text);
    const gid = group.body.id;
    const res = await enrol(org.admin, wf.follow.id, { group_id: gid, follow_group: true });
    assert.equal(res.created, 1);
    assert.equal(res.start_date, '2027-01-13');
    assert.ok(Number.isInteger(res.rule_id), `a rule: ${res.rule_id}`);
    let rules = await listRules(org.designer, wf.follow.id);
    assert.deepEqual(rules, [{ id: res.rule_id, group: { id: gid, name: 'Sales' }, created_at: utc('2027-01-13'), stopped_at: null, active: true }]);

    // Someone new in sales is enrolled as soon as they exist, starting today.
    await clock('2027-01-13', '10:00');
    const hal = await org.admin.post(`${API}/users`, { email: 'hal@acme.example', name: 'Hal', department: 'Sales' });
    assert.equal(hal.status, 201, hal.text);
    const halId = hal.body.user.id;
    let enrolled = await listEnrolments(org.admin, `workflow_id=${wf.follow.id}&user_id=${halId}`);
    assert.deepEqual(enrolled.map((e) => [e.status, e.start_date, e.version]), [['active', '2027-01-13', 1]]);
    assert.deepEqual((await getEnrolment(org.admin, enrolled[0].id)).activities.map((a) => [a.title, a.due_at]),
      [['Meet the team', endOfDay('2027-01-15')]]);

    // A member the API did not see join (written straight into the table, as a restore
    // would) is enrolled by the next scheduler pass, starting the day of the pass.
    const ida = await org.admin.post(`${API}/users`, { email: 'ida@acme.example', name: 'Ida', department: 'Operations' });
    assert.equal(ida.status, 201, ida.text);
    const idaId = ida.body.user.id;
    assert.deepEqual(await listEnrolments(org.admin, `workflow_id=${wf.follow.id}&user_id=${idaId}`), []);
    const joined = Date.parse('2027-01-14T06:00:00Z') / 1000;
    await server.db.query(`INSERT INTO user_group_members (tenant_id, group_id, user_id, added_at) SELECT tenant_id, ${gid}, ${idaId}, ${joined} FROM user_groups WHERE id = ${gid}`);
    await tick(server, '2027-01-14T07:00:00Z');
    await clock('2027-01-14');
    enrolled = await listEnrolments(org.admin, `workflow_id=${wf.follow.id}&user_id=${idaId}`);
    assert.deepEqual(enrolled.map((e) => [e.status, e.start_date]), [['active', '2027-01-14']]);

    // A member whose enrolment was withdrawn has been enrolled before: never again.
    const [fay] = await listEnrolments(org.admin, `workflow_id=${wf.follow.id}&user_id=${uid('fay')}`);
    await changeEnrolment(org.admin, fay.id, { status: 'withdrawn' });
    await tick(server, '2027-01-14T08:00:00Z');
    assert.deepEqual((await listEnrolments(org.admin, `workflow_id=${wf.follow.id}&user_id=${uid('fay')}`)).map((e) => e.status), ['withdrawn']);

    // Stopping the rule: the enrolments stay, nobody new is enrolled.
    await clock('2027-01-14', '10:00');
    assert.equal((await org.admin.delete(`${API}/workflows/${wf.follow.id}/enrolment-rules/${res.rule_id}`)).status, 204);
    rules = await listRules(org.admin, wf.follow.id);
    assert.deepEqual(rules, [{ id: res.rule_id, group: { id: gid, name: 'Sales' }, created_at: utc('2027-01-13'),
      stopped_at: '2027-01-14T10:00:00Z', active: false }]);
    const jo = await org.admin.post(`${API}/users`, { email: 'jo@acme.example', name: 'Jo', department: 'Sales' });
    assert.equal(jo.status, 201, jo.text);
    assert.deepEqual(await listEnrolments(org.admin, `workflow_id=${wf.follow.id}&user_id=${jo.body.user.id}`), []);
    await tick(server, '2027-01-15T07:00:00Z');
    assert.deepEqual(await listEnrolments(org.admin, `workflow_id=${wf.follow.id}&user_id=${jo.body.user.id}`), []);
    assert.deepEqual((await listEnrolments(org.admin, `workflow_id=${wf.follow.id}`)).map((e) => e.learner.id).sort((a, b) => a - b),
      [uid('fay'), halId, idaId].sort((a, b) => a - b));
  });
});
