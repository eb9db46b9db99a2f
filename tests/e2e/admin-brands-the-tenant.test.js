// An admin brands the organisation: renames it, sets its time zone, working days and
// colour (bad values are all reported and nothing changes), uploads a PNG logo that every
// colleague then sees, and has disguised files refused. Another organisation's admin sees
// and changes only their own.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addUser, client, expectApiError, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

// A real 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64');
// The start of a JFIF file is all the server looks at.
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'),
  Buffer.alloc(64, 0x20), Buffer.from([0xff, 0xd9])]);
const HTML = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

async function getLogo(server, who) {
  const res = await fetch(new URL('/api/v1/tenant/logo', server.url), { headers: who ? { Cookie: who.cookie } : {} });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('admin brands the tenant', () => {
  let server;
  let admin;
  let learner;
  let rival;

  before(async () => {
    server = await startServer();
    const acme = await seedTenant(server, { slug: 'acme', name: 'Acme' });
    const globex = await seedTenant(server, { slug: 'globex', name: 'Globex' });
    await addUser(server, { tenant: 'acme', email: 'lea@acme.example', name: 'Lea', password: 'learner password 1' });
    admin = await signIn(server, { ...acme.admin, tenant: 'acme' });
    rival = await signIn(server, { ...globex.admin, tenant: 'globex' });
    learner = await signIn(server, { email: 'lea@acme.example', password: 'learner password 1', tenant: 'acme' });
  });
  after(async () => {
    await server?.stop();
  });

  test('everyone signed in reads the settings; the defaults are sensible', async () => {
    const res = await learner.get('/api/v1/tenant');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.slug, 'acme');
    assert.equal(res.body.name, 'Acme');
    assert.equal(res.body.time_zone, 'UTC');
    assert.deepEqual(res.body.working_days, ['mon', 'tue', 'wed', 'thu', 'fri']);
    assert.equal(res.body.brand_colour, '#1f5fbf');
    assert.equal(res.body.has_logo, false);
    assert.equal(res.body.logo_url, null);
    expectApiError(await client(server).get('/api/v1/tenant'), 401, 'unauthorized');
  });

  test('bad settings are all reported at once and change nothing', async () => {
    const before = (await admin.get('/api/v1/tenant')).body;
    let err = expectApiError(await admin.patch('/api/v1/tenant', {
      name: '   ', time_zone: 'Mars/Olympus_Mons', working_days: ['mon', 'mon'], brand_colour: 'red',
    }), 422, 'validation_failed');
    assert.deepEqual(err.details.map((d) => d.field).sort(), ['brand_colour', 'name', 'time_zone', 'working_days']);

    for (const [body, field] of [
      [{ time_zone: '../../../../etc/passwd' }, 'time_zone'],
      [{ time_zone: '/etc/localtime' }, 'time_zone'],
      [{ time_zone: 'Europe' }, 'time_zone'],
      [{ time_zone: 'zone.tab' }, 'time_zone'],
      [{ working_days: [] }, 'working_days'],
      [{ working_days: ['monday'] }, 'working_days'],
      [{ working_days: 'mon' }, 'working_days'],
      [{ brand_colour: '#12345' }, 'brand_colour'],
      [{ brand_colour: '#1234567' }, 'brand_colour'],
      [{ brand_colour: 'javascript:alert(1)' }, 'brand_colour'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ name: 42 }, 'name'],
      [{ slug: 'hijack' }, 'slug'],
      [{ logo: 'data:image/png;base64,AAAA' }, 'logo'],
    ]) {
      err = expectApiError(await admin.patch('/api/v1/tenant', body), 422, 'validation_failed', JSON.stringify(body));
      assert.equal(err.details[0].field, field, JSON.stringify(body));
    }
    const after_ = (await admin.get('/api/v1/tenant')).body;
    assert.deepEqual(after_, before);
  });

  test('only an admin of the organisation changes it, with the CSRF token', async () => {
    expectApiError(await learner.patch('/api/v1/tenant', { name: 'Learner Co' }), 403, 'forbidden');
    expectApiError(await client(server, { Cookie: admin.cookie }).patch('/api/v1/tenant', { name: 'No CSRF' }), 403, 'csrf_failed');
    expectApiError(await client(server).patch('/api/v1/tenant', { name: 'Anonymous' }), 401, 'unauthorized');
    assert.equal((await admin.get('/api/v1/tenant')).body.name, 'Acme');
  });

  test('an admin renames and sets the zone, days and colour; the change is audited', async () => {
    const res = await admin.patch('/api/v1/tenant', {
      name: 'Acme <b>Group</b>', time_zone: 'Europe/London', working_days: ['sun', 'mon', 'tue'], brand_colour: '#C0FFEE',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, 'Acme <b>Group</b>');
    assert.equal(res.body.time_zone, 'Europe/London');
    assert.deepEqual(res.body.working_days, ['mon', 'tue', 'sun']);
    assert.equal(res.body.brand_colour, '#c0ffee');
    assert.equal((await learner.get('/api/v1/tenant')).body.name, 'Acme <b>Group</b>');
    // A partial change leaves the rest alone.
    const partial = await admin.patch('/api/v1/tenant', { time_zone: 'America/Argentina/Buenos_Aires' });
    assert.equal(partial.status, 200, partial.text);
    assert.equal(partial.body.name, 'Acme <b>Group</b>');
    assert.equal(partial.body.brand_colour, '#c0ffee');

    const rows = (await server.db.query("SELECT changes FROM audit_log WHERE action = 'tenant.update' ORDER BY id"))
      .trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0].name, { old: 'Acme', new: 'Acme <b>Group</b>' });
    assert.deepEqual(rows[0].working_days, { old: ['mon', 'tue', 'wed', 'thu', 'fri'], new: ['mon', 'tue', 'sun'] });
    assert.deepEqual(rows[0].brand_colour, { old: '#1f5fbf', new: '#c0ffee' });
    assert.deepEqual(rows[1], { time_zone: { old: 'Europe/London', new: 'America/Argentina/Buenos_Aires' } });
  });

  test('a PNG logo is stored and served to colleagues; disguised files are refused', async () => {
    assert.equal((await getLogo(server, learner)).status, 404);

    // An HTML page renamed to .png, an SVG (scripts!), a GIF, an empty body: refused.
    expectApiError(await admin.put('/api/v1/tenant/logo', HTML, { 'Content-Type': 'image/png' }), 415, 'unsupported_media_type');
    expectApiError(await admin.put('/api/v1/tenant/logo', SVG, { 'Content-Type': 'image/svg+xml' }), 415, 'unsupported_media_type');
    expectApiError(await admin.put('/api/v1/tenant/logo', Buffer.from('GIF89a\x01\x00\x01\x00'), { 'Content-Type': 'image/gif' }), 415, 'unsupported_media_type');
    expectApiError(await admin.put('/api/v1/tenant/logo', Buffer.alloc(0), { 'Content-Type': 'image/png' }), 422, 'validation_failed');
    // Over 512 KiB, even if it starts like a PNG.
    const huge = Buffer.concat([PNG, Buffer.alloc(512 * 1024)]);
    expectApiError(await admin.put('/api/v1/tenant/logo', huge, { 'Content-Type': 'image/png' }), 413, 'payload_too_large');
    // Not by a learner, not without CSRF.
    expectApiError(await learner.put('/api/v1/tenant/logo', PNG, { 'Content-Type': 'image/png' }), 403, 'forbidden');
    expectApiError(await client(server, { Cookie: admin.cookie }).put('/api/v1/tenant/logo', PNG, { 'Content-Type': 'image/png' }), 403, 'csrf_failed');
    assert.equal((await getLogo(server, learner)).status, 404, 'nothing was stored');

    const res = await admin.put('/api/v1/tenant/logo', PNG, { 'Content-Type': 'image/png' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.has_logo, true);
    assert.match(res.body.logo_url, /^\/api\/v1\/tenant\/logo\?v=\d+$/);

    const logo = await getLogo(server, learner);
    assert.equal(logo.status, 200);
    assert.equal(logo.headers.get('content-type'), 'image/png');
    assert.equal(logo.headers.get('cache-control'), 'private, max-age=300');
    assert.equal(logo.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(logo.body, PNG);
    assert.equal((await getLogo(server, null)).status, 401);

    // The bytes decide the type, not the header.
    assert.equal((await admin.put('/api/v1/tenant/logo', JPEG, { 'Content-Type': 'image/png' })).status, 200);
    const jpeg = await getLogo(server, learner);
    assert.equal(jpeg.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(jpeg.body, JPEG);
  });

  test("another organisation's admin sees and changes only their own", async () => {
    const theirs = await rival.get('/api/v1/tenant');
    assert.equal(theirs.status, 200);
    assert.equal(theirs.body.slug, 'globex');
    assert.equal(theirs.body.has_logo, false);
    assert.equal((await getLogo(server, rival)).status, 404);
    expectApiError(await rival.delete('/api/v1/tenant/logo'), 404, 'not_found');
    assert.equal((await rival.patch('/api/v1/tenant', { name: 'Globex Corp', brand_colour: '#000000' })).status, 200);
    const ours = (await admin.get('/api/v1/tenant')).body;
    assert.equal(ours.name, 'Acme <b>Group</b>');
    assert.equal(ours.brand_colour, '#c0ffee');
    assert.equal(ours.has_logo, true);
  });

  test('the logo is removed by an admin only', async () => {
    expectApiError(await learner.delete('/api/v1/tenant/logo'), 403, 'forbidden');
    assert.equal((await admin.delete('/api/v1/tenant/logo')).status, 204);
    assert.equal((await getLogo(server, learner)).status, 404);
    expectApiError(await admin.delete('/api/v1/tenant/logo'), 404, 'not_found');
    const t = (await learner.get('/api/v1/tenant')).body;
    assert.equal(t.has_logo, false);
    assert.equal(t.logo_url, null);
    const actions = (await server.db.query("SELECT action FROM audit_log WHERE action LIKE 'tenant.logo%' ORDER BY id")).trim().split('\n');
    assert.deepEqual(actions, ['tenant.logo_update', 'tenant.logo_update', 'tenant.logo_delete']);
  });
});
