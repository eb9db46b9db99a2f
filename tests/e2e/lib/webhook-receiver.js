// webhook-receiver.js — an HTTP server on loopback that records every webhook call Waymark
// makes, answers 200 (or what the test told it to), and checks signatures the way
// docs/notifications.md tells receivers to: recompute HMAC-SHA256 of "{timestamp}.{body}"
// with the secret, compare in constant time, refuse stale timestamps.

import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

import { sleep } from './http.js';

/**
 * Starts the receiver on 127.0.0.1 and a free port. Resolves to
 * { url, port, requests, failNext(n, status), waitFor(n), stop() }; each request is
 * { method, path, headers (lower-case names), body (string), status (what was answered),
 *   at (ms) }. Any path is accepted, so one receiver serves several webhooks
 * (url + '/slack', url + '/teams').
 */
export async function startWebhookReceiver() {
  const requests = [];
  const plan = []; // statuses for the next requests
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const status = plan.length ? plan.shift() : 200;
      requests.push({
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status,
        at: Date.now(),
      });
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'not now');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    /** The next n requests are answered with status (e.g. 500) instead of 200. */
    failNext(n, status = 500) {
      for (let i = 0; i < n; i++) plan.push(status);
    },
    /** Resolves to the requests once there are at least n (else throws after timeoutMs). */
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} webhook calls (have ${requests.length})`);
        await sleep(25);
      }
      return requests;
    },
    stop() {
      server.closeAllConnections?.();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** "v1=" + hex HMAC-SHA256 of "{timestamp}.{body}" with secret. */
export function sign(secret, timestamp, body) {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Verifies a recorded request as a receiver should. now: the receiver's clock in unix
 * seconds (default the real one; tests driven by `tick --at` pass the simulated instant).
 * Returns { ok: true } or { ok: false, reason }.
 */
export function verify(secret, req, { now = Math.floor(Date.now() / 1000), toleranceSeconds = 300 } = {}) {
  const ts = req.headers['waymark-timestamp'];
  const got = req.headers['waymark-signature'];
  if (!ts || !/^\d+$/.test(ts)) return { ok: false, reason: `bad Waymark-Timestamp ${JSON.stringify(ts)}` };
  if (!got || !/^v1=[0-9a-f]{64}$/.test(got)) return { ok: false, reason: `bad Waymark-Signature ${JSON.stringify(got)}` };
  const want = Buffer.from(sign(secret, ts, req.body));
  const have = Buffer.from(got);
  if (want.length !== have.length || !timingSafeEqual(want, have)) return { ok: false, reason: 'signature does not match' };
  const age = now - Number(ts);
  if (age > toleranceSeconds) return { ok: false, reason: `timestamp ${ts} is ${age} s old` };
  if (age < -toleranceSeconds) return { ok: false, reason: `timestamp ${ts} is ${-age} s in the future` };
  return { ok: true };
}
