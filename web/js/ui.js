// ui.js — the common pieces every page is built from.
//
// Elements are created with h(), which sets text with textContent and attributes with
// setAttribute, never innerHTML, so text from the server can never become markup.
//
// The page pattern every page follows: pageHeader() (the one h1, a lead, actions), then
// the content, whose states come from here too: loadingState() while waiting,
// errorState() when a call failed (with the server's words and a "Try again" button),
// emptyState() when there is nothing yet (with the next step). Forms are built from
// field()/checkboxGroup() and show the server's 422 details beside their fields with
// showFormErrors(), keeping what was typed. A message that must survive a navigation
// ("Ana Silva was added") goes through setFlash()/takeFlash().

let uidCounter = 0;

/** A document-unique id with a readable prefix, for label/aria wiring. */
export function uid(prefix = 'id') {
  uidCounter += 1;
  return `${prefix}-${uidCounter}`;
}

/**
 * h('p', { class: 'x', dataset: { test: 'y' }, onclick: fn }, 'text', child, …) → Element.
 * Attributes with value false/null/undefined are left out; children may be strings,
 * nodes, arrays or null. `value`, `checked` and `disabled`-like properties that are not
 * plain attributes (value on inputs) are set as attributes, which is what forms need at
 * creation time.
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

/**
 * The heading block of a page: an optional way back (back: { href, label }), its one h1,
 * an optional lead paragraph and optional actions (buttons or links beside the title).
 */
export function pageHeader({ title, lead, test = 'page-title', actions, back }) {
  return h('header', { class: 'page-header' },
    back ? h('p', { class: 'page-header__back' }, h('a', { href: back.href, dataset: { test: 'back-link' } }, h('span', { 'aria-hidden': 'true' }, '← '), back.label)) : null,
    h('div', { class: 'page-header__row' },
      h('h1', { dataset: { test } }, title),
      actions ? h('div', { class: 'page-header__actions' }, actions) : null),
    lead ? h('p', { class: 'page-header__lead' }, lead) : null);
}

/**
 * A state message: tone 'loading' | 'ok' | 'error' | 'info'. Reuses el when given (so a live
 * region keeps its identity and its updates are announced). role 'alert' interrupts the
 * screen reader (errors after a person's action); the default 'status' waits politely.
 * Returns the element.
 */
