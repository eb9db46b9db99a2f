// smtp.js — a real SMTP relay on loopback for the tests of email (lib/smtp-sink.py, run by
// Debian's /usr/bin/python3 with python3-aiosmtpd), and a small reader of what it received:
// headers with RFC 2047 encoded-words decoded, multipart/alternative parts, and
// quoted-printable or base64 bodies, so a test can assert the exact mail each person got.
//
// startSmtpSink() starts the sink on a free port of 127.0.0.1; Waymark is pointed at
// sink.url (`smtp://127.0.0.1:<port>`). The sink can be told to refuse the next messages
// with 451 (temporary) or 550 (permanent), or to hang in DATA. Every DATA it saw is an
// attempt (sink.attempts()); the accepted ones are the messages (sink.messages()).
// stop() is an assertion, like server.stop(): the sink must exit 0 with a clean stderr.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { sleep } from './http.js';

/** Debian's Python, which has aiosmtpd (a pyenv python3 on PATH may not). */
export const PYTHON = process.env.WAYMARK_TEST_PYTHON || '/usr/bin/python3';
export const SINK_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'smtp-sink.py');

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/**
 * Starts the SMTP sink. Resolves to
 * { port, url, refuse(code, n), hang(n), reset(), attempts(), messages(), waitForAttempts(n),
 *   waitForMessages(n), stop() }.
 */
export async function startSmtpSink() {
  const dir = await mkdtemp(path.join(tmpdir(), 'waymark-smtp-'));
  const out = path.join(dir, 'received.jsonl');
  const child = spawn(PYTHON, [SINK_SCRIPT, '--out', out], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      exitInfo = { code, signal };
      resolve(exitInfo);
      for (const w of waiters.splice(0)) w.reject(new Error(`the SMTP sink exited (code ${code}, signal ${signal})\nstderr:\n${stderr}`));
    });
  });
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.stdin.on('error', () => {}); // the sink exited; close() reports it

  // Lines on stdout: the port first, then one acknowledgement per command.
  const waiters = [];
  let portResolve;
  const portLine = new Promise((resolve) => (portResolve = resolve));
  let pending = '';
  let sawPort = false;
  child.stdout.setEncoding('utf8').on('data', (d) => {
    pending += d;
    let i;
    while ((i = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      if (!sawPort) {
        sawPort = true;
        portResolve(line);
        continue;
      }
      const w = waiters.shift();
      if (!w) continue;
      if (line.startsWith('ok ')) w.resolve(line);
      else w.reject(new Error(`smtp sink: ${line}`));
    }
  });

  const port = await Promise.race([
    portLine,
    exited.then(({ code }) => {
      throw new Error(`the SMTP sink exited (code ${code}) before listening; is python3-aiosmtpd installed for ${PYTHON}?\n${stderr}`);
    }),
    sleep(START_TIMEOUT_MS).then(() => {
      throw new Error(`the SMTP sink was not listening after ${START_TIMEOUT_MS} ms\n${stderr}`);
    }),
  ]).catch(async (err) => {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  assert.match(port, /^\d+$/, `the SMTP sink prints its port first, not ${JSON.stringify(port)}`);

  function command(line) {
    return new Promise((resolve, reject) => {
      if (exitInfo) return reject(new Error('the SMTP sink is not running'));
      waiters.push({ resolve, reject });
      child.stdin.write(`${line}\n`);
    });
  }

  async function attempts() {
    let text;
    try {
      text = await readFile(out, 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') return [];
      throw err;
    }
    // A line is written whole and flushed; a last line without its newline is not yet done.
    const lines = text.split('\n');
    lines.pop();
    return lines.filter((l) => l.trim()).map((l) => {
      const a = JSON.parse(l);
      a.raw = Buffer.from(a.data_b64, 'base64');
      delete a.data_b64;
      return a;
    });
  }

  async function messages() {
    return (await attempts()).filter((a) => a.outcome === 'accepted').map((a) => ({
      ...parseMessage(a.raw),
      envelope: { from: a.mail_from, to: a.rcpt_tos },
      n: a.n,
    }));
  }

  async function waitUntil(fn, n, what, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = await fn();
      if (list.length >= n) return list;
      if (exitInfo) throw new Error(`the SMTP sink exited while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} ${what} (have ${list.length})`);
      await sleep(50);
    }
  }

  const sink = {
    port: Number(port),
    url: `smtp://127.0.0.1:${port}`,
    /** The next n messages are refused with code ('451' or '550') after their DATA. */
    refuse: (code, n = 1) => command(`refuse ${code} ${n}`),
    /** The next n DATA are never answered. */
    hang: (n = 1) => command(`hang ${n}`),
    /** Forgets every refusal and hang still planned. */
    reset: () => command('reset'),
    /** Every DATA the sink saw, in order: { n, outcome, mail_from, rcpt_tos, raw: Buffer, at }. */
    attempts,
    /** The accepted messages, parsed (parseMessage) with .envelope {from, to}. */
    messages,
    waitForAttempts: (n, timeoutMs = 10_000) => waitUntil(attempts, n, 'attempts at the SMTP sink', timeoutMs),
    waitForMessages: (n, timeoutMs = 10_000) => waitUntil(messages, n, 'messages at the SMTP sink', timeoutMs),
    stderr: () => stderr,
    running: () => exitInfo === null,
    /** Stops the sink; asserts it exits 0 with nothing on stderr but warnings. */
    async stop() {
      if (!exitInfo) child.stdin.end();
      let timer;
      const result = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS)))]);
      clearTimeout(timer);
      if (!result) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
      if (!result) throw new Error(`the SMTP sink did not exit within ${STOP_TIMEOUT_MS / 1000} s\n${stderr}`);
      assert.equal(result.code, 0, `the SMTP sink exited with code ${result.code} (signal ${result.signal})\n${stderr}`);
      assert.doesNotMatch(stderr, /Traceback|Error/, `the SMTP sink reported an error:\n${stderr}`);
    },
  };
  return sink;
}

