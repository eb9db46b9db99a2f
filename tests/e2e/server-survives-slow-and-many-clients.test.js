// Slow, idle and very many clients connect at once. Everyone else is still served promptly,
// idle sockets are closed after --idle-timeout, and a thousand simultaneous connections
// are all answered.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { RawConnection, assertHealthy, buildRequest, openConnections, sleep } from './lib/http.js';
import { startServer } from './lib/server.js';

const IDLE_TIMEOUT_S = 3;

async function timedHealthz(url) {
  const started = performance.now();
  const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(10_000) });
  const body = await res.json();
  return { status: res.status, body, ms: performance.now() - started };
}

describe('server survives slow and many clients', () => {
  let server;
  before(async () => {
    server = await startServer({
      args: ['--idle-timeout', String(IDLE_TIMEOUT_S), '--max-connections', '2000'],
    });
  });
  after(async () => {
    await server?.stop();
  });

  test('clients sending a byte a second do not hold up anyone else', async () => {
    // More dribblers than worker threads (2), so a blocked worker would show.
    const request = buildRequest({ path: '/healthz' });
    const dribblers = await openConnections(server.url, 6);
    const dribbling = dribblers.map((c) => c.dribble(request.subarray(0, 6), 1000));

    const samples = [];
    const until = Date.now() + 5500;
    while (Date.now() < until) {
      samples.push(await timedHealthz(server.url));
      await sleep(250);
    }
    assert.deepEqual(await Promise.all(dribbling), dribblers.map(() => true), 'the slow clients are still connected');
    for (const s of samples) {
      assert.equal(s.status, 200);
      assert.deepEqual(s.body, { status: 'ok' });
    }
    const slowest = Math.max(...samples.map((s) => s.ms));
    assert.ok(slowest < 1000, `every /healthz answered within 1 s while others dribbled (slowest ${slowest.toFixed(0)} ms)`);

    // Bytes kept arriving more often than the idle timeout, so the dribblers were kept; when
    // they finally send the rest of the request they are answered.
    for (const c of dribblers) {
      assert.equal(c.closed, false, 'a slow but active client is not cut off');
      await c.write(request.subarray(6));
    }
    for (const c of dribblers) {
      const res = await c.readResponse();
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { status: 'ok' });
      c.close();
    }
  });

  test('a silent connection is closed after --idle-timeout', async () => {
    const silent = await RawConnection.open(server.url);
    const opened = Date.now();
    const closed = await silent.waitClosed((IDLE_TIMEOUT_S + 5) * 1000);
    silent.close();
    assert.ok(closed, `the silent connection was still open ${IDLE_TIMEOUT_S + 5} s later`);
    const after = (silent.closedAt - opened) / 1000;
    assert.ok(after >= IDLE_TIMEOUT_S - 1, `closed after ${after.toFixed(1)} s, not before the idle timeout of ${IDLE_TIMEOUT_S} s`);
  });

  test('a kept-alive connection is closed once idle, and that is not an error', async () => {
    const conn = await RawConnection.open(server.url);
    await conn.write(buildRequest({ path: '/healthz' }));
    const res = await conn.readResponse();
    assert.equal(res.status, 200);
    const answered = Date.now();
    const closed = await conn.waitClosed((IDLE_TIMEOUT_S + 5) * 1000);
    conn.close();
    assert.ok(closed, 'the idle keep-alive connection was closed');
    assert.ok((conn.closedAt - answered) / 1000 >= IDLE_TIMEOUT_S - 1, 'not before the idle timeout');
    await assertHealthy(server.url);
  });

  test('a client stalled half-way through its headers is closed after --idle-timeout', async () => {
    const conn = await RawConnection.open(server.url);
    await conn.write('GET /healthz HTTP/1.1\r\nHost: local');
    const closed = await conn.waitClosed((IDLE_TIMEOUT_S + 5) * 1000);
    conn.close();
    assert.ok(closed, 'the stalled connection was closed');
  });

  test('1,000 concurrent connections are all answered', async () => {
    const N = 1000;
    const conns = await openConnections(server.url, N);
    try {
      // All 1,000 are open before any request is sent, so they are truly concurrent.
      assert.equal(conns.filter((c) => c.closed).length, 0, 'no connection was refused');
      await Promise.all(conns.map((c) => c.write(buildRequest({ path: '/healthz' }))));
      const results = await Promise.all(conns.map((c) => c.readResponse({ timeoutMs: 30_000 }).catch((err) => err)));
      const failures = results.filter((r) => r instanceof Error || r.status !== 200);
      assert.equal(failures.length, 0, `${failures.length} of ${N} not answered 200; first: ${failures[0]?.message ?? failures[0]?.status}`);
      for (const r of results) assert.deepEqual(r.json(), { status: 'ok' });

      // Still connected, they can all ask again on the same connections.
      await Promise.all(conns.map((c) => c.write(buildRequest({ path: '/healthz' }))));
      const again = await Promise.all(conns.map((c) => c.readResponse({ timeoutMs: 30_000 }).catch((err) => err)));
      assert.equal(again.filter((r) => r instanceof Error || r.status !== 200).length, 0, 'second round on the same connections');
    } finally {
      for (const c of conns) c.close();
    }
    await assertHealthy(server.url, 'after 1,000 connections');
  });
});
