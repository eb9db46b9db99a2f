// An operator (or a load balancer, or Prometheus) checks that Waymark is up and reads its
// metrics; every answer can be traced by its request id, and connections are kept alive.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { RawConnection, buildRequest, expectError, waitFor } from './lib/http.js';
import { startServer } from './lib/server.js';

/** Parses Prometheus text into { 'name{labels}': number }, labels as written. */
function parseMetrics(text) {
  const samples = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `metrics line is "name{labels} value": ${JSON.stringify(line)}`);
    samples[m[1]] = Number(m[2]);
  }
  return samples;
}

async function readMetrics(url) {
  const res = await fetch(new URL('/metrics', url));
  assert.equal(res.status, 200);
  return parseMetrics(await res.text());
}

const HEALTHZ_200 = 'waymark_http_requests_total{method="GET",route="/healthz",status="200"}';

describe('server answers health and metrics', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('GET /healthz says ok as JSON', async () => {
    const res = await fetch(new URL('/healthz', server.url));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  test('HEAD /healthz answers 200 without a body', async () => {
    const res = await fetch(new URL('/healthz', server.url), { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });

  test('every response carries an X-Request-Id, a fresh one each time', async () => {
    const ids = [];
    for (const path of ['/healthz', '/healthz', '/metrics', '/api/v1/nothing-here']) {
      const res = await fetch(new URL(path, server.url));
      await res.arrayBuffer();
      const id = res.headers.get('x-request-id');
      assert.match(id ?? '', /^[A-Za-z0-9._-]{1,64}$/, `X-Request-Id on ${path}`);
      ids.push(id);
    }
    assert.equal(new Set(ids).size, ids.length, `request ids are unique: ${ids}`);
  });

  test('a well-formed client X-Request-Id is echoed back and logged', async () => {
    const id = `trace.${Date.now()}_abc-DEF`;
    const res = await fetch(new URL('/healthz', server.url), { headers: { 'X-Request-Id': id } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), id);
    await waitFor(() => server.stderr().includes(`req=${id}`), { what: 'the access log line with the client request id' });

    const longest = 'a'.repeat(60) + `${Date.now() % 10000}`.padStart(4, '0');
    assert.equal(longest.length, 64);
    const edge = await fetch(new URL('/api/v1/absent', server.url), { headers: { 'X-Request-Id': longest } });
    await edge.arrayBuffer();
    assert.equal(edge.headers.get('x-request-id'), longest, '64 characters is still accepted, on errors too');
  });

  test('a hostile or overlong client X-Request-Id is replaced, not echoed', async () => {
    for (const bad of ['a b', '<script>', 'x'.repeat(65), 'id"quote', 'semi;colon']) {
      const res = await fetch(new URL('/healthz', server.url), { headers: { 'X-Request-Id': bad } });
      assert.equal(res.status, 200);
      const got = res.headers.get('x-request-id');
      assert.notEqual(got, bad);
      assert.match(got ?? '', /^[A-Za-z0-9._-]{1,64}$/, `replacement id for ${JSON.stringify(bad)}`);
    }
  });

  test('GET /metrics is Prometheus text and counts the /healthz calls', async () => {
    const before = (await readMetrics(server.url))[HEALTHZ_200] ?? 0;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(new URL('/healthz', server.url));
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    // The counter is bumped when a response is completed, so allow it a moment.
    await waitFor(async () => (await readMetrics(server.url))[HEALTHZ_200] === before + 5, {
      what: `${HEALTHZ_200} to reach ${before + 5}`,
    });

    const res = await fetch(new URL('/metrics', server.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4\b/);
    const text = await res.text();
    assert.match(text, /^# TYPE waymark_http_requests_total counter$/m);
    assert.match(text, /^# TYPE waymark_http_request_duration_seconds histogram$/m);
    const m = parseMetrics(text);

    // The histogram is cumulative and complete: +Inf equals _count, buckets never decrease.
    const buckets = Object.entries(m)
      .filter(([k]) => k.startsWith('waymark_http_request_duration_seconds_bucket{'))
      .map(([k, v]) => [/le="([^"]+)"/.exec(k)[1], v]);
    assert.ok(buckets.length >= 5, 'several histogram buckets');
    assert.equal(buckets.at(-1)[0], '+Inf', 'last bucket is +Inf');
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(Number(buckets[i][0]) > Number(buckets[i - 1][0]) || buckets[i][0] === '+Inf', 'bucket bounds ascend');
      assert.ok(buckets[i][1] >= buckets[i - 1][1], 'bucket counts are cumulative');
    }
    assert.equal(m['waymark_http_request_duration_seconds_count'], buckets.at(-1)[1]);
    assert.ok(m['waymark_http_request_duration_seconds_count'] >= before + 5);
    assert.ok(m['waymark_http_request_duration_seconds_sum'] > 0);

    // Database connections: the worker that answered /healthz opened one; none is busy now
    // except possibly the one rendering this very response.
    const open = m['waymark_db_connections{state="open"}'];
    const busy = m['waymark_db_connections{state="busy"}'];
    assert.ok(Number.isInteger(open) && open >= 1 && open <= 2, `db connections open: ${open} (2 threads)`);
    assert.ok(Number.isInteger(busy) && busy >= 0 && busy <= open, `db connections busy: ${busy}`);
  });

  test('errors are counted by status too', async () => {
    const count405 = (m) => Object.entries(m).filter(([k]) => k.startsWith('waymark_http_requests_total{') && k.includes('status="405"')).reduce((a, [, v]) => a + v, 0);
    const before = count405(await readMetrics(server.url));
    const res = await fetch(new URL('/healthz', server.url), { method: 'POST' });
    await res.arrayBuffer();
    assert.equal(res.status, 405);
    await waitFor(async () => count405(await readMetrics(server.url)) === before + 1, {
      what: 'one more status="405" in waymark_http_requests_total',
    });
  });

  test('POST /healthz is 405 with an Allow header', async () => {
    const res = await fetch(new URL('/healthz', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    const allow = res.headers.get('allow') ?? '';
    await expectError(res, 405, 'method_not_allowed');
    assert.match(allow, /\bGET\b/, `Allow: ${allow}`);
    assert.doesNotMatch(allow, /\bPOST\b/, `Allow: ${allow}`);
  });

  test('an unknown /api path is a JSON 404, never the web page', async () => {
    for (const path of ['/api/v1/nothing-here', '/api/v2/healthz', '/api/', '/api/v1/users/1/../../x']) {
      const res = await fetch(new URL(path, server.url));
      await expectError(res, 404, 'not_found', path);
    }
  });

  test('two requests on one connection: keep-alive, no Connection: close', async () => {
    const conn = await RawConnection.open(server.url);
    try {
      await conn.write(buildRequest({ path: '/healthz' }));
      const first = await conn.readResponse();
      assert.equal(first.status, 200);
      assert.deepEqual(first.json(), { status: 'ok' });
      assert.doesNotMatch(first.headers.connection ?? '', /close/i, 'first response must not close the connection');

      await conn.write(buildRequest({ path: '/healthz' }));
      const second = await conn.readResponse();
      assert.equal(second.status, 200);
      assert.deepEqual(second.json(), { status: 'ok' });
      assert.doesNotMatch(second.headers.connection ?? '', /close/i);
      assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);
      assert.equal(conn.closed, false, 'the connection is still open after two requests');

      // Pipelined: two requests written at once come back in order on the same socket.
      await conn.write(Buffer.concat([buildRequest({ path: '/healthz' }), buildRequest({ path: '/metrics' })]));
      const third = await conn.readResponse();
      const fourth = await conn.readResponse();
      assert.equal(third.headers['content-type'], 'application/json; charset=utf-8');
      assert.match(fourth.headers['content-type'], /^text\/plain/);
    } finally {
      conn.close();
    }
  });

  test('the access log has one line per request with method, path and status', async () => {
    const id = `log-check-${Date.now()}`;
    const res = await fetch(new URL('/api/v1/absent', server.url), { headers: { 'X-Request-Id': id } });
    await res.arrayBuffer();
    const line = await waitFor(() => server.stderr().split('\n').find((l) => l.includes(`req=${id}`) && l.includes('status=')), {
      what: 'the access log line',
    });
    assert.match(line, /\bmethod=GET\b/);
    assert.match(line, /\bpath="\/api\/v1\/absent"/);
    assert.match(line, /\bstatus=404\b/);
  });
});
