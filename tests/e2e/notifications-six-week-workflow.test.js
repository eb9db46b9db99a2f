// Six weeks of nudges, as docs/notifications.md promises them, with a real SMTP relay on
// loopback (lib/smtp-sink.py) and the clock moved by `waymark tick --at`:
// - an organisation in London (summer: UTC+1, so 09:30 local is 08:30Z), a manager, a
//   coach and three learners on the six-week "Giving specific, timely feedback" template;
// - Ana does everything on her due day; Bo keeps up for a week, then stalls: he is
//   nudged on the 1st and 3rd working day overdue, his manager is told on the 5th, the
//   satnav re-plans him the day after and both are told; his manager returns one
//   sign-off; Cy turned reminder emails off and has quiet hours until 10:00;
// - a pass every day at 09:30 local (weekends too) and, on days someone asked for a
//   sign-off, one at 11:00; after every pass the emails at the sink are exactly the ones
//   the contract's table gives for the schedule the API reports (lib/notify.js's model),
//   each with its headers, parts and working links;
// - the same tick run again sends and posts nothing; List-Unsubscribe stops that kind;
//   the in-app notifications match the notices, and marking them read works.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { changeUser, complete, enrol, getEnrolment, setCalendar, signOff, signoffs, withTokens } from './lib/enrolments.js';
import {
  API, NOTIFICATION_FIELDS, NoticeModel, OUTBOX_FIELDS, PREF_KINDS, addDays, assertEmailShape, iso, localInstant, mailKeys,
  notificationsOf, outboxOf, prefsOf, setPrefs, snapshot, startClockedNotifyServer, tickAt, unreadOf, weekday,
} from './lib/notify.js';
import { expectApiError } from './lib/people.js';
import { startSmtpSink } from './lib/smtp.js';
import { organisation, publish, updateStep, updateWorkflow } from './lib/workflows.js';

const ZONE = 'Europe/London';
const START = '2027-06-07'; // a Monday
const LAST = '2027-08-13'; // the simulation stops here at the latest
const FROM = 'learning@northwind.example';
const NAMES = { manager: 'Maya Manager', coach: 'Cleo Coach', ana: 'Ana Ahmed', bo: 'Bo Brown', cy: 'Cy Clarke' };
const LEARNERS = ['ana', 'bo', 'cy'];
const BO_STALLS = '2027-06-14'; // from this day until he is re-planned