export function statusMessage({ tone, title, detail, action, el, test, role }) {
  const box = el || h('div', { role: role || 'status' });
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

/** "Loading people…" while a page waits for the server. */
export function loadingState(title = 'Loading…', { test = 'loading' } = {}) {
  return statusMessage({ tone: 'loading', title, test });
}

/**
 * What went wrong, in the server's words, with "Try again" when retry is given.
 * title: what could not be done ("Waymark could not load the people list").
 */
export function errorState(err, { title = 'Something went wrong', retry, test = 'error' } = {}) {
  const detail = err?.status === 0 || !err?.message ? 'Waymark could not reach its server. Check your connection and try again.' : err.message;
  return statusMessage({
    tone: 'error',
    role: 'alert',
    title,
    detail,
    action: retry ? button('Try again', { variant: 'secondary', test: `${test}-retry`, onClick: retry }) : null,
    test,
  });
}

/** Nothing here yet: a title, what it means, and the next step (a button or link). */
export function emptyState({ title, detail, action, test = 'empty' }) {
  return h('div', { class: 'empty', dataset: { test } },
    h('p', { class: 'empty__title' }, title),
    detail ? h('p', { class: 'empty__detail' }, detail) : null,
    action || null);
}

/**
 * A real <button>; variant 'primary' | 'secondary' | 'danger' | 'quiet'. size 'small' for
 * buttons inside table rows. label may be a string or nodes; ariaLabel names it for screen
 * readers when the visible label is short ("Edit" → "Edit Ana Silva").
 */
export function button(label, { onClick, variant = 'primary', test, type = 'button', size, disabled, ariaLabel, describedBy } = {}) {
  return h('button', {
    type,
    class: buttonClass(variant, size),
    dataset: test ? { test } : undefined,
    onclick: onClick,
    disabled: Boolean(disabled),
    'aria-label': ariaLabel,
    'aria-describedby': describedBy,
  }, label);
}

/** A link that looks like a button (for navigation, which must stay a link). */
export function linkButton(href, label, { variant = 'primary', test, size, ariaLabel } = {}) {
  return h('a', { href, class: buttonClass(variant, size), dataset: test ? { test } : undefined, 'aria-label': ariaLabel }, label);
}

function buttonClass(variant, size) {
  return ['button', variant !== 'primary' ? `button--${variant}` : null, size ? `button--${size}` : null].filter(Boolean).join(' ');
}

/** Marks a button busy while work runs: disabled, with a label saying what is happening. */
export async function whileBusy(btn, busyLabel, work) {
  const label = btn.textContent;
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  if (busyLabel) btn.textContent = busyLabel;
  try {
    return await work();
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
    if (busyLabel) btn.textContent = label;
  }
}

/** A boxed section with a heading (and an optional lead paragraph under it); wide for forms. */
export function card({ title, test, headingLevel = 2, lead, wide = false }, ...children) {
  const id = uid('card');
  return h('section', { class: wide ? 'card card--wide' : 'card', 'aria-labelledby': id, dataset: test ? { test } : undefined },
    h(`h${headingLevel}`, { class: 'card__title', id }, title),
    lead ? h('p', { class: 'card__lead' }, lead) : null,
    ...children);
}

// ---- forms -------------------------------------------------------------------------------

/**
 * A labelled form control with an optional hint and a place for its error.
 *   name      the API field name (422 details are matched on it) and the control's name
 *   type      text, email, password, search, select, textarea, file…
 *   options   for selects: [{ value, label }]
 *   attrs     extra attributes for the control (autocomplete, required, accept, …)
 * Returns { el, input, name, setError(message|null), value() }. The error is tied to the
 * control with aria-describedby and aria-invalid, and is shown in words, not colour alone.
 */
export function field({ label, name, type = 'text', value = '', hint, options, attrs = {}, test, optional = false }) {
  const id = uid(`field-${name}`);
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  let input;
  const common = { id, name, ...attrs, dataset: { test: test || `field-${name}` }, 'aria-describedby': hintId || undefined };
  if (type === 'select') {
    input = h('select', { ...common, class: 'input input--select' },
      (options || []).map((o) => h('option', { value: o.value, selected: String(o.value) === String(value) }, o.label)));
  } else if (type === 'textarea') {
    input = h('textarea', { ...common, class: 'input input--textarea' }, value);
  } else {
    input = h('input', { ...common, type, class: type === 'file' ? 'input input--file' : 'input', value: type === 'file' ? undefined : value });
  }
  const error = h('p', { class: 'field__error', id: errorId, hidden: true, dataset: { test: `${test || `field-${name}`}-error` } });
  const el = h('div', { class: 'field', dataset: { field: name } },
    h('label', { class: 'field__label', for: id }, label, optional ? h('span', { class: 'field__optional' }, ' (optional)') : null),
    hint ? h('p', { class: 'field__hint', id: hintId }, hint) : null,
    error,
    input);
  return {
    el,
    input,
    name,
    setError(message) {
      const described = [hintId, message ? errorId : null].filter(Boolean).join(' ');
      if (described) input.setAttribute('aria-describedby', described);
      else input.removeAttribute('aria-describedby');
      if (message) {
        error.replaceChildren(h('span', { class: 'visually-hidden' }, 'Error: '), message);
        error.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        el.classList.add('field--error');
      } else {
        error.replaceChildren();
        error.hidden = true;
        input.removeAttribute('aria-invalid');
        el.classList.remove('field--error');
      }
    },
    value() {
      return type === 'file' ? input.files?.[0] || null : input.value;
    },
    focus() {
      input.focus();
    },
  };
}

/**
 * A set of checkboxes in a fieldset with a legend: options [{ value, label, hint, checked,
 * disabled }]. Returns { el, name, values(), setError(message|null), focus() }.
 */
export function checkboxGroup({ legend, name, options, hint, test }) {
  const id = uid(`group-${name}`);
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const boxes = options.map((o) => {
    const boxId = uid(`${name}-${o.value}`);
    const box = h('input', { type: 'checkbox', id: boxId, name, value: o.value, checked: Boolean(o.checked), disabled: Boolean(o.disabled), class: 'checkbox__input', dataset: { test: `${test || name}-${o.value}` } });
    return {
      box,
      el: h('div', { class: 'checkbox' },
        box,
        h('label', { for: boxId, class: 'checkbox__label' }, o.label,
          o.hint ? h('span', { class: 'checkbox__hint' }, o.hint) : null)),
    };
  });
  const error = h('p', { class: 'field__error', id: errorId, hidden: true });
  const el = h('fieldset', { class: 'field fieldset', dataset: { field: name, test: test || name }, 'aria-describedby': hintId || undefined },
    h('legend', { class: 'field__label' }, legend),
    hint ? h('p', { class: 'field__hint', id: hintId }, hint) : null,
    error,
    h('div', { class: 'checkbox-list' }, boxes.map((b) => b.el)));
  return {
    el,
    name,
    values: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value),
    setError(message) {
      error.hidden = !message;
      error.replaceChildren(...(message ? [h('span', { class: 'visually-hidden' }, 'Error: '), message] : []));
      el.classList.toggle('field--error', Boolean(message));
      const described = [hintId, message ? errorId : null].filter(Boolean).join(' ');
      if (described) el.setAttribute('aria-describedby', described);
      else el.removeAttribute('aria-describedby');
    },
    focus() {
      boxes.find((b) => !b.box.disabled)?.box.focus();
    },
  };
}

