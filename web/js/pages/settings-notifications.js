// pages/settings-notifications.js — the notification parts of the organisation's settings
// page (/settings, administrators): when and how Waymark nudges people, the webhooks that
// pass notices on to chat tools and other systems, and the outbox log of what was sent.
//
// Notifications (GET/PATCH /api/v1/notification-settings): the send hour, reminder and
// escalation days, the defaults for people who have not chosen their own, and the mail
// relay. The relay's password is write-only: the page says "a password is set" and offers
// to replace it; a new password is put into the relay address (smtp://user:password@…),
// which is how the API takes it, and is never shown again. Only what changed is sent.
//
// Webhooks (/api/v1/webhooks): a list with each webhook's state, a form to add one, and
// per webhook Pause/Turn on, Send test and Delete (which asks first). A new webhook's
// signing secret is answered once: it is shown once, with a Copy button and the warning.
//
// Outbox (GET /api/v1/outbox): the newest emails and webhook calls, filtered by state, with
// their attempts and last error, 20 at a time with "Load more". It never shows bodies.

import { del, get, patch, post } from '../api.js';
import {
  DAYS, HOURS, PREF_KINDS, KIND_TOPICS, emailKindsField, kindName, mapDetails, quietHoursField,
} from '../notification-data.js';
import {
  badge, button, card, checkboxGroup, confirmDialog, copyBox, dataTable, emptyState, errorState, errorSummary, field, h,
  loadingState, showFormErrors, statusMessage, timeEl, uid, whileBusy,
} from '../ui.js';
import { plural } from '../workflow-data.js';

const OUTBOX_PAGE = 20;

const FORMATS = [
  { value: 'json', label: 'Waymark event (signed JSON)', short: 'Waymark event' },
  { value: 'slack', label: 'Slack incoming webhook', short: 'Slack' },
  { value: 'teams', label: 'Microsoft Teams incoming webhook', short: 'Teams' },
];

