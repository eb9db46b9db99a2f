// people.js — organisations, people and signed-in clients for end-to-end tests.
//
// addTenant/addUser run the operator CLI (`waymark tenant add`, `waymark user add`)
// against the server's own database, exactly as an operator would, with the password on
// standard input. signIn() returns a client that carries the session cookie and sends
// X-CSRF-Token on every request, like the web UI; bearer() returns one that sends an API
// token instead.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

import { assertErrorShape } from './http.js';
import { WAYMARK_BIN } from './server.js';

/** Runs waymark with args, writing input to its stdin. Resolves { code, stdout, stderr }. */
export function runCli(args, input = '') {
  return new Promise((resolve, reject) => {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WAYMARK_')) env[k] = v;
    const child = spawn(WAYMARK_BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command that never reads its input (tenant add) may exit before the write lands:
    // that EPIPE is expected, not a failure.
    child.stdin.on('error', (err) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(input);
  });
}

function dbUrl(server) {
  return server.db?.url ?? server.db;
}

/** Creates an organisation through the CLI; throws with its output when it fails. */
export async function addTenant(server, { slug, name = slug, timezone = 'UTC' }) {
  const r = await runCli(['tenant', 'add', '--slug', slug, '--name', name, '--timezone', timezone,
    '--db', dbUrl(server)]);
  assert.equal(r.code, 0, `waymark tenant add ${slug}: ${r.stderr}`);
  return r;
}

/** Creates a user through the CLI; roles is an array of role names. */
export async function addUser(server, { tenant, email, name = email.split('@')[0], roles = [],
  password }) {
  const args = ['user', 'add', '--tenant', tenant, '--email', email, '--name', name, '--db',
    dbUrl(server)];
  if (roles.length) args.push('--roles', roles.join(','));
  const r = await runCli(args, `${password}\n`);
  assert.equal(r.code, 0, `waymark user add ${email}: ${r.stderr}`);
  return r;
}

/** An organisation with one admin; resolves to { slug, admin: {email, password} }. */
export async function seedTenant(server, { slug, name = slug, admin = {} } = {}) {
  const who = {
    email: admin.email ?? `admin@${slug}.example`,
    password: admin.password ?? 'correct horse battery',
    name: admin.name ?? 'Ada Admin',
  };
  await addTenant(server, { slug, name });
  await addUser(server, { tenant: slug, ...who, roles: ['admin'] });
  return { slug, admin: who };
}

/** A client for server that sends the given headers on every request. */
export function client(server, headers = {}) {
  async function request(method, path, body, extra = {}) {
    const h = { ...headers, ...extra };
    let payload;
    if (body !== undefined) {
      if (typeof body === 'string' || body instanceof Uint8Array) {
        payload = body;
      } else {
        payload = JSON.stringify(body);
        h['Content-Type'] ??= 'application/json';
      }
    }
    const res = await fetch(new URL(path, server.url), { method, headers: h, body: payload,
      redirect: 'manual' });
    const text = await res.text();
    let json = null;
    if ((res.headers.get('content-type') ?? '').startsWith('application/json') && text)
      json = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: json, text };
  }
  return {
    headers,
    request,
    get: (p, extra) => request('GET', p, undefined, extra),
    post: (p, b, extra) => request('POST', p, b, extra),
    put: (p, b, extra) => request('PUT', p, b, extra),
    patch: (p, b, extra) => request('PATCH', p, b, extra),
    delete: (p, extra) => request('DELETE', p, undefined, extra),
  };
}

/** Signs in; resolves to a client with .user, .tenant, .csrfToken and .cookie. */
export async function signIn(server, { email, password, tenant }) {
  const body = { email, password };
  if (tenant) body.tenant = tenant;
  const res = await fetch(new URL('/api/v1/auth/login', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `sign-in as ${email}: ${res.status} ${text}`);
  const json = JSON.parse(text);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const m = /waymark_session=([0-9a-f]{64})/.exec(setCookie);
  assert.ok(m, `sign-in sets the session cookie: ${setCookie}`);
  const cookie = `waymark_session=${m[1]}`;
  const c = client(server, { Cookie: cookie, 'X-CSRF-Token': json.csrf_token });
  return Object.assign(c, { user: json.user, tenant: json.tenant, csrfToken: json.csrf_token,
    cookie });
}

/** A client that authenticates with an API token (no cookie, no CSRF token). */
export function bearer(server, token) {
  return client(server, { Authorization: `Bearer ${token}` });
}

/** assertErrorShape for a result of client()/signIn() requests. Returns the error. */
export function expectApiError(res, wantStatus, wantCode, context = '') {
  return assertErrorShape({
    status: res.status,
    contentType: res.headers.get('content-type'),
    requestId: res.headers.get('x-request-id'),
    text: res.text,
  }, wantStatus, wantCode, context);
}