/**
 * The error summary at the top of a form (hidden until needed). show(items) lists
 * [{ message, field }] as links that move focus to their field, and moves focus to the
 * summary so keyboard and screen-reader users hear what to fix.
 */
export function errorSummary({ title = 'Please fix the following', test = 'form-errors' } = {}) {
  const list = h('ul', { class: 'error-summary__list' });
  const heading = h('h2', { class: 'error-summary__title' }, title);
  const el = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true, dataset: { test } }, heading, list);
  return {
    el,
    show(items, { heading: text } = {}) {
      heading.textContent = text || title;
      list.replaceChildren(...items.map((it) => h('li', {},
        it.field
          ? h('a', {
            href: `#${it.field.input?.id || it.field.el.id || ''}`,
            onclick: (e) => {
              e.preventDefault();
              it.field.focus();
            },
          }, it.message)
          : it.message)));
      el.hidden = false;
      el.focus();
    },
    clear() {
      el.hidden = true;
      list.replaceChildren();
    },
  };
}

/** Readable names of API fields for error messages ("job_title" → "Job title"). */
function fieldLabel(fieldObj, name) {
  const label = fieldObj?.el.querySelector('.field__label');
  if (label) return label.firstChild?.textContent?.trim() || name;
  return name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/**
 * One sentence for a field's problem. The server words details as the rest of a sentence
 * about the field ("is already used by another person"): the label goes in front. A
 * message that is already a sentence ("Enter your email address") stays as it is.
 */
function fieldSentence(label, message) {
  return /^[a-z]/.test(message) ? `${label} ${message}` : message;
}

/**
 * Shows an ApiError on a form: each detail beside its field (matched on name), the rest
 * and the general message in the summary. Fields keep what was typed. Returns true when
 * anything was shown. fields: an array of field()/checkboxGroup() results.
 */
export function showFormErrors(summary, fields, err, { heading } = {}) {
  for (const f of fields) f.setError(null);
  const items = [];
  const details = Array.isArray(err?.details) ? err.details : [];
  for (const d of details) {
    const f = fields.find((x) => x.name === d.field);
    const message = d.message || 'is not right';
    if (f) {
      const sentence = fieldSentence(fieldLabel(f, d.field), message);
      f.setError(sentence);
      items.push({ field: f, message: sentence });
    } else {
      items.push({ message: d.field ? fieldSentence(fieldLabel(null, d.field), message) : capitalise(message) });
    }
  }
  if (!items.length) items.push({ message: err?.message || 'Something went wrong. Please try again.' });
  summary.show(items, { heading: heading || (details.length ? err?.message || 'Please fix the following' : 'That did not work') });
  return true;
}

function capitalise(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

// ---- tables --------------------------------------------------------------------------------

/**
 * A table with a caption: columns [{ label, cell(row) → node|string, class, primary }],
 * rows any[]. On phones each row becomes a stacked block whose cells show their column's
 * label (from data-label), so nothing scrolls sideways. rowTest(row) gives each row a
 * data-test value.
 */
export function dataTable({ caption, captionHidden = false, columns, rows, test, rowTest }) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data-table', dataset: test ? { test } : undefined },
      caption ? h('caption', { class: captionHidden ? 'visually-hidden' : 'data-table__caption' }, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      h('tbody', {}, rows.map((row) => h('tr', { dataset: rowTest ? { test: rowTest(row) } : undefined },
        columns.map((c, i) => h(i === 0 && c.header !== false ? 'th' : 'td', {
          scope: i === 0 && c.header !== false ? 'row' : undefined,
          class: c.class,
          dataset: { label: c.label },
        }, c.cell(row))))))));
}

/**
 * Previous/next paging for cursor lists. Returns the nav element; buttons are left out when
 * there is nowhere to go, and the nav is empty (and hidden) with one page.
 */
