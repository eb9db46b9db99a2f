// An admin imports the organisation's people from a CSV file: first a dry run that
// shows an error row and writes nothing, then the same file for real, which is refused
// with the report and still writes nothing, then every kind of bad file (duplicate email,
// unknown manager, bad role, broken quoting, an empty file, 10 MB of garbage), each
// writing nothing; then a good file creates everyone with their managers (some listed
// after their reports), a changed file updates exactly what changed, and importing it
// again leaves everyone unchanged. Only admins may import, with the CSRF token, and only
// into their own organisation.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { addUser, expectApiError, seedTenant, signIn } from './lib/people.js';
import { startServer } from './lib/server.js';

const CSV = { 'Content-Type': 'text/csv; charset=utf-8' };

const GOOD = [
  '\uFEFFEmail,Name,Manager_Email,Department,Job_Title,Roles,External_ID',
  'lee@acme.example,Lee Park,mo@acme.example,Sales,Account Executive,,E-3',
  '"kim@acme.example","Kim O\'Hara, Jr.",mo@acme.example,Sales,"The ""Closer""",coach,E-4',
  'mo@acme.example,Mo Diaz,ada@acme.example,Sales,Head of Sales,designer;assessor,E-2',
  'zoe@acme.example,Zoë Müller,,Support,Support Lead,,E-5',
].join('\r\n') + '\r\n';

