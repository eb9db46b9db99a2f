// workflow-data.js — the words for workflows, shared by the designer's pages: what each
// kind of step, completion rule, evidence rule and pacing is called, how a step's timing
// and effort read ("Day 2 → due day 4", "15 min"), a phase's day range ("Days 0–9"), the
// status badges, and a difference between two versions in sentences ("Changed: Notice
// three moments — due day 3 → 5; instructions changed").
//
// The API names (docs/workflows.md) are the keys; nothing here talks to the server.

import { badge, h } from './ui.js';

export const KINDS = [
  { value: 'learn', label: 'Learn' },
  { value: 'experiment', label: 'Experiment' },
  { value: 'practise', label: 'Practise' },
  { value: 'reflect', label: 'Reflect' },
  { value: 'discuss', label: 'Discuss' },
  { value: 'coach', label: 'Coaching' },
  { value: 'checkpoint', label: 'Checkpoint' },
  { value: 'assess', label: 'Assessment' },
  { value: 'measure', label: 'Measure' },
];

export const COMPLETIONS = [
  { value: 'self', label: 'The learner marks it done' },
  { value: 'manager_signoff', label: 'Manager signs off' },
  { value: 'coach_signoff', label: 'Coach signs off' },
  { value: 'assessor', label: 'Assessor signs off' },
  { value: 'xapi', label: 'Recorded automatically (xAPI)' },
];

export const EVIDENCE = [
  { value: 'none', label: 'No evidence' },
  { value: 'optional', label: 'Evidence optional' },
  { value: 'required', label: 'Evidence required' },
];

export const PACINGS = [
  { value: 'working_days', label: 'Working days (the organisation’s working week)' },
  { value: 'calendar_days', label: 'Calendar days (every day counts)' },
];

export const STATUSES = [
  { value: 'draft', label: 'Draft' },
  { value: 'published', label: 'Published' },
  { value: 'archived', label: 'Archived' },
];

function labelOf(list, value) {
  return list.find((x) => x.value === value)?.label ?? String(value ?? '');
}

export const kindLabel = (v) => labelOf(KINDS, v);
export const completionLabel = (v) => labelOf(COMPLETIONS, v);
export const evidenceLabel = (v) => labelOf(EVIDENCE, v);
export const pacingLabel = (v) => labelOf(PACINGS, v);
export const statusLabel = (v) => labelOf(STATUSES, v);

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** The status as a labelled badge (words, not colour alone). */
export function statusBadge(status, { test = 'workflow-status' } = {}) {
  const tone = status === 'published' ? 'ok' : status === 'archived' ? 'muted' : 'info';
  return badge(statusLabel(status), { tone, test });
}

/** "Unpublished changes" when a published workflow's draft differs from its latest version. */
export function changesBadge(wf, { test = 'workflow-changes' } = {}) {
  if (wf.status === 'draft' || !wf.draft_changed || !wf.latest_version) return null;
  return h('span', { class: 'badge badge--changes', dataset: { test } }, 'Unpublished changes');
}

/** The kind of step as a badge with its name. */
export function kindBadge(kind) {
  return h('span', { class: `badge badge--kind badge--kind-${kind}`, dataset: { test: 'step-card-kind' } }, kindLabel(kind));
}

/** "Day 2 → due day 4", or "Day 2, due the same day". */
export function stepTiming(step) {
  const r = step.release_offset_days ?? 0;
  const d = step.due_offset_days ?? r;
  return d === r ? `Day ${r}, due the same day` : `Day ${r} → due day ${d}`;
}