export function pager({ hasPrevious, hasNext, onPrevious, onNext, label = 'Pages', test = 'pager', summary }) {
  if (!hasPrevious && !hasNext) return null;
  return h('nav', { class: 'pager', 'aria-label': label, dataset: { test } },
    hasPrevious ? button([h('span', { 'aria-hidden': 'true' }, '← '), 'Previous'], { variant: 'secondary', onClick: onPrevious, test: `${test}-previous` }) : h('span'),
    summary ? h('p', { class: 'pager__summary' }, summary) : null,
    hasNext ? button(['Next', h('span', { 'aria-hidden': 'true' }, ' →')], { variant: 'secondary', onClick: onNext, test: `${test}-next` }) : h('span'));
}

/** A small label: tone 'ok' | 'muted' | 'info'. */
export function badge(text, { tone = 'info', test } = {}) {
  return h('span', { class: `badge badge--${tone}`, dataset: test ? { test } : undefined }, text);
}

// ---- dialogs, copying, messages --------------------------------------------------------

/**
 * Asks a yes/no question in a modal <dialog> (the browser keeps focus inside it and Escape
 * cancels). Resolves true when confirmed. Focus returns to where it was.
 */
export function confirmDialog({ title, message, confirmLabel = 'Confirm', cancelLabel = 'Cancel', danger = false, test = 'confirm' }) {
  return new Promise((resolve) => {
    const returnTo = document.activeElement;
    const titleId = uid('dialog-title');
    const textId = uid('dialog-text');
    let answer = false;
    const cancel = button(cancelLabel, { variant: 'secondary', test: `${test}-cancel`, onClick: () => dialog.close() });
    const confirm = button(confirmLabel, {
      variant: danger ? 'danger' : 'primary',
      test: `${test}-ok`,
      onClick: () => {
        answer = true;
        dialog.close();
      },
    });
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': textId, dataset: { test } },
      h('h2', { id: titleId, class: 'dialog__title' }, title),
      h('p', { id: textId }, message),
      h('div', { class: 'dialog__actions' }, cancel, confirm));
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (returnTo && document.contains(returnTo)) returnTo.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice first
  });
}

/** Copies text to the clipboard; resolves true when it worked. */
export async function copyText(text, fallbackInput) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallbackInput) return false;
    fallbackInput.focus();
    fallbackInput.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

/**
 * A secret or link shown once: a read-only box with the value, a Copy button that says
 * "Copied" when it worked, and the words around it (label, warning).
 */
