// A person signs in with email and password, uses the session (with the CSRF token for
// changes), signs out; wrong guesses are answered alike and throttled; passwords and
// session tokens never reach the log.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addTenant, addUser, client, expectApiError as expectError, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

async function login(server, body, headers = {}) {
  const res = await fetch(new URL('/api/v1/auth/login', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
}

describe('person signs in and out', () => {
  let server;
  let acme;
  before(async () => {
    server = await startServer();
    acme = await seedTenant(server, { slug: 'acme', name: 'Acme <b>Ltd</b>' });
  });
  after(async () => {
    await server?.stop();
  });

  test('signing in returns the user, the tenant and a CSRF token, and sets a safe cookie', async () => {
    const res = await login(server, { email: acme.admin.email.toUpperCase(), password: acme.admin.password });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.user.email, acme.admin.email);
    assert.deepEqual(res.body.user.roles, ['admin', 'learner']);
    assert.equal(res.body.tenant.slug, 'acme');
    assert.equal(res.body.tenant.name, 'Acme <b>Ltd</b>');
    assert.match(res.body.csrf_token, /^[0-9a-f]{64}$/);
    assert.equal(res.body.user.password_hash, undefined);
    const cookie = res.headers.get('set-cookie');
    assert.match(cookie, /^waymark_session=[0-9a-f]{64}; /);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
  });

  test('GET /api/v1/me answers for the session and 401 without one', async () => {
    const me = await signIn(server, acme.admin);
    const res = await me.get('/api/v1/me');
    assert.equal(res.status, 200);
    assert.equal(res.body.user.id, me.user.id);
    assert.equal(res.body.csrf_token, me.csrfToken);
    assert.equal(res.body.is_manager, false);
    expectError(await client(server).get('/api/v1/me'), 401, 'unauthorized');
    expectError(await client(server, { Cookie: 'waymark_session=' + 'a'.repeat(64) }).get('/api/v1/me'), 401, 'unauthorized');
    expectError(await client(server, { Cookie: "waymark_session=' OR 1=1 --" }).get('/api/v1/me'), 401, 'unauthorized');
  });

  test('a change without the CSRF token, or with a wrong one, is 403 and changes nothing', async () => {
    const me = await signIn(server, acme.admin);
    const noToken = client(server, { Cookie: me.cookie });
    expectError(await noToken.post('/api/v1/auth/logout'), 403, 'csrf_failed');
    const wrong = client(server, { Cookie: me.cookie, 'X-CSRF-Token': 'f'.repeat(64) });
    expectError(await wrong.post('/api/v1/auth/logout'), 403, 'csrf_failed');
    // The session survived both attempts.
    assert.equal((await me.get('/api/v1/me')).status, 200);
  });

  test('signing out ends the session and clears the cookie', async () => {
    const me = await signIn(server, acme.admin);
    const res = await me.post('/api/v1/auth/logout');
    assert.equal(res.status, 204);
    assert.match(res.headers.get('set-cookie'), /^waymark_session=; .*Max-Age=0/);
    expectError(await me.get('/api/v1/me'), 401, 'unauthorized');
  });

  test('an unknown email and a wrong password get the same answer', async () => {
    const unknown = await login(server, { email: 'nobody@acme.example', password: 'whatever it is' });
    const wrong = await login(server, { email: acme.admin.email, password: 'not the password' });
    expectError(unknown, 401, 'unauthorized');
    expectError(wrong, 401, 'unauthorized');
    assert.equal(unknown.body.error.message, wrong.body.error.message);
  });

  test('malformed sign-in bodies are 422 with field details, never 500', async () => {
    let res = await login(server, { email: 'a@b.example' });
    expectError(res, 422, 'validation_failed');
    assert.deepEqual(res.body.error.details.map((d) => d.field), ['password']);
    res = await login(server, { email: 'a@b.example', password: 'x', admin: true });
    expectError(res, 422, 'validation_failed');
    assert.deepEqual(res.body.error.details.map((d) => d.field), ['admin']);
    res = await login(server, { email: 42, password: ['x'] });
    expectError(res, 422, 'validation_failed');
    res = await login(server, { email: "' OR 1=1; --", password: "' OR 1=1; --" });
    expectError(res, 401, 'unauthorized');
  });

  test('the same email in two organisations signs in where the password matches', async () => {
    await addTenant(server, { slug: 'globex', name: 'Globex' });
    await addTenant(server, { slug: 'initech', name: 'Initech' });
    await addUser(server, { tenant: 'globex', email: 'sam@twins.example', password: 'globex password 1' });
    await addUser(server, { tenant: 'initech', email: 'sam@twins.example', password: 'initech password 2' });
    let res = await login(server, { email: 'sam@twins.example', password: 'initech password 2' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.tenant.slug, 'initech');
    res = await login(server, { email: 'sam@twins.example', password: 'globex password 1', tenant: 'initech' });
    expectError(res, 401, 'unauthorized');
    res = await login(server, { email: 'sam@twins.example', password: 'globex password 1', tenant: 'globex' });
    assert.equal(res.status, 200);
    assert.equal(res.body.tenant.slug, 'globex');
    // Both the same password: the person has to say which organisation.
    await addTenant(server, { slug: 'hooli', name: 'Hooli' });
    await addTenant(server, { slug: 'umbrella', name: 'Umbrella' });
    await addUser(server, { tenant: 'hooli', email: 'kim@twins.example', password: 'same password 3' });
    await addUser(server, { tenant: 'umbrella', email: 'kim@twins.example', password: 'same password 3' });
    res = await login(server, { email: 'kim@twins.example', password: 'same password 3' });
    expectError(res, 422, 'validation_failed');
    assert.equal(res.body.error.details[0].field, 'tenant');
    res = await login(server, { email: 'kim@twins.example', password: 'same password 3', tenant: 'umbrella' });
    assert.equal(res.status, 200);
  });

  test('repeated failures for one account are throttled with Retry-After, also for the right password', async () => {
    await addUser(server, { tenant: 'acme', email: 'target@acme.example', password: 'the right password' });
    for (let i = 0; i < 5; i++)
      expectError(await login(server, { email: 'target@acme.example', password: `guess ${i}` }), 401, 'unauthorized');
    const res = await login(server, { email: 'TARGET@acme.example', password: 'the right password' });
    expectError(res, 429, 'rate_limited');
    const retry = Number(res.headers.get('retry-after'));
    assert.ok(retry > 0 && retry <= 900, `Retry-After ${retry}`);
    // Other accounts are not affected.
    assert.equal((await login(server, { email: acme.admin.email, password: acme.admin.password })).status, 200);
  });

  test('passwords and session tokens never appear in the log', async () => {
    const me = await signIn(server, acme.admin);
    await me.get('/api/v1/me');
    const log = server.stderr();
    assert.ok(!log.includes(acme.admin.password), 'password in log');
    assert.ok(!log.includes(me.cookie.split('=')[1]), 'session token in log');
    assert.ok(!log.includes(me.csrfToken), 'CSRF token in log');
  });
});
