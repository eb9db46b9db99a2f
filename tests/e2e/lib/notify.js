// notify.js — helpers for the tests of nudges and notifications (docs/notifications.md):
// running `waymark tick` against a test's database with a relay and a public URL, the
// notification API as short asserting calls, checks of an email's shape, and a model of
// "what is sent when" that computes, from the schedule the API answers, which notices each
// pass must post and which emails each delivery must send.
//
// The model is the contract's table written as code, so a test never hard-codes how many
// emails someone gets: it replays the passes the test runs, with the activities, events
// and preferences the API reports, and compares with the SMTP sink and GET
// /me/notifications.

import assert from 'node:assert/strict';

import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { sleep } from './http.js';
import { runCli } from './people.js';
import { assertNoSanitizerReport, createDatabase, startServer } from './server.js';
import { API, INSTANT } from './workflows.js';

export { API };

// ---- running the scheduler -----------------------------------------------------------------

/**
 * Starts `waymark serve` on a fresh database with its clock at `at` (WAYMARK_NOW_FILE),
 * with extra args/env (the scheduler is off unless args turn it on). The server has
 * clock.set(instant); stop() also drops the database. another(args) starts a second
 * server on the same database and clock (its stop() leaves the database).
 */
export async function startClockedNotifyServer({ at, args = [], env = {} }) {
  assert.match(at, INSTANT, 'startClockedNotifyServer needs an RFC 3339 instant');
  const db = await createDatabase();
  const file = path.join(db.dir, 'now');
  const write = async (instant) => {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${instant}\n`);
    await rename(tmp, file);
  };
  await write(at);
  let server;
  try {
    server = await startServer({ db, args, env: { ...env, WAYMARK_NOW_FILE: file } });
  } catch (err) {
    await db.drop().catch(() => {});
    throw err;
  }
  const stop = server.stop.bind(server);
  server.stop = async (opts) => {
    try {
      return await stop(opts);
    } finally {
      await db.drop().catch(() => {});
    }
  };
  server.clock = {
    now: at,
    file,
    async set(instant) {
      assert.match(instant, INSTANT, `clock.set(${instant})`);
      await write(instant);
      server.clock.now = instant;
    },
  };
  server.another = (more = {}) => startServer({ db, args: more.args ?? args, env: { ...env, ...(more.env ?? {}), WAYMARK_NOW_FILE: file } });
  return server;
}

/**
 * `waymark tick --at <at> --db <server's database>` with the delivery settings given:
 * smtp (a sink, or a URL string; omitted: no relay), publicUrl (default the server's own
 * URL, so links in emails reach it), smtpFrom, and extra arguments. Asserts exit 0 and no
 * sanitizer report; resolves to { code, stdout, stderr }.
 */
export async function tickAt(server, at, { smtp, publicUrl = server.url, smtpFrom, args = [] } = {}) {
  const argv = ['tick', '--at', at, '--db', server.db.url, '--public-url', publicUrl];
  if (smtp) argv.push('--smtp-url', typeof smtp === 'string' ? smtp : smtp.url);
  if (smtpFrom) argv.push('--smtp-from', smtpFrom);
  argv.push(...args);
  const r = await runCli(argv);
  assertNoSanitizerReport(r.stderr, 'waymark tick');
  assert.equal(r.code, 0, `waymark ${argv.join(' ')}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** The value of a metric (first sample whose name and labels start with `name`) in /metrics, or null. */
export async function metric(server, name) {
  const res = await fetch(new URL('/metrics', server.url), { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  assert.equal(res.status, 200, `GET /metrics: ${text.slice(0, 200)}`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    if (sp > 0 && line.slice(0, sp) === name) return Number(line.slice(sp + 1));
  }
  return null;
}

// ---- the API -------------------------------------------------------------------------------

function ok(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 600)}`);
  return res.body;
}

/** Every notification of c (GET /me/notifications, following next_cursor), newest first. */
export async function notificationsOf(c, query = '') {
  const items = [];
  let cursor = null;
  let unread = null;
  let pages = 0;
  do {
    const q = [query, 'limit=100', cursor ? `cursor=${encodeURIComponent(cursor)}` : ''].filter(Boolean).join('&');
    const body = ok(await c.get(`${API}/me/notifications?${q}`), 200, `notifications of ${c.user?.email}`);
    assert.ok(Array.isArray(body.items), 'items is an array');
    assert.ok('next_cursor' in body, 'next_cursor is there');
    assert.equal(typeof body.unread, 'number', 'unread is a number');
    if (unread === null) unread = body.unread;
    items.push(...body.items);
    cursor = body.next_cursor;
    assert.ok(++pages < 200, 'paging ends');
  } while (cursor);
  return { items, unread };
}

/** GET /me/notifications/unread → the count. */
export async function unreadOf(c) {
  const body = ok(await c.get(`${API}/me/notifications/unread`), 200, 'unread count');
  assert.deepEqual(Object.keys(body), ['unread']);
  return body.unread;
}

/** GET /me/notification-preferences. */
export async function prefsOf(c) {
  return ok(await c.get(`${API}/me/notification-preferences`), 200, `preferences of ${c.user?.email}`);
}

/** PATCH /me/notification-preferences (200). */
export async function setPrefs(c, body) {
  return ok(await c.patch(`${API}/me/notification-preferences`, body), 200, `set preferences ${JSON.stringify(body)}`);
}

/** GET /notification-settings (admin). */
export async function settingsOf(admin) {
  return ok(await admin.get(`${API}/notification-settings`), 200, 'notification settings');
}

/** PATCH /notification-settings (admin, 200). */
export async function setSettings(admin, body) {
  return ok(await admin.patch(`${API}/notification-settings`, body), 200, `set notification settings ${JSON.stringify(body)}`);
}

/** Every row of GET /outbox (admin), newest first, following next_cursor. */
export async function outboxOf(admin, state = '') {
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const q = [state ? `state=${state}` : '', 'limit=100', cursor ? `cursor=${encodeURIComponent(cursor)}` : ''].filter(Boolean).join('&');
    const body = ok(await admin.get(`${API}/outbox?${q}`), 200, `outbox ${state}`);
    assert.ok(Array.isArray(body.items), 'items is an array');
    items.push(...body.items);
    cursor = body.next_cursor;
    assert.ok(++pages < 200, 'paging ends');
  } while (cursor);
  return items;
}

/** The fields of an outbox row (docs/notifications.md, "The outbox log"). */
export const OUTBOX_FIELDS = ['id', 'channel', 'kind', 'recipient', 'subject', 'state', 'attempts', 'next_attempt_at',
  'last_error', 'created_at', 'sent_at'].sort();

/** The fields of an in-app notification. */
export const NOTIFICATION_FIELDS = ['id', 'kind', 'title', 'body', 'link', 'created_at', 'read_at'].sort();

/** The kinds a person has preferences for, in the contract's order. */
export const PREF_KINDS = ['new_activities', 'reminder', 'overdue', 'escalation', 'signoff_request', 'returned', 'enrolment', 'digest'];

// ---- time in an organisation's zone --------------------------------------------------------

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const SHORT_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const formatters = new Map();
function partsIn(zone, ms) {
  if (!formatters.has(zone)) {
    formatters.set(zone, new Intl.DateTimeFormat('en-GB', {
      timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
      second: '2-digit', hourCycle: 'h23',
    }));
  }
  const p = Object.fromEntries(formatters.get(zone).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute), seconds: Number(p.second) };
}

