// pages/person.js — one person: add (/people/new), change (/people/{id}) or, for those who
// may only read, see their details.
//
// The form sends what the API takes (name, email, roles, manager_id, department,
// job_title, external_id). Adding a person answers with an invitation link: it is shown
// once, with a Copy button and the words the administrator needs (it is for that person
// only, works once, Waymark will not show it again). Changing a person sends only the
// fields that changed. A 422 puts each detail beside its field and keeps what was typed.
// Deactivating asks first (it signs the person out everywhere); reactivating does not.

import { del, get, patch, post } from '../api.js';
import { createNameCache, ROLES, rolesInWords } from '../people-data.js';
import { personPicker } from '../person-picker.js';
import { canManagePeople } from '../session.js';
import {
  badge, button, card, checkboxGroup, confirmDialog, copyBox, errorState, errorSummary, field, h, linkButton,
  formatDeadline, loadingState, pageHeader, setFlash, showFormErrors, statusMessage, takeFlash, timeEl, whileBusy,
} from '../ui.js';

const BACK = { href: '/people', label: 'People' };

function detailsList(rows) {
  return h('dl', { class: 'details' }, rows.map(([term, value, test]) => [
    h('dt', {}, term),
    h('dd', { dataset: test ? { test } : undefined }, value === '' || value === null || value === undefined ? h('span', { class: 'muted' }, '—') : value),
  ]));
}

/** The read-only view for managers, designers and coaches. */
function readOnly(outlet, person, manager) {
  outlet.append(
    h('div', { dataset: { test: 'person-view' } },
      pageHeader({ title: person.name || person.email, back: BACK, lead: person.job_title || null }),
      card({ title: 'Details' },
        detailsList([
          ['Email', person.email, 'person-email'],
          ['Roles', rolesInWords(person.roles)],
          ['Reports to', manager ? manager.name || manager.email : ''],
          ['Department', person.department],
          ['Job title', person.job_title],
          ['Status', person.active ? badge('Active', { tone: 'ok' }) : badge('Deactivated', { tone: 'muted' })],
          ['Added', timeEl(person.created_at, { fallback: '' })],
        ]))));
}

/** The invitation panel shown once after adding someone. */
function invited(outlet, person, invitationUrl, router) {
  const link = new URL(invitationUrl, window.location.origin).href;
  const first = (person.name || '').trim().split(/\s+/)[0] || person.email;
  outlet.replaceChildren(
    h('div', { dataset: { test: 'person-invited' } },
      pageHeader({ title: `${person.name || person.email} is added`, back: BACK }),
      statusMessage({ tone: 'ok', title: `${person.name || person.email} can now be invited`, detail: 'They cannot sign in until they have chosen a password with the link below.', test: 'person-created' }),
      card({ title: 'Send the invitation link', test: 'invitation' },
        h('p', {}, `Send this link to ${first} yourself — by email or chat, to `, h('strong', {}, person.email), '. ',
          'It lets them choose their password and sign in. It works once and expires after 7 days.'),
        copyBox({ label: 'Invitation link', value: link, test: 'invitation-link', hint: 'For this person only: anyone with the link can set their password.' }),
        h('p', { class: 'warning', dataset: { test: 'invitation-warning' } }, h('strong', {}, 'Copy it now. '), 'Waymark shows this link only once. If it is lost, open the person and ask for a new one later.'),
        h('div', { class: 'form__actions' },
          button('Add another person', { test: 'person-add-another', onClick: () => router.navigate('/people/new') }),
          linkButton('/people', 'Back to People', { variant: 'secondary', test: 'person-back' })))));
  outlet.querySelector('h1')?.setAttribute('tabindex', '-1');
  outlet.querySelector('h1')?.focus();
}

/** After a status change the page is rebuilt: put focus back on the (new) toggle button. */
function focusToggle(outlet) {
  outlet.querySelector('[data-test="person-reactivate"], [data-test="person-deactivate"]')?.focus();
}

