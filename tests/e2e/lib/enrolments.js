// enrolments.js — a server with a clock the test moves, people who stay signed in while
// it moves, and short, asserting helpers for enrolments, activities, the journey, sign-off
// and the calendar feed (docs/enrolments.md), so each test file reads like the contract.
//
// The clock: `waymark serve` reads "now" from the file named by WAYMARK_NOW_FILE on every
// request when that is set. startClockedServer() writes an instant there before the
// server starts, and server.clock.set() moves it (written to a new file and renamed, so
// the server never reads half an instant). The scheduler pass runs as the operator runs
// it: `waymark tick --at <instant> --db <the server's database>`.
//
// Sessions end after 8 idle hours, so a clock moved by days would sign everyone out;
// withTokens() gives each person an API token instead (tokens do not expire).
//
// Every helper that changes something asserts the status the contract promises and
// returns the parsed answer; the ones named expect* assert a refusal and return the error.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { buildRequest, rawRequest } from './http.js';
import { bearer, expectApiError, runCli } from './people.js';
import { WAYMARK_BIN, assertNoSanitizerReport, createDatabase, startServer } from './server.js';
import { API, INSTANT } from './workflows.js';

export { API, INSTANT };

/** The iCalendar reader of the build, next to the server binary. */
export const ICAL_DUMP = path.join(path.dirname(WAYMARK_BIN), 'ical-dump');

// ---- time ----------------------------------------------------------------------------------

/** "2026-12-07" + "09:00" → "2026-12-07T09:00:00Z" (a UTC instant). */
export function utc(date, time = '09:00') {
  return `${date}T${time.length === 5 ? `${time}:00` : time}Z`;
}

/** Start and end of a local day in a zone that is UTC on that day (London in winter). */
export const startOfDay = (date) => `${date}T00:00:00Z`;
export const endOfDay = (date) => `${date}T23:59:59Z`;

/**
 * Starts `waymark serve` whose clock reads `at` (an RFC 3339 instant) until moved.
 * Resolves to the server of startServer() with `clock: { now, set(instant) }`; stop()
 * also removes the database and the clock file.
 */
