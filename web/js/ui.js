// ui.js — the common pieces every page is built from.
//
// Elements are created with h(), which sets text with textContent and attributes with
// setAttribute, never innerHTML, so text from the server can never become markup.

/**
 * h('p', { class: 'x', dataset: { test: 'y' }, onclick: fn }, 'text', child, …) → Element.
 * Attributes with value false/null/undefined are left out; children may be strings,
 * nodes, arrays or null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'dataset') {
      for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) el.dataset[k] = v;
    } else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** The heading block of a page: its one h1 and an optional lead paragraph. */
export function pageHeader({ title, lead, test = 'page-title' }) {
  return h('header', { class: 'page-header' },
    h('h1', { dataset: { test } }, title),
    lead ? h('p', { class: 'page-header__lead' }, lead) : null);
}

/**
 * A state message: tone 'loading' | 'ok' | 'error' | 'info'. Reuses el when given (so a live
 * region keeps its identity and its updates are announced). Returns the element.
 */
export function statusMessage({ tone, title, detail, action, el, test }) {
  const box = el || h('div', { role: 'status' });
  box.className = `status status--${tone}`;
  if (test) box.dataset.test = test;
  box.dataset.state = tone;
  box.setAttribute('aria-busy', tone === 'loading' ? 'true' : 'false');
  box.replaceChildren(
    h('span', { class: 'status__icon', 'aria-hidden': 'true' }),
    h('div', { class: 'status__body' },
      h('p', { class: 'status__title', dataset: { test: test ? `${test}-text` : undefined } }, title),
      detail ? h('p', { class: 'status__detail' }, detail) : null,
      action || null));
  return box;
}

/** A real <button>; variant 'primary' | 'secondary'. */
export function button(label, { onClick, variant = 'primary', test, type = 'button' } = {}) {
  return h('button', {
    type,
    class: variant === 'primary' ? 'button' : `button button--${variant}`,
    dataset: test ? { test } : undefined,
    onclick: onClick,
  }, label);
}

/** A boxed section with a heading. */
export function card({ title, test, headingLevel = 2 }, ...children) {
  const id = `card-${Math.random().toString(36).slice(2, 9)}`;
  return h('section', { class: 'card', 'aria-labelledby': id, dataset: test ? { test } : undefined },
    h(`h${headingLevel}`, { class: 'card__title', id }, title),
    ...children);
}
