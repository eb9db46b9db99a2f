// pages/signin.js — signing in with email and password.
//
// Anyone sent here by a page that needs a session arrives with ?next=<that page> and goes
// back there afterwards (only to paths inside this app: safeNext). The server's answers
// shape the page: 401 shows its one message for a wrong email or password (it never says
// which), 429 says when to try again (Retry-After), and a 422 naming the `tenant` field
// means the email is in several organisations: the organisation field appears, with the
// email and password kept, so the person only adds the organisation's short name.
// ?tenant=slug fills that field in advance (links from an organisation's own pages).

import { safeNext, signIn } from '../session.js';
import { button, errorSummary, field, h, pageHeader, showFormErrors, takeFlash, whileBusy } from '../ui.js';

/** "in 3 minutes", "in 40 seconds", "in about 2 hours" */
function inWords(seconds) {
  if (seconds === null || seconds === undefined) return 'in a few minutes';
  if (seconds < 60) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `in about ${Math.round(minutes / 60)} hours`;
}

export function signInPage({ outlet, router, query }) {
  const next = safeNext(query.get('next'));
  const email = field({ label: 'Email address', name: 'email', type: 'email', attrs: { autocomplete: 'username', spellcheck: 'false', autocapitalize: 'none' } });
  const password = field({ label: 'Password', name: 'password', type: 'password', attrs: { autocomplete: 'current-password' } });
  const tenant = field({
    label: 'Organisation',
    name: 'tenant',
    value: query.get('tenant') || '',
    hint: 'Your email address is used in more than one organisation. Type the short name of the one you want, for example “acme”. Your administrator can tell you.',
    attrs: { autocomplete: 'organization', spellcheck: 'false', autocapitalize: 'none' },
  });
  tenant.el.hidden = !query.get('tenant');
  const fields = [email, password, tenant];
  const summary = errorSummary({ test: 'signin-errors' });
  const submit = button('Sign in', { type: 'submit', test: 'signin-submit' });

  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'signin-form' }, 'aria-labelledby': 'signin-heading' },
    summary.el, email.el, password.el, tenant.el,
    h('div', { class: 'form__actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    const missing = [];
    if (!email.value().trim()) missing.push({ field: 'email', message: 'Enter your email address' });
    if (!password.value()) missing.push({ field: 'password', message: 'Enter your password' });
    if (!tenant.el.hidden && !tenant.value().trim()) missing.push({ field: 'tenant', message: 'Enter your organisation’s short name' });
    if (missing.length) {
      showFormErrors(summary, fields, { message: 'Please fill in the missing details', details: missing });
      return;
    }
    await whileBusy(submit, 'Signing in…', async () => {
      try {
        await signIn({ email: email.value().trim(), password: password.value(), tenant: tenant.el.hidden ? undefined : tenant.value().trim() });
      } catch (err) {
        if (err.status === 429) {
          showFormErrors(summary, fields, { message: err.retryAfter !== null ? `Too many attempts to sign in. Please try again ${inWords(err.retryAfter)}.` : err.message }, { heading: 'Please wait before trying again' });
          return;
        }
        if (err.status === 422 && err.details?.some((d) => d.field === 'tenant')) {
          const wasHidden = tenant.el.hidden;
          tenant.el.hidden = false;
          if (wasHidden) {
            // The first time, this is a question, not a mistake: ask for the organisation.
            for (const f of fields) f.setError(null);
            summary.clear();
            tenant.setError(null);
            tenant.focus();
            return;
          }
        }
        if (err.status === 401) {
          password.input.value = '';
          showFormErrors(summary, fields, { message: err.message || 'Email or password is not right.' }, { heading: 'Waymark could not sign you in' });
          return;
        }
        showFormErrors(summary, fields, err, { heading: err.details?.length ? 'Please check your details' : 'Waymark could not sign you in' });
        return;
      }
      router.navigate(next || '/', { replace: true });
    });
  });

  outlet.append(
    h('div', { class: 'narrow', dataset: { test: 'signin' } },
      pageHeader({ title: 'Sign in', lead: next ? 'Sign in to carry on where you were.' : 'Sign in with the email address and password you use at work.' }),
      takeFlash(),
      h('div', { class: 'card card--form' },
        h('h2', { class: 'visually-hidden', id: 'signin-heading' }, 'Your sign-in details'),
        form),
      h('p', { class: 'muted' }, 'Forgotten your password, or never set one? Ask your administrator for a new link.')));
}
