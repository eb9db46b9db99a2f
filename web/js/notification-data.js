// notification-data.js — the words and small pieces the pages about notifications share
// (the bell's list, your profile's preferences, the organisation's settings, webhooks, the
// outbox log and the one-click unsubscribe page): what each kind of notice is called, the
// days of the week, the hours of the day, quiet hours as two time fields with an on/off
// switch, and the mapping of the server's 422 details ("email.remindr",
// "quiet_hours.start") onto the fields that show them. Nothing here talks to the server.

import { checkboxGroup, field, h, uid } from './ui.js';

/**
 * The kinds a person chooses email for (docs/notifications.md), those about their own
 * activities first: label is the checkbox's words, noun fits "Stop {noun} emails", name
 * is the short name in lists, forOthers marks the kinds about other people (for managers
 * and coaches).
 */
export const PREF_KINDS = [
  { value: 'new_activities', label: 'New activities are ready for me', noun: 'new-activity', name: 'New activities' },
  { value: 'reminder', label: 'A reminder before an activity is due', noun: 'reminder', name: 'Reminder' },
  { value: 'overdue', label: 'A nudge when an activity is overdue', noun: 'overdue', name: 'Overdue' },
  { value: 'returned', label: 'A step I sent was returned to me', noun: 'returned-step', name: 'Returned' },
  { value: 'enrolment', label: 'My plan changed (re-planned, paused, resumed, finished)', noun: 'plan-update', name: 'Plan update' },
  { value: 'signoff_request', label: 'Someone sent me a step to sign off', noun: 'sign-off request', name: 'Sign-off request', forOthers: true },
  { value: 'escalation', label: 'Someone I manage has fallen behind', noun: 'falling-behind', name: 'Falling behind', forOthers: true },
  { value: 'digest', label: 'A weekly summary of my team', noun: 'weekly team summary', name: 'Weekly digest', forOthers: true },
];

const OTHER_KINDS = {
  invitation: 'Invitation',
  password_reset: 'Password reset',
  test: 'Test',
};

/** A kind's short name ("Reminder", "Sign-off request"); unknown kinds as they are. */
export function kindName(kind) {
  return PREF_KINDS.find((k) => k.value === kind)?.name || OTHER_KINDS[kind] || String(kind ?? '');
}

/** A kind as it reads in "Stop … emails" ("reminder", "weekly team summary"). */
export function kindNoun(kind) {
  return PREF_KINDS.find((k) => k.value === kind)?.noun || kindName(kind).toLowerCase();
}

/** Each kind as a topic, for the admin's choices (webhooks, everyone's defaults). */
export const KIND_TOPICS = {
  new_activities: 'New activities released to a learner',
  reminder: 'Reminders before a due date',
  overdue: 'Overdue nudges',
  escalation: 'Escalations to a manager',
  signoff_request: 'Sign-off requests',
  returned: 'Steps returned after sign-off',
  enrolment: 'Enrolment changes',
  digest: 'Weekly manager digests',
};

export const DAYS = [
  { value: 'mon', label: 'Monday' },
  { value: 'tue', label: 'Tuesday' },
  { value: 'wed', label: 'Wednesday' },
  { value: 'thu', label: 'Thursday' },
  { value: 'fri', label: 'Friday' },
  { value: 'sat', label: 'Saturday' },
  { value: 'sun', label: 'Sunday' },
];

/** "09:00" for 9. */
export function hourText(hour) {
  return `${String(hour).padStart(2, '0')}:00`;
}

/** The 24 hours of the day as select options ("09:00"). */
export const HOURS = Array.from({ length: 24 }, (_, i) => ({ value: String(i), label: hourText(i) }));

/**
 * Quiet hours: a checkbox "Quiet hours" and, while it is ticked, a start and an end time
 * (HH:MM, local). value → { start, end } or null. name is the API field ("quiet_hours" or
 * "defaults.quiet_hours"); the 422 details for name, name.start and name.end are shown by
 * setError (mapDetails sends them here). Returns { el, name, value(), setError(), focus(),
 * changed(saved) }.
 */