/** "15 min", "1 h", "1 h 30 min". */
export function effortText(minutes) {
  const m = Number(minutes) || 0;
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  const rest = m % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** The day range of some steps: "Days 0–9", "Day 3", or null when there are none. */
export function dayRange(steps) {
  if (!steps.length) return null;
  const from = Math.min(...steps.map((s) => s.release_offset_days ?? 0));
  const to = Math.max(...steps.map((s) => s.due_offset_days ?? s.release_offset_days ?? 0));
  return from === to ? `Day ${from}` : `Days ${from}–${to}`;
}

/** The workflow's phases, each with its steps in order: [{ phase, steps }]. */
export function phasesWithSteps(wf) {
  const phases = [...(wf.phases || [])].sort((a, b) => a.position - b.position);
  return phases.map((phase) => ({
    phase,
    steps: (wf.steps || []).filter((s) => s.phase_id === phase.id).sort((a, b) => a.position - b.position),
  }));
}

// ---- differences in words --------------------------------------------------------------

const WORKFLOW_FIELDS = { title: 'Title', outcome: 'Outcome', description: 'Description', pacing: 'Pacing' };

function quoted(v) {
  return `“${v}”`;
}

function shortText(v, max = 80) {
  const s = String(v ?? '');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** One change of a step in words: "due day 3 → 5", "instructions changed". */
export function stepFieldInWords({ field, from, to }) {
  switch (field) {
    case 'phase': return `moved from ${quoted(from)} to ${quoted(to)}`;
    case 'position': return `position ${from} → ${to}`;
    case 'kind': return `kind ${kindLabel(from)} → ${kindLabel(to)}`;
    case 'title': return `title was ${quoted(from)}`;
    case 'instructions': return 'instructions changed';
    case 'link_url':
      if (!from) return 'link added';
      if (!to) return 'link removed';
      return 'link changed';
    case 'release_offset_days': return `released day ${from} → ${to}`;
    case 'due_offset_days': return `due day ${from} → ${to}`;
    case 'effort_minutes': return `effort ${effortText(from)} → ${effortText(to)}`;
    case 'completion': return `completion “${completionLabel(from)}” → “${completionLabel(to)}”`;
    case 'evidence': return `${evidenceLabel(from).toLowerCase()} → ${evidenceLabel(to).toLowerCase()}`;
    case 'manager_prompt':
      if (!from) return 'manager prompt added';
      if (!to) return 'manager prompt removed';
      return 'manager prompt changed';
    default: return `${field.replace(/_/g, ' ')} changed`;
  }
}

function workflowFieldInWords({ field, from, to }) {
  const label = WORKFLOW_FIELDS[field] || field;
  if (field === 'pacing') return `${label}: ${pacingLabel(from)} → ${pacingLabel(to)}`;
  if (field === 'title') return `${label}: ${quoted(from)} → ${quoted(to)}`;
  if (!from) return `${label} added: ${quoted(shortText(to))}`;
  if (!to) return `${label} removed`;
  return `${label} changed: now ${quoted(shortText(to))}`;
}

function phaseFieldInWords({ field, from, to }) {
  if (field === 'name') return `renamed from ${quoted(from)}`;
  if (field === 'position') return `position ${from} → ${to}`;
  return `${field} changed`;
}

/**
 * A difference (GET /workflows/{id}/diff) as sentences, grouped:
 * { summary, workflow: [text], phases: [text], steps: [text] }.
 */
export function diffInWords(diff) {
  const phases = diff?.phases || {};
  const steps = diff?.steps || {};
  return {
    summary: diff?.summary || 'No differences.',
    workflow: (diff?.workflow || []).map(workflowFieldInWords),
    phases: [
      ...(phases.added || []).map((p) => `Added phase: ${p.name} (position ${p.position})`),
      ...(phases.removed || []).map((p) => `Removed phase: ${p.name} (was position ${p.position})`),
      ...(phases.changed || []).map((p) => `Changed phase: ${p.name} — ${(p.fields || []).map(phaseFieldInWords).join('; ')}`),
    ],
    steps: [
      ...(steps.added || []).map((s) => `Added: ${s.title} in ${s.phase} (position ${s.position})`),
      ...(steps.removed || []).map((s) => `Removed: ${s.title} from ${s.phase} (was position ${s.position})`),
      ...(steps.changed || []).map((s) => `Changed: ${s.title} — ${(s.fields || []).map(stepFieldInWords).join('; ')}`),
    ],
  };
}

/** The difference as a block: the summary line, then a list per group that has changes. */
export function diffBlock(diff, { headingLevel = 3, test = 'diff' } = {}) {
  const words = diffInWords(diff);
  const group = (title, items, name) => (items.length
    ? [h(`h${headingLevel}`, { class: 'diff__heading' }, title),
      h('ul', { class: 'diff__list', dataset: { test: `${test}-${name}` } }, items.map((t) => h('li', { dataset: { test: `${test}-item` } }, t)))]
    : null);
  return h('div', { class: 'diff', dataset: { test } },
    h('p', { class: 'diff__summary', dataset: { test: `${test}-summary` } }, words.summary),
    group('The workflow', words.workflow, 'workflow'),
    group('Phases', words.phases, 'phases'),
    group('Steps', words.steps, 'steps'));
}

/**
 * Where a detail of a 422 points in a workflow: "phases[1].steps[2].title" (0-based, as in
 * the document) → { phase, step, field } from wf, any of them null.
 */
export function locateDetail(wf, fieldPath) {
  const m = /^phases\[(\d+)\](?:\.steps\[(\d+)\])?(?:\.([a-z_]+))?$/.exec(fieldPath || '');
  if (!m) return { phase: null, step: null, field: fieldPath || null };
  const groups = phasesWithSteps(wf);
  const g = groups[Number(m[1])];
  const step = g && m[2] !== undefined ? g.steps[Number(m[2])] || null : null;
  return { phase: g?.phase || null, step, field: m[3] || null };
}

/** "Phase 2, step 4, kind" for a document path like "phases[1].steps[3].kind". */
export function documentPlace(fieldPath) {
  const m = /^phases\[(\d+)\](?:\.steps\[(\d+)\])?(?:\.(.+))?$/.exec(fieldPath || '');
  if (!m) return fieldPath ? fieldPath.replace(/_/g, ' ') : '';
  const parts = [`Phase ${Number(m[1]) + 1}`];
  if (m[2] !== undefined) parts.push(`step ${Number(m[2]) + 1}`);
  if (m[3]) parts.push(m[3].replace(/_/g, ' '));
  return parts.join(', ');
}
