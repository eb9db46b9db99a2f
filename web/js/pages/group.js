// pages/group.js — one group: create it (/groups/new) or open it (/groups/{id}).
//
// Creating asks for a name, an optional description and who is in it: people chosen by
// hand, or a rule (rule-builder.js) whose matches the server keeps up to date. A 422 puts
// each detail beside its field — a rule's beside its condition — and keeps what was typed.
//
// A group's page lists its members (paged with the API's cursors). Administrators add
// people to a group made by hand with the person picker and remove them (after asking);
// a rule group's members follow its rule, which the page says instead of offering buttons
// the server would refuse (and any refusal is shown in the server's words). Administrators
// also change the name, description and rule, and delete the group (after asking).
// Designers see the same page without any of the buttons.

import { del, get, patch, post } from '../api.js';
import { createNameCache } from '../people-data.js';
import { personPicker } from '../person-picker.js';
import { ruleBuilder, ruleInWords } from '../rule-builder.js';
import { canManageGroups } from '../session.js';
import {
  badge, button, card, confirmDialog, dataTable, emptyState, errorState, errorSummary, field, h, linkButton,
  loadingState, pageHeader, pager, setFlash, statusMessage, takeFlash, timeEl, uid, whileBusy,
} from '../ui.js';

const BACK = { href: '/groups', label: 'Groups' };
const PAGE_SIZE = 25;

function sentence(label, message) {
  return /^[a-z]/.test(message) ? `${label} ${message}` : message;
}

/** Two radio buttons: by hand or by rule. Returns { el, value(), onChange(fn), focus() }. */
function kindChoice({ value, adding }) {
  const name = uid('kind');
  const options = [
    { value: 'hand', label: 'By hand', hint: adding ? 'You choose the people, after creating the group.' : 'You choose the people. Its current members stay.' },
    { value: 'rule', label: 'By rule', hint: adding ? 'Everyone who matches the rule, kept up to date as people change.' : 'Everyone who matches the rule, kept up to date. People added by hand leave unless they match.' },
  ];
  const inputs = [];
  const el = h('fieldset', { class: 'field fieldset', dataset: { test: 'group-kind-choice' } },
    h('legend', { class: 'field__label' }, 'Who is in the group'),
    h('div', { class: 'checkbox-list' }, options.map((o) => {
      const id = uid(`kind-${o.value}`);
      const input = h('input', { type: 'radio', id, name, value: o.value, checked: o.value === value, class: 'checkbox__input', dataset: { test: `group-kind-${o.value}` } });
      inputs.push(input);
      return h('div', { class: 'checkbox' }, input,
        h('label', { for: id, class: 'checkbox__label' }, o.label, h('span', { class: 'checkbox__hint' }, o.hint)));
    })));
  return {
    el,
    value: () => inputs.find((i) => i.checked)?.value || 'hand',
    onChange: (fn) => inputs.forEach((i) => i.addEventListener('change', fn)),
    focus: () => (inputs.find((i) => i.checked) || inputs[0]).focus(),
  };
}

/**
 * The create or change form. group null when creating. onSaved(group) after a save.
 * Returns the form element.
 */
