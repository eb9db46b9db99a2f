// An operator stops Waymark (SIGTERM from systemd or a deploy): requests already in flight
// are finished, new connections are refused, idle keep-alive connections do not delay the
// exit, and the process exits 0.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';

import { RawConnection, buildRequest, expectRawError, sleep, waitFor } from './lib/http.js';
import { startServer } from './lib/server.js';

async function inFlight(url) {
  const text = await (await fetch(new URL('/metrics', url))).text();
  return Number(/^waymark_http_requests_in_flight (\d+)$/m.exec(text)?.[1] ?? NaN);
}

/** Tries a new connection and a request: 'refused', 'closed' (hung up), 'timeout' or the status. */
function tryNewRequest(url, timeoutMs) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let data = '';
    const done = (what) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(what);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('connect', () => socket.write(buildRequest({ path: '/healthz' })));
    socket.on('data', (d) => {
      data += d;
      const m = /^HTTP\/1\.\d (\d{3})/.exec(data);
      if (m) done(Number(m[1]));
    });
    socket.on('error', (err) => done(err.code === 'ECONNREFUSED' ? 'refused' : 'closed'));
    socket.on('end', () => done('closed'));
  });
}

/** Resolves to the exit { code, signal }, or null if the server is still running after ms. */
async function exitWithin(server, ms) {
  let timer;
  const r = await Promise.race([server.exited, new Promise((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  clearTimeout(timer);
  return r;
}

describe('server shuts down gracefully', () => {
  /** Starts a POST whose body is only half sent, and waits until the server counts it. */
  async function startSlowRequest(server, body) {
    const conn = await RawConnection.open(server.url);
    await conn.write(buildRequest({
      method: 'POST',
      path: '/api/v1/auth/login',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
    }));
    await conn.write(body.slice(0, 5));
    // The slow request and the /metrics call asking are both in flight.
    await waitFor(async () => (await inFlight(server.url)) >= 2, { what: 'the slow request to be in flight' });
    return conn;
  }

  test('a request in flight at SIGTERM is finished before the server exits', async () => {
    const server = await startServer();
    try {
      const body = '{"a":,,,,,,}'; // malformed on purpose: a known answer (400) once complete
      const conn = await startSlowRequest(server, body);
      const signalled = Date.now();
      server.kill('SIGTERM');
      await sleep(500);
      assert.equal(server.running(), true, 'the server waits for the request in flight');

      await conn.write(body.slice(5));
      const res = await conn.readResponse({ timeoutMs: 5000 });
      expectRawError(res, 400, 'malformed_json', 'the in-flight request is answered');
      conn.close();

      const exit = await exitWithin(server, 8000);
      assert.ok(exit, 'the server exits once the in-flight request is done');
      assert.ok(Date.now() - signalled < 8500);
    } finally {
      await server.stop(); // asserts exit 0 and no sanitizer report
    }
  });

  test('while it finishes in-flight requests, new connections are refused', async () => {
    const server = await startServer();
    const body = '{"a":,,,,,,}';
    const conn = await startSlowRequest(server, body);
    try {
      server.kill('SIGTERM');
      await sleep(300);
      assert.equal(server.running(), true, 'still waiting for the request in flight');
      const attempt = await tryNewRequest(server.url, 2000);
      assert.ok(attempt === 'refused' || attempt === 'closed',
        `a new connection after SIGTERM must be refused (or reset), got: ${attempt === 'timeout' ? 'accepted but never answered within 2 s' : attempt}`);
    } finally {
      await conn.write(body.slice(5));
      await conn.readResponse({ timeoutMs: 5000 }).catch(() => {});
      conn.close();
      await server.stop();
    }
  });

  test('idle keep-alive connections do not delay the exit', async () => {
    const server = await startServer({ args: ['--idle-timeout', '60'] });
    const idle = [];
    try {
      for (let i = 0; i < 3; i++) {
        const conn = await RawConnection.open(server.url);
        await conn.write(buildRequest({ path: '/healthz' }));
        assert.equal((await conn.readResponse()).status, 200);
        idle.push(conn); // kept open, idle
      }
      const signalled = Date.now();
      server.kill('SIGTERM');
      const exit = await exitWithin(server, 8000);
      assert.ok(exit, `the server exited within 8 s despite idle connections (idle timeout is 60 s)`);
      assert.equal(exit.code, 0);
      assert.ok(Date.now() - signalled < 8000);
    } finally {
      for (const c of idle) c.close();
      await server.stop();
    }
  });

  test('a request that never completes holds the exit only for --shutdown-timeout', async () => {
    const server = await startServer({ args: ['--shutdown-timeout', '1', '--idle-timeout', '60'] });
    const conn = await RawConnection.open(server.url);
    try {
      await conn.write(buildRequest({
        method: 'POST',
        path: '/api/v1/auth/login',
        headers: { 'Content-Type': 'application/json', 'Content-Length': '100' },
      }));
      await conn.write('{"a":');
      await waitFor(async () => (await inFlight(server.url)) >= 2, { what: 'the stuck request to be in flight' });
      server.kill('SIGTERM');
      const exit = await exitWithin(server, 8000);
      assert.ok(exit, 'the server gave up on the stuck request and exited');
      assert.equal(exit.code, 0);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  test('SIGINT (Ctrl-C) stops it cleanly too', async () => {
    const server = await startServer();
    const res = await fetch(new URL('/healthz', server.url));
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    server.kill('SIGINT');
    const exit = await exitWithin(server, 8000);
    assert.ok(exit, 'exited after SIGINT');
    assert.deepEqual(exit, { code: 0, signal: null });
    await server.stop();
  });
});
