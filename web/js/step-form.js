// step-form.js — adding or changing one step of a workflow, in a modal dialog.
//
// Every field of a step (docs/workflows.md "A step"): kind, title, instructions (Markdown,
// with a Preview tab showing what learners will see), link, release and due days, effort,
// who marks it done, evidence and the prompt for the learner's manager. The server checks
// everything: a 422 puts each detail beside its field (aria-describedby, aria-invalid),
// lists them at the top and moves focus to the first field to fix. Whatever went wrong — a
// refused value, a lost connection, a conflict — the dialog stays open with everything
// that was typed; Escape with unsaved changes asks before throwing them away.

import { patch, post } from './api.js';
import { markdownTabs } from './markdown-preview.js';
import { COMPLETIONS, EVIDENCE, KINDS } from './workflow-data.js';
import { button, confirmDialog, errorSummary, field, h, modalDialog, showFormErrors, whileBusy } from './ui.js';

/**
 * Opens the step dialog. wf: the workflow; phase: the phase to add to (adding) or the
 * step's phase; step: the step to change, or null to add one. onSaved(step) runs after a
 * save, once the dialog has closed (focus is then the caller's to place); onCancel() when it
 * closed without saving.
 */
export function openStepForm({ wf, phase, step, defaults = {}, signal, onSaved, onCancel }) {
  const adding = !step;
  const start = { kind: 'learn', instructions: '', link_url: '', release_offset_days: 0, effort_minutes: 15, completion: 'self', evidence: 'none', manager_prompt: '', ...defaults, ...(step || {}) };
  if (start.due_offset_days === undefined || start.due_offset_days === null) start.due_offset_days = start.release_offset_days;

  const kind = field({ label: 'Kind of step', name: 'kind', type: 'select', value: start.kind, options: KINDS, test: 'step-kind' });
  const title = field({
    label: 'Title', name: 'title', value: start.title || '', hint: 'What the learner does, in a few words: “Notice three moments”.',
    attrs: { autocomplete: 'off', maxlength: '200', required: true }, test: 'step-title',
  });
  const instructions = field({
    label: 'Instructions', name: 'instructions', type: 'textarea', value: start.instructions || '', optional: true,
    hint: 'Markdown: **bold**, *italic*, lists with “-”, links as [words](https://…). Use Preview to see what learners will see.',
    attrs: { rows: '7', maxlength: '20000', spellcheck: 'true' }, test: 'step-instructions',
  });
  const link = field({
    label: 'Link', name: 'link_url', type: 'url', value: start.link_url || '', optional: true,
    hint: 'A page or video the step uses, starting with https://', attrs: { autocomplete: 'off', spellcheck: 'false', inputmode: 'url' }, test: 'step-link',
  });
  const release = field({
    label: 'Released on day', name: 'release_offset_days', type: 'number', value: String(start.release_offset_days),
    hint: 'Days after the learner starts (0 = the first day).', attrs: { min: '0', max: '730', step: '1', inputmode: 'numeric' }, test: 'step-release',
  });
  const due = field({
    label: 'Due on day', name: 'due_offset_days', type: 'number', value: String(start.due_offset_days),
    hint: 'The same day or later.', attrs: { min: '0', max: '730', step: '1', inputmode: 'numeric' }, test: 'step-due',
  });
  const effort = field({
    label: 'Effort in minutes', name: 'effort_minutes', type: 'number', value: String(start.effort_minutes),
    hint: 'How long it takes, 1 to 480.', attrs: { min: '1', max: '480', step: '1', inputmode: 'numeric' }, test: 'step-effort',
  });
  const completion = field({ label: 'Who marks it done', name: 'completion', type: 'select', value: start.completion, options: COMPLETIONS, test: 'step-completion' });
  const evidence = field({ label: 'Evidence', name: 'evidence', type: 'select', value: start.evidence, options: EVIDENCE, test: 'step-evidence' });
  const prompt = field({
    label: 'Prompt for the manager', name: 'manager_prompt', type: 'textarea', value: start.manager_prompt || '', optional: true,
    hint: 'What the learner’s manager can say or do this week.', attrs: { rows: '3', maxlength: '1000' }, test: 'step-prompt',
  });
  const fields = [kind, title, instructions, link, release, due, effort, completion, evidence, prompt];
  const tabs = markdownTabs(instructions, { test: 'step-instructions', signal, label: 'Instructions' });
  const summary = errorSummary({ test: 'step-errors' });
  const save = button(adding ? 'Add step' : 'Save step', { type: 'submit', test: 'step-save' });

  const snapshot = () => JSON.stringify(fields.map((f) => f.value()));
  const initial = snapshot();
  let saved = false;

  async function beforeCancel() {
    if (snapshot() === initial) return true;
    return confirmDialog({
      title: 'Throw away what you typed?',
      message: adding ? 'This step has not been added yet.' : 'Your changes to this step have not been saved.',
      confirmLabel: 'Throw it away',
      cancelLabel: 'Keep editing',
      danger: true,
      test: 'confirm-discard-step',
    });
  }

  function body() {
    const out = {};
    for (const f of [kind, title, instructions, completion, evidence]) out[f.name] = f.value();
    out.title = out.title.trim();
    out.link_url = link.value().trim() || null;
    out.manager_prompt = prompt.value().trim() ? prompt.value() : null;
    const problems = [];
    for (const f of [release, due, effort]) {
      const raw = f.value().trim();
      if (!/^-?\d+$/.test(raw)) problems.push({ field: f.name, message: raw ? 'must be a whole number' : 'is needed: enter a number' });
      else out[f.name] = Number(raw);
    }
    return { out, problems };
  }

  function showProblems(err) {
    showFormErrors(summary, fields, err, { heading: err.details?.length ? 'Please check these details' : (adding ? 'The step was not added' : 'The step was not saved') });
    const first = fields.find((f) => f.input.getAttribute('aria-invalid') === 'true');
    if (first === instructions) tabs.showWrite();
    first?.focus();
  }

  let dlg;
  const form = h('form', { class: 'form step-form', novalidate: true, dataset: { test: 'step-form' } },
    summary.el,
    h('p', { class: 'muted step-form__where' }, adding ? `In ${phase.name}` : `In ${phase.name}, position ${step.position}`),
    h('div', { class: 'form__group' }, kind.el, title.el),
    instructions.el,
    link.el,
    h('div', { class: 'form__group' }, release.el, due.el),
    h('div', { class: 'form__group' }, effort.el, completion.el),
    evidence.el,
    prompt.el,
    h('div', { class: 'form__actions' }, save,
      button('Cancel', {
        variant: 'secondary',
        test: 'step-cancel',
        onClick: async () => {
          if (await beforeCancel()) dlg.close();
        },
      })));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    summary.clear();
    const { out, problems } = body();
    if (problems.length) {
      showProblems({ message: 'Please check these details', details: problems });
      return;
    }
    await whileBusy(save, adding ? 'Adding…' : 'Saving…', async () => {
      let res;
      try {
        res = adding
          ? await post(`/api/v1/workflows/${wf.id}/steps`, { ...out, phase_id: phase.id }, { signal })
          // If-Match: refuse (412) rather than overwrite what another designer saved since.
          : await patch(`/api/v1/workflows/${wf.id}/steps/${step.id}`, out, { signal, headers: { 'If-Match': `"${wf.revision}"` } });
      } catch (err) {
        if (err.name === 'AbortError') return;
        showProblems(err);
        return;
      }
      saved = res || { ...step, ...out };
      dlg.close();
    });
  });

  dlg = modalDialog({
    title: adding ? `Add a step to ${phase.name}` : `Change “${step.title}”`,
    content: () => form,
    test: 'step-dialog',
    wide: true,
    beforeCancel,
    returnFocus: false,
    initialFocus: () => (adding ? title.input : kind.input),
    onClose: () => {
      if (saved) onSaved?.(saved);
      else onCancel?.();
    },
  });
  return dlg;
}
