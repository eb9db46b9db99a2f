// pages/profile.js — your own account: your details, your calendar feed, changing your
// password, and API tokens for scripts and tools.
//
// The calendar feed is a secret link (GET/POST/DELETE /api/v1/me/calendar) a calendar app
// subscribes to; it is shown once, when made, with a Copy button and the warning that it is
// secret. Making a new one, or turning it off, asks first: the old link stops working.
//
// Details are read-only here (an administrator changes them). The password form asks for
// the current password and the new one twice; a mismatch is caught before sending. API
// tokens are listed with when they were made and last used; a new token is shown once,
// with a Copy button and the warning that Waymark will not show it again (the server
// stores only its hash). Revoking asks first, since a script using the token stops
// working at once.
//
// Notifications (GET/PATCH /api/v1/me/notification-preferences): which notices Waymark
// also emails (the in-app ones always come), the day of a manager's weekly summary, and
// quiet hours during which emails wait. Only what changed is sent; the server's 422
// details go beside their fields. Until the first save the choices are the
// organisation's defaults, and the card says so.

import { del, get, patch, post } from '../api.js';
import { DAYS, PREF_KINDS, emailKindsField, mapDetails, quietHoursField } from '../notification-data.js';
import { rolesInWords } from '../people-data.js';
import { hasRole } from '../session.js';
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

