// A workflow leaves and comes back as one self-contained document. Every shipped
// template becomes a draft; its export is the template's document with every field
// written out; importing that export and exporting again gives the same document; the
// template's own document imports too. Broken documents are refused with every problem
// named by its place (phases[0].steps[2].kind), oversized ones quickly and clearly, deeply
// nested JSON as malformed — and nothing is created. Markdown with HTML and script in it
// is kept as typed, and the preview learners see has no script, no event handler and no
// javascript: link. The operator's command line exports and imports the same documents.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { expectRawError, rawRequest } from './lib/http.js';
import { expectApiError, runCli } from './lib/people.js';
import { assertNoSanitizerReport, startServer } from './lib/server.js';
import {
  API, DOC_STEP_FIELDS, bigDocument, buildWorkflow, createWorkflow, documentOf, expectInvalid,
  exportWorkflow, getWorkflow, importWorkflow, listWorkflows, normalised, organisation, publish,
  unsafeMarkup,
} from './lib/workflows.js';

const HOSTILE_MARKDOWN = [
  '# Before you start',
  '',
  '<script>alert("instructions")</script>',
  '',
  '<img src="x" onerror="alert(1)">',
  '',
  '<a href="javascript:alert(2)">raw link</a> and <b onmouseover="alert(3)">bold</b>',
  '',
  '[a javascript link](javascript:alert(4)) [UPPER](JAVASCRIPT:alert(5)) [entity](jav&#x61;script:alert(6))',
  '',
  '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==) ![image](javascript:alert(8))',
  '',
  '<iframe src="https://evil.example"></iframe><svg onload="alert(9)"></svg>',
  '',
  'Read **the summary** at [our wiki](https://wiki.example/feedback "Feedback") and `code <script>`.',
].join('\n');

