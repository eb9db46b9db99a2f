// pages/signoffs.js — the sign-off queue (/signoffs): every step waiting for the signed-in
// person's sign-off (GET /api/v1/me/signoffs), oldest submission first, as the learner's
// direct manager or as the enrolment's coach.
//
// Each entry shows who sent what and when, the start of the reflection and the evidence
// (a note, a link, how many files), a link to the whole activity, and Approve and Return
// (with a required comment, in a dialog) right there. A decided entry leaves the list;
// what happened is said in a message at the top and focus moves on to the next entry, so
// a keyboard user can work down the queue. A long queue comes in pages: "Show more".

import { get } from '../api.js';
import { activityKindBadge } from '../journey-data.js';
import { approveActivity, openReturnDialog } from '../signoff.js';
import { plural } from '../workflow-data.js';
import {
  button, emptyState, errorState, h, loadingState, pageHeader, statusMessage, timeEl, uid, whileBusy,
} from '../ui.js';

const EXCERPT = 280;

function excerpt(text) {
  const s = String(text ?? '').trim();
  return [...s].length > EXCERPT ? `${[...s].slice(0, EXCERPT - 1).join('').trimEnd()}…` : s;
}

function isWebAddress(value) {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export function signoffsPage({ outlet, signal }) {
  const notice = h('div', { class: 'notice-area', dataset: { test: 'signoffs-notice' } });
  const results = h('div', { class: 'results', dataset: { test: 'signoffs-results' } });
  const count = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'signoffs-count' } });
  let items = [];
  let next = null; // the cursor of the next page of the queue, when there is one

  function say(message) {
    const msg = statusMessage({ ...message, role: 'alert', test: 'signoffs-status' });
    notice.replaceChildren(msg);
  }

  /** Takes a decided entry out of the list and moves focus to the next one. */
  function decided(item) {
    const i = items.findIndex((x) => x.id === item.id);
    items = items.filter((x) => x.id !== item.id);
    draw();
    const links = results.querySelectorAll('[data-test="signoff-title"]');
    const next = links[Math.min(i, links.length - 1)];
    if (next) next.focus();
    else {
      const m = notice.firstChild;
      if (m) {
        m.setAttribute('tabindex', '-1');
        m.focus();
      }
    }
  }

  function entry(item) {
    const learner = item.learner?.name || 'Someone';
    const titleId = uid('signoff');
    const evidence = [];
    if (item.evidence_text) evidence.push(h('p', { class: 'signoff-item__evidence pre-line', dataset: { test: 'signoff-evidence-text' } }, h('span', { class: 'signoff-item__label' }, 'Evidence: '), excerpt(item.evidence_text)));
    if (item.evidence_url) {
      evidence.push(h('p', { class: 'signoff-item__evidence' }, h('span', { class: 'signoff-item__label' }, 'Link: '),
        isWebAddress(item.evidence_url)
          ? h('a', { href: item.evidence_url, target: '_blank', rel: 'noopener noreferrer', class: 'external-link', dataset: { test: 'signoff-evidence-url', external: '' } }, item.evidence_url, h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'))
          : item.evidence_url));
    }
    if (item.file_count) {
      evidence.push(h('p', { class: 'signoff-item__evidence', dataset: { test: 'signoff-files' } }, h('span', { class: 'signoff-item__label' }, 'Files: '),
        `${plural(item.file_count, 'file')} — `, h('a', { href: `/activities/${encodeURIComponent(item.id)}` }, 'open the step to read them')));
    }
    const approve = button('Approve', {
      test: 'signoff-approve',
      ariaLabel: `Approve “${item.title}” for ${learner}`,
      onClick: async (e) => {
        await whileBusy(e.currentTarget, 'Approving…', async () => {
          try {
            await approveActivity(item.id, { signal });
          } catch (err) {
            if (err.name === 'AbortError') return;
            notice.replaceChildren(errorState(err, { title: `“${item.title}” was not approved`, test: 'signoffs-error' }));
            return;
          }
          say({ tone: 'ok', title: `Approved “${item.title}” for ${learner}.`, detail: 'They see it as done.' });
          decided(item);
        });
      },
    });
    const ret = button('Return…', {
      variant: 'secondary',
      test: 'signoff-return',
      ariaLabel: `Return “${item.title}” to ${learner} with a comment`,
      onClick: () => openReturnDialog({
        activity: item,
        learner: item.learner,
        signal,
        onReturned: () => {
          say({ tone: 'ok', title: `Returned “${item.title}” to ${learner}.`, detail: 'They see your comment with the step, which is open for them again.' });
          decided(item);
        },
      }),
    });
    return h('li', { class: 'signoff-item', 'aria-labelledby': titleId, dataset: { test: 'signoff-item', id: String(item.id) } },
      h('p', { class: 'signoff-item__who', dataset: { test: 'signoff-learner' } },
        h('strong', {}, learner), item.workflow_title ? h('span', { class: 'muted' }, ` · ${item.workflow_title}`) : null),
      h('h2', { class: 'signoff-item__title', id: titleId },
        h('a', { href: `/activities/${encodeURIComponent(item.id)}`, dataset: { test: 'signoff-title' } }, item.title)),
      h('p', { class: 'signoff-item__meta' },
        activityKindBadge(item.kind),
        h('span', { dataset: { test: 'signoff-submitted' } }, 'Sent ', timeEl(item.submitted_at, { fallback: 'earlier' })),
        item.phase_name ? h('span', { class: 'muted' }, item.phase_name) : null),
      item.reflection
        ? h('blockquote', { class: 'signoff-item__reflection pre-line', dataset: { test: 'signoff-reflection' } }, excerpt(item.reflection))
        : h('p', { class: 'muted' }, 'No reflection written.'),
      evidence,
      h('div', { class: 'signoff-item__actions' }, approve, ret));
  }

  function draw() {
    if (!items.length) {
      count.textContent = 'Nothing is waiting for your sign-off.';
      results.replaceChildren(emptyState({
        title: 'Nothing is waiting for your sign-off',
        detail: 'When someone you manage or coach sends a step for your sign-off, it appears here, oldest first.',
        action: h('a', { href: '/', dataset: { test: 'signoffs-home' } }, 'Go to your journey'),
        test: 'signoffs-empty',
      }));
      return;
    }
    count.textContent = `${plural(items.length, 'step')}${next ? ' or more' : ''} waiting for your sign-off.`;
    const more = next
      ? button('Show more', {
        variant: 'secondary',
        test: 'signoffs-more',
        onClick: async (e) => {
          const shown = items.length;
          await whileBusy(e.currentTarget, 'Loading…', () => loadMore());
          results.querySelectorAll('[data-test="signoff-title"]')[shown]?.focus();
        },
      })
      : null;
    const list = h('ul', { class: 'signoff-list', dataset: { test: 'signoff-list' } }, items.map(entry));
    results.replaceChildren(...(more ? [list, more] : [list]));
  }

  async function loadMore() {
    let page;
    try {
      page = await get('/api/v1/me/signoffs', { query: { cursor: next }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      notice.replaceChildren(errorState(err, { title: 'Waymark could not load more sign-offs', test: 'signoffs-error' }));
      return;
    }
    const known = new Set(items.map((x) => x.id));
    items = [...items, ...(page?.items || []).filter((x) => !known.has(x.id))];
    next = page?.next_cursor || null;
    draw();
  }

  async function load() {
    results.replaceChildren(loadingState('Loading the steps waiting for you…', { test: 'signoffs-loading' }));
    results.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get('/api/v1/me/signoffs', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.removeAttribute('aria-busy');
      results.replaceChildren(errorState(err, { title: 'Waymark could not load your sign-offs', retry: () => load(), test: 'signoffs-load-error' }));
      return;
    }
    results.removeAttribute('aria-busy');
    items = page?.items || [];
    next = page?.next_cursor || null;
    draw();
  }

  outlet.append(h('div', { class: 'stack', dataset: { test: 'signoffs' } },
    pageHeader({ title: 'Sign-offs', lead: 'Steps your people have sent you, oldest first. Approve each one, or return it with a comment saying what to change.' }),
    notice,
    count,
    results));
  return load();
}
