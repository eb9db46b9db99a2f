// Activities refuse every request they should, with the right answer, and change nothing:
// another learner's and another organisation's ids are 404 exactly like missing ones; a
// locked step, a step done twice, a step waiting for sign-off, a step completed elsewhere
// and a paused enrolment are 409 with their own codes; only the learner's manager signs
// off manager steps (another team's manager 404, an admin, a designer, the coach and the
// learner 403); evidence files are checked by their bytes (HTML renamed .pdf is 415),
// limited in size (10 MiB: 413) and number (10: 409), their names cleaned of paths and
// control characters, and downloaded as attachments only by people who may read them;
// HTML and SQL in a reflection come back verbatim; broken UTF-8 is 400; the learner may
// not change her enrolment; bad transitions are 409 and a stale If-Match 412.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  API, HTML, PDF, PNG, changeEnrolment, complete, download, enrol, expectRefused, getActivity, getEnrolment,
  multipart, postFiles, rawUpload, setCalendar, signOff, startClockedServer, upload, utc, withTokens,
} from './lib/enrolments.js';
import { expectRawError } from './lib/http.js';
import { buildWorkflow, expectInvalid, organisation, publish, reportsTo } from './lib/workflows.js';

const MISSING = 987654321;
const MiB = 1024 * 1024;

const STEPS = [
  { key: 'read', title: 'Read', completion: 'self' },
  { key: 'reflect', title: 'Reflect', kind: 'reflect' },
  { key: 'evidence', title: 'Evidence', evidence: 'required' },
  { key: 'manager', title: 'Manager check', completion: 'manager_signoff', evidence: 'optional' },
  { key: 'manager2', title: 'Manager check again', completion: 'manager_signoff' },
  { key: 'coach', title: 'Coach check', completion: 'coach_signoff' },
  { key: 'later', title: 'Later', release_offset_days: 5, due_offset_days: 6 },
  { key: 'assessed', title: 'Assessed', kind: 'assess', completion: 'assessor' },
  { key: 'tracked', title: 'Tracked', completion: 'xapi' },
  { key: 'files', title: 'Files', evidence: 'optional' },
  { key: 'spare', title: 'Spare', evidence: 'optional' },
];

