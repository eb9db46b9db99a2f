// pages/profile.js — your own account: your details, changing your password, and API
// tokens for scripts and tools.
//
// Details are read-only here (an administrator changes them). The password form asks for
// the current password and the new one twice; a mismatch is caught before sending. API
// tokens are listed with when they were made and last used; a new token is shown once,
// with a Copy button and the warning that Waymark will not show it again (the server
// stores only its hash). Revoking asks first, since a script using the token stops
// working at once.

import { del, get, post } from '../api.js';
import { rolesInWords } from '../people-data.js';
import {
  button, card, confirmDialog, copyBox, dataTable, emptyState, errorState, errorSummary, field, h, loadingState,
  pageHeader, showFormErrors, statusMessage, timeEl, whileBusy,
} from '../ui.js';

const PASSWORD_MIN = 10;

function detailsCard(session) {
  const { user, tenant } = session;
  const rows = [
    ['Name', user.name],
    ['Email', user.email],
    ['Organisation', tenant?.name],
    ['Roles', rolesInWords(user.roles) + (session.is_manager ? ', Manager' : '')],
    ['Job title', user.job_title],
    ['Department', user.department],
  ];
  return card({ title: 'Your details', test: 'profile-details' },
    h('dl', { class: 'details' }, rows.map(([term, value]) => [
      h('dt', {}, term),
      h('dd', {}, value ? value : h('span', { class: 'muted' }, '—')),
    ])),
    h('p', { class: 'muted' }, 'To change these, ask an administrator.'));
}

function passwordCard() {
  const current = field({ label: 'Current password', name: 'current_password', type: 'password', attrs: { autocomplete: 'current-password' } });
  const next = field({
    label: 'New password',
    name: 'new_password',
    type: 'password',
    hint: `At least ${PASSWORD_MIN} characters. A few unrelated words you will remember make a strong password.`,
    attrs: { autocomplete: 'new-password' },
  });
  const again = field({ label: 'Type the new password again', name: 'new_password_again', type: 'password', attrs: { autocomplete: 'new-password' } });
  const fields = [current, next, again];
  const summary = errorSummary({ test: 'password-errors' });
  const done = h('div', { dataset: { test: 'password-result' } });
  const submit = button('Change password', { type: 'submit', test: 'password-submit' });
  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'password-form' } },
    summary.el, current.el, next.el, again.el, h('div', { class: 'form__actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    done.replaceChildren();
    const problems = [];
    if (!current.value()) problems.push({ field: 'current_password', message: 'Enter your current password' });
    if ([...next.value()].length < PASSWORD_MIN) problems.push({ field: 'new_password', message: `Use at least ${PASSWORD_MIN} characters` });
    else if (next.value() === current.value()) problems.push({ field: 'new_password', message: 'Choose a password different from your current one' });
    if (next.value() !== again.value()) problems.push({ field: 'new_password_again', message: 'The two new passwords are not the same' });
    if (problems.length) {
      showFormErrors(summary, fields, { message: 'Please check the passwords', details: problems });
      return;
    }
    await whileBusy(submit, 'Changing…', async () => {
      try {
        await post('/api/v1/me/password', { current_password: current.value(), new_password: next.value() });
      } catch (err) {
        if (err.name === 'AbortError') return;
        showFormErrors(summary, fields, err, { heading: 'Your password was not changed' });
        return;
      }
      for (const f of fields) {
        f.setError(null);
        f.input.value = '';
      }
      done.replaceChildren(statusMessage({ tone: 'ok', role: 'alert', title: 'Your password is changed', detail: 'Use the new one next time you sign in.', test: 'password-changed' }));
    });
  });

  return card({ title: 'Change your password', test: 'profile-password' }, done, form);
}

