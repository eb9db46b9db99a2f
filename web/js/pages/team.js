// pages/team.js — My team (/team): how each person who reports to the signed-in manager
// is doing, and what to talk about with them this week (GET /api/v1/me/team; the weekly
// digest email holds the same facts).
//
// A row of totals first (people, how many are behind, overdue activities, sign-offs
// waiting), then one card per report, most overdue first: their name and job title,
// whether anything is overdue (in words and with a warning sign and weight, never by
// colour alone), each workflow they are on with a progress bar ("40% · 12 of 30 steps
// done"), the step they are on with its due date and the workflow's manager prompt ("What
// to talk about"), when they last completed something, and the sign-offs of theirs
// waiting for the manager, linked to the sign-off queue. Anyone may open the page; with
// nobody reporting to them it says so. Cards sit two or three across on a laptop and one
// under the other on a phone.

import { get } from '../api.js';
import { activityKindBadge, dueInWords, enrolmentStatusBadge, localDate, todayFor } from '../journey-data.js';
import { plural } from '../workflow-data.js';
import {
  emptyState, errorState, formatWhen, h, linkButton, loadingState, pageHeader, uid,
} from '../ui.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The warning sign beside "2 overdue" (decorative: the words carry the meaning). */
function warningIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 20 20');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'team-flag__icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M10 2.5 18.5 17h-17L10 2.5zM10 8v4.5M10 14.6v.1');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  return svg;
}

/** "2 overdue" with the warning sign, or null when nothing is. */
function overdueFlag(n, { test }) {
  if (!n) return null;
  return h('span', { class: 'team-flag team-flag--overdue', dataset: { test } }, warningIcon(), `${n} overdue`);
}

/** The progress of one enrolment: a bar, its percent and "12 of 30 steps done". */
function progress(e, label) {
  const done = Number(e.completed) || 0;
  const total = Number(e.total) || 0;
  const percent = Number.isFinite(Number(e.percent)) ? Math.max(0, Math.min(100, Math.round(Number(e.percent)))) : (total ? Math.floor((done * 100) / total) : 0);
  const words = `${percent}% · ${done} of ${plural(total, 'step')} done`;
  const bar = h('div', {
    class: 'progress__bar',
    role: 'progressbar',
    'aria-label': label,
    'aria-valuemin': '0',
    'aria-valuemax': '100',
    'aria-valuenow': String(percent),
    'aria-valuetext': words,
    dataset: { test: 'team-progress-bar' },
  }, h('span', { class: 'progress__fill' }));
  bar.style.setProperty('--progress', `${percent}%`);
  return h('div', { class: 'progress team-progress', dataset: { test: 'team-progress' } },
    bar,
    h('p', { class: 'progress__text', dataset: { test: 'team-progress-text' } }, words));
}

function currentStep(e, { today, tz }) {
  const c = e.current;
  if (!c) {
    return h('p', { class: 'team-current team-current--none muted', dataset: { test: 'team-current-none' } },
      e.status === 'completed' || (e.total && e.completed >= e.total) ? 'Every step is done.' : 'No step is open right now.');
  }
  const due = c.due_at ? dueInWords({ status: 'available', due_at: c.due_at, due_date: localDate(c.due_at, tz) }, today) : null;
  return h('div', { class: 'team-current', dataset: { test: 'team-current' } },
    h('p', { class: 'team-current__step' },
      h('span', { class: 'team-label' }, 'On now: '),
      h('a', { href: `/activities/${encodeURIComponent(c.activity_id)}`, class: 'team-current__title', dataset: { test: 'team-current-title' } }, c.title),
      ' ',
      c.kind ? activityKindBadge(c.kind, { test: 'team-current-kind' }) : null,
      due ? h('span', { class: `team-current__due due${due.tone ? ` due--${due.tone}` : ''}`, dataset: { test: 'team-current-due' } }, ` ${due.text}`) : null),
    c.manager_prompt
      ? h('div', { class: 'team-prompt', dataset: { test: 'team-prompt' } },
        h('p', { class: 'team-prompt__label' }, 'What to talk about'),
        h('p', { class: 'team-prompt__text pre-line', dataset: { test: 'team-prompt-text' } }, c.manager_prompt))
      : null);
}

/** "Ana’s" (or "Their" without a name). */
function whose(name) {
  return name ? `${name}’s` : 'Their';
}

function enrolmentItem(e, ctx, person) {
  const title = e.workflow?.title || 'Workflow';
  return h('li', { class: 'team-enrolment', dataset: { test: 'team-enrolment', id: String(e.id) } },
    h('p', { class: 'team-enrolment__head' },
      h('a', { href: `/enrolments/${encodeURIComponent(e.id)}`, class: 'team-enrolment__title', dataset: { test: 'team-enrolment-title' } }, title),
      e.status && e.status !== 'active' ? enrolmentStatusBadge(e.status, { test: 'team-enrolment-status' }) : null,
      overdueFlag(e.overdue, { test: 'team-enrolment-overdue' })),
    progress(e, `${whose(person)} progress on ${title}`),
    currentStep(e, ctx));
}