export function quietHoursField({ name, value, legend = 'Quiet hours', hint, switchLabel, test = 'quiet' }) {
  const on = Boolean(value);
  const id = uid('quiet');
  const errorId = `${id}-error`;
  const toggle = h('input', { type: 'checkbox', id: `${id}-on`, class: 'checkbox__input', checked: on, dataset: { test: `${test}-on` } });
  const start = field({ label: 'From', name: `${name}.start`, type: 'time', value: value?.start || '21:00', attrs: { step: '60' }, test: `${test}-start` });
  const end = field({ label: 'Until', name: `${name}.end`, type: 'time', value: value?.end || '07:00', attrs: { step: '60' }, test: `${test}-end` });
  const times = h('div', { class: 'quiet__times', hidden: !on, dataset: { test: `${test}-times` } }, start.el, end.el);
  const error = h('p', { class: 'field__error', id: errorId, hidden: true, dataset: { test: `${test}-error` } });
  const hintId = hint ? `${id}-hint` : null;
  const el = h('fieldset', { class: 'field fieldset quiet', dataset: { field: name, test }, 'aria-describedby': hintId || undefined },
    h('legend', { class: 'field__label' }, legend),
    hint ? h('p', { class: 'field__hint', id: hintId }, hint) : null,
    error,
    h('div', { class: 'checkbox' },
      toggle,
      h('label', { for: toggle.id, class: 'checkbox__label' }, switchLabel || 'Hold emails back during quiet hours')),
    times);
  toggle.addEventListener('change', () => {
    times.hidden = !toggle.checked;
  });
  return {
    el,
    name,
    value: () => (toggle.checked ? { start: start.value(), end: end.value() } : null),
    setError(message) {
      error.hidden = !message;
      error.replaceChildren(...(message ? [h('span', { class: 'visually-hidden' }, 'Error: '), message] : []));
      el.classList.toggle('field--error', Boolean(message));
      for (const f of [start, end]) {
        if (message) f.input.setAttribute('aria-invalid', 'true');
        else f.input.removeAttribute('aria-invalid');
      }
      const described = [hintId, message ? errorId : null].filter(Boolean).join(' ');
      if (described) el.setAttribute('aria-describedby', described);
      else el.removeAttribute('aria-describedby');
    },
    focus() {
      if (toggle.checked) start.focus();
      else toggle.focus();
    },
    /** True when the value differs from saved ({start, end} or null). */
    changed(saved) {
      const v = this.value();
      if (!v || !saved) return Boolean(v) !== Boolean(saved);
      return v.start !== saved.start || v.end !== saved.end;
    },
  };
}

/**
 * Email per kind as a checkbox group. kinds: entries of PREF_KINDS to show; email: the
 * current {kind: bool}. name: the API field ("email" or "defaults.email"). labels: the
 * words per kind (default: the person's own, "A reminder before an activity is due").
 */
export function emailKindsField({ name, kinds = PREF_KINDS, email = {}, legend, hint, test, labels = null }) {
  const group = checkboxGroup({
    legend,
    name,
    hint,
    options: kinds.map((k) => ({ value: k.value, label: labels?.[k.value] || k.label, checked: email[k.value] !== false })),
    test,
  });
  return {
    ...group,
    /** {kind: bool} for every kind shown. */
    choice() {
      const on = new Set(group.values());
      return Object.fromEntries(kinds.map((k) => [k.value, on.has(k.value)]));
    },
  };
}

/**
 * The server's 422 details with their fields renamed to the fields on the form: a detail
 * about "email.remindr" belongs to the "email" group, one about "quiet_hours.start" to the
 * quiet hours. prefixes: the names of the form's grouped fields, longest match wins.
 * Returns a copy of err with details mapped.
 */
export function mapDetails(err, prefixes) {
  const details = (Array.isArray(err?.details) ? err.details : []).map((d) => {
    const f = String(d.field || '');
    const owner = prefixes.filter((p) => f === p || f.startsWith(`${p}.`)).sort((a, b) => b.length - a.length)[0];
    return owner && owner !== f ? { ...d, field: owner, message: detailWords(f.slice(owner.length + 1), d.message) } : d;
  });
  return { message: err?.message, status: err?.status, details };
}

/** "remindr" + "is not a kind of notice" → "“remindr” is not a kind of notice". */
function detailWords(part, message) {
  const m = String(message || 'is not right');
  if (!part) return m;
  const kind = PREF_KINDS.find((k) => k.value === part);
  const said = kind ? `“${kind.label}”` : part === 'start' ? 'The start time' : part === 'end' ? 'The end time' : `“${part}”`;
  return /^[a-z]/.test(m) ? `${said} ${m}` : `${said}: ${m}`;
}
