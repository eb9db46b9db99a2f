// workflows.js — organisations with the people a workflow journey needs, and short,
// asserting helpers for the workflow-design API (docs/workflows.md), so each test file
// reads like the specification it checks.
//
// Every helper that changes something asserts the status the contract promises and
// returns the parsed answer; the ones named expect* assert a refusal and return the error.

import assert from 'node:assert/strict';

import { addTenant, addUser, expectApiError, signIn } from './people.js';

export const PASSWORD = 'a long enough password';
export const API = '/api/v1';

/** An RFC 3339 UTC instant as the API writes them. */
export const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

export const KINDS = ['learn', 'experiment', 'practise', 'reflect', 'discuss', 'coach', 'checkpoint', 'assess', 'measure'];
export const COMPLETIONS = ['self', 'manager_signoff', 'coach_signoff', 'assessor', 'xapi'];
export const EVIDENCE = ['none', 'optional', 'required'];

/** The value a step field takes when it is left out (due defaults to the release offset). */
export const STEP_DEFAULTS = {
  kind: 'learn',
  instructions: '',
  link_url: null,
  release_offset_days: 0,
  effort_minutes: 15,
  completion: 'self',
  evidence: 'none',
  manager_prompt: null,
};

/** The step fields of the document, in the order of docs/workflows.md. */
export const DOC_STEP_FIELDS = ['kind', 'title', 'instructions', 'link_url', 'release_offset_days',
  'due_offset_days', 'effort_minutes', 'completion', 'evidence', 'manager_prompt'];

/**
 * Creates an organisation through the CLI with one signed-in client per person asked for.
 * people: { key: roles[] }, e.g. { designer: ['designer'], learner: [] }. An admin is
 * always there (key admin). Resolves to { slug, admin, ...clients }; each client has .user.
 */
export async function organisation(server, slug, people = { designer: ['designer'] }) {
  await addTenant(server, { slug, name: slug[0].toUpperCase() + slug.slice(1) });
  const all = { admin: ['admin'], ...people };
  const org = { slug };
  for (const [key, roles] of Object.entries(all)) {
    const email = `${key.toLowerCase()}@${slug}.example`;
    await addUser(server, { tenant: slug, email, name: `${key} of ${slug}`, roles, password: PASSWORD });
    org[key] = await signIn(server, { email, password: PASSWORD, tenant: slug });
  }
  return org;
}

/** Makes `report` report to `manager` (both clients of org), as the admin. */
export async function reportsTo(org, report, manager) {
  const res = await org.admin.patch(`${API}/users/${report.user.id}`, { manager_id: manager.user.id });
  assert.equal(res.status, 200, res.text);
}

// ---- the workflow API --------------------------------------------------------------------

function ok(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 500)}`);
  return res.body;
}

/** POST /workflows; resolves to the new workflow (201). */
export async function createWorkflow(c, body) {
  return ok(await c.post(`${API}/workflows`, body), 201, `create workflow ${JSON.stringify(body).slice(0, 100)}`);
}

/** GET /workflows/{id} (200). */
export async function getWorkflow(c, id) {
  return ok(await c.get(`${API}/workflows/${id}`), 200, `get workflow ${id}`);
}

/** PATCH /workflows/{id} (200). */
export async function updateWorkflow(c, id, body) {
  return ok(await c.patch(`${API}/workflows/${id}`, body), 200, `update workflow ${id}`);
}

/** POST /workflows/{id}/phases (201); resolves to {id, position, name}. */
export async function addPhase(c, workflowId, name, position) {
  const body = position === undefined ? { name } : { name, position };
  return ok(await c.post(`${API}/workflows/${workflowId}/phases`, body), 201, `add phase ${name}`);
}

/** POST /workflows/{id}/steps (201); resolves to the step. */
export async function addStep(c, workflowId, step) {
  return ok(await c.post(`${API}/workflows/${workflowId}/steps`, step), 201, `add step ${step.title}`);
}

/** PATCH /workflows/{id}/steps/{step_id} (200); resolves to the step. */
export async function updateStep(c, workflowId, stepId, body) {
  return ok(await c.patch(`${API}/workflows/${workflowId}/steps/${stepId}`, body), 200,
    `update step ${stepId} with ${JSON.stringify(body)}`);
}

/** POST /workflows/{id}/publish (201); resolves to {version, published_at}. */
export async function publish(c, workflowId) {
  return ok(await c.post(`${API}/workflows/${workflowId}/publish`), 201, `publish ${workflowId}`);
}

/** GET /workflows/{id}/export (200); resolves to the document. */
export async function exportWorkflow(c, workflowId, version) {
  const q = version ? `?version=${version}` : '';
  const res = await c.get(`${API}/workflows/${workflowId}/export${q}`);
  assert.equal(res.status, 200, `export ${workflowId}${q}: ${res.text.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json\b/, 'export is JSON');
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment\b/, 'export is a download');
  return JSON.parse(res.text);
}

/** POST /workflows/import (201); resolves to the new draft. */
export async function importWorkflow(c, doc) {
  return ok(await c.post(`${API}/workflows/import`, doc), 201, 'import');
}

