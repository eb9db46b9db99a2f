// An operator imports people with `waymark import users FILE.csv --tenant SLUG`: a dry run
// of a file with an error lists it as "row N, field: message", exits 1 and writes nothing;
// the real run of that file does the same; a good file is imported (exit 0) with managers
// listed after their reports; the same file again from standard input changes nothing;
// a dry run of a changed file says what would change without writing it. Wrong usage
// exits 2, an unknown organisation or unreadable file exits 1, and without a terminal
// there is no progress bar on standard error.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { runCli } from './lib/people.js';
import { assertNoSanitizerReport, createDatabase } from './lib/server.js';

const GOOD = [
  'email,name,manager_email,department,job_title,roles,external_id',
  'lee@acme.example,Lee Park,mo@acme.example,Sales,Account Executive,,E-3',
  '"kim@acme.example","Kim O\'Hara, Jr.",mo@acme.example,Sales,Rep,coach,E-4',
  'mo@acme.example,Mo Diaz,boss@acme.example,Sales,Head of Sales,designer|assessor,E-2',
  'boss@acme.example,Bo Boss,,Board,Director,admin,E-1',
].join('\r\n') + '\r\n';

describe('operator imports from the command line', () => {
  let db;
  let file;

  async function cli(args, input = '') {
    const r = await runCli(args, input);
    assertNoSanitizerReport(r.stderr, `waymark ${args.join(' ')}`);
    return r;
  }

  const importUsers = (...args) => cli(['import', 'users', ...args, '--db', db.url]);

  async function snapshot() {
    return db.query('SELECT id, email, name, roles, manager_id, department, job_title, external_id, updated_at FROM users ORDER BY id');
  }

  async function scalar(sql) {
    return Number((await db.query(sql)).trim());
  }

  before(async () => {
    db = await createDatabase();
    file = async (name, body) => {
      const p = path.join(db.dir, name);
      await writeFile(p, body);
      return p;
    };
    const t = await cli(['tenant', 'add', '--slug', 'acme', '--name', 'Acme', '--db', db.url]);
    assert.equal(t.code, 0, t.stderr);
    const o = await cli(['tenant', 'add', '--slug', 'other', '--name', 'Other', '--db', db.url]);
    assert.equal(o.code, 0, o.stderr);
  });
  after(async () => {
    await db?.drop();
  });

  test('a file with an error: the dry run and the real run list it, exit 1 and write nothing', async () => {
    const before = await snapshot();
    const bad = await file('bad.csv', GOOD + 'x@acme.example,X,ghost@acme.example,,,,\r\nnot-an-email,Y,,,,wizard,\r\n');
    for (const flags of [['--dry-run'], []]) {
      const r = await importUsers(bad, '--tenant', 'acme', ...flags);
      assert.equal(r.code, 1, `exit 1 with errors ${flags}: ${r.stdout}${r.stderr}`);
      const lines = r.stdout.split('\n');
      assert.ok(lines.includes("row 6, manager_email: 'ghost@acme.example' is not anyone in this file or in the organisation"), r.stdout);
      assert.ok(lines.some((l) => /^row 7, email: 'not-an-email' is not an email address/.test(l)), r.stdout);
      assert.ok(lines.some((l) => /^row 7, roles: .*wizard/.test(l)), r.stdout);
      assert.match(r.stdout, /3 errors in 6 rows; nothing was written/);
      assert.doesNotMatch(r.stderr, /\r/, 'no progress bar without a terminal');
      assert.deepEqual(await snapshot(), before, `nothing written ${flags}`);
    }
  });

  test('a good file is imported, managers after their reports included', async () => {
    const good = await file('good.csv', GOOD);
    const r = await importUsers(good, '--tenant', 'acme');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^imported 4 rows into acme: 4 created, 0 updated, 0 unchanged$/m);
    assert.doesNotMatch(r.stderr, /\r/);
    const rows = (await db.query(
      "SELECT u.email, COALESCE(m.email, '-'), u.roles FROM users u LEFT JOIN users m ON m.id = u.manager_id ORDER BY u.email",
    )).trim().split('\n');
    assert.deepEqual(rows, [
      'boss@acme.example|-|17',
      'kim@acme.example|mo@acme.example|24',
      'lee@acme.example|mo@acme.example|16',
      'mo@acme.example|boss@acme.example|22',
    ]);
    assert.equal(await scalar('SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL'), 0, 'no passwords');
    assert.equal(await scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'users.import' AND actor_id IS NULL"), 1,
      'audited as the system actor');
  });

  test('the same file from standard input changes nothing', async () => {
    const before = await snapshot();
    const r = await importUsers('-', '--tenant', 'acme');
    assert.equal(r.code, 1, 'an empty standard input is an empty file');
    assert.match(r.stdout, /row 1, file: is empty/);
    const again = await cli(['import', 'users', '-', '--tenant=acme', '--db', db.url], GOOD);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /0 created, 0 updated, 4 unchanged/);
    assert.deepEqual(await snapshot(), before);
    assert.equal(await scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'users.import'"), 1);
  });

  test('a dry run of a changed file says what would change and writes nothing', async () => {
    const before = await snapshot();
    const changed = await file('changed.csv', 'external_id,email,name\nE-3,lee.park@acme.example,Lee Park\nE-4,kim@acme.example,"Kim O\'Hara, Jr."\nE-9,new@acme.example,New Person\n');
    const dry = await importUsers(changed, '--tenant', 'acme', '--dry-run');
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /^dry run of 3 rows for acme: 1 to create, 1 to update, 1 unchanged; nothing was written$/m);
    assert.deepEqual(await snapshot(), before);
    const real = await importUsers(changed, '--tenant', 'acme');
    assert.equal(real.code, 0, real.stdout + real.stderr);
    assert.match(real.stdout, /1 created, 1 updated, 1 unchanged/);
    assert.equal(await scalar("SELECT COUNT(*) FROM users WHERE email = 'lee.park@acme.example' AND external_id = 'E-3'"), 1);
  });

  test('10 MB of random bytes: exit 1 quickly, nothing written', async () => {
    const before = await snapshot();
    const junk = await file('junk.csv', randomBytes(10 * 1024 * 1024));
    const started = Date.now();
    const r = await importUsers(junk, '--tenant', 'acme');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /row \d+, (file|header): /);
    assert.ok(Date.now() - started < 20_000);
    assert.deepEqual(await snapshot(), before);
  });

  test('the organisation is the one named: same emails elsewhere are separate people', async () => {
    const good = await file('good.csv', GOOD);
    const r = await importUsers(good, '--tenant', 'other');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /4 created/);
    assert.equal(await scalar("SELECT COUNT(*) FROM users WHERE email = 'boss@acme.example'"), 2);
  });

  test('wrong usage exits 2; an unknown organisation or missing file exits 1', async () => {
    const good = await file('good.csv', GOOD);
    const usage = [
      ['import'],
      ['import', 'groups', good, '--tenant', 'acme'],
      ['import', 'users', '--tenant', 'acme', '--db', db.url],
      ['import', 'users', good, '--db', db.url],
      ['import', 'users', good, '--tenant'],
      ['import', 'users', good, '--tenant', 'acme', '--db', db.url, '--frobnicate', 'x'],
      ['import', 'users', good, good, '--tenant', 'acme', '--db', db.url],
    ];
    for (const args of usage) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /usage: waymark import users/);
      assert.equal(r.stdout, '');
    }
    const before = await snapshot();
    const unknown = await importUsers(good, '--tenant', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /nope/);
    const missing = await importUsers(path.join(db.dir, 'missing.csv'), '--tenant', 'acme');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missing\.csv/);
    assert.deepEqual(await snapshot(), before);
  });
});
