// pages/not-found.js — shown for any address the app does not know.

import { h, pageHeader } from '../ui.js';

export function notFoundPage({ outlet, path }) {
  outlet.append(
    h('div', { dataset: { test: 'not-found' } },
      pageHeader({ title: 'Page not found', test: 'page-title' }),
      h('p', {}, 'There is no page at ', h('code', { dataset: { test: 'not-found-path' } }, path), '. It may have moved, or the link may be mistyped.'),
      h('p', {}, h('a', { href: '/', dataset: { test: 'home-link' } }, 'Go to the home page'))));
}