/** Milliseconds of an instant (RFC 3339 string or ms). */
export const ms = (t) => (typeof t === 'number' ? t : Date.parse(t));

/** An instant as the API writes it: 2027-06-07T08:30:00Z. */
export const iso = (t) => new Date(ms(t)).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The local date ("2027-06-07") of an instant in zone. */
export const localDate = (zone, t) => partsIn(zone, ms(t)).date;

/** Minutes after local midnight of an instant in zone. */
export const localMinutes = (zone, t) => partsIn(zone, ms(t)).minutes;

/** The instant (RFC 3339, UTC) of a local date and "HH:MM" in zone. */
export function localInstant(zone, date, time = '09:00') {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let t = wall;
  for (let i = 0; i < 3; i++) {
    const p = partsIn(zone, t);
    const [py, pmo, pd] = p.date.split('-').map(Number);
    const shown = Date.UTC(py, pmo - 1, pd, Math.floor(p.minutes / 60), p.minutes % 60, p.seconds);
    t += wall - shown;
  }
  return iso(t);
}

/** Day of the week of a date: 'mon' … 'sun'. */
export const weekday = (date) => DAY_NAMES[new Date(`${date}T12:00:00Z`).getUTCDay()];

/** "2027-06-07" → "Mon 7 Jun", as reminder subjects write a due day. */
export function dayLabel(date) {
  const d = new Date(`${date}T12:00:00Z`);
  return `${SHORT_DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${SHORT_MONTHS[d.getUTCMonth()]}`;
}