/** The add or change form. person is null when adding. */
function editForm({ outlet, person, manager, router, session, reload }) {
  const adding = !person;
  const name = field({ label: 'Full name', name: 'name', value: person?.name || '', attrs: { autocomplete: 'off', spellcheck: 'false' } });
  const email = field({ label: 'Email address', name: 'email', type: 'email', value: person?.email || '', hint: adding ? 'The address they sign in with. It must be unique in your organisation.' : null, attrs: { autocomplete: 'off', spellcheck: 'false' } });
  const roles = checkboxGroup({
    legend: 'Roles',
    name: 'roles',
    hint: 'Everyone is a learner. Tick what else this person does. Managers need no role: anyone with people reporting to them is one.',
    options: ROLES.map((r) => ({ ...r, checked: Boolean(person?.roles?.includes(r.value)) })),
    test: 'field-roles',
  });
  const managerPicker = personPicker({
    legend: 'Reports to',
    name: 'manager_id',
    hint: 'Their line manager, who follows their progress and signs off their work.',
    value: manager ? { id: manager.id, name: manager.name, email: manager.email } : null,
    exclude: person?.id ?? null,
    test: 'manager-picker',
    emptyLabel: 'No manager chosen.',
  });
  const department = field({ label: 'Department', name: 'department', value: person?.department || '', optional: true });
  const jobTitle = field({ label: 'Job title', name: 'job_title', value: person?.job_title || '', optional: true });
  const externalId = field({ label: 'Employee number or HR id', name: 'external_id', value: person?.external_id || '', optional: true, hint: 'The id your HR system uses. Imports match people by it.', attrs: { spellcheck: 'false' } });
  const fields = [name, email, roles, managerPicker, department, jobTitle, externalId];
  const summary = errorSummary({ test: 'person-errors' });
  const submit = button(adding ? 'Add person' : 'Save changes', { type: 'submit', test: 'person-save' });

  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'person-form' } },
    summary.el,
    name.el,
    email.el,
    roles.el,
    managerPicker.el,
    h('div', { class: 'form__group' }, department.el, jobTitle.el),
    externalId.el,
    h('div', { class: 'form__actions' }, submit, linkButton('/people', 'Cancel', { variant: 'secondary', test: 'person-cancel' })));

  function body() {
    const all = {
      name: name.value().trim(),
      email: email.value().trim(),
      roles: ['learner', ...roles.values()],
      manager_id: managerPicker.value(),
      department: department.value().trim(),
      job_title: jobTitle.value().trim(),
      external_id: externalId.value().trim() || null,
    };
    if (adding) return all;
    const changed = {};
    const before = {
      name: person.name,
      email: person.email,
      roles: [...new Set(['learner', ...(person.roles || [])])],
      manager_id: person.manager_id ?? null,
      department: person.department || '',
      job_title: person.job_title || '',
      external_id: person.external_id || null,
    };
    for (const [k, v] of Object.entries(all)) {
      const same = Array.isArray(v) ? [...v].sort().join() === [...before[k]].sort().join() : v === before[k];
      if (!same) changed[k] = v;
    }
    return changed;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    const missing = [];
    if (!name.value().trim()) missing.push({ field: 'name', message: 'Enter the person’s full name' });
    if (!email.value().trim()) missing.push({ field: 'email', message: 'Enter their email address' });
    if (missing.length) {
      showFormErrors(summary, fields, { message: 'Please fill in the missing details', details: missing });
      return;
    }
    const sent = body();
    if (!adding && !Object.keys(sent).length) {
      for (const f of fields) f.setError(null);
      setFlash({ tone: 'info', title: 'Nothing was changed.' });
      router.navigate('/people');
      return;
    }
    await whileBusy(submit, adding ? 'Adding…' : 'Saving…', async () => {
      let res;
      try {
        res = adding ? await post('/api/v1/users', sent) : await patch(`/api/v1/users/${person.id}`, sent);
      } catch (err) {
        if (err.name === 'AbortError') return;
        showFormErrors(summary, fields, err, { heading: err.details?.length ? 'Please check these details' : (adding ? 'The person was not added' : 'The changes were not saved') });
        return;
      }
      for (const f of fields) f.setError(null);
      const saved = res?.user || res || sent;
      if (adding) {
        if (res?.invitation_url) invited(outlet, saved, res.invitation_url, router);
        else {
          setFlash({ tone: 'ok', title: `${saved.name || sent.name} is added.` });
          router.navigate('/people');
        }
        return;
      }
      setFlash({ tone: 'ok', title: `Changes to ${saved.name || person.name} are saved.` });
      router.navigate('/people');
    });
  });

  const parts = [
    pageHeader({
      title: adding ? 'Add a person' : person.name || person.email,
      back: BACK,
      lead: adding ? 'They get an invitation link to choose their own password. You will see it on the next page.' : null,
    }),
    takeFlash({ test: 'person-flash' }),
    h('div', { class: 'card card--wide' }, form),
  ];

  if (!adding) {
    const self = session.user.id === person.id;
    const statusArea = h('div', { class: 'notice-area' });
    const toggle = person.active
      ? button('Deactivate', {
        variant: 'danger',
        test: 'person-deactivate',
        disabled: self,
        onClick: async (e) => {
          const btn = e.currentTarget; // gone from the event once it has been dispatched
          const who = person.name || person.email;
          const ok = await confirmDialog({
            title: `Deactivate ${who}?`,
            message: `${who} will be signed out everywhere and their API tokens will stop working. Their history stays, and you can reactivate them at any time.`,
            confirmLabel: 'Deactivate',
            danger: true,
            test: 'confirm-deactivate',
          });
          if (!ok) return;
          await whileBusy(btn, 'Deactivating…', async () => {
            try {
              await del(`/api/v1/users/${person.id}`);
            } catch (err) {
              statusArea.replaceChildren(errorState(err, { title: `${who} could not be deactivated`, test: 'person-status-error' }));
              return;
            }
            setFlash({ tone: 'ok', title: `${who} is deactivated.`, detail: 'They can no longer sign in.' });
            await reload();
            focusToggle(outlet);
          });
        },
      })
      : button('Reactivate', {
        variant: 'secondary',
        test: 'person-reactivate',
        onClick: async (e) => {
          await whileBusy(e.currentTarget, 'Reactivating…', async () => {
            try {
              await patch(`/api/v1/users/${person.id}`, { active: true });
            } catch (err) {
              statusArea.replaceChildren(errorState(err, { title: 'The person could not be reactivated', test: 'person-status-error' }));
              return;
            }
            setFlash({ tone: 'ok', title: `${person.name || person.email} is active again.` });
            await reload();
            focusToggle(outlet);
          });
        },
      });
    parts.push(card({ title: 'Access', test: 'person-access', wide: true },
      detailsList([
        ['Status', person.active ? badge('Active', { tone: 'ok', test: 'person-status' }) : badge('Deactivated', { tone: 'muted', test: 'person-status' })],
        ['Added', timeEl(person.created_at, { fallback: '' })],
        ['Last changed', timeEl(person.updated_at, { fallback: '' })],
      ]),
      h('p', {}, person.active
        ? (self ? 'You cannot deactivate yourself. Another administrator can.' : 'Deactivating ends their sessions and API tokens at once and stops them signing in. Their history is kept.')
        : 'This person cannot sign in. Reactivating lets them sign in again with their password.'),
      statusArea,
      toggle));
  }
  if (!adding && person.active) parts.push(resetCard(person));
  outlet.append(h('div', { class: 'stack', dataset: { test: adding ? 'person-new' : 'person-edit' } }, parts));
}

