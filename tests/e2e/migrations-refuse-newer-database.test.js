// An operator deploys Waymark: `serve` migrates a fresh database on start, starting again is a
// no-op, and an OLDER binary pointed at a database migrated by a NEWER one refuses to run
// (rather than corrupting it), saying which versions it found and knows.
//
// "Newer" is simulated by adding version 9999 to schema_migrations with the backend's own
// command-line client (sqlite3 or psql).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { WEB_ROOT, assertNoSanitizerReport, createDatabase, runWaymark, startServer } from './lib/server.js';
import { assertHealthy } from './lib/http.js';

const FUTURE = 9999;

/** An INSERT for schema_migrations that fills any other required columns plausibly. */
async function insertFutureVersion(db) {
  const columns = db.backend === 'sqlite'
    ? await db.query(`SELECT name, type, "notnull", dflt_value FROM pragma_table_info('schema_migrations')`)
    : await db.query(`SELECT column_name, data_type, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END, column_default
                      FROM information_schema.columns WHERE table_name = 'schema_migrations' AND table_schema = current_schema()`);
  const names = [];
  const values = [];
  for (const line of columns.trim().split('\n')) {
    const [name, type, notnull, dflt] = line.split('|');
    if (name === 'version') {
      names.push(name);
      values.push(String(FUTURE));
    } else if (notnull === '1' && !dflt) {
      names.push(name);
      if (/int|real|double|numeric|serial/i.test(type)) values.push('0');
      else if (/bool/i.test(type)) values.push('false');
      else if (/time|date/i.test(type)) values.push('CURRENT_TIMESTAMP');
      else values.push(`'from the future'`);
    }
  }
  assert.ok(names.includes('version'), `schema_migrations has a version column: ${columns}`);
  await db.query(`INSERT INTO schema_migrations (${names.join(', ')}) VALUES (${values.join(', ')})`);
}

async function schemaVersion(db) {
  return Number((await db.query('SELECT max(version) FROM schema_migrations')).trim());
}

describe('migrations refuse a newer database', () => {
  let db;
  let latest;
  before(async () => {
    db = await createDatabase();
    const v = await runWaymark(['version']);
    latest = Number(/schema (\d+)/.exec(v.stdout)?.[1]);
    assert.ok(latest >= 1, `waymark version names its schema version: ${v.stdout}`);
  });
  after(async () => {
    await db?.drop();
  });

  test('serve migrates a fresh database to the latest version on start', async () => {
    const server = await startServer({ db });
    try {
      await assertHealthy(server.url);
      assert.equal(await schemaVersion(db), latest);
    } finally {
      await server.stop();
    }
  });

  test('starting again on a current database changes nothing', async () => {
    const before = await db.query('SELECT version FROM schema_migrations ORDER BY version');
    const server = await startServer({ db });
    try {
      await assertHealthy(server.url);
    } finally {
      await server.stop();
    }
    assert.equal(await db.query('SELECT version FROM schema_migrations ORDER BY version'), before);
  });

  test('serve and migrate refuse a database migrated by a newer binary', async () => {
    await insertFutureVersion(db);
    assert.equal(await schemaVersion(db), FUTURE);

    const serve = await runWaymark(['serve', '--db', db.url, '--listen', '127.0.0.1:0', '--web-root', WEB_ROOT], { timeoutMs: 15_000 });
    assertNoSanitizerReport(serve.stderr);
    assert.notEqual(serve.code, 0, `serve must not run on a newer database; stderr:\n${serve.stderr}`);
    assert.doesNotMatch(serve.stderr, /msg="listening"/, 'it never started listening');
    const line = serve.stderr.split('\n').find((l) => new RegExp(`\\b${FUTURE}\\b`).test(l));
    assert.ok(line, `a message names the database's version ${FUTURE}:\n${serve.stderr}`);
    assert.match(line, new RegExp(`\\b${latest}\\b`), `the same message names the version this binary knows (${latest}): ${line}`);

    const migrate = await runWaymark(['migrate', '--db', db.url]);
    assertNoSanitizerReport(migrate.stderr);
    assert.notEqual(migrate.code, 0, `migrate must refuse too; stdout: ${migrate.stdout}`);
    assert.match(migrate.stderr, new RegExp(`\\b${FUTURE}\\b`));

    // Nothing was changed or rolled back.
    assert.equal(await schemaVersion(db), FUTURE);
    const tenants = await db.query('SELECT count(*) FROM tenants');
    assert.match(tenants.trim(), /^\d+$/, 'the tenants table is still there');
  });
});
