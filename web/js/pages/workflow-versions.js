// pages/workflow-versions.js — the published versions of a workflow (/workflows/{id}/versions)
// and what changed between any two of them, or between a version and the current draft.
//
// Versions are listed newest first: number, when and by whom it was published, its size,
// a link to read it (the timeline without edit controls) and its export. "Compare" asks
// the server for the difference (GET …/diff?from=&to=) and shows it as sentences:
// "Added: Try it once in Week 2 — try (position 3)", "Changed: Notice three moments —
// position 1 → 2", the workflow's own field changes, phase changes and the summary line.
// The chosen pair lives in the address (?from=1&to=2), so a comparison can be shared.

import { get } from '../api.js';
import { diffBlock, plural } from '../workflow-data.js';
import {
  button, card, dataTable, emptyState, errorState, field, h, linkButton, loadingState, pageHeader, statusMessage, timeEl, whileBusy,
} from '../ui.js';

export function workflowVersionsPage({ outlet, params, signal, query }) {
  const id = encodeURIComponent(params.id);
  const base = `/api/v1/workflows/${id}`;
  const back = { href: `/workflows/${id}`, label: 'Back to the workflow' };
  const box = h('div', {}, pageHeader({ title: 'Versions', back }), loadingState('Loading the versions…', { test: 'versions-loading' }));
  outlet.append(box);

  function compareCard(wf, versions) {
    const numbers = versions.map((v) => v.version).sort((a, b) => a - b);
    const latest = numbers[numbers.length - 1];
    const fromOptions = numbers.map((n) => ({ value: String(n), label: `Version ${n}` }));
    const toOptions = [...fromOptions, { value: 'draft', label: 'The current draft' }];
    const wantFrom = query.get('from');
    const wantTo = query.get('to');
    const fromDefault = fromOptions.some((o) => o.value === wantFrom) ? wantFrom : String(numbers.length > 1 ? numbers[numbers.length - 2] : latest);
    const toDefault = toOptions.some((o) => o.value === wantTo) ? wantTo : (numbers.length > 1 ? String(latest) : 'draft');
    const from = field({ label: 'From', name: 'from', type: 'select', value: fromDefault, options: fromOptions, test: 'compare-from' });
    const to = field({ label: 'To', name: 'to', type: 'select', value: toDefault, options: toOptions, test: 'compare-to' });
    const submit = button('Compare', { type: 'submit', variant: 'secondary', test: 'compare-submit' });
    const result = h('div', { class: 'compare__result', dataset: { test: 'compare-result' } });
    const form = h('form', { class: 'toolbar compare', 'aria-label': 'Compare versions', dataset: { test: 'compare-form' } },
      from.el, to.el, h('div', { class: 'toolbar__actions' }, submit));

    async function compare({ focus = false } = {}) {
      from.setError(null);
      if (from.value() === to.value()) {
        from.setError('Choose two different versions to compare');
        result.replaceChildren();
        from.focus();
        return;
      }
      history.replaceState(history.state, '', `/workflows/${id}/versions?from=${from.value()}&to=${to.value()}`);
      const toLabel = to.value() === 'draft' ? 'the current draft' : `version ${to.value()}`;
      result.setAttribute('aria-busy', 'true');
      result.replaceChildren(loadingState('Comparing…', { test: 'compare-loading' }));
      let diff;
      try {
        diff = await get(`${base}/diff`, { query: { from: from.value(), to: to.value() }, signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        result.removeAttribute('aria-busy');
        result.replaceChildren(errorState(err, { title: 'Waymark could not compare these versions', retry: () => compare(), test: 'compare-error' }));
        return;
      }
      result.removeAttribute('aria-busy');
      const heading = h('h3', { class: 'compare__heading', tabindex: '-1', dataset: { test: 'compare-heading' } }, `From version ${from.value()} to ${toLabel}`);
      result.replaceChildren(heading, diffBlock(diff, { headingLevel: 4, test: 'diff' }));
      if (focus) heading.focus();
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      await whileBusy(submit, 'Comparing…', () => compare({ focus: true }));
    });
    compare();
    return card({ title: 'Compare', test: 'versions-compare', wide: true, lead: 'See what changed from one version to another, or to the draft you are working on.' }, form, result);
  }

  function versionsTable(versions) {
    return dataTable({
      caption: 'Published versions, newest first',
      captionHidden: true,
      columns: [
        { label: 'Version', cell: (v) => h('a', { href: `/workflows/${id}/versions/${v.version}`, dataset: { test: 'version-link' } }, `Version ${v.version}`) },
        { label: 'Published', cell: (v) => timeEl(v.published_at, { fallback: '—' }) },
        { label: 'By', cell: (v) => v.published_by?.name || h('span', { class: 'muted' }, 'unknown') },
        { label: 'Size', cell: (v) => `${plural(v.step_count ?? 0, 'step')} in ${plural(v.phase_count ?? 0, 'phase')}` },
        {
          label: 'Actions',
          class: 'col-actions',
          cell: (v) => h('div', { class: 'row-actions' },
            h('a', {
              class: 'button button--secondary button--small', href: `${base}/export?version=${v.version}`, download: `workflow-${params.id}-v${v.version}.json`,
              'aria-label': `Export version ${v.version}`, dataset: { test: 'version-export' },
            }, 'Export')),
        },
      ],
      rows: versions,
      test: 'versions-table',
      rowTest: () => 'version-row',
    });
  }

  async function load() {
    let wf;
    let page;
    try {
      [wf, page] = await Promise.all([get(base, { signal }), get(`${base}/versions`, { signal })]);
      wf = wf?.workflow || wf;
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.status === 404 || err.status === 400) {
        box.replaceChildren(pageHeader({ title: 'Workflow not found', back: { href: '/workflows', label: 'Workflows' } }),
          statusMessage({ tone: 'info', title: 'There is no such workflow here', detail: 'It may have been deleted, or the link may be mistyped.', test: 'workflow-missing' }));
      } else {
        box.replaceChildren(pageHeader({ title: 'Versions', back }),
          errorState(err, { title: 'Waymark could not load the versions', retry: () => load(), test: 'versions-error' }));
      }
      return;
    }
    document.title = `Versions of ${wf.title} · Waymark`;
    const versions = page?.items || [];
    const header = pageHeader({
      title: `Versions of “${wf.title}”`,
      back,
      lead: 'Each published version is frozen: people enrolled on it keep following it exactly, whatever changes later.',
    });
    if (!versions.length) {
      box.replaceChildren(h('div', { class: 'stack', dataset: { test: 'workflow-versions' } }, header,
        emptyState({
          title: 'Not published yet',
          detail: 'Publishing the draft makes version 1, which learners can then be enrolled on.',
          action: linkButton(`/workflows/${id}`, 'Open the draft', { test: 'versions-open-draft' }),
          test: 'versions-empty',
        })));
      return;
    }
    box.replaceChildren(h('div', { class: 'stack', dataset: { test: 'workflow-versions' } },
      header,
      h('p', { class: 'editor__meta' }, wf.draft_changed
        ? h('span', { class: 'badge badge--changes', dataset: { test: 'versions-draft-changed' } }, 'The draft has unpublished changes')
        : h('span', { class: 'muted' }, `The draft is the same as version ${wf.latest_version}.`)),
      versionsTable(versions),
      compareCard(wf, versions)));
  }
  return load();
}
