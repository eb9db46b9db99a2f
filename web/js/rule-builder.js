// rule-builder.js — the rule of a group in words, and the form that builds one.
//
// A rule (see src/people/groups.h) is {"all": [...]} or {"any": [...]}, each condition
// {field, op, value}: department and job_title with equals or contains (a text), manager_id
// with equals (direct reports) or under (the whole team below them; a person's id), role
// with has (a role name). ruleInWords() says a rule as a sentence ("Department is Sales and
// Role includes Coach"), filling in managers' names as they arrive. ruleBuilder() is the
// fieldset that edits one: "all" or "any", then one row per condition (field, how to
// compare, value — a text box, a person picker for a manager, a select for a role) with
// Remove, and "Add a condition". The server checks the rule; its 422 details name the exact
// part ("rule.all[1].value") and showError() puts each beside its condition.

import { personPicker } from './person-picker.js';
import { button, field, h, uid } from './ui.js';

export const RULE_MAX = 20;

const TEXT_OPS = [
  { value: 'equals', label: 'is' },
  { value: 'contains', label: 'contains' },
];

export const RULE_FIELDS = [
  { value: 'department', label: 'Department', ops: TEXT_OPS },
  { value: 'job_title', label: 'Job title', ops: TEXT_OPS },
  {
    value: 'manager_id',
    label: 'Manager',
    ops: [
      { value: 'equals', label: 'is (direct reports)' },
      { value: 'under', label: 'is, at any level' },
    ],
  },
  { value: 'role', label: 'Role', ops: [{ value: 'has', label: 'includes' }] },
];

export const RULE_ROLES = [
  { value: 'learner', label: 'Learner' },
  { value: 'coach', label: 'Coach' },
  { value: 'assessor', label: 'Assessor' },
  { value: 'designer', label: 'Designer' },
  { value: 'admin', label: 'Administrator' },
];

const PART_LABELS = { field: 'Field', op: 'How to compare', value: 'Value' };

function fieldDef(name) {
  return RULE_FIELDS.find((f) => f.value === name) || RULE_FIELDS[0];
}

/** "all" or "any" and the conditions of a rule, or null for none. */
export function ruleParts(rule) {
  if (!rule || typeof rule !== 'object') return null;
  const kind = Array.isArray(rule.any) ? 'any' : 'all';
  return { kind, conditions: Array.isArray(rule[kind]) ? rule[kind] : [] };
}

/**
 * The rule as a sentence in a <span>: "Department is “Sales” and Role includes Coach".
 * names: a people-data createNameCache() for managers (filled in when they arrive).
 */
export function ruleInWords(rule, names) {
  const parts = ruleParts(rule);
  if (!parts) return h('span', {}, 'Chosen by hand');
  const joiner = parts.kind === 'any' ? ' or ' : ' and ';
  const out = h('span', { class: 'rule-words' });
  parts.conditions.forEach((c, i) => {
    if (i) out.append(h('span', { class: 'rule-words__join' }, joiner));
    const def = fieldDef(c.field);
    if (c.field === 'manager_id') {
      const who = h('strong', {}, `person ${c.value}`);
      names?.lookup(c.value).then((p) => {
        if (p) who.textContent = p.name || p.email;
      }).catch(() => {});
      if (c.op === 'under') out.append('is in the team of ', who, ' (at any level)');
      else out.append('reports to ', who);
    } else if (c.field === 'role') {
      out.append('has the role ', h('strong', {}, RULE_ROLES.find((r) => r.value === c.value)?.label || String(c.value)));
    } else {
      const op = c.op === 'contains' ? 'contains' : 'is';
      out.append(`${def.label} ${op} `, c.value === '' ? h('em', {}, 'empty') : h('strong', {}, `“${c.value}”`));
    }
  });
  return out;
}

/**
 * ruleBuilder({ rule, names, test }) → { el, value(), showError(detail) → summary item | null,
 *   clearErrors(), focus() }. value() is the rule object to send, or { problems } with
 * [{ message, part }] for what the page checks itself (a manager must be chosen).
 */
