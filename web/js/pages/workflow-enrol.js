// pages/workflow-enrol.js — putting people on a published workflow, and seeing who is on it.
//
// /workflows/{id}/enrol: who (people found one by one with the person picker, a group —
// optionally followed, so that people who join it later are enrolled too — and email
// addresses pasted or read from a file), when (the start date, today by default: day 0 of
// the workflow) and, optionally, a coach. "Preview" asks the server for a dry run (POST
// …/enrolments?dry_run=1): how many would be enrolled, who would be skipped and why, and
// the schedule every one of them would get (each step's opening and due dates). "Enrol"
// does it and shows the same report with links to the new enrolments. A refusal (422) is
// shown beside what it is about: an unknown email or a deactivated person by name, a bad
// date, a coach who is not one; 409 when the workflow is not published or is archived.
//
// /workflows/{id}/enrolments: everyone enrolled (newest first, filtered by status in the
// address), each linking to their enrolment page, and the groups the workflow follows,
// each with a Stop button.

import { del, get, post } from '../api.js';
import { dateInWords, enrolmentStatusBadge, ENROLMENT_STATUSES, localDate, progressBar, todayFor } from '../journey-data.js';
import { personPicker } from '../person-picker.js';
import { kindLabel, plural } from '../workflow-data.js';
import {
  button, card, checkboxGroup, confirmDialog, dataTable, emptyState, errorState, errorSummary, field, h, linkButton,
  loadingState, pageHeader, pager, showFormErrors, statusMessage, timeEl, uid, whileBusy,
} from '../ui.js';

const PAGE_SIZE = 50;
const REASONS = {
  already_enrolled: 'already on this workflow',
};

function isNotFound(err) {
  return err.status === 404 || err.status === 400;
}

/** Email addresses from pasted text: split on commas, semicolons, spaces and new lines, each once. */
export function splitEmails(text) {
  const seen = new Set();
  const out = [];
  for (const part of String(text ?? '').split(/[\s,;]+/)) {
    const email = part.trim();
    if (!email || seen.has(email.toLowerCase())) continue;
    seen.add(email.toLowerCase());
    out.push(email);
  }
  return out;
}

function daysAgo(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) - n * 86_400_000).toISOString().slice(0, 10);
}

/** Loads the workflow for a page header; resolves to it, or null after drawing why not. */
async function loadWorkflow(box, base, { signal, title, back, retry }) {
  try {
    const wf = await get(base, { signal });
    return wf?.workflow || wf;
  } catch (err) {
    if (err.name === 'AbortError') return null;
    if (isNotFound(err)) {
      box.replaceChildren(pageHeader({ title: 'Workflow not found', back: { href: '/workflows', label: 'Workflows' } }),
        statusMessage({ tone: 'info', title: 'There is no such workflow here', detail: 'It may have been deleted, or the link may be mistyped.', test: 'workflow-missing' }));
    } else {
      box.replaceChildren(pageHeader({ title, back }),
        errorState(err, { title: 'Waymark could not load the workflow', retry, test: 'workflow-error' }));
    }
    return null;
  }
}

// ---- /workflows/{id}/enrol ---------------------------------------------------------------------