const OUTBOX_STATES = [
  { value: '', label: 'Every state' },
  { value: 'pending', label: 'Waiting to be sent' },
  { value: 'sent', label: 'Sent' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
];

const STATE_BADGES = {
  pending: { label: 'Waiting', tone: 'info' },
  sent: { label: 'Sent', tone: 'ok' },
  failed: { label: 'Failed', tone: 'warn' },
  cancelled: { label: 'Cancelled', tone: 'muted' },
};

function say(area, message) {
  const msg = statusMessage({ ...message });
  msg.setAttribute('tabindex', '-1');
  area.replaceChildren(msg);
  msg.focus();
  return msg;
}

/** Whole number in [min, max] from text, else null. */
function wholeNumber(text, min, max) {
  const t = String(text ?? '').trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

/**
 * The relay address with password put in as its user's password:
 * ("smtp://mailer@relay:587", "p w") → "smtp://mailer:p%20w@relay:587". null when the
 * address names no user (a password needs one).
 */
export function relayWithPassword(url, password) {
  const m = /^(smtps?:\/\/)([^@/?#]*)@(.*)$/i.exec(String(url || '').trim());
  if (!m || !m[2]) return null;
  const user = m[2].split(':')[0];
  if (!user) return null;
  return `${m[1]}${user}:${encodeURIComponent(password)}@${m[3]}`;
}

// ---- notification settings ------------------------------------------------------------------

function settingsForm(settings, { tenant, signal, onSaved }) {
  const saved = settings;
  const result = h('div', { class: 'notice-area', dataset: { test: 'notify-settings-result' } });
  const zone = tenant?.time_zone ? ` (${tenant.time_zone})` : '';
  const sendHour = field({
    label: 'Send notices from',
    name: 'send_hour',
    type: 'select',
    value: String(settings.send_hour ?? 9),
    options: HOURS,
    hint: `New activities, reminders, overdue nudges, escalations and weekly summaries go out from this hour, in the organisation’s time zone${zone}.`,
    test: 'notify-send-hour',
  });
  const reminder = field({
    label: 'Remind learners this many working days before a due date',
    name: 'reminder_days_before',
    type: 'number',
    value: String(settings.reminder_days_before ?? 1),
    hint: 'From 0 to 10. 0 turns reminders off; 1 is the working day before.',
    attrs: { min: '0', max: '10', step: '1', inputmode: 'numeric' },
    test: 'notify-reminder-days',
  });
  const escalate = field({
    label: 'Tell the learner’s manager when an activity is this many working days overdue',
    name: 'escalate_after_days',
    type: 'number',
    value: String(settings.escalate_after_days ?? 5),
    hint: 'From 0 to 30. 0 never tells the manager.',
    attrs: { min: '0', max: '30', step: '1', inputmode: 'numeric' },
    test: 'notify-escalate-days',
  });
  for (const f of [reminder, escalate]) f.input.classList.add('input--short');

  const d = settings.defaults || {};
  const defEmail = emailKindsField({
    name: 'defaults.email',
    email: d.email || {},
    legend: 'Email people about',
    hint: 'In-app notifications always come; this chooses what is emailed too. Each person can change it in their profile.',
    labels: KIND_TOPICS,
    test: 'notify-default-email',
  });
  const defDigest = field({
    label: 'Day of managers’ weekly summary',
    name: 'defaults.digest_day',
    type: 'select',
    value: d.digest_day || 'mon',
    options: DAYS,
    test: 'notify-default-digest-day',
  });
  const defQuiet = quietHoursField({
    name: 'defaults.quiet_hours',
    value: d.quiet_hours || null,
    hint: 'Emails wait until quiet hours end, in each person’s organisation time.',
    switchLabel: 'Hold emails back during quiet hours',
    test: 'notify-default-quiet',
  });

  const smtp = settings.smtp || {};
  const relayName = uid('relay');
  const own = !smtp.uses_deployment_relay && Boolean(smtp.url);
  const radio = (value, label, hint, checked) => {
    const id = uid(`relay-${value}`);
    const input = h('input', { type: 'radio', id, name: relayName, value, class: 'checkbox__input', checked, dataset: { test: `notify-relay-${value}` } });
    return { input, label, hint, id };
  };
  const useDeployment = radio('deployment', 'Use the relay of this Waymark installation', 'Set up by whoever runs Waymark for you.', !own);
  const useOwn = radio('own', 'Use our own mail relay', 'Your organisation’s SMTP server, for example Microsoft 365 or your mail provider.', own);
  const url = field({
    label: 'Relay address',
    name: 'smtp.url',
    value: own ? smtp.url : '',
    hint: 'smtp://host:587 (encrypted with STARTTLS when the relay offers it) or smtps://host:465. If the relay needs a user name, put it in: smtp://user@host:587.',
    attrs: { autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', inputmode: 'url', maxlength: '1000' },
    test: 'notify-smtp-url',
  });
  url.input.classList.add('input--mono');
  const passwordSet = h('p', { class: 'relay__password-set', dataset: { test: 'notify-smtp-password-set' } },
    badge('Password set', { tone: 'ok' }), ' Waymark keeps the relay’s password and never shows it. Type a new one below to replace it.');
  passwordSet.hidden = !smtp.password_set;
  const password = field({
    label: smtp.password_set ? 'Replace the password' : 'Password',
    name: 'smtp.password',
    type: 'password',
    optional: true,
    hint: smtp.password_set ? 'Leave it empty to keep the one that is set. If you change the address, type the password again.' : 'Only if the relay asks for one. It is sent with the user name in the address.',
    attrs: { autocomplete: 'new-password' },
    test: 'notify-smtp-password',
  });
  const from = field({
    label: 'Send emails as',
    name: 'smtp.from',
    value: smtp.from || '',
    optional: true,
    hint: 'An address, or a name and an address: Acme Learning <learning@acme.example>. Empty: Waymark’s own sender.',
    attrs: { autocomplete: 'off', spellcheck: 'false', maxlength: '320' },
    test: 'notify-smtp-from',
  });
  const ownFields = h('div', { class: 'relay__own', dataset: { test: 'notify-relay-own-fields' } }, url.el, passwordSet, password.el);
  ownFields.hidden = !own;
  for (const r of [useDeployment, useOwn]) {
    r.input.addEventListener('change', () => {
      ownFields.hidden = !useOwn.input.checked;
    });
  }
  const relay = h('fieldset', { class: 'form__section fieldset', dataset: { field: 'smtp', test: 'notify-relay' } },
    h('legend', { class: 'form__legend' }, 'Mail relay'),
    h('div', { class: 'checkbox-list' }, [useDeployment, useOwn].map((r) => h('div', { class: 'checkbox' },
      r.input,
      h('label', { for: r.id, class: 'checkbox__label' }, r.label, h('span', { class: 'checkbox__hint' }, r.hint))))),
    ownFields,
    from.el);

  const fields = [sendHour, reminder, escalate, defEmail, defDigest, defQuiet, url, password, from];
  const summary = errorSummary({ test: 'notify-settings-errors' });
  const submit = button('Save notification settings', { type: 'submit', test: 'notify-settings-save' });
  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'notify-settings-form' } },
    summary.el,
    h('fieldset', { class: 'form__section fieldset' }, h('legend', { class: 'form__legend' }, 'When Waymark nudges'), sendHour.el, reminder.el, escalate.el),
    h('fieldset', { class: 'form__section fieldset' }, h('legend', { class: 'form__legend' }, 'Defaults for people who have not chosen their own'), defEmail.el, defDigest.el, defQuiet.el),
    relay,
    h('div', { class: 'form__actions' }, submit));

  function changes(problems) {
    const out = {};
    const hour = Number(sendHour.value());
    if (hour !== saved.send_hour) out.send_hour = hour;
    const rd = wholeNumber(reminder.value(), 0, 10);
    if (rd === null) problems.push({ field: 'reminder_days_before', message: 'Enter a whole number of working days from 0 to 10' });
    else if (rd !== saved.reminder_days_before) out.reminder_days_before = rd;
    const ed = wholeNumber(escalate.value(), 0, 30);
    if (ed === null) problems.push({ field: 'escalate_after_days', message: 'Enter a whole number of working days from 0 to 30' });
    else if (ed !== saved.escalate_after_days) out.escalate_after_days = ed;

    const defaults = {};
    const chosen = defEmail.choice();
    const changed = Object.entries(chosen).filter(([k, v]) => ((d.email || {})[k] !== false) !== v);
    if (changed.length) defaults.email = Object.fromEntries(changed);
    if (defDigest.value() !== (d.digest_day || 'mon')) defaults.digest_day = defDigest.value();
    const q = defQuiet.value();
    if (q && (!q.start || !q.end)) problems.push({ field: 'defaults.quiet_hours', message: 'Give both times of the quiet hours, like 21:00 and 07:00' });
    else if (defQuiet.changed(d.quiet_hours || null)) defaults.quiet_hours = q;
    if (Object.keys(defaults).length) out.defaults = defaults;

    const s = {};
    if (useDeployment.input.checked) {
      if (own) s.url = null;
    } else {
      const typed = url.value().trim();
      const pw = password.value();
      if (!typed) problems.push({ field: 'smtp.url', message: 'Enter the relay’s address, like smtp://mail.example.com:587' });
      else if (pw) {
        const withPw = relayWithPassword(typed, pw);
        if (!withPw) problems.push({ field: 'smtp.password', message: 'A password needs a user name: put it in the relay address first, like smtp://user@host:587' });
        else s.url = withPw;
      } else if (!own || typed !== smtp.url) s.url = typed;
    }
    const f = from.value().trim();
    if (f !== (smtp.from || '')) s.from = f || null;
    if (Object.keys(s).length) out.smtp = s;
    return out;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    result.replaceChildren();
    const problems = [];
    const sent = changes(problems);
    if (problems.length) {
      showFormErrors(summary, fields, { message: 'Please fix the following', details: problems });
      return;
    }
    if (!Object.keys(sent).length) {
      for (const x of fields) x.setError(null);
      result.replaceChildren(statusMessage({ tone: 'info', title: 'Nothing to save', detail: 'No setting was changed.', test: 'notify-settings-saved' }));
      return;
    }
    await whileBusy(submit, 'Saving…', async () => {
      let res;
      try {
        res = await patch('/api/v1/notification-settings', sent, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        showFormErrors(summary, fields, mapDetails(err, ['defaults.email', 'defaults.quiet_hours']), { heading: 'The notification settings were not saved' });
        return;
      }
      onSaved(res, statusMessage({ tone: 'ok', title: 'The notification settings are saved', detail: 'The next notices follow them.', test: 'notify-settings-saved' }));
    });
  });

  return [result, form];
}

/** The "Notifications" section: loads the settings and shows the form. */
export function notificationSettingsSection({ tenant, signal }) {
  const body = h('div', { dataset: { test: 'notify-settings-body' } });

  function show(settings, message) {
    const [result, form] = settingsForm(settings, {
      tenant,
      signal,
      onSaved: (fresh, msg) => show(fresh || settings, msg),
    });
    body.replaceChildren(result, form);
    if (message) {
      message.setAttribute('tabindex', '-1');
      result.replaceChildren(message);
      message.focus();
    }
  }

  async function load() {
    body.replaceChildren(loadingState('Loading the notification settings…', { test: 'notify-settings-loading' }));
    let settings;
    try {
      settings = await get('/api/v1/notification-settings', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      body.replaceChildren(errorState(err, { title: 'Waymark could not load the notification settings', retry: load, test: 'notify-settings-error' }));
      return;
    }
    show(settings || {});
  }

  load();
  return card({
    title: 'Notifications',
    test: 'settings-notifications',
    wide: true,
    lead: 'When Waymark nudges learners and tells managers, what people get by email until they choose for themselves, and the mail relay it sends through.',
  }, body);
}

// ---- webhooks --------------------------------------------------------------------------------

function kindsInWords(kinds) {
  return (kinds || []).map((k) => kindName(k)).join(', ') || '—';
}

/** The "Webhooks" section. onChanged() is called after a test is queued (the outbox has news). */
export function webhooksSection({ signal, onQueued }) {
  const notice = h('div', { class: 'notice-area', dataset: { test: 'webhooks-notice' } });
  const list = h('div', { dataset: { test: 'webhooks-list' } });
  const name = field({ label: 'Name', name: 'name', hint: 'Where it goes, for example “L&D channel in Slack”.', attrs: { autocomplete: 'off', maxlength: '100' }, test: 'webhook-name' });
  const url = field({
    label: 'Address',
    name: 'url',
    type: 'url',
    hint: 'The https:// address the other system gave you for incoming webhooks.',
    attrs: { autocomplete: 'off', spellcheck: 'false', maxlength: '1000' },
    test: 'webhook-url',
  });
  url.input.classList.add('input--mono');
  const format = field({ label: 'Format', name: 'format', type: 'select', value: 'json', options: FORMATS, test: 'webhook-format' });
  const kinds = checkboxGroup({
    legend: 'Send these notices',
    name: 'kinds',
    options: PREF_KINDS.map((k) => ({ value: k.value, label: KIND_TOPICS[k.value], checked: k.value === 'escalation' || k.value === 'enrolment' })),
    test: 'webhook-kinds',
  });
  const fields = [name, url, format, kinds];
  const summary = errorSummary({ test: 'webhook-errors' });
  const create = button('Add webhook', { type: 'submit', test: 'webhook-create' });
  const formTitle = uid('webhook-form');
  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'webhook-form' }, 'aria-labelledby': formTitle },
    h('h3', { id: formTitle, class: 'form__title' }, 'Add a webhook'),
    summary.el, name.el, url.el, format.el, kinds.el, h('div', { class: 'form__actions' }, create));

  async function toggle(w, btn) {
    await whileBusy(btn, w.active ? 'Pausing…' : 'Turning on…', async () => {
      try {
        await patch(`/api/v1/webhooks/${encodeURIComponent(w.id)}`, { active: !w.active }, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        notice.replaceChildren(errorState(err, { title: `“${w.name}” was not changed`, test: 'webhooks-status' }));
        return;
      }
      await load();
      say(notice, { tone: 'ok', title: w.active ? `“${w.name}” is paused.` : `“${w.name}” is on again.`, detail: w.active ? 'Nothing is sent to it until you turn it on again.' : 'New notices of its kinds are sent to it.', test: 'webhooks-status' });
    });
  }

  async function test(w, btn) {
    await whileBusy(btn, 'Queuing…', async () => {
      try {
        await post(`/api/v1/webhooks/${encodeURIComponent(w.id)}/test`, undefined, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        notice.replaceChildren(errorState(err, { title: `The test for “${w.name}” was not queued`, test: 'webhooks-status' }));
        return;
      }
      say(notice, { tone: 'ok', title: `A test message for “${w.name}” is queued.`, detail: 'It is sent within a minute. The outbox below shows whether it arrived.', test: 'webhooks-status' });
      onQueued?.();
    });
  }

  async function remove(w) {
    const ok = await confirmDialog({
      title: `Delete “${w.name}”?`,
      message: 'Waymark stops sending to it at once. Calls already waiting in the outbox are not sent either. This cannot be undone.',
      confirmLabel: 'Delete webhook',
      danger: true,
      test: 'confirm-webhook-delete',
    });
    if (!ok) return;
    try {
      await del(`/api/v1/webhooks/${encodeURIComponent(w.id)}`, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      notice.replaceChildren(errorState(err, { title: `“${w.name}” was not deleted`, test: 'webhooks-status' }));
      return;
    }
    await load();
    say(notice, { tone: 'ok', title: `“${w.name}” is deleted.`, test: 'webhooks-status' });
  }

  async function load() {
    if (!list.firstChild) list.replaceChildren(loadingState('Loading the webhooks…', { test: 'webhooks-loading' }));
    let res;
    try {
      res = await get('/api/v1/webhooks', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      list.replaceChildren(errorState(err, { title: 'Waymark could not load the webhooks', retry: load, test: 'webhooks-error' }));
      return;
    }
    const items = res?.items || [];
    if (!items.length) {
      list.replaceChildren(emptyState({ title: 'No webhooks yet', detail: 'Add one below to post notices to a Slack or Teams channel, or to your own system.', test: 'webhooks-empty' }));
      return;
    }
    list.replaceChildren(dataTable({
      caption: 'Webhooks',
      captionHidden: true,
      columns: [
        {
          label: 'Name',
          cell: (w) => [h('span', { dataset: { test: 'webhook-name-cell' } }, w.name), h('span', { class: 'cell-sub one-line', title: w.url }, w.url)],
        },
        { label: 'Format', cell: (w) => FORMATS.find((f) => f.value === w.format)?.short || w.format },
        { label: 'Sends', cell: (w) => kindsInWords(w.kinds) },
        { label: 'State', cell: (w) => badge(w.active ? 'On' : 'Paused', { tone: w.active ? 'ok' : 'muted', test: 'webhook-state' }) },
        {
          label: 'Actions',
          class: 'col-actions',
          cell: (w) => h('div', { class: 'row-actions webhook-actions' },
            button(w.active ? 'Pause' : 'Turn on', { variant: 'secondary', size: 'small', test: 'webhook-toggle', ariaLabel: `${w.active ? 'Pause' : 'Turn on'} ${w.name}`, onClick: (e) => toggle(w, e.currentTarget) }),
            button('Send test', { variant: 'secondary', size: 'small', test: 'webhook-test', ariaLabel: `Send test to ${w.name}`, onClick: (e) => test(w, e.currentTarget) }),
            button('Delete', { variant: 'secondary', size: 'small', test: 'webhook-delete', ariaLabel: `Delete ${w.name}`, onClick: () => remove(w) })),
        },
      ],
      rows: items,
      test: 'webhooks-table',
      rowTest: () => 'webhook-row',
    }));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    const problems = [];
    if (!name.value().trim()) problems.push({ field: 'name', message: 'Enter a name for the webhook' });
    const u = url.value().trim();
    if (!u) problems.push({ field: 'url', message: 'Enter the address to send to' });
    else if (!/^https?:\/\//i.test(u)) problems.push({ field: 'url', message: 'The address must start with https:// (or http://)' });
    if (!kinds.values().length) problems.push({ field: 'kinds', message: 'Choose at least one kind of notice to send' });
    if (problems.length) {
      showFormErrors(summary, fields, { message: 'Please fix the following', details: problems });
      return;
    }
    await whileBusy(create, 'Adding…', async () => {
      let made;
      try {
        made = await post('/api/v1/webhooks', { name: name.value().trim(), url: u, format: format.value(), kinds: kinds.values() }, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        showFormErrors(summary, fields, mapDetails(err, ['kinds']), { heading: 'The webhook was not added' });
        return;
      }
      for (const f of fields) f.setError(null);
      name.input.value = '';
      url.input.value = '';
      const parts = [
        h('h3', {}, `“${made?.name || 'Webhook'}” is added`),
      ];
      if (made?.secret) {
        parts.push(
          h('p', { class: 'warning', dataset: { test: 'webhook-secret-warning' } }, h('strong', {}, 'Copy the signing secret now. '),
            'Waymark will not show it again. Your system uses it to check that each call really comes from Waymark: the Waymark-Signature header is an HMAC-SHA256 of the timestamp and the body with this secret.'),
          copyBox({ label: 'Signing secret', value: made.secret, test: 'webhook-secret', hint: 'Keep it as secret as a password. Slack and Teams do not need it.' }));
      }
      parts.push(button(made?.secret ? 'I have copied it' : 'Done', {
        variant: 'secondary',
        test: 'webhook-secret-done',
        onClick: () => {
          notice.replaceChildren();
          list.querySelector('[data-test="webhook-toggle"]')?.focus();
        },
      }));
      const shown = h('div', { class: 'secret', tabindex: '-1', dataset: { test: 'webhook-new' } }, parts);
      notice.replaceChildren(shown);
      await load();
      shown.focus();
    });
  });

  load();
  const el = card({
    title: 'Webhooks',
    test: 'settings-webhooks',
    lead: 'Post notices to a Slack or Microsoft Teams channel, or to your own system as signed events. At most 20.',
  }, notice, list, form);
  el.classList.add('card--full');
  return el;
}

// ---- outbox -----------------------------------------------------------------------------------

function outboxState(e) {
  const b = STATE_BADGES[e.state] || { label: String(e.state ?? ''), tone: 'muted' };
  const parts = [badge(b.label, { tone: b.tone, test: 'outbox-state' })];
  if (e.attempts) parts.push(h('span', { class: 'cell-sub' }, `${plural(e.attempts, 'attempt')}`));
  if (e.state === 'pending' && e.next_attempt_at) parts.push(h('span', { class: 'cell-sub' }, 'Next try ', timeEl(e.next_attempt_at)));
  if (e.state === 'sent' && e.sent_at) parts.push(h('span', { class: 'cell-sub' }, 'Sent ', timeEl(e.sent_at)));
  return parts;
}

/** The "Outbox" section. Returns { el, reload() }. */
export function outboxSection({ signal }) {
  const list = h('div', { dataset: { test: 'outbox-list' } });
  const state = field({ label: 'Show', name: 'state', type: 'select', value: '', options: OUTBOX_STATES, test: 'outbox-state-filter' });
  const refresh = button('Refresh', { variant: 'secondary', test: 'outbox-refresh', onClick: (e) => whileBusy(e.currentTarget, 'Refreshing…', () => load()) });
  const count = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'outbox-count' } });
  let items = [];
  let next = null;

  function draw() {
    const chosen = OUTBOX_STATES.find((s) => s.value === state.value());
    count.textContent = items.length ? `${plural(items.length, 'message')}${next ? ' or more' : ''} shown.` : 'Nothing to show.';
    if (!items.length) {
      list.replaceChildren(emptyState({
        title: state.value() ? `No messages: ${chosen.label.toLowerCase()}` : 'Nothing has been sent yet',
        detail: 'Every email and webhook call Waymark sends is listed here, newest first.',
        test: 'outbox-empty',
      }));
      return;
    }
    const table = dataTable({
      caption: 'Emails and webhook calls, newest first',
      captionHidden: true,
      columns: [
        {
          label: 'Queued',
          cell: (e) => timeEl(e.created_at, { fallback: '—' }),
        },
        {
          label: 'What',
          cell: (e) => [h('span', { dataset: { test: 'outbox-subject' } }, e.subject || kindName(e.kind)), h('span', { class: 'cell-sub' }, `${kindName(e.kind)} · ${e.channel === 'webhook' ? 'Webhook' : 'Email'}`)],
        },
        { label: 'To', cell: (e) => h('span', { class: 'outbox__recipient', dataset: { test: 'outbox-recipient' } }, e.recipient || '—') },
        { label: 'State', cell: (e) => outboxState(e) },
        { label: 'Last error', cell: (e) => (e.last_error ? h('span', { class: 'outbox__error', dataset: { test: 'outbox-error' } }, e.last_error) : h('span', { class: 'muted' }, '—')) },
      ],
      rows: items,
      test: 'outbox-table',
      rowTest: () => 'outbox-row',
    });
    const more = next
      ? button('Load more', {
        variant: 'secondary',
        test: 'outbox-more',
        onClick: (e) => whileBusy(e.currentTarget, 'Loading…', () => load({ more: true })),
      })
      : null;
    list.replaceChildren(table, ...(more ? [h('div', { class: 'notifications__more' }, more)] : []));
  }

  async function load({ more = false } = {}) {
    if (!more) list.replaceChildren(loadingState('Loading the outbox…', { test: 'outbox-loading' }));
    let res;
    try {
      res = await get('/api/v1/outbox', { query: { state: state.value(), limit: OUTBOX_PAGE, cursor: more ? next : null }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      list.replaceChildren(errorState(err, { title: 'Waymark could not load the outbox', retry: () => load(), test: 'outbox-error-state' }));
      return;
    }
    const page = res?.items || [];
    if (more) {
      const known = new Set(items.map((x) => x.id));
      items = [...items, ...page.filter((x) => !known.has(x.id))];
    } else items = page;
    next = res?.next_cursor || null;
    draw();
  }

  state.input.addEventListener('change', () => load());
  load();
  const el = card({
    title: 'Outbox',
    test: 'settings-outbox',
    lead: 'The emails and webhook calls Waymark sent or is about to send, newest first. A failed one shows why.',
  }, h('div', { class: 'toolbar toolbar--single outbox__filters' }, state.el, h('div', { class: 'toolbar__actions' }, refresh)), count, list);
  el.classList.add('card--full');
  return { el, reload: () => load() };
}
