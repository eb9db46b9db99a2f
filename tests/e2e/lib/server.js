// server.js — start and stop a real `waymark serve` for one test file.
//
// Every test file starts its own server on a free port with a fresh database, so files can
// run in parallel and never see each other's rows. The backend comes from
// WAYMARK_TEST_BACKEND (`sqlite`, the default: a new file in a temporary folder;
// `postgres`: a new database `w_<random>` on the cluster whose admin URL is in
// WAYMARK_TEST_PG_URL, dropped again on stop). The binary is build/debug/waymark (the
// ASan/UBSan build) unless WAYMARK_BIN names another.
//
// stop() is itself an assertion: the server must exit 0 on SIGTERM and its stderr must hold
// no sanitizer report, so every test file also checks that the server shut down cleanly
// and did nothing undefined while it was being tested.

import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WAYMARK_BIN = process.env.WAYMARK_BIN
  ? path.resolve(process.env.WAYMARK_BIN)
  : path.join(REPO_ROOT, 'build/debug/waymark');
export const WEB_ROOT = path.join(REPO_ROOT, 'web');

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 30_000;

// Sanitizer settings for the debug build; the caller's own ASAN_OPTIONS/UBSAN_OPTIONS win.
const SANITIZER_DEFAULTS = {
  ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1:abort_on_error=0',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};

const SANITIZER_REPORT = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer/;

/** Which backend the suite runs on: 'sqlite' (default) or 'postgres'. */
export function testBackend() {
  const backend = process.env.WAYMARK_TEST_BACKEND || 'sqlite';
  if (backend !== 'sqlite' && backend !== 'postgres')
    throw new Error(`WAYMARK_TEST_BACKEND must be sqlite or postgres, not '${backend}'`);
  return backend;
}

/** Throws when text holds an AddressSanitizer, LeakSanitizer or UBSan report. */
export function assertNoSanitizerReport(text, what = 'waymark') {
  const m = SANITIZER_REPORT.exec(text);
  if (!m) return;
  const from = Math.max(0, m.index - 200);
  throw new Error(`${what} printed a sanitizer report:\n${text.slice(from, m.index + 4000)}`);
}

/** Runs psql against url with one SQL command; resolves to its stdout (tuples only). */
export async function psql(url, sql) {
  const { stdout } = await execFileP('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtX', '-c', sql], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  return stdout;
}

/** Runs the sqlite3 command-line shell on file with one SQL command; resolves to stdout. */
export async function sqlite3(file, sql) {
  const { stdout } = await execFileP('sqlite3', ['-batch', '-bail', file, sql]);
  return stdout;
}

/**
 * Creates an empty database for one test: a fresh SQLite file in its own temporary folder,
 * or a fresh PostgreSQL database on the test cluster. Returns
 * { backend, url, dir, file (sqlite only), name (postgres only), query(sql), drop() }.
 * dir is a temporary folder the caller may use for other files; drop() removes it too.
 */
export async function createDatabase(backend = testBackend()) {
  const dir = await mkdtemp(path.join(tmpdir(), 'waymark-e2e-'));
  if (backend === 'sqlite') {
    const file = path.join(dir, 'waymark.db');
    return {
      backend,
      url: `sqlite:${file}`,
      dir,
      file,
      query: (sql) => sqlite3(file, sql),
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.WAYMARK_TEST_PG_URL;
  if (!admin) {
    await rm(dir, { recursive: true, force: true });
    throw new Error('WAYMARK_TEST_BACKEND=postgres needs WAYMARK_TEST_PG_URL (an admin URL of a throwaway cluster; scripts/test-e2e postgres sets it)');
  }
  const name = `w_${randomBytes(6).toString('hex')}`;
  await psql(admin, `CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    backend,
    url,
    dir,
    name,
    query: (sql) => psql(url, sql),
    drop: async () => {
      try {
        await psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

// Children still running when the test process exits (a test threw before stop()) are
// killed so no server outlives its test file.
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

function childEnvironment(extra) {
  const env = { ...SANITIZER_DEFAULTS };
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('WAYMARK_')) env[k] = v; // the operator's WAYMARK_* must not leak in
  return { ...env, ...extra };
}

/**
 * Runs the waymark binary with args to completion (for CLI tests).
 * Resolves to { code, signal, stdout, stderr }; never rejects on a non-zero exit.
 */
export function runWaymark(args, { env = {}, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(WAYMARK_BIN, args, {
      env: childEnvironment(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`waymark ${args.join(' ')} did not finish in ${timeoutMs} ms\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(binaryError(err));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Starts the waymark binary with args and leaves it running (for a test that must kill a
 * command mid-way, e.g. `waymark tick` during a delivery). Resolves at once to
 * { pid, exited (a promise of {code, signal}), stdout(), stderr(), kill(signal) }.
 */
export function spawnWaymark(args, { env = {} } = {}) {
  const child = spawn(WAYMARK_BIN, args, {
    env: childEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve, reject) => {
    child.on('error', (err) => {
      live.delete(child);
      reject(binaryError(err));
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    pid: child.pid,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}

function binaryError(err) {
  if (err.code === 'ENOENT')
    return new Error(`waymark binary not found at ${WAYMARK_BIN}: build it with 'make build-debug' or set WAYMARK_BIN`);
  return err;
}

/**
 * Starts `waymark serve` on a free port of 127.0.0.1 and waits until it listens.
 *
 * Options:
 *   backend  'sqlite' | 'postgres' (default from WAYMARK_TEST_BACKEND)
 *   db       an existing database from createDatabase() (then stop() does not drop it)
 *   webRoot  folder served as the web UI (default: the repository's web/)
 *   args     extra command-line arguments, after the defaults so they override them
 *   env      extra environment variables for the server
 *   viaEnv   pass the default settings as WAYMARK_* variables instead of flags
 *
 * Resolves to { url, port, pid, db, stderr(), stdout(), exited, running(), kill(sig), stop() }.
 * Rejects with the captured stderr when the server exits or is not listening within 15 s.
 */
export async function startServer({
  backend = testBackend(),
  db = null,
  webRoot = WEB_ROOT,
  args = [],
  env = {},
  viaEnv = false,
} = {}) {
  const database = db ?? (await createDatabase(backend));
  const ownsDb = !db;
  const settings = {
    db: database.url,
    listen: '127.0.0.1:0',
    threads: '2',
    'access-log': 'on',
    'web-root': webRoot,
    // Tests move time with `waymark tick --at`; a test that wants the server's own
    // scheduler thread passes args ['--scheduler', 'on', …].
    scheduler: 'off',
  };
  const argv = ['serve'];
  const settingEnv = {};
  for (const [flag, value] of Object.entries(settings)) {
    if (viaEnv) settingEnv[`WAYMARK_${flag.toUpperCase().replaceAll('-', '_')}`] = value;
    else argv.push(`--${flag}`, value);
  }
  argv.push(...args);

  const child = spawn(WAYMARK_BIN, argv, {
    env: childEnvironment({ ...settingEnv, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  let stdout = '';
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));

  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (ownsDb) await database.drop();
  };

  const url = await new Promise((resolve, reject) => {
    let settled = false;
    const fail = async (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!exitInfo) child.kill('SIGKILL');
      await exited;
      await cleanup().catch(() => {});
      reject(new Error(`waymark serve ${why}\ncommand: ${WAYMARK_BIN} ${argv.join(' ')}\nstderr:\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`was not listening after ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      if (settled) return;
      const m = /msg="listening"[^\n]*?\burl=(http:\/\/\S+)/.exec(stderr);
      if (m) {
        settled = true;
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup().catch(() => {});
      reject(binaryError(err));
    });
    exited.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal}) before listening`));
  });

  const server = {
    url,
    port: Number(new URL(url).port),
    pid: child.pid,
    db: database,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    running: () => exitInfo === null,
    kill: (signal = 'SIGTERM') => {
      if (exitInfo === null) child.kill(signal);
    },
    /**
     * Sends SIGTERM (unless the server already exited), waits for the exit, removes the
     * temporary files, then asserts exit code `expectCode` (default 0) and a clean stderr.
     */
    async stop({ expectCode = 0, timeoutMs = STOP_TIMEOUT_MS } = {}) {
      server.kill('SIGTERM');
      let timer;
      const result = await Promise.race([
        exited,
        new Promise((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (!result) {
        child.kill('SIGKILL');
        await exited;
      }
      await cleanup();
      if (!result)
        throw new Error(`waymark serve did not exit within ${timeoutMs / 1000} s of SIGTERM\nstderr tail:\n${stderr.slice(-4000)}`);
      assertNoSanitizerReport(stderr, 'waymark serve');
      if (result.code !== expectCode)
        throw new Error(`waymark serve exited with code ${result.code} (signal ${result.signal}), expected ${expectCode}\nstderr tail:\n${stderr.slice(-4000)}`);
      return { ...result, stderr };
    },
  };
  return server;
}
