// pages/home.js — the home page. For a visitor: what Waymark is, whether its server is
// working, and the way to sign in. For someone signed in: a greeting and where to go next,
// as cards for the places their role opens.

import { get } from '../api.js';
import { canManagePeople, canSeePeople } from '../session.js';
import { button, card, h, linkButton, pageHeader, statusMessage, takeFlash } from '../ui.js';

function signedInHome({ outlet, session }) {
  const { user, tenant } = session;
  const first = (user.name || '').trim().split(/\s+/)[0] || user.email;
  const places = [];
  if (canSeePeople(session)) {
    places.push(card({ title: 'People', test: 'home-people' },
      h('p', {}, canManagePeople(session)
        ? 'Add people, import a list, and keep roles and reporting lines up to date.'
        : 'See the people you work with, their roles and who they report to.'),
      linkButton('/people', canManagePeople(session) ? 'Manage people' : 'See people', { test: 'home-people-link' })));
  }
  places.push(card({ title: 'Your profile', test: 'home-profile' },
    h('p', {}, 'Change your password, and create keys for tools that use Waymark on your behalf.'),
    linkButton('/profile', 'Open your profile', { variant: canSeePeople(session) ? 'secondary' : 'primary', test: 'home-profile-link' })));

  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'home-signed-in' } },
      pageHeader({
        title: `Hello, ${first}`,
        lead: tenant?.name ? `You are signed in to ${tenant.name}. Where would you like to go?` : 'Where would you like to go?',
      }),
      takeFlash(),
      h('div', { class: 'card-grid' }, places)));
}

export function homePage({ outlet, signal, session }) {
  if (session) return signedInHome({ outlet, session });

  const health = statusMessage({ tone: 'loading', title: 'Checking the server…', test: 'health-status' });

  async function check() {
    statusMessage({ el: health, tone: 'loading', title: 'Checking the server…', test: 'health-status' });
    try {
      const body = await get('/healthz', { signal, session: false });
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
      takeFlash(),
      h('p', {}, linkButton('/signin', 'Sign in', { test: 'home-signin' })),
      card({ title: 'Server status', test: 'health-card' }, health),
      h('ol', { class: 'steps', 'aria-label': 'How it works' },
        h('li', {}, h('span', { class: 'steps__label' }, 'Design'), h('span', {}, 'Set the outcome and the steps that lead to it.')),
        h('li', {}, h('span', { class: 'steps__label' }, 'Practise'), h('span', {}, 'People get one clear next step at a time, on the job.')),
        h('li', {}, h('span', { class: 'steps__label' }, 'Measure'), h('span', {}, 'See whether behaviour really changed, and what it was worth.')))));
  return check();
}
