// pages/audit.js — the audit log (administrators only): who changed what, newest first.
//
// Each entry is said in plain words — "Ada Lovelace created the group “Sales”", when
// ("today at 14:05"), and what changed, field by field ("Department: Sales → Marketing") —
// never as raw JSON. People and groups are named, looked up by id once per page (a group
// that was deleted keeps the name its entries carry). Filters: action, kind of target, who
// did it (person picker) and a date range; the dates are the reader's local days, sent as
// RFC 3339 instants (from the start of "from" to the end of "to"). Paging follows the API's
// cursor: "Older entries" goes back in time, "Newer entries" returns.

import { get } from '../api.js';
import { createNameCache, rolesInWords } from '../people-data.js';
import { personPicker } from '../person-picker.js';
import { ruleInWords } from '../rule-builder.js';
import {
  button, emptyState, errorState, field, formatDate, h, loadingState, pageHeader, timeEl,
} from '../ui.js';

const PAGE_SIZE = 25;

const ACTIONS = [
  { value: '', label: 'Any action' },
  { value: 'user.create', label: 'Person added' },
  { value: 'user.update', label: 'Person changed' },
  { value: 'user.deactivate', label: 'Person deactivated' },
  { value: 'user.reactivate', label: 'Person reactivated' },
  { value: 'user.coach', label: 'Coach changed' },
  { value: 'users.import', label: 'People imported' },
  { value: 'group.create', label: 'Group created' },
  { value: 'group.update', label: 'Group changed' },
  { value: 'group.delete', label: 'Group deleted' },
  { value: 'group.members.add', label: 'People added to a group' },
  { value: 'group.members.remove', label: 'Person removed from a group' },
  { value: 'tenant.update', label: 'Organisation settings changed' },
  { value: 'tenant.logo_update', label: 'Logo changed' },
  { value: 'tenant.logo_delete', label: 'Logo removed' },
];

const TARGETS = [
  { value: '', label: 'Anything' },
  { value: 'user', label: 'People' },
  { value: 'group', label: 'Groups' },
  { value: 'tenant', label: 'The organisation' },
];

const FIELD_WORDS = {
  name: 'Name',
  email: 'Email',
  roles: 'Roles',
  manager_id: 'Reports to',
  coach_id: 'Coach',
  department: 'Department',
  job_title: 'Job title',
  external_id: 'HR id',
  active: 'Active',
  description: 'Description',
  rule: 'Who is in it',
  member_count: 'Members then',
  user_ids: 'People',
  user_id: 'Person',
  rows: 'Rows in the file',
  created: 'People added',
  updated: 'People changed',
  unchanged: 'People unchanged',
  time_zone: 'Time zone',
  timezone: 'Time zone',
  working_days: 'Working days',
  brand_colour: 'Brand colour',
  type: 'File type',
  bytes: 'Size',
};

const DAYS = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

