// pages/settings.js — the organisation's settings, for administrators (/settings).
//
// One form for the name, time zone, working days and brand colour (PATCH /api/v1/tenant,
// only the fields that changed; the server checks them all and writes nothing if one is
// wrong, so each of its 422 details goes beside its field and what was typed stays). The
// brand colour has a colour picker and its #rrggbb code side by side, kept in step, with a
// live preview of the header band and a note on how readable its text is: the shell picks
// black or white text, whichever contrasts more (textColourOn, shared with the shell).
//
// The logo has its own section: the current logo, an upload (the image itself is the
// body of PUT /api/v1/tenant/logo; the server recognises PNG and JPEG by their bytes and
// refuses anything else or anything over 512 KiB) and a remove button that asks first.
// Every change is handed to the session (updateTenant), so the header changes at once,
// without reloading the page.
//
// Below them come the notification sections (settings-notifications.js): when Waymark
// nudges people and through which mail relay, the webhooks, and the outbox log.

import { api, del, get, patch } from '../api.js';
import { updateTenant } from '../session.js';
import { luminance, textColourOn } from '../shell.js';
import {
  button, card, checkboxGroup, confirmDialog, errorState, errorSummary, field, h, loadingState, pageHeader,
  showFormErrors, statusMessage, uid, whileBusy,
} from '../ui.js';
import { notificationSettingsSection, outboxSection, webhooksSection } from './settings-notifications.js';

const LOGO_MAX = 512 * 1024;
const HEX6 = /^#?[0-9a-f]{6}$/i;

const DAYS = [
  { value: 'mon', label: 'Monday' },
  { value: 'tue', label: 'Tuesday' },
  { value: 'wed', label: 'Wednesday' },
  { value: 'thu', label: 'Thursday' },
  { value: 'fri', label: 'Friday' },
  { value: 'sat', label: 'Saturday' },
  { value: 'sun', label: 'Sunday' },
];

/** Common IANA zones offered while typing; any zone of the tz database is accepted. */
const TIME_ZONES = [
  'UTC', 'Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Europe/Paris', 'Europe/Brussels', 'Europe/Amsterdam',
  'Europe/Berlin', 'Europe/Madrid', 'Europe/Rome', 'Europe/Zurich', 'Europe/Vienna', 'Europe/Stockholm', 'Europe/Oslo',
  'Europe/Copenhagen', 'Europe/Warsaw', 'Europe/Prague', 'Europe/Athens', 'Europe/Helsinki', 'Europe/Istanbul',
  'Europe/Kyiv', 'Europe/Moscow', 'Africa/Lagos', 'Africa/Cairo', 'Africa/Nairobi', 'Africa/Johannesburg',
  'Asia/Dubai', 'Asia/Karachi', 'Asia/Kolkata', 'Asia/Dhaka', 'Asia/Bangkok', 'Asia/Jakarta', 'Asia/Singapore',
  'Asia/Hong_Kong', 'Asia/Shanghai', 'Asia/Manila', 'Asia/Seoul', 'Asia/Tokyo', 'Australia/Perth',
  'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Sydney', 'Australia/Melbourne', 'Pacific/Auckland',
  'America/St_Johns', 'America/Halifax', 'America/New_York', 'America/Toronto', 'America/Chicago',
  'America/Mexico_City', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Vancouver',
  'America/Anchorage', 'Pacific/Honolulu', 'America/Bogota', 'America/Lima', 'America/Santiago',
  'America/Argentina/Buenos_Aires', 'America/Sao_Paulo',
];

/** "#1F5FBF" or "1f5fbf" → "#1f5fbf"; anything else → null. */
function normaliseHex(text) {
  const t = String(text || '').trim();
  if (!HEX6.test(t)) return null;
  return (t.startsWith('#') ? t : `#${t}`).toLowerCase();
}

/** The contrast ratio of the header text Waymark would use on colour, e.g. 7.3. */
function bandContrast(colour) {
  const l = luminance(colour);
  return textColourOn(colour) === '#000000' ? (l + 0.05) / 0.05 : 1.05 / (l + 0.05);
}