// ---- reading a message ----------------------------------------------------------------------

/** Decodes RFC 2047 encoded-words ("=?UTF-8?B?…?=", "=?UTF-8?Q?…?=") in a header value. */
export function decodeWords(value) {
  // Whitespace between two adjacent encoded-words is not part of the text (RFC 2047 §6.2).
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, charset, enc, text) => {
    let bytes;
    if (enc.toUpperCase() === 'B') {
      bytes = Buffer.from(text, 'base64');
    } else {
      bytes = qpBytes(text.replace(/_/g, ' '), false);
    }
    return new TextDecoder(charsetName(charset), { fatal: true }).decode(bytes);
  });
}

function charsetName(cs) {
  const c = cs.toLowerCase().replace(/\*.*$/, ''); // RFC 2231 language tag
  return c === 'us-ascii' ? 'utf-8' : c;
}

// The bytes of quoted-printable text; soft line breaks ("=" at the end of a line) removed.
function qpBytes(text, body = true) {
  const s = body ? text.replace(/=\r?\n/g, '') : text;
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = s.charCodeAt(i);
      if (code > 0xff) out.push(...Buffer.from(ch, 'utf8'));
      else out.push(code);
    }
  }
  return Buffer.from(out);
}

/** Decodes a quoted-printable body to a string (UTF-8 unless told). */
export function decodeQuotedPrintable(text, charset = 'utf-8') {
  return new TextDecoder(charsetName(charset), { fatal: true }).decode(qpBytes(text));
}

// "text/plain; charset=UTF-8; format=flowed" → { type: 'text/plain', params: {charset: 'UTF-8', …} }
export function parseContentType(value = 'text/plain') {
  const [type, ...rest] = splitParams(value);
  const params = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    let v = p.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, i).trim().toLowerCase()] = v;
  }
  return { type: type.trim().toLowerCase(), params };
}

// Splits on ";" outside quotes.
function splitParams(value) {
  const parts = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (ch === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts;
}

// Headers and body of one entity (a message or a MIME part), from its latin1 text.
function splitEntity(text) {
  let i = text.indexOf('\r\n\r\n');
  let sep = 4;
  if (i < 0) {
    i = text.indexOf('\n\n');
    sep = 2;
  }
  const head = i < 0 ? text : text.slice(0, i);
  const body = i < 0 ? '' : text.slice(i + sep);
  const headers = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length) headers[headers.length - 1][1] += line; // unfold: drop the CRLF only
    else if (line.includes(':')) {
      const c = line.indexOf(':');
      headers.push([line.slice(0, c), line.slice(c + 1).replace(/^[ \t]+/, '')]);
    }
  }
  return { headers, body };
}

