// Two `waymark serve` processes on one PostgreSQL database, both running the scheduler
// every second with the same test clock (WAYMARK_NOW_FILE), take a short workflow from
// start to finish: at each step of the clock the test waits until both servers have run a
// pass at (or after) that instant — waymark_scheduler_last_pass_at in /metrics — and the
// outbox has nothing pending, then compares the SMTP sink with the model of
// docs/notifications.md. However the two servers interleave (the pass lease, FOR UPDATE
// SKIP LOCKED on the outbox, the dedup keys), no message may arrive twice: not by
// Message-ID, not by recipient and subject; and the total is exactly the model's.
// SQLite serves one process, so this file runs on PostgreSQL only.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { changeUser, complete, enrol, getEnrolment, setCalendar, signOff, signoffs, withTokens } from './lib/enrolments.js';
import {
  NoticeModel, addDays, localInstant, mailKeys, metric, ms, notificationsOf, outboxOf, setSettings, snapshot,
  startClockedNotifyServer, until, weekday,
} from './lib/notify.js';
import { testBackend } from './lib/server.js';
import { startSmtpSink } from './lib/smtp.js';
import { buildWorkflow, organisation, publish, updateWorkflow } from './lib/workflows.js';

const ZONE = 'Europe/London'; // January: UTC
const START = '2027-01-06'; // a Wednesday
const LAST = '2027-01-29';
const FROM = 'learning@wingtip.example';
const PUBLIC = 'https://learn.wingtip.example';
const LEARNERS = ['ana', 'bo'];
const skip = testBackend() === 'postgres' ? false : 'two servers share a database only on PostgreSQL (WAYMARK_TEST_BACKEND=postgres)';