/** Every workflow of the list, following next_cursor. */
export async function listWorkflows(c, query = '') {
  const items = [];
  let cursor = null;
  do {
    const sep = query ? '&' : '';
    const res = await c.get(`${API}/workflows?${query}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
  } while (cursor);
  return items;
}

/**
 * Builds a whole draft through the API from a compact plan:
 * { title, outcome?, description?, pacing?, phases: [{ name, steps: [step…] }] }.
 * Resolves to the draft as GET answers it.
 */
export async function buildWorkflow(c, plan) {
  const { phases = [], ...fields } = plan;
  const wf = await createWorkflow(c, fields);
  for (const p of phases) {
    const phase = await addPhase(c, wf.id, p.name);
    for (const s of p.steps ?? []) await addStep(c, wf.id, { phase_id: phase.id, ...s });
  }
  return getWorkflow(c, wf.id);
}

/** [phase, position, title] of every step, in the order GET lists them. */
export function layout(wf) {
  return wf.steps.map((s) => [s.phase, s.position, s.title]);
}

/** Asserts steps are ordered by phase then position, numbered 1..n in each phase, and
 *  that phase/phase_id agree with the phases list. */
export function assertWellOrdered(wf, context = '') {
  assert.deepEqual(wf.phases.map((p) => p.position), wf.phases.map((_, i) => i + 1), `phase positions ${context}`);
  const byPhase = new Map(wf.phases.map((p) => [p.id, []]));
  let last = [0, 0];
  for (const s of wf.steps) {
    assert.ok(byPhase.has(s.phase_id), `step ${s.id} is in one of the phases ${context}`);
    assert.equal(wf.phases[s.phase - 1]?.id, s.phase_id, `step ${s.id}: phase ${s.phase} is phase_id ${s.phase_id} ${context}`);
    assert.ok(s.phase > last[0] || (s.phase === last[0] && s.position > last[1]), `steps listed by phase, then position ${context}: ${JSON.stringify(layout(wf))}`);
    last = [s.phase, s.position];
    byPhase.get(s.phase_id).push(s.position);
  }
  for (const [id, positions] of byPhase)
    assert.deepEqual(positions, positions.map((_, i) => i + 1), `positions in phase ${id} run 1..n ${context}`);
}

/** A copy of obj without the named keys. */
export function omit(obj, ...keys) {
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}

/** A step as a version or document compares it: without the draft's updated_at. */
export const frozen = (s) => omit(s, 'updated_at');

// ---- documents -----------------------------------------------------------------------------

/** A small valid document; override any top-level field, or pass phases. */
export function documentOf(overrides = {}) {
  return {
    format: 'waymark-workflow',
    format_version: 1,
    title: 'Giving specific, timely feedback',
    outcome: 'Gives specific, timely feedback within a day of the moment',
    description: 'Four weeks of small steps.',
    pacing: 'working_days',
    phases: [
      { name: 'Week 1 — notice', steps: [{ title: 'Why timely feedback works', due_offset_days: 2 }] },
    ],
    ...overrides,
  };
}

/**
 * A document with every field written out, as export writes it: absent step fields take
 * their defaults (due: the release offset), absent workflow fields theirs.
 */
export function normalised(doc) {
  return {
    format: doc.format,
    format_version: doc.format_version,
    title: doc.title,
    outcome: doc.outcome ?? '',
    description: doc.description ?? '',
    pacing: doc.pacing ?? 'working_days',
    replan_after_days: doc.replan_after_days ?? 3,
    max_due_per_day: doc.max_due_per_day ?? 2,
    phases: doc.phases.map((p) => ({
      name: p.name,
      steps: (p.steps ?? []).map((s) => {
        const full = { ...STEP_DEFAULTS, ...s };
        full.due_offset_days = s.due_offset_days ?? full.release_offset_days;
        return Object.fromEntries(DOC_STEP_FIELDS.map((f) => [f, full[f]]));
      }),
    })),
  };
}

/** n phases × m steps of minimal steps, for size limits. */
export function bigDocument(phases, stepsPerPhase) {
  return documentOf({
    phases: Array.from({ length: phases }, (_, p) => ({
      name: `P${p + 1}`,
      steps: Array.from({ length: stepsPerPhase }, (_, s) => ({ title: `S${s + 1}` })),
    })),
  });
}

// ---- refusals ------------------------------------------------------------------------------

/**
 * Asserts a 422 validation_failed whose details name exactly `fields` (any order), each
 * with a non-empty message. Returns the error.
 */
export function expectInvalid(res, fields, context = '') {
  const err = expectApiError(res, 422, 'validation_failed', context);
  assert.deepEqual(err.details.map((d) => d.field).sort(), [...fields].sort(),
    `fields named ${context}: ${JSON.stringify(err.details)}`);
  for (const d of err.details) assert.ok(typeof d.message === 'string' && d.message.length > 0, `a message for ${d.field}`);
  return err;
}

/**
 * Finds markup that could run script in html: <script>/<iframe>/<object>/<embed>/<style>
 * tags, on* attributes, and href/src/action values with a javascript:, vbscript: or
 * data: scheme (after undoing entities and stripping spaces, as browsers do).
 * Returns a list of problems (empty when safe).
 */
export function unsafeMarkup(html) {
  const problems = [];
  const decode = (v) => v
    .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&colon;/gi, ':').replace(/&tab;|&newline;/gi, '')
    .replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  for (const tag of html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    const name = tag[1].toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'style', 'base', 'form', 'meta', 'link', 'svg'].includes(name))
      problems.push(`<${name}> tag`);
    for (const a of tag[2].matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      const attr = a[1].toLowerCase();
      const value = decode(a[2] ?? a[3] ?? a[4] ?? '').replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      if (attr.startsWith('on')) problems.push(`${attr}= on <${name}>`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr) && /^(javascript|vbscript|data):/.test(value))
        problems.push(`${attr}="${value.slice(0, 40)}" on <${name}>`);
    }
  }
  if (/<script/i.test(html)) problems.push('"<script" anywhere');
  return problems;
}