function calendarCard(signal) {
  const state = h('div', { dataset: { test: 'calendar-state' } });
  const notice = h('div', { class: 'notice-area', dataset: { test: 'calendar-notice' } });

  async function create(btn, { replacing }) {
    if (replacing) {
      const ok = await confirmDialog({
        title: 'Make a new calendar link?',
        message: 'The link you use now stops working: calendars that use it stop updating until you give them the new one.',
        confirmLabel: 'Make a new link',
        test: 'confirm-calendar-replace',
      });
      if (!ok) return;
    }
    await whileBusy(btn, 'Creating…', async () => {
      let made;
      try {
        made = await post('/api/v1/me/calendar', undefined, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        notice.replaceChildren(errorState(err, { title: 'The calendar link was not created', test: 'calendar-error' }));
        return;
      }
      const url = `${window.location.origin}${made.url}`;
      const shown = h('div', { class: 'secret', dataset: { test: 'calendar-new' }, tabindex: '-1' },
        h('h3', {}, 'Your calendar link'),
        h('p', { class: 'warning', dataset: { test: 'calendar-warning' } }, h('strong', {}, 'Keep it secret. '),
          'Anyone who has this link can see the titles and due dates of your activities. Waymark shows it only now: copy it into your calendar app (“Add calendar from URL” or “Subscribe”).'),
        copyBox({ label: 'Calendar link', value: url, test: 'calendar-url' }),
        button('I have copied it', {
          variant: 'secondary',
          test: 'calendar-done',
          onClick: () => {
            notice.replaceChildren();
            state.querySelector('button')?.focus();
          },
        }));
      notice.replaceChildren(shown);
      await load();
      shown.focus();
    });
  }

  async function revoke(btn) {
    const ok = await confirmDialog({
      title: 'Turn off your calendar link?',
      message: 'The link stops working at once, and calendars that use it stop showing your activities. You can make a new link at any time.',
      confirmLabel: 'Turn it off',
      danger: true,
      test: 'confirm-calendar-revoke',
    });
    if (!ok) return;
    await whileBusy(btn, 'Turning off…', async () => {
      try {
        await del('/api/v1/me/calendar', { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        notice.replaceChildren(errorState(err, { title: 'The calendar link was not turned off', test: 'calendar-error' }));
        return;
      }
      const msg = statusMessage({ tone: 'ok', role: 'alert', title: 'Your calendar link is turned off.', detail: 'It no longer works.', test: 'calendar-revoked' });
      msg.setAttribute('tabindex', '-1');
      notice.replaceChildren(msg);
      await load();
      msg.focus();
    });
  }

  async function load() {
    state.replaceChildren(loadingState('Loading your calendar link…', { test: 'calendar-loading' }));
    let res;
    try {
      res = await get('/api/v1/me/calendar', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      state.replaceChildren(errorState(err, { title: 'Waymark could not load your calendar link', retry: load, test: 'calendar-load-error' }));
      return;
    }
    if (res?.active) {
      state.replaceChildren(
        h('p', { dataset: { test: 'calendar-active' } }, 'Your calendar link is on: it was made ', timeEl(res.created_at, { fallback: 'earlier' }), '. Lost it? Make a new one; the old one then stops working.'),
        h('div', { class: 'form__actions' },
          button('Make a new link', { variant: 'secondary', test: 'calendar-create', onClick: (e) => create(e.currentTarget, { replacing: true }) }),
          button('Turn off', { variant: 'secondary', test: 'calendar-revoke', onClick: (e) => revoke(e.currentTarget) })));
    } else {
      state.replaceChildren(
        h('p', { dataset: { test: 'calendar-inactive' } }, 'You have no calendar link.'),
        h('div', { class: 'form__actions' },
          button('Make a calendar link', { test: 'calendar-create', onClick: (e) => create(e.currentTarget, { replacing: false }) })));
    }
  }

  load();
  return card({
    title: 'Calendar feed',
    test: 'profile-calendar',
    lead: 'See your activities’ due dates in your own calendar (Outlook, Google, Apple): a secret link your calendar app reads and keeps up to date.',
  }, notice, state);
}

function notificationsCard(session, signal) {
  const body = h('div', { dataset: { test: 'prefs-body' } });
  const forOthers = Boolean(session.is_manager) || hasRole(session, 'coach');
  const kinds = PREF_KINDS.filter((k) => !k.forOthers || forOthers);

  function form(prefs) {
    let saved = prefs;
    const result = h('div', { class: 'notice-area', dataset: { test: 'prefs-result' } });
    const defaults = h('p', { class: 'muted', dataset: { test: 'prefs-defaults' } }, 'These are your organisation’s defaults until you save your own choices.');
    defaults.hidden = !prefs.uses_defaults;
    const email = emailKindsField({
      name: 'email',
      kinds,
      email: prefs.email || {},
      legend: 'Email me when',
      hint: 'Everything also appears under the bell in Waymark; this only chooses what is emailed too.',
      test: 'prefs-email',
    });
    const digest = session.is_manager
      ? field({
        label: 'Day of the weekly summary of your team',
        name: 'digest_day',
        type: 'select',
        value: prefs.digest_day || 'mon',
        options: DAYS,
        hint: 'It arrives in the morning of that day.',
        test: 'prefs-digest-day',
      })
      : null;
    const quiet = quietHoursField({
      name: 'quiet_hours',
      value: prefs.quiet_hours,
      hint: `Emails that come during quiet hours wait until they end. Times are in ${prefs.time_zone || 'your organisation’s time zone'}.`,
      switchLabel: 'Do not email me during quiet hours',
      test: 'prefs-quiet',
    });
    const fields = [email, digest, quiet].filter(Boolean);
    const summary = errorSummary({ test: 'prefs-errors' });
    const submit = button('Save notification choices', { type: 'submit', test: 'prefs-save' });
    const el = h('form', { class: 'form', novalidate: true, dataset: { test: 'prefs-form' } },
      summary.el, defaults, email.el, digest?.el, quiet.el, h('div', { class: 'form__actions' }, submit));

    function changes() {
      const out = {};
      const chosen = email.choice();
      const changedKinds = Object.entries(chosen).filter(([k, v]) => (saved.email?.[k] !== false) !== v);
      if (changedKinds.length) out.email = Object.fromEntries(changedKinds);
      if (digest && digest.value() !== saved.digest_day) out.digest_day = digest.value();
      if (quiet.changed(saved.quiet_hours)) out.quiet_hours = quiet.value();
      return out;
    }

    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      summary.clear();
      result.replaceChildren();
      const q = quiet.value();
      if (q && (!q.start || !q.end)) {
        showFormErrors(summary, fields, { message: 'Please fix the following', details: [{ field: 'quiet_hours', message: 'Give both times of your quiet hours, like 21:00 and 07:00' }] });
        return;
      }
      const sent = changes();
      if (!Object.keys(sent).length) {
        for (const f of fields) f.setError(null);
        result.replaceChildren(statusMessage({ tone: 'info', title: 'Nothing to save', detail: 'You did not change anything.', test: 'prefs-saved' }));
        return;
      }
      await whileBusy(submit, 'Saving…', async () => {
        let res;
        try {
          res = await patch('/api/v1/me/notification-preferences', sent, { signal });
        } catch (err) {
          if (err.name === 'AbortError') return;
          showFormErrors(summary, fields, mapDetails(err, ['email', 'quiet_hours']), { heading: 'Your notification choices were not saved' });
          return;
        }
        for (const f of fields) f.setError(null);
        saved = res || { ...saved, ...sent, email: { ...saved.email, ...sent.email } };
        defaults.hidden = !saved.uses_defaults;
        const msg = statusMessage({ tone: 'ok', title: 'Your notification choices are saved', test: 'prefs-saved' });
        msg.setAttribute('tabindex', '-1');
        result.replaceChildren(msg);
        msg.focus();
      });
    });
    return [result, el];
  }

  async function load() {
    body.replaceChildren(loadingState('Loading your notification choices…', { test: 'prefs-loading' }));
    let prefs;
    try {
      prefs = await get('/api/v1/me/notification-preferences', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      body.replaceChildren(errorState(err, { title: 'Waymark could not load your notification choices', retry: load, test: 'prefs-error' }));
      return;
    }
    body.replaceChildren(...form(prefs || {}));
    // The unsubscribe page links here ("/profile#notifications"): bring the card into view.
    if (window.location.hash === '#notifications') el.scrollIntoView({ block: 'start' });
  }

  const el = card({
    title: 'Notifications',
    test: 'profile-notifications',
    lead: 'Waymark lets you know when something needs you. Choose what it emails you, and when it should stay quiet.',
  }, body);
  el.id = 'notifications';
  load();
  return el;
}

export function profilePage({ outlet, session, signal }) {
  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'profile' } },
      pageHeader({ title: 'Your profile', lead: `Signed in as ${session.user.email}.` }),
      detailsCard(session),
      notificationsCard(session, signal),
      calendarCard(signal),
      passwordCard(),
      tokensCard(signal)));
}
