// markdown-preview.js — a Markdown textarea with "Write" and "Preview" tabs.
//
// The preview is what learners will see: the server renders it (POST
// /api/v1/markdown/preview → {html}, sanitised there) and only that answer is ever put on
// the page as HTML. The server drops any HTML typed into the Markdown (<script>, <b>…), so
// the preview says which tags learners will not see, as text, rather than letting them
// vanish without a word. It goes through an inert <template> first, and anything that could run
// (scripts, event attributes, javascript: links) is dropped again here, as a second fence.
// Everything else on the page keeps to textContent (ui.js h()).
//
// The tabs follow the ARIA tabs pattern: Left/Right arrows (and Home/End) move between
// them, the chosen tab is the one in the Tab order, and each panel is labelled by its tab.

import { post } from './api.js';
import { h, statusMessage, uid } from './ui.js';

const DROP = 'script, style, iframe, frame, object, embed, link, meta, base, form, input, button, textarea, select';

/** The server's sanitised HTML as a fragment, with anything executable removed again. */
export function safeFragment(html) {
  const template = document.createElement('template');
  template.innerHTML = String(html ?? '');
  const fragment = template.content;
  fragment.querySelectorAll(DROP).forEach((el) => el.remove());
  for (const el of fragment.querySelectorAll('*')) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      if (name.startsWith('on') || name === 'style' || name === 'srcdoc' ||
        (['href', 'src', 'xlink:href', 'action', 'formaction'].includes(name) && /^(javascript|vbscript|data):/.test(value))) {
        el.removeAttribute(attr.name);
      }
    }
    if (el.tagName === 'A') {
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer');
    }
  }
  return fragment;
}

/** The HTML tags in some Markdown (outside code), which the server leaves out: up to 5. */
function htmlTags(markdown) {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const found = prose.match(/<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?>/gi) || [];
  return [...new Set(found)].slice(0, 5);
}

/**
 * Turns a textarea field (ui.js field({ type: 'textarea' })) into a Write/Preview pair, in
 * place. Returns { showWrite(), showPreview(), refresh() }. test prefixes the data-test
 * names: `${test}-write`, `${test}-preview` (tabs) and `${test}-preview-panel`.
 */
export function markdownTabs(fieldObj, { test = 'markdown', signal, label = 'Instructions' } = {}) {
  const textarea = fieldObj.input;
  const base = uid('md');
  const writeTab = h('button', {
    type: 'button', role: 'tab', id: `${base}-write-tab`, 'aria-controls': `${base}-write`, 'aria-selected': 'true', tabindex: '0',
    class: 'tabs__tab', dataset: { test: `${test}-write` },
  }, 'Write');
  const previewTab = h('button', {
    type: 'button', role: 'tab', id: `${base}-preview-tab`, 'aria-controls': `${base}-preview`, 'aria-selected': 'false', tabindex: '-1',
    class: 'tabs__tab', dataset: { test: `${test}-preview` },
  }, 'Preview');
  const tablist = h('div', { role: 'tablist', class: 'tabs__list', 'aria-label': `${label}: write or preview` }, writeTab, previewTab);
  const writePanel = h('div', { role: 'tabpanel', id: `${base}-write`, 'aria-labelledby': writeTab.id, class: 'tabs__panel' });
  const body = h('div', { class: 'markdown', dataset: { test: `${test}-preview-body` } });
  const previewPanel = h('div', {
    role: 'tabpanel', id: `${base}-preview`, 'aria-labelledby': previewTab.id, class: 'tabs__panel tabs__panel--preview', tabindex: '0', hidden: true,
    dataset: { test: `${test}-preview-panel` },
  }, body);
  const wrap = h('div', { class: 'tabs' }, tablist, writePanel, previewPanel);
  textarea.replaceWith(wrap);
  writePanel.append(textarea);
  let asked = 0;

  function select(which, { focus = false } = {}) {
    const preview = which === 'preview';
    writeTab.setAttribute('aria-selected', String(!preview));
    previewTab.setAttribute('aria-selected', String(preview));
    writeTab.tabIndex = preview ? -1 : 0;
    previewTab.tabIndex = preview ? 0 : -1;
    writePanel.hidden = preview;
    previewPanel.hidden = !preview;
    if (focus) (preview ? previewTab : writeTab).focus();
    if (preview) refresh();
  }

  async function refresh() {
    const mine = ++asked;
    const markdown = textarea.value;
    if (!markdown.trim()) {
      body.replaceChildren(h('p', { class: 'muted' }, 'Nothing to preview yet. Write the instructions first.'));
      return;
    }
    previewPanel.setAttribute('aria-busy', 'true');
    body.replaceChildren(statusMessage({ tone: 'loading', title: 'Preparing the preview…', test: `${test}-preview-loading` }));
    try {
      const res = await post('/api/v1/markdown/preview', { markdown }, { signal });
      if (mine !== asked) return;
      body.replaceChildren(safeFragment(res?.html));
      const tags = htmlTags(markdown);
      if (tags.length) {
        body.append(h('p', { class: 'markdown__note', dataset: { test: `${test}-preview-html-note` } },
          'Learners will not see the HTML you typed — ', tags.map((t, i) => [i ? ', ' : '', h('code', {}, t)]),
          ' — only Markdown is shown. To show such text as it is, put it between backticks: `like this`.'));
      }
    } catch (err) {
      if (err.name === 'AbortError' || mine !== asked) return;
      body.replaceChildren(statusMessage({
        tone: 'error',
        title: 'The preview could not be shown',
        detail: err.status === 0 ? 'Waymark could not reach its server. What you wrote is kept; try again.' : err.message,
        test: `${test}-preview-error`,
      }));
    } finally {
      if (mine === asked) previewPanel.removeAttribute('aria-busy');
    }
  }

  writeTab.addEventListener('click', () => select('write'));
  previewTab.addEventListener('click', () => select('preview'));
  tablist.addEventListener('keydown', (e) => {
    const keys = { ArrowLeft: 'write', ArrowRight: 'preview', Home: 'write', End: 'preview' };
    if (!(e.key in keys)) return;
    e.preventDefault();
    const current = previewTab.getAttribute('aria-selected') === 'true' ? 'preview' : 'write';
    let next = keys[e.key];
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') next = current === 'write' ? 'preview' : 'write';
    select(next, { focus: true });
  });

  return {
    showWrite: () => select('write'),
    showPreview: () => select('preview'),
    refresh,
  };
}