/** The date n days after date (n may be negative). */
export function addDays(date, n) {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The n-th working day after date (n ≥ 0; 0: date itself). workingDays: ['mon', …]. */
export function addWorkingDays(date, n, workingDays) {
  let d = date;
  for (let left = n; left > 0;) {
    d = addDays(d, 1);
    if (workingDays.includes(weekday(d))) left--;
  }
  return d;
}

// ---- the contract's table as a model ---------------------------------------------------------

const OPEN = new Set(['locked', 'available', 'returned']);

/** The subject of an enrolment notice (docs/notifications.md) for an event kind. */
export function enrolmentSubject(kind, workflow, { toManager = false, learnerName = '' } = {}) {
  switch (kind) {
    case 'replanned':
      return toManager ? `${learnerName}'s plan for ${workflow} was updated` : `Your plan for ${workflow} was updated`;
    case 'paused':
      return `${workflow} is paused`;
    case 'resumed':
      return `${workflow} has resumed`;
    case 'withdrawn':
      return `You were withdrawn from ${workflow}`;
    case 'completed':
      return `You completed ${workflow}`;
    default:
      throw new Error(`no subject for enrolment event ${kind}`);
  }
}

/**
 * What Waymark must post and send, pass by pass. Construct with the organisation's
 * calendar and settings, add people, then after every pass the test runs call
 * pass(instant, enrolments) with the enrolments as the API answers them after that pass
 * (snapshot()); it returns the notices that pass must have posted. Emails follow the
 * recipients' preferences and quiet hours; deliver(instant) returns the emails a delivery
 * at that instant must send (and marks them sent). Links are modelled where the contract
 * implies them (a reminder, an overdue nudge or a return opens its activity,
 * /activities/{id}); the others are the implementation's choice (link null: not checked).
 */
export class NoticeModel {
  constructor({ zone, workingDays = ['mon', 'tue', 'wed', 'thu', 'fri'], sendHour = 9, reminderDaysBefore = 1,
    escalateAfterDays = 5 }) {
    Object.assign(this, { zone, workingDays, sendHour, reminderDaysBefore, escalateAfterDays });
    this.people = new Map();
    this.keys = new Set();
    this.notices = [];
    this.emails = [];
  }

  /** A person: { id, name, email, managerId?, emailOff?: kinds[], quiet?: {start, end} | null, digestDay? }. */
  person(p) {
    this.people.set(p.id, { managerId: null, quiet: null, digestDay: 'mon', ...p, emailOff: new Set(p.emailOff ?? []) });
  }

  /** Changes someone's preferences as PATCH did: { email: {kind: bool}, quiet_hours, digest_day }. */
  prefs(id, { email = {}, quiet_hours, digest_day } = {}) {
    const p = this.people.get(id);
    for (const [k, on] of Object.entries(email)) {
      if (on) p.emailOff.delete(k);
      else p.emailOff.add(k);
    }
    if (quiet_hours !== undefined) p.quiet = quiet_hours;
    if (digest_day !== undefined) p.digestDay = digest_day;
  }

  #working(date) {
    return this.workingDays.includes(weekday(date));
  }

  #quietEnd(p, at) {
    if (!p.quiet) return at;
    const m = (s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
    const start = m(p.quiet.start);
    const end = m(p.quiet.end);
    const now = localMinutes(this.zone, at);
    const date = localDate(this.zone, at);
    const inside = start < end ? now >= start && now < end : now >= start || now < end;
    if (!inside) return at;
    const endDate = start < end || now < end ? date : addDays(date, 1);
    return localInstant(this.zone, endDate, p.quiet.end);
  }

  #post(at, kind, key, userId, title, link = null) {
    if (this.keys.has(key)) return null;
    const p = this.people.get(userId);
    assert.ok(p, `the model knows person ${userId} (notice ${key})`);
    this.keys.add(key);
    const n = { key, kind, userId, to: p.email, title, link, at: iso(at) };
    this.notices.push(n);
    if (!p.emailOff.has(kind)) this.emails.push({ ...n, sendAt: iso(this.#quietEnd(p, at)), sent: false });
    return n;
  }

  /**
   * The notices of a pass at `at`. enrolments: GET /enrolments/{id} answers after the pass
   * (re-planning runs before the notices in the same pass, so its dates are the ones the
   * notices saw), with activities awaiting sign-off carrying submitted_at and returned
   * ones their feedback (snapshot() adds both).
   */
  pass(at, enrolments) {
    const out = [];
    const add = (n) => n && out.push(n);
    const date = localDate(this.zone, at);
    const afterSendHour = localMinutes(this.zone, at) >= this.sendHour * 60;
    const working = this.#working(date);
    const now = ms(at);
    const within14 = (t) => t != null && ms(t) <= now && now - ms(t) <= 14 * 86400_000;

    for (const e of enrolments) {
      const learner = this.people.get(e.learner.id);
      const wf = e.workflow.title;
      // Enrolment events, oldest first, whatever the enrolment's state.
      e.events.forEach((ev, i) => {
        if (ms(ev.created_at) > now) return;
        const key = `enrolment:${e.id}:${i}`;
        add(this.#post(at, 'enrolment', `${key}:${learner.id}`, learner.id, enrolmentSubject(ev.kind, wf)));
        if (ev.kind === 'replanned' && learner.managerId)
          add(this.#post(at, 'enrolment', `${key}:${learner.managerId}`, learner.managerId,
            enrolmentSubject(ev.kind, wf, { toManager: true, learnerName: learner.name })));
      });
      if (e.status !== 'active') continue;
      const acts = e.activities;
      // Sign-off requests and returns: any hour, within 14 days.
      for (const a of acts) {
        if (a.status === 'awaiting_signoff' && within14(a.submitted_at)) {
          const to = a.completion === 'manager_signoff' ? learner.managerId : e.coach?.id;
          if (to) add(this.#post(at, 'signoff_request', `signoff_request:${a.id}:${a.submitted_at}`, to,
            `Sign-off requested: ${learner.name}, ${a.title}`));
        }
        for (const f of a.feedback ?? []) {
          if (f.decision === 'return' && within14(f.created_at))
            add(this.#post(at, 'returned', `returned:${f.id}`, learner.id, `Returned for another look: ${a.title}`, `/activities/${a.id}`));
        }
      }
      if (!afterSendHour) continue;
      // New today, one notice a day.
      const released = acts.filter((a) => OPEN.has(a.status) && localDate(this.zone, a.release_at) === date);
      if (released.length)
        add(this.#post(at, 'new_activities', `new_activities:${learner.id}:${date}`, learner.id,
          released.length === 1 ? `New today: ${released[0].title}` : `New today: ${released.length} activities`));
      if (!working) continue;
      const horizon = addWorkingDays(date, this.reminderDaysBefore, this.workingDays);
      for (const a of acts) {
        if (!OPEN.has(a.status)) continue;
        if (this.reminderDaysBefore > 0 && a.due_date > date && a.due_date <= horizon)
          add(this.#post(at, 'reminder', `reminder:${a.id}:${a.due_date}`, learner.id, `Due ${dayLabel(a.due_date)}: ${a.title}`, `/activities/${a.id}`));
        if (addWorkingDays(a.due_date, 1, this.workingDays) === date)
          add(this.#post(at, 'overdue', `overdue:${a.id}:1`, learner.id, `Overdue: ${a.title}`, `/activities/${a.id}`));
        if (addWorkingDays(a.due_date, 3, this.workingDays) === date)
          add(this.#post(at, 'overdue', `overdue:${a.id}:3`, learner.id, `Still overdue: ${a.title}`, `/activities/${a.id}`));
        if (this.escalateAfterDays > 0 && learner.managerId && addWorkingDays(a.due_date, this.escalateAfterDays, this.workingDays) === date)
          add(this.#post(at, 'escalation', `escalation:${a.id}`, learner.managerId, `${learner.name} is behind on ${a.title}`));
      }
    }

    // The weekly digest: each manager with a direct report on an active or paused enrolment.
    if (afterSendHour) {
      for (const m of this.people.values()) {
        if (weekday(date) !== m.digestDay) continue;
        const team = enrolments.filter((e) => ['active', 'paused'].includes(e.status) && this.people.get(e.learner.id)?.managerId === m.id);
        if (!team.length) continue;
        const behind = new Set();
        let waiting = 0;
        for (const e of enrolments) {
          if (this.people.get(e.learner.id)?.managerId !== m.id) continue;
          for (const a of e.activities) {
            if (['active', 'paused'].includes(e.status) && ['available', 'returned'].includes(a.status) && ms(a.due_at) < now) behind.add(e.learner.id);
            if (e.status === 'active' && a.status === 'awaiting_signoff' && a.completion === 'manager_signoff') waiting++;
          }
        }
        add(this.#post(at, 'digest', `digest:${m.id}:${date}`, m.id, `Your team this week: ${behind.size} behind, ${waiting} sign-offs waiting`));
      }
    }
    return out;
  }

  /** The emails a delivery at `at` must send (due and not yet sent); marks them sent. */
  deliver(at) {
    const due = this.emails.filter((e) => !e.sent && ms(e.sendAt) <= ms(at));
    for (const e of due) e.sent = true;
    return due;
  }

  /** The emails still waiting (e.g. inside quiet hours). */
  waiting() {
    return this.emails.filter((e) => !e.sent);
  }
}

/**
 * The enrolments as the model needs them: GET /enrolments/{id} (as c, who may read them
 * all), with submitted_at on activities awaiting sign-off and feedback on returned ones
 * (from GET /activities/{id}).
 */
export async function snapshot(c, enrolmentIds) {
  const out = [];
  for (const id of enrolmentIds) {
    const e = ok(await c.get(`${API}/enrolments/${id}`), 200, `enrolment ${id}`);
    for (const a of e.activities) {
      if (a.status === 'awaiting_signoff' || a.returned) {
        const full = ok(await c.get(`${API}/activities/${a.id}`), 200, `activity ${a.id}`);
        a.submitted_at = full.submitted_at;
        a.feedback = full.feedback;
      }
    }
    out.push(e);
  }
  return out;
}

// ---- emails --------------------------------------------------------------------------------

/** "to subject" strings of emails or messages, sorted, for comparing multisets. */
export function mailKeys(list) {
  return list.map((m) => `${m.to?.address ?? m.to} | ${m.subject ?? m.title}`).sort();
}

/**
 * Asserts the shape docs/notifications.md gives every email: From "{org} via Waymark
 * <{from}>", the recipient, a Message-ID derived from the outbox row, List-Unsubscribe
 * (one-click, RFC 8058) to {publicUrl}/api/v1/unsubscribe/{token}, Auto-Submitted,
 * multipart/alternative with a text and an HTML part, the text ending with the link to
 * {publicUrl}/unsubscribe#{token}. unsubscribable: true (must have the link), false (must
 * not), 'maybe' (checked when there). Returns { token, unsubscribeUrl } (empty without).
 */
export function assertEmailShape(m, { orgName, fromAddress, publicUrl, unsubscribable = true }) {
  const what = `email "${m.subject}" to ${m.to?.address}`;
  assert.deepEqual(m.from, { name: `${orgName} via Waymark`, address: fromAddress }, `From of ${what}`);
  assert.deepEqual(m.envelope.to, [m.to.address], `the envelope names the To address of ${what}`);
  assert.equal(m.envelope.from, fromAddress, `envelope sender of ${what}`);
  assert.match(m.messageId ?? '', /^<outbox-\d+\.[A-Za-z0-9_-]+@waymark>$/, `Message-ID of ${what}`);
  assert.equal(m.header('auto-submitted'), 'auto-generated', `Auto-Submitted of ${what}`);
  assert.ok(m.header('date'), `Date of ${what}`);
  assert.equal(m.contentType, 'multipart/alternative', `${what} is multipart/alternative`);
  assert.deepEqual(m.parts.map((p) => p.contentType), ['text/plain', 'text/html'], `parts of ${what}`);
  for (const p of m.parts) assert.match(p.params.charset ?? '', /^utf-8$/i, `charset of the ${p.contentType} part of ${what}`);
  for (const line of m.lines) assert.ok(Buffer.byteLength(line, 'latin1') <= 998, `no line over 998 bytes in ${what}`);
  assert.doesNotMatch(m.raw.replace(/\r\n/g, ''), /[\r\n]/, `${what} has CRLF line endings only`);
  if (unsubscribable === false) {
    assert.equal(m.header('list-unsubscribe'), null, `${what} has no List-Unsubscribe`);
    return {};
  }
  if (unsubscribable === 'maybe' && m.header('list-unsubscribe') === null) return {};
  const lu = m.header('list-unsubscribe');
  const esc = publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mm = new RegExp(`^<${esc}/api/v1/unsubscribe/([A-Za-z0-9_-]{16,})>$`).exec(lu ?? '');
  assert.ok(mm, `List-Unsubscribe of ${what}: ${lu}`);
  assert.equal(m.header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click', `List-Unsubscribe-Post of ${what}`);
  const token = mm[1];
  assert.ok(m.text.trimEnd().endsWith(`${publicUrl}/unsubscribe#${token}`), `the text of ${what} ends with the unsubscribe page link:\n${m.text.slice(-300)}`);
  assert.ok(m.html.includes(`${publicUrl}/unsubscribe#${token}`), `the HTML of ${what} links to the unsubscribe page`);
  return { token, unsubscribeUrl: `${publicUrl}/api/v1/unsubscribe/${token}` };
}

/** Waits until fn() is truthy (polling), or throws. */
export async function until(fn, what, timeoutMs = 15_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
