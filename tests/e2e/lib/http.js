// http.js — raw HTTP/1.1 over node:net, for what fetch cannot do, plus the shared checks of
// Waymark's error shape.
//
// fetch normalises paths (`/%2e%2e/` becomes `/`), refuses some headers, always sends a
// complete request at once and hides the connection. The tests of hostile clients need
// the opposite: exact bytes on the wire, requests sent a byte at a time, many sockets held
// open together, and a view of whether the server kept or closed the connection.
// RawConnection gives that; its response parser understands Content-Length, chunked and
// read-until-close bodies, which is all HTTP/1.1 servers send.

import assert from 'node:assert/strict';
import net from 'node:net';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls fn until it returns a truthy value; returns it, or throws after timeoutMs. */
export async function waitFor(fn, { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Builds the bytes of one request. Adds Host, and Content-Length when there is a body. */
export function buildRequest({ method = 'GET', path = '/', headers = {}, body = null, host = 'localhost' } = {}) {
  const lines = [`${method} ${path} HTTP/1.1`];
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  if (!names.includes('host')) lines.push(`Host: ${host}`);
  const bodyBuf = body === null ? null : Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (bodyBuf && !names.includes('content-length') && !names.includes('transfer-encoding'))
    lines.push(`Content-Length: ${bodyBuf.length}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return bodyBuf ? Buffer.concat([head, bodyBuf]) : head;
}

/** One TCP connection to a server, with exact control over what is sent. */
export class RawConnection {
  /** Connects to the host and port of url (http://host:port). */
  static open(url, { timeoutMs = 5000 } = {}) {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${url} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.closed = false; // the server closed (or reset) the connection
    this.closedAt = null;
    this.error = null;
    this.waiters = new Set();
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.#notify();
    });
    const onGone = () => {
      if (!this.closed) {
        this.closed = true;
        this.closedAt = Date.now();
      }
      this.#notify();
    };
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', (err) => {
      this.error = err; // ECONNRESET / EPIPE: the server hung up
      onGone();
    });
  }

  #notify() {
    for (const w of [...this.waiters]) w();
  }

  // Resolves when the buffer or the connection state changes, or after ms.
  #changed(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Writes data; resolves true once handed to the kernel, false if the server hung up. */
  write(data) {
    return new Promise((resolve) => {
      if (this.closed || this.socket.destroyed) return resolve(false);
      this.socket.write(data, (err) => resolve(!err));
    });
  }

  /** Sends data one byte every intervalMs; stops early (returning false) if the server hangs up. */
  async dribble(data, intervalMs) {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
    for (let i = 0; i < bytes.length; i++) {
      if (!(await this.write(bytes.subarray(i, i + 1)))) return false;
      if (i + 1 < bytes.length) await sleep(intervalMs);
    }
    return true;
  }

  /**
   * Reads the next response. head: the request was HEAD (no body follows).
   * Rejects if the connection closes before a whole response arrived, or after timeoutMs.
   */
  async readResponse({ timeoutMs = 10_000, head = false } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponse(this.buffer, { head, ended: this.closed });
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed.consumed);
        if (parsed.response.status >= 100 && parsed.response.status < 200) continue; // 100 Continue
        return parsed.response;
      }
      if (this.closed) {
        const got = this.buffer.length ? `after ${this.buffer.length} bytes: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}` : 'with no bytes';
        const err = new Error(`connection closed before a whole response arrived (${got}${this.error ? `; ${this.error.code}` : ''})`);
        err.code = 'ECLOSED';
        throw err;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const err = new Error(`no whole response within ${timeoutMs} ms (have ${this.buffer.length} bytes)`);
        err.code = 'ETIMEOUT';
        throw err;
      }
      await this.#changed(left);
    }
  }

  /** Resolves true when the server closes the connection within timeoutMs, else false. */
  async waitClosed(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.#changed(left);
    }
    return true;
  }

  close() {
    this.socket.destroy();
  }
}

/** Lower-cased header map; repeated headers are joined with ", " as fetch does. */
function headerMap(lines) {
  const headers = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

// Parses one response from the start of buf. Returns { response, consumed } or null when
// more bytes are needed. ended: the peer closed, so a body without length ends here.
function parseResponse(buf, { head, ended }) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
  const status = Number(m[2]);
  const headers = headerMap(lines.slice(1));
  let offset = end + 4;
  let body;
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    body = Buffer.alloc(0);
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', offset);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(offset, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size in response');
      offset = lineEnd + 2;
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n', offset); // no trailers expected
        if (trailerEnd < 0) return null;
        offset = trailerEnd + 2;
        break;
      }
      if (buf.length < offset + size + 2) return null;
      parts.push(buf.subarray(offset, offset + size));
      offset += size + 2;
    }
    body = Buffer.concat(parts);
  } else if ('content-length' in headers) {
    const n = Number(headers['content-length']);
    if (buf.length < offset + n) return null;
    body = buf.subarray(offset, offset + n);
    offset += n;
  } else {
    if (!ended) return null;
    body = buf.subarray(offset);
    offset = buf.length;
  }
  const text = body.toString('utf8');
  return {
    consumed: offset,
    response: {
      status,
      httpVersion: m[1],
      headers,
      body,
      text,
      json: () => JSON.parse(text),
    },
  };
}

/**
 * Sends one raw request on a new connection and reads the response.
 * request: bytes/string, or an object for buildRequest. Resolves to the parsed response,
 * with `connection` (the RawConnection, closed unless keepOpen).
 */
export async function rawRequest(url, request, { timeoutMs = 10_000, head = false, keepOpen = false } = {}) {
  const conn = await RawConnection.open(url);
  try {
    const bytes = typeof request === 'string' || Buffer.isBuffer(request) ? request : buildRequest(request);
    await conn.write(bytes);
    const response = await conn.readResponse({ timeoutMs, head });
    response.connection = conn;
    return response;
  } finally {
    if (!keepOpen) conn.close();
  }
}

/** Opens n connections at once; rejects if any fails to connect. */
export function openConnections(url, n) {
  return Promise.all(Array.from({ length: n }, () => RawConnection.open(url, { timeoutMs: 15_000 })));
}

// ---- Waymark's error shape ---------------------------------------------------------------

/**
 * Asserts that status/contentType/text are Waymark's error for wantStatus and wantCode:
 * `{"error":{"code":…,"message":…,"details":[…]}}` as application/json, with an
 * X-Request-Id (every response carries one). Returns the error object.
 */
export function assertErrorShape({ status, contentType, requestId, text }, wantStatus, wantCode, context = '') {
  const where = context ? ` (${context})` : '';
  assert.equal(status, wantStatus, `status${where}; body: ${text.slice(0, 300)}`);
  assert.match(contentType ?? '', /^application\/json\b/, `content-type of an error${where}`);
  assert.match(requestId ?? '', /^[A-Za-z0-9._-]{1,64}$/, `X-Request-Id on an error${where}`);
  let body;
  assert.doesNotThrow(() => (body = JSON.parse(text)), `error body is JSON${where}: ${text.slice(0, 300)}`);
  assert.equal(typeof body.error, 'object', `body has an "error" object${where}`);
  assert.equal(body.error.code, wantCode, `error code${where}; body: ${text.slice(0, 300)}`);
  assert.equal(typeof body.error.message, 'string', `error message is a string${where}`);
  assert.ok(body.error.message.length > 0, `error message is not empty${where}`);
  assert.ok(Array.isArray(body.error.details), `error details is an array${where}`);
  return body.error;
}

/** assertErrorShape for a fetch Response (reads its body). */
export async function expectError(res, wantStatus, wantCode, context = '') {
  const text = await res.text();
  return assertErrorShape({
    status: res.status,
    contentType: res.headers.get('content-type'),
    requestId: res.headers.get('x-request-id'),
    text,
  }, wantStatus, wantCode, context);
}

/** assertErrorShape for a RawConnection response. */
export function expectRawError(res, wantStatus, wantCode, context = '') {
  return assertErrorShape({
    status: res.status,
    contentType: res.headers['content-type'],
    requestId: res.headers['x-request-id'],
    text: res.text,
  }, wantStatus, wantCode, context);
}

/** Asserts the server answers GET /healthz with 200 {"status":"ok"}; returns the Response. */
export async function assertHealthy(url, context = 'afterwards') {
  const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  assert.equal(res.status, 200, `GET /healthz ${context}: ${text}`);
  assert.deepEqual(JSON.parse(text), { status: 'ok' }, `GET /healthz body ${context}`);
  return res;
}
