// A visitor loads the web UI: files come with the right types and caching headers, app paths
// fall back to index.html, and no trick in the path ever reads a file outside the web root.
//
// The server runs on a COPY of web/ in a temporary folder, next to a secret file outside
// it, with symlinks inside the copy that point at the secret — so a leak would show the
// secret's unique text in a response body.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertHealthy, expectError, expectRawError, rawRequest } from './lib/http.js';
import { WEB_ROOT, startServer } from './lib/server.js';

const SECRET = `TOP-SECRET-${randomBytes(8).toString('hex')}`;

describe('static files stay inside the web root', () => {
  let server;
  let dir;
  let webRoot;
  let indexHtml;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'waymark-static-'));
    webRoot = path.join(dir, 'web');
    await cp(WEB_ROOT, webRoot, { recursive: true });
    await writeFile(path.join(dir, 'secret.txt'), SECRET);
    await writeFile(path.join(dir, 'secret'), SECRET);
    await mkdir(path.join(dir, 'private'));
    await writeFile(path.join(dir, 'private', 'notes.txt'), SECRET);
    // Links inside the web root that lead out of it.
    await symlink(path.join(dir, 'secret.txt'), path.join(webRoot, 'leak.txt'));
    await symlink('../secret.txt', path.join(webRoot, 'relative-leak.txt'));
    await symlink(path.join(dir, 'private'), path.join(webRoot, 'private'));
    await symlink('/etc/passwd', path.join(webRoot, 'passwd.txt'));
    // A file that is meant to be served, with a known body.
    await writeFile(path.join(webRoot, 'hello.txt'), 'hello from the web root\n');
    indexHtml = await readFile(path.join(webRoot, 'index.html'), 'utf8');
    server = await startServer({ webRoot });
  });

  after(async () => {
    try {
      await server?.stop();
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  test('/ and /index.html are the app shell as HTML', async () => {
    for (const p of ['/', '/index.html']) {
      const res = await fetch(new URL(p, server.url));
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8', p);
      assert.equal(await res.text(), indexHtml, p);
    }
  });

  test('assets are served with their content types', async () => {
    const expected = {
      '/css/app.css': 'text/css; charset=utf-8',
      '/js/app.js': 'text/javascript; charset=utf-8',
      '/js/api.js': 'text/javascript; charset=utf-8',
      '/js/router.js': 'text/javascript; charset=utf-8',
      '/js/ui.js': 'text/javascript; charset=utf-8',
      '/favicon.svg': 'image/svg+xml',
      '/hello.txt': 'text/plain; charset=utf-8',
    };
    for (const [p, type] of Object.entries(expected)) {
      const res = await fetch(new URL(p, server.url));
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-type'), type, p);
      const body = Buffer.from(await res.arrayBuffer());
      assert.deepEqual(body, await readFile(path.join(webRoot, p)), `${p} is the file's exact bytes`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
      assert.match(res.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._-]{1,64}$/, `X-Request-Id on ${p}`);
    }
  });

  test('an ETag lets the browser revalidate with 304, and changes with the file', async () => {
    const first = await fetch(new URL('/hello.txt', server.url));
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^(W\/)?"[^"]+"$/, 'a quoted ETag');

    const again = await fetch(new URL('/hello.txt', server.url), { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    assert.equal(again.headers.get('etag'), etag);
    assert.ok(again.headers.get('x-request-id'), 'a 304 carries X-Request-Id too');

    const stale = await fetch(new URL('/hello.txt', server.url), { headers: { 'If-None-Match': '"not-the-etag"' } });
    assert.equal(stale.status, 200);
    assert.equal(await stale.text(), 'hello from the web root\n');

    await writeFile(path.join(webRoot, 'hello.txt'), 'hello again, now longer\n');
    const changed = await fetch(new URL('/hello.txt', server.url), { headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200, 'a changed file is sent again');
    assert.equal(await changed.text(), 'hello again, now longer\n');
    assert.notEqual(changed.headers.get('etag'), etag);
  });

  test('app paths without an extension fall back to index.html', async () => {
    for (const p of ['/journey', '/journey/today', '/workflows/42/edit', '/no-such-page']) {
      const res = await fetch(new URL(p, server.url));
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8', p);
      assert.equal(await res.text(), indexHtml, p);
    }
  });

  test('an unknown file with an extension is a JSON 404', async () => {
    for (const p of ['/missing.js', '/css/missing.css', '/images/logo.png', '/nope.html']) {
      await expectError(await fetch(new URL(p, server.url)), 404, 'not_found', p);
    }
  });

  test('only GET and HEAD are allowed on static paths', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(new URL('/index.html', server.url), { method });
      const allow = res.headers.get('allow') ?? '';
      await expectError(res, 405, 'method_not_allowed', `${method} /index.html`);
      assert.match(allow, /\bGET\b/);
    }
    const head = await fetch(new URL('/index.html', server.url), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  // Raw paths, exactly as sent on the wire (fetch would normalise most of them away).
  const TRAVERSALS = [
    '/../secret.txt',
    '/../../../../etc/passwd',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/.%2e/secret.txt',
    '/css/../../secret.txt',
    '/css/%2e%2e/%2e%2e/secret.txt',
    '/css/..%2f..%2fsecret.txt',
    '/%2e%2e%5csecret.txt',
    '/..\\secret.txt',
    '/%252e%252e/secret.txt',
    '/....//secret.txt',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/leak.txt',
    '/relative-leak.txt',
    '/passwd.txt',
    '/private/notes.txt',
    '/private/../secret.txt',
    '/hello.txt%00.html',
    '/index.html%00../secret.txt',
    '/%00',
    '/css%00/../../secret.txt',
  ];

  for (const p of TRAVERSALS) {
    test(`GET ${p} never leaves the web root`, async () => {
      const res = await rawRequest(server.url, { path: p });
      assert.doesNotMatch(res.text, new RegExp(SECRET), `${p} leaked the secret file`);
      assert.doesNotMatch(res.text, /root:x:0:0/, `${p} leaked /etc/passwd`);
      // Not even a file inside the root under another name (a NUL cutting the path short),
      // nor the app shell: a path like this is refused outright.
      assert.ok([400, 404].includes(res.status), `${p}: status ${res.status}, body ${JSON.stringify(res.text.slice(0, 80))}`);
      if (res.status === 404) expectRawError(res, 404, 'not_found', p);
    });
  }

  test('the server still answers after all that', async () => {
    await assertHealthy(server.url);
  });
});
