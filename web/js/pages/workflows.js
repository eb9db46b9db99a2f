// pages/workflows.js — the designer's list of workflows (/workflows) and the three ways to
// start one: from scratch (/workflows/new: a title and the outcome it exists for), from a
// template of the library (/workflows/templates) and from a file exported earlier
// (/workflows/import). Each of them ends in the editor of the new draft.
//
// The list shows each workflow's title and outcome, its status, latest version, whether
// the draft has changes not yet published, its size and when it last changed. The search
// and the status filter live in the address (?q=&status=), so Back returns to them; paging
// uses the API's opaque cursors, remembered in memory so "Previous" can go back.
//
// An import the server refuses (422) lists every problem it found, each with its place in
// the file ("Phase 2, step 4, kind"), so the designer can fix the file in one go.

import { get, post } from '../api.js';
import {
  changesBadge, documentPlace, plural, STATUSES, statusBadge,
} from '../workflow-data.js';
import {
  button, card, dataTable, emptyState, errorState, errorSummary, field, h, linkButton, loadingState, pageHeader, pager,
  setFlash, showFormErrors, statusMessage, takeFlash, timeEl, whileBusy,
} from '../ui.js';

const PAGE_SIZE = 25;
const BACK = { href: '/workflows', label: 'Workflows' };
const FILTERS = [{ value: '', label: 'All workflows' }, ...STATUSES.map((s) => ({ value: s.value, label: `${s.label} only` }))];

function startActions({ primary = true } = {}) {
  return [
    linkButton('/workflows/new', 'New workflow', { test: 'workflows-new', variant: primary ? 'primary' : 'secondary' }),
    linkButton('/workflows/templates', 'Start from a template', { variant: 'secondary', test: 'workflows-templates' }),
    linkButton('/workflows/import', 'Import', { variant: 'secondary', test: 'workflows-import' }),
  ];
}

