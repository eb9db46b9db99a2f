// person-picker.js — choosing one person (a manager, later a coach or a learner) by
// searching, for organisations far too big for a drop-down of everyone.
//
// A fieldset with the current choice ("Reports to: Bob Lee" and a Remove button), a search
// box and a list of matching people as real buttons. Typing searches after a short pause
// (and Enter searches at once without submitting the surrounding form); a live region says
// how many were found. Only active people are offered. Works with the keyboard alone:
// Tab to the box, type, Tab through the results, Enter or Space to choose; focus then
// returns to the search box and the choice is announced.
//
// With onChoose the picker gathers several people instead of holding one: each choice is
// handed to onChoose(person) (the page lists them), and the picker is ready for the next.

import { get } from './api.js';
import { button, h, uid } from './ui.js';

const SEARCH_DELAY_MS = 250;
const RESULTS = 8;

/**
 * personPicker({ legend, name, hint, value: { id, name, email } | null, exclude: id,
 *                test, emptyLabel, onChoose, optional }) → { el, name, value(), setError(msg), focus() }
 * value() is the chosen person's id, or null for none. With onChoose(person), nobody is
 * held: each choice goes to onChoose, and the "chosen" line is left out.
 */
export function personPicker({ legend, name, hint, value = null, exclude = null, test = 'picker', emptyLabel = 'No one chosen.', onChoose = null, optional = true }) {
  const id = uid(`picker-${name}`);
  let chosen = value;
  let timer = null;
  let controller = null;

  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const chosenBox = h('div', { class: 'picker__chosen', dataset: { test: `${test}-chosen` } });
  const said = h('p', { class: 'picker__said', role: 'status', dataset: { test: `${test}-said` } });
  const input = h('input', {
    id: `${id}-search`,
    type: 'search',
    class: 'input',
    autocomplete: 'off',
    spellcheck: 'false',
    dataset: { test: `${test}-search` },
  });
  const results = h('ul', { class: 'picker__results', dataset: { test: `${test}-results` } });
  const error = h('p', { class: 'field__error', id: errorId, hidden: true });
  const el = h('fieldset', { class: 'field fieldset picker', dataset: { field: name, test }, 'aria-describedby': hintId || undefined },
    h('legend', { class: 'field__label' }, legend, optional ? h('span', { class: 'field__optional' }, ' (optional)') : null),
    hint ? h('p', { class: 'field__hint', id: hintId }, hint) : null,
    error,
    onChoose ? null : chosenBox,
    h('label', { class: 'picker__label', for: input.id }, 'Find someone by name or email'),
    h('div', { class: 'picker__row' }, input, button('Find', { variant: 'secondary', test: `${test}-find`, onClick: () => search(true) })),
    said,
    results);

  function showChosen() {
    if (!chosen) {
      chosenBox.replaceChildren(h('p', { class: 'picker__none' }, emptyLabel));
      return;
    }
    chosenBox.replaceChildren(
      h('p', { class: 'picker__who' },
        h('span', { class: 'visually-hidden' }, `${legend}: `),
        h('strong', { dataset: { test: `${test}-chosen-name` } }, chosen.name || chosen.email),
        chosen.email && chosen.name ? h('span', { class: 'muted' }, ` (${chosen.email})`) : null),
      button('Remove', {
        variant: 'quiet',
        size: 'small',
        test: `${test}-remove`,
        ariaLabel: `Remove ${chosen.name || chosen.email}`,
        onClick: () => {
          const was = chosen;
          chosen = null;
          showChosen();
          said.textContent = `${was.name || was.email} removed.`;
          input.focus();
        },
      }));
  }

  async function search(now = false) {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      results.replaceChildren();
      said.textContent = '';
      return;
    }
    if (!now && q.length < 2) return;
    controller?.abort();
    controller = new AbortController();
    said.textContent = 'Searching…';
    try {
      const page = await get('/api/v1/users', { query: { q, active: 'true', limit: RESULTS + 1 }, signal: controller.signal });
      const people = (page?.items || []).filter((p) => p.id !== exclude && p.active !== false).slice(0, RESULTS);
      results.replaceChildren(...people.map((p) => h('li', {},
        button([h('span', { class: 'picker__name' }, p.name || p.email), p.name ? h('span', { class: 'picker__email' }, p.email) : null], {
          variant: 'quiet',
          test: `${test}-option`,
          ariaLabel: `Choose ${p.name || p.email}${p.name ? `, ${p.email}` : ''}`,
          onClick: () => {
            const person = { id: p.id, name: p.name, email: p.email };
            results.replaceChildren();
            input.value = '';
            if (onChoose) {
              said.textContent = onChoose(person) || `${p.name || p.email} added.`;
            } else {
              chosen = person;
              showChosen();
              said.textContent = `${p.name || p.email} chosen.`;
            }
            input.focus();
          },
        }))));
      said.textContent = people.length ? `${people.length}${page?.next_cursor ? ' or more' : ''} found. Choose one below.` : `No one found for “${q}”.`;
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.replaceChildren();
      said.textContent = `Search did not work: ${err.message}`;
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(false), SEARCH_DELAY_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault(); // search, do not submit the form around the picker
      search(true);
    }
  });
  showChosen();

  return {
    el,
    name,
    input,
    value: () => chosen?.id ?? null,
    chosen: () => chosen,
    setError(message) {
      error.hidden = !message;
      error.replaceChildren(...(message ? [h('span', { class: 'visually-hidden' }, 'Error: '), message] : []));
      el.classList.toggle('field--error', Boolean(message));
      const described = [hintId, message ? errorId : null].filter(Boolean).join(' ');
      if (described) el.setAttribute('aria-describedby', described);
      else el.removeAttribute('aria-describedby');
    },
    focus: () => input.focus(),
  };
}
