// pages/people-import.js — importing people from a CSV file, checked before anything is
// written.
//
// Three steps on one page. 1: choose the file. 2: "Check the file" sends it to
// POST /api/v1/users/import?dry_run=1, and the report says how many people would be added,
// updated or left unchanged, with a table of every row that needs fixing (row, column,
// problem). 3: only a check with no problems enables "Import"; the real run sends the same
// file without dry_run. Choosing another file starts again at step 2. If the data changed
// between the check and the import, the server refuses the whole file (422 with the same
// report) and the new problems are shown; nothing is written in that case.
//
// The file is sent as the bytes chosen (not re-encoded here), so the server, which checks
// UTF-8 and quoting, reports exactly what is in the file.

import { api } from '../api.js';
import {
  button, card, dataTable, errorState, field, h, linkButton, loadingState, pageHeader, statusMessage, whileBusy,
} from '../ui.js';

const MAX_BYTES = 25 * 1024 * 1024;
const COLUMNS = [
  ['email', 'Their work email address (needed)'],
  ['name', 'Full name (needed)'],
  ['manager_email', 'Email address of the person they report to; the manager may be further down the file'],
  ['department', 'Department'],
  ['job_title', 'Job title'],
  ['roles', 'Roles besides learner, separated by “;”: admin, designer, assessor, coach. Leave it empty for a learner'],
  ['external_id', 'Employee number or HR id: people are matched by it first, then by email'],
];

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function counts(report, { dry }) {
  const rows = [
    [dry ? 'Would be added' : 'Added', report.created ?? 0, 'import-created'],
    [dry ? 'Would be updated' : 'Updated', report.updated ?? 0, 'import-updated'],
    ['Unchanged', report.unchanged ?? 0, 'import-unchanged'],
  ];
  return h('dl', { class: 'counts', dataset: { test: 'import-counts' } }, rows.map(([label, n, test]) =>
    h('div', { class: 'counts__item' }, h('dt', {}, label), h('dd', { dataset: { test } }, String(n)))));
}

function errorTable(errors) {
  return dataTable({
    caption: `${plural(errors.length, 'problem', 'problems')} to fix`,
    columns: [
      { label: 'Row', cell: (e) => (e.row ? String(e.row) : '—') },
      { label: 'Column', cell: (e) => (e.field ? h('code', {}, e.field) : h('span', { class: 'muted' }, 'whole file')) },
      { label: 'Problem', cell: (e) => e.message, header: false },
    ],
    rows: errors,
    test: 'import-errors',
    rowTest: () => 'import-error-row',
  });
}