export function ruleBuilder({ rule = null, names = null, test = 'rule' } = {}) {
  const parts = ruleParts(rule) || { kind: 'all', conditions: [{ field: 'department', op: 'equals', value: '' }] };
  const list = h('ol', { class: 'rule__list', dataset: { test: `${test}-conditions` } });
  const said = h('p', { class: 'visually-hidden', role: 'status' });
  const ruleError = h('p', { class: 'field__error', hidden: true, dataset: { test: `${test}-error` } });
  const match = field({
    label: 'People are in the group when they match',
    name: 'rule_kind',
    type: 'select',
    value: parts.kind,
    options: [
      { value: 'all', label: 'all of these conditions' },
      { value: 'any', label: 'any of these conditions' },
    ],
    test: `${test}-match`,
  });
  const addButton = button('Add a condition', {
    variant: 'secondary',
    test: `${test}-add`,
    onClick: () => {
      add({ field: 'department', op: 'equals', value: '' });
      const last = rows[rows.length - 1];
      said.textContent = `Condition ${rows.length} added.`;
      last.focus();
    },
  });
  const rows = [];

  function renumber() {
    rows.forEach((r, i) => r.number(i + 1));
    addButton.hidden = rows.length >= RULE_MAX;
    for (const r of rows) r.removable(rows.length > 1);
  }

  function add(cond) {
    const row = conditionRow(cond, {
      names,
      test,
      onRemove: () => {
        const i = rows.indexOf(row);
        rows.splice(i, 1);
        row.el.remove();
        renumber();
        said.textContent = `Condition ${i + 1} removed.`;
        (rows[i] || rows[i - 1])?.focus();
      },
    });
    rows.push(row);
    list.append(row.el);
    renumber();
  }
  for (const c of parts.conditions.length ? parts.conditions : [{ field: 'department', op: 'equals', value: '' }]) add(c);

  const el = h('div', { class: 'rule', dataset: { test } },
    ruleError,
    match.el,
    list,
    said,
    h('div', { class: 'rule__add' }, addButton));

  return {
    el,
    value() {
      const problems = [];
      const conditions = rows.map((r, i) => {
        const v = r.value();
        if (v.problem) problems.push({ message: `Condition ${i + 1}: ${v.problem}`, row: r, index: i });
        return v.condition;
      });
      if (problems.length) return { problems };
      return { rule: { [match.value()]: conditions } };
    },
    /** Shows a problem the page found (from value().problems); returns a summary item. */
    showProblem(p) {
      p.row.setError(p.message.replace(/^Condition \d+: /, ''));
      return { message: p.message, field: { el: p.row.el, input: p.row.valueInput(), focus: () => p.row.focusPart('value') } };
    },
    /** Puts one 422 detail beside its condition; returns a summary item, or null when it is not about the rule. */
    showError(d) {
      if (typeof d?.field !== 'string' || !d.field.startsWith('rule')) return null;
      const m = /^rule\.(?:all|any)\[(\d+)\](?:\.(field|op|value))?$/.exec(d.field);
      const message = d.message || 'is not right';
      if (m && rows[Number(m[1])]) {
        const row = rows[Number(m[1])];
        const part = m[2] || 'value';
        const sentence = /^[a-z]/.test(message) ? `${m[2] ? PART_LABELS[part] : 'This condition'} ${message}` : message;
        row.setError(sentence);
        return { message: `Condition ${Number(m[1]) + 1}: ${sentence}`, field: { el: row.el, input: row.partInput(part), focus: () => row.focusPart(part) } };
      }
      const sentence = /^[a-z]/.test(message) ? `The rule ${message}` : message;
      ruleError.replaceChildren(h('span', { class: 'visually-hidden' }, 'Error: '), sentence);
      ruleError.hidden = false;
      return { message: sentence, field: { el, input: match.input, focus: () => match.focus() } };
    },
    clearErrors() {
      ruleError.hidden = true;
      ruleError.replaceChildren();
      for (const r of rows) r.setError(null);
    },
    focus: () => match.focus(),
  };
}