export function workflowEnrolPage({ outlet, params, session, signal }) {
  const id = encodeURIComponent(params.id);
  const base = `/api/v1/workflows/${id}`;
  const back = { href: `/workflows/${id}`, label: 'Workflow' };
  const box = h('div', {}, pageHeader({ title: 'Enrol people', back }), loadingState('Loading…', { test: 'enrol-loading' }));
  outlet.append(box);
  const today = todayFor(session);

  function form(wf, groups) {
    let people = [];
    const peopleList = h('ul', { class: 'chosen-list', 'aria-label': 'People chosen', dataset: { test: 'enrol-people' } });
    const peopleSaid = h('p', { class: 'visually-hidden', role: 'status' });

    function drawPeople() {
      peopleList.replaceChildren(...people.map((p) => h('li', { class: 'chosen-list__item', dataset: { test: 'enrol-person' } },
        h('span', { class: 'chosen-list__who' }, h('strong', {}, p.name || p.email), p.name ? h('span', { class: 'muted' }, ` ${p.email}`) : null),
        button('Remove', {
          variant: 'quiet',
          size: 'small',
          test: 'enrol-person-remove',
          ariaLabel: `Remove ${p.name || p.email}`,
          onClick: () => {
            const i = people.findIndex((x) => x.id === p.id);
            people = people.filter((x) => x.id !== p.id);
            drawPeople();
            peopleSaid.textContent = `${p.name || p.email} removed.`;
            const next = peopleList.querySelectorAll('button')[Math.min(i, people.length - 1)];
            (next || picker.input).focus();
          },
        }))));
      peopleList.hidden = !people.length;
    }

    const picker = personPicker({
      legend: 'People',
      name: 'user_ids',
      hint: 'Find people by name or email and add them one by one.',
      test: 'enrol-picker',
      onChoose: (p) => {
        if (people.some((x) => x.id === p.id)) return `${p.name || p.email} is already chosen.`;
        people.push(p);
        drawPeople();
        return `${p.name || p.email} added: ${plural(people.length, 'person', 'people')} chosen.`;
      },
    });
    picker.el.append(peopleList, peopleSaid);
    drawPeople();

    const groupField = field({
      label: 'A group',
      name: 'group_id',
      type: 'select',
      optional: true,
      options: [{ value: '', label: groups ? 'No group' : 'Groups could not be loaded' },
        ...(groups || []).map((g) => ({ value: String(g.id), label: typeof g.member_count === 'number' ? `${g.name} (${plural(g.member_count, 'person', 'people')})` : g.name }))],
      hint: 'Everyone in the group now.',
      test: 'enrol-group',
    });
    const follow = checkboxGroup({
      legend: 'Following the group',
      name: 'follow_group',
      options: [{ value: 'yes', label: 'Also enrol people who join the group later', hint: 'They start on the day they join. You can stop this at any time on the workflow’s enrolments page.', disabled: true }],
      test: 'enrol-follow',
    });
    const followBox = follow.el.querySelector('input');
    groupField.input.addEventListener('change', () => {
      followBox.disabled = !groupField.value();
      if (followBox.disabled) followBox.checked = false;
    });

    const emails = field({
      label: 'Email addresses',
      name: 'emails',
      type: 'textarea',
      optional: true,
      hint: 'Paste a list: addresses separated by commas, semicolons, spaces or new lines.',
      attrs: { rows: '4', spellcheck: 'false', autocomplete: 'off' },
      test: 'enrol-emails',
    });
    const emailFile = field({
      label: 'Or read the addresses from a file',
      name: 'emails_file',
      type: 'file',
      optional: true,
      hint: 'A text or CSV file: its addresses are added to the list above.',
      attrs: { accept: '.txt,.csv,text/plain,text/csv' },
      test: 'enrol-emails-file',
    });
    emailFile.input.addEventListener('change', async () => {
      emailFile.setError(null);
      const f = emailFile.input.files?.[0];
      if (!f) return;
      if (f.size > 5 * 1024 * 1024) {
        emailFile.setError('The file is larger than 5 MB: paste the addresses instead');
        return;
      }
      const found = splitEmails((await f.text()).replace(/"/g, ' ')).filter((x) => x.includes('@'));
      const had = splitEmails(emails.value());
      const merged = splitEmails([...had, ...found].join('\n'));
      emails.input.value = merged.join('\n');
      emailFile.setError(found.length ? null : 'No email addresses were found in the file');
      said.textContent = `${plural(merged.length - had.length, 'address', 'addresses')} added from ${f.name}.`;
    });
    const said = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'enrol-said' } });

    const start = field({
      label: 'Start date',
      name: 'start_date',
      type: 'date',
      value: today || '',
      hint: 'Day 0 of the workflow, in the organisation’s calendar. It may be in the future, or up to 30 days ago. A day off moves day 0 to the next working day.',
      attrs: { min: today ? daysAgo(today, 30) : undefined },
      test: 'enrol-start',
    });
    const coach = personPicker({
      legend: 'Coach',
      name: 'coach_id',
      hint: 'Signs off the coaching steps of everyone enrolled now. Without one, each person’s own coach does.',
      test: 'enrol-coach',
      emptyLabel: 'Each person’s own coach.',
    });

    const fields = [picker, groupField, follow, emails, start, coach];
    const summary = errorSummary({ test: 'enrol-errors' });
    const preview = button('Preview', { variant: 'secondary', test: 'enrol-preview', onClick: () => send(true, preview) });
    const submit = button('Enrol', { type: 'submit', test: 'enrol-submit' });
    const result = h('div', { class: 'enrol-result', dataset: { test: 'enrol-result' } });
    const formEl = h('form', { class: 'form enrol-form', novalidate: true, dataset: { test: 'enrol-form' } },
      summary.el,
      h('fieldset', { class: 'fieldset enrol-form__who' },
        h('legend', { class: 'enrol-form__legend' }, 'Who'),
        picker.el, groupField.el, follow.el, emails.el, emailFile.el, said),
      h('fieldset', { class: 'fieldset enrol-form__when' },
        h('legend', { class: 'enrol-form__legend' }, 'When and with whom'),
        start.el, coach.el),
      h('div', { class: 'form__actions' }, preview, submit));

    function body() {
      const b = {};
      if (people.length) b.user_ids = people.map((p) => p.id);
      if (groupField.value()) {
        b.group_id = Number(groupField.value());
        if (followBox.checked) b.follow_group = true;
      }
      const list = splitEmails(emails.value());
      if (list.length) b.emails = list;
      if (start.value()) b.start_date = start.value();
      if (coach.value()) b.coach_id = coach.value();
      return b;
    }

    /** The server's details, worded about the people and addresses they name. */
    function showRefusal(err, b, heading) {
      const details = [];
      const byField = new Map();
      for (const d of err.details || []) {
        let m = /^user_ids\[(\d+)\]$/.exec(d.field || '');
        let name = d.field;
        let message = d.message || 'is not right';
        if (m) {
          const p = people[Number(m[1])];
          name = 'user_ids';
          message = `${p ? (p.name || p.email) : `Person ${Number(m[1]) + 1}`} ${message}`;
        } else if ((m = /^emails\[(\d+)\]$/.exec(d.field || ''))) {
          name = 'emails';
          message = `“${b.emails?.[Number(m[1])] ?? `address ${Number(m[1]) + 1}`}” ${message}`;
        }
        details.push({ field: name, message });
        byField.set(name, [...(byField.get(name) || []), message]);
      }
      showFormErrors(summary, fields, { ...err, details }, { heading });
      for (const [name, messages] of byField) {
        const f = fields.find((x) => x.name === name);
        if (f && messages.length > 1) f.setError(messages.join('; '));
      }
    }

    function report(res, dry) {
      const headingId = uid('enrol-result');
      const skipped = (res.people || []).filter((p) => p.skipped);
      const enrolled = (res.people || []).filter((p) => !p.skipped);
      const parts = [
        h('h2', { id: headingId, tabindex: '-1', dataset: { test: 'enrol-result-title' } },
          dry ? 'Preview: nobody is enrolled yet' : (res.created ? `Enrolled ${plural(res.created, 'person', 'people')}` : 'Nobody new was enrolled')),
        h('dl', { class: 'counts', dataset: { test: 'enrol-counts' } },
          h('div', { class: 'counts__item' }, h('dt', {}, dry ? 'Will be enrolled' : 'Enrolled'), h('dd', { dataset: { test: 'enrol-created' } }, String(res.created ?? 0))),
          h('div', { class: 'counts__item' }, h('dt', {}, 'Skipped'), h('dd', { dataset: { test: 'enrol-skipped' } }, String(res.skipped ?? 0))),
          h('div', { class: 'counts__item' }, h('dt', {}, 'Day 0'), h('dd', { class: 'counts__date' }, res.start_date ? dateInWords(res.start_date, { today }) : '—'))),
      ];
      if (res.version) parts.push(h('p', { class: 'muted' }, `Everyone enrolled follows version ${res.version}.`));
      if (res.rule_id) parts.push(statusMessage({ tone: 'ok', title: 'The group is followed', detail: 'People who join it from now on are enrolled automatically.', test: 'enrol-rule' }));
      else if (dry && b0?.follow_group) parts.push(h('p', { class: 'muted' }, 'Enrolling also follows the group: people who join it later are enrolled too.'));
      if (skipped.length) {
        parts.push(h('h3', {}, `Skipped (${skipped.length})`),
          h('ul', { class: 'people-list', dataset: { test: 'enrol-skipped-list' } }, skipped.map((p) => h('li', { dataset: { test: 'enrol-skipped-person' } },
            h('strong', {}, p.name || p.email), ` — ${REASONS[p.reason] || String(p.reason || 'skipped').replace(/_/g, ' ')}`))));
      }
      if (!dry && enrolled.length) {
        parts.push(h('details', { class: 'disclosure', open: enrolled.length <= 10 || undefined },
          h('summary', {}, `Enrolled (${enrolled.length})`),
          h('ul', { class: 'people-list', dataset: { test: 'enrol-created-list' } }, enrolled.map((p) => h('li', { dataset: { test: 'enrol-created-person' } },
            p.enrolment_id ? h('a', { href: `/enrolments/${encodeURIComponent(p.enrolment_id)}` }, p.name || p.email) : (p.name || p.email))))));
      }
      if (res.people === null && (res.created || res.skipped)) parts.push(h('p', { class: 'muted' }, 'The list of names is left out for more than 1,000 people.'));
      const schedule = res.schedule || [];
      if (schedule.length) {
        parts.push(h('h3', {}, 'The schedule'),
          h('p', { class: 'muted' }, dry ? 'Everyone starting on the same day gets these dates.' : 'Everyone enrolled got these dates.'),
          dataTable({
            caption: `Schedule for a start on ${res.start_date ? dateInWords(res.start_date, { today }) : 'the start date'}`,
            captionHidden: true,
            columns: [
              { label: 'Step', class: 'col-name', cell: (s) => [h('span', { dataset: { test: 'schedule-title' } }, s.title), h('span', { class: 'cell-sub' }, kindLabel(s.kind))] },
              { label: 'Phase', cell: (s) => s.phase_name || `Phase ${s.phase}` },
              { label: 'Opens', cell: (s) => h('span', { dataset: { test: 'schedule-release' } }, dateInWords(s.release_date || localDate(s.release_at), { today })) },
              { label: 'Due', cell: (s) => h('span', { dataset: { test: 'schedule-due' } }, dateInWords(s.due_date || localDate(s.due_at), { today })) },
            ],
            rows: schedule,
            test: 'enrol-schedule',
            rowTest: () => 'schedule-row',
          }));
      }
      if (!dry) {
        parts.push(h('p', { class: 'form__actions' },
          linkButton(`/workflows/${id}/enrolments`, 'See everyone on this workflow', { test: 'enrol-see-list' }),
          linkButton(`/workflows/${id}`, 'Back to the workflow', { variant: 'secondary', test: 'enrol-back' })));
      }
      result.replaceChildren(h('section', { class: dry ? 'card card--wide enrol-result__box enrol-result__box--preview' : 'card card--wide enrol-result__box', 'aria-labelledby': headingId, dataset: { test: dry ? 'enrol-preview-result' : 'enrol-done' } }, parts));
      result.querySelector(`#${headingId}`).focus();
    }

    let b0 = null;
    async function send(dry, btn) {
      summary.clear();
      for (const f of fields) f.setError(null);
      const b = body();
      b0 = b;
      if (!b.user_ids && !b.group_id && !b.emails) {
        showFormErrors(summary, fields, { details: [{ field: 'user_ids', message: 'Choose at least one person, a group or some email addresses' }] }, { heading: 'Who should be enrolled?' });
        return;
      }
      if (!b.start_date) {
        showFormErrors(summary, fields, { details: [{ field: 'start_date', message: 'Choose the start date' }] }, { heading: 'When do they start?' });
        return;
      }
      await whileBusy(btn, dry ? 'Previewing…' : 'Enrolling…', async () => {
        let res;
        try {
          res = await post(`${base}/enrolments`, b, { signal, query: dry ? { dry_run: 1 } : undefined });
        } catch (err) {
          if (err.name === 'AbortError') return;
          result.replaceChildren();
          showRefusal(err, b, dry ? 'The preview could not be made' : 'Nobody was enrolled');
          return;
        }
        report(res, dry);
        if (!dry) {
          people = [];
          drawPeople();
          emails.input.value = '';
        }
      });
    }
    formEl.addEventListener('submit', (e) => {
      e.preventDefault();
      send(false, submit);
    });
    return h('div', { class: 'stack' }, h('div', { class: 'card card--wide', dataset: { test: 'enrol-card' } }, formEl), result);
  }

  async function load() {
    const [wf, groups] = await Promise.all([
      loadWorkflow(box, base, { signal, title: 'Enrol people', back, retry: () => load() }),
      get('/api/v1/groups', { signal, query: { limit: 500 } }).then((r) => r?.items || []).catch(() => null),
    ]);
    if (!wf) return;
    document.title = `Enrol people · ${wf.title} · Waymark`;
    const header = pageHeader({
      title: 'Enrol people',
      back: { href: `/workflows/${id}`, label: wf.title },
      lead: 'Choose who, and the day they start. Preview shows the schedule everyone gets before anything is saved.',
      actions: linkButton(`/workflows/${id}/enrolments`, 'Everyone enrolled', { variant: 'secondary', test: 'enrol-list-link' }),
    });
    if (wf.status === 'archived' || !wf.latest_version) {
      box.replaceChildren(h('div', { class: 'stack', dataset: { test: 'enrol' } }, header,
        statusMessage({
          tone: 'info',
          title: wf.status === 'archived' ? 'This workflow is archived' : 'This workflow is not published yet',
          detail: wf.status === 'archived' ? 'Nobody new can be enrolled on it. Restore it first.' : 'People are enrolled on a published version. Publish the workflow first.',
          action: linkButton(`/workflows/${id}`, 'Open the workflow', { variant: 'secondary', test: 'enrol-open-workflow' }),
          test: 'enrol-unavailable',
        })));
      return;
    }
    box.replaceChildren(h('div', { class: 'stack', dataset: { test: 'enrol' } }, header, form(wf, groups)));
  }
  return load();
}

