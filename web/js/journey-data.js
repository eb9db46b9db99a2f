// journey-data.js — the words and small pieces the pages about enrolments share (the
// learner's journey, an activity, an enrolment, the sign-off queue): what each status is
// called, due dates in words ("Due today", "2 days overdue"), progress as a bar with its
// words ("4 of 30 steps"), and an activity as a card that links to its page.
//
// Dates: the API answers instants (release_at, due_at) and the organisation's local due
// date (due_date). "Today" is the organisation's local date: the journey gives it (date);
// elsewhere it is worked out from this device's clock in the organisation's time zone, so
// "Due today" means the same day for a learner travelling abroad as for the server.
// Nothing here talks to the server.

import { badge, formatWhen, h } from './ui.js';
import { completionLabel, effortText, kindLabel, plural } from './workflow-data.js';

const DAY = 86_400_000;

export const ACTIVITY_STATUSES = {
  locked: { label: 'Not open yet', tone: 'muted' },
  available: { label: 'To do', tone: 'info' },
  returned: { label: 'Returned', tone: 'warn' },
  awaiting_signoff: { label: 'Waiting for sign-off', tone: 'info' },
  completed: { label: 'Done', tone: 'ok' },
  skipped: { label: 'Skipped', tone: 'muted' },
};

export const ENROLMENT_STATUSES = [
  { value: 'active', label: 'Active', tone: 'info' },
  { value: 'paused', label: 'Paused', tone: 'warn' },
  { value: 'completed', label: 'Completed', tone: 'ok' },
  { value: 'withdrawn', label: 'Withdrawn', tone: 'muted' },
];

/** The activity's status as a badge with its name (words, not colour alone). */
export function activityStatusBadge(status, { test = 'activity-status' } = {}) {
  const s = ACTIVITY_STATUSES[status] || { label: String(status ?? ''), tone: 'muted' };
  return badge(s.label, { tone: s.tone, test });
}

/** The enrolment's status as a badge. */
export function enrolmentStatusBadge(status, { test = 'enrolment-status' } = {}) {
  const s = ENROLMENT_STATUSES.find((x) => x.value === status) || { label: String(status ?? ''), tone: 'muted' };
  return badge(s.label, { tone: s.tone, test });
}

/** The kind of step as a badge with its name. */
export function activityKindBadge(kind, { test = 'activity-kind' } = {}) {
  return h('span', { class: `badge badge--kind badge--kind-${kind}`, dataset: { test } }, kindLabel(kind));
}

// ---- dates ---------------------------------------------------------------------------------

/** The local date (YYYY-MM-DD) of an instant in time zone tz (this device's when unknown). */
export function localDate(iso, tz) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  let format;
  try {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: tz || undefined, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    format = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit' });
  }
  const parts = Object.fromEntries(format.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Today's date in the organisation's time zone (session.tenant.time_zone). */
export function todayFor(session) {
  return localDate(new Date().toISOString(), session?.tenant?.time_zone);
}

function dayNumber(date) {
  const [y, m, d] = String(date).split('-').map(Number);
  return Date.UTC(y, m - 1, d) / DAY;
}

/** Whole days from date `from` to date `to` (both YYYY-MM-DD); negative when to is earlier. */
export function daysBetween(from, to) {
  return dayNumber(to) - dayNumber(from);
}

/** A calendar date in words: "Tuesday 8 December" (with the year when not this year's). */
export function dateInWords(date, { today, weekday = true } = {}) {
  if (!date || !/^\d{4}-\d\d-\d\d$/.test(date)) return String(date ?? '');
  const [y, m, d] = date.split('-').map(Number);
  const sameYear = today ? today.slice(0, 4) === date.slice(0, 4) : y === new Date().getFullYear();
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, {
    timeZone: 'UTC', weekday: weekday ? 'long' : undefined, day: 'numeric', month: 'long', year: sameYear ? undefined : 'numeric',
  });
}

/**
 * When an activity is due, in words, from the organisation's date today:
 * { text, tone } — "3 days overdue" (overdue), "Due today" (today), "Due tomorrow",
 * "Due in 4 days" (soon), "Due Monday 14 December" (later). Finished activities say
 * when they were done or sent for sign-off instead.
 */
export function dueInWords(a, today) {
  if (a.status === 'completed') return { text: a.completed_at ? `Done ${formatWhen(a.completed_at)}` : 'Done', tone: 'done' };
  if (a.status === 'skipped') return { text: 'Skipped', tone: 'done' };
  if (a.status === 'awaiting_signoff') return { text: a.submitted_at ? `Sent for sign-off ${formatWhen(a.submitted_at)}` : 'Sent for sign-off', tone: 'waiting' };
  if (!a.due_date || !today) return { text: a.due_at ? `Due ${formatWhen(a.due_at)}` : 'No due date', tone: null };
  const n = daysBetween(today, a.due_date);
  if (n < 0) return { text: `${plural(-n, 'day')} overdue`, tone: 'overdue' };
  if (n === 0) return { text: 'Due today', tone: 'today' };
  if (n === 1) return { text: 'Due tomorrow', tone: 'soon' };
  if (n < 7) return { text: `Due in ${n} days`, tone: 'soon' };
  return { text: `Due ${dateInWords(a.due_date, { today })}`, tone: null };
}

