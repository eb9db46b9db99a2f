// pages/home.js — the home page. For a visitor: what Waymark is, whether its server is
// working, and the way to sign in. For someone signed in: their journey (GET
// /api/v1/me/journey) — each workflow they are on with its progress, then their activities
// grouped as Overdue, Today, Coming up, Waiting for sign-off and Done, each a card that
// opens the activity — and below it cards for the other places their role opens.

import { get } from '../api.js';
import { activityCard, enrolmentStatusBadge, progressBar } from '../journey-data.js';
import { canDesignWorkflows, canManagePeople, canSeePeople, canSignOff } from '../session.js';
import {
  button, card, emptyState, errorState, formatDeadline, h, linkButton, loadingState, pageHeader, statusMessage, takeFlash, uid,
} from '../ui.js';

const DONE_SHOWN = 5;

const GROUPS = [
  { key: 'overdue', title: 'Overdue', lead: 'These are past their due date: they still count, so do them when you can.' },
  { key: 'today', title: 'Today' },
  { key: 'upcoming', title: 'Coming up', lead: 'Opening or due in the next 7 days.' },
  { key: 'waiting', title: 'Waiting for sign-off' },
  { key: 'done', title: 'Done' },
];

function enrolmentItem(e) {
  const title = e.workflow?.title || 'Workflow';
  return h('li', { class: 'journey-enrolment', dataset: { test: 'journey-enrolment', id: String(e.id) } },
    h('p', { class: 'journey-enrolment__head' },
      h('a', { href: `/enrolments/${encodeURIComponent(e.id)}`, class: 'journey-enrolment__title', dataset: { test: 'journey-enrolment-link' } }, title),
      e.status !== 'active' ? enrolmentStatusBadge(e.status, { test: 'journey-enrolment-status' }) : null),
    progressBar(e.progress, { label: `Progress on ${title}`, test: 'journey-progress' }),
    e.status === 'paused'
      ? h('p', { class: 'journey-enrolment__note', dataset: { test: 'journey-enrolment-paused' } }, 'Paused: its activities wait, and their dates move on, until it is resumed.')
      : null,
    e.status === 'active' && e.next_due_at
      ? h('p', { class: 'journey-enrolment__note' }, `Next due ${formatDeadline(e.next_due_at)}`)
      : null);
}

function group({ key, title, lead }, items, { today, tz }) {
  const id = uid(`journey-${key}`);
  const list = h('ul', { class: 'activity-list', dataset: { test: `journey-${key}-list` } });
  const section = h('section', { class: 'journey-group', 'aria-labelledby': id, dataset: { test: `journey-${key}` } },
    h('h3', { id, class: 'journey-group__title' }, title, h('span', { class: 'journey-group__count' }, ` (${items.length})`)),
    lead ? h('p', { class: 'journey-group__lead' }, lead) : null,
    list);
  const shown = key === 'done' ? items.slice(0, DONE_SHOWN) : items;
  list.append(...shown.map((a) => activityCard(a, { today, tz })));
  if (shown.length < items.length) {
    const more = button(`Show all ${items.length} done`, {
      variant: 'secondary',
      test: 'journey-done-more',
      onClick: () => {
        list.append(...items.slice(DONE_SHOWN).map((a) => activityCard(a, { today, tz })));
        more.remove();
        list.querySelectorAll('[data-test="activity-link"]')[DONE_SHOWN]?.focus();
      },
    });
    section.append(more);
  }
  return section;
}

function journeyBody(j) {
  const enrolments = j?.enrolments || [];
  if (!enrolments.length) {
    return [emptyState({
      title: 'Nothing to do yet',
      detail: 'You are not on a learning workflow at the moment. When you are enrolled on one, your activities appear here — one small step at a time, with what to do and when.',
      test: 'journey-empty',
    })];
  }
  const ctx = { today: j.date, tz: j.time_zone };
  const parts = [h('ul', { class: 'journey-enrolments', 'aria-label': 'Your workflows', dataset: { test: 'journey-enrolments' } }, enrolments.map(enrolmentItem))];
  const groups = GROUPS.filter((g) => (j[g.key] || []).length);
  if (!(j.today || []).length && !(j.overdue || []).length) {
    parts.push(statusMessage({
      tone: 'info',
      title: 'Nothing is due today',
      detail: (j.upcoming || []).length ? 'Your next activities are below.' : 'Your next activity opens soon.',
      test: 'journey-nothing-today',
    }));
  }
  parts.push(...groups.map((g) => group(g, j[g.key], ctx)));
  return parts;
}

