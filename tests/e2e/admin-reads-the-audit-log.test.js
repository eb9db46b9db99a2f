// An admin looks back at who changed what: people added, changed, deactivated and given a
// coach, groups created, changed and deleted — each entry with its time, its actor, its
// target and a small record of the change — newest first, filtered by actor, action,
// target and time, page by page. Passwords and invitation links never appear in it, and
// only admins may read it. The server's clock comes from a file, so times are exact.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { client, expectApiError, seedTenant, signIn } from './lib/people.js';
import { createDatabase, startServer } from './lib/server.js';

const T0 = Date.parse('2026-12-01T09:00:00Z') / 1000;
const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const PASSWORD = 'a long enough password';

describe('admin reads the audit log', () => {
  let server;
  let nowFile;
  let admin;
  const id = {};
  const secrets = [];
  const setNow = (t) => writeFile(nowFile, String(t));

  async function all(query = '') {
    const items = [];
    let cursor = null;
    do {
      const res = await admin.get(`/api/v1/audit?limit=3${query}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.items.length <= 3);
      items.push(...res.body.items);
      cursor = res.body.next_cursor;
    } while (cursor);
    return items;
  }

  before(async () => {
    const db = await createDatabase();
    nowFile = path.join(db.dir, 'now');
    await setNow(T0);
    server = await startServer({ db, args: ['--now-file', nowFile] });
    await seedTenant(server, { slug: 'acme', name: 'Acme' });
    admin = await signIn(server, { email: 'admin@acme.example', password: 'correct horse battery', tenant: 'acme' });

    // 09:00 an invitation, accepted; 10:00 changes; 11:00 groups.
    let res = await admin.post('/api/v1/users', { email: 'lea@acme.example', name: 'Lea', department: 'Sales' });
    id.lea = res.body.user.id;
    const token = /#token=([0-9a-f]{64})$/.exec(res.body.invitation_url)[1];
    secrets.push(token, PASSWORD);
    assert.equal((await client(server).post('/api/v1/auth/accept', { token, password: PASSWORD })).status, 204);
    res = await admin.post('/api/v1/users', { email: 'cole@acme.example', name: 'Cole', roles: ['coach'] });
    id.cole = res.body.user.id;
    secrets.push(/#token=([0-9a-f]{64})$/.exec(res.body.invitation_url)[1]);
    await setNow(T0 + 3600);
    assert.equal((await admin.patch(`/api/v1/users/${id.lea}`, { name: 'Lea Learner', department: 'Operations', job_title: 'Analyst' })).status, 200);
    assert.equal((await admin.put(`/api/v1/users/${id.lea}/coach`, { coach_id: id.cole })).status, 200);
    assert.equal((await admin.delete(`/api/v1/users/${id.cole}`)).status, 200);
    await setNow(T0 + 7200);
    res = await admin.post('/api/v1/groups', { name: 'Ops', rule: { all: [{ field: 'department', op: 'equals', value: 'Operations' }] } });
    id.ops = res.body.id;
    res = await admin.post('/api/v1/groups', { name: 'Cohort' });
    id.cohort = res.body.id;
    assert.equal((await admin.post(`/api/v1/groups/${id.cohort}/members`, { user_ids: [id.lea] })).status, 200);
    assert.equal((await admin.patch(`/api/v1/groups/${id.cohort}`, { name: 'Cohort 1' })).status, 200);
    assert.equal((await admin.delete(`/api/v1/groups/${id.cohort}/members/${id.lea}`)).status, 204);
    assert.equal((await admin.delete(`/api/v1/groups/${id.cohort}`)).status, 204);
  });
  after(async () => {
    const { stderr } = await server.stop();
    await server.db.drop();
    for (const s of secrets) assert.ok(!stderr.includes(s), 'the server log holds a secret');
  });

  test('every change is there, newest first, with actor, target, time and what changed', async () => {
    const entries = await all();
    const mine = entries.filter((e) => e.actor?.id === admin.user.id);
    assert.deepEqual(mine.map((e) => e.action), [
      'group.delete', 'group.members.remove', 'group.update', 'group.members.add', 'group.create',
      'group.create', 'user.deactivate', 'user.coach', 'user.update', 'user.create', 'user.create',
    ]);
    for (let i = 1; i < entries.length; i++) assert.ok(entries[i].id < entries[i - 1].id, 'newest first');
    const update = mine.find((e) => e.action === 'user.update');
    assert.deepEqual(update.actor, { id: admin.user.id, name: 'Ada Admin', email: 'admin@acme.example' });
    assert.equal(update.at, iso(T0 + 3600));
    assert.equal(update.target_type, 'user');
    assert.equal(update.target_id, id.lea);
    assert.deepEqual(update.changes, {
      name: { old: 'Lea', new: 'Lea Learner' },
      department: { old: 'Sales', new: 'Operations' },
      job_title: { old: '', new: 'Analyst' },
    });
    const coach = mine.find((e) => e.action === 'user.coach');
    assert.deepEqual(coach.changes, { coach_id: { old: null, new: id.cole } });
    const created = mine.find((e) => e.action === 'user.create' && e.target_id === id.lea);
    assert.equal(created.changes.email, 'lea@acme.example');
    assert.deepEqual(created.changes.roles, ['learner']);
    const rule = mine.find((e) => e.action === 'group.create' && e.target_id === id.ops);
    assert.deepEqual(rule.changes.rule, { all: [{ field: 'department', op: 'equals', value: 'Operations' }] });
    const renamed = mine.find((e) => e.action === 'group.update');
    assert.deepEqual(renamed.changes, { name: { old: 'Cohort', new: 'Cohort 1' } });
    assert.deepEqual(mine.find((e) => e.action === 'group.members.add').changes, { user_ids: [id.lea] });
  });

  test('filters narrow by actor, action, target and time', async () => {
    const byAction = await all('&action=user.create');
    assert.ok(byAction.length >= 2 && byAction.every((e) => e.action === 'user.create'));
    const lea = await all(`&target_type=user&target_id=${id.lea}`);
    assert.ok(lea.length >= 3 && lea.every((e) => e.target_id === id.lea && e.target_type === 'user'));
    const groups = await all('&target_type=group');
    assert.equal(groups.length, 6);
    const hour = await all(`&from=${iso(T0 + 3600)}&to=${encodeURIComponent('2026-12-01T11:59:59+01:00')}`);
    assert.deepEqual(hour.map((e) => e.action), ['user.deactivate', 'user.coach', 'user.update']);
    const actor = await all(`&actor_id=${admin.user.id}&action=group.delete`);
    assert.equal(actor.length, 1);
    assert.equal((await all(`&actor_id=${id.lea}`)).length, 0);
    for (const bad of ['from=yesterday', 'to=2026-13-01T00:00:00Z', 'actor_id=x', 'target_id=-3', 'action=%3Cscript%3E', 'limit=0', 'limit=501', 'cursor=zz'])
      expectApiError(await admin.get(`/api/v1/audit?${bad}`), 400, 'bad_request', bad);
  });

  test('passwords and invitation links never reach the audit log', async () => {
    const text = JSON.stringify(await all());
    for (const s of secrets) assert.ok(!text.includes(s), 'the audit log holds a secret');
    assert.ok(!/welcome|token|password_hash/i.test(text), text);
  });

  test('only admins read the audit log', async () => {
    const lea = await signIn(server, { email: 'lea@acme.example', password: PASSWORD, tenant: 'acme' });
    expectApiError(await lea.get('/api/v1/audit'), 403, 'forbidden');
    expectApiError(await client(server).get('/api/v1/audit'), 401, 'unauthorized');
  });
});