describe('admin imports people from csv', () => {
  let server;
  let admin;
  let otherAdmin;

  before(async () => {
    server = await startServer();
    const acme = await seedTenant(server, { slug: 'acme', name: 'Acme', admin: { email: 'ada@acme.example' } });
    const other = await seedTenant(server, { slug: 'other', name: 'Other' });
    await addUser(server, { tenant: 'acme', email: 'lou@acme.example', password: 'a learner password' });
    admin = await signIn(server, { email: acme.admin.email, password: acme.admin.password });
    otherAdmin = await signIn(server, { email: other.admin.email, password: other.admin.password });
  });
  after(async () => {
    await server?.stop();
  });

  const importCsv = (who, body, query = '') => who.post(`/api/v1/users/import${query}`, body, CSV);

  async function people(who = admin) {
    const res = await who.get('/api/v1/users?limit=500');
    assert.equal(res.status, 200, res.text);
    return res.body.items;
  }

  async function importAudits() {
    const res = await admin.get('/api/v1/audit?action=users.import');
    assert.equal(res.status, 200, res.text);
    return res.body.items;
  }

  /** Asserts the organisation's people are exactly as they were. */
  async function assertNothingWritten(before, context) {
    assert.deepEqual(await people(), before, `nothing was written (${context})`);
    assert.equal((await importAudits()).length, 0, `no users.import audit entry (${context})`);
  }

  test('a dry run shows the error row and writes nothing; the real run is refused with 422', async () => {
    const before = await people();
    const file = GOOD + 'bad@acme.example,Bad Manager,nobody@acme.example,,,,\r\n';

    const dry = await importCsv(admin, file, '?dry_run=1');
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.body.dry_run, true);
    assert.deepEqual(
      { created: dry.body.created, updated: dry.body.updated, unchanged: dry.body.unchanged },
      { created: 4, updated: 0, unchanged: 0 },
      'the counts say what the good rows would do',
    );
    assert.equal(dry.body.error_count, 1);
    assert.deepEqual(dry.body.errors.map(({ row, field }) => ({ row, field })), [{ row: 6, field: 'manager_email' }]);
    assert.match(dry.body.errors[0].message, /nobody@acme\.example/);
    await assertNothingWritten(before, 'dry run');

    const real = await importCsv(admin, file);
    const error = expectApiError(real, 422, 'validation_failed', 'a real run with an error');
    assert.match(error.message, /nothing was imported/);
    assert.deepEqual(error.details, [{ row: 6, field: 'manager_email', message: dry.body.errors[0].message }]);
    assert.equal(real.body.error_count, 1, 'the report comes with the error');
    assert.deepEqual(real.body.errors, dry.body.errors);
    await assertNothingWritten(before, 'real run with an error');
  });

  test('every kind of bad file is reported and writes nothing', async () => {
    const before = await people();
    const header = 'email,name,manager_email,roles\n';
    const cases = [
      ['duplicate email', header + 'a@acme.example,A,,\nb@acme.example,B,,\nA@ACME.example,A again,,\n', 4, 'email', /row 2/],
      ['unknown manager', header + 'a@acme.example,A,ghost@acme.example,\n', 2, 'manager_email', /not anyone/],
      ["another organisation's manager", header + 'a@acme.example,A,admin@other.example,\n', 2, 'manager_email', /not anyone/],
      ['bad role', header + 'a@acme.example,A,,admin;wizard\n', 2, 'roles', /wizard/],
      ['broken quoting', header + 'a@acme.example,"A,,\n', 2, 'name', /quot/],
      ['stray quote', header + 'a@acme.example,A "the" B,,\n', 2, 'name', /quot/],
      ['cycle', header + 'a@acme.example,A,b@acme.example,\nb@acme.example,B,a@acme.example,\n', 2, 'manager_email', /cycle/],
      ['empty file', '', 1, 'file', /empty/],
      ['header only', header, 2, 'file', /no data rows/],
      ['unknown column', 'email,name,salary\na@acme.example,A,1\n', 1, 'header', /salary/],
      ['HTML and SQL are just text, but not emails', header + "<script>@x,'; DROP TABLE users; --,,\n", 2, 'email', /not an email/],
      ['Latin-1 instead of UTF-8', Buffer.from('email,name\na@acme.example,Zo\xeb\n', 'latin1'), 2, 'file', /UTF-8/],
    ];
    for (const [what, body, row, field, message] of cases) {
      for (const query of ['?dry_run=1', '']) {
        const res = await importCsv(admin, body, query);
        assert.equal(res.status, query ? 200 : 422, `${what}${query}: ${res.text.slice(0, 300)}`);
        const first = res.body.errors[0];
        assert.ok(first, `${what}: an error is listed`);
        assert.equal(first.row, row, `${what}: row; ${JSON.stringify(first)}`);
        assert.equal(first.field, field, `${what}: field; ${JSON.stringify(first)}`);
        assert.match(first.message, message, what);
        if (!query) expectApiError(res, 422, 'validation_failed', what);
      }
    }
    await assertNothingWritten(before, 'bad files');
  });

  test('10 MB of random bytes get a quick, clean refusal', async () => {
    const before = await people();
    const junk = randomBytes(10 * 1024 * 1024);
    const started = Date.now();
    const res = await importCsv(admin, junk);
    const took = Date.now() - started;
    expectApiError(res, 422, 'validation_failed', '10 MB of garbage');
    assert.ok(res.body.error_count >= 1);
    assert.ok(took < 10_000, `answered in ${took} ms`);
    // The same bytes as printable noise with commas, quotes and newlines.
    const alphabet = 'abc@.,"\n\r ;xyz';
    const noise = Buffer.from(Array.from(junk.subarray(0, 2 * 1024 * 1024), (b) => alphabet.charCodeAt(b % alphabet.length)));
    const res2 = await importCsv(admin, Buffer.concat([Buffer.from('email,name\n'), noise]));
    expectApiError(res2, 422, 'validation_failed', 'printable noise');
    assert.ok(res2.body.errors.length <= 1000);
    await assertNothingWritten(before, 'garbage');
  });

  test('only a signed-in admin of this organisation, with the CSRF token, in text/csv', async () => {
    const before = await people();
    const learner = await signIn(server, { email: 'lou@acme.example', password: 'a learner password' });
    expectApiError(await importCsv(learner, GOOD), 403, 'forbidden', 'a learner');
    const noCsrf = await fetch(new URL('/api/v1/users/import', server.url), {
      method: 'POST',
      headers: { ...CSV, Cookie: admin.cookie },
      body: GOOD,
    });
    const text = await noCsrf.text();
    assert.equal(noCsrf.status, 403, text);
    assert.equal(JSON.parse(text).error.code, 'csrf_failed');
    const anonymous = await fetch(new URL('/api/v1/users/import', server.url), { method: 'POST', headers: CSV, body: GOOD });
    assert.equal(anonymous.status, 401);
    await anonymous.arrayBuffer();
    expectApiError(await admin.post('/api/v1/users/import', { email: 'a@acme.example' }), 415, 'unsupported_media_type', 'JSON');
    expectApiError(await admin.post('/api/v1/users/import', GOOD, { 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type', 'text/plain');
    expectApiError(await importCsv(admin, GOOD, '?dry_run=maybe'), 400, 'bad_request', 'dry_run=maybe');
    await assertNothingWritten(before, 'refused requests');
  });

  let sales; // a rule group, kept up to date by the import

  async function salesMembers() {
    const res = await admin.get(`/api/v1/groups/${sales}`);
    assert.equal(res.status, 200, res.text);
    return res.body.member_count;
  }

  test('a good file creates everyone, managers listed later included; again it changes nothing', async () => {
    const group = await admin.post('/api/v1/groups', {
      name: 'Sales team',
      rule: { all: [{ field: 'department', op: 'equals', value: 'Sales' }] },
    });
    assert.equal(group.status, 201, group.text);
    sales = group.body.id;
    assert.equal(await salesMembers(), 0);

    const res = await importCsv(admin, GOOD);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      { created: res.body.created, updated: res.body.updated, unchanged: res.body.unchanged, errors: res.body.errors, dry_run: res.body.dry_run },
      { created: 4, updated: 0, unchanged: 0, errors: [], dry_run: false },
    );
    const byEmail = Object.fromEntries((await people()).map((u) => [u.email.toLowerCase(), u]));
    const [ada, lee, kim, mo, zoe] = ['ada', 'lee', 'kim', 'mo', 'zoe'].map((n) => byEmail[`${n}@acme.example`]);
    assert.equal(lee.manager_id, mo.id, 'a manager listed after the report');
    assert.equal(kim.manager_id, mo.id);
    assert.equal(mo.manager_id, ada.id, 'a manager already in the organisation');
    assert.equal(zoe.manager_id, null);
    assert.equal(kim.name, "Kim O'Hara, Jr.");
    assert.equal(kim.job_title, 'The "Closer"');
    assert.equal(zoe.name, 'Zoë Müller');
    assert.deepEqual(mo.roles, ['designer', 'assessor', 'learner']);
    assert.deepEqual(kim.roles, ['coach', 'learner']);
    assert.equal(mo.external_id, 'E-2');
    assert.equal(await salesMembers(), 3, 'rule groups are re-evaluated after the import');
    const audits = await importAudits();
    assert.equal(audits.length, 1);
    assert.equal(audits[0].actor.email, 'ada@acme.example');
    assert.deepEqual(audits[0].changes, { rows: 4, created: 4, updated: 0, unchanged: 0 });
    // The other organisation sees none of it.
    assert.deepEqual((await people(otherAdmin)).map((u) => u.email), ['admin@other.example']);

    const again = await importCsv(admin, GOOD);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual([again.body.created, again.body.updated, again.body.unchanged], [0, 0, 4]);
    assert.equal((await importAudits()).length, 1, 'an import that changes nothing is not audited');
  });

  test('a changed file updates exactly what changed, matching by external id first', async () => {
    const file = [
      'external_id,email,name,manager_email,department',
      'E-3,lee.park@acme.example,Lee Park,zoe@acme.example,Support', // new email, new manager
      'E-4,kim@acme.example,"Kim O\'Hara, Jr.",mo@acme.example,Sales', // unchanged
      'E-5,zoe@acme.example,Zoë Müller,,Support', // unchanged
      'E-6,new@acme.example,Nia New,lee.park@acme.example,Support', // created, manager renamed above
    ].join('\n');
    const dry = await importCsv(admin, file, '?dry_run=1');
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual([dry.body.created, dry.body.updated, dry.body.unchanged, dry.body.error_count], [1, 1, 2, 0]);
    const res = await importCsv(admin, file);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.body.created, res.body.updated, res.body.unchanged], [1, 1, 2]);
    const byEmail = Object.fromEntries((await people()).map((u) => [u.email, u]));
    assert.equal(byEmail['lee@acme.example'], undefined, 'lee was renamed, not duplicated');
    const lee = byEmail['lee.park@acme.example'];
    assert.equal(lee.external_id, 'E-3');
    assert.equal(lee.department, 'Support');
    assert.equal(lee.job_title, 'Account Executive', 'a column left out keeps its value');
    assert.equal(lee.manager_id, byEmail['zoe@acme.example'].id);
    assert.equal(byEmail['new@acme.example'].manager_id, lee.id);
    assert.equal(await salesMembers(), 2, 'lee moved to Support');

    const again = await importCsv(admin, file);
    assert.deepEqual([again.body.created, again.body.updated, again.body.unchanged], [0, 0, 4]);
  });

  test('imported people have no password until they are invited', async () => {
    const res = await fetch(new URL('/api/v1/auth/login', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'zoe@acme.example', password: 'any password at all' }),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 401);
  });
});
