// pages/workflow-editor.js — designing one workflow (/workflows/{id}), and reading one of
// its published versions (/workflows/{id}/versions/{n}).
//
// The editor shows the draft: a header with its status, latest version and what can be
// done with it (Publish, Enrol people and Enrolments once published, Versions, Export,
// Duplicate, Archive or Restore, Delete while it was never published); a form for its
// title, outcome, description, pacing and re-planning (after how many working days behind
// a learner's plan is spread again, and at most how many activities a day); and the
// timeline of phases and steps (workflow-timeline.js), where steps are added and changed in
// a dialog (step-form.js) and moved with buttons, Alt+arrow keys or the mouse.
//
// After every change the page asks the server for the workflow again and draws it afresh,
// then puts focus back on the control the designer was using (every control carries a
// data-focus key) — after a move, on the moved card or the same Move button — and a polite
// live region says where a moved step went ("Moved to position 3 in Week 2 — try").
//
// Publishing asks first, showing what changed since the latest version (GET …/diff); when
// the server refuses (422) every problem is listed under the header, each linked to the
// step, phase or field it is about. An archived workflow is shown read-only with a notice
// and a Restore button. A version is shown the same way, read-only, with no controls.

import { del, get, patch, post } from '../api.js';
import { openStepForm } from '../step-form.js';
import {
  changesBadge, diffBlock, locateDetail, pacingLabel, PACINGS, phasesWithSteps, plural, statusBadge,
} from '../workflow-data.js';
import { timeline } from '../workflow-timeline.js';
import {
  button, card, confirmDialog, errorState, errorSummary, field, formatWhen, h, linkButton, loadingState, modalDialog,
  pageHeader, setFlash, showFormErrors, statusMessage, takeFlash, timeEl, toast, whileBusy,
} from '../ui.js';

const BACK = { href: '/workflows', label: 'Workflows' };

function sentence(label, message) {
  return /^[a-z]/.test(message || '') ? `${label} ${message}` : (message || `${label} is not right`);
}

function isNotFound(err) {
  return err.status === 404 || err.status === 400;
}

function missing(box, { title = 'Workflow not found', detail = 'It may have been deleted, or the link may be mistyped.', back = BACK, test = 'workflow-missing' } = {}) {
  box.replaceChildren(
    pageHeader({ title, back }),
    statusMessage({ tone: 'info', title: 'There is no such workflow here', detail, test }));
}

/** The workflow's own fields, read-only (versions, archived workflows). */
function aboutList(wf) {
  return h('dl', { class: 'details', dataset: { test: 'workflow-about' } },
    h('dt', {}, 'Outcome'),
    h('dd', { dataset: { test: 'workflow-outcome' } }, wf.outcome || h('span', { class: 'muted' }, 'None yet')),
    h('dt', {}, 'Description'),
    h('dd', { class: 'pre-line' }, wf.description || h('span', { class: 'muted' }, '—')),
    h('dt', {}, 'Days count as'),
    h('dd', {}, pacingLabel(wf.pacing)),
    typeof wf.replan_after_days === 'number' ? [h('dt', {}, 'Re-plan'), h('dd', {}, replanInWords(wf.replan_after_days))] : null,
    typeof wf.max_due_per_day === 'number' ? [h('dt', {}, 'Due per day'), h('dd', {}, `At most ${plural(wf.max_due_per_day, 'activity', 'activities')} after a re-plan`)] : null);
}

/** "When a learner is 3 working days behind", or "Never" for 0. */
function replanInWords(days) {
  return days ? `When a learner is ${plural(days, 'working day')} behind` : 'Never';
}

/** The pacing settings' defaults (docs/enrolments.md), used while a server does not send them. */
const PACING_DEFAULTS = { replan_after_days: 3, max_due_per_day: 2 };
const REPLAN_MAX = 60;
const DUE_PER_DAY_MAX = 20;

/** Asks a question in a dialog whose body is any nodes; resolves true when confirmed. */
function askDialog({ title, body, confirmLabel, test }) {
  return new Promise((resolve) => {
    let answer = false;
    modalDialog({
      title,
      test,
      wide: true,
      content: (close) => [
        ...body,
        h('div', { class: 'dialog__actions' },
          button('Cancel', { variant: 'secondary', test: `${test}-cancel`, onClick: close }),
          button(confirmLabel, {
            test: `${test}-ok`,
            onClick: () => {
              answer = true;
              close();
            },
          })),
      ],
      initialFocus: (d) => d.querySelector(`[data-test="${test}-cancel"]`),
      onClose: () => resolve(answer),
    });
  });
}