export function workflowsPage({ outlet, signal, query }) {
  let q = query.get('q') || '';
  let status = FILTERS.some((f) => f.value === query.get('status')) ? query.get('status') : '';
  let cursors = [null];
  let lastPage = null;

  const search = field({ label: 'Search by title', name: 'q', type: 'search', value: q, attrs: { autocomplete: 'off' }, test: 'workflows-search' });
  const filter = field({ label: 'Show', name: 'status', type: 'select', value: status, options: FILTERS, test: 'workflows-status' });
  const searchForm = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Workflows', dataset: { test: 'workflows-search-form' } },
    search.el, filter.el,
    h('div', { class: 'toolbar__actions' }, button('Search', { type: 'submit', variant: 'secondary', test: 'workflows-search-submit' })));
  const results = h('div', { class: 'results', dataset: { test: 'workflows-results' } });
  const count = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'workflows-count' } });

  function updateAddress() {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (status) params.set('status', status);
    const qs = params.toString();
    history.replaceState(history.state, '', `/workflows${qs ? `?${qs}` : ''}`);
  }

  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    q = search.value().trim();
    status = filter.value();
    cursors = [null];
    updateAddress();
    load();
  });
  filter.input.addEventListener('change', () => searchForm.requestSubmit());

  function table(items) {
    return dataTable({
      caption: q || status ? `Workflows${status ? ` (${status})` : ''}${q ? ` matching “${q}”` : ''}` : 'Workflows',
      captionHidden: !(q || status),
      columns: [
        {
          label: 'Workflow',
          class: 'col-name',
          cell: (w) => [
            h('a', { href: `/workflows/${w.id}`, dataset: { test: 'workflow-link' } }, w.title),
            w.outcome ? h('span', { class: 'cell-sub one-line', title: w.outcome, dataset: { test: 'workflow-outcome' } }, w.outcome) : null,
          ],
        },
        {
          label: 'Status',
          cell: (w) => h('span', { class: 'badges' }, statusBadge(w.status, { test: 'workflow-status' }), changesBadge(w, { test: 'workflow-changes' })),
        },
        {
          label: 'Version',
          class: 'col-number',
          cell: (w) => h('span', { dataset: { test: 'workflow-version' } }, w.latest_version ? `v${w.latest_version}` : '—'),
        },
        {
          label: 'Steps',
          class: 'col-number',
          cell: (w) => h('span', { dataset: { test: 'workflow-steps' } }, `${plural(w.step_count ?? 0, 'step')} in ${plural(w.phase_count ?? 0, 'phase')}`),
        },
        { label: 'Updated', cell: (w) => timeEl(w.updated_at, { fallback: '—' }) },
      ],
      rows: items,
      test: 'workflows-table',
      rowTest: () => 'workflow-row',
    });
  }

  async function load() {
    results.replaceChildren(loadingState('Loading workflows…', { test: 'workflows-loading' }));
    results.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get('/api/v1/workflows', { query: { q, status, limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.removeAttribute('aria-busy');
      results.replaceChildren(errorState(err, { title: 'Waymark could not load the workflows', retry: () => load(), test: 'workflows-error' }));
      return;
    }
    results.removeAttribute('aria-busy');
    lastPage = page;
    const items = page?.items || [];
    const pageNumber = cursors.length;
    if (!items.length && pageNumber === 1) {
      count.textContent = 'No workflows found.';
      results.replaceChildren(q || status
        ? emptyState({
          title: q ? `No workflow matches “${q}”` : `No ${status} workflows`,
          detail: 'Check the spelling, search for part of the title, or show all workflows.',
          action: button('Show all workflows', {
            variant: 'secondary',
            test: 'workflows-clear-search',
            onClick: () => {
              search.input.value = '';
              filter.input.value = '';
              searchForm.requestSubmit();
            },
          }),
          test: 'workflows-empty',
        })
        : emptyState({
          title: 'No workflows yet',
          detail: 'A workflow takes people, step by small step over days or weeks, to one new behaviour at work. Start from a template to see how one is built, or begin with your outcome.',
          action: h('div', { class: 'empty__actions' },
            linkButton('/workflows/templates', 'Start from a template', { test: 'workflows-empty-template' }),
            linkButton('/workflows/new', 'New workflow', { variant: 'secondary', test: 'workflows-empty-new' })),
          test: 'workflows-empty',
        }));
      return;
    }
    count.textContent = `${items.length}${page?.next_cursor ? ' or more' : ''} workflow${items.length === 1 && !page?.next_cursor ? '' : 's'} shown${pageNumber > 1 ? `, page ${pageNumber}` : ''}.`;
    results.replaceChildren(...[
      table(items),
      pager({
        hasPrevious: pageNumber > 1,
        hasNext: Boolean(page?.next_cursor),
        summary: `Page ${pageNumber}`,
        label: 'Workflow pages',
        test: 'workflows-pager',
        onPrevious: () => {
          cursors.pop();
          load().then(() => results.querySelector('[data-test^="workflows-pager-"]')?.focus());
        },
        onNext: () => {
          cursors.push(lastPage.next_cursor);
          load().then(() => results.querySelector('[data-test="workflows-pager-next"], [data-test="workflows-pager-previous"]')?.focus());
        },
      }),
    ].filter(Boolean));
  }

  outlet.append(
    h('div', { dataset: { test: 'workflows' } },
      pageHeader({
        title: 'Workflows',
        lead: 'Plans for one behaviour change each: an outcome, phases and small steps spread over days. Learners follow a published version.',
        actions: startActions(),
      }),
      takeFlash({ test: 'workflows-flash' }),
      searchForm,
      count,
      results));
  return load();
}

/** /workflows/new — a title and the outcome, then on to the editor. */
export function newWorkflowPage({ outlet, router, signal }) {
  const title = field({ label: 'Title', name: 'title', hint: 'What people will see, e.g. “Giving specific, timely feedback”.', attrs: { autocomplete: 'off', maxlength: '200', required: true }, test: 'new-workflow-title' });
  const outcome = field({
    label: 'Outcome', name: 'outcome', type: 'textarea',
    hint: 'The behaviour this workflow exists to produce, as you would see it at work: “Gives specific, timely feedback within a day of the moment”. You can change it later; it is needed to publish.',
    attrs: { rows: '3', maxlength: '1000' }, test: 'new-workflow-outcome',
  });
  const fields = [title, outcome];
  const summary = errorSummary({ test: 'new-workflow-errors' });
  const submit = button('Create workflow', { type: 'submit', test: 'new-workflow-save' });
  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'new-workflow-form' } },
    summary.el, title.el, outcome.el,
    h('div', { class: 'form__actions' }, submit, linkButton('/workflows', 'Cancel', { variant: 'secondary', test: 'new-workflow-cancel' })));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    summary.clear();
    const body = { title: title.value().trim(), outcome: outcome.value().trim() };
    if (!body.title) {
      showFormErrors(summary, fields, { details: [{ field: 'title', message: 'Enter a title for the workflow' }] }, { heading: 'Please fill in the missing details' });
      title.focus();
      return;
    }
    await whileBusy(submit, 'Creating…', async () => {
      let wf;
      try {
        wf = await post('/api/v1/workflows', body, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        showFormErrors(summary, fields, err, { heading: err.details?.length ? 'Please check these details' : 'The workflow was not created' });
        fields.find((f) => f.input.getAttribute('aria-invalid') === 'true')?.focus();
        return;
      }
      wf = wf?.workflow || wf;
      setFlash({ tone: 'ok', title: `“${wf.title}” is created as a draft.`, detail: 'Add its first phase below, then the steps in it.' });
      router.navigate(`/workflows/${wf.id}`);
    });
  });

  outlet.append(h('div', { class: 'stack', dataset: { test: 'new-workflow' } },
    pageHeader({ title: 'New workflow', back: BACK, lead: 'Start with the behaviour you want to see. Phases and steps come next, in the editor.' }),
    h('div', { class: 'card card--wide' }, form)));
}

