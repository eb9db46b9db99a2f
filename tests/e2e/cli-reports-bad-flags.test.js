// An operator runs the waymark command: help and version answer, and a wrong command, flag
// or value is reported in one line naming what was wrong, followed by the usage, with exit
// status 2 — and nothing is started.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { assertHealthy } from './lib/http.js';
import { WEB_ROOT, assertNoSanitizerReport, createDatabase, runWaymark, startServer } from './lib/server.js';

/** Asserts a usage error: exit 2, first stderr line mentions `mention`, usage follows. */
function assertUsageError(result, mention) {
  assertNoSanitizerReport(result.stderr);
  assert.equal(result.code, 2, `exit status for a usage error; stderr:\n${result.stderr}`);
  const [first, ...rest] = result.stderr.split('\n');
  assert.ok(first.includes(mention), `first line names ${JSON.stringify(mention)}: ${JSON.stringify(first)}`);
  assert.match(rest.join('\n'), /usage: waymark\b/, 'the usage follows the error');
  assert.equal(result.stdout, '', 'nothing on stdout');
}

describe('cli reports bad flags', () => {
  let db;
  before(async () => {
    db = await createDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  test('waymark version prints the version and schema', async () => {
    const r = await runWaymark(['version']);
    assertNoSanitizerReport(r.stderr);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^waymark \d+\.\d+\.\d+\b/);
  });

  test('waymark help lists the commands; help serve lists every serve option', async () => {
    const r = await runWaymark(['help']);
    assert.equal(r.code, 0);
    for (const cmd of ['serve', 'migrate', 'demo', 'version', 'help']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`), cmd);

    const s = await runWaymark(['help', 'serve']);
    assert.equal(s.code, 0);
    const options = {
      db: 'WAYMARK_DB',
      listen: 'WAYMARK_LISTEN',
      'web-root': 'WAYMARK_WEB_ROOT',
      threads: 'WAYMARK_THREADS',
      'max-body': 'WAYMARK_MAX_BODY',
      'idle-timeout': 'WAYMARK_IDLE_TIMEOUT',
      'max-connections': 'WAYMARK_MAX_CONNECTIONS',
      'access-log': 'WAYMARK_ACCESS_LOG',
      'log-level': 'WAYMARK_LOG_LEVEL',
      'now-file': 'WAYMARK_NOW_FILE',
    };
    for (const [flag, env] of Object.entries(options)) {
      assert.match(s.stdout, new RegExp(`--${flag}\\b`), `help serve names --${flag}`);
      assert.match(s.stdout, new RegExp(`\\b${env}\\b`), `help serve names ${env}`);
    }
  });

  test('no command at all prints the usage and exits 2', async () => {
    const r = await runWaymark([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: waymark\b/);
  });

  test('an unknown command is named', async () => {
    assertUsageError(await runWaymark(['frobnicate']), 'frobnicate');
  });

  test('an unknown flag is named', async () => {
    assertUsageError(await runWaymark(['serve', '--db', db.url, '--no-such-flag', '1']), '--no-such-flag');
  });

  test('a flag of another command is unknown here', async () => {
    assertUsageError(await runWaymark(['migrate', '--db', db.url, '--threads', '2']), '--threads');
  });

  test('bad values are named with the flag', async () => {
    const cases = [
      [['--threads', 'zero'], '--threads'],
      [['--threads', '0'], '--threads'],
      [['--threads', '-3'], '--threads'],
      [['--threads', '2x'], '--threads'],
      [['--listen', 'nonsense'], '--listen'],
      [['--listen', '127.0.0.1:99999'], '--listen'],
      [['--max-body', 'lots'], '--max-body'],
      [['--idle-timeout', '1.5'], '--idle-timeout'],
      [['--max-connections', ''], '--max-connections'],
      [['--access-log', 'maybe'], '--access-log'],
      [['--log-level', 'loud'], '--log-level'],
    ];
    for (const [args, flag] of cases) {
      assertUsageError(await runWaymark(['serve', '--db', db.url, ...args]), flag);
    }
  });

  test('a flag without its value is named', async () => {
    assertUsageError(await runWaymark(['serve', '--db', db.url, '--threads']), '--threads');
  });

  test('a stray argument is named', async () => {
    assertUsageError(await runWaymark(['serve', '--db', db.url, 'extra']), 'extra');
  });

  test('bad values in environment variables name the variable', async () => {
    assertUsageError(await runWaymark(['serve', '--db', db.url], { env: { WAYMARK_THREADS: 'many' } }), 'WAYMARK_THREADS');
    assertUsageError(await runWaymark(['serve', '--db', db.url], { env: { WAYMARK_LISTEN: ':' } }), 'WAYMARK_LISTEN');
  });

  test('a database URL of an unknown kind is refused with a message, not started', async () => {
    const r = await runWaymark(['migrate', '--db', 'mysql://localhost/waymark']);
    assertNoSanitizerReport(r.stderr);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /mysql/, 'the message names the URL');
  });

  test('waymark migrate and demo can be run again safely', async () => {
    const first = await runWaymark(['migrate', '--db', db.url]);
    assertNoSanitizerReport(first.stderr);
    assert.equal(first.code, 0, first.stderr);
    const version = await runWaymark(['version']);
    const schema = /schema (\d+)/.exec(version.stdout)?.[1];
    assert.ok(schema, `waymark version names the schema: ${version.stdout}`);
    assert.match(first.stdout, new RegExp(`\\b${schema}\\b`), 'migrate says which schema version it reached');
    const second = await runWaymark(['migrate', '--db', db.url]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);

    for (let i = 0; i < 2; i++) {
      const demo = await runWaymark(['demo', '--db', db.url]);
      assertNoSanitizerReport(demo.stderr);
      assert.equal(demo.code, 0, demo.stderr);
      assert.match(demo.stdout, /demo/i);
    }
  });

  test('settings can come from WAYMARK_* environment variables alone', async () => {
    const server = await startServer({ viaEnv: true });
    try {
      await assertHealthy(server.url);
    } finally {
      await server.stop();
    }
  });

  test('a port already in use is reported and the second server exits non-zero', async () => {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address();
    try {
      const r = await runWaymark(['serve', '--db', db.url, '--listen', `127.0.0.1:${port}`, '--web-root', WEB_ROOT]);
      assertNoSanitizerReport(r.stderr);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`${port}`), 'the message names the port');
    } finally {
      blocker.close();
    }
  });
});
