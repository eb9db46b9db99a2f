// workflow-timeline.js — a workflow drawn as a timeline: its phases in order, each with its
// day range ("Days 0–9") and its steps as an ordered list of cards (kind, title, "Day 2 →
// due day 4", effort, and who signs it off or what evidence it needs when that is not the
// default).
//
// Read-only (a published version, an archived workflow) it is just that. Editable, it adds
// the designer's controls, all of which call back to the page (which talks to the server,
// re-fetches and renders again):
//   - per phase: rename inline (Enter saves, Escape cancels), delete when empty, add a step;
//   - per step: edit, delete, "Move up" / "Move down" buttons, and Alt+ArrowUp /
//     Alt+ArrowDown on a focused card; past the first or last place of a phase the step goes
//     to the end of the previous phase or the start of the next one;
//   - drag and drop of a card within and across phases, with a drop indicator line.
// Every focusable control carries data-focus (e.g. "step-12-up"), so the page can put focus
// back on the same control after rendering again.

import { button, field, h, uid } from './ui.js';
import {
  completionLabel, dayRange, effortText, evidenceLabel, kindBadge, phasesWithSteps, plural, stepTiming,
} from './workflow-data.js';

/**
 * timeline(wf, { editable, on }) → the <section>. on: { addStep(phase, opener),
 * editStep(step, phase, opener), deleteStep(step), move(step, direction -1|+1),
 * moveTo(step, phase, position), renamePhase(phase, name) → Promise (throws ApiError to
 * keep the form), deletePhase(phase), addPhase(name) → Promise (throws to keep the form) }.
 */