function placeCards(session) {
  const places = [];
  if (canSignOff(session)) {
    places.push(card({ title: 'Sign-offs', test: 'home-signoffs' },
      h('p', {}, 'Approve the steps your people send you, or return them with a comment.'),
      linkButton('/signoffs', 'Open sign-offs', { variant: 'secondary', test: 'home-signoffs-link' })));
  }
  if (canSeePeople(session)) {
    places.push(card({ title: 'People', test: 'home-people' },
      h('p', {}, canManagePeople(session)
        ? 'Add people, import a list, and keep roles and reporting lines up to date.'
        : 'See the people you work with, their roles and who they report to.'),
      linkButton('/people', canManagePeople(session) ? 'Manage people' : 'See people', { variant: 'secondary', test: 'home-people-link' })));
  }
  if (canDesignWorkflows(session)) {
    places.push(card({ title: 'Workflows', test: 'home-workflows' },
      h('p', {}, 'Design workflows, publish them and enrol people on them.'),
      linkButton('/workflows', 'Open workflows', { variant: 'secondary', test: 'home-workflows-link' })));
  }
  places.push(card({ title: 'Your profile', test: 'home-profile' },
    h('p', {}, 'Change your password, add your activities to your calendar, and create keys for tools that use Waymark on your behalf.'),
    linkButton('/profile', 'Open your profile', { variant: 'secondary', test: 'home-profile-link' })));
  return h('div', { class: 'card-grid', dataset: { test: 'home-places' } }, places);
}

function signedInHome({ outlet, session, signal }) {
  const { user, tenant } = session;
  const first = (user.name || '').trim().split(/\s+/)[0] || user.email;
  const titleId = uid('journey-title');
  const body = h('div', { class: 'journey__body', dataset: { test: 'journey-body' } });

  async function load() {
    body.replaceChildren(loadingState('Loading your journey…', { test: 'journey-loading' }));
    body.setAttribute('aria-busy', 'true');
    let j;
    try {
      j = await get('/api/v1/me/journey', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      body.removeAttribute('aria-busy');
      body.replaceChildren(errorState(err, { title: 'Waymark could not load your journey', retry: () => load(), test: 'journey-error' }));
      return;
    }
    body.removeAttribute('aria-busy');
    body.replaceChildren(...journeyBody(j));
  }

  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'home-signed-in' } },
      pageHeader({
        title: `Hello, ${first}`,
        lead: tenant?.name ? `You are signed in to ${tenant.name}.` : null,
      }),
      takeFlash(),
      h('section', { class: 'journey', 'aria-labelledby': titleId, dataset: { test: 'journey' } },
        h('h2', { id: titleId, class: 'journey__title' }, 'Your journey'),
        body),
      placeCards(session)));
  return load();
}

export function homePage({ outlet, signal, session }) {
  if (session) return signedInHome({ outlet, session, signal });

  const health = statusMessage({ tone: 'loading', title: 'Checking the server…', test: 'health-status' });

  async function check() {
    statusMessage({ el: health, tone: 'loading', title: 'Checking the server…', test: 'health-status' });
    try {
      const body = await get('/healthz', { signal, session: false });
      if (body?.status !== 'ok') throw new Error('The server did not say it was working.');
      statusMessage({
        el: health,
        tone: 'ok',
        title: 'All systems working',
        detail: 'The server and its database are answering.',
        test: 'health-status',
      });
    } catch (err) {
      if (err.name === 'AbortError') return;
      statusMessage({
        el: health,
        tone: 'error',
        title: 'Waymark is not working right now',
        detail: err.message,
        action: button('Check again', { variant: 'secondary', test: 'health-retry', onClick: check }),
        test: 'health-status',
      });
    }
  }

  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'home' } },
      pageHeader({
        title: 'Learning that changes what people do',
        lead: 'Waymark guides people through small, spaced activities — learn, try it, practise, reflect — ' +
          'and keeps their managers involved until the new way of working sticks.',
      }),
      takeFlash(),
      h('p', {}, linkButton('/signin', 'Sign in', { test: 'home-signin' })),
      card({ title: 'Server status', test: 'health-card' }, health),
      h('ol', { class: 'steps', 'aria-label': 'How it works' },
        h('li', {}, h('span', { class: 'steps__label' }, 'Design'), h('span', {}, 'Set the outcome and the steps that lead to it.')),
        h('li', {}, h('span', { class: 'steps__label' }, 'Practise'), h('span', {}, 'People get one clear next step at a time, on the job.')),
        h('li', {}, h('span', { class: 'steps__label' }, 'Measure'), h('span', {}, 'See whether behaviour really changed, and what it was worth.')))));
  return check();
}