/** One condition: field, how to compare, value, Remove. */
function conditionRow(cond, { names, test, onRemove }) {
  const id = uid('condition');
  const legend = h('legend', { class: 'rule__legend', id: `${id}-legend` }, 'Condition');
  const error = h('p', { class: 'field__error', id: `${id}-error`, hidden: true, dataset: { test: `${test}-condition-error` } });
  const which = field({ label: 'Field', name: `${id}-field`, type: 'select', value: cond.field, options: RULE_FIELDS, test: `${test}-field` });
  const opBox = h('div', { class: 'rule__op' });
  const valueBox = h('div', { class: 'rule__value' });
  let op = null;
  let value = null; // { el, get(), input, focus }
  let number = 1;
  const remove = button('Remove condition', { variant: 'quiet', size: 'small', test: `${test}-remove`, onClick: onRemove });

  function build(c) {
    const def = fieldDef(which.value());
    const opValue = def.ops.some((o) => o.value === c.op) ? c.op : def.ops[0].value;
    op = field({ label: 'How to compare', name: `${id}-op`, type: 'select', value: opValue, options: def.ops, test: `${test}-op` });
    opBox.replaceChildren(op.el);
    if (def.value === 'manager_id') {
      const initial = c.value ? { id: c.value, name: `Person ${c.value}`, email: '' } : null;
      const picker = personPicker({ legend: 'Manager', name: `${id}-value`, value: initial, test: `${test}-manager`, emptyLabel: 'No manager chosen yet.' });
      picker.el.querySelector('.field__optional')?.remove(); // a condition needs its manager
      if (c.value && names) {
        names.lookup(c.value).then((p) => {
          const strong = picker.el.querySelector(`[data-test="${test}-manager-chosen-name"]`);
          if (p && strong) strong.textContent = p.name || p.email;
        }).catch(() => {});
      }
      value = { el: picker.el, get: () => picker.value(), input: picker.input, focus: () => picker.focus() };
    } else if (def.value === 'role') {
      const f = field({ label: 'Role', name: `${id}-value`, type: 'select', value: c.value || 'learner', options: RULE_ROLES, test: `${test}-role` });
      value = { el: f.el, get: () => f.value(), input: f.input, focus: () => f.focus() };
    } else {
      const f = field({ label: 'Value', name: `${id}-value`, value: typeof c.value === 'string' ? c.value : '', attrs: { autocomplete: 'off' }, test: `${test}-value` });
      value = { el: f.el, get: () => f.value().trim(), input: f.input, focus: () => f.focus() };
    }
    valueBox.replaceChildren(value.el);
  }
  build(cond);
  which.input.addEventListener('change', () => build({ field: which.value(), op: op.value(), value: '' }));

  const el = h('li', { class: 'rule__condition', dataset: { test: `${test}-condition` } },
    h('fieldset', { class: 'fieldset rule__fieldset', 'aria-labelledby': `${id}-legend` },
      legend,
      error,
      h('div', { class: 'rule__row' }, which.el, opBox, valueBox),
      h('div', { class: 'rule__actions' }, remove)));

  function part(name) {
    if (name === 'field') return which;
    if (name === 'op') return op;
    return value;
  }

  return {
    el,
    number(n) {
      number = n;
      legend.textContent = `Condition ${n}`;
      remove.textContent = `Remove condition ${n}`;
    },
    removable(yes) {
      remove.hidden = !yes;
    },
    value() {
      const f = which.value();
      const v = value.get();
      if (f === 'manager_id' && !v) return { problem: 'Choose the manager', condition: null };
      return { condition: { field: f, op: op.value(), value: v } };
    },
    setError(message) {
      error.hidden = !message;
      error.replaceChildren(...(message ? [h('span', { class: 'visually-hidden' }, `Error in condition ${number}: `), message] : []));
      el.classList.toggle('rule__condition--error', Boolean(message));
      for (const input of [which.input, op.input, value.input]) {
        if (message) {
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', error.id);
        } else {
          input.removeAttribute('aria-invalid');
          input.removeAttribute('aria-describedby');
        }
      }
    },
    valueInput: () => value.input,
    partInput: (name) => part(name).input,
    focusPart: (name) => part(name).focus(),
    focus: () => which.focus(),
  };
}
