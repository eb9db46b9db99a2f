// pages/welcome.js — choosing a password from a one-time link (an invitation or a reset).
//
// The link is /welcome#token=…: the token travels in the fragment, which browsers never
// send to a server or in a Referer. It is read once, then removed from the address bar
// and kept only in this page's memory, so it does not stay in the browser's history. The
// person types the new password twice (checked here, so a typo is caught before the link
// is spent); POST /api/v1/auth/accept sets it, and the sign-in page then says it worked.

import { post } from '../api.js';
import { setFlash, button, errorSummary, field, h, linkButton, pageHeader, showFormErrors, statusMessage, whileBusy } from '../ui.js';

const PASSWORD_MIN = 10;

/** Reads token=… from the fragment and removes the fragment from the address bar. */
function takeToken() {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (window.location.hash) history.replaceState(history.state, '', window.location.pathname + window.location.search);
  return token;
}

export function welcomePage({ outlet, router }) {
  const token = takeToken();
  const header = pageHeader({
    title: 'Choose your password',
    lead: 'You will use it with your email address to sign in to Waymark.',
  });

  if (!token) {
    outlet.append(h('div', { class: 'narrow', dataset: { test: 'welcome' } },
      header,
      statusMessage({
        tone: 'info',
        title: 'Open the link from your invitation',
        detail: 'This page needs the link your administrator sent you. If you opened it already, or it is older than its time limit, ask them for a new one.',
        test: 'welcome-no-token',
      }),
      linkButton('/signin', 'Go to sign in', { variant: 'secondary' })));
    return;
  }

  const password = field({
    label: 'New password',
    name: 'password',
    type: 'password',
    hint: `At least ${PASSWORD_MIN} characters. A few unrelated words you will remember make a strong password.`,
    attrs: { autocomplete: 'new-password' },
  });
  const again = field({ label: 'Type the password again', name: 'password_again', type: 'password', attrs: { autocomplete: 'new-password' } });
  const fields = [password, again];
  const summary = errorSummary({ test: 'welcome-errors' });
  const submit = button('Set my password', { type: 'submit', test: 'welcome-submit' });
  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'welcome-form' } },
    summary.el, password.el, again.el, h('div', { class: 'form__actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    const problems = [];
    if ([...password.value()].length < PASSWORD_MIN) problems.push({ field: 'password', message: `Use at least ${PASSWORD_MIN} characters` });
    if (password.value() !== again.value()) problems.push({ field: 'password_again', message: 'The two passwords are not the same' });
    if (problems.length) {
      showFormErrors(summary, fields, { message: 'Please check your new password', details: problems });
      return;
    }
    await whileBusy(submit, 'Saving…', async () => {
      try {
        await post('/api/v1/auth/accept', { token, password: password.value() }, { session: false });
      } catch (err) {
        if (err.details?.length) {
          showFormErrors(summary, fields, err, { heading: 'Please choose another password' });
        } else {
          showFormErrors(summary, fields, {
            message: err.status === 0 ? err.message : `${err.message} If the link was used already or is too old, ask your administrator for a new one.`,
          }, { heading: 'Your password was not set' });
        }
        return;
      }
      setFlash({ tone: 'ok', title: 'Your password is set', detail: 'Sign in with your email address and your new password.' });
      router.navigate('/signin', { replace: true });
    });
  });

  outlet.append(h('div', { class: 'narrow', dataset: { test: 'welcome' } },
    header,
    h('div', { class: 'card card--form' }, form)));
}