function words(key) {
  return FIELD_WORDS[key] || key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** "2025-03-04" (a local day) → the RFC 3339 instant it starts at, or, with end, ends at. */
export function dayToInstant(day, { end = false } = {}) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0));
  if (end) d.setSeconds(d.getSeconds() - 1);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function auditPage({ outlet, signal, query }) {
  const names = createNameCache(signal);
  const groupNames = new Map(); // id → name, learnt from entries and GET /api/v1/groups/{id}
  let cursors = [null];
  let lastPage = null;
  let actorId = null; // the person filter as it was when "Show entries" was pressed
  let filters = {
    action: query.get('action') || '',
    target_type: query.get('target_type') || '',
    from: query.get('from') || '',
    to: query.get('to') || '',
  };

  const action = field({ label: 'Action', name: 'action', type: 'select', value: filters.action, options: ACTIONS, test: 'audit-action' });
  const target = field({ label: 'Changed', name: 'target_type', type: 'select', value: filters.target_type, options: TARGETS, test: 'audit-target' });
  const from = field({ label: 'From', name: 'from', type: 'date', value: filters.from, test: 'audit-from' });
  const to = field({ label: 'To', name: 'to', type: 'date', value: filters.to, test: 'audit-to' });
  let actor = personPicker({ legend: 'Done by', name: 'actor_id', test: 'audit-actor', emptyLabel: 'Anyone.' });
  actor.el.querySelector('.field__optional')?.remove();
  const actorBox = h('div', { class: 'audit-filters__actor' }, actor.el);
  const filterError = h('div', { class: 'notice-area', dataset: { test: 'audit-filter-notice' } });
  const form = h('form', { class: 'audit-filters', 'aria-label': 'Filter the audit log', dataset: { test: 'audit-filters' } },
    h('div', { class: 'audit-filters__grid' }, action.el, target.el, from.el, to.el),
    actorBox,
    h('div', { class: 'form__actions' },
      button('Show entries', { type: 'submit', test: 'audit-apply' }),
      button('Clear filters', {
        variant: 'secondary',
        test: 'audit-clear',
        onClick: () => {
          action.input.value = '';
          target.input.value = '';
          from.input.value = '';
          to.input.value = '';
          actor = personPicker({ legend: 'Done by', name: 'actor_id', test: 'audit-actor', emptyLabel: 'Anyone.' });
          actor.el.querySelector('.field__optional')?.remove();
          actorBox.replaceChildren(actor.el);
          form.requestSubmit();
        },
      })),
    filterError);
  const results = h('div', { class: 'results', dataset: { test: 'audit-results' } });
  const count = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'audit-count' } });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    filterError.replaceChildren();
    from.setError(null);
    to.setError(null);
    if (from.value() && to.value() && from.value() > to.value()) {
      to.setError('To must be on or after From');
      to.focus();
      return;
    }
    filters = { action: action.value(), target_type: target.value(), from: from.value(), to: to.value() };
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
    actorId = actor.value();
    const qs = params.toString();
    history.replaceState(history.state, '', `/audit${qs ? `?${qs}` : ''}`);
    cursors = [null];
    load();
  });

  // ---- saying an entry in words ----

  function personName(id) {
    if (id === null || id === undefined || id === '') return h('span', { class: 'muted' }, 'no one');
    const el = h('span', {}, '…');
    names.lookup(id).then((p) => {
      el.textContent = p ? p.name || p.email : 'someone no longer visible';
    }).catch(() => {
      el.textContent = 'someone';
    });
    return el;
  }

  function groupName(id, own) {
    // An entry that carries the group's name says it as it was then (ids of deleted groups
    // may be used again by newer groups).
    const known = own || groupNames.get(id);
    if (typeof known === 'string') return h('strong', {}, `“${known}”`);
    const el = h('strong', {}, '…');
    if (!groupNames.has(id)) {
      groupNames.set(id, get(`/api/v1/groups/${id}`, { signal }).then((g) => (g?.group || g)?.name || null).catch(() => null));
    }
    Promise.resolve(groupNames.get(id)).then((n) => {
      el.textContent = n ? `“${n}”` : 'a group that no longer exists';
    });
    return el;
  }

  function targetWords(e) {
    if (e.target_type === 'user') return e.target_id ? h('strong', {}, personName(e.target_id)) : 'people';
    if (e.target_type === 'group') return e.target_id ? groupName(e.target_id, entryGroupName(e)) : 'a group';
    if (e.target_type === 'tenant') return 'the organisation';
    return `${e.target_type || 'something'}${e.target_id ? ` ${e.target_id}` : ''}`;
  }

  function sentence(e) {
    const t = targetWords(e);
    switch (e.action) {
      case 'user.create': return ['added ', t];
      case 'user.update': return ['changed the details of ', t];
      case 'user.deactivate': return ['deactivated ', t];
      case 'user.reactivate': return ['reactivated ', t];
      case 'user.coach': return ['changed the coach of ', t];
      case 'users.import': return ['imported people from a spreadsheet'];
      case 'group.create': return ['created the group ', t];
      case 'group.update': return ['changed the group ', t];
      case 'group.delete': return ['deleted the group ', t];
      case 'group.members.add': return ['added people to the group ', t];
      case 'group.members.remove': return ['removed someone from the group ', t];
      case 'tenant.update': return ['changed the organisation’s settings'];
      case 'tenant.logo_update': return ['uploaded a new logo'];
      case 'tenant.logo_delete': return ['removed the logo'];
      default: return [`made a change (${e.action}) to `, t];
    }
  }

  /** One value in words: people by name, roles, rules, lists, yes/no, nothing. */
  function value(key, v) {
    if (key === 'rule') return ruleInWords(v, names);
    if (v === null || v === undefined || v === '') return h('span', { class: 'muted' }, 'none');
    if (key === 'manager_id' || key === 'coach_id' || key === 'user_id') return personName(v);
    if (key === 'user_ids' && Array.isArray(v)) return v.flatMap((id, i) => (i ? [', ', personName(id)] : [personName(id)]));
    if (key === 'roles' && Array.isArray(v)) return rolesInWords(v);
    if (key === 'rule') return ruleInWords(v, names);
    if (key === 'working_days' && Array.isArray(v)) return v.map((d) => DAYS[d] || d).join(', ');
    if (key === 'bytes' && typeof v === 'number') return v >= 1024 ? `${Math.round(v / 1024)} KB` : `${v} bytes`;
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' ? Object.values(x ?? {}).join(' ') : String(x))).join(', ') : h('span', { class: 'muted' }, 'none');
    if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${words(k)}: ${typeof x === 'object' ? Object.values(x ?? {}).join(' ') : x}`).join('; ');
    return String(v);
  }

  function changesList(e) {
    const c = e.changes && typeof e.changes === 'object' ? e.changes : {};
    const order = Object.keys(FIELD_WORDS);
    const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
    const isDiff = (v) => v && typeof v === 'object' && !Array.isArray(v) && 'old' in v && 'new' in v;
    const empty = (v) => v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length);
    // A record of something new lists only what it had; a change lists old and new.
    const keys = Object.keys(c).filter((k) => k === 'rule' || isDiff(c[k]) || !empty(c[k])).sort((a, b) => rank(a) - rank(b));
    if (!keys.length) return null;
    return h('dl', { class: 'audit-changes', dataset: { test: 'audit-changes' } }, keys.map((k) => {
      const v = c[k];
      const diff = isDiff(v);
      return [
        h('dt', {}, words(k)),
        h('dd', {}, diff
          ? [h('span', { class: 'audit-changes__old' }, value(k, v.old)), h('span', { class: 'audit-changes__arrow' }, h('span', { 'aria-hidden': 'true' }, ' → '), h('span', { class: 'visually-hidden' }, ' changed to ')), h('span', {}, value(k, v.new))]
          : value(k, v)),
      ];
    }));
  }

  function entryGroupName(e) {
    const c = e.changes || {};
    return typeof c.name === 'string' ? c.name : (c.name && typeof c.name.new === 'string' ? c.name.new : null);
  }

  function entry(e) {
    // Entries carry a group's name when it was created, renamed or deleted: remember it
    // (newest first, so the first one seen is the latest name) — unless it was deleted.
    if (e.target_type === 'group' && e.target_id && !groupNames.has(e.target_id) && e.action !== 'group.delete') {
      const n = entryGroupName(e);
      if (n) groupNames.set(e.target_id, n);
    }
    const who = e.actor ? h('strong', { dataset: { test: 'audit-actor-name' } }, e.actor.name || e.actor.email) : h('strong', { dataset: { test: 'audit-actor-name' } }, 'The operator (command line)');
    return h('li', { class: 'audit-entry', dataset: { test: 'audit-entry', action: e.action } },
      h('p', { class: 'audit-entry__what', dataset: { test: 'audit-what' } }, who, ' ', sentence(e)),
      h('p', { class: 'audit-entry__when' }, timeEl(e.at)),
      changesList(e));
  }

  function pagerNav(pageNumber, hasOlder) {
    if (pageNumber === 1 && !hasOlder) return null;
    return h('nav', { class: 'pager', 'aria-label': 'Audit log pages', dataset: { test: 'audit-pager' } },
      pageNumber > 1 ? button([h('span', { 'aria-hidden': 'true' }, '← '), 'Newer entries'], {
        variant: 'secondary',
        test: 'audit-newer',
        onClick: () => {
          cursors.pop();
          load().then(() => (results.querySelector('[data-test="audit-newer"]') || results.querySelector('[data-test="audit-older"]'))?.focus());
        },
      }) : h('span'),
      h('p', { class: 'pager__summary' }, `Page ${pageNumber}`),
      hasOlder ? button(['Older entries', h('span', { 'aria-hidden': 'true' }, ' →')], {
        variant: 'secondary',
        test: 'audit-older',
        onClick: () => {
          cursors.push(lastPage.next_cursor);
          load().then(() => (results.querySelector('[data-test="audit-older"]') || results.querySelector('[data-test="audit-newer"]'))?.focus());
        },
      }) : h('span'));
  }

  async function load() {
    results.replaceChildren(loadingState('Loading the audit log…', { test: 'audit-loading' }));
    results.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get('/api/v1/audit', {
        query: {
          action: filters.action,
          target_type: filters.target_type,
          actor_id: actorId,
          from: dayToInstant(filters.from),
          to: dayToInstant(filters.to, { end: true }),
          limit: PAGE_SIZE,
          cursor: cursors[cursors.length - 1],
        },
        signal,
      });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.removeAttribute('aria-busy');
      results.replaceChildren(errorState(err, { title: 'Waymark could not load the audit log', retry: () => load(), test: 'audit-error' }));
      return;
    }
    results.removeAttribute('aria-busy');
    lastPage = page;
    const items = page?.items || [];
    const pageNumber = cursors.length;
    const filtered = Object.values(filters).some(Boolean) || actorId;
    if (!items.length && pageNumber === 1) {
      count.textContent = 'No entries found.';
      results.replaceChildren(emptyState({
        title: filtered ? 'No entries match these filters' : 'Nothing has been recorded yet',
        detail: filtered ? 'Try a wider date range, another action, or clear the filters.' : 'Changes to people, groups and settings appear here as they are made.',
        test: 'audit-empty',
      }));
      return;
    }
    const range = filters.from || filters.to
      ? ` ${filters.from ? `from ${formatDate(`${filters.from}T12:00:00`)}` : ''}${filters.from && filters.to ? ' ' : ''}${filters.to ? `to ${formatDate(`${filters.to}T12:00:00`)}` : ''}`
      : '';
    count.textContent = `${items.length}${page?.next_cursor ? ' or more' : ''} entries shown${range}${pageNumber > 1 ? `, page ${pageNumber}` : ''}.`;
    results.replaceChildren(...[
      h('ol', { class: 'audit-list', 'aria-label': 'Audit entries, newest first', dataset: { test: 'audit-list' } }, items.map(entry)),
      pagerNav(pageNumber, Boolean(page?.next_cursor)),
    ].filter(Boolean));
  }

  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'audit' } },
      pageHeader({ title: 'Audit log', lead: 'Who changed what in your organisation, and when — newest first.' }),
      h('section', { class: 'card card--wide', 'aria-label': 'Filters' }, form),
      h('section', { 'aria-label': 'Entries' }, count, results)));
  load();
}