function memberCard(m, ctx) {
  const nameId = uid('team-member');
  const enrolments = m.enrolments || [];
  const facts = [
    h('li', { dataset: { test: 'team-member-last' } },
      m.last_completed_at ? ['Last completed a step ', h('time', { datetime: m.last_completed_at, title: new Date(m.last_completed_at).toLocaleString() }, formatWhen(m.last_completed_at))] : 'Has not completed a step yet'),
  ];
  if (m.signoffs_waiting) {
    facts.push(h('li', {},
      h('a', { href: '/signoffs', dataset: { test: 'team-member-signoffs' } }, `${plural(m.signoffs_waiting, 'sign-off')} waiting for you`)));
  }
  return h('li', {
    class: `team-member${m.overdue ? ' team-member--behind' : ''}`,
    'aria-labelledby': nameId,
    dataset: { test: 'team-member', id: String(m.id) },
  },
  h('div', { class: 'team-member__head' },
    h('div', { class: 'team-member__who' },
      h('h2', { class: 'team-member__name', id: nameId, dataset: { test: 'team-member-name' } }, m.name || m.email),
      m.job_title ? h('p', { class: 'team-member__job', dataset: { test: 'team-member-job' } }, m.job_title) : null),
    m.overdue
      ? overdueFlag(m.overdue, { test: 'team-member-overdue' })
      : h('span', { class: 'team-flag team-flag--ok', dataset: { test: 'team-member-ok' } }, enrolments.length ? 'Nothing overdue' : 'Not on a workflow')),
  enrolments.length
    ? h('ul', { class: 'team-enrolments', 'aria-label': `${whose(m.name)} workflows` }, enrolments.map((e) => enrolmentItem(e, ctx, m.name)))
    : h('p', { class: 'muted' }, 'Not on any workflow at the moment.'),
  h('ul', { class: 'team-member__facts' }, facts));
}

function totalsRow(t) {
  const item = (label, value, test, extra) => h('div', { class: 'counts__item' },
    h('dt', {}, label),
    h('dd', { dataset: { test } }, String(value ?? 0), extra || null));
  return h('dl', { class: 'counts team-totals', dataset: { test: 'team-totals' } },
    item('People', t.members, 'team-total-members'),
    item('Behind', t.behind, 'team-total-behind'),
    item('Overdue activities', t.overdue, 'team-total-overdue'),
    item('Sign-offs waiting', t.signoffs_waiting, 'team-total-signoffs',
      t.signoffs_waiting ? h('a', { href: '/signoffs', class: 'team-totals__link', dataset: { test: 'team-signoffs-link' } }, 'Open sign-offs') : null));
}

function teamBody(team, session) {
  const members = team?.members || [];
  if (!members.length) {
    return [emptyState({
      title: 'Nobody reports to you in Waymark',
      detail: 'When people report to you, this page shows how each of them is doing and what to talk about with them. An administrator sets who reports to whom.',
      action: linkButton('/', 'Go to your journey', { variant: 'secondary', test: 'team-home' }),
      test: 'team-empty',
    })];
  }
  const ctx = { today: todayFor(session), tz: session?.tenant?.time_zone };
  const t = team.totals || {};
  const lead = t.behind
    ? `${plural(t.behind, 'person is', 'people are')} behind. Start with them: the prompts say what to talk about.`
    : 'Nobody is behind. The prompts below say what to talk about with each person this week.';
  return [
    totalsRow(t),
    h('p', { class: 'team__lead', dataset: { test: 'team-lead' } }, lead),
    h('ul', { class: 'team-list', 'aria-label': 'People who report to you, most overdue first', dataset: { test: 'team-members' } },
      members.map((m) => memberCard(m, ctx))),
  ];
}

export function teamPage({ outlet, signal, session }) {
  const body = h('div', { class: 'team__body', dataset: { test: 'team-body' } });

  async function load() {
    body.replaceChildren(loadingState('Loading your team…', { test: 'team-loading' }));
    body.setAttribute('aria-busy', 'true');
    let team;
    try {
      team = await get('/api/v1/me/team', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      body.removeAttribute('aria-busy');
      body.replaceChildren(errorState(err, { title: 'Waymark could not load your team', retry: () => load(), test: 'team-error' }));
      return;
    }
    body.removeAttribute('aria-busy');
    body.replaceChildren(...teamBody(team, session));
  }

  outlet.append(h('div', { class: 'stack team', dataset: { test: 'team' } },
    pageHeader({ title: 'My team', lead: 'How each person who reports to you is doing, and what to talk about with them this week.' }),
    body));
  return load();
}
