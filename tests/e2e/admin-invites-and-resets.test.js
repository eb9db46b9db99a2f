// An admin invites a new colleague (who sets a first password through the one-time link),
// later resets a learner's password: the learner's sessions and old password stop
// working, their integration keeps running, and the reset link works once, for 24 hours.
// Links never appear in the log or the audit log. The server's clock comes from a file so
// the test can step past a link's expiry.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { addUser, bearer, client, expectApiError, seedTenant, signIn } from './lib/people.js';
import { createDatabase, startServer } from './lib/server.js';

const T0 = Date.parse('2026-12-01T09:00:00Z') / 1000;
const LINK_GONE = 'This link is not valid any more.';

function tokenOf(url) {
  const m = /^\/welcome#token=([0-9a-f]{64})$/.exec(url);
  assert.ok(m, `a one-time link: ${url}`);
  return m[1];
}

async function login(server, body) {
  const res = await fetch(new URL('/api/v1/auth/login', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('admin invites and resets', () => {
  let server;
  let nowFile;
  let admin;
  const secrets = [];
  const lea = { email: 'lea@acme.example', password: 'learner first password', tenant: 'acme' };

  const setNow = (t) => writeFile(nowFile, String(t));
  const accept = (body) => client(server).post('/api/v1/auth/accept', body);

  before(async () => {
    const db = await createDatabase();
    nowFile = path.join(db.dir, 'now');
    await setNow(T0);
    server = await startServer({ db, args: ['--now-file', nowFile] });
    await seedTenant(server, { slug: 'acme', name: 'Acme' });
    await seedTenant(server, { slug: 'globex', name: 'Globex' });
    await addUser(server, { tenant: 'acme', email: lea.email, name: 'Lea Learner', password: lea.password });
    admin = await signIn(server, { email: 'admin@acme.example', password: 'correct horse battery', tenant: 'acme' });
  });
  after(async () => {
    const { stderr } = await server.stop();
    await server.db.drop();
    for (const s of secrets) assert.ok(!stderr.includes(s), `the log contains a secret (${s.slice(0, 6)}…)`);
  });

  test('an invited colleague sets a first password once, then signs in', async () => {
    const res = await admin.post('/api/v1/users', { email: 'ivy@acme.example', name: 'Ivy New' });
    assert.equal(res.status, 201, res.text);
    const token = tokenOf(res.body.invitation_url);
    secrets.push(token);

    // No password yet, so nobody can sign in as Ivy.
    assert.equal(await login(server, { email: 'ivy@acme.example', password: 'anything at all' }), 401);

    // A weak password is refused and leaves the link usable.
    let err = expectApiError(await accept({ token, password: 'short' }), 422, 'validation_failed');
    assert.equal(err.details[0].field, 'password');
    err = expectApiError(await accept({ token, password: 'Ivy@Acme.Example' }), 422, 'validation_failed');
    assert.match(err.details[0].message, /email/);
    expectApiError(await accept({ token }), 422, 'validation_failed');
    expectApiError(await accept({ token, password: 'ivy first password', extra: 1 }), 422, 'validation_failed');

    // Six days and 23 hours later the invitation still works; it does not sign in.
    await setNow(T0 + 7 * 86400 - 3600);
    const ok = await accept({ token, password: 'ivy first password' });
    assert.equal(ok.status, 204, ok.text);
    assert.equal(ok.headers.get('set-cookie'), null);
    secrets.push('ivy first password');

    // Once only.
    err = expectApiError(await accept({ token, password: 'ivy other password' }), 404, 'not_found');
    assert.equal(err.message, LINK_GONE);
    await signIn(server, { email: 'ivy@acme.example', password: 'ivy first password', tenant: 'acme' });
    await setNow(T0);
  });

  test('an expired invitation, a guessed token and a malformed one all get the same answer', async () => {
    const res = await admin.post('/api/v1/users', { email: 'max@acme.example', name: 'Max Late' });
    assert.equal(res.status, 201, res.text);
    const token = tokenOf(res.body.invitation_url);
    secrets.push(token);
    await setNow(T0 + 7 * 86400);
    for (const t of [token, 'f'.repeat(64), 'not a token', "' OR 1=1 --", token.toUpperCase()]) {
      const err = expectApiError(await accept({ token: t, password: 'max first password' }), 404, 'not_found', t);
      assert.equal(err.message, LINK_GONE);
    }
    await setNow(T0);
    // Inviting again issues a fresh link; the old one stays dead.
    const again = await admin.post(`/api/v1/users/${res.body.user.id}/password-reset`);
    assert.equal(again.status, 200, again.text);
    secrets.push(tokenOf(again.body.reset_url));
    expectApiError(await accept({ token, password: 'max first password' }), 404, 'not_found');
    assert.equal((await accept({ token: tokenOf(again.body.reset_url), password: 'max first password' })).status, 204);
  });

  test('a reset ends sessions and the old password, keeps tokens, and its link works once', async () => {
    const phone = await signIn(server, lea);
    const made = await phone.post('/api/v1/me/tokens', { name: 'calendar sync' });
    assert.equal(made.status, 201, made.text);
    secrets.push(made.body.token);
    const leaId = phone.user.id;

    // Not without CSRF, not by a learner, not for another organisation's people.
    expectApiError(await client(server, { Cookie: admin.cookie }).post(`/api/v1/users/${leaId}/password-reset`), 403, 'csrf_failed');
    expectApiError(await phone.post(`/api/v1/users/${leaId}/password-reset`), 403, 'forbidden');
    const globexAdmin = await signIn(server, { email: 'admin@globex.example', password: 'correct horse battery', tenant: 'globex' });
    expectApiError(await globexAdmin.post(`/api/v1/users/${leaId}/password-reset`), 404, 'not_found');
    expectApiError(await admin.post(`/api/v1/users/${globexAdmin.user.id}/password-reset`), 404, 'not_found');
    expectApiError(await admin.post('/api/v1/users/999999/password-reset'), 404, 'not_found');
    expectApiError(await admin.post('/api/v1/users/abc/password-reset'), 404, 'not_found');
    expectApiError(await admin.post(`/api/v1/users/${leaId}/password-reset`, { notify: true }), 422, 'validation_failed');
    assert.equal((await phone.get('/api/v1/me')).status, 200, 'nothing happened so far');

    const res = await admin.post(`/api/v1/users/${leaId}/password-reset`, {});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.body.expires_at, '2026-12-02T09:00:00Z');
    const token = tokenOf(res.body.reset_url);
    secrets.push(token);

    // The session and the old password are gone; the integration goes on.
    expectApiError(await phone.get('/api/v1/me'), 401, 'unauthorized');
    assert.equal(await login(server, lea), 401);
    assert.equal((await bearer(server, made.body.token).get('/api/v1/me')).status, 200);

    // The link works once.
    const ok = await accept({ token, password: 'learner reset password' });
    assert.equal(ok.status, 204, ok.text);
    secrets.push('learner reset password');
    const err = expectApiError(await accept({ token, password: 'learner other password' }), 404, 'not_found');
    assert.equal(err.message, LINK_GONE);
    lea.password = 'learner reset password';
    await signIn(server, lea);

    // The audit log records who reset whom, never the link.
    const rows = await server.db.query("SELECT actor_id || ' ' || target_id || ' ' || changes FROM audit_log WHERE action = 'user.password_reset'");
    assert.ok(rows.includes(`${admin.user.id} ${leaId} `), rows);
    for (const s of secrets) assert.ok(!rows.includes(s));
  });

  test('a reset link lasts 24 hours', async () => {
    const res = await admin.post(`/api/v1/users/${(await signIn(server, lea)).user.id}/password-reset`);
    assert.equal(res.status, 200, res.text);
    const token = tokenOf(res.body.reset_url);
    secrets.push(token);
    await setNow(T0 + 24 * 3600);
    expectApiError(await accept({ token, password: 'too late password' }), 404, 'not_found');
    await setNow(T0);
    assert.equal((await accept({ token, password: 'learner third password' })).status, 204);
    secrets.push('learner third password');
  });
});