/**
 * A new password link (POST /api/v1/users/{id}/password-reset): for someone who forgot
 * their password or lost their invitation. Their password stops working and their
 * sessions end at once, so it asks first; the link is shown once.
 */
function resetCard(person) {
  const who = person.name || person.email;
  const first = (person.name || '').trim().split(/\s+/)[0] || person.email;
  const area = h('div', { class: 'notice-area', dataset: { test: 'reset-result' } });
  const make = button('Make a new password link', {
    variant: 'secondary',
    test: 'person-reset',
    onClick: async (e) => {
      const btn = e.currentTarget; // gone from the event once it has been dispatched
      const ok = await confirmDialog({
        title: `Make a new password link for ${who}?`,
        message: `Their current password stops working now and they are signed out everywhere. They choose a new password with the link, which you send them.`,
        confirmLabel: 'Make the link',
        test: 'confirm-reset',
      });
      if (!ok) return;
      await whileBusy(btn, 'Making the link…', async () => {
        let res;
        try {
          res = await post(`/api/v1/users/${person.id}/password-reset`);
        } catch (err) {
          area.replaceChildren(errorState(err, { title: 'No link was made', test: 'reset-error' }));
          return;
        }
        const link = new URL(res.reset_url, window.location.origin).href;
        const shown = h('div', { class: 'secret', tabindex: '-1', dataset: { test: 'reset-link-panel' } },
          h('p', {}, `Send this link to ${first} yourself, at `, h('strong', {}, person.email), `. It works once, until ${formatDeadline(res.expires_at)}.`),
          copyBox({ label: 'Password link', value: link, test: 'reset-link' }),
          h('p', { class: 'warning' }, h('strong', {}, 'Copy it now. '), 'Waymark shows this link only once.'));
        area.replaceChildren(shown);
        shown.focus();
      });
    },
  });
  return card({ title: 'Password', test: 'person-password', wide: true },
    h('p', {}, `${first} chooses a password with a link you send them. Make a new one when they were imported from a spreadsheet (imports send no invitations), forgot their password or lost their invitation.`),
    area,
    make);
}

export function personPage({ outlet, params, router, session, signal }) {
  if (!params.id) {
    editForm({ outlet, person: null, manager: null, router, session });
    return;
  }
  const names = createNameCache(signal);
  const box = h('div', {}, pageHeader({ title: 'Person', back: BACK }), loadingState('Loading…', { test: 'person-loading' }));
  outlet.append(box);

  async function load() {
    box.replaceChildren(pageHeader({ title: 'Person', back: BACK }), loadingState('Loading…', { test: 'person-loading' }));
    let person;
    let manager = null;
    try {
      const res = await get(`/api/v1/users/${encodeURIComponent(params.id)}`, { signal });
      person = res?.user || res;
      if (person?.manager_id) manager = await names.lookup(person.manager_id);
    } catch (err) {
      if (err.name === 'AbortError') return;
      const missing = err.status === 404;
      box.replaceChildren(
        pageHeader({ title: missing ? 'Person not found' : 'Person', back: BACK }),
        missing
          ? statusMessage({ tone: 'info', title: 'There is no such person', detail: 'They may be in another organisation, or the link may be mistyped.', test: 'person-missing' })
          : errorState(err, { title: 'Waymark could not load this person', retry: load, test: 'person-error' }));
      return;
    }
    document.title = `${person.name || person.email} · Waymark`;
    box.replaceChildren();
    if (canManagePeople(session)) editForm({ outlet: box, person, manager, router, session, reload: load });
    else readOnly(box, person, manager);
  }
  return load();
}