/** A small copy of the header band: the organisation's logo or Waymark's sign, and its name. */
function bandPreview() {
  // Waymark's sign from the page's own header, drawn in the preview's colours.
  const sign = document.querySelector('.site-header .brand__mark')?.cloneNode(true);
  const mark = sign || h('span', { class: 'settings-preview__mark' });
  if (sign) {
    sign.setAttribute('class', 'brand__mark settings-preview__sign');
    sign.removeAttribute('style'); // the shell hides its own while a logo is shown
  }
  const logo = h('img', { class: 'settings-preview__logo', alt: '', hidden: true });
  const name = h('span', { class: 'settings-preview__name' });
  const band = h('div', { class: 'settings-preview__band', dataset: { test: 'colour-preview' } },
    mark, logo, name, h('span', { class: 'settings-preview__nav', 'aria-hidden': 'true' }, 'Home · People · Profile'));
  const captionId = uid('preview');
  const note = h('p', { class: 'settings-preview__note', id: `${captionId}-note`, dataset: { test: 'contrast-note' } });
  const el = h('figure', { class: 'settings-preview', 'aria-labelledby': captionId, 'aria-describedby': note.id },
    h('figcaption', { class: 'settings-preview__caption', id: captionId }, 'Preview of the header'),
    band,
    note);
  return {
    el,
    update({ colour, tenantName, logoUrl }) {
      const fg = textColourOn(colour);
      band.style.setProperty('background-color', colour);
      band.style.setProperty('color', fg);
      if (sign) sign.querySelector('.brand__sign')?.style.setProperty('stroke', colour);
      else mark.style.setProperty('border-color', fg);
      name.textContent = tenantName || 'Your organisation';
      if (logoUrl) {
        logo.src = logoUrl;
        logo.alt = 'Logo';
        logo.hidden = false;
        mark.toggleAttribute('hidden', true);
      } else {
        logo.removeAttribute('src');
        logo.alt = '';
        logo.hidden = true;
        mark.toggleAttribute('hidden', false);
      }
      const ratio = bandContrast(colour);
      note.textContent = `Waymark writes ${fg === '#000000' ? 'black' : 'white'} text on ${colour}, as it is easier to read than `
        + `${fg === '#000000' ? 'white' : 'black'}: a contrast of ${(Math.floor(ratio * 10) / 10).toFixed(1)} to 1. `
        + (ratio >= 7 ? 'That is easy to read for almost everyone.' : 'That meets the accessibility standard of 4.5 to 1; a darker or lighter colour would be easier still.');
    },
  };
}