function groupForm({ group, names, onSaved, cancelHref }) {
  const adding = !group;
  const name = field({ label: 'Name', name: 'name', value: group?.name || '', attrs: { autocomplete: 'off', maxlength: '200' }, test: 'group-name' });
  const description = field({ label: 'Description', name: 'description', type: 'textarea', value: group?.description || '', optional: true, hint: 'What the group is for, for the people who use it.', attrs: { maxlength: '2000', rows: '3' }, test: 'group-description' });
  const kind = kindChoice({ value: group?.rule ? 'rule' : 'hand', adding });
  const builder = ruleBuilder({ rule: group?.rule || null, names, test: 'rule' });
  const ruleBox = h('div', { class: 'rule-box', dataset: { test: 'rule-box' } }, builder.el);
  const summary = errorSummary({ test: 'group-errors' });
  const submit = button(adding ? 'Create group' : 'Save changes', { type: 'submit', test: 'group-save' });
  const showRule = () => {
    ruleBox.hidden = kind.value() !== 'rule';
  };
  kind.onChange(showRule);
  showRule();

  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'group-form' } },
    summary.el,
    name.el,
    description.el,
    kind.el,
    ruleBox,
    h('div', { class: 'form__actions' }, submit,
      cancelHref ? linkButton(cancelHref, 'Cancel', { variant: 'secondary', test: 'group-cancel' }) : null));

  function showErrors(err, heading) {
    name.setError(null);
    description.setError(null);
    builder.clearErrors();
    const items = [];
    for (const d of Array.isArray(err?.details) ? err.details : []) {
      const f = [name, description].find((x) => x.name === d.field);
      const message = d.message || 'is not right';
      if (f) {
        const s = sentence(f === name ? 'Name' : 'Description', message);
        f.setError(s);
        items.push({ field: f, message: s });
        continue;
      }
      const ruleItem = builder.showError(d);
      items.push(ruleItem || { message: d.field ? sentence(d.field, message) : message });
    }
    if (!items.length) items.push({ message: err?.message || 'Something went wrong. Please try again.' });
    summary.show(items, { heading });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    const body = { name: name.value().trim(), description: description.value().trim() };
    if (!body.name) {
      showErrors({ details: [{ field: 'name', message: 'Enter a name for the group' }] }, 'Please fill in the missing details');
      return;
    }
    if (kind.value() === 'rule') {
      const v = builder.value();
      if (v.problems) {
        name.setError(null);
        description.setError(null);
        builder.clearErrors();
        summary.show(v.problems.map((p) => builder.showProblem(p)), { heading: 'Please finish the rule' });
        return;
      }
      body.rule = v.rule;
    } else {
      body.rule = null;
    }
    let sent = body;
    if (!adding) {
      sent = {};
      if (body.name !== group.name) sent.name = body.name;
      if (body.description !== (group.description || '')) sent.description = body.description;
      if (JSON.stringify(body.rule) !== JSON.stringify(group.rule || null)) sent.rule = body.rule;
      if (!Object.keys(sent).length) {
        name.setError(null);
        description.setError(null);
        builder.clearErrors();
        summary.show([{ message: 'Change a field first, or leave the group as it is.' }], { heading: 'Nothing was changed' });
        return;
      }
    }
    await whileBusy(submit, adding ? 'Creating…' : 'Saving…', async () => {
      let saved;
      try {
        saved = adding ? await post('/api/v1/groups', sent) : await patch(`/api/v1/groups/${group.id}`, sent);
      } catch (err) {
        if (err.name === 'AbortError') return;
        showErrors(err, err.details?.length ? 'Please check these details' : (adding ? 'The group was not created' : 'The changes were not saved'));
        return;
      }
      await onSaved(saved?.group || saved);
    });
  });
  return form;
}

function newGroup({ outlet, router, signal }) {
  const names = createNameCache(signal);
  const form = groupForm({
    group: null,
    names,
    cancelHref: '/groups',
    onSaved: (g) => {
      setFlash({ tone: 'ok', title: `The group “${g.name}” is created.`, detail: g.rule ? `${g.member_count ?? 0} ${g.member_count === 1 ? 'person matches' : 'people match'} its rule.` : 'Add its people below.' });
      router.navigate(`/groups/${g.id}`);
    },
  });
  outlet.append(
    h('div', { class: 'stack', dataset: { test: 'group-new' } },
      pageHeader({ title: 'Create a group', back: BACK, lead: 'A group gathers people — a team, a cohort — so you can enrol them together.' }),
      h('div', { class: 'card card--wide' }, form)));
}