function tokensCard(signal) {
  const list = h('div', { dataset: { test: 'tokens-list' } });
  const notice = h('div', { class: 'notice-area', dataset: { test: 'tokens-notice' } });
  const name = field({ label: 'Name of the new token', name: 'name', hint: 'Say what will use it, so you know which to revoke later — for example “Weekly report script”.', attrs: { autocomplete: 'off', maxlength: '100' }, test: 'token-name' });
  const summary = errorSummary({ test: 'token-errors' });
  const create = button('Create token', { type: 'submit', test: 'token-create' });
  const form = h('form', { class: 'form form--inline', novalidate: true, dataset: { test: 'token-form' }, 'aria-labelledby': 'token-form-title' },
    h('h3', { id: 'token-form-title', class: 'form__title' }, 'Create a token'),
    summary.el, name.el, h('div', { class: 'form__actions' }, create));

  async function revoke(token) {
    const ok = await confirmDialog({
      title: `Revoke “${token.name}”?`,
      message: 'Anything using this token stops working at once. This cannot be undone; you can create a new token instead.',
      confirmLabel: 'Revoke',
      danger: true,
      test: 'confirm-revoke',
    });
    if (!ok) return;
    try {
      await del(`/api/v1/me/tokens/${encodeURIComponent(token.id)}`);
    } catch (err) {
      if (err.name === 'AbortError') return;
      notice.replaceChildren(errorState(err, { title: `“${token.name}” could not be revoked`, test: 'tokens-status' }));
      return;
    }
    notice.replaceChildren(statusMessage({ tone: 'ok', title: `“${token.name}” is revoked.`, detail: 'It no longer works.', test: 'tokens-status' }));
    await load();
    notice.querySelector('[role="status"]')?.setAttribute('tabindex', '-1');
    notice.querySelector('[role="status"]')?.focus();
  }

  async function load() {
    list.replaceChildren(loadingState('Loading your tokens…', { test: 'tokens-loading' }));
    let res;
    try {
      res = await get('/api/v1/me/tokens', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      list.replaceChildren(errorState(err, { title: 'Waymark could not load your tokens', retry: load, test: 'tokens-error' }));
      return;
    }
    const items = res?.items || [];
    if (!items.length) {
      list.replaceChildren(emptyState({ title: 'You have no API tokens', detail: 'Create one below when a script or tool needs to use Waymark as you.', test: 'tokens-empty' }));
      return;
    }
    list.replaceChildren(dataTable({
      caption: 'Your API tokens',
      captionHidden: true,
      columns: [
        { label: 'Name', cell: (t) => h('span', { dataset: { test: 'token-name-cell' } }, t.name) },
        { label: 'Created', cell: (t) => timeEl(t.created_at, { fallback: '—' }) },
        { label: 'Last used', cell: (t) => timeEl(t.last_used_at, { fallback: 'never' }) },
        {
          label: 'Actions',
          class: 'col-actions',
          cell: (t) => button('Revoke', { variant: 'secondary', size: 'small', test: 'token-revoke', ariaLabel: `Revoke ${t.name}`, onClick: () => revoke(t) }),
        },
      ],
      rows: items,
      test: 'tokens-table',
      rowTest: () => 'token-row',
    }));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    if (!name.value().trim()) {
      showFormErrors(summary, [name], { message: 'Please name the token', details: [{ field: 'name', message: 'Enter a name for the token' }] });
      return;
    }
    await whileBusy(create, 'Creating…', async () => {
      let made;
      try {
        made = await post('/api/v1/me/tokens', { name: name.value().trim() });
      } catch (err) {
        if (err.name === 'AbortError') return;
        showFormErrors(summary, [name], err, { heading: 'The token was not created' });
        return;
      }
      name.setError(null);
      name.input.value = '';
      const shown = h('div', { class: 'secret', dataset: { test: 'token-new' }, tabindex: '-1' },
        h('h3', {}, `Your new token “${made.name || 'token'}”`),
        h('p', { class: 'warning', dataset: { test: 'token-warning' } }, h('strong', {}, 'Copy it now. '), 'Waymark will not show it again. Keep it as secret as a password: anyone who has it can use Waymark as you.'),
        copyBox({ label: 'Token', value: made.token, test: 'token-value', hint: 'Send it in the Authorization header as: Bearer followed by the token.' }),
        button('I have copied it', {
          variant: 'secondary',
          test: 'token-done',
          onClick: () => {
            notice.replaceChildren();
            name.focus();
          },
        }));
      notice.replaceChildren(shown);
      shown.focus();
      await load();
    });
  });

  load();
  return card({ title: 'API tokens', test: 'profile-tokens', lead: 'Tokens let scripts and other tools use Waymark’s API as you, without your password. Revoke any you no longer use.' },
    notice, list, form);
}

export function profilePage({ outlet, session, signal }) {
  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'profile' } },
      pageHeader({ title: 'Your profile', lead: `Signed in as ${session.user.email}.` }),
      detailsCard(session),
      passwordCard(),
      tokensCard(signal)));
}