/** /workflows/templates — the template library; "Use this template" makes a draft of it. */
export function workflowTemplatesPage({ outlet, router, signal }) {
  const results = h('div', { class: 'results', dataset: { test: 'templates-results' } }, loadingState('Loading the templates…', { test: 'templates-loading' }));
  const notice = h('div', { class: 'notice-area', dataset: { test: 'templates-notice' } });

  async function use(t, btn) {
    notice.replaceChildren();
    await whileBusy(btn, 'Creating…', async () => {
      let wf;
      try {
        wf = await post('/api/v1/workflows', { template: t.key }, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        notice.replaceChildren(errorState(err, { title: `No workflow was made from “${t.title}”`, test: 'templates-error' }));
        return;
      }
      wf = wf?.workflow || wf;
      setFlash({ tone: 'ok', title: `“${wf.title}” is created from the template as a draft.`, detail: 'Make it yours: change the steps, then publish it.' });
      router.navigate(`/workflows/${wf.id}`);
    });
  }

  async function load() {
    let page;
    try {
      page = await get('/api/v1/workflow-templates', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.replaceChildren(errorState(err, { title: 'Waymark could not load the templates', retry: () => load(), test: 'templates-error' }));
      return;
    }
    const items = page?.items || [];
    if (!items.length) {
      results.replaceChildren(emptyState({
        title: 'No templates here',
        detail: 'This Waymark has no template library. Start from scratch instead.',
        action: linkButton('/workflows/new', 'New workflow', { test: 'templates-empty-new' }),
        test: 'templates-empty',
      }));
      return;
    }
    results.replaceChildren(h('ul', { class: 'template-list', dataset: { test: 'templates' } }, items.map((t) => h('li', { class: 'template', dataset: { test: 'template', key: t.key } },
      card({ title: t.title, test: 'template-card' },
        t.outcome ? h('p', { class: 'template__outcome' }, h('span', { class: 'template__label' }, 'Outcome: '), t.outcome) : null,
        t.description ? h('p', { class: 'muted' }, t.description) : null,
        h('p', { class: 'template__facts', dataset: { test: 'template-facts' } },
          [plural(t.phase_count ?? 0, 'phase'), plural(t.step_count ?? 0, 'step'), t.duration_days ? `about ${plural(t.duration_days, 'day')}` : null].filter(Boolean).join(' · ')),
        button('Use this template', {
          test: 'template-use',
          ariaLabel: `Use this template: ${t.title}`,
          onClick: (e) => use(t, e.currentTarget),
        }))))));
  }

  outlet.append(h('div', { class: 'stack', dataset: { test: 'workflow-templates' } },
    pageHeader({ title: 'Start from a template', back: BACK, lead: 'Proven shapes for common behaviour changes. Using one makes your own draft: change anything before you publish it.' }),
    notice,
    results));
  return load();
}

/** /workflows/import — a workflow file (.json) exported from Waymark, checked by the server. */
export function workflowImportPage({ outlet, router, signal }) {
  const file = field({
    label: 'Workflow file', name: 'file', type: 'file',
    hint: 'A .json file exported from Waymark (Export on a workflow’s page).',
    attrs: { accept: '.json,application/json' }, test: 'import-workflow-file',
  });
  const submit = button('Import', { type: 'submit', test: 'import-workflow-submit' });
  const report = h('div', { class: 'notice-area', dataset: { test: 'import-workflow-report' } });
  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'import-workflow-form' } },
    file.el, h('div', { class: 'form__actions' }, submit, linkButton('/workflows', 'Cancel', { variant: 'secondary', test: 'import-workflow-cancel' })));

  function problems(title, items) {
    const box = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', dataset: { test: 'import-workflow-problems' } },
      h('h2', { class: 'error-summary__title' }, title),
      items.length ? h('ul', { class: 'error-summary__list' }, items.map((it) => h('li', { dataset: { test: 'import-workflow-problem' } }, it))) : null);
    report.replaceChildren(box);
    box.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    file.setError(null);
    report.replaceChildren();
    const chosen = file.value();
    if (!chosen) {
      file.setError('Choose a workflow file first');
      file.focus();
      return;
    }
    await whileBusy(submit, 'Importing…', async () => {
      let doc;
      try {
        doc = JSON.parse(await chosen.text());
      } catch (err) {
        problems('This file is not a workflow file', [`It is not valid JSON: ${err.message}`]);
        return;
      }
      let wf;
      try {
        wf = await post('/api/v1/workflows/import', doc, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        const details = err.details || [];
        if (details.length) {
          problems(`The file has ${plural(details.length, 'problem')}: nothing was imported`, details.map((d) => [
            d.field ? h('span', { class: 'import-place' }, `${documentPlace(d.field)}: `) : null,
            d.message,
            d.field ? h('code', { class: 'import-path' }, ` (${d.field})`) : null,
          ]));
        } else {
          problems('Nothing was imported', [err.message]);
        }
        return;
      }
      wf = wf?.workflow || wf;
      setFlash({ tone: 'ok', title: `“${wf.title}” is imported as a new draft.`, detail: 'Check it, then publish it when it is ready.' });
      router.navigate(`/workflows/${wf.id}`);
    });
  });

  outlet.append(h('div', { class: 'stack', dataset: { test: 'import-workflow' } },
    pageHeader({ title: 'Import a workflow', back: BACK, lead: 'Bring in a workflow exported from this or another Waymark. It arrives as a new draft.' }),
    report,
    card({ title: 'Choose the file', wide: true }, form),
    statusMessage({ tone: 'info', title: 'Nothing changes until the file is right', detail: 'If anything in the file is wrong, every problem is listed here and nothing is imported.' })));
}