describe('two servers with the scheduler on, one database', { skip }, () => {
  let a;
  let b;
  let sink;
  let org;
  let model;
  const enrolmentOf = {};
  let lastN = 0;
  const steps = [];
  const uid = (k) => org[k].user.id;

  before(async () => {
    sink = await startSmtpSink();
    const args = ['--scheduler', 'on', '--scheduler-interval', '1', '--smtp-url', sink.url, '--smtp-from', FROM, '--public-url', PUBLIC];
    a = await startClockedNotifyServer({ at: localInstant(ZONE, '2027-01-05', '12:00'), args });
    b = await a.another();
    org = await organisation(a, 'wingtip', { designer: ['designer'], manager: [], ana: [], bo: [] });
    await withTokens(a, org);
    await setCalendar(org.admin, ZONE);
    for (const k of LEARNERS) await changeUser(org.admin, uid(k), { manager_id: uid('manager') });
    // Told on the first working day overdue; re-planned when more than 2 behind.
    await setSettings(org.admin, { escalate_after_days: 1 });
    const wf = await buildWorkflow(org.designer, { title: 'Two-server week', outcome: 'No duplicates', phases: [{ name: 'One', steps: [
      { title: 'Notice one moment', release_offset_days: 0, due_offset_days: 1 },
      { title: 'Read the short guide', release_offset_days: 0, due_offset_days: 2 },
      { title: 'Plan it with your manager', release_offset_days: 1, due_offset_days: 3, completion: 'manager_signoff' },
      { title: 'Try it once', release_offset_days: 2, due_offset_days: 4 },
    ] }] });
    await updateWorkflow(org.designer, wf.id, { replan_after_days: 2 });
    await publish(org.designer, wf.id);
    const res = await enrol(org.admin, wf.id, { user_ids: LEARNERS.map(uid), start_date: START });
    for (const p of res.people) enrolmentOf[LEARNERS.find((k) => uid(k) === p.user_id)] = p.enrolment_id;
    model = new NoticeModel({ zone: ZONE, escalateAfterDays: 1 });
    for (const k of ['admin', 'designer', 'manager', ...LEARNERS])
      model.person({ id: uid(k), name: org[k].user.name, email: org[k].user.email, managerId: LEARNERS.includes(k) ? uid('manager') : null });
  });
  after(async () => {
    if (process.env.WAYMARK_TEST_VERBOSE) console.log(steps.join('\n'));
    await sink?.stop();
    await b?.stop();
    await a?.stop();
  });

  // Moves the clock, waits until both servers passed it and the outbox is empty, then
  // compares what arrived since the last step with the model.
  async function step(date, time) {
    const at = localInstant(ZONE, date, time);
    await a.clock.set(at);
    const t = ms(at) / 1000;
    await until(async () => {
      for (const s of [a, b]) {
        const last = await metric(s, 'waymark_scheduler_last_pass_at');
        assert.notEqual(last, null, 'waymark_scheduler_last_pass_at is missing from /metrics');
        if (last < t) return false;
      }
      return (await outboxOf(org.admin, 'pending')).length === 0;
    }, `both servers to pass ${at} and the outbox to empty`, 30_000, 100);
    const enrolments = await snapshot(org.admin, LEARNERS.map((k) => enrolmentOf[k]));
    const posted = model.pass(at, enrolments);
    const due = model.deliver(at);
    const attempts = await sink.attempts();
    const fresh = attempts.filter((x) => x.n > lastN).map((x) => x.n);
    lastN = attempts.length ? attempts.at(-1).n : lastN;
    const got = (await sink.messages()).filter((m) => fresh.includes(m.n));
    steps.push(`${at}: posted ${posted.length}, got ${got.length}`);
    assert.deepEqual(mailKeys(got), mailKeys(due), `the emails at ${at} (${weekday(date)} ${time})`);
    return { at, enrolments };
  }

  test('a whole workflow, and no message twice', async () => {
    for (let date = START; date <= LAST; date = addDays(date, 1)) {
      const working = !['sat', 'sun'].includes(weekday(date));
      if (!working && date !== '2027-01-09') continue; // one weekend day is enough
      const { enrolments } = await step(date, '09:30');
      if (!working) continue;
      // The learners at 10:00 (the servers keep passing at 10:00 meanwhile): Ana does what
      // is due today; Bo nothing until he is re-planned, then the same; the manager signs
      // off what waits. Their notices are the model's at 10:01.
      await a.clock.set(localInstant(ZONE, date, '10:00'));
      const boReplanned = enrolments.find((e) => e.id === enrolmentOf.bo).events.some((e) => e.kind === 'replanned');
      for (const k of LEARNERS) {
        if (k === 'bo' && !boReplanned) continue;
        const e = await getEnrolment(org[k], enrolmentOf[k]);
        if (e.status !== 'active') continue;
        for (const x of e.activities) if (x.status === 'available' && x.due_date <= date) await complete(org[k], x.id, { evidence_text: 'Done.' });
      }
      await step(date, '10:01');
      for (const x of await signoffs(org.manager)) await signOff(org.manager, x.id, 'approve');
      const states = await Promise.all(LEARNERS.map((k) => getEnrolment(org.admin, enrolmentOf[k])));
      if (states.every((e) => e.status === 'completed')) {
        await step(addDays(date, 1), '09:30'); // their completion notices
        break;
      }
    }

    const all = await sink.messages();
    const ids = all.map((m) => m.messageId);
    assert.equal(new Set(ids).size, ids.length, `no Message-ID twice: ${ids.join(' ')}`);
    const keys = mailKeys(all);
    assert.equal(new Set(keys).size, keys.length, `no recipient and subject twice:\n${keys.join('\n')}`);
    assert.deepEqual(keys, mailKeys(model.emails), 'exactly the expected emails');
    assert.ok((await sink.attempts()).every((x) => x.outcome === 'accepted'));
    const kinds = new Set(model.notices.map((n) => n.kind));
    for (const k of ['new_activities', 'reminder', 'overdue', 'escalation', 'signoff_request', 'enrolment', 'digest'])
      assert.ok(kinds.has(k), `the walk included ${k} notices`);
    for (const k of LEARNERS) assert.equal((await getEnrolment(org.admin, enrolmentOf[k])).status, 'completed');

    const outbox = await outboxOf(org.admin);
    assert.equal(outbox.length, model.emails.length, 'one outbox row per email');
    assert.ok(outbox.every((o) => o.state === 'sent' && o.attempts === 1), 'each sent once, by one server');
    for (const k of ['manager', ...LEARNERS]) {
      const { items } = await notificationsOf(org[k]);
      assert.deepEqual(items.map((n) => `${n.kind} | ${n.title}`).sort(),
        model.notices.filter((n) => n.userId === uid(k)).map((n) => `${n.kind} | ${n.title}`).sort(), `no in-app notice twice for ${k}`);
    }
    // Both servers took part.
    for (const s of [a, b]) assert.ok((await metric(s, 'waymark_scheduler_passes_total{outcome="done"}')) > 0, `${s.url} ran passes`);
  });
});