describe('six weeks of nudges on the feedback template', () => {
  let server;
  let sink;
  let org;
  let model;
  let orgName;
  const enrolmentOf = {}; // learner key → enrolment id
  const mail = []; // { m: parsed message, e: the model's email }
  let lastN = 0; // the last sink attempt already compared
  const uid = (k) => org[k].user.id;
  const log = [];
  let boReplannedOn = null;
  let returnedOnce = null;
  let anaUnsubscribedOn = null;
  let reran = false;

  before(async () => {
    server = await startClockedNotifyServer({ at: localInstant(ZONE, '2027-06-04', '12:00') });
    sink = await startSmtpSink();
    org = await organisation(server, 'northwind', {
      designer: ['designer'], manager: [], coach: ['coach'], ana: [], bo: [], cy: [],
    });
    orgName = org.admin.tenant.name;
    await withTokens(server, org);
    await setCalendar(org.admin, ZONE);
    await changeUser(org.admin, uid('manager'), { name: NAMES.manager });
    await changeUser(org.admin, uid('coach'), { name: NAMES.coach });
    for (const k of LEARNERS) await changeUser(org.admin, uid(k), { name: NAMES[k], manager_id: uid('manager') });

    // The six-week template, with its assessor step made a self step (nobody can
    // complete an assessor step through the API) and re-planning after 5 days behind,
    // so the manager hears of a stall (escalation on the 5th day) before the satnav
    // re-plans it (the 6th).
    const created = await org.designer.post(`${API}/workflows`, { template: 'giving-feedback' });
    assert.equal(created.status, 201, created.text);
    const draft = created.body;
    const assessor = draft.steps.filter((s) => s.completion === 'assessor');
    assert.ok(assessor.length >= 1, 'the template has an assessor step');
    for (const s of assessor) await updateStep(org.designer, draft.id, s.id, { completion: 'self' });
    await updateWorkflow(org.designer, draft.id, { replan_after_days: 5 });
    await publish(org.designer, draft.id);
    const res = await enrol(org.admin, draft.id, { user_ids: LEARNERS.map(uid), start_date: START, coach_id: uid('coach') });
    assert.equal(res.created, 3);
    for (const p of res.people) enrolmentOf[LEARNERS.find((k) => uid(k) === p.user_id)] = p.enrolment_id;
    const last = res.schedule.map((s) => s.due_date).sort().at(-1);
    assert.ok(last >= addDays(START, 35) && last <= addDays(START, 45), `about six weeks: the last step is due ${last}`);

    model = new NoticeModel({ zone: ZONE });
    for (const k of [...Object.keys(NAMES), 'admin', 'designer']) {
      model.person({ id: uid(k), name: NAMES[k] ?? org[k].user.name, email: org[k].user.email,
        managerId: LEARNERS.includes(k) ? uid('manager') : null });
    }
    // Cy: no reminder emails, and quiet until 10:00.
    const cyPrefs = { email: { reminder: false }, quiet_hours: { start: '07:00', end: '10:00' } };
    const p = await setPrefs(org.cy, cyPrefs);
    assert.equal(p.email.reminder, false);
    assert.deepEqual(p.quiet_hours, cyPrefs.quiet_hours);
    assert.equal(p.uses_defaults, false);
    model.prefs(uid('cy'), cyPrefs);
  });

  after(async () => {
    if (log.length && process.env.WAYMARK_TEST_VERBOSE) console.log(log.join('\n'));
    await sink?.stop();
    await server?.stop();
  });

  // One pass at a local time: run it, replay it in the model, compare the sink.
  async function pass(date, time) {
    const at = localInstant(ZONE, date, time);
    await server.clock.set(at);
    const r = await tickAt(server, at, { smtp: sink, smtpFrom: FROM });
    const enrolments = await snapshot(org.admin, LEARNERS.map((k) => enrolmentOf[k]));
    const bo = enrolments.find((e) => e.id === enrolmentOf.bo);
    if (!boReplannedOn && bo.events.some((e) => e.kind === 'replanned')) boReplannedOn = date;
    const posted = model.pass(at, enrolments);
    const due = model.deliver(at);
    const attempts = await sink.attempts();
    const fresh = attempts.filter((a) => a.n > lastN);
    lastN = attempts.length ? attempts.at(-1).n : lastN;
    assert.deepEqual(fresh.filter((a) => a.outcome !== 'accepted'), [], 'the sink accepts everything');
    const got = (await sink.messages()).filter((m) => fresh.some((a) => a.n === m.n));
    log.push(`${date} ${time} (${weekday(date)}): posted ${posted.length}, sent ${got.length} — ${r.stdout.trim()}`);
    assert.deepEqual(mailKeys(got), mailKeys(due), `the emails of the pass at ${at} (${weekday(date)} ${time} local); the model posted:\n${posted.map((n) => `  ${n.to} | ${n.title}`).join('\n')}\ntick: ${r.stdout}`);
    const unmatched = [...due];
    for (const m of got) {
      const i = unmatched.findIndex((e) => e.to === m.to.address && e.title === m.subject);
      const e = unmatched.splice(i, 1)[0];
      const shape = assertEmailShape(m, { orgName, fromAddress: FROM, publicUrl: server.url });
      if (e.link) assert.ok(m.text.includes(`${server.url}${e.link}`), `the text of "${m.subject}" links to ${server.url}${e.link}:\n${m.text}`);
      if (e.link) assert.ok(m.html.includes(`${server.url}${e.link}`), `the HTML of "${m.subject}" links to ${server.url}${e.link}`);
      assert.ok(m.html.includes(orgName), `the HTML of "${m.subject}" carries the organisation's name`);
      mail.push({ m, e, ...shape });
    }
    return { at, posted, got, tick: r };
  }

  // The learners' morning: Ana and Cy do what is due today; Bo too, except while he stalls;
  // a returned activity is done again the next working day. Answers whether a sign-off
  // was asked for.
  async function learnersAct(date) {
    await server.clock.set(localInstant(ZONE, date, '10:00'));
    let asked = false;
    for (const k of LEARNERS) {
      if (k === 'bo' && date >= BO_STALLS && !boReplannedOn) continue;
      const e = await getEnrolment(org[k], enrolmentOf[k]);
      if (e.status !== 'active') continue;
      for (const a of e.activities) {
        if (!((a.status === 'available' && a.due_date <= date) || a.status === 'returned')) continue;
        const done = await complete(org[k], a.id, { reflection: `What I noticed on ${date}.`, evidence_text: 'Notes from the conversation.' });
        if (done.status === 'awaiting_signoff') asked = true;
      }
    }
    return asked;
  }

  // The sign-offs after the 11:00 pass: all approved, except the first of Bo's that his
  // manager sees, which goes back once.
  async function signersAct(date) {
    await server.clock.set(localInstant(ZONE, date, '11:30'));
    for (const k of ['manager', 'coach']) {
      for (const a of await signoffs(org[k])) {
        if (k === 'manager' && a.learner.id === uid('bo') && !returnedOnce) {
          returnedOnce = { id: a.id, date };
          await signOff(org.manager, a.id, 'return', 'Please add what you will say first.');
        } else {
          await signOff(org[k], a.id, 'approve');
        }
      }
    }
  }

  async function unsubscribeAna(date) {
    const found = mail.filter((x) => x.e.userId === uid('ana') && x.e.kind === 'reminder').at(-1);
    if (!found) return;
    // The link in the email works for Ana, and only for her.
    const link = /\/activities\/(\d+)/.exec(found.e.link);
    const page = await fetch(new URL(found.e.link, server.url));
    assert.equal(page.status, 200, `GET ${found.e.link}`);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const act = await org.ana.get(`${API}/activities/${link[1]}`);
    assert.equal(act.status, 200, act.text);
    assert.equal(found.m.subject.replace(/^Due [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}: /, ''), act.body.title, 'the reminder names the activity it links to');
    expectApiError(await org.bo.get(`${API}/activities/${link[1]}`), 404, 'not_found', 'Bo opens Ana\'s link');

    // One-click unsubscribe (RFC 8058), with no session.
    const url = found.unsubscribeUrl;
    const peek = await fetch(url);
    assert.equal(peek.status, 200);
    assert.deepEqual(await peek.json(), { kind: 'reminder', name: NAMES.ana });
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual(JSON.parse(text), { kind: 'reminder', email: false });
    model.prefs(uid('ana'), { email: { reminder: false } });
    const prefs = await prefsOf(org.ana);
    assert.deepEqual(prefs.email, Object.fromEntries(PREF_KINDS.map((k) => [k, k !== 'reminder'])));
    assert.equal(prefs.uses_defaults, false);
    anaUnsubscribedOn = date;
  }

  test('every pass sends exactly the emails the schedule calls for', async () => {
    // The Saturday and Sunday before the start: nothing.
    for (const d of ['2027-06-05', '2027-06-06']) {
      const { got, posted } = await pass(d, '09:30');
      assert.deepEqual([posted, got], [[], []], `nothing is due on ${d}`);
    }
    let quietChecked = false;
    let doneBefore = false; // every enrolment was completed before this day's pass
    for (let date = START; date <= LAST; date = addDays(date, 1)) {
      const working = !['sat', 'sun'].includes(weekday(date));
      const morning = await pass(date, '09:30');

      // Quiet hours: Cy's emails of the morning wait in the outbox until 10:00 local.
      if (!quietChecked && morning.posted.some((n) => n.userId === uid('cy') && n.kind !== 'reminder')) {
        const held = (await outboxOf(org.admin, 'pending')).filter((o) => o.recipient === org.cy.user.email);
        assert.ok(held.length > 0, 'Cy\'s emails are held');
        for (const o of held) {
          assert.deepEqual(Object.keys(o).sort(), OUTBOX_FIELDS);
          assert.equal(o.next_attempt_at, localInstant(ZONE, date, '10:00'), 'held until the end of her quiet hours');
          assert.equal(o.attempts, 0);
        }
        assert.ok(!morning.got.some((m) => m.to.address === org.cy.user.email), 'nothing reaches Cy at 09:30');
        quietChecked = true;
      }
      // The same tick again sends nothing and posts nothing (on the busiest kind of day:
      // the one Bo is re-planned).
      if (!reran && boReplannedOn === date) {
        const outbox = await outboxOf(org.admin);
        const attempts = (await sink.attempts()).length;
        const again = await tickAt(server, morning.at, { smtp: sink, smtpFrom: FROM });
        assert.match(again.stdout, /\b0 enrolments re-planned\b.*\b0 notices\b.*\bdelivered 0\b/, again.stdout);
        assert.equal((await sink.attempts()).length, attempts, 'the sink saw nothing new');
        assert.deepEqual(await outboxOf(org.admin), outbox, 'the outbox is unchanged');
        reran = true;
      }
      if (!anaUnsubscribedOn && date >= '2027-06-14') await unsubscribeAna(date);

      if (working) {
        const asked = await learnersAct(date);
        if (asked) {
          await pass(date, '11:00');
          await signersAct(date);
        }
      }
      // Stop once everyone has finished, the last notices were posted and every email left.
      if (doneBefore && model.waiting().length === 0) break;
      const states = await Promise.all(LEARNERS.map((k) => getEnrolment(org.admin, enrolmentOf[k])));
      doneBefore = states.every((e) => e.status === 'completed');
    }

    // The story the test meant to tell did happen.
    const kindsFor = (k) => model.notices.filter((n) => n.userId === uid(k)).map((n) => n.kind);
    const titlesFor = (k) => model.notices.filter((n) => n.userId === uid(k)).map((n) => n.title);
    for (const k of LEARNERS) {
      const e = await getEnrolment(org.admin, enrolmentOf[k]);
      assert.equal(e.status, 'completed', `${k} finished the workflow`);
      assert.ok(titlesFor(k).includes(`You completed ${e.workflow.title}`), `${k} was told`);
    }
    assert.ok(boReplannedOn, 'Bo was re-planned');
    assert.ok(titlesFor('bo').some((t) => t.startsWith('Overdue: ')) && titlesFor('bo').some((t) => t.startsWith('Still overdue: ')), 'Bo got both overdue nudges');
    assert.ok(titlesFor('manager').some((t) => t.startsWith(`${NAMES.bo} is behind on `)), 'the manager heard of Bo\'s stall');
    assert.ok(titlesFor('manager').some((t) => t.startsWith(`${NAMES.bo}'s plan for `)), 'the manager heard of Bo\'s re-plan');
    assert.ok(titlesFor('bo').some((t) => t.startsWith('Your plan for ')), 'Bo heard of his re-plan');
    assert.ok(kindsFor('bo').includes('returned'), 'Bo heard his sign-off was returned');
    assert.ok(kindsFor('coach').includes('signoff_request'), 'the coach was asked for sign-offs');
    assert.ok(kindsFor('manager').filter((k) => k === 'digest').length >= 5, 'the manager got a digest every Monday');
    for (const k of ['ana', 'bo', 'cy']) assert.ok(kindsFor(k).includes('new_activities') && kindsFor(k).includes('reminder'), `${k} got new-activity notices and reminders`);
    assert.ok(anaUnsubscribedOn, 'Ana unsubscribed from reminders');
    assert.ok(reran, 'a tick was run twice');
    assert.ok(quietChecked, 'Cy\'s quiet hours held an email back');
    assert.deepEqual(kindsFor('admin'), []);
    assert.deepEqual(kindsFor('designer'), []);

    // Opt-outs held: no reminder email reached Cy, none reached Ana after she unsubscribed.
    const all = await sink.messages();
    const reminders = (k) => all.filter((m) => m.to.address === org[k].user.email && m.subject.startsWith('Due '));
    assert.deepEqual(reminders('cy'), [], 'Cy gets no reminder emails');
    assert.ok(model.notices.some((n) => n.userId === uid('cy') && n.kind === 'reminder'), 'but her reminders are in the app');
    assert.ok(reminders('ana').length > 0);
    assert.ok(mail.filter((x) => x.e.userId === uid('ana') && x.e.kind === 'reminder').every((x) => x.e.at.slice(0, 10) <= anaUnsubscribedOn),
      'no reminder email to Ana after she unsubscribed');
    // Quiet hours held: nothing reached Cy between 07:00 and 10:00 local... in simulated time.
    for (const x of mail.filter((y) => y.e.userId === uid('cy'))) {
      const local = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(x.e.sendAt));
      assert.ok(local >= '10:00' || local < '07:00', `Cy's "${x.m.subject}" went out at ${local}`);
    }

    // Every email went out once: no duplicate Message-ID, and the outbox agrees.
    assert.equal(new Set(all.map((m) => m.messageId)).size, all.length, 'Message-IDs are unique');
    assert.deepEqual(mailKeys(all), mailKeys(model.emails), 'everything the model expected, nothing else');
    const outbox = await outboxOf(org.admin);
    assert.equal(outbox.length, model.emails.length, 'one outbox row per email');
    assert.deepEqual(outbox.filter((o) => o.state !== 'sent'), [], 'every row was sent');
    assert.ok(outbox.every((o) => o.channel === 'email' && o.attempts === 1 && o.last_error === null && o.sent_at !== null));
    assert.deepEqual(outbox.map((o) => o.id), [...outbox.map((o) => o.id)].sort((a, b) => b - a), 'newest first');
    assert.ok(!JSON.stringify(outbox).includes('/activities/'), 'the outbox log shows no bodies or links');
  });

  test('the in-app notifications are the notices, and they can be marked read', async () => {
    for (const k of [...Object.keys(NAMES), 'admin', 'designer']) {
      const { items, unread } = await notificationsOf(org[k]);
      const want = model.notices.filter((n) => n.userId === uid(k));
      assert.deepEqual(items.map((n) => `${n.kind} | ${n.title}`).sort(), want.map((n) => `${n.kind} | ${n.title}`).sort(), `notifications of ${k}`);
      assert.equal(unread, want.length, `all unread for ${k}`);
      assert.deepEqual(items.map((n) => n.id), [...items.map((n) => n.id)].sort((a, b) => b - a), 'newest first');
      const left = [...want];
      for (const n of items) {
        assert.deepEqual(Object.keys(n).sort(), NOTIFICATION_FIELDS, `fields of ${JSON.stringify(n)}`);
        // The same title can come twice (a digest on two Mondays): the pass's instant tells them apart.
        const i = left.findIndex((w) => w.kind === n.kind && w.title === n.title && iso(w.at) === n.created_at);
        assert.ok(i >= 0, `"${n.title}" (${n.created_at}) was posted by a pass the model knows: ${JSON.stringify(want.filter((w) => w.title === n.title).map((w) => w.at))}`);
        const w = left.splice(i, 1)[0];
        assert.equal(n.read_at, null);
        if (w.link) assert.equal(n.link, w.link, `link of "${n.title}"`);
        assert.equal(typeof n.body, 'string');
      }
    }

    // Marking read.
    const { items } = await notificationsOf(org.bo);
    const total = items.length;
    assert.ok(total > 3);
    assert.equal(await unreadOf(org.bo), total);
    const first = items[0];
    const read = await org.bo.post(`${API}/me/notifications/${first.id}/read`);
    assert.equal(read.status, 204, read.text);
    assert.equal((await org.bo.post(`${API}/me/notifications/${first.id}/read`)).status, 204, 'idempotent');
    assert.equal(await unreadOf(org.bo), total - 1);
    const now = (await notificationsOf(org.bo)).items.find((n) => n.id === first.id);
    assert.equal(now.read_at, server.clock.now, 'read_at is the moment it was read');
    expectApiError(await org.ana.post(`${API}/me/notifications/${first.id}/read`), 404, 'not_found', 'someone else\'s notification');
    const unreadOnly = await notificationsOf(org.bo, 'unread=1');
    assert.equal(unreadOnly.items.length, total - 1);
    assert.ok(!unreadOnly.items.some((n) => n.id === first.id));
    const all = await org.bo.post(`${API}/me/notifications/read-all`);
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body, { marked: total - 1 });
    assert.equal(await unreadOf(org.bo), 0);
    assert.deepEqual((await notificationsOf(org.bo, 'unread=1')).items, []);
    const again = await org.bo.post(`${API}/me/notifications/read-all`);
    assert.deepEqual(again.body, { marked: 0 });
    assert.equal(await unreadOf(org.ana), model.notices.filter((n) => n.userId === uid('ana')).length, 'Ana\'s are untouched');
  });
});
