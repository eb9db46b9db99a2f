// pages/enrolment.js — one enrolment (/enrolments/{id}): a learner on one workflow.
//
// Shows who and what, its status and progress, the coach, what happened to it (re-plans,
// pauses) and every activity in workflow order with its status and due date; each links
// to its activity page, and a finished one unfolds its reflection and evidence (read from
// GET /activities/{id} when first opened, so a long workflow loads as one request).
//
// Administrators, designers and the learner's managers (anyone above them) may pause,
// resume and withdraw it; the server has the last word (the learner gets 403, a change
// that does not fit the status 409), and its answer is shown in words. Withdrawing asks
// first: it cannot be undone.

import { get, patch } from '../api.js';
import {
  activityStatusBadge, dateInWords, dueInWords, enrolmentStatusBadge, eventInWords, progressBar, todayFor,
} from '../journey-data.js';
import { canChangeEnrolments, canDesignWorkflows } from '../session.js';
import { kindLabel } from '../workflow-data.js';
import {
  button, card, confirmDialog, dataTable, errorState, formatWhen, h, loadingState, pageHeader, statusMessage, timeEl, whileBusy,
} from '../ui.js';

function isWebAddress(value) {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** A <details> that loads the activity's reflection and evidence when opened. */
function submissionDisclosure(a, signal) {
  const body = h('div', { class: 'disclosure__body', dataset: { test: 'enrolment-submission-body' } });
  const details = h('details', { class: 'disclosure disclosure--inline', dataset: { test: 'enrolment-submission' } },
    h('summary', {}, 'Reflection and evidence', h('span', { class: 'visually-hidden' }, ` for ${a.title}`)),
    body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    body.replaceChildren(loadingState('Loading…', { test: 'enrolment-submission-loading' }));
    let full;
    try {
      full = await get(`/api/v1/activities/${encodeURIComponent(a.id)}`, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      loaded = false;
      body.replaceChildren(errorState(err, { title: 'Waymark could not load what was sent', test: 'enrolment-submission-error' }));
      return;
    }
    const parts = [];
    if (full.reflection) parts.push(h('p', { class: 'pre-line', dataset: { test: 'enrolment-reflection' } }, h('strong', {}, 'Reflection: '), full.reflection));
    if (full.evidence_text) parts.push(h('p', { class: 'pre-line' }, h('strong', {}, 'Evidence: '), full.evidence_text));
    if (full.evidence_url) {
      parts.push(h('p', { class: 'submission__url' }, h('strong', {}, 'Link: '), isWebAddress(full.evidence_url)
        ? h('a', { href: full.evidence_url, target: '_blank', rel: 'noopener noreferrer', dataset: { external: '' } }, full.evidence_url, h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'))
        : full.evidence_url));
    }
    if ((full.files || []).length) {
      parts.push(h('p', {}, h('strong', {}, 'Files: '), full.files.map((f, i) => [i ? ', ' : '',
        h('a', { href: `/api/v1/activities/${encodeURIComponent(a.id)}/files/${encodeURIComponent(f.id)}`, download: f.name || '' }, f.name || 'file')])));
    }
    body.replaceChildren(...(parts.length ? parts : [h('p', { class: 'muted' }, 'Nothing was written or attached.')]));
  });
  return details;
}

export function enrolmentPage({ outlet, params, session, signal }) {
  const id = encodeURIComponent(params.id);
  const base = `/api/v1/enrolments/${id}`;
  const back = { href: '/', label: 'Your journey' };
  const box = h('div', {}, pageHeader({ title: 'Enrolment', back }), loadingState('Loading the enrolment…', { test: 'enrolment-loading' }));
  outlet.append(box);
  const today = todayFor(session);
  const notice = h('div', { class: 'notice-area', dataset: { test: 'enrolment-notice' } });
  let en = null;

  function backFor(e) {
    if (e.learner?.id === session.user.id) return back;
    if (canDesignWorkflows(session) && e.workflow?.id) return { href: `/workflows/${encodeURIComponent(e.workflow.id)}/enrolments`, label: 'People on this workflow' };
    return { href: '/', label: 'Home' };
  }

  async function change(status, btn, { done }) {
    await whileBusy(btn, 'Saving…', async () => {
      let fresh;
      try {
        fresh = await patch(base, { status }, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        notice.replaceChildren(errorState(err, { title: 'The enrolment was not changed', test: 'enrolment-error' }));
        notice.firstChild.setAttribute('tabindex', '-1');
        notice.firstChild.focus();
        return;
      }
      en = fresh?.activities ? fresh : await get(base, { signal }).catch(() => ({ ...en, ...fresh }));
      draw();
      const msg = statusMessage({ tone: 'ok', role: 'alert', title: done, test: 'enrolment-changed' });
      msg.setAttribute('tabindex', '-1');
      notice.replaceChildren(msg);
      msg.focus();
    });
  }

  function actions(e) {
    if (!canChangeEnrolments(session) || e.learner?.id === session.user.id) return null;
    const out = [];
    const name = e.learner?.name || 'the learner';
    if (e.status === 'active') {
      out.push(button('Pause', {
        variant: 'secondary',
        test: 'enrolment-pause',
        onClick: (ev) => change('paused', ev.currentTarget, { done: `Paused. ${name}’s activities wait until you resume it.` }),
      }));
    }
    if (e.status === 'paused') {
      out.push(button('Resume', {
        test: 'enrolment-resume',
        onClick: (ev) => change('active', ev.currentTarget, { done: 'Resumed. The open activities moved later by the working days it was paused.' }),
      }));
    }
    if (e.status === 'active' || e.status === 'paused') {
      out.push(button('Withdraw', {
        variant: 'danger',
        test: 'enrolment-withdraw',
        onClick: async (ev) => {
          const btn = ev.currentTarget;
          const ok = await confirmDialog({
            title: `Withdraw ${name} from “${e.workflow?.title || 'this workflow'}”?`,
            message: 'The enrolment ends: its open activities leave their journey. What they did so far is kept. This cannot be undone, but they can be enrolled again later.',
            confirmLabel: 'Withdraw',
            danger: true,
            test: 'confirm-withdraw',
          });
          if (ok) await change('withdrawn', btn, { done: `Withdrawn. ${name} is no longer on this workflow.` });
        },
      }));
    }
    return out.length ? h('div', { class: 'editor__actions' }, out) : null;
  }

  function about(e) {
    const rows = [
      ['Learner', h('span', { dataset: { test: 'enrolment-learner' } }, e.learner?.name || '—', e.learner?.email ? h('span', { class: 'muted' }, ` (${e.learner.email})`) : null)],
      ['Workflow', h('span', { dataset: { test: 'enrolment-workflow' } },
        canDesignWorkflows(session) && e.workflow?.id ? h('a', { href: `/workflows/${encodeURIComponent(e.workflow.id)}` }, e.workflow.title) : (e.workflow?.title || '—'),
        e.version ? h('span', { class: 'muted' }, ` (version ${e.version})`) : null)],
      ['Status', enrolmentStatusBadge(e.status)],
      ['Started', e.start_date ? dateInWords(e.start_date, { today }) : '—'],
      ['Coach', h('span', { dataset: { test: 'enrolment-coach' } }, e.coach?.name || h('span', { class: 'muted' }, 'None'))],
    ];
    if (e.status === 'paused' && e.paused_at) rows.push(['Paused', timeEl(e.paused_at)]);
    if (e.paused_days) rows.push(['Time paused', `${e.paused_days} working day${e.paused_days === 1 ? '' : 's'}`]);
    if (e.replanned_at) rows.push(['Last re-planned', timeEl(e.replanned_at)]);
    if (e.completed_at) rows.push(['Completed', timeEl(e.completed_at)]);
    if (e.withdrawn_at) rows.push(['Withdrawn', timeEl(e.withdrawn_at)]);
    return card({ title: 'About this enrolment', test: 'enrolment-about', wide: true },
      progressBar(e.progress, { label: `Progress of ${e.learner?.name || 'the learner'} on ${e.workflow?.title || 'the workflow'}`, test: 'enrolment-progress' }),
      h('dl', { class: 'details' }, rows.map(([t, v]) => [h('dt', {}, t), h('dd', {}, v)])));
  }

  function events(e) {
    const list = e.events || [];
    if (!list.length) return null;
    return card({ title: 'What happened', test: 'enrolment-events', wide: true },
      h('ul', { class: 'event-list' }, list.map((ev) => h('li', { class: 'event-list__item', dataset: { test: 'enrolment-event', kind: ev.kind } },
        h('span', {}, eventInWords(ev)), ' ', h('span', { class: 'muted' }, timeEl(ev.created_at, { fallback: '' }))))));
  }

  function activitiesTable(e) {
    const rows = e.activities || [];
    if (!rows.length) return statusMessage({ tone: 'info', title: 'No activities', detail: 'This workflow version has no steps.', test: 'enrolment-no-activities' });
    return dataTable({
      caption: 'Activities, in workflow order',
      columns: [
        {
          label: 'Step',
          class: 'col-name',
          cell: (a) => [
            h('a', { href: `/activities/${encodeURIComponent(a.id)}`, dataset: { test: 'enrolment-activity-link' } }, a.title),
            h('span', { class: 'cell-sub' }, [kindLabel(a.kind), a.phase_name].filter(Boolean).join(' · ')),
          ],
        },
        { label: 'Status', cell: (a) => activityStatusBadge(a.status, { test: 'enrolment-activity-status' }) },
        {
          label: 'Due',
          cell: (a) => {
            const due = dueInWords(a, today);
            return h('span', { class: due.tone ? `due due--${due.tone}` : 'due', dataset: { test: 'enrolment-activity-due' } },
              a.status === 'completed' || a.status === 'awaiting_signoff' || a.status === 'skipped'
                ? (a.due_date ? dateInWords(a.due_date, { today, weekday: false }) : '—')
                : due.text);
          },
        },
        {
          label: 'Done',
          cell: (a) => (a.completed_at ? formatWhen(a.completed_at) : h('span', { class: 'muted' }, '—')),
        },
        {
          label: 'Reflection and evidence',
          class: 'col-actions',
          cell: (a) => (['completed', 'awaiting_signoff', 'returned'].includes(a.status) ? submissionDisclosure(a, signal) : h('span', { class: 'muted' }, 'Nothing yet')),
        },
      ],
      rows,
      test: 'enrolment-activities',
      rowTest: () => 'enrolment-activity',
    });
  }

  function draw() {
    const title = en.workflow?.title || 'Enrolment';
    document.title = `${en.learner?.name ? `${en.learner.name} · ` : ''}${title} · Waymark`;
    box.replaceChildren(h('div', { class: 'stack enrolment', dataset: { test: 'enrolment', status: en.status } },
      pageHeader({
        title,
        back: backFor(en),
        lead: en.learner?.id === session.user.id ? 'Your enrolment.' : `${en.learner?.name || 'A learner'}’s enrolment.`,
        actions: actions(en),
      }),
      notice,
      about(en),
      events(en),
      h('section', { class: 'enrolment__activities', 'aria-label': 'Activities' }, activitiesTable(en))));
  }

  async function load() {
    try {
      en = await get(base, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.status === 404 || err.status === 400) {
        box.replaceChildren(pageHeader({ title: 'Enrolment not found', back }),
          statusMessage({ tone: 'info', title: 'There is no such enrolment here', detail: 'It may be someone you cannot see, or the link may be mistyped.', test: 'enrolment-missing' }));
      } else {
        box.replaceChildren(pageHeader({ title: 'Enrolment', back }),
          errorState(err, { title: 'Waymark could not load this enrolment', retry: () => load(), test: 'enrolment-load-error' }));
      }
      return;
    }
    draw();
  }
  return load();
}
