// A hostile or broken client throws malformed, oversized and malicious requests at the API.
// Each is refused with the right status and Waymark's error shape, and the server keeps
// answering everyone else.
//
// POST /api/v1/auth/login is used as "an API path with a body": the body checks run before
// routing, so these answers do not depend on the route existing yet. A VALID JSON body is
// never asserted on here — that is the login journey's business.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { RawConnection, assertHealthy, buildRequest, expectError, expectRawError, rawRequest } from './lib/http.js';
import { expectApiError, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

const MAX_BODY = 1024 * 1024; // the default --max-body
const LOGIN = '/api/v1/auth/login';

function post(url, path, body, headers = { 'Content-Type': 'application/json' }) {
  return fetch(new URL(path, url), { method: 'POST', headers, body });
}

describe('server rejects hostile requests', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await assertHealthy(server.url, 'after the hostile request');
  });
  after(async () => {
    await server?.stop();
  });

  describe('bodies', () => {
    test('a body that is not application/json is 415, checked before routing', async () => {
      await expectError(await post(server.url, LOGIN, 'email=a&password=b', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
      await expectError(await post(server.url, LOGIN, '{"email":"a"}', { 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type', 'JSON sent as text/plain');
      await expectError(await post(server.url, '/api/v1/no-such-route', '{}', { 'Content-Type': 'text/html' }), 415, 'unsupported_media_type', 'unknown route');
      // No Content-Type at all (fetch would add text/plain, so write the request by hand).
      const raw = await rawRequest(server.url, { method: 'POST', path: LOGIN, body: '{}' });
      expectRawError(raw, 415, 'unsupported_media_type', 'no Content-Type');
      // A media type that merely starts with the right letters is still wrong.
      await expectError(await post(server.url, LOGIN, '{}', { 'Content-Type': 'application/jsonx' }), 415, 'unsupported_media_type', 'application/jsonx');
    });

    test('every /api path checks its body before routing, whatever the method', async () => {
      const path = '/api/v1/no-such-route';
      const json = { 'Content-Type': 'application/json' };
      const send = (method, body, headers = json) => fetch(new URL(path, server.url), { method, headers, body });
      await expectError(await send('PATCH', '{}', { 'Content-Type': 'text/csv' }), 415, 'unsupported_media_type', 'PATCH text/csv');
      await expectError(await send('PUT', Buffer.from([0x22, 0xff, 0x22])), 400, 'invalid_utf8', 'PUT bad UTF-8');
      await expectError(await send('DELETE', '['.repeat(100)), 400, 'nesting_too_deep', 'DELETE deep');
      await expectError(await send('POST', '{"a"'), 400, 'malformed_json', 'POST malformed');
      const big = await rawRequest(server.url, {
        method: 'PATCH',
        path,
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(MAX_BODY + 1) },
      });
      expectRawError(big, 413, 'payload_too_large', 'PATCH over the limit');
      // Without a body the route decides: an unknown path is simply not found.
      await expectError(await fetch(new URL(path, server.url), { method: 'POST' }), 404, 'not_found', 'no body');
    });

    test('Content-Type parameters and case are accepted', async () => {
      for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
        const res = await post(server.url, LOGIN, '{"email":', { 'Content-Type': type });
        await expectError(res, 400, 'malformed_json', type);
      }
    });

    test('malformed JSON is 400 malformed_json', async () => {
      for (const body of ['{"email":', '{"email" "a"}', "{'email':'a'}", '[1,2,]', '{"a":1}{"b":2}', 'nul', '"unterminated']) {
        await expectError(await post(server.url, LOGIN, body), 400, 'malformed_json', body);
      }
    });

    test('a body that is not UTF-8 is 400 invalid_utf8', async () => {
      const cases = {
        'lone 0xff': Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
        'overlong slash': Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
        'UTF-16 surrogate': Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
        'truncated sequence': Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
        'Latin-1 é': Buffer.from('{"name":"Ren\xe9"}', 'latin1'),
      };
      for (const [what, body] of Object.entries(cases)) {
        await expectError(await post(server.url, LOGIN, body), 400, 'invalid_utf8', what);
      }
    });

    test('JSON nested 10,000 deep is 400 nesting_too_deep', async () => {
      await expectError(await post(server.url, LOGIN, '['.repeat(10_000) + ']'.repeat(10_000)), 400, 'nesting_too_deep', 'arrays');
      await expectError(await post(server.url, LOGIN, '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)), 400, 'nesting_too_deep', 'objects');
      // Unclosed too: the depth is refused before the grammar is looked at.
      await expectError(await post(server.url, LOGIN, '['.repeat(10_000)), 400, 'nesting_too_deep', 'unclosed');
    });

    test('the depth limit is 64: 65 levels are refused, 64 are not', async () => {
      await expectError(await post(server.url, LOGIN, '['.repeat(65) + ']'.repeat(65)), 400, 'nesting_too_deep', '65 deep');
      const res = await post(server.url, LOGIN, '['.repeat(64) + ']'.repeat(64));
      const text = await res.text();
      assert.doesNotMatch(text, /nesting_too_deep/, `64 levels are allowed: ${res.status} ${text}`);
      // Brackets inside strings are text, not nesting.
      const inString = await post(server.url, LOGIN, JSON.stringify({ email: '['.repeat(1000) }));
      assert.doesNotMatch(await inString.text(), /nesting_too_deep/, 'brackets inside a string do not count');
    });

    test('a body over --max-body with Content-Length is refused at once, unread', async () => {
      // Only the headers are sent: the server must answer without waiting for 10 MiB.
      const conn = await RawConnection.open(server.url);
      try {
        await conn.write(buildRequest({
          method: 'POST',
          path: LOGIN,
          headers: { 'Content-Type': 'application/json', 'Content-Length': String(10 * MAX_BODY) },
        }));
        const res = await conn.readResponse({ timeoutMs: 5000 });
        expectRawError(res, 413, 'payload_too_large');
      } finally {
        conn.close();
      }
    });

    test('a body of exactly --max-body bytes is read; one byte more is 413', async () => {
      const exact = '{"a":"' + 'x'.repeat(MAX_BODY - 6); // unterminated: malformed, but read
      assert.equal(Buffer.byteLength(exact), MAX_BODY);
      await expectError(await post(server.url, LOGIN, exact), 400, 'malformed_json', 'exactly max-body');
      const res = await rawRequest(server.url, {
        method: 'POST',
        path: LOGIN,
        headers: { 'Content-Type': 'application/json' },
        body: exact + 'x',
      });
      expectRawError(res, 413, 'payload_too_large', 'max-body + 1');
    });

    test('a chunked body over --max-body is 413', async () => {
      const conn = await RawConnection.open(server.url);
      try {
        await conn.write(buildRequest({
          method: 'POST',
          path: LOGIN,
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        }));
        const chunk = Buffer.from('x'.repeat(64 * 1024));
        const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
        let sent = 0;
        while (sent < 1.5 * MAX_BODY && (await conn.write(frame))) sent += chunk.length;
        await conn.write('0\r\n\r\n');
        const res = await conn.readResponse({ timeoutMs: 10_000 });
        expectRawError(res, 413, 'payload_too_large', `after ${sent} chunked bytes`);
      } finally {
        conn.close();
      }
    });

    test('a huge chunked body does not exhaust the server', async () => {
      // 64 MiB, far beyond the limit: the server may answer 413 or hang up early, but it
      // must not buffer it all or stop serving others.
      const conn = await RawConnection.open(server.url);
      let answered = null;
      try {
        await conn.write(buildRequest({
          method: 'POST',
          path: LOGIN,
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        }));
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
        for (let sent = 0; sent < 64 * MAX_BODY; sent += chunk.length) if (!(await conn.write(frame))) break;
        await conn.write('0\r\n\r\n');
        answered = await conn.readResponse({ timeoutMs: 10_000 }).catch((err) => err);
      } finally {
        conn.close();
      }
      if (!(answered instanceof Error)) expectRawError(answered, 413, 'payload_too_large', '64 MiB chunked');
      else assert.equal(answered.code, 'ECLOSED', `the server hung up rather than timing out: ${answered.message}`);
    });
  });

  describe('URLs and headers', () => {
    test('a URL over 8 KiB is 414 uri_too_long', async () => {
      const long = 'a'.repeat(9000);
      await expectError(await fetch(new URL(`/healthz?pad=${long}`, server.url)), 414, 'uri_too_long', 'long query');
      await expectError(await fetch(new URL(`/api/v1/${long}`, server.url)), 414, 'uri_too_long', 'long API path');
      await expectError(await fetch(new URL(`/${long}`, server.url)), 414, 'uri_too_long', 'long static path');
    });

    test('a URL just under 8 KiB is served normally', async () => {
      const path = '/healthz?pad=';
      const res = await fetch(new URL(path + 'a'.repeat(8000 - path.length), server.url));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok' });
    });

    test('request headers over 16 KiB in total are 431 headers_too_large', async () => {
      const headers = {};
      for (let i = 0; i < 20; i++) headers[`X-Pad-${i}`] = 'p'.repeat(1000);
      await expectError(await fetch(new URL('/healthz', server.url), { headers }), 431, 'headers_too_large', '20 headers of 1 KB');
      await expectError(await fetch(new URL('/healthz', server.url), { headers: { Cookie: 'c'.repeat(17 * 1024) } }), 431, 'headers_too_large', 'one 17 KiB cookie');
    });

    test('headers under 16 KiB are fine', async () => {
      const res = await fetch(new URL('/healthz', server.url), { headers: { 'X-Pad': 'p'.repeat(12 * 1024) } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    });

    test('headers far over the connection memory are refused by status or hang-up', async () => {
      const conn = await RawConnection.open(server.url);
      try {
        const lines = ['GET /healthz HTTP/1.1', 'Host: localhost'];
        for (let i = 0; i < 200; i++) lines.push(`X-Pad-${i}: ${'p'.repeat(1000)}`);
        await conn.write(lines.join('\r\n') + '\r\n\r\n');
        const res = await conn.readResponse({ timeoutMs: 10_000 }).catch((err) => err);
        if (res instanceof Error) assert.equal(res.code, 'ECLOSED', res.message);
        else assert.ok([413, 431].includes(res.status), `status ${res.status}`);
      } finally {
        conn.close();
      }
    });

    test('a request line that is not HTTP gets 400 or a hang-up, never a crash', async () => {
      for (const junk of ['\x00\x01\x02\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'G E T /healthz HTTP/1.1\r\nHost: x\r\n\r\n']) {
        // A client that never finishes its request line is left to the idle timeout.
        const res = await rawRequest(server.url, junk, { timeoutMs: 2000 }).catch((err) => err);
        if (res instanceof Error) assert.ok(['ECLOSED', 'ETIMEOUT'].includes(res.code), `${JSON.stringify(junk)}: ${res.message}`);
        else assert.ok(res.status >= 400 && res.status < 600 && res.status !== 500, `${JSON.stringify(junk)} → ${res.status}`);
      }
    });
  });

  describe('SQL and HTML in strings', () => {
    test('SQL in a path is just a path that does not exist', async () => {
      const { admin } = await seedTenant(server, { slug: 'hostile' });
      const me = await signIn(server, admin);
      for (const path of [
        "/api/v1/users/1'%20OR%20'1'='1",
        '/api/v1/users/1;DROP%20TABLE%20tenants;--',
        '/api/v1/workflows/1%20UNION%20SELECT%20*%20FROM%20sqlite_master',
      ]) {
        expectApiError(await me.get(path), 404, 'not_found', path);
      }
      // The database is untouched: the migrations table still says what version it is at.
      const version = (await server.db.query('SELECT max(version) FROM schema_migrations')).trim();
      assert.match(version, /^\d+$/, `schema_migrations still readable: ${version}`);
      assert.ok(Number(version) >= 1);
    });

    test('SQL and HTML in a JSON body are only data (never echoed as markup)', async () => {
      const body = '{"email":"\' OR 1=1; DROP TABLE tenants; --","password":"<script>alert(1)</script>",';
      const res = await post(server.url, LOGIN, body);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const error = await expectError(res, 400, 'malformed_json');
      assert.doesNotMatch(JSON.stringify(error), /<script>/);
    });

    test('HTML in an API path comes back as JSON, never as markup', async () => {
      const res = await fetch(new URL('/api/v1/%3Cscript%3Ealert(1)%3C%2Fscript%3E', server.url));
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const error = await expectError(res, 404, 'not_found');
      assert.doesNotMatch(error.message, /<script>/);
    });

    test('a newline in the path cannot forge an access log line', async () => {
      const res = await rawRequest(server.url, { path: '/api/x%0Ats=0%20level=error%20msg=forged%0D%0A' });
      expectRawError(res, 404, 'not_found');
      await new Promise((r) => setTimeout(r, 200));
      const forged = server.stderr().split('\n').filter((l) => /^ts=0 /.test(l) || /^level=error msg=forged/.test(l));
      assert.deepEqual(forged, [], 'no log line begins with the injected text');
    });
  });
});