/** The name, time zone, working days and colour form. */
function settingsForm({ tenant, onSaved }) {
  let saved = tenant;
  const result = h('div', { class: 'notice-area', dataset: { test: 'settings-result' } });
  const name = field({ label: 'Organisation name', name: 'name', value: tenant.name, hint: 'Shown at the top of every page and in messages to people.', attrs: { autocomplete: 'organization', maxlength: '200' } });
  const listId = uid('time-zones');
  const zone = field({
    label: 'Time zone',
    name: 'time_zone',
    value: tenant.time_zone,
    hint: 'Due dates and reminders follow this zone. Type a region and a city, like Europe/London or America/New_York.',
    attrs: { list: listId, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' },
  });
  zone.el.append(h('datalist', { id: listId }, TIME_ZONES.map((z) => h('option', { value: z }))));
  const days = checkboxGroup({
    legend: 'Working days',
    name: 'working_days',
    hint: 'Reminders and due dates skip the other days.',
    options: DAYS.map((d) => ({ ...d, checked: tenant.working_days.includes(d.value) })),
    test: 'field-working_days',
  });
  const colour = field({
    label: 'Brand colour',
    name: 'brand_colour',
    value: tenant.brand_colour,
    hint: 'The colour of the band at the top of every page. Pick it, or type its code: # and six digits or letters a to f.',
    attrs: { autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', maxlength: '7' },
  });
  colour.input.classList.add('input--mono');
  const picker = h('input', { type: 'color', class: 'settings-colour__picker', value: tenant.brand_colour, 'aria-label': 'Pick the brand colour', dataset: { test: 'colour-picker' } });
  colour.el.append(h('div', { class: 'settings-colour' }, picker, colour.input));
  const preview = bandPreview();
  const showPreview = () => preview.update({
    colour: normaliseHex(colour.value()) || saved.brand_colour,
    tenantName: name.value().trim() || saved.name,
    logoUrl: saved.has_logo ? saved.logo_url : null,
  });
  picker.addEventListener('input', () => {
    colour.input.value = picker.value;
    showPreview();
  });
  colour.input.addEventListener('input', () => {
    const hex = normaliseHex(colour.value());
    if (hex) picker.value = hex;
    showPreview();
  });
  name.input.addEventListener('input', showPreview);

  const fields = [name, zone, days, colour];
  const summary = errorSummary({ test: 'settings-errors' });
  const submit = button('Save settings', { type: 'submit', test: 'settings-save' });
  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'settings-form' } },
    summary.el, name.el, zone.el, days.el, colour.el, preview.el,
    h('div', { class: 'form__actions' }, submit));

  function changes() {
    const typedColour = colour.value().trim();
    const all = {
      name: name.value().trim(),
      time_zone: zone.value().trim(),
      working_days: days.values(),
      brand_colour: normaliseHex(typedColour) || typedColour,
    };
    const out = {};
    for (const [k, v] of Object.entries(all)) {
      const same = Array.isArray(v) ? v.join() === saved[k].join() : v === saved[k];
      if (!same) out[k] = v;
    }
    return out;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    result.replaceChildren();
    const problems = [];
    if (!name.value().trim()) problems.push({ field: 'name', message: 'Enter the organisation’s name' });
    if (!zone.value().trim()) problems.push({ field: 'time_zone', message: 'Enter a time zone, like Europe/London' });
    if (!days.values().length) problems.push({ field: 'working_days', message: 'Choose at least one working day' });
    if (problems.length) {
      showFormErrors(summary, fields, { message: 'Please fix the following', details: problems });
      return;
    }
    const sent = changes();
    if (!Object.keys(sent).length) {
      for (const f of fields) f.setError(null);
      result.replaceChildren(statusMessage({ tone: 'info', title: 'Nothing to save', detail: 'No setting was changed.', test: 'settings-saved' }));
      return;
    }
    await whileBusy(submit, 'Saving…', async () => {
      let res;
      try {
        res = await patch('/api/v1/tenant', sent);
      } catch (err) {
        if (err.name === 'AbortError') return;
        showFormErrors(summary, fields, err, { heading: 'The settings were not saved' });
        return;
      }
      for (const f of fields) f.setError(null);
      saved = res;
      colour.input.value = res.brand_colour;
      picker.value = res.brand_colour;
      showPreview();
      onSaved(res);
      const msg = statusMessage({ tone: 'ok', title: 'The settings are saved', detail: 'Everyone in your organisation sees them from now on.', test: 'settings-saved' });
      msg.setAttribute('tabindex', '-1');
      result.replaceChildren(msg);
      msg.focus();
    });
  });

  showPreview();
  return {
    el: card({ title: 'Name, time and colour', test: 'settings-details', wide: true }, result, form),
    setTenant(t) {
      saved = { ...saved, has_logo: t.has_logo, logo_url: t.logo_url };
      showPreview();
    },
  };
}