/** "Opens tomorrow" for an activity not released yet (null once it is open). */
export function opensInWords(a, today, tz) {
  if (a.status !== 'locked' || !a.release_at) return null;
  const release = localDate(a.release_at, tz);
  if (!release || !today) return null;
  const n = daysBetween(today, release);
  if (n <= 0) return 'Opens today';
  if (n === 1) return 'Opens tomorrow';
  return `Opens ${dateInWords(release, { today })}`;
}

// ---- words about completing ----------------------------------------------------------------

/** How the step is completed, as the learner reads it. */
export function completionForLearner(completion) {
  switch (completion) {
    case 'self': return 'You mark it done';
    case 'manager_signoff': return 'Your manager signs it off';
    case 'coach_signoff': return 'Your coach signs it off';
    case 'assessor': return 'An assessor signs it off';
    case 'xapi': return 'Recorded automatically when you finish it';
    default: return completionLabel(completion);
  }
}

/** What the step asks for as evidence, in words (null when nothing). */
export function evidenceInWords(evidence) {
  if (evidence === 'required') return 'Evidence needed: a note, a link or a file';
  if (evidence === 'optional') return 'Evidence welcome, not required';
  return null;
}

/** A file size in words: "820 bytes", "14 KB", "2.3 MB". */
export function sizeInWords(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** One event of an enrolment in words ("Re-planned: 6 activities moved; 4 working days behind"). */
export function eventInWords(e) {
  const d = e?.data || {};
  switch (e?.kind) {
    case 'replanned': {
      const details = [];
      if (typeof d.moved === 'number') details.push(`${plural(d.moved, 'activity', 'activities')} moved`);
      if (typeof d.behind_days === 'number') details.push(`${plural(d.behind_days, 'working day')} behind`);
      return details.length ? `Re-planned: ${details.join('; ')}` : 'Re-planned';
    }
    case 'paused': return 'Paused';
    case 'resumed': return typeof d.shifted_days === 'number' ? `Resumed: open activities moved ${plural(d.shifted_days, 'day')} later` : 'Resumed';
    case 'withdrawn': return 'Withdrawn';
    case 'completed': return 'Completed every step';
    case 'enrolled': return 'Enrolled';
    default: return String(e?.kind ?? 'Changed').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  }
}

// ---- pieces --------------------------------------------------------------------------------

/**
 * Progress as a bar (role=progressbar, named by label) with its words beside it:
 * "4 of 30 steps". progress: { completed, total }.
 */
export function progressBar(progress, { label, test = 'progress' } = {}) {
  const done = Number(progress?.completed) || 0;
  const total = Number(progress?.total) || 0;
  const words = `${done} of ${plural(total, 'step')}`;
  const percent = total ? Math.min(100, Math.floor((done * 100) / total)) : 0;
  const bar = h('div', {
    class: 'progress__bar',
    role: 'progressbar',
    'aria-label': label,
    'aria-valuemin': '0',
    'aria-valuemax': String(total),
    'aria-valuenow': String(done),
    'aria-valuetext': words,
    dataset: { test: `${test}-bar` },
  }, h('span', { class: 'progress__fill' }));
  bar.style.setProperty('--progress', `${percent}%`); // CSSOM, as the shell sets its colours
  return h('div', { class: 'progress', dataset: { test } },
    bar,
    h('p', { class: 'progress__text', dataset: { test: `${test}-text` } }, words,
      progress?.overdue ? h('span', { class: 'progress__overdue' }, ` · ${progress.overdue} overdue`) : null));
}

/**
 * One activity as a card in a list (an <li>): its kind, title (the link to its page), the
 * workflow, when it is due and how long it takes. today: the organisation's date.
 */
export function activityCard(a, { today, tz, showWorkflow = true, test = 'activity-card' } = {}) {
  const due = dueInWords(a, today);
  const opens = opensInWords(a, today, tz);
  const showStatus = ['returned', 'awaiting_signoff', 'completed', 'skipped', 'locked'].includes(a.status);
  return h('li', { class: `activity-card${due.tone ? ` activity-card--${due.tone}` : ''}`, dataset: { test, status: a.status, id: String(a.id) } },
    h('p', { class: 'activity-card__top' },
      activityKindBadge(a.kind),
      showStatus ? activityStatusBadge(a.status) : null),
    h('p', { class: 'activity-card__title' },
      h('a', { href: `/activities/${encodeURIComponent(a.id)}`, class: 'activity-card__link', dataset: { test: 'activity-link' } }, a.title)),
    showWorkflow && a.workflow_title ? h('p', { class: 'activity-card__workflow', dataset: { test: 'activity-workflow' } }, a.workflow_title) : null,
    h('ul', { class: 'activity-card__facts' },
      opens ? h('li', { dataset: { test: 'activity-opens' } }, opens) : null,
      h('li', { class: due.tone ? `due due--${due.tone}` : 'due', dataset: { test: 'activity-due' } }, due.text),
      a.effort_minutes ? h('li', { dataset: { test: 'activity-effort' } }, h('span', { class: 'visually-hidden' }, 'Effort: '), `About ${effortText(a.effort_minutes)}`) : null));
}