export function peopleImportPage({ outlet }) {
  let file = null;
  let checked = null; // the file a clean dry run was made of
  const fileField = field({
    label: 'CSV file',
    name: 'file',
    type: 'file',
    hint: 'A spreadsheet saved as CSV (UTF-8), with a header row. Up to 25 MB.',
    attrs: { accept: '.csv,text/csv' },
    test: 'import-file',
  });
  const checkButton = button('Check the file', { test: 'import-check', disabled: true });
  const reportArea = h('div', { class: 'report', dataset: { test: 'import-report' } });
  const importButton = button('Import', { test: 'import-run', disabled: true, describedBy: 'import-why' });
  const why = h('p', { class: 'field__hint', id: 'import-why', dataset: { test: 'import-why' } }, 'Check the file first. Import is possible once the check finds no problems.');
  const resultArea = h('div', { dataset: { test: 'import-result' } });

  function resetReport() {
    checked = null;
    reportArea.replaceChildren(h('p', { class: 'muted' }, 'No file checked yet.'));
    importButton.disabled = true;
    importButton.textContent = 'Import';
    why.textContent = 'Check the file first. Import is possible once the check finds no problems.';
    resultArea.replaceChildren();
  }

  fileField.input.addEventListener('change', () => {
    file = fileField.value();
    fileField.setError(null);
    resetReport();
    checkButton.disabled = !file;
    if (file && file.size > MAX_BYTES) {
      fileField.setError('This file is larger than 25 MB. Split it into smaller files.');
      checkButton.disabled = true;
    }
  });

  function send(dryRun) {
    return api('/api/v1/users/import', {
      method: 'POST',
      query: dryRun ? { dry_run: 1 } : undefined,
      body: file,
      contentType: 'text/csv',
    });
  }

  function showReport(report, { dry }) {
    const errors = Array.isArray(report.errors) ? report.errors : [];
    const errorCount = Math.max(Number(report.error_count) || 0, errors.length);
    const total = (report.created ?? 0) + (report.updated ?? 0);
    const parts = [];
    if (errorCount) {
      parts.push(statusMessage({
        tone: 'error',
        role: 'alert',
        title: `${plural(errorCount, 'problem', 'problems')} found. Nothing has been imported.`,
        detail: 'Fix these rows in your spreadsheet, save it as CSV again, then choose it and check it again. Rows are the lines of the file: the header is row 1.' +
          (errorCount > errors.length ? ` The first ${errors.length} problems are listed.` : ''),
        test: 'import-status',
      }));
    } else {
      parts.push(statusMessage({
        tone: 'ok',
        title: total ? 'The file is ready to import' : 'Everyone in this file is already up to date',
        detail: total ? `${plural(total, 'person', 'people')} will be added or updated when you import it.` : 'Importing it would change nothing.',
        test: 'import-status',
      }));
    }
    parts.push(counts(report, { dry }));
    if (errors.length) parts.push(errorTable(errors));
    reportArea.replaceChildren(...parts);
    return { errorCount, total };
  }

  checkButton.addEventListener('click', () => whileBusy(checkButton, 'Checking…', async () => {
    resetReport();
    reportArea.replaceChildren(loadingState('Checking the file…', { test: 'import-checking' }));
    let report;
    try {
      report = await send(true);
    } catch (err) {
      if (err.body && typeof err.body === 'object' && 'errors' in err.body) report = err.body;
      else {
        reportArea.replaceChildren(errorState(err, { title: 'The file could not be checked', test: 'import-status' }));
        return;
      }
    }
    const { errorCount, total } = showReport(report, { dry: true });
    if (!errorCount && total > 0) {
      checked = file;
      importButton.disabled = false;
      importButton.textContent = `Import ${plural(total, 'person', 'people')}`;
      why.textContent = 'Adds and updates the people counted above, all at once.';
    } else if (!errorCount) {
      why.textContent = 'There is nothing to import from this file.';
    } else {
      why.textContent = 'Import is possible once the check finds no problems.';
    }
  }));

  importButton.addEventListener('click', () => whileBusy(importButton, 'Importing…', async () => {
    if (!checked || checked !== file) return;
    let report;
    try {
      report = await send(false);
    } catch (err) {
      if (err.body && typeof err.body === 'object' && 'errors' in err.body) {
        showReport(err.body, { dry: true });
        resultArea.replaceChildren(statusMessage({
          tone: 'error',
          role: 'alert',
          title: 'Nothing was imported',
          detail: 'Something changed since the check: the problems are listed above. Fix them and check the file again.',
          test: 'import-done',
        }));
        checked = null;
      } else {
        resultArea.replaceChildren(errorState(err, { title: 'The import did not happen', test: 'import-done' }));
      }
      return;
    }
    checked = null;
    fileField.input.value = '';
    file = null;
    checkButton.disabled = true;
    resultArea.replaceChildren(
      statusMessage({
        tone: 'ok',
        role: 'alert',
        title: 'Import finished',
        detail: `${plural(report.created ?? 0, 'person', 'people')} added, ${report.updated ?? 0} updated, ${report.unchanged ?? 0} unchanged. New people have no password yet: open each one from the People page to make their password link.`,
        test: 'import-done',
      }),
      linkButton('/people', 'See the people', { variant: 'secondary', test: 'import-see-people' }));
    reportArea.replaceChildren(counts(report, { dry: false }));
  }).finally(() => {
    if (checked) return;
    importButton.disabled = true;
    importButton.textContent = 'Import';
  }));

  resetReport();
  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'people-import' } },
      pageHeader({
        title: 'Import people',
        back: { href: '/people', label: 'People' },
        lead: 'Add or update many people at once from a spreadsheet. Waymark checks the whole file first and shows any problems; nothing is written until you import a file with none.',
      }),
      card({ title: '1. Choose the file', test: 'import-step-file' },
        h('details', { class: 'disclosure' },
          h('summary', {}, 'Which columns the file needs'),
          h('p', {}, 'The first row names the columns, in any order. Only email and name are needed; a column you leave out is left as it is for people already in Waymark.'),
          dataTable({
            caption: 'Columns',
            captionHidden: true,
            columns: [
              { label: 'Column', cell: ([c]) => h('code', {}, c) },
              { label: 'What goes in it', cell: ([, d]) => d, header: false },
            ],
            rows: COLUMNS,
            test: 'import-columns',
          }),
          h('p', {}, 'For example:'),
          h('pre', { class: 'sample' }, h('code', {}, 'email,name,manager_email,department,job_title,roles,external_id\nana@example.com,Ana Silva,,Sales,Head of Sales,admin;coach,E100\nben@example.com,Ben Okafor,ana@example.com,Sales,Account Manager,,E101'))),
        fileField.el,
        h('div', { class: 'form__actions' }, checkButton)),
      card({ title: '2. Check the report', test: 'import-step-report' }, reportArea),
      card({ title: '3. Import', test: 'import-step-run' },
        why,
        h('div', { class: 'form__actions' }, importButton),
        resultArea)));
}