// ---- /workflows/{id}/enrolments -------------------------------------------------------------

export function workflowEnrolmentsPage({ outlet, params, query, signal }) {
  const id = encodeURIComponent(params.id);
  const base = `/api/v1/workflows/${id}`;
  const back = { href: `/workflows/${id}`, label: 'Workflow' };
  const box = h('div', {}, pageHeader({ title: 'Enrolments', back }), loadingState('Loading…', { test: 'enrolments-loading' }));
  outlet.append(box);
  const filters = [{ value: '', label: 'Everyone' }, ...ENROLMENT_STATUSES.map((s) => ({ value: s.value, label: `${s.label} only` }))];
  let status = filters.some((f) => f.value === query.get('status')) ? query.get('status') : '';
  let cursors = [null];
  let lastPage = null;
  const results = h('div', { class: 'results', dataset: { test: 'enrolments-results' } });
  const count = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'enrolments-count' } });
  const rules = h('div', { dataset: { test: 'rules-body' } });
  const rulesNotice = h('div', { class: 'notice-area', dataset: { test: 'rules-notice' } });

  async function loadRules() {
    rules.replaceChildren(loadingState('Loading the followed groups…', { test: 'rules-loading' }));
    let res;
    try {
      res = await get(`${base}/enrolment-rules`, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      rules.replaceChildren(errorState(err, { title: 'Waymark could not load the followed groups', retry: () => loadRules(), test: 'rules-error' }));
      return;
    }
    const items = res?.items || [];
    if (!items.length) {
      rules.replaceChildren(h('p', { class: 'muted', dataset: { test: 'rules-empty' } }, 'No group is followed. When you enrol a group, you can choose to enrol the people who join it later too.'));
      return;
    }
    rules.replaceChildren(h('ul', { class: 'rule-list', dataset: { test: 'rules' } }, items.map((r) => h('li', { class: 'rule-list__item', dataset: { test: 'rule', active: String(Boolean(r.active)) } },
      h('p', { class: 'rule-list__what' },
        r.active ? 'Following ' : 'Stopped following ', h('strong', {}, r.group?.name || 'a group'),
        h('span', { class: 'muted' }, r.active ? [' since ', timeEl(r.created_at, { fallback: '' })] : [' ', timeEl(r.stopped_at, { fallback: '' })])),
      r.active
        ? button('Stop', { variant: 'secondary', size: 'small', test: 'rule-stop', ariaLabel: `Stop following ${r.group?.name || 'the group'}`, onClick: (e) => stopRule(r, e.currentTarget) })
        : null))));
  }

  async function stopRule(r, btn) {
    const name = r.group?.name || 'the group';
    const ok = await confirmDialog({
      title: `Stop following “${name}”?`,
      message: 'People who join the group from now on are not enrolled automatically. Everyone it enrolled stays enrolled.',
      confirmLabel: 'Stop following',
      test: 'confirm-stop-rule',
    });
    if (!ok) return;
    await whileBusy(btn, 'Stopping…', async () => {
      try {
        await del(`${base}/enrolment-rules/${encodeURIComponent(r.id)}`, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        rulesNotice.replaceChildren(errorState(err, { title: `Waymark could not stop following “${name}”`, test: 'rules-stop-error' }));
        return;
      }
      const msg = statusMessage({ tone: 'ok', role: 'alert', title: `Stopped following “${name}”.`, detail: 'Everyone it enrolled stays enrolled.', test: 'rules-stopped' });
      msg.setAttribute('tabindex', '-1');
      rulesNotice.replaceChildren(msg);
      await loadRules();
      msg.focus();
    });
  }

  function table(items) {
    return dataTable({
      caption: status ? `Enrolments (${status})` : 'Enrolments',
      captionHidden: true,
      columns: [
        {
          label: 'Learner',
          class: 'col-name',
          cell: (e) => [
            h('a', { href: `/enrolments/${encodeURIComponent(e.id)}`, dataset: { test: 'enrolment-link' } }, e.learner?.name || e.learner?.email || `Enrolment ${e.id}`),
            e.learner?.email && e.learner?.name ? h('span', { class: 'cell-sub' }, e.learner.email) : null,
          ],
        },
        { label: 'Status', cell: (e) => enrolmentStatusBadge(e.status, { test: 'enrolment-row-status' }) },
        { label: 'Progress', class: 'col-progress', cell: (e) => progressBar(e.progress, { label: `Progress of ${e.learner?.name || 'the learner'}`, test: 'enrolment-row-progress' }) },
        { label: 'Started', cell: (e) => (e.start_date ? dateInWords(e.start_date, { weekday: false }) : '—') },
        { label: 'Version', class: 'col-number', cell: (e) => (e.version ? `v${e.version}` : '—') },
      ],
      rows: items,
      test: 'enrolments-table',
      rowTest: () => 'enrolment-row',
    });
  }

  async function loadList() {
    results.replaceChildren(loadingState('Loading who is enrolled…', { test: 'enrolments-list-loading' }));
    results.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get('/api/v1/enrolments', { query: { workflow_id: params.id, status, limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.removeAttribute('aria-busy');
      results.replaceChildren(errorState(err, { title: 'Waymark could not load the enrolments', retry: () => loadList(), test: 'enrolments-error' }));
      return;
    }
    results.removeAttribute('aria-busy');
    lastPage = page;
    const items = page?.items || [];
    const pageNumber = cursors.length;
    if (!items.length && pageNumber === 1) {
      count.textContent = 'Nobody found.';
      results.replaceChildren(emptyState({
        title: status ? `Nobody is ${status}` : 'Nobody is enrolled yet',
        detail: status ? 'Show everyone to see the others.' : 'Enrol people to start them on this workflow.',
        action: status ? null : linkButton(`/workflows/${id}/enrol`, 'Enrol people', { test: 'enrolments-empty-enrol' }),
        test: 'enrolments-empty',
      }));
      return;
    }
    count.textContent = `${plural(items.length, 'enrolment')}${page?.next_cursor ? ' or more' : ''} shown${pageNumber > 1 ? `, page ${pageNumber}` : ''}.`;
    results.replaceChildren(...[
      table(items),
      pager({
        hasPrevious: pageNumber > 1,
        hasNext: Boolean(page?.next_cursor),
        summary: `Page ${pageNumber}`,
        label: 'Enrolment pages',
        test: 'enrolments-pager',
        onPrevious: () => {
          cursors.pop();
          loadList().then(() => results.querySelector('[data-test^="enrolments-pager-"]')?.focus());
        },
        onNext: () => {
          cursors.push(lastPage.next_cursor);
          loadList().then(() => results.querySelector('[data-test="enrolments-pager-next"], [data-test="enrolments-pager-previous"]')?.focus());
        },
      }),
    ].filter(Boolean));
  }

  async function load() {
    const wf = await loadWorkflow(box, base, { signal, title: 'Enrolments', back, retry: () => load() });
    if (!wf) return;
    document.title = `Enrolments · ${wf.title} · Waymark`;
    const filter = field({ label: 'Show', name: 'status', type: 'select', value: status, options: filters, test: 'enrolments-status' });
    filter.input.addEventListener('change', () => {
      status = filter.value();
      cursors = [null];
      history.replaceState(history.state, '', `/workflows/${id}/enrolments${status ? `?status=${status}` : ''}`);
      loadList();
    });
    const canEnrol = wf.latest_version && wf.status !== 'archived';
    box.replaceChildren(h('div', { class: 'stack', dataset: { test: 'workflow-enrolments' } },
      pageHeader({
        title: 'Enrolments',
        back: { href: `/workflows/${id}`, label: wf.title },
        lead: `Everyone on “${wf.title}”, newest first.`,
        actions: canEnrol ? linkButton(`/workflows/${id}/enrol`, 'Enrol people', { test: 'enrolments-enrol' }) : null,
      }),
      card({ title: 'Groups followed', test: 'rules-card', wide: true }, rulesNotice, rules),
      h('section', { class: 'enrolments-list', 'aria-label': 'Enrolments' },
        h('div', { class: 'toolbar toolbar--single' }, filter.el),
        count,
        results)));
    await Promise.all([loadRules(), loadList()]);
  }
  return load();
}