export function timeline(wf, { editable = false, on = {} } = {}) {
  const groups = phasesWithSteps(wf);
  const titleId = uid('timeline');
  const helpId = uid('reorder-help');
  const allSteps = groups.flatMap((g) => g.steps);
  const range = dayRange(allSteps);
  let dragging = null; // { step, phase }

  const parts = [
    h('div', { class: 'timeline__head' },
      h('h2', { id: titleId, class: 'timeline__title' }, 'Timeline'),
      h('p', { class: 'timeline__summary muted', dataset: { test: 'timeline-summary' } },
        [plural(groups.length, 'phase'), plural(allSteps.length, 'step'), range ? range.replace(/^Day/, 'day') : null].filter(Boolean).join(' · '))),
  ];
  if (editable) {
    parts.push(h('p', { id: helpId, class: 'visually-hidden' }, 'To move a step, use its Move up and Move down buttons, press Alt with the up or down arrow while the step is focused, or drag it.'));
  }

  if (!groups.length) {
    parts.push(h('div', { class: 'empty', dataset: { test: 'timeline-empty' } },
      h('p', { class: 'empty__title' }, 'No phases yet'),
      h('p', { class: 'empty__detail' }, editable
        ? 'A phase is a stretch of the journey, such as “Week 1 — notice”. Add the first one below, then its steps.'
        : 'This workflow has no phases.')));
  }

  const list = h('ol', { class: 'timeline__phases', dataset: { test: 'phases' } },
    groups.map((g, gi) => phaseItem(g, gi)));
  if (groups.length) parts.push(list);
  if (editable) parts.push(addPhaseForm());

  return h('section', { class: editable ? 'timeline timeline--editable' : 'timeline', 'aria-labelledby': titleId, dataset: { test: 'timeline' } }, parts);

  // ---- phases ---------------------------------------------------------------------------

  function phaseItem({ phase, steps }, gi) {
    const headingId = `phase-${phase.id}`;
    const heading = h('h3', { id: headingId, class: 'phase__name', tabindex: '-1', dataset: { test: 'phase-name', focus: `phase-${phase.id}-heading` } }, phase.name);
    const days = h('p', { class: 'phase__days', dataset: { test: 'phase-days' } },
      [dayRange(steps) || 'No steps yet', steps.length ? plural(steps.length, 'step') : null].filter(Boolean).join(' · '));
    const head = h('div', { class: 'phase__head' },
      h('div', { class: 'phase__label' }, h('span', { class: 'phase__number', 'aria-hidden': 'true' }, String(gi + 1)), heading),
      days);
    if (editable) {
      const actions = h('div', { class: 'phase__actions' },
        button('Rename', {
          variant: 'quiet', size: 'small', test: 'phase-rename', ariaLabel: `Rename “${phase.name}”`,
          onClick: () => startRename(),
        }),
        steps.length ? null : button('Delete phase', {
          variant: 'quiet', size: 'small', test: 'phase-delete', ariaLabel: `Delete phase “${phase.name}”`,
          onClick: () => on.deletePhase?.(phase),
        }));
      actions.querySelectorAll('button').forEach((b) => {
        b.dataset.focus = `phase-${phase.id}-${b.dataset.test === 'phase-rename' ? 'rename' : 'delete'}`;
      });
      head.append(actions);

      function startRename() {
        const name = field({ label: 'Name of the phase', name: 'name', value: phase.name, attrs: { autocomplete: 'off', maxlength: '100' }, test: 'phase-rename-input' });
        const save = button('Save', { type: 'submit', size: 'small', test: 'phase-rename-save' });
        const cancel = button('Cancel', { variant: 'secondary', size: 'small', test: 'phase-rename-cancel' });
        const form = h('form', { class: 'form phase__rename', novalidate: true, dataset: { test: 'phase-rename-form' } },
          name.el, h('div', { class: 'form__actions' }, save, cancel));
        const stop = () => {
          form.replaceWith(head);
          head.querySelector('[data-test="phase-rename"]')?.focus();
        };
        cancel.addEventListener('click', stop);
        form.addEventListener('keydown', (e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            stop();
          }
        });
        form.addEventListener('submit', async (e) => {
          e.preventDefault();
          const value = name.value().trim();
          if (!value) {
            name.setError('Name of the phase is needed');
            name.focus();
            return;
          }
          if (value === phase.name) {
            stop();
            return;
          }
          save.disabled = true;
          try {
            await on.renamePhase?.(phase, value);
          } catch (err) {
            const d = err.details?.find((x) => x.field === 'name');
            name.setError(d ? `Name of the phase ${d.message}` : (err.message || 'The name was not saved.'));
            name.focus();
          } finally {
            save.disabled = false;
          }
        });
        head.replaceWith(form);
        name.input.focus();
        name.input.select();
      }
    }

    const stepsList = h('ol', {
      class: 'phase__steps',
      'aria-label': `Steps in ${phase.name}`,
      dataset: { test: 'phase-steps', phaseId: String(phase.id) },
    }, steps.length
      ? steps.map((s) => stepItem(s, phase, gi))
      : h('li', { class: 'phase__empty', dataset: { test: 'phase-empty' } }, editable ? 'No steps yet. Add one, or drag a step here.' : 'No steps.'));
    if (editable) dropZone(stepsList, phase);

    return h('li', { class: 'phase', dataset: { test: 'phase', phaseId: String(phase.id) } },
      h('section', { class: 'phase__section', 'aria-labelledby': headingId },
        head,
        stepsList,
        editable
          ? h('p', { class: 'phase__add' }, addStepButton(phase))
          : null));
  }

  function addStepButton(phase) {
    const b = button(['Add a step', h('span', { class: 'visually-hidden' }, ` to ${phase.name}`)], {
      variant: 'secondary', size: 'small', test: 'step-add',
      onClick: (e) => on.addStep?.(phase, e.currentTarget),
    });
    b.dataset.focus = `phase-${phase.id}-add`;
    return b;
  }

  function addPhaseForm() {
    const name = field({
      label: 'Add a phase', name: 'name', hint: 'A stretch of the journey, e.g. “Week 2 — try”.',
      attrs: { autocomplete: 'off', maxlength: '100' }, test: 'phase-new-name',
    });
    const add = button('Add phase', { type: 'submit', variant: 'secondary', test: 'phase-add' });
    add.dataset.focus = 'phase-add';
    name.input.dataset.focus = 'phase-new-name';
    const form = h('form', { class: 'form phase-add', novalidate: true, dataset: { test: 'phase-add-form' } },
      name.el, h('div', { class: 'form__actions' }, add));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const value = name.value().trim();
      if (!value) {
        name.setError('Enter a name for the new phase');
        name.focus();
        return;
      }
      add.disabled = true;
      try {
        await on.addPhase?.(value);
      } catch (err) {
        const d = err.details?.find((x) => x.field === 'name');
        name.setError(d ? `The name ${d.message}` : (err.message || 'The phase was not added.'));
        name.focus();
      } finally {
        add.disabled = false;
      }
    });
    return form;
  }

  // ---- steps ----------------------------------------------------------------------------

  function stepItem(step, phase, gi) {
    const idx = step.position - 1;
    const count = groups[gi].steps.length;
    const first = gi === 0 && idx === 0;
    const last = gi === groups.length - 1 && idx === count - 1;
    const titleId = uid('step-title');
    const facts = [
      h('span', { dataset: { test: 'step-card-timing' } }, stepTiming(step)),
      h('span', { dataset: { test: 'step-card-effort' } }, effortText(step.effort_minutes)),
    ];
    if (step.completion && step.completion !== 'self') facts.push(h('span', { dataset: { test: 'step-card-completion' } }, completionLabel(step.completion)));
    if (step.evidence && step.evidence !== 'none') facts.push(h('span', { dataset: { test: 'step-card-evidence' } }, evidenceLabel(step.evidence)));

    const card = h('article', {
      class: 'step-card',
      id: `step-${step.id}`,
      'aria-labelledby': titleId,
      dataset: { test: 'step-card', stepId: String(step.id), focus: `step-${step.id}` },
    },
      h('div', { class: 'step-card__top' },
        kindBadge(step.kind),
        h('span', { class: 'step-card__position', dataset: { test: 'step-card-position' } }, `Step ${step.position}`)),
      h('h4', { id: titleId, class: 'step-card__title', dataset: { test: 'step-card-title' } }, step.title),
      h('ul', { class: 'step-card__facts' }, facts.map((f) => h('li', {}, f))),
      step.link_url ? h('p', { class: 'step-card__link' }, h('a', { href: step.link_url, target: '_blank', rel: 'noopener noreferrer', dataset: { external: '' } }, 'Open the link', h('span', { class: 'visually-hidden' }, ` for “${step.title}” (opens a new tab)`))) : null);

    if (editable) {
      card.tabIndex = 0;
      card.setAttribute('aria-describedby', helpId);
      card.setAttribute('aria-keyshortcuts', 'Alt+ArrowUp Alt+ArrowDown');
      card.draggable = true;
      const act = (label, test, focus, opts) => {
        const b = button(label, { variant: 'quiet', size: 'small', test, ...opts });
        b.dataset.focus = `step-${step.id}-${focus}`;
        return b;
      };
      card.append(h('div', { class: 'step-card__actions' },
        act('Edit', 'step-edit', 'edit', { ariaLabel: `Edit “${step.title}”`, onClick: (e) => on.editStep?.(step, phase, e.currentTarget) }),
        act([h('span', { class: 'step-card__arrow', 'aria-hidden': 'true' }, '↑'), 'Move up'], 'step-up', 'up', { ariaLabel: `Move up “${step.title}”`, disabled: first, onClick: () => on.move?.(step, -1) }),
        act([h('span', { class: 'step-card__arrow', 'aria-hidden': 'true' }, '↓'), 'Move down'], 'step-down', 'down', { ariaLabel: `Move down “${step.title}”`, disabled: last, onClick: () => on.move?.(step, 1) }),
        act('Delete', 'step-delete', 'delete', { ariaLabel: `Delete “${step.title}”`, onClick: () => on.deleteStep?.(step) })));
      card.addEventListener('keydown', (e) => {
        if (!e.altKey || e.ctrlKey || e.metaKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
        if (e.target.closest('input, textarea, select')) return;
        e.preventDefault();
        on.move?.(step, e.key === 'ArrowUp' ? -1 : 1);
      });
      card.addEventListener('dragstart', (e) => {
        if (e.target !== card) return;
        dragging = { step, phase };
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', String(step.id));
        requestAnimationFrame(() => card.classList.add('step-card--dragging'));
      });
      card.addEventListener('dragend', () => {
        dragging = null;
        card.classList.remove('step-card--dragging');
        document.querySelectorAll('.drop-indicator').forEach((el) => el.remove());
        document.querySelectorAll('.phase__steps--over').forEach((el) => el.classList.remove('phase__steps--over'));
      });
    }
    return h('li', { class: 'phase__step', dataset: { test: 'step', stepId: String(step.id) } }, card);
  }

  /** Makes a phase's list accept dropped cards, showing where the card would land. */
  function dropZone(listEl, phase) {
    const indicator = h('li', { class: 'drop-indicator', 'aria-hidden': 'true', dataset: { test: 'drop-indicator' } });
    const others = () => [...listEl.querySelectorAll(':scope > .phase__step')]
      .filter((li) => !dragging || li.dataset.stepId !== String(dragging.step.id));
    const slotAt = (y) => {
      const items = others();
      const k = items.findIndex((li) => {
        const r = li.getBoundingClientRect();
        return y < r.top + r.height / 2;
      });
      return { k: k < 0 ? items.length : k, items };
    };
    listEl.addEventListener('dragover', (e) => {
      if (!dragging) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      const { k, items } = slotAt(e.clientY);
      listEl.classList.add('phase__steps--over');
      const before = items[k] || null;
      if (indicator.nextSibling !== before || indicator.parentNode !== listEl) {
        if (before) listEl.insertBefore(indicator, before);
        else listEl.append(indicator);
      }
    });
    listEl.addEventListener('dragleave', (e) => {
      if (e.relatedTarget && listEl.contains(e.relatedTarget)) return;
      indicator.remove();
      listEl.classList.remove('phase__steps--over');
    });
    listEl.addEventListener('drop', (e) => {
      if (!dragging) return;
      e.preventDefault();
      const { k } = slotAt(e.clientY);
      const moved = dragging;
      indicator.remove();
      listEl.classList.remove('phase__steps--over');
      const position = k + 1;
      if (moved.phase.id === phase.id && position === moved.step.position) return;
      on.moveTo?.(moved.step, phase, position);
    });
  }
}