export async function startClockedServer({ at, backend } = {}) {
  assert.match(at, INSTANT, 'startClockedServer needs an RFC 3339 instant');
  const db = await createDatabase(backend);
  const file = path.join(db.dir, 'now');
  const write = async (instant) => {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${instant}\n`);
    await rename(tmp, file);
  };
  await write(at);
  let server;
  try {
    server = await startServer({ db, env: { WAYMARK_NOW_FILE: file } });
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
  return server;
}

/**
 * Runs one scheduler pass: `waymark tick --at <at> --db <server's database>`. Asserts it
 * exits 0 without a sanitizer report; resolves to { code, stdout, stderr }.
 */
export async function tick(server, at) {
  const r = await runCli(['tick', '--at', at, '--db', server.db.url]);
  assertNoSanitizerReport(r.stderr, 'waymark tick');
  assert.equal(r.code, 0, `waymark tick --at ${at}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

// ---- people --------------------------------------------------------------------------------

/**
 * Replaces every signed-in client of org (the objects with .user and .cookie) by one that
 * sends a new API token, so the people stay signed in whatever the clock does. Keeps
 * .user and .tenant. Returns org.
 */
export async function withTokens(server, org) {
  for (const [key, c] of Object.entries(org)) {
    if (!c || typeof c !== 'object' || !c.cookie) continue;
    const res = await c.post(`${API}/me/tokens`, { name: 'e2e clock-proof' });
    assert.equal(res.status, 201, `token for ${key}: ${res.text}`);
    const b = bearer(server, res.body.token);
    org[key] = Object.assign(b, { user: c.user, tenant: c.tenant, token: res.body.token });
  }
  return org;
}

/** Sets the organisation's zone and working days (e.g. ['mon', …, 'fri']) as its admin. */
export async function setCalendar(admin, time_zone, working_days = ['mon', 'tue', 'wed', 'thu', 'fri']) {
  const res = await admin.patch(`${API}/tenant`, { time_zone, working_days });
  assert.equal(res.status, 200, `tenant calendar: ${res.text}`);
  assert.equal(res.body.time_zone, time_zone);
  assert.deepEqual(res.body.working_days, working_days);
  return res.body;
}

/** PATCH /users/{id} as the admin (200). */
export async function changeUser(admin, id, body) {
  const res = await admin.patch(`${API}/users/${id}`, body);
  assert.equal(res.status, 200, `change user ${id} with ${JSON.stringify(body)}: ${res.text}`);
  return res.body;
}

/** Assigns learner's coach (client or id) as the admin. */
export async function assignCoach(admin, learnerId, coachId) {
  const res = await admin.put(`${API}/users/${learnerId}/coach`, { coach_id: coachId });
  assert.equal(res.status, 200, `assign coach ${coachId} to ${learnerId}: ${res.text}`);
  return res.body;
}

// ---- enrolling -----------------------------------------------------------------------------

function ok(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 600)}`);
  return res.body;
}

/** POST /workflows/{id}/enrolments (201), or the dry run (200). */
export async function enrol(c, workflowId, body, { dryRun = false } = {}) {
  const q = dryRun ? '?dry_run=1' : '';
  return ok(await c.post(`${API}/workflows/${workflowId}/enrolments${q}`, body), dryRun ? 200 : 201,
    `enrol on ${workflowId}${q} ${JSON.stringify(body).slice(0, 200)}`);
}

/** GET /enrolments/{id} (200). */
export async function getEnrolment(c, id) {
  return ok(await c.get(`${API}/enrolments/${id}`), 200, `get enrolment ${id}`);
}

/** PATCH /enrolments/{id} (200). */
export async function changeEnrolment(c, id, body, headers) {
  return ok(await c.patch(`${API}/enrolments/${id}`, body, headers), 200,
    `change enrolment ${id} with ${JSON.stringify(body)}`);
}

/** Every enrolment the client may list with this query, following next_cursor. */
export async function listEnrolments(c, query = '', limit = 500) {
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const sep = query ? '&' : '';
    const res = await c.get(`${API}/enrolments?${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, `list enrolments ${query}: ${res.text}`);
    assert.ok(Array.isArray(res.body.items), 'items is an array');
    assert.ok('next_cursor' in res.body, 'next_cursor is there');
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
    assert.ok(++pages < 1000, 'paging ends');
  } while (cursor);
  return items;
}

/** GET /workflows/{id}/enrolment-rules (200); the items. */
export async function listRules(c, workflowId) {
  return ok(await c.get(`${API}/workflows/${workflowId}/enrolment-rules`), 200, `rules of ${workflowId}`).items;
}

// ---- activities ----------------------------------------------------------------------------

/** GET /me/journey (200). */
export async function journey(c) {
  return ok(await c.get(`${API}/me/journey`), 200, `journey of ${c.user?.email}`);
}

/** GET /activities/{id} (200). */
export async function getActivity(c, id) {
  return ok(await c.get(`${API}/activities/${id}`), 200, `get activity ${id}`);
}

/** POST /activities/{id}/complete (200); the activity. */
export async function complete(c, id, body = {}) {
  return ok(await c.post(`${API}/activities/${id}/complete`, body), 200, `complete activity ${id}`);
}

/** POST /activities/{id}/signoff (200); the activity. */
export async function signOff(c, id, decision, comment) {
  const body = comment === undefined ? { decision } : { decision, comment };
  return ok(await c.post(`${API}/activities/${id}/signoff`, body), 200, `${decision} activity ${id}`);
}

/** GET /me/signoffs (200); the items. */
export async function signoffs(c) {
  return ok(await c.get(`${API}/me/signoffs`), 200, `sign-offs of ${c.user?.email}`).items;
}

// ---- files ---------------------------------------------------------------------------------

/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
/** A tiny PDF document. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
/** HTML that a browser would run if it were served as HTML. */
export const HTML = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n');

/**
 * A multipart/form-data body. parts: [{ name = 'file', filename, type, data }] (data a
 * Buffer or string); a filename is written as given inside quotes (" and \ escaped).
 * Returns { body: Buffer, contentType }.
 */
export function multipart(parts, boundary = `----waymark-e2e-${Math.random().toString(16).slice(2)}`) {
  const chunks = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name ?? 'file'}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
    head += '\r\n';
    if (p.type) head += `Content-Type: ${p.type}\r\n`;
    head += '\r\n';
    chunks.push(Buffer.from(head, 'utf8'), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POST /activities/{id}/files with these file parts; resolves to the raw client answer. */
export function postFiles(c, activityId, files) {
  const { body, contentType } = multipart(files.map((f) => ({ name: 'file', ...f })));
  return c.post(`${API}/activities/${activityId}/files`, body, { 'Content-Type': contentType });
}

/** postFiles asserting 201; resolves to the `files` answered. */
export async function upload(c, activityId, files) {
  const res = await postFiles(c, activityId, files);
  assert.equal(res.status, 201, `upload to activity ${activityId}: ${res.status} ${res.text.slice(0, 400)}`);
  assert.ok(Array.isArray(res.body.files), `files in ${res.text}`);
  return res.body.files;
}

/** The same upload sent over a raw connection (for bodies fetch should not buffer). */
export function rawUpload(server, c, activityId, files) {
  const { body, contentType } = multipart(files.map((f) => ({ name: 'file', ...f })));
  return rawRequest(server.url, buildRequest({
    method: 'POST',
    path: `${API}/activities/${activityId}/files`,
    headers: { ...c.headers, 'Content-Type': contentType, Connection: 'close' },
    body,
  }), { timeoutMs: 60_000 });
}

/** GET a file as bytes: { status, headers, body: Buffer }. */
export async function download(server, c, activityId, fileId) {
  const res = await fetch(new URL(`${API}/activities/${activityId}/files/${fileId}`, server.url), {
    headers: c.headers, redirect: 'manual',
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// ---- shapes --------------------------------------------------------------------------------

/** The ids of a list of summaries, in order. */
export const ids = (list) => list.map((a) => a.id);

/** The keys of an object, sorted. */
export const keysOf = (o) => Object.keys(o).sort();

/** The fields of an activity summary (docs/enrolments.md "An activity"). */
export const SUMMARY_FIELDS = ['id', 'enrolment_id', 'workflow_title', 'step_key', 'seq', 'phase', 'phase_name',
  'kind', 'title', 'effort_minutes', 'completion', 'evidence', 'status', 'release_at', 'due_at', 'due_date',
  'completed_at', 'returned'].sort();

/** The fields of an enrolment in a list (GET /enrolments/{id} adds activities, events). */
export const ENROLMENT_FIELDS = ['id', 'workflow', 'version', 'learner', 'coach', 'status', 'start_date', 'progress',
  'paused_at', 'paused_days', 'replanned_at', 'enrolled_at', 'completed_at', 'withdrawn_at'].sort();

/** Asserts an activity summary has exactly the documented fields. */
export function assertSummaryShape(a, context = '') {
  assert.deepEqual(keysOf(a), SUMMARY_FIELDS, `summary fields ${context}: ${JSON.stringify(a)}`);
}

/** { completed, total, percent (rounded down), overdue }. */
export function progress(completed, total, overdue = 0) {
  return { completed, total, percent: Math.floor((completed * 100) / total), overdue };
}

// ---- refusals ------------------------------------------------------------------------------

/** Asserts a refusal with this status and code; returns the error. */
export function expectRefused(res, status, code, context = '') {
  return expectApiError(res, status, code, context);
}

// ---- the calendar feed ---------------------------------------------------------------------

/**
 * Parses an iCalendar text with the build's ical-dump (one JSON object per VEVENT on
 * standard output). Resolves to the list of events.
 */
export function icalDump(text) {
  return new Promise((resolve, reject) => {
    const child = execFile(ICAL_DUMP, [], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`ical-dump failed (${err.code === 'ENOENT' ? `not built at ${ICAL_DUMP}` : err.message}):\n${stderr}`));
        return;
      }
      try {
        assertNoSanitizerReport(stderr, 'ical-dump');
        resolve(stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)));
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(text);
  });
}
