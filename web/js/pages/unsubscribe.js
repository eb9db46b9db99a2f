// pages/unsubscribe.js — the one-click unsubscribe page (/unsubscribe#<token>), linked at
// the foot of every email Waymark sends. It works signed out: the token in the address is
// the credential (docs/notifications.md, "One-click unsubscribe").
//
// The token sits after the # so it never reaches a server log or a Referer header. The
// page asks first what the link stops (GET /api/v1/unsubscribe/{token} → {kind, name}) and
// says it in words — "Stop reminder emails to Ana?" — with one button that stops them
// (POST, no CSRF token needed). Then it confirms, and says how to turn them on again. An
// unknown or mistyped link, and the emails that cannot be turned off (invitations and
// password resets, 409), each get their own plain explanation.

import { get, post } from '../api.js';
import { kindNoun } from '../notification-data.js';
import { currentSession } from '../session.js';
import { button, errorState, h, linkButton, loadingState, pageHeader, statusMessage, whileBusy } from '../ui.js';

const TOKEN = /^[A-Za-z0-9_.~-]{8,200}$/;

/** The token from "#abc", "#token=abc" or "#/abc"; null when there is none that fits. */
export function tokenFromHash(hash) {
  let t = String(hash || '').replace(/^#\/?/, '');
  if (t.startsWith('token=')) t = t.slice(6);
  try {
    t = decodeURIComponent(t);
  } catch {
    return null;
  }
  return TOKEN.test(t) ? t : null;
}

function nextSteps() {
  return currentSession()
    ? linkButton('/profile#notifications', 'Choose which emails you get', { variant: 'secondary', test: 'unsubscribe-profile' })
    : linkButton('/signin?next=%2Fprofile', 'Sign in to choose which emails you get', { variant: 'secondary', test: 'unsubscribe-signin' });
}

export function unsubscribePage({ outlet, signal }) {
  const box = h('div', { class: 'stack narrow unsubscribe', dataset: { test: 'unsubscribe' } });
  outlet.append(box);
  const token = tokenFromHash(window.location.hash);

  function broken(title, detail, test) {
    box.replaceChildren(
      pageHeader({ title }),
      h('div', { dataset: { test } },
        h('p', {}, detail),
        h('p', {}, nextSteps())));
  }

  if (!token) {
    broken('This unsubscribe link is not complete',
      'The address is missing part of its code. Open the link from the email again, or copy all of it into the address bar.',
      'unsubscribe-no-token');
    return undefined;
  }

  function confirmed(kind, name) {
    const msg = statusMessage({
      tone: 'ok',
      role: 'alert',
      title: `Waymark will no longer send ${kindNoun(kind)} emails${name ? ` to ${name}` : ''}.`,
      detail: 'You still see these in Waymark’s notifications when you sign in. You can turn the emails on again in your profile.',
      test: 'unsubscribe-done',
    });
    box.replaceChildren(pageHeader({ title: 'You have unsubscribed' }), msg, h('p', {}, nextSteps()));
    msg.setAttribute('tabindex', '-1');
    msg.focus();
  }

  function failed(err, { title, retry }) {
    if (err.status === 404) {
      broken('This unsubscribe link does not work',
        'Waymark does not know this link. It may have been mistyped or cut short; open it again from the email. You can also choose which emails you get in your profile.',
        'unsubscribe-unknown');
    } else if (err.status === 409) {
      broken('These emails cannot be turned off',
        'This link belongs to an invitation or a password reset. Waymark sends those only when someone asks for them, so there is nothing to unsubscribe from.',
        'unsubscribe-not-allowed');
    } else {
      box.replaceChildren(pageHeader({ title: 'Unsubscribe' }), errorState(err, { title, retry, test: 'unsubscribe-error' }));
    }
  }

  async function load() {
    box.replaceChildren(pageHeader({ title: 'Unsubscribe' }), loadingState('Checking the link…', { test: 'unsubscribe-loading' }));
    let what;
    try {
      what = await get(`/api/v1/unsubscribe/${encodeURIComponent(token)}`, { signal, session: false });
    } catch (err) {
      if (err.name === 'AbortError') return;
      failed(err, { title: 'Waymark could not check this link', retry: load });
      return;
    }
    const noun = kindNoun(what?.kind);
    const name = what?.name || '';
    const stop = button(`Stop ${noun} emails`, {
      test: 'unsubscribe-confirm',
      onClick: () => whileBusy(stop, 'Stopping…', async () => {
        let res;
        try {
          res = await post(`/api/v1/unsubscribe/${encodeURIComponent(token)}`, undefined, { signal, session: false });
        } catch (err) {
          if (err.name === 'AbortError') return;
          failed(err, { title: 'The emails were not stopped', retry: load });
          return;
        }
        confirmed(res?.kind || what.kind, name);
      }),
    });
    box.replaceChildren(
      pageHeader({
        title: `Stop ${noun} emails${name ? ` to ${name}` : ''}?`,
        lead: 'Waymark will stop emailing these. You still see them in Waymark’s notifications, and every other email stays as it is.',
      }),
      h('div', { class: 'form__actions', dataset: { test: 'unsubscribe-ask' } }, stop));
  }
  return load();
}