export function copyBox({ label, value, hint, test = 'copy' }) {
  const id = uid('copy');
  const hintId = hint ? `${id}-hint` : null;
  const input = h('input', { id, class: 'input input--mono', type: 'text', readonly: true, value, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': hintId, dataset: { test: `${test}-value` } });
  input.addEventListener('focus', () => input.select());
  const said = h('p', { class: 'copy__said', role: 'status', dataset: { test: `${test}-said` } });
  const btn = button('Copy', {
    variant: 'secondary',
    test: `${test}-button`,
    ariaLabel: `Copy ${label.toLowerCase()}`,
    onClick: async () => {
      const ok = await copyText(value, input);
      said.textContent = ok ? 'Copied.' : 'Copying did not work here: select the text and copy it yourself.';
    },
  });
  return h('div', { class: 'copy field', dataset: { test } },
    h('label', { class: 'field__label', for: id }, label),
    hint ? h('p', { class: 'field__hint', id: hintId }, hint) : null,
    h('div', { class: 'copy__row' }, input, btn),
    said);
}

let flash = null;

/** Keeps a message for the next page shown (after a navigation). */
export function setFlash({ tone = 'ok', title, detail }) {
  flash = { tone, title, detail };
}

/** The waiting message as a status element (once), or null. */
export function takeFlash({ test = 'flash' } = {}) {
  if (!flash) return null;
  const f = flash;
  flash = null;
  return statusMessage({ ...f, test });
}

// ---- dates -------------------------------------------------------------------------------

const DAY = 86_400_000;

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/**
 * An instant as people say it, in the reader's time zone: "just now", "5 minutes ago",
 * "today at 14:05", "yesterday at 09:12", "on Tuesday", "3 March", "3 March 2025".
 * Future instants: "tomorrow at 09:00", "on Friday", "3 March". null → fallback ("never").
 */
export function formatWhen(iso, { fallback = 'never', now = new Date() } = {}) {
  if (!iso) return fallback;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const time = d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  const days = Math.round((startOfDay(now) - startOfDay(d)) / DAY);
  const minutes = (now - d) / 60_000;
  if (minutes >= 0 && minutes < 1) return 'just now';
  if (minutes >= 1 && minutes < 60) return `${Math.floor(minutes)} minute${Math.floor(minutes) === 1 ? '' : 's'} ago`;
  if (days === 0) return `today at ${time}`;
  if (days === 1) return `yesterday at ${time}`;
  if (days === -1) return `tomorrow at ${time}`;
  if (Math.abs(days) < 7) return `on ${d.toLocaleDateString(undefined, { weekday: 'long' })}`;
  return formatDate(iso, { now });
}

/**
 * A moment in the future as people say it after "until" or "by": "today at 17:00",
 * "tomorrow at 09:00", "Friday at 09:00" (within a week), "3 March at 09:00".
 */
export function formatDeadline(iso, { now = new Date() } = {}) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const time = d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  const days = Math.round((startOfDay(d) - startOfDay(now)) / DAY);
  if (days === 0) return `today at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  if (days > 1 && days < 7) return `${d.toLocaleDateString(undefined, { weekday: 'long' })} at ${time}`;
  return `${formatDate(iso, { now })} at ${time}`;
}

/** A calendar date: "3 March" this year, "3 March 2025" otherwise. */
export function formatDate(iso, { now = new Date() } = {}) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const sameYear = d.getFullYear() === now.getFullYear();
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: sameYear ? undefined : 'numeric' });
}

/** A <time> element showing formatWhen(), with the exact instant as its tooltip. */
export function timeEl(iso, options) {
  if (!iso) return options?.fallback ?? 'never';
  const d = new Date(iso);
  return h('time', { datetime: iso, title: Number.isNaN(d.getTime()) ? undefined : d.toLocaleString() }, formatWhen(iso, options));
}

// ---- modal panels and toasts ---------------------------------------------------------------

/**
 * A modal <dialog> around any content (a form, a list of changes): the browser keeps focus
 * inside it. content(close) returns its nodes. beforeCancel() is asked before Escape closes
 * it (resolve false to keep it open, e.g. when closing would lose what was typed).
 * onClose() runs after it closed; focus then returns to where it was, unless returnFocus is
 * false (the caller moves it, e.g. to a card that was re-rendered). Focus starts on
 * initialFocus(dialog) when given, else on the first field or button after the title.
 * Returns { el, close() }.
 */
export function modalDialog({ title, content, test = 'dialog', wide = false, beforeCancel, onClose, returnFocus = true, initialFocus }) {
  const returnTo = document.activeElement;
  const titleId = uid('dialog-title');
  let closed = false;
  const dialog = h('dialog', { class: wide ? 'dialog dialog--wide' : 'dialog', 'aria-labelledby': titleId, dataset: { test } },
    h('h2', { id: titleId, class: 'dialog__title' }, title));
  const close = () => {
    if (!closed) dialog.close();
  };
  append(dialog, [content(close)]);
  dialog.addEventListener('cancel', (e) => {
    if (!beforeCancel) return;
    e.preventDefault();
    Promise.resolve(beforeCancel()).then((ok) => {
      if (ok) close();
    });
  });
  dialog.addEventListener('close', () => {
    closed = true;
    dialog.remove();
    onClose?.();
    if (returnFocus && returnTo && document.contains(returnTo)) returnTo.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  const first = initialFocus ? initialFocus(dialog) : dialog.querySelector('input, select, textarea, button, [href], [tabindex="0"]');
  first?.focus();
  return { el: dialog, close };
}

let toastRegion = null;
let toastTimer = null;

/**
 * A short message at the foot of the screen after an action ("Published version 2"), read
 * out politely by screen readers. It stays 8 seconds (or until its Close button); what it
 * says must also be visible on the page itself, so nothing is lost when it goes.
 */
export function toast(message, { tone = 'ok', test = 'toast', duration = 8000 } = {}) {
  if (!toastRegion || !document.contains(toastRegion)) {
    toastRegion = h('div', { class: 'toast-region', role: 'status', 'aria-live': 'polite', dataset: { test: 'toast-region' } });
    document.body.append(toastRegion);
  }
  clearTimeout(toastTimer);
  const hide = () => toastRegion.replaceChildren();
  const show = () => {
    toastRegion.replaceChildren(h('div', { class: `toast toast--${tone}`, dataset: { test } },
      h('p', { class: 'toast__text', dataset: { test: `${test}-text` } }, message),
      h('button', { type: 'button', class: 'toast__close', 'aria-label': 'Close the message', onclick: hide }, h('span', { 'aria-hidden': 'true' }, '×'))));
    toastTimer = setTimeout(hide, duration);
  };
  // A region that has just been added is not yet watched by screen readers: fill it a
  // moment later so the words are announced.
  if (toastRegion.childNodes.length === 0) setTimeout(show, 50);
  else show();
}