describe('activities refuse hostile requests', () => {
  let server;
  let acme;
  let globex;
  let wf;
  let mine; // the learner's enrolment (with its activities)
  let theirs; // the other learner's enrolment
  const act = {}; // key → the learner's activity id
  const their = {}; // key → the other learner's activity id

  const text = (s) => Buffer.from(s, 'utf8');

  before(async () => {
    server = await startClockedServer({ at: utc('2026-12-07', '09:00') });
    acme = await organisation(server, 'acme', {
      designer: ['designer'], manager: [], learner: [], other: [], otherManager: [], coach: ['coach'],
    });
    await withTokens(server, acme);
    globex = await organisation(server, 'globex', { learner: [] });
    await withTokens(server, globex);
    await setCalendar(acme.admin, 'Europe/London');
    await reportsTo(acme, acme.learner, acme.manager);
    await reportsTo(acme, acme.other, acme.otherManager);
    wf = await buildWorkflow(acme.designer, {
      title: 'Hostile', outcome: 'Holds',
      phases: [{ name: 'All', steps: STEPS.map(({ key, ...s }) => ({ due_offset_days: 2, ...s })) }],
    });
    await publish(acme.designer, wf.id);
    const res = await enrol(acme.admin, wf.id, { user_ids: [acme.learner.user.id], coach_id: acme.coach.user.id });
    mine = await getEnrolment(acme.learner, res.people[0].enrolment_id);
    mine.activities.forEach((a, i) => (act[STEPS[i].key] = a.id));
    const res2 = await enrol(acme.admin, wf.id, { user_ids: [acme.other.user.id] });
    theirs = await getEnrolment(acme.other, res2.people[0].enrolment_id);
    theirs.activities.forEach((a, i) => (their[STEPS[i].key] = a.id));
    assert.equal(theirs.coach, null, 'the other learner has no coach');
  });
  after(async () => {
    await server?.stop();
  });

  test('another learner\'s activity is 404, exactly like a missing one, and nothing changes', async () => {
    const before = await getEnrolment(acme.learner, mine.id);
    const calls = [
      ['GET', (a, e) => `/activities/${a}`],
      ['POST', (a, e) => `/activities/${a}/complete`, {}],
      ['POST', (a, e) => `/activities/${a}/signoff`, { decision: 'approve' }],
      ['GET', (a, e) => `/enrolments/${e}`],
      ['PATCH', (a, e) => `/enrolments/${e}`, { status: 'paused' }],
    ];
    for (const [method, p, body] of calls) {
      const res = await acme.other.request(method, `${API}${p(act.manager, mine.id)}`, body);
      const err = expectRefused(res, 404, 'not_found', `${method} ${p('{id}', '{id}')}`);
      const missing = expectRefused(await acme.other.request(method, `${API}${p(MISSING, MISSING)}`, body), 404, 'not_found');
      assert.deepEqual(err, missing, `${method} ${p('{id}', '{id}')}: the same answer as a missing id`);
    }
    expectRefused(await postFiles(acme.other, act.files, [{ filename: 'x.txt', data: 'x' }]), 404, 'not_found', 'upload');
    assert.deepEqual(await getEnrolment(acme.learner, mine.id), before);
  });

  test('another organisation\'s ids are 404', async () => {
    const before = await getEnrolment(acme.learner, mine.id);
    const g = globex.admin;
    const calls = [
      ['GET', `/activities/${act.read}`],
      ['POST', `/activities/${act.read}/complete`, {}],
      ['POST', `/activities/${act.manager}/signoff`, { decision: 'approve' }],
      ['GET', `/enrolments/${mine.id}`],
      ['PATCH', `/enrolments/${mine.id}`, { status: 'withdrawn' }],
    ];
    for (const who of [g, globex.learner])
      for (const [method, p, body] of calls)
        expectRefused(await who.request(method, `${API}${p}`, body), 404, 'not_found', `globex ${method} ${p}`);
    // Enrolling is for admins and designers: Globex's admin gets 404 for Acme's workflow.
    expectRefused(await g.post(`${API}/workflows/${wf.id}/enrolments`, { user_ids: [globex.learner.user.id] }), 404, 'not_found');
    expectRefused(await g.get(`${API}/workflows/${wf.id}/enrolment-rules`), 404, 'not_found');
    const list = await g.get(`${API}/enrolments?user_id=${acme.learner.user.id}`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.items, []);
    assert.deepEqual(await getEnrolment(acme.learner, mine.id), before);
  });

  test('a locked activity, one done twice, one waiting and one completed elsewhere are 409', async () => {
    expectRefused(await acme.learner.post(`${API}/activities/${act.later}/complete`, {}), 409, 'not_released');
    await complete(acme.learner, act.read);
    expectRefused(await acme.learner.post(`${API}/activities/${act.read}/complete`, {}), 409, 'already_completed');
    const sent = await complete(acme.learner, act.manager, { evidence_text: 'Done' });
    assert.equal(sent.status, 'awaiting_signoff');
    expectRefused(await acme.learner.post(`${API}/activities/${act.manager}/complete`, {}), 409, 'awaiting_signoff');
    expectRefused(await acme.learner.post(`${API}/activities/${act.assessed}/complete`, {}), 409, 'completed_elsewhere');
    expectRefused(await acme.learner.post(`${API}/activities/${act.tracked}/complete`, {}), 409, 'completed_elsewhere');
    assert.equal((await getActivity(acme.learner, act.later)).status, 'locked');
    assert.equal((await getActivity(acme.learner, act.assessed)).status, 'available');
  });

  test('what the learner sends is checked', async () => {
    const url = `${API}/activities/${act.spare}/complete`;
    expectInvalid(await acme.learner.post(url, { evidence_url: 'javascript:alert(1)' }), ['evidence_url']);
    expectInvalid(await acme.learner.post(url, { evidence_url: 'ftp://example.com/x' }), ['evidence_url']);
    expectInvalid(await acme.learner.post(url, { evidence_url: '/relative/path' }), ['evidence_url']);
    expectInvalid(await acme.learner.post(url, { reflection: 'x'.repeat(10_001) }), ['reflection']);
    expectInvalid(await acme.learner.post(url, { evidence_text: 'x'.repeat(10_001) }), ['evidence_text']);
    expectInvalid(await acme.learner.post(url, { reflection: 42 }), ['reflection']);
    expectInvalid(await acme.learner.post(url, { reflection: 'ok', completed_by: acme.manager.user.id }), ['completed_by']);
    // Ids that are not ids are missing ones.
    for (const bad of ['abc', '0', '-1', '1e3', `${act.spare}x`, '99999999999999999999999'])
      expectRefused(await acme.learner.get(`${API}/activities/${bad}`), 404, 'not_found', `GET /activities/${bad}`);
    assert.equal((await getActivity(acme.learner, act.spare)).status, 'available', 'nothing changed');
    // 10,000 characters is the limit, not 10,000 bytes.
    const long = 'é'.repeat(10_000);
    const done = await complete(acme.learner, act.spare, { reflection: long, evidence_url: 'https://example.com/a?b=c' });
    assert.equal(done.reflection, long);
  });

  test('HTML and SQL in a reflection are stored and returned verbatim', async () => {
    const clean = '<script>alert("x")</script><img src=x onerror=alert(1)>\'); DROP TABLE activities; -- \u2028 ünïcødé 🙂';
    const res = await acme.learner.post(`${API}/activities/${act.reflect}/complete`, { reflection: clean, evidence_text: "' OR 1=1 --" });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type'), /^application\/json\b/);
    assert.equal(res.body.reflection, clean);
    assert.equal(res.body.evidence_text, "' OR 1=1 --");
    const again = await getActivity(acme.manager, act.reflect);
    assert.equal(again.reflection, clean);
    assert.equal(again.evidence_text, "' OR 1=1 --");
  });

  test('broken UTF-8 is 400 and changes nothing', async () => {
    const body = Buffer.concat([Buffer.from('{"reflection":"ab'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const res = await acme.learner.post(`${API}/activities/${act.files}/complete`, body, { 'Content-Type': 'application/json' });
    expectRefused(res, 400, 'invalid_utf8');
    assert.equal((await getActivity(acme.learner, act.files)).status, 'available');
  });

  test('only the learner\'s manager signs off a manager step, only the coach a coach step', async () => {
    const url = (k) => `${API}/activities/${act[k]}/signoff`;
    const approve = { decision: 'approve' };
    expectRefused(await acme.otherManager.post(url('manager'), approve), 404, 'not_found', 'a manager of another team');
    expectRefused(await acme.other.post(url('manager'), approve), 404, 'not_found', 'another learner');
    expectRefused(await acme.admin.post(url('manager'), approve), 403, 'forbidden', 'an admin');
    expectRefused(await acme.designer.post(url('manager'), approve), 403, 'forbidden', 'a designer');
    expectRefused(await acme.coach.post(url('manager'), approve), 403, 'forbidden', 'the coach');
    expectRefused(await acme.learner.post(url('manager'), approve), 403, 'forbidden', 'the learner herself');
    expectInvalid(await acme.manager.post(url('manager'), { decision: 'maybe' }), ['decision']);
    expectInvalid(await acme.manager.post(url('manager'), { decision: 'return', comment: 'x'.repeat(2001) }), ['comment']);
    expectInvalid(await acme.manager.post(url('manager'), { decision: 'return', comment: '' }), ['comment']);
    assert.equal((await getActivity(acme.learner, act.manager)).status, 'awaiting_signoff', 'nothing changed');
    // Not waiting: 409.
    expectRefused(await acme.manager.post(url('manager2'), approve), 409, 'not_awaiting_signoff');
    await complete(acme.learner, act.coach);
    expectRefused(await acme.manager.post(url('coach'), approve), 403, 'forbidden', 'the manager on a coach step');
    // The other learner has no coach: nobody may sign off her coach step, and the coach cannot see it.
    await complete(acme.other, their.coach);
    expectRefused(await acme.coach.post(`${API}/activities/${their.coach}/signoff`, approve), 404, 'not_found');
    const ok = await signOff(acme.coach, act.coach, 'approve');
    assert.equal(ok.status, 'completed');
    expectRefused(await acme.coach.post(url('coach'), approve), 409, 'not_awaiting_signoff');
  });

  test('evidence files: type by the bytes, size and number limits, clean names, attachments only', async () => {
    // HTML (and SVG) dressed up as a PDF or PNG is refused.
    expectRefused(await postFiles(acme.learner, act.evidence, [{ filename: 'report.pdf', type: 'application/pdf', data: HTML }]),
      415, 'unsupported_file_type');
    expectRefused(await postFiles(acme.learner, act.evidence, [{ filename: 'chart.png', type: 'image/png',
      data: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>' }]), 415, 'unsupported_file_type');
    // A PDF named like a path keeps only its last component; the header lies, the bytes decide.
    let files = await upload(acme.learner, act.evidence, [{ filename: '../../etc/passwd.pdf', type: 'text/html', data: PDF }]);
    assert.deepEqual(files.map((f) => [f.name, f.content_type, f.size]), [['passwd.pdf', 'application/pdf', PDF.length]]);
    const pdfId = files[0].id;
    files = await upload(acme.learner, act.evidence, [
      { filename: 'C:\\Users\\ana\\evil.pdf', data: PDF },
      { filename: '..hidden.txt', data: 'plain words\n' },
      { filename: 'bad\u0001na\u001bme.txt', data: 'more words\n' },
      { filename: 'say "hi".txt', data: 'hi\n' },
      { filename: `${'a'.repeat(200)}.txt`, data: 'long\n' },
    ]);
    assert.deepEqual(files.map((f) => [f.name, f.content_type]), [
      ['evil.pdf', 'application/pdf'], ['hidden.txt', 'text/plain'], ['badname.txt', 'text/plain'],
      ['say hi.txt', 'text/plain'], [`${'a'.repeat(116)}.txt`, 'text/plain'],
    ]);

    // Downloads: an attachment, the sniffed type, nosniff, the same bytes; for readers only.
    for (const who of [acme.learner, acme.manager, acme.coach, acme.admin]) {
      const d = await download(server, who, act.evidence, pdfId);
      assert.equal(d.status, 200);
      assert.match(d.headers.get('content-disposition'), /^attachment\b/);
      assert.doesNotMatch(d.headers.get('content-disposition'), /[/\\]/);
      assert.match(d.headers.get('content-disposition'), /passwd\.pdf/);
      assert.match(d.headers.get('content-type'), /^application\/pdf\b/);
      assert.equal(d.headers.get('x-content-type-options'), 'nosniff');
      assert.deepEqual(d.body, PDF);
    }
    for (const who of [acme.other, acme.otherManager, globex.admin]) {
      const d = await download(server, who, act.evidence, pdfId);
      assert.equal(d.status, 404, `${who.user.email} downloads`);
    }
    // The file through another activity's address is no file of it.
    assert.equal((await download(server, acme.learner, act.files, pdfId)).status, 404);

    // Only the learner adds or deletes files.
    expectRefused(await postFiles(acme.manager, act.evidence, [{ filename: 'm.txt', data: 'manager\n' }]), 403, 'forbidden');
    expectRefused(await acme.manager.delete(`${API}/activities/${act.evidence}/files/${pdfId}`), 403, 'forbidden');
    expectRefused(await acme.other.delete(`${API}/activities/${act.evidence}/files/${pdfId}`), 404, 'not_found');
    assert.equal((await acme.learner.delete(`${API}/activities/${act.evidence}/files/${pdfId}`)).status, 204);
    assert.equal((await download(server, acme.learner, act.evidence, pdfId)).status, 404);
    assert.deepEqual((await getActivity(acme.learner, act.evidence)).files.map((f) => f.name),
      ['evil.pdf', 'hidden.txt', 'badname.txt', 'say hi.txt', `${'a'.repeat(116)}.txt`]);

    // Not multipart, or no part named file.
    expectRefused(await acme.learner.post(`${API}/activities/${act.evidence}/files`, { file: 'x' }), 415, 'unsupported_media_type');
    expectInvalid(await postFiles(acme.learner, act.evidence, []), ['file']);
    const { body, contentType } = multipart([{ name: 'attachment', filename: 'a.txt', data: 'a\n' }]);
    expectInvalid(await acme.learner.post(`${API}/activities/${act.evidence}/files`, body, { 'Content-Type': contentType }), ['file']);

    // Exactly 10 MiB is allowed; one byte more is 413.
    const big = Buffer.alloc(10 * MiB);
    PNG.copy(big);
    let res = await rawUpload(server, acme.learner, act.evidence, [{ filename: 'big.png', data: big }]);
    assert.equal(res.status, 201, res.text.slice(0, 300));
    assert.deepEqual(res.json().files.map((f) => [f.name, f.size]), [['big.png', 10 * MiB]]);
    const bigger = Buffer.alloc(10 * MiB + 1);
    PNG.copy(bigger);
    res = await rawUpload(server, acme.learner, act.evidence, [{ filename: 'bigger.png', data: bigger }]);
    expectRawError(res, 413, 'payload_too_large');
    assert.equal((await getActivity(acme.learner, act.evidence)).files.length, 6);

    // Ten files at most: eleven in one request store none; the eleventh alone is 409.
    const eleven = Array.from({ length: 11 }, (_, i) => ({ filename: `n${i}.txt`, data: `note ${i}\n` }));
    expectRefused(await postFiles(acme.learner, act.files, eleven), 409, 'too_many_files');
    assert.deepEqual((await getActivity(acme.learner, act.files)).files, []);
    await upload(acme.learner, act.files, eleven.slice(0, 10));
    expectRefused(await postFiles(acme.learner, act.files, eleven.slice(10)), 409, 'too_many_files');
    assert.equal((await getActivity(acme.learner, act.files)).files.length, 10);

    // The file counts as evidence; a completed activity takes no more files.
    const done = await complete(acme.learner, act.evidence, {});
    assert.equal(done.status, 'completed');
    expectRefused(await postFiles(acme.learner, act.evidence, [{ filename: 'late.txt', data: 'late\n' }]), 409, 'already_completed');
  });

  test('the learner may not change her enrolment; others below or beside may not either', async () => {
    const before = await getEnrolment(acme.admin, mine.id);
    expectRefused(await acme.learner.patch(`${API}/enrolments/${mine.id}`, { status: 'paused' }), 403, 'forbidden');
    expectRefused(await acme.learner.patch(`${API}/enrolments/${mine.id}`, { coach_id: null }), 403, 'forbidden');
    expectRefused(await acme.coach.patch(`${API}/enrolments/${mine.id}`, { status: 'paused' }), 403, 'forbidden');
    expectRefused(await acme.otherManager.patch(`${API}/enrolments/${mine.id}`, { status: 'paused' }), 404, 'not_found');
    expectInvalid(await acme.admin.patch(`${API}/enrolments/${mine.id}`, { coach_id: acme.manager.user.id }), ['coach_id']);
    assert.deepEqual(await getEnrolment(acme.admin, mine.id), before);
  });

  test('a paused enrolment refuses completion; bad transitions are 409', async () => {
    const e = await changeEnrolment(acme.otherManager, theirs.id, { status: 'paused' });
    assert.equal(e.status, 'paused');
    expectRefused(await acme.other.post(`${API}/activities/${their.read}/complete`, {}), 409, 'enrolment_not_active');
    expectRefused(await postFiles(acme.other, their.files, [{ filename: 'p.txt', data: 'paused\n' }]), 409, 'enrolment_not_active');
    expectRefused(await acme.admin.patch(`${API}/enrolments/${theirs.id}`, { status: 'paused' }), 409, 'bad_transition', 'pause twice');
    await changeEnrolment(acme.admin, theirs.id, { status: 'withdrawn' });
    expectRefused(await acme.admin.patch(`${API}/enrolments/${theirs.id}`, { status: 'active' }), 409, 'bad_transition', 'resume withdrawn');
    expectRefused(await acme.admin.patch(`${API}/enrolments/${theirs.id}`, { status: 'paused' }), 409, 'bad_transition', 'pause withdrawn');
    expectRefused(await acme.other.post(`${API}/activities/${their.read}/complete`, {}), 409, 'enrolment_not_active');

    // A completed enrolment cannot be paused or withdrawn.
    const one = await buildWorkflow(acme.designer, { title: 'One step', outcome: 'Done', phases: [{ name: 'P', steps: [{ title: 'Only' }] }] });
    await publish(acme.designer, one.id);
    const res = await enrol(acme.admin, one.id, { user_ids: [acme.other.user.id] });
    const id = res.people[0].enrolment_id;
    await complete(acme.other, (await getEnrolment(acme.other, id)).activities[0].id);
    assert.equal((await getEnrolment(acme.admin, id)).status, 'completed');
    for (const status of ['paused', 'withdrawn', 'active'])
      expectRefused(await acme.admin.patch(`${API}/enrolments/${id}`, { status }), 409, 'bad_transition', `${status} after completion`);
  });

  test('If-Match with a stale ETag is 412 and changes nothing', async () => {
    for (const bad of ['12', '"abc"', '"12', 'W/12'])
      expectRefused(await acme.admin.patch(`${API}/enrolments/${mine.id}`, { status: 'paused' }, { 'If-Match': bad }), 400, 'bad_request', bad);
    expectInvalid(await acme.admin.patch(`${API}/enrolments/${mine.id}`, { status: 'paused', learner_id: 1 }), ['learner_id']);
    const first = await acme.admin.get(`${API}/enrolments/${mine.id}`);
    assert.equal(first.status, 200);
    const stale = first.headers.get('etag');
    assert.ok(stale, 'GET /enrolments/{id} answers an ETag');
    await server.clock.set(utc('2026-12-07', '09:05'));
    const changed = await changeEnrolment(acme.manager, mine.id, { coach_id: null });
    assert.equal(changed.coach, null);
    const res = await acme.admin.patch(`${API}/enrolments/${mine.id}`, { status: 'paused' }, { 'If-Match': stale });
    expectRefused(res, 412, 'precondition_failed');
    const now = await acme.admin.get(`${API}/enrolments/${mine.id}`);
    assert.equal(now.body.status, 'active');
    assert.notEqual(now.headers.get('etag'), stale);
    const fresh = await changeEnrolment(acme.admin, mine.id, { status: 'paused', coach_id: acme.coach.user.id },
      { 'If-Match': now.headers.get('etag') });
    assert.equal(fresh.status, 'paused');
    assert.deepEqual(fresh.coach, { id: acme.coach.user.id, name: 'coach of acme' });
  });
});
