// pages/people.js — the People page: everyone in the organisation, searchable and paged.
//
// Administrators manage people here (add, import, edit, deactivate, reactivate); managers,
// designers and coaches see the part of the list the server lets them read, without the
// buttons. The search and the active/deactivated filter live in the address (?q=&show=),
// so a search can be bookmarked and Back returns to it; paging uses the API's opaque
// cursors, remembered in memory so "Previous" can go back. On a phone the table becomes
// one block per person (ui.js dataTable), so nothing scrolls sideways.

import { del, get, patch } from '../api.js';
import { createNameCache, rolesInWords } from '../people-data.js';
import { canManagePeople } from '../session.js';
import {
  badge, button, confirmDialog, dataTable, emptyState, errorState, field, h, linkButton, loadingState, pageHeader,
  pager, statusMessage, takeFlash,
} from '../ui.js';

const PAGE_SIZE = 25;

const SHOW = [
  { value: 'active', label: 'Active people', api: 'true' },
  { value: 'deactivated', label: 'Deactivated people', api: 'false' },
  { value: 'all', label: 'Everyone', api: undefined },
];

export function peoplePage({ outlet, session, signal, query }) {
  const admin = canManagePeople(session);
  const names = createNameCache(signal);
  let q = query.get('q') || '';
  let show = SHOW.find((s) => s.value === query.get('show')) || SHOW[0];
  let cursors = [null]; // cursors[i] fetches page i; the last one is the page shown
  let lastPage = null;

  const search = field({ label: 'Search by name or email', name: 'q', type: 'search', value: q, attrs: { autocomplete: 'off', spellcheck: 'false' }, test: 'people-search' });
  const filter = field({ label: 'Show', name: 'show', type: 'select', value: show.value, options: SHOW, test: 'people-show' });
  const searchForm = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'People', dataset: { test: 'people-search-form' } },
    search.el, filter.el,
    h('div', { class: 'toolbar__actions' }, button('Search', { type: 'submit', variant: 'secondary', test: 'people-search-submit' })));
  const notice = h('div', { class: 'notice-area', dataset: { test: 'people-notice' } });
  const results = h('div', { class: 'results', dataset: { test: 'people-results' } });
  const count = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'people-count' } });

  function updateAddress() {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (show.value !== 'active') params.set('show', show.value);
    const qs = params.toString();
    history.replaceState(history.state, '', `/people${qs ? `?${qs}` : ''}`);
  }

  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    q = search.value().trim();
    show = SHOW.find((s) => s.value === filter.value()) || SHOW[0];
    cursors = [null];
    updateAddress();
    load();
  });
  filter.input.addEventListener('change', () => searchForm.requestSubmit());

  function say(tone, title, detail) {
    notice.replaceChildren(statusMessage({ tone, title, detail, test: 'people-status' }));
  }

  async function setActive(person, active) {
    const who = person.name || person.email;
    if (!active) {
      const ok = await confirmDialog({
        title: `Deactivate ${who}?`,
        message: `${who} will be signed out everywhere and their API tokens will stop working. Their history stays, and you can reactivate them at any time.`,
        confirmLabel: 'Deactivate',
        danger: true,
        test: 'confirm-deactivate',
      });
      if (!ok) return;
    }
    try {
      if (active) await patch(`/api/v1/users/${person.id}`, { active: true });
      else await del(`/api/v1/users/${person.id}`);
    } catch (err) {
      if (err.name === 'AbortError') return;
      notice.replaceChildren(errorState(err, { title: `${who} could not be ${active ? 'reactivated' : 'deactivated'}`, test: 'people-status' }));
      return;
    }
    say('ok', active ? `${who} is active again.` : `${who} is deactivated.`,
      active ? 'They can sign in with their old password; their old sessions and tokens stay ended.' : 'They can no longer sign in.');
    await load({ keepNotice: true });
  }

  function managerCell(person) {
    const cell = h('span', { class: 'muted' }, person.manager_id ? '…' : '—');
    if (person.manager_id) {
      names.lookup(person.manager_id).then((m) => {
        cell.textContent = m ? m.name || m.email : '—';
        cell.className = m ? '' : 'muted';
      }).catch(() => {});
    }
    return cell;
  }

  function table(items) {
    const columns = [
      {
        label: 'Name',
        class: 'col-name',
        cell: (p) => [
          h('a', { href: `/people/${p.id}`, dataset: { test: 'person-link' } }, p.name || p.email),
          h('span', { class: 'cell-sub', dataset: { test: 'person-email' } }, p.email),
        ],
      },
      { label: 'Roles', cell: (p) => rolesInWords(p.roles) },
      { label: 'Reports to', cell: managerCell },
      { label: 'Department', cell: (p) => p.department || h('span', { class: 'muted' }, '—') },
      { label: 'Job title', cell: (p) => p.job_title || h('span', { class: 'muted' }, '—') },
      {
        label: 'Status',
        cell: (p) => (p.active
          ? badge('Active', { tone: 'ok', test: 'person-status' })
          : [badge('Deactivated', { tone: 'muted', test: 'person-status' })]),
      },
    ];
    if (admin) {
      columns.push({
        label: 'Actions',
        class: 'col-actions',
        cell: (p) => h('div', { class: 'row-actions' },
          linkButton(`/people/${p.id}`, 'Edit', { variant: 'secondary', size: 'small', test: 'person-edit', ariaLabel: `Edit ${p.name || p.email}` }),
          p.active
            ? button('Deactivate', { variant: 'secondary', size: 'small', test: 'person-deactivate', ariaLabel: `Deactivate ${p.name || p.email}`, onClick: () => setActive(p, false) })
            : button('Reactivate', { variant: 'secondary', size: 'small', test: 'person-reactivate', ariaLabel: `Reactivate ${p.name || p.email}`, onClick: () => setActive(p, true) })),
      });
    }
    return dataTable({
      caption: q ? `${show.label} matching “${q}”` : show.label,
      columns,
      rows: items,
      test: 'people-table',
      rowTest: () => 'person-row',
    });
  }

  // The pager is rebuilt with each page: keep focus on the button that was pressed (or
  // the other one when there is no further page that way).
  function refocusPager(which) {
    const other = which === 'next' ? 'previous' : 'next';
    (results.querySelector(`[data-test="people-pager-${which}"]`) || results.querySelector(`[data-test="people-pager-${other}"]`))?.focus();
  }

  async function load({ keepNotice = false } = {}) {
    if (!keepNotice) notice.replaceChildren();
    results.replaceChildren(loadingState('Loading people…', { test: 'people-loading' }));
    results.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get('/api/v1/users', { query: { q, active: show.api, limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.replaceChildren(errorState(err, { title: 'Waymark could not load the people list', retry: () => load(), test: 'people-error' }));
      results.removeAttribute('aria-busy');
      return;
    }
    lastPage = page;
    const items = page?.items || [];
    for (const p of items) names.remember(p);
    results.removeAttribute('aria-busy');
    const pageNumber = cursors.length;
    if (!items.length && pageNumber === 1) {
      count.textContent = 'No one found.';
      results.replaceChildren(q || show.value !== 'active'
        ? emptyState({
          title: q ? `No one matches “${q}”` : `No ${show.label.toLowerCase()}`,
          detail: q ? 'Check the spelling, search for part of the name or email, or show everyone.' : 'Try another filter.',
          action: button('Show all active people', {
            variant: 'secondary',
            test: 'people-clear-search',
            onClick: () => {
              search.input.value = '';
              filter.input.value = 'active';
              searchForm.requestSubmit();
            },
          }),
          test: 'people-empty',
        })
        : emptyState({
          title: 'No people yet',
          detail: admin ? 'Add people one at a time, or import a spreadsheet of everyone at once.' : 'There is no one you can see yet.',
          action: admin ? linkButton('/people/new', 'Add a person', { test: 'people-empty-add' }) : null,
          test: 'people-empty',
        }));
      return;
    }
    count.textContent = `${items.length}${page?.next_cursor ? ' or more' : ''} ${items.length === 1 && !page?.next_cursor ? 'person' : 'people'} shown${pageNumber > 1 ? `, page ${pageNumber}` : ''}.`;
    results.replaceChildren(...[
      table(items),
      pager({
        hasPrevious: pageNumber > 1,
        hasNext: Boolean(page?.next_cursor),
        summary: `Page ${pageNumber}`,
        label: 'People pages',
        test: 'people-pager',
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
    h('div', { dataset: { test: 'people' } },
      pageHeader({
        title: 'People',
        lead: admin
          ? 'Everyone in your organisation who can use Waymark: their roles and who they report to.'
          : 'The people you can see in your organisation.',
        actions: admin
          ? [linkButton('/people/new', 'Add a person', { test: 'people-add' }), linkButton('/people/import', 'Import from a spreadsheet', { variant: 'secondary', test: 'people-import' })]
          : null,
      }),
      takeFlash({ test: 'people-flash' }),
      searchForm,
      notice,
      count,
      results));
  load();
}
