// A learner changes their password (the old one stops working, their other sessions end,
// this one stays) and manages API tokens for an integration: creates one, sees it listed
// without the secret, uses it as a bearer token without any CSRF token, revokes it. The
// password and the token never appear in the server's log or in the token's row.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addUser, bearer, client, expectApiError, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

const OLD_PASSWORD = 'learner first password';
const NEW_PASSWORD = 'learner second password';

describe('learner manages password and tokens', () => {
  let server;
  let acme;
  const lea = { email: 'lea@acme.example', password: OLD_PASSWORD, tenant: 'acme' };
  const secrets = [OLD_PASSWORD, NEW_PASSWORD];

  before(async () => {
    server = await startServer();
    acme = await seedTenant(server, { slug: 'acme', name: 'Acme' });
    await addUser(server, { tenant: 'acme', email: lea.email, name: 'Lea Learner', password: OLD_PASSWORD });
  });
  after(async () => {
    const { stderr } = await server.stop();
    // Nothing secret reached the log, whatever the tests above did.
    for (const s of secrets) assert.ok(!stderr.includes(s), `the log contains a secret (${s.slice(0, 6)}…)`);
  });

  test('changing the password needs the current one and ends the other sessions', async () => {
    const laptop = await signIn(server, lea);
    const phone = await signIn(server, lea);

    // Without the CSRF token: refused before anything happens.
    const noCsrf = client(server, { Cookie: laptop.cookie });
    expectApiError(await noCsrf.post('/api/v1/me/password', { current_password: OLD_PASSWORD, new_password: NEW_PASSWORD }), 403, 'csrf_failed');

    // A wrong current password is a validation error, so the session stays.
    let res = await laptop.post('/api/v1/me/password', { current_password: 'not it at all', new_password: NEW_PASSWORD });
    let err = expectApiError(res, 422, 'validation_failed');
    assert.deepEqual(err.details, [{ field: 'current_password', message: 'is not right' }]);
    assert.equal((await laptop.get('/api/v1/me')).status, 200);

    // A weak new password, the email as password, unknown fields, missing fields.
    err = expectApiError(await laptop.post('/api/v1/me/password', { current_password: OLD_PASSWORD, new_password: 'short' }), 422, 'validation_failed');
    assert.equal(err.details[0].field, 'new_password');
    err = expectApiError(await laptop.post('/api/v1/me/password', { current_password: OLD_PASSWORD, new_password: 'LEA@ACME.EXAMPLE' }), 422, 'validation_failed');
    assert.match(err.details[0].message, /email/);
    err = expectApiError(await laptop.post('/api/v1/me/password', { current_password: OLD_PASSWORD, new_password: NEW_PASSWORD, admin: true }), 422, 'validation_failed');
    assert.equal(err.details[0].field, 'admin');
    expectApiError(await laptop.post('/api/v1/me/password', {}), 422, 'validation_failed');
    // None of that ended anything.
    assert.equal((await phone.get('/api/v1/me')).status, 200);

    res = await laptop.post('/api/v1/me/password', { current_password: OLD_PASSWORD, new_password: NEW_PASSWORD });
    assert.equal(res.status, 204, res.text);

    // This session goes on; the phone's has ended.
    assert.equal((await laptop.get('/api/v1/me')).status, 200);
    expectApiError(await phone.get('/api/v1/me'), 401, 'unauthorized');

    // The old password no longer signs in; the new one does.
    const old = await fetch(new URL('/api/v1/auth/login', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: lea.email, password: OLD_PASSWORD }),
    });
    assert.equal(old.status, 401);
    await old.arrayBuffer();
    lea.password = NEW_PASSWORD;
    const again = await signIn(server, lea);
    assert.equal(again.user.email, lea.email);

    // The change is in the audit log without any password.
    const rows = await server.db.query("SELECT changes FROM audit_log WHERE action = 'user.password_change'");
    assert.equal(rows.trim().split('\n').length, 1);
    for (const s of secrets) assert.ok(!rows.includes(s));
  });

  test('an API token is shown once, works as a bearer token without CSRF, and is revoked', async () => {
    const me = await signIn(server, lea);
    let res = await me.post('/api/v1/me/tokens', { name: 'Nightly report' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { id, token, name, created_at: createdAt } = res.body;
    assert.equal(typeof id, 'number');
    assert.equal(name, 'Nightly report');
    assert.match(token, /^wm_[0-9a-f]{64}$/);
    assert.match(createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    secrets.push(token, token.slice(3));

    // The row holds a hash only.
    const stored = await server.db.query(`SELECT name || '|' || token_hash FROM api_tokens WHERE id = ${id}`);
    assert.ok(stored.startsWith('Nightly report|'));
    assert.ok(!stored.includes(token.slice(3)), 'the token is stored in clear');

    // The bearer token reads and changes without cookie or CSRF token.
    const api = bearer(server, token);
    res = await api.get('/api/v1/me');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.user.email, lea.email);
    res = await api.post('/api/v1/me/tokens', { name: 'made by the integration' });
    assert.equal(res.status, 201, res.text);
    const second = res.body;
    secrets.push(second.token);

    // The list shows names and times, never a token; last use is kept.
    res = await me.get('/api/v1/me/tokens');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.next_cursor, null);
    assert.deepEqual(res.body.items.map((t) => t.name), ['Nightly report', 'made by the integration']);
    for (const s of [token, token.slice(3), second.token]) assert.ok(!res.text.includes(s));
    for (const t of res.body.items) assert.deepEqual(Object.keys(t).sort(), ['created_at', 'id', 'last_used_at', 'name']);
    assert.notEqual(res.body.items[0].last_used_at, null, 'last use of the token is recorded');
    assert.equal(res.body.items[1].last_used_at, null);

    // Paging.
    res = await me.get('/api/v1/me/tokens?limit=1');
    assert.equal(res.body.items.length, 1);
    assert.equal(typeof res.body.next_cursor, 'string');
    res = await me.get(`/api/v1/me/tokens?limit=1&cursor=${encodeURIComponent(res.body.next_cursor)}`);
    assert.deepEqual(res.body.items.map((t) => t.name), ['made by the integration']);
    assert.equal(res.body.next_cursor, null);
    expectApiError(await me.get('/api/v1/me/tokens?limit=0'), 400, 'bad_request');
    expectApiError(await me.get('/api/v1/me/tokens?cursor=abc'), 400, 'bad_request');

    // Names: unique among live tokens, 1–100 characters.
    let err = expectApiError(await me.post('/api/v1/me/tokens', { name: 'Nightly report' }), 409, 'conflict');
    assert.equal(err.details[0].field, 'name');
    expectApiError(await me.post('/api/v1/me/tokens', { name: '' }), 422, 'validation_failed');
    expectApiError(await me.post('/api/v1/me/tokens', { name: 'x'.repeat(101) }), 422, 'validation_failed');
    expectApiError(await me.post('/api/v1/me/tokens', { name: 42 }), 422, 'validation_failed');
    expectApiError(await me.post('/api/v1/me/tokens', {}), 422, 'validation_failed');
    err = expectApiError(await me.post('/api/v1/me/tokens', { name: 'ok', scope: 'all' }), 422, 'validation_failed');
    assert.equal(err.details[0].field, 'scope');

    // Revoking: the token stops at once; a second revoke is 404.
    res = await me.delete(`/api/v1/me/tokens/${id}`);
    assert.equal(res.status, 204, res.text);
    expectApiError(await api.get('/api/v1/me'), 401, 'unauthorized');
    expectApiError(await me.delete(`/api/v1/me/tokens/${id}`), 404, 'not_found');
    expectApiError(await me.delete('/api/v1/me/tokens/not-a-number'), 404, 'not_found');
    res = await me.get('/api/v1/me/tokens');
    assert.deepEqual(res.body.items.map((t) => t.name), ['made by the integration']);
    // The other token still works.
    assert.equal((await bearer(server, second.token).get('/api/v1/me')).status, 200);
    // A revoked name may be used again.
    res = await me.post('/api/v1/me/tokens', { name: 'Nightly report' });
    assert.equal(res.status, 201, res.text);
    secrets.push(res.body.token);
  });

  test("someone else's token cannot be listed or revoked, even by an admin of the tenant", async () => {
    const admin = await signIn(server, { ...acme.admin, tenant: 'acme' });
    const mine = await admin.post('/api/v1/me/tokens', { name: 'admin script' });
    assert.equal(mine.status, 201, mine.text);
    secrets.push(mine.body.token);

    const me = await signIn(server, lea);
    const theirs = (await me.get('/api/v1/me/tokens')).body.items;
    assert.ok(theirs.length > 0);
    assert.ok(!theirs.some((t) => t.id === mine.body.id));
    expectApiError(await me.delete(`/api/v1/me/tokens/${mine.body.id}`), 404, 'not_found');
    for (const t of theirs) expectApiError(await admin.delete(`/api/v1/me/tokens/${t.id}`), 404, 'not_found');
    assert.equal((await bearer(server, mine.body.token).get('/api/v1/me')).status, 200);

    // Bearer tokens that look right but are not issued, or are malformed, are 401.
    expectApiError(await bearer(server, `wm_${'0'.repeat(64)}`).get('/api/v1/me'), 401, 'unauthorized');
    expectApiError(await bearer(server, "wm_' OR 1=1 --").get('/api/v1/me'), 401, 'unauthorized');
  });

  test('without signing in nothing here answers', async () => {
    const anon = client(server);
    expectApiError(await anon.get('/api/v1/me/tokens'), 401, 'unauthorized');
    expectApiError(await anon.post('/api/v1/me/tokens', { name: 'x' }), 401, 'unauthorized');
    expectApiError(await anon.post('/api/v1/me/password', { current_password: 'a', new_password: 'bbbbbbbbbbbb' }), 401, 'unauthorized');
    expectApiError(await anon.delete('/api/v1/me/tokens/1'), 401, 'unauthorized');
  });
});
