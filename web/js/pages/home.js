// pages/home.js — the public home page: what Waymark is, and whether its server is working.

import { get } from '../api.js';
import { button, card, h, pageHeader, statusMessage } from '../ui.js';

export function homePage({ outlet, signal }) {
  const health = statusMessage({ tone: 'loading', title: 'Checking the server…', test: 'health-status' });

  async function check() {
    statusMessage({ el: health, tone: 'loading', title: 'Checking the server…', test: 'health-status' });
    try {
      const body = await get('/healthz', { signal });
      if (body?.status !== 'ok') throw new Error('The server did not say it was working.');
      statusMessage({
        el: health,
        tone: 'ok',
        title: 'All systems working',
        detail: 'The server and its database are answering.',
        test: 'health-status',
      });
    } catch (err) {
      if (err.name === 'AbortError') return;
      statusMessage({
        el: health,
        tone: 'error',
        title: 'Waymark is not working right now',
        detail: err.message,
        action: button('Check again', { variant: 'secondary', test: 'health-retry', onClick: check }),
        test: 'health-status',
      });
    }
  }

  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'home' } },
      pageHeader({
        title: 'Learning that changes what people do',
        lead: 'Waymark guides people through small, spaced activities — learn, try it, practise, reflect — ' +
          'and keeps their managers involved until the new way of working sticks.',
      }),
      card({ title: 'Server status', test: 'health-card' }, health),
      h('ol', { class: 'steps', 'aria-label': 'How it works' },
        h('li', {}, h('span', { class: 'steps__label' }, 'Design'), h('span', {}, 'Set the outcome and the steps that lead to it.')),
        h('li', {}, h('span', { class: 'steps__label' }, 'Practise'), h('span', {}, 'People get one clear next step at a time, on the job.')),
        h('li', {}, h('span', { class: 'steps__label' }, 'Measure'), h('span', {}, 'See whether behaviour really changed, and what it was worth.')))));
  return check();
}