describe('workflow import and export round trip', () => {
  let server;
  let org;
  let dana;
  let templates;

  // Resolves to the ids of all workflows, to check that a refusal created nothing.
  const ids = async () => (await listWorkflows(dana)).map((w) => w.id).sort((a, b) => a - b);

  before(async () => {
    server = await startServer();
    org = await organisation(server, 'acme');
    dana = org.designer;
  });
  after(async () => {
    await server?.stop();
  });

  test('the template library lists each template with its counts', async () => {
    const res = await dana.get(`${API}/workflow-templates`);
    assert.equal(res.status, 200, res.text);
    templates = res.body.items;
    assert.ok(templates.length >= 1, 'at least one template ships');
    assert.equal(new Set(templates.map((t) => t.key)).size, templates.length, 'keys are unique');
    for (const t of templates) {
      assert.match(t.key, /^[a-z0-9-]+$/);
      const doc = await dana.get(`${API}/workflow-templates/${t.key}`);
      assert.equal(doc.status, 200, doc.text);
      const d = doc.body;
      assert.equal(d.format, 'waymark-workflow');
      assert.equal(d.format_version, 1);
      assert.equal(t.title, d.title);
      assert.equal(t.outcome, d.outcome ?? '');
      assert.equal(t.description, d.description ?? '');
      assert.equal(t.phase_count, d.phases.length, `${t.key} phase_count`);
      const steps = d.phases.flatMap((p) => normalised({ ...d, phases: [p] }).phases[0].steps);
      assert.equal(t.step_count, steps.length, `${t.key} step_count`);
      assert.equal(t.duration_days, Math.max(...steps.map((s) => s.due_offset_days)), `${t.key} duration_days`);
      assert.ok(t.outcome.length > 0, `${t.key} has an outcome: templates are publishable`);
    }
    expectApiError(await dana.get(`${API}/workflow-templates/no-such-template`), 404, 'not_found');
    expectApiError(await dana.get(`${API}/workflow-templates/..%2F..%2Fetc%2Fpasswd`), 404, 'not_found');
  });

  test('every template: create from it, export, import, export again — the same document', async () => {
    for (const t of templates) {
      const template = (await dana.get(`${API}/workflow-templates/${t.key}`)).body;
      const created = await createWorkflow(dana, { template: t.key });
      assert.equal(created.title, template.title);
      assert.equal(created.status, 'draft');
      assert.equal(created.phases.length, t.phase_count);
      assert.equal(created.steps.length, t.step_count);

      const exported = await exportWorkflow(dana, created.id);
      assert.deepEqual(exported, normalised(template), `${t.key}: export writes the template with every field`);
      for (const p of exported.phases)
        for (const s of p.steps) assert.deepEqual(Object.keys(s).sort(), [...DOC_STEP_FIELDS].sort(), 'no ids, no instants');

      const imported = await importWorkflow(dana, exported);
      assert.notEqual(imported.id, created.id);
      assert.equal(imported.status, 'draft');
      assert.deepEqual(await exportWorkflow(dana, imported.id), exported, `${t.key}: export(import(export)) = export`);

      // The template's own document, with its fields left to their defaults, imports too.
      const direct = await importWorkflow(dana, template);
      assert.deepEqual(await exportWorkflow(dana, direct.id), exported, `${t.key}: the template document imports`);

      // And the drafts are equal field by field, apart from ids and instants.
      const strip = (w) => ({
        ...['title', 'outcome', 'description', 'pacing'].reduce((o, k) => ({ ...o, [k]: w[k] }), {}),
        phases: w.phases.map((p) => [p.position, p.name]),
        steps: w.steps.map((s) => [s.phase, s.position, ...DOC_STEP_FIELDS.map((f) => s[f])]),
      });
      assert.deepEqual(strip(await getWorkflow(dana, imported.id)), strip(await getWorkflow(dana, created.id)));

      // A template is publishable as it ships.
      assert.equal((await publish(dana, created.id)).version, 1);
    }
    const titled = await createWorkflow(dana, { template: templates[0].key, title: 'Our own take' });
    assert.equal(titled.title, 'Our own take');
  });

  test('a published version exports as it was, whatever the draft became', async () => {
    const wf = await buildWorkflow(dana, {
      title: 'Versioned', outcome: 'Does it', pacing: 'calendar_days', description: 'Two phases.',
      phases: [
        { name: 'One', steps: [{ title: 'First', kind: 'reflect', instructions: 'Think *hard*.', link_url: 'https://example.com/1',
          release_offset_days: 1, due_offset_days: 3, effort_minutes: 45, completion: 'manager_signoff', evidence: 'required',
          manager_prompt: 'Ask about it.' }] },
        { name: 'Two', steps: [{ title: 'Second' }, { title: 'Third', kind: 'measure' }] },
      ],
    });
    await publish(dana, wf.id);
    const v1 = await exportWorkflow(dana, wf.id, 1);
    assert.deepEqual(v1, normalised(documentOf({
      title: 'Versioned', outcome: 'Does it', pacing: 'calendar_days', description: 'Two phases.',
      phases: [
        { name: 'One', steps: [{ title: 'First', kind: 'reflect', instructions: 'Think *hard*.', link_url: 'https://example.com/1',
          release_offset_days: 1, due_offset_days: 3, effort_minutes: 45, completion: 'manager_signoff', evidence: 'required',
          manager_prompt: 'Ask about it.' }] },
        { name: 'Two', steps: [{ title: 'Second' }, { title: 'Third', kind: 'measure' }] },
      ],
    })));
    const res = await dana.patch(`${API}/workflows/${wf.id}`, { title: 'Versioned, changed' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await exportWorkflow(dana, wf.id, 1), v1);
    assert.equal((await exportWorkflow(dana, wf.id)).title, 'Versioned, changed');
    expectApiError(await dana.get(`${API}/workflows/${wf.id}/export?version=2`), 404, 'not_found');
    expectApiError(await dana.get(`${API}/workflows/${wf.id}/export?version=x`), 400, 'bad_request');
  });

  test('broken documents are refused naming every problem, and nothing is created', async () => {
    const before = await ids();
    const steps = (...s) => [{ name: 'P1', steps: s }];
    const cases = [
      [documentOf({ format: 'waymark-course' }), ['format']],
      [(({ format, ...d }) => d)(documentOf()), ['format']],
      [documentOf({ format_version: 2 }), ['format_version']],
      [documentOf({ format_version: '1' }), ['format_version']],
      [(({ format_version, ...d }) => d)(documentOf()), ['format_version']],
      [documentOf({ title: 5 }), ['title']],
      [documentOf({ title: '' }), ['title']],
      [(({ title, ...d }) => d)(documentOf()), ['title']],
      [documentOf({ phases: 'none' }), ['phases']],
      [documentOf({ phases: [{ name: '', steps: [] }] }), ['phases[0].name']],
      [documentOf({ phases: [{ name: 'P', steps: 'x' }] }), ['phases[0].steps']],
      [documentOf({ pacing: 'weekly' }), ['pacing']],
      [documentOf({ id: 7 }), ['id']],
      [documentOf({ phases: [{ name: 'P', steps: [], id: 3 }] }), ['phases[0].id']],
      [documentOf({ phases: steps({ title: 'S', effort_minutes: '15' }) }), ['phases[0].steps[0].effort_minutes']],
      [documentOf({ phases: steps({ title: 7 }) }), ['phases[0].steps[0].title']],
      [documentOf({ phases: steps({ title: 'S', release_offset_days: 5, due_offset_days: 1 }) }), ['phases[0].steps[0].due_offset_days']],
      [documentOf({ phases: steps({ title: 'S', link_url: 'javascript:alert(1)' }) }), ['phases[0].steps[0].link_url']],
      [documentOf({ phases: steps({ title: 'S', position: 1 }) }), ['phases[0].steps[0].position']],
      [documentOf({ phases: steps({ title: 'S', phase_id: 1 }) }), ['phases[0].steps[0].phase_id']],
      [documentOf({ phases: steps('a step') }), ['phases[0].steps[0]']],
      // Every bad step at once, each by its place.
      [documentOf({ phases: [
        { name: 'Week 1', steps: [{ title: 'ok' }, { title: 'ok too' }, { title: 'bad', kind: 'lecture' }] },
        { name: 'Week 2', steps: [{ title: 'bad', kind: 'webinar' }, { title: 'odd', colour: 'red' }, { title: '' }] },
        { name: 'Week 3', steps: [{ title: 'bad', completion: 'peer', evidence: 'maybe', effort_minutes: 0 }] },
      ] }), ['phases[0].steps[2].kind', 'phases[1].steps[0].kind', 'phases[1].steps[1].colour', 'phases[1].steps[2].title',
        'phases[2].steps[0].completion', 'phases[2].steps[0].evidence', 'phases[2].steps[0].effort_minutes']],
      [bigDocument(51, 0), ['phases']],
      [bigDocument(3, 167), ['steps']], // 501 steps
    ];
    const wrong = [];
    for (const [doc, fields] of cases) {
      const res = await dana.post(`${API}/workflows/import`, doc);
      try {
        expectInvalid(res, fields, JSON.stringify(doc).slice(0, 160));
      } catch {
        wrong.push(`${JSON.stringify(doc).slice(0, 160)}…: expected 422 naming ${JSON.stringify(fields)}, got ${res.status} ${res.text.slice(0, 300)}`);
      }
    }
    assert.deepEqual(wrong, []);
    for (const body of [[], 'a string', 42, null]) {
      const res = await dana.post(`${API}/workflows/import`, JSON.stringify(body), { 'Content-Type': 'application/json' });
      assert.ok([400, 422].includes(res.status), `import of ${JSON.stringify(body)}: ${res.status} ${res.text}`);
    }
    expectApiError(await dana.post(`${API}/workflows/import`, '{"format": "waymark-workflow",', { 'Content-Type': 'application/json' }),
      400, 'malformed_json');
    expectApiError(await dana.post(`${API}/workflows/import`, 'format=waymark-workflow', { 'Content-Type': 'application/x-www-form-urlencoded' }),
      415, 'unsupported_media_type');
    assert.deepEqual(await ids(), before, 'no workflow was created');
    // The limits themselves import.
    assert.equal((await importWorkflow(dana, bigDocument(50, 10))).steps.length, 500);
  });

  test('10,000 steps get a quick, clear refusal and nothing is created', async () => {
    const before = await ids();
    const doc = bigDocument(1, 10_000);
    const started = Date.now();
    const res = await dana.post(`${API}/workflows/import`, doc);
    const took = Date.now() - started;
    assert.ok(res.status === 422 || res.status === 413, `status ${res.status}: ${res.text.slice(0, 300)}`);
    const err = expectApiError(res, res.status, res.status === 422 ? 'validation_failed' : 'payload_too_large');
    if (res.status === 422) {
      assert.deepEqual(err.details.map((d) => d.field), ['steps'], 'one detail, not ten thousand');
      assert.match(err.details[0].message, /500/, 'the message says the limit');
    }
    assert.ok(took < 5000, `answered in ${took} ms`);
    assert.deepEqual(await ids(), before);
    // And the same with full-size steps, well over the body limit: refused from its
    // Content-Length, before the body is read. (Sent raw: the server answers and closes
    // without reading, which a fetch still writing the body reports as EPIPE.)
    const fat = JSON.stringify(documentOf({ phases: [{ name: 'P', steps: Array.from({ length: 10_000 }, (_, i) => ({
      title: `Step ${i}`, instructions: 'Some words about what to do. '.repeat(4), kind: 'practise' })) }] }));
    assert.ok(Buffer.byteLength(fat) > 1024 * 1024, 'the document is over the 1 MiB limit');
    const big = await rawRequest(server.url, {
      method: 'POST',
      path: `${API}/workflows/import`,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(fat)),
        Cookie: dana.cookie, 'X-CSRF-Token': dana.csrfToken },
    });
    expectRawError(big, 413, 'payload_too_large', 'a 10,000-step document over the body limit');
    assert.deepEqual(await ids(), before);
  });

  test('JSON nested 100 levels deep is refused as malformed before anything else', async () => {
    const before = await ids();
    const deep = `{"format":"waymark-workflow","format_version":1,"title":"Deep","phases":[{"name":"P","steps":[{"title":"S","instructions":${'['.repeat(100)}${']'.repeat(100)}}]}]}`;
    expectApiError(await dana.post(`${API}/workflows/import`, deep, { 'Content-Type': 'application/json' }), 400, 'nesting_too_deep');
    const deepObj = `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`;
    expectApiError(await dana.post(`${API}/workflows/import`, deepObj, { 'Content-Type': 'application/json' }), 400, 'nesting_too_deep');
    assert.deepEqual(await ids(), before);
  });

  test('HTML and script in Markdown are kept as typed and never reach the preview', async () => {
    const doc = documentOf({ phases: [{ name: 'P', steps: [{ title: '<b>Bold</b> title', instructions: HOSTILE_MARKDOWN,
      manager_prompt: '<script>alert(0)</script>' }] }] });
    const wf = await importWorkflow(dana, doc);
    assert.equal(wf.steps[0].instructions, HOSTILE_MARKDOWN, 'stored exactly as typed');
    assert.equal(wf.steps[0].title, '<b>Bold</b> title');
    assert.deepEqual(await exportWorkflow(dana, wf.id), normalised(doc));

    const res = await dana.post(`${API}/markdown/preview`, { markdown: wf.steps[0].instructions });
    assert.equal(res.status, 200, res.text);
    const { html } = res.body;
    assert.equal(typeof html, 'string');
    assert.deepEqual(unsafeMarkup(html), [], html);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /onerror\s*=/i);
    assert.doesNotMatch(html, /href\s*=\s*["']?\s*javascript:/i);
    assert.doesNotMatch(html, /javascript:/i, 'the javascript: destinations are dropped');
    // What is safe still renders.
    assert.match(html, /<h1>Before you start<\/h1>/);
    assert.match(html, /<strong>the summary<\/strong>/);
    assert.match(html, /<a href="https:\/\/wiki\.example\/feedback" title="Feedback">our wiki<\/a>/);
    assert.match(html, /<code>code &lt;script&gt;<\/code>/);
    assert.match(html, /a javascript link/, 'an unsafe link keeps its label as text');

    const learner = (await organisation(server, 'globex', { learner: [] })).learner;
    const again = await learner.post(`${API}/markdown/preview`, { markdown: HOSTILE_MARKDOWN });
    assert.equal(again.status, 200, 'any signed-in person may preview');
    assert.equal(again.body.html, html);
    for (const [body, fields] of [[{}, ['markdown']], [{ markdown: 5 }, ['markdown']], [{ markdown: 'x', extra: 1 }, ['extra']],
      [{ markdown: 'é'.repeat(20_001) }, ['markdown']]])
      expectInvalid(await dana.post(`${API}/markdown/preview`, body), fields, JSON.stringify(body).slice(0, 80));
    // As long as instructions may be, and as nested as CommonMark allows: quick and whole.
    for (const markdown of ['é'.repeat(20_000), '>'.repeat(20_000), '*'.repeat(20_000), '['.repeat(20_000)]) {
      const started = Date.now();
      const big = await dana.post(`${API}/markdown/preview`, { markdown });
      assert.equal(big.status, 200, `${markdown.slice(0, 5)}…: ${big.text.slice(0, 200)}`);
      assert.ok(Date.now() - started < 5000, 'rendered quickly');
      assert.deepEqual(unsafeMarkup(big.body.html), []);
    }
    assert.deepEqual((await dana.post(`${API}/markdown/preview`, { markdown: '' })).body, { html: '' });
  });

  test('the command line exports and imports the same documents', async () => {
    const db = server.db.url;
    const cli = async (...args) => {
      const r = await runCli([...args, '--db', db]);
      assertNoSanitizerReport(r.stderr, `waymark ${args.join(' ')}`);
      return r;
    };
    const wf = await createWorkflow(dana, { template: templates[0].key, title: 'From the shell' });
    await publish(dana, wf.id);
    const res = await dana.patch(`${API}/workflows/${wf.id}`, { title: 'From the shell, changed' });
    assert.equal(res.status, 200, res.text);

    let r = await cli('export', 'workflow', String(wf.id));
    assert.equal(r.code, 0, r.stderr);
    const draftDoc = JSON.parse(r.stdout);
    assert.deepEqual(draftDoc, await exportWorkflow(dana, wf.id), 'the CLI writes what the API exports');
    r = await cli('export', 'workflow', String(wf.id), '--version', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), await exportWorkflow(dana, wf.id, 1));
    assert.equal(JSON.parse(r.stdout).title, 'From the shell');

    const file = path.join(server.db.dir, 'feedback.json');
    await writeFile(file, JSON.stringify(draftDoc, null, 2));
    const before = await ids();
    r = await cli('import', 'workflow', file, '--tenant', 'acme');
    assert.equal(r.code, 0, r.stderr);
    const added = (await ids()).filter((id) => !before.includes(id));
    assert.equal(added.length, 1, 'one new workflow');
    assert.deepEqual(await exportWorkflow(dana, added[0]), draftDoc, 'import(export) through the CLI is equal');
    const imported = await getWorkflow(dana, added[0]);
    assert.equal(imported.status, 'draft');

    // Round trip through the CLI alone.
    r = await cli('export', 'workflow', String(added[0]));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), draftDoc);

    // A broken file: exit non-zero naming the place, nothing written.
    const broken = path.join(server.db.dir, 'broken.json');
    await writeFile(broken, JSON.stringify(documentOf({ phases: [{ name: 'P', steps: [{ title: 'x', kind: 'lecture' }] }] })));
    const now = await ids();
    r = await cli('import', 'workflow', broken, '--tenant', 'acme');
    assert.equal(r.code, 1, 'a broken document fails');
    assert.match(r.stdout + r.stderr, /phases\[0\]\.steps\[0\]\.kind/, 'the problem is named by its place');
    r = await cli('import', 'workflow', broken, '--tenant', 'acme', '--dry-run');
    assert.equal(r.code, 1, 'a dry run of a broken document fails too');
    // A dry run of a good document writes nothing.
    r = await cli('import', 'workflow', file, '--tenant', 'acme', '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    r = await cli('import', 'workflow', file, '--tenant', 'no-such-tenant');
    assert.notEqual(r.code, 0, 'an unknown organisation fails');
    r = await cli('import', 'workflow', path.join(server.db.dir, 'missing.json'), '--tenant', 'acme');
    assert.notEqual(r.code, 0, 'a missing file fails');
    r = await cli('export', 'workflow', '987654321');
    assert.notEqual(r.code, 0, 'an unknown workflow fails');
    assert.equal(r.stdout, '');
    assert.deepEqual(await ids(), now, 'nothing was written by the failures');
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), draftDoc);
  });
});
