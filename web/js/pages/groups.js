// pages/groups.js — the Groups page: every group of the organisation, searchable and paged.
//
// A group is made by hand (an administrator chooses its people) or by rule (everyone whose
// department, job title, manager or role matches, kept up to date by the server).
// Administrators create groups here; designers read the list (to enrol groups later)
// without the buttons. The search lives in the address (?q=); paging uses the API's opaque
// cursors, remembered in memory so "Previous" can go back.

import { get } from '../api.js';
import { createNameCache } from '../people-data.js';
import { ruleInWords } from '../rule-builder.js';
import { canManageGroups } from '../session.js';
import {
  badge, button, dataTable, emptyState, errorState, field, h, linkButton, loadingState, pageHeader, pager, takeFlash,
} from '../ui.js';

const PAGE_SIZE = 25;

export function groupsPage({ outlet, session, signal, query }) {
  const admin = canManageGroups(session);
  const names = createNameCache(signal);
  let q = query.get('q') || '';
  let cursors = [null];
  let lastPage = null;

  const search = field({ label: 'Search by name', name: 'q', type: 'search', value: q, attrs: { autocomplete: 'off', spellcheck: 'false' }, test: 'groups-search' });
  const searchForm = h('form', { class: 'toolbar toolbar--single', role: 'search', 'aria-label': 'Groups', dataset: { test: 'groups-search-form' } },
    search.el,
    h('div', { class: 'toolbar__actions' }, button('Search', { type: 'submit', variant: 'secondary', test: 'groups-search-submit' })));
  const results = h('div', { class: 'results', dataset: { test: 'groups-results' } });
  const count = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'groups-count' } });

  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    q = search.value().trim();
    cursors = [null];
    history.replaceState(history.state, '', q ? `/groups?q=${encodeURIComponent(q)}` : '/groups');
    load();
  });

  function table(items) {
    return dataTable({
      caption: q ? `Groups matching “${q}”` : 'Groups',
      captionHidden: !q,
      columns: [
        { label: 'Name', class: 'col-name', cell: (g) => h('a', { href: `/groups/${g.id}`, dataset: { test: 'group-link' } }, g.name) },
        {
          label: 'Who is in it',
          cell: (g) => [
            g.rule ? badge('By rule', { tone: 'info', test: 'group-kind' }) : badge('By hand', { tone: 'muted', test: 'group-kind' }),
            g.rule ? h('span', { class: 'cell-sub' }, ruleInWords(g.rule, names)) : null,
          ],
        },
        {
          label: 'Members',
          class: 'col-number',
          cell: (g) => h('span', { dataset: { test: 'group-members' } }, typeof g.member_count === 'number' ? String(g.member_count) : '—'),
        },
        { label: 'Description', cell: (g) => g.description || h('span', { class: 'muted' }, '—') },
      ],
      rows: items,
      test: 'groups-table',
      rowTest: () => 'group-row',
    });
  }

  function refocusPager(which) {
    const other = which === 'next' ? 'previous' : 'next';
    (results.querySelector(`[data-test="groups-pager-${which}"]`) || results.querySelector(`[data-test="groups-pager-${other}"]`))?.focus();
  }

  async function load() {
    results.replaceChildren(loadingState('Loading groups…', { test: 'groups-loading' }));
    results.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get('/api/v1/groups', { query: { q, limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.removeAttribute('aria-busy');
      results.replaceChildren(errorState(err, { title: 'Waymark could not load the groups', retry: () => load(), test: 'groups-error' }));
      return;
    }
    results.removeAttribute('aria-busy');
    lastPage = page;
    const items = page?.items || [];
    const pageNumber = cursors.length;
    if (!items.length && pageNumber === 1) {
      count.textContent = 'No groups found.';
      results.replaceChildren(q
        ? emptyState({
          title: `No group matches “${q}”`,
          detail: 'Check the spelling or search for part of the name.',
          action: button('Show all groups', {
            variant: 'secondary',
            test: 'groups-clear-search',
            onClick: () => {
              search.input.value = '';
              searchForm.requestSubmit();
            },
          }),
          test: 'groups-empty',
        })
        : emptyState({
          title: 'No groups yet',
          detail: admin
            ? 'A group gathers people — a team, a cohort — so you can enrol them together. Choose its people by hand, or give it a rule and Waymark keeps it up to date.'
            : 'An administrator has not made any groups yet.',
          action: admin ? linkButton('/groups/new', 'Create a group', { test: 'groups-empty-create' }) : null,
          test: 'groups-empty',
        }));
      return;
    }
    count.textContent = `${items.length}${page?.next_cursor ? ' or more' : ''} group${items.length === 1 && !page?.next_cursor ? '' : 's'} shown${pageNumber > 1 ? `, page ${pageNumber}` : ''}.`;
    results.replaceChildren(...[
      table(items),
      pager({
        hasPrevious: pageNumber > 1,
        hasNext: Boolean(page?.next_cursor),
        summary: `Page ${pageNumber}`,
        label: 'Group pages',
        test: 'groups-pager',
        onPrevious: () => {
          cursors.pop();
          load().then(() => refocusPager('previous'));
        },
        onNext: () => {
          cursors.push(lastPage.next_cursor);
          load().then(() => refocusPager('next'));
        },
      }),
    ].filter(Boolean));
  }

  outlet.append(
    h('div', { dataset: { test: 'groups' } },
      pageHeader({
        title: 'Groups',
        lead: admin
          ? 'Teams and cohorts of people, chosen by hand or kept up to date by a rule.'
          : 'Teams and cohorts of people. Only administrators can change them.',
        actions: admin ? linkButton('/groups/new', 'Create a group', { test: 'groups-create' }) : null,
      }),
      takeFlash({ test: 'groups-flash' }),
      searchForm,
      count,
      results));
  load();
}