function headerFns(rawHeaders) {
  // Values are latin1 text of the raw bytes; UTF-8 in a header (SMTPUTF8) is turned back
  // into characters, then encoded-words are decoded.
  const decode = (v) => decodeWords(Buffer.from(v, 'latin1').toString('utf8').trim());
  const all = (name) => rawHeaders.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => decode(v));
  return { all, get: (name) => all(name)[0] ?? null };
}

function decodeBody(body, encoding, charset) {
  const enc = (encoding ?? '7bit').toLowerCase().trim();
  let bytes;
  if (enc === 'quoted-printable') bytes = qpBytes(body);
  else if (enc === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else bytes = Buffer.from(body, 'latin1');
  return new TextDecoder(charsetName(charset ?? 'us-ascii'), { fatal: true }).decode(bytes);
}

function parseEntity(text) {
  const { headers: raw, body } = splitEntity(text);
  const h = headerFns(raw);
  const ct = parseContentType(h.get('content-type') ?? 'text/plain; charset=us-ascii');
  const entity = { rawHeaders: raw, header: h.get, headers: h.all, contentType: ct.type, params: ct.params, rawBody: body };
  if (ct.type.startsWith('multipart/')) {
    const boundary = ct.params.boundary;
    assert.ok(boundary, `a ${ct.type} entity has a boundary`);
    const delimiter = `--${boundary}`;
    const lines = body.split(/\r?\n/);
    const parts = [];
    let cur = null;
    let closed = false;
    for (const line of lines) {
      const t = line.trimEnd();
      if (t === `${delimiter}--`) {
        if (cur) parts.push(cur.join('\r\n'));
        closed = true;
        break;
      }
      if (t === delimiter) {
        if (cur) parts.push(cur.join('\r\n'));
        cur = [];
      } else if (cur) {
        cur.push(line);
      }
    }
    assert.ok(closed, `the ${ct.type} body ends with its closing delimiter --${boundary}--`);
    entity.parts = parts.map(parseEntity);
  } else {
    entity.body = decodeBody(body, h.get('content-transfer-encoding'), ct.params.charset);
    entity.encoding = (h.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  }
  return entity;
}

/** "Acme via Waymark <a@b>" → { name: 'Acme via Waymark', address: 'a@b' }. */
export function parseAddress(value) {
  if (value == null) return null;
  const m = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(value);
  if (!m) return { name: '', address: value.trim() };
  let name = m[1];
  if (name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
  return { name, address: m[2] };
}

/**
 * Parses one raw message (a Buffer or latin1 string). Returns
 * { raw, header(name), headers(name), subject, from, to, messageId, contentType, parts,
 *   text, html, lines } where from/to are parseAddress() results, text and html the decoded
 * text/plain and text/html parts (of a multipart/alternative, or the body itself), and
 * lines the raw lines (for checking line lengths and line endings).
 */
export function parseMessage(raw) {
  const text = Buffer.isBuffer(raw) ? raw.toString('latin1') : raw;
  const top = parseEntity(text);
  const leaves = [];
  const walk = (e) => (e.parts ? e.parts.forEach(walk) : leaves.push(e));
  walk(top);
  const find = (type) => leaves.find((e) => e.contentType === type)?.body ?? null;
  return {
    raw: text,
    lines: text.split('\r\n'),
    header: top.header,
    headers: top.headers,
    rawHeaders: top.rawHeaders,
    subject: top.header('subject'),
    from: parseAddress(top.header('from')),
    to: parseAddress(top.header('to')),
    messageId: top.header('message-id'),
    contentType: top.contentType,
    entity: top,
    parts: leaves,
    text: find('text/plain'),
    html: find('text/html'),
  };
}

/** The URL inside List-Unsubscribe: <…>. */
export function listUnsubscribeUrl(message) {
  const v = message.header('list-unsubscribe');
  const m = /<(https?:\/\/[^>]+)>/.exec(v ?? '');
  return m ? m[1] : null;
}
