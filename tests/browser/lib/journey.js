// journey.js — what the browser tests of enrolments seed through the API: an organisation
// whose every day is a working day (so a step released on day 0 is open on whatever day
// the tests run), named people with reporting lines, a published workflow, enrolments, and
// activities completed the way the learner's page completes them.
//
// People are added with the operator CLI and signed in through the API (people.js); each
// client keeps its sign-in details in .login for signInThroughPage(). Every helper asserts
// the status docs/enrolments.md promises and returns the parsed answer.

import assert from 'node:assert/strict';

import { addUser, seedTenant, signIn } from '../../e2e/lib/people.js';
import { buildWorkflow, publish } from '../../e2e/lib/workflows.js';

export const API = '/api/v1';
export const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function ok(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 500)}`);
  return res.body;
}

/**
 * An organisation with an admin and the people asked for, every day a working day:
 *   people: { key: { name, email, password, roles = [], manager: key | 'admin' } }
 * Resolves to { slug, admin, ...clients }; each client has .user and .login ({ email,
 * password }) for signing in through the page.
 */
export async function learningOrganisation(server, { slug = 'acme', name = 'Acme Training', people = {} } = {}) {
  const seeded = await seedTenant(server, { slug, name });
  const admin = await signIn(server, seeded.admin);
  admin.login = seeded.admin;
  ok(await admin.patch(`${API}/tenant`, { working_days: EVERY_DAY }), 200, 'every day a working day');
  const org = { slug, admin };
  for (const [key, p] of Object.entries(people)) {
    await addUser(server, { tenant: slug, email: p.email, name: p.name, roles: p.roles || [], password: p.password });
    org[key] = await signIn(server, { email: p.email, password: p.password });
    org[key].login = { email: p.email, password: p.password };
  }
  for (const [key, p] of Object.entries(people)) {
    if (!p.manager) continue;
    ok(await admin.patch(`${API}/users/${org[key].user.id}`, { manager_id: org[p.manager].user.id }), 200, `${key} reports to ${p.manager}`);
  }
  return org;
}

/** Builds a workflow from a plan (workflows.js buildWorkflow) and publishes version 1. */
export async function publishedWorkflow(designer, plan) {
  const wf = await buildWorkflow(designer, { outcome: 'A new habit at work', pacing: 'calendar_days', ...plan });
  await publish(designer, wf.id);
  return wf;
}

/** POST /workflows/{id}/enrolments (201); resolves to the report. */
export async function enrolPeople(c, workflowId, body) {
  return ok(await c.post(`${API}/workflows/${workflowId}/enrolments`, body), 201, `enrol on ${workflowId}`);
}

/** GET /me/journey (200). */
export async function journeyOf(c) {
  return ok(await c.get(`${API}/me/journey`), 200, 'journey');
}

/** The learner's activity titled title, from any group of their journey. */
export async function activityTitled(c, title) {
  const j = await journeyOf(c);
  const found = ['overdue', 'today', 'upcoming', 'waiting', 'done'].flatMap((g) => j[g] || []).find((a) => a.title === title);
  assert.ok(found, `"${title}" is on the journey: ${JSON.stringify(j).slice(0, 800)}`);
  return found;
}

/** POST /activities/{id}/complete (200); resolves to the activity. */
export async function completeActivity(c, id, body = {}) {
  return ok(await c.post(`${API}/activities/${id}/complete`, body), 200, `complete activity ${id}`);
}

/** GET /activities/{id} (200). */
export async function activity(c, id) {
  return ok(await c.get(`${API}/activities/${id}`), 200, `activity ${id}`);
}