/** The members card: table, pager and, for admins of a hand group, add and remove. */
function membersCard({ group, admin, signal, onCountChange }) {
  const byHand = !group.rule;
  const notice = h('div', { class: 'notice-area', dataset: { test: 'members-notice' } });
  const results = h('div', { class: 'results', dataset: { test: 'members-results' } });
  const addArea = h('div', { class: 'members-add' });
  let cursors = [null];
  let lastPage = null;

  function say(tone, title, detail) {
    notice.replaceChildren(statusMessage({ tone, title, detail, test: 'members-status' }));
  }

  function addForm() {
    const picker = personPicker({ legend: 'Add a person', name: 'user_id', test: 'member-picker', emptyLabel: 'No one chosen yet.' });
    picker.el.querySelector('.field__optional')?.remove();
    const addButton = button('Add to the group', { type: 'submit', test: 'member-add' });
    const form = h('form', { class: 'form members-add__form', novalidate: true, dataset: { test: 'member-add-form' } }, picker.el, h('div', { class: 'form__actions' }, addButton));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      picker.setError(null);
      const who = picker.chosen();
      if (!who) {
        picker.setError('Find and choose a person first.');
        picker.focus();
        return;
      }
      await whileBusy(addButton, 'Adding…', async () => {
        let res;
        try {
          res = await post(`/api/v1/groups/${group.id}/members`, { user_ids: [who.id] });
        } catch (err) {
          if (err.name === 'AbortError') return;
          const d = err.details?.[0];
          if (d) picker.setError(`${who.name || who.email} ${d.message}`);
          notice.replaceChildren(errorState(err, { title: `${who.name || who.email} was not added`, test: 'members-status' }));
          return;
        }
        say('ok', res?.added ? `${who.name || who.email} is added to the group.` : `${who.name || who.email} was already in the group.`);
        addArea.replaceChildren(addForm());
        await load({ keepNotice: true });
        onCountChange();
        addArea.querySelector('[data-test="member-picker-search"]')?.focus();
      });
    });
    return form;
  }

  async function removeMember(person, btn) {
    const who = person.name || person.email;
    const ok = await confirmDialog({
      title: `Remove ${who} from “${group.name}”?`,
      message: `${who} stays in Waymark; only their place in this group goes. You can add them again later.`,
      confirmLabel: 'Remove',
      danger: true,
      test: 'confirm-remove-member',
    });
    if (!ok) return;
    await whileBusy(btn, 'Removing…', async () => {
      try {
        await del(`/api/v1/groups/${group.id}/members/${person.id}`);
      } catch (err) {
        if (err.name === 'AbortError') return;
        notice.replaceChildren(errorState(err, { title: `${who} was not removed`, test: 'members-status' }));
        return;
      }
      say('ok', `${who} is removed from the group.`);
      await load({ keepNotice: true });
      onCountChange();
      (results.querySelector('[data-test="member-remove"]') || addArea.querySelector('input'))?.focus();
    });
  }

  function table(items) {
    const columns = [
      {
        label: 'Name',
        class: 'col-name',
        cell: (p) => [
          h('a', { href: `/people/${p.id}`, dataset: { test: 'member-link' } }, p.name || p.email),
          h('span', { class: 'cell-sub' }, p.email),
        ],
      },
      { label: 'Department', cell: (p) => p.department || h('span', { class: 'muted' }, '—') },
      { label: 'Job title', cell: (p) => p.job_title || h('span', { class: 'muted' }, '—') },
      { label: 'In the group since', cell: (p) => timeEl(p.added_at, { fallback: '—' }) },
    ];
    if (admin && byHand) {
      columns.push({
        label: 'Actions',
        class: 'col-actions',
        cell: (p) => h('div', { class: 'row-actions' },
          button('Remove', {
            variant: 'secondary',
            size: 'small',
            test: 'member-remove',
            ariaLabel: `Remove ${p.name || p.email} from the group`,
            onClick: (e) => removeMember(p, e.currentTarget),
          })),
      });
    }
    return dataTable({ caption: `Members of ${group.name}`, captionHidden: true, columns, rows: items, test: 'members-table', rowTest: () => 'member-row' });
  }

  async function load({ keepNotice = false } = {}) {
    if (!keepNotice) notice.replaceChildren();
    results.replaceChildren(loadingState('Loading members…', { test: 'members-loading' }));
    results.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get(`/api/v1/groups/${group.id}/members`, { query: { limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.removeAttribute('aria-busy');
      results.replaceChildren(errorState(err, { title: 'Waymark could not load the members', retry: () => load(), test: 'members-error' }));
      return;
    }
    results.removeAttribute('aria-busy');
    lastPage = page;
    const items = page?.items || [];
    const pageNumber = cursors.length;
    if (!items.length && pageNumber > 1) {
      cursors.pop();
      return load({ keepNotice: true });
    }
    if (!items.length) {
      results.replaceChildren(emptyState({
        title: 'No one is in this group yet',
        detail: byHand
          ? (admin ? 'Find people above and add them one by one.' : 'An administrator adds its people.')
          : 'No active person matches its rule yet. It fills up by itself when people match.',
        test: 'members-empty',
      }));
      return;
    }
    results.replaceChildren(...[
      table(items),
      pager({
        hasPrevious: pageNumber > 1,
        hasNext: Boolean(page?.next_cursor),
        summary: `Page ${pageNumber}`,
        label: 'Member pages',
        test: 'members-pager',
        onPrevious: () => {
          cursors.pop();
          load().then(() => results.querySelector('[data-test^="members-pager-"]')?.focus());
        },
        onNext: () => {
          cursors.push(lastPage.next_cursor);
          load().then(() => results.querySelector('[data-test="members-pager-next"], [data-test="members-pager-previous"]')?.focus());
        },
      }),
    ].filter(Boolean));
  }

  if (admin && byHand) addArea.append(addForm());
  else if (admin) {
    addArea.append(statusMessage({
      tone: 'info',
      title: 'This group’s members follow its rule',
      detail: 'People join and leave by themselves as their details change. To choose people yourself, change the group to “By hand” below.',
      test: 'members-by-rule',
    }));
  }
  load();
  const el = card({ title: 'Members', test: 'group-members' }, addArea, notice, results);
  el.classList.add('card--members');
  return el;
}

export function groupPage({ outlet, params, router, session, signal }) {
  if (!params.id) {
    newGroup({ outlet, router, signal });
    return;
  }
  const admin = canManageGroups(session);
  const names = createNameCache(signal);
  const box = h('div', {}, pageHeader({ title: 'Group', back: BACK }), loadingState('Loading the group…', { test: 'group-loading' }));
  outlet.append(box);

  async function deleteGroup(group, btn) {
    const ok = await confirmDialog({
      title: `Delete the group “${group.name}”?`,
      message: `The group and its list of members go. The ${group.member_count === 1 ? 'person' : 'people'} in it stay in Waymark. This cannot be undone.`,
      confirmLabel: 'Delete group',
      danger: true,
      test: 'confirm-delete-group',
    });
    if (!ok) return;
    await whileBusy(btn, 'Deleting…', async () => {
      try {
        await del(`/api/v1/groups/${group.id}`);
      } catch (err) {
        if (err.name === 'AbortError') return;
        box.querySelector('[data-test="group-notice"]')?.replaceChildren(errorState(err, { title: 'The group was not deleted', test: 'group-delete-error' }));
        return;
      }
      setFlash({ tone: 'ok', title: `The group “${group.name}” is deleted.` });
      router.navigate('/groups');
    });
  }

  async function load({ focus } = {}) {
    let group;
    try {
      group = await get(`/api/v1/groups/${encodeURIComponent(params.id)}`, { signal });
      group = group?.group || group;
    } catch (err) {
      if (err.name === 'AbortError') return;
      const missing = err.status === 404 || err.status === 400;
      box.replaceChildren(
        pageHeader({ title: missing ? 'Group not found' : 'Group', back: BACK }),
        missing
          ? statusMessage({ tone: 'info', title: 'There is no such group', detail: 'It may have been deleted, or the link may be mistyped.', test: 'group-missing' })
          : errorState(err, { title: 'Waymark could not load this group', retry: () => load(), test: 'group-error' }));
      return;
    }
    document.title = `${group.name} · Waymark`;
    const count = h('dd', { dataset: { test: 'group-member-count' } }, String(group.member_count ?? '—'));
    const refreshCount = async () => {
      try {
        const g = await get(`/api/v1/groups/${group.id}`, { signal });
        count.textContent = String((g?.group || g).member_count ?? '—');
      } catch { /* the count is a detail; the table is already right */ }
    };
    const parts = [
      pageHeader({
        title: group.name,
        back: BACK,
        lead: group.description || null,
        actions: admin ? button('Delete group', { variant: 'danger', test: 'group-delete', onClick: (e) => deleteGroup(group, e.currentTarget) }) : null,
      }),
      takeFlash({ test: 'group-flash' }),
      h('div', { class: 'notice-area', dataset: { test: 'group-notice' } }),
      card({ title: 'Who is in it', test: 'group-summary', wide: true },
        h('dl', { class: 'details' },
          h('dt', {}, 'Chosen'),
          h('dd', { dataset: { test: 'group-kind' } }, group.rule ? badge('By rule', { tone: 'info' }) : badge('By hand', { tone: 'muted' })),
          group.rule ? [h('dt', {}, 'Rule'), h('dd', { dataset: { test: 'group-rule' } }, ruleInWords(group.rule, names))] : null,
          h('dt', {}, 'Members'),
          count,
          h('dt', {}, 'Last changed'),
          h('dd', {}, timeEl(group.updated_at, { fallback: '—' }))),
        admin ? null : h('p', { class: 'muted', dataset: { test: 'group-read-only' } }, 'Only administrators can change groups.')),
      membersCard({ group, admin, signal, onCountChange: refreshCount }),
    ];
    if (admin) {
      parts.push(card({ title: 'Change the group', test: 'group-edit', wide: true },
        groupForm({
          group,
          names,
          onSaved: async (saved) => {
            setFlash({ tone: 'ok', title: `Changes to “${saved.name}” are saved.` });
            await load({ focus: true });
          },
        })));
    }
    box.replaceChildren(h('div', { class: 'stack', dataset: { test: 'group' } }, parts));
    if (focus) {
      const h1 = box.querySelector('h1');
      h1?.setAttribute('tabindex', '-1');
      h1?.focus();
    }
  }
  return load();
}