export function workflowEditorPage({ outlet, params, router, signal }) {
  const id = encodeURIComponent(params.id);
  const base = `/api/v1/workflows/${id}`;
  let wf = null;
  let detailsArchived = null; // the archived state the details card was drawn for
  let details = null; // { fields } of the editable details form
  let busy = false;

  const box = h('div', {}, pageHeader({ title: 'Workflow', back: BACK }), loadingState('Loading the workflow…', { test: 'workflow-loading' }));
  outlet.append(box);
  const headerSlot = h('div', { class: 'editor__header' });
  const flash = takeFlash({ test: 'workflow-flash' });
  const notice = h('div', { class: 'notice-area', dataset: { test: 'editor-notice' } });
  const announcer = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'editor-announce' } });
  const detailsSlot = h('div', { class: 'editor__details' });
  const timelineSlot = h('div', { class: 'editor__timeline' });
  const root = h('div', { class: 'stack editor', dataset: { test: 'workflow-editor' } },
    headerSlot, flash, notice, announcer, detailsSlot, timelineSlot);

  // ---- focus and announcements ------------------------------------------------------------

  function focusKey() {
    const el = document.activeElement;
    return el && root.contains(el) ? el.dataset.focus || null : null;
  }

  function restoreFocus(keys) {
    for (const key of keys.filter(Boolean)) {
      const el = root.querySelector(`[data-focus="${CSS.escape(key)}"]`);
      if (el && !el.disabled && el.getClientRects().length) {
        el.focus({ preventScroll: true });
        el.scrollIntoView({ block: 'nearest' });
        return true;
      }
    }
    return false;
  }

  function announce(text) {
    announcer.textContent = '';
    setTimeout(() => {
      announcer.textContent = text;
    }, 30);
  }

  function sayError(err, title) {
    notice.replaceChildren(errorState(err, { title, test: 'editor-error' }));
  }

  // ---- loading and drawing ----------------------------------------------------------------

  /** Fetches the workflow again and draws it; focus goes to the first key that exists. */
  async function refresh({ focus = [], say } = {}) {
    let fresh;
    try {
      fresh = await get(base, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return false;
      sayError(err, 'Waymark could not load the workflow again');
      return false;
    }
    wf = fresh?.workflow || fresh;
    draw();
    restoreFocus(focus);
    if (say) announce(typeof say === 'function' ? say(wf) : say);
    return true;
  }

  function draw() {
    document.title = `${wf.title} · Waymark`;
    const archived = wf.status === 'archived';
    headerSlot.replaceChildren(header());
    if (detailsArchived !== archived) {
      detailsArchived = archived;
      details = null;
      detailsSlot.replaceChildren(archived
        ? card({ title: 'About this workflow', test: 'workflow-details', wide: true }, aboutList(wf))
        : detailsForm());
    }
    timelineSlot.replaceChildren(timeline(wf, {
      editable: !archived,
      on: { addStep, editStep, deleteStep, move, moveTo, renamePhase, deletePhase, addPhase },
    }));
  }

  function header() {
    const archived = wf.status === 'archived';
    const withFocus = (el, key) => {
      el.dataset.focus = key;
      return el;
    };
    const actions = [];
    if (!archived) actions.push(withFocus(button('Publish', { test: 'workflow-publish', onClick: (e) => publish(e.currentTarget) }), 'publish'));
    if (!archived && wf.latest_version) actions.push(withFocus(linkButton(`/workflows/${wf.id}/enrol`, 'Enrol people', { variant: 'secondary', test: 'workflow-enrol' }), 'enrol'));
    if (wf.latest_version) actions.push(withFocus(linkButton(`/workflows/${wf.id}/enrolments`, 'Enrolments', { variant: 'secondary', test: 'workflow-enrolments' }), 'enrolments'));
    actions.push(withFocus(linkButton(`/workflows/${wf.id}/versions`, 'Versions', { variant: 'secondary', test: 'workflow-versions' }), 'versions'));
    const exportLink = h('a', {
      class: 'button button--secondary', href: `${base}/export`, download: `workflow-${wf.id}.json`,
      dataset: { test: 'workflow-export', focus: 'export' },
    }, 'Export');
    actions.push(exportLink);
    actions.push(withFocus(button('Duplicate', { variant: 'secondary', test: 'workflow-duplicate', onClick: (e) => duplicate(e.currentTarget) }), 'duplicate'));
    if (archived) actions.push(withFocus(button('Restore', { variant: 'secondary', test: 'workflow-restore', onClick: (e) => restore(e.currentTarget) }), 'restore'));
    else actions.push(withFocus(button('Archive', { variant: 'secondary', test: 'workflow-archive', onClick: (e) => archive(e.currentTarget) }), 'archive'));
    if (wf.status === 'draft') actions.push(withFocus(button('Delete', { variant: 'danger', test: 'workflow-delete', onClick: (e) => remove(e.currentTarget) }), 'delete'));

    const version = wf.latest_version
      ? h('span', { dataset: { test: 'workflow-version' } }, `Version ${wf.latest_version}`, wf.published_at ? `, published ${formatWhen(wf.published_at)}` : '')
      : h('span', { dataset: { test: 'workflow-version' } }, 'Not published yet');
    const parts = [
      pageHeader({ title: wf.title, back: BACK, lead: wf.outcome || null, actions: h('div', { class: 'editor__actions' }, actions) }),
      h('p', { class: 'editor__meta', dataset: { test: 'workflow-meta' } },
        statusBadge(wf.status), changesBadge(wf), version,
        h('span', { class: 'muted' }, 'Changed ', timeEl(wf.updated_at, { fallback: '—' }))),
    ];
    if (archived) {
      parts.push(statusMessage({
        tone: 'info',
        title: 'This workflow is archived',
        detail: 'It is read-only: nobody new can be enrolled on it and it cannot be changed or published. People already on it carry on. Restore it to work on it again.',
        action: withFocus(button('Restore this workflow', { variant: 'secondary', test: 'archived-restore', onClick: (e) => restore(e.currentTarget) }), 'archived-restore'),
        test: 'workflow-archived',
      }));
    }
    return h('div', {}, parts);
  }

  // ---- the workflow's own fields ----------------------------------------------------------

  function detailsForm() {
    const title = field({ label: 'Title', name: 'title', value: wf.title, attrs: { autocomplete: 'off', maxlength: '200', required: true }, test: 'workflow-title' });
    const outcome = field({
      label: 'Outcome', name: 'outcome', type: 'textarea', value: wf.outcome || '',
      hint: 'The behaviour this workflow exists to produce, e.g. “Gives specific, timely feedback within a day of the moment”. Needed to publish.',
      attrs: { rows: '2', maxlength: '1000' }, test: 'workflow-outcome-field',
    });
    const description = field({ label: 'Description', name: 'description', type: 'textarea', value: wf.description || '', optional: true, hint: 'Who it is for and what to expect.', attrs: { rows: '3', maxlength: '5000' }, test: 'workflow-description' });
    const pacing = field({ label: 'Days count as', name: 'pacing', type: 'select', value: wf.pacing || 'working_days', options: PACINGS, hint: 'How the step days are counted from each learner’s start.', test: 'workflow-pacing' });
    const replan = field({
      label: 'Re-plan when a learner is this many working days behind',
      name: 'replan_after_days',
      type: 'number',
      value: String(wf.replan_after_days ?? PACING_DEFAULTS.replan_after_days),
      hint: 'Waymark then spreads their remaining activities from that day, keeping the order. 0 never re-plans.',
      attrs: { min: '0', max: String(REPLAN_MAX), step: '1', inputmode: 'numeric' },
      test: 'workflow-replan',
    });
    const perDay = field({
      label: 'At most this many activities due per day',
      name: 'max_due_per_day',
      type: 'number',
      value: String(wf.max_due_per_day ?? PACING_DEFAULTS.max_due_per_day),
      hint: 'How a re-plan spreads the activities: no working day gets more than this.',
      attrs: { min: '1', max: String(DUE_PER_DAY_MAX), step: '1', inputmode: 'numeric' },
      test: 'workflow-max-due',
    });
    const numbers = [replan, perDay];
    const fields = [title, outcome, description, pacing, replan, perDay];
    const summary = errorSummary({ test: 'workflow-details-errors' });
    const save = button('Save changes', { type: 'submit', test: 'workflow-details-save' });
    save.dataset.focus = 'details-save';
    const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'workflow-details-form' } },
      summary.el, title.el, outcome.el, description.el, pacing.el,
      h('fieldset', { class: 'fieldset editor__pacing' },
        h('legend', { class: 'editor__pacing-legend' }, 'When a learner falls behind'),
        replan.el, perDay.el),
      h('div', { class: 'form__actions' }, save));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      summary.clear();
      const values = { title: title.value().trim(), outcome: outcome.value().trim(), description: description.value().trim(), pacing: pacing.value() };
      const changed = {};
      for (const [k, v] of Object.entries(values)) if (v !== (wf[k] ?? '')) changed[k] = v;
      const wrong = [];
      for (const f of numbers) {
        const text = f.value().trim();
        const max = f.name === 'replan_after_days' ? REPLAN_MAX : DUE_PER_DAY_MAX;
        const min = f.name === 'replan_after_days' ? 0 : 1;
        const n = Number(text);
        if (!/^\d+$/.test(text) || n < min || n > max) {
          wrong.push({ field: f.name, message: `Enter a whole number from ${min} to ${max}` });
          continue;
        }
        if (n !== (wf[f.name] ?? PACING_DEFAULTS[f.name])) changed[f.name] = n;
      }
      if (wrong.length) {
        showFormErrors(summary, fields, { details: wrong }, { heading: 'Please check these details' });
        fields.find((f) => f.input.getAttribute('aria-invalid') === 'true')?.focus();
        return;
      }
      if (!Object.keys(changed).length) {
        for (const f of fields) f.setError(null);
        summary.show([{ message: 'Change a field first.' }], { heading: 'Nothing was changed' });
        return;
      }
      const saved = await whileBusy(save, 'Saving…', async () => {
        try {
          await patch(base, changed, { signal, headers: { 'If-Match': `"${wf.revision}"` } });
        } catch (err) {
          if (err.name === 'AbortError') return false;
          showFormErrors(summary, fields, err, { heading: err.details?.length ? 'Please check these details' : 'The changes were not saved' });
          fields.find((f) => f.input.getAttribute('aria-invalid') === 'true')?.focus();
          return false;
        }
        for (const f of fields) f.setError(null);
        toast('Changes saved.', { test: 'toast' });
        return true;
      });
      if (saved) await refresh({ focus: ['details-save'] });
    });
    // Folded once there is an outcome, so the timeline — the designer's main work — comes
    // first; open while the outcome (needed to publish) is still missing.
    const disclosure = h('details', { class: 'card card--wide editor__about', open: !wf.outcome, dataset: { test: 'workflow-details' } },
      h('summary', { class: 'editor__about-summary', dataset: { test: 'workflow-details-toggle' } },
        'About this workflow', h('span', { class: 'editor__about-hint' }, ': title, outcome, description, pacing and re-planning')),
      form);
    details = { fields, title, outcome, disclosure };
    return disclosure;
  }

  // ---- phases -----------------------------------------------------------------------------

  async function addPhase(name) {
    const phase = await post(`${base}/phases`, { name }, { signal });
    toast(`Added the phase “${name}”.`);
    await refresh({ focus: [`phase-${phase?.id}-add`, 'phase-new-name'] });
  }

  async function renamePhase(phase, name) {
    await patch(`${base}/phases/${phase.id}`, { name }, { signal });
    toast(`Renamed the phase to “${name}”.`);
    await refresh({ focus: [`phase-${phase.id}-rename`] });
  }

  async function deletePhase(phase) {
    const groups = phasesWithSteps(wf);
    const i = groups.findIndex((g) => g.phase.id === phase.id);
    const neighbour = groups[i - 1]?.phase || groups[i + 1]?.phase;
    try {
      await del(`${base}/phases/${phase.id}`, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      sayError(err, `The phase “${phase.name}” was not deleted`);
      return;
    }
    toast(`Deleted the phase “${phase.name}”.`);
    await refresh({ focus: [neighbour ? `phase-${neighbour.id}-heading` : null, 'phase-new-name'] });
  }

  // ---- steps ------------------------------------------------------------------------------

  function defaultsFor(phase) {
    const groups = phasesWithSteps(wf);
    const i = groups.findIndex((g) => g.phase.id === phase.id);
    const own = groups[i]?.steps || [];
    if (own.length) return { release_offset_days: own[own.length - 1].release_offset_days };
    const earlier = groups.slice(0, Math.max(i, 0)).flatMap((g) => g.steps);
    const day = earlier.length ? Math.max(...earlier.map((s) => s.due_offset_days)) : 0;
    return { release_offset_days: day };
  }

  function addStep(phase, opener) {
    openStepForm({
      wf,
      phase,
      step: null,
      defaults: defaultsFor(phase),
      signal,
      onSaved: async (saved) => {
        const step = saved?.step || saved;
        toast(`Added “${step.title}” to ${phase.name}.`);
        await refresh({ focus: [`step-${step.id}`, `phase-${phase.id}-add`] });
      },
      onCancel: () => {
        if (opener?.isConnected) opener.focus();
        else restoreFocus([`phase-${phase.id}-add`]);
      },
    });
  }

  function editStep(step, phase, opener) {
    openStepForm({
      wf,
      phase,
      step,
      signal,
      onSaved: async (saved) => {
        const s = saved?.step || saved;
        toast(`Saved “${s.title}”.`);
        await refresh({ focus: [`step-${step.id}-edit`, `step-${step.id}`] });
      },
      onCancel: () => {
        if (opener?.isConnected) opener.focus();
        else restoreFocus([`step-${step.id}-edit`]);
      },
    });
  }

  async function deleteStep(step) {
    const ok = await confirmDialog({
      title: `Delete “${step.title}”?`,
      message: 'The step goes from the draft. Published versions keep it, so people already on them are not affected.',
      confirmLabel: 'Delete step',
      danger: true,
      test: 'confirm-delete-step',
    });
    if (!ok) return;
    const group = phasesWithSteps(wf).find((g) => g.phase.id === step.phase_id);
    const siblings = group?.steps || [];
    const i = siblings.findIndex((s) => s.id === step.id);
    const next = siblings[i + 1] || siblings[i - 1];
    try {
      await del(`${base}/steps/${step.id}`, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      sayError(err, `“${step.title}” was not deleted`);
      return;
    }
    toast(`Deleted “${step.title}”.`);
    await refresh({ focus: [next ? `step-${next.id}` : null, `phase-${step.phase_id}-add`] });
  }

  function whereNow(stepId) {
    return (fresh) => {
      const s = fresh.steps.find((x) => x.id === stepId);
      const p = fresh.phases.find((x) => x.id === s?.phase_id);
      return s && p ? `Moved to position ${s.position} in ${p.name}` : 'Moved.';
    };
  }

  /** Sends a move; keeps focus on the moved card (or the same Move button). */
  async function sendMove(step, body) {
    if (busy) return;
    busy = true;
    const key = focusKey();
    const same = key && key.startsWith(`step-${step.id}`) ? key : null;
    try {
      await patch(`${base}/steps/${step.id}`, body, { signal });
    } catch (err) {
      busy = false;
      if (err.name === 'AbortError') return;
      sayError(err, `“${step.title}” was not moved`);
      await refresh({ focus: [same, `step-${step.id}`] });
      return;
    }
    notice.replaceChildren();
    await refresh({ focus: [same, `step-${step.id}`], say: whereNow(step.id) });
    busy = false;
  }

  function move(step, direction) {
    const groups = phasesWithSteps(wf);
    const gi = groups.findIndex((g) => g.phase.id === step.phase_id);
    const count = groups[gi]?.steps.length || 0;
    if (direction < 0) {
      if (step.position > 1) return sendMove(step, { position: step.position - 1 });
      const prev = groups[gi - 1];
      if (!prev) return announce(`“${step.title}” is already the first step.`);
      return sendMove(step, { phase_id: prev.phase.id, position: prev.steps.length + 1 });
    }
    if (step.position < count) return sendMove(step, { position: step.position + 1 });
    const next = groups[gi + 1];
    if (!next) return announce(`“${step.title}” is already the last step.`);
    return sendMove(step, { phase_id: next.phase.id, position: 1 });
  }

  function moveTo(step, phase, position) {
    const body = phase.id === step.phase_id ? { position } : { phase_id: phase.id, position };
    return sendMove(step, body);
  }

  // ---- publishing and the workflow's life -------------------------------------------------

  function publishProblems(err) {
    const items = (err.details || []).map((d) => {
      const loc = locateDetail(wf, d.field);
      const message = d.message || 'is not right';
      if (loc.step) {
        const what = loc.field ? `${loc.field.replace(/_/g, ' ')} ` : '';
        return h('li', {}, h('a', {
          href: `#step-${loc.step.id}`,
          dataset: { test: 'publish-problem-link' },
          onclick: (e) => {
            e.preventDefault();
            restoreFocus([`step-${loc.step.id}`]);
          },
        }, `“${loc.step.title}” in ${loc.phase.name}`), `: ${sentence(what.trim() || 'this step', message)}`);
      }
      if (loc.phase) {
        return h('li', {}, h('a', {
          href: `#phase-${loc.phase.id}`,
          dataset: { test: 'publish-problem-link' },
          onclick: (e) => {
            e.preventDefault();
            restoreFocus([`phase-${loc.phase.id}-heading`]);
          },
        }, message.charAt(0).toUpperCase() + message.slice(1)));
      }
      const f = details?.fields.find((x) => x.name === d.field);
      if (f) {
        const label = f.el.querySelector('.field__label')?.firstChild?.textContent || d.field;
        return h('li', {}, h('a', {
          href: `#${f.input.id}`,
          dataset: { test: 'publish-problem-link' },
          onclick: (e) => {
            e.preventDefault();
            details.disclosure.open = true;
            f.focus();
          },
        }, sentence(label, message)));
      }
      return h('li', {}, d.field ? sentence(d.field.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()), message) : message);
    });
    const box = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', dataset: { test: 'publish-problems' } },
      h('h2', { class: 'error-summary__title' }, `Version ${(wf.latest_version || 0) + 1} was not published`),
      h('p', {}, items.length ? 'Fix these, then publish again:' : err.message),
      items.length ? h('ul', { class: 'error-summary__list' }, items) : null);
    notice.replaceChildren(box);
    box.focus();
  }

  async function publish(btn) {
    notice.replaceChildren();
    const next = (wf.latest_version || 0) + 1;
    if (wf.latest_version && !wf.draft_changed) {
      notice.replaceChildren(statusMessage({
        tone: 'info',
        title: 'Nothing new to publish',
        detail: `The draft is the same as version ${wf.latest_version}. Change something first.`,
        test: 'publish-nothing',
      }));
      return;
    }
    let diff = null;
    if (wf.latest_version) {
      try {
        diff = await get(`${base}/diff`, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        diff = null;
      }
    }
    const steps = (wf.steps || []).length;
    const body = [
      h('p', {}, wf.latest_version
        ? `People enrolled from now on follow version ${next}. Everyone already on version ${wf.latest_version} or earlier stays on their version.`
        : `Version 1 will have ${plural(steps, 'step')} in ${plural((wf.phases || []).length, 'phase')}. Once published, a version never changes: later edits go into the next version.`),
    ];
    if (diff) body.push(h('h3', { class: 'dialog__subtitle' }, `What changed since version ${wf.latest_version}`), diffBlock(diff, { headingLevel: 4, test: 'publish-diff' }));
    else if (wf.latest_version) body.push(h('p', { class: 'muted' }, 'The list of changes could not be loaded.'));
    const ok = await askDialog({ title: `Publish version ${next}?`, body, confirmLabel: `Publish version ${next}`, test: 'confirm-publish' });
    if (!ok) return;
    const published = await whileBusy(btn, 'Publishing…', async () => {
      let res;
      try {
        res = await post(`${base}/publish`, undefined, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return false;
        if (err.status === 422) publishProblems(err);
        else sayError(err, `Version ${next} was not published`);
        return false;
      }
      toast(`Published version ${res?.version ?? next}`, { test: 'toast' });
      return true;
    });
    if (published) await refresh({ focus: ['publish', 'versions'] });
  }

  async function duplicate(btn) {
    await whileBusy(btn, 'Duplicating…', async () => {
      let copy;
      try {
        copy = await post(`${base}/duplicate`, {}, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        sayError(err, 'The workflow was not duplicated');
        return;
      }
      copy = copy?.workflow || copy;
      setFlash({ tone: 'ok', title: `This is a new draft: “${copy.title}”.`, detail: `It is a copy of “${wf.title}”, which is unchanged.` });
      router.navigate(`/workflows/${copy.id}`);
    });
  }

  async function archive(btn) {
    const ok = await confirmDialog({
      title: `Archive “${wf.title}”?`,
      message: 'It becomes read-only: nobody new can be enrolled on it and it cannot be changed or published. People already on it carry on. You can restore it at any time.',
      confirmLabel: 'Archive',
      test: 'confirm-archive',
    });
    if (!ok) return;
    const done = await whileBusy(btn, 'Archiving…', async () => {
      try {
        await post(`${base}/archive`, undefined, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return false;
        sayError(err, 'The workflow was not archived');
        return false;
      }
      notice.replaceChildren();
      toast('Archived. The workflow is now read-only.');
      return true;
    });
    if (done) await refresh({ focus: ['archived-restore', 'restore'] });
  }

  async function restore(btn) {
    const done = await whileBusy(btn, 'Restoring…', async () => {
      try {
        await post(`${base}/restore`, undefined, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return false;
        sayError(err, 'The workflow was not restored');
        return false;
      }
      notice.replaceChildren();
      toast('Restored. You can change and publish it again.');
      return true;
    });
    if (done) await refresh({ focus: ['archive', 'publish'] });
  }

  async function remove(btn) {
    const ok = await confirmDialog({
      title: `Delete “${wf.title}”?`,
      message: 'It was never published, so nobody is on it. Its phases and steps go too. This cannot be undone.',
      confirmLabel: 'Delete workflow',
      danger: true,
      test: 'confirm-delete-workflow',
    });
    if (!ok) return;
    await whileBusy(btn, 'Deleting…', async () => {
      try {
        await del(base, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        sayError(err, 'The workflow was not deleted');
        return;
      }
      setFlash({ tone: 'ok', title: `The workflow “${wf.title}” is deleted.` });
      router.navigate('/workflows');
    });
  }

  async function load() {
    try {
      wf = await get(base, { signal });
      wf = wf?.workflow || wf;
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (isNotFound(err)) missing(box);
      else {
        box.replaceChildren(pageHeader({ title: 'Workflow', back: BACK }),
          errorState(err, { title: 'Waymark could not load this workflow', retry: () => load(), test: 'workflow-error' }));
      }
      return;
    }
    box.replaceChildren(root);
    draw();
  }
  return load();
}

/** One published version, read-only: /workflows/{id}/versions/{n}. */
export function workflowVersionPage({ outlet, params, signal }) {
  const id = encodeURIComponent(params.id);
  const n = encodeURIComponent(params.n);
  const back = { href: `/workflows/${id}/versions`, label: 'Versions' };
  const box = h('div', {}, pageHeader({ title: `Version ${params.n}`, back }), loadingState('Loading the version…', { test: 'version-loading' }));
  outlet.append(box);

  async function load() {
    let v;
    try {
      v = await get(`/api/v1/workflows/${id}/versions/${n}`, { signal });
      v = v?.workflow || v;
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (isNotFound(err)) {
        missing(box, { title: 'Version not found', detail: 'This workflow has no such version.', back, test: 'version-missing' });
      } else {
        box.replaceChildren(pageHeader({ title: `Version ${params.n}`, back }),
          errorState(err, { title: 'Waymark could not load this version', retry: () => load(), test: 'version-error' }));
      }
      return;
    }
    document.title = `${v.title}, version ${v.version} · Waymark`;
    const by = v.published_by?.name;
    box.replaceChildren(h('div', { class: 'stack editor editor--read-only', dataset: { test: 'workflow-version-view' } },
      pageHeader({
        title: v.title,
        back,
        actions: h('div', { class: 'editor__actions' },
          linkButton(`/workflows/${id}`, 'Open the draft', { variant: 'secondary', test: 'version-open-draft' }),
          h('a', { class: 'button button--secondary', href: `/api/v1/workflows/${id}/export?version=${n}`, download: `workflow-${params.id}-v${v.version}.json`, dataset: { test: 'version-export' } }, 'Export this version')),
      }),
      h('p', { class: 'editor__meta', dataset: { test: 'version-meta' } },
        h('span', { class: 'badge badge--ok' }, `Version ${v.version}`), ' ',
        'Published ', timeEl(v.published_at, { fallback: 'at an unknown time' }), by ? ` by ${by}` : '', '.'),
      statusMessage({
        tone: 'info',
        title: 'A published version never changes',
        detail: 'This is exactly what people enrolled on it follow. To make changes, edit the draft and publish a new version.',
        test: 'version-read-only',
      }),
      card({ title: 'About this workflow', test: 'workflow-details', wide: true }, aboutList(v)),
      timeline(v, { editable: false })));
  }
  return load();
}