/** The logo: what is there now, upload a new one, remove it. */
function logoSection({ tenant, onSaved }) {
  let current = tenant;
  const result = h('div', { class: 'notice-area', dataset: { test: 'logo-result' } });
  const shown = h('div', { class: 'settings-logo', dataset: { test: 'logo-current' } });
  const file = field({
    label: 'Choose a new logo',
    name: 'logo',
    type: 'file',
    hint: 'A PNG or JPEG image of at most 512 KiB. It is shown up to 32 pixels high, so a wide logo with a clear background works best.',
    attrs: { accept: 'image/png,image/jpeg' },
    test: 'logo-file',
  });
  const summary = errorSummary({ test: 'logo-errors' });
  const upload = button('Upload logo', { type: 'submit', test: 'logo-upload' });
  const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'logo-form' } },
    summary.el, file.el, h('div', { class: 'form__actions' }, upload));

  function fail(message, heading = 'The logo was not uploaded') {
    showFormErrors(summary, [file], { message: heading, details: [{ field: 'logo', message }] }, { heading });
  }

  function render() {
    if (current.has_logo && current.logo_url) {
      const remove = button('Remove logo', { variant: 'danger', test: 'logo-remove', onClick: removeLogo });
      shown.replaceChildren(
        h('div', { class: 'settings-logo__frame' }, h('img', { src: current.logo_url, alt: 'Your organisation’s current logo', class: 'settings-logo__img', dataset: { test: 'logo-image' } })),
        h('div', { class: 'form__actions' }, remove));
    } else {
      shown.replaceChildren(h('p', { class: 'muted', dataset: { test: 'logo-none' } }, 'There is no logo yet. The header shows Waymark’s sign beside your organisation’s name.'));
    }
  }

  async function removeLogo(event) {
    const btn = event.currentTarget;
    result.replaceChildren();
    const ok = await confirmDialog({
      title: 'Remove the logo?',
      message: 'The header will show Waymark’s sign beside your organisation’s name instead. You can upload a logo again at any time.',
      confirmLabel: 'Remove logo',
      danger: true,
      test: 'confirm-remove-logo',
    });
    if (!ok) return;
    await whileBusy(btn, 'Removing…', async () => {
      try {
        await del('/api/v1/tenant/logo');
      } catch (err) {
        if (err.name === 'AbortError') return;
        if (err.status !== 404) { // 404: it was already gone
          result.replaceChildren(errorState(err, { title: 'The logo was not removed', test: 'logo-remove-error' }));
          return;
        }
      }
      let fresh = { ...current, has_logo: false, logo_url: null };
      try {
        fresh = await get('/api/v1/tenant');
      } catch {
        // the header still loses the logo; the rest of the settings are unchanged
      }
      current = fresh;
      onSaved(fresh);
      render();
      const msg = statusMessage({ tone: 'ok', title: 'The logo is removed', test: 'logo-saved' });
      msg.setAttribute('tabindex', '-1');
      result.replaceChildren(msg);
      msg.focus();
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.clear();
    result.replaceChildren();
    const chosen = file.value();
    if (!chosen) return fail('Choose a PNG or JPEG image first');
    if (!chosen.size) return fail('The file is empty. Choose a PNG or JPEG image');
    if (chosen.size > LOGO_MAX) return fail(`The file is ${Math.ceil(chosen.size / 1024)} KiB; a logo can be at most 512 KiB. Make it smaller and try again`);
    await whileBusy(upload, 'Uploading…', async () => {
      let res;
      try {
        const type = chosen.type === 'image/png' || chosen.type === 'image/jpeg' ? chosen.type : 'application/octet-stream';
        res = await api('/api/v1/tenant/logo', { method: 'PUT', body: chosen, contentType: type });
      } catch (err) {
        if (err.name === 'AbortError') return;
        if (err.status === 415) fail('This file is not a PNG or JPEG image. Choose a PNG or JPEG file (other formats, SVG included, are not accepted)');
        else if (err.status === 413) fail('The file is too large: a logo can be at most 512 KiB. Make it smaller and try again');
        else if (err.details?.length) fail(err.details[0].message.replace(/^./, (c) => c.toUpperCase()));
        else fail(err.status === 0 || !err.message ? 'Waymark could not reach its server. Check your connection and try again' : err.message);
        return;
      }
      file.setError(null);
      file.input.value = '';
      current = res;
      onSaved(res);
      render();
      const msg = statusMessage({ tone: 'ok', title: 'The new logo is saved', detail: 'It now shows at the top of every page.', test: 'logo-saved' });
      msg.setAttribute('tabindex', '-1');
      result.replaceChildren(msg);
      msg.focus();
    });
  });

  render();
  return card({ title: 'Logo', test: 'settings-logo', wide: true, lead: 'Your logo replaces Waymark’s sign at the top of every page.' },
    result, shown, form);
}

export function settingsPage({ outlet, signal }) {
  const header = pageHeader({ title: 'Organisation settings', lead: 'Your organisation’s name, time zone, working days, branding and notifications, for everyone who uses Waymark here.' });
  const box = h('div', { class: 'stack', dataset: { test: 'settings' } }, header, loadingState('Loading the settings…', { test: 'settings-loading' }));
  outlet.append(box);

  async function load() {
    box.replaceChildren(header, loadingState('Loading the settings…', { test: 'settings-loading' }));
    let tenant;
    try {
      tenant = await get('/api/v1/tenant', { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      box.replaceChildren(header, errorState(err, { title: 'Waymark could not load the settings', retry: load, test: 'settings-error' }));
      return;
    }
    let form = null;
    const onSaved = (t) => {
      updateTenant(t);
      form?.setTenant(t);
    };
    form = settingsForm({ tenant, onSaved });
    const outbox = outboxSection({ signal });
    box.replaceChildren(header, form.el, logoSection({ tenant, onSaved }),
      notificationSettingsSection({ tenant, signal }),
      webhooksSection({ signal, onQueued: () => outbox.reload() }),
      outbox.el);
  }
  return load();
}
