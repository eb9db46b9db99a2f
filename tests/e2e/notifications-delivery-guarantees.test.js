// What the outbox promises about delivery (docs/notifications.md, "How a notice travels"),
// against a real SMTP relay on loopback that can be told to refuse or to hang:
// - a temporary refusal (451) is tried again a minute later, and exactly one message is
//   delivered; the outbox log shows two attempts, then sent;
// - eight temporary refusals in a row back off 1, 2, 4 … minutes and then fail for good;
// - a permanent refusal (550) fails at once, keeps its error, and is never sent again;
// - a `waymark tick` killed (SIGKILL) while the relay holds its message loses nothing:
//   the lease (120 s) runs out and a later tick delivers it, once accepted, with the same
//   Message-ID;
// - with no relay at all the email fails at once with "no SMTP relay is configured"; an
//   organisation's own relay (notification settings) is used instead of the deployment's.
// The emails are invitations (POST /users), queued by the server at its clock.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { withTokens } from './lib/enrolments.js';
import { sleep } from './lib/http.js';
import {
  API, OUTBOX_FIELDS, assertEmailShape, iso, ms, outboxOf, setSettings, settingsOf, startClockedNotifyServer, tickAt,
} from './lib/notify.js';
import { assertNoSanitizerReport, spawnWaymark } from './lib/server.js';
import { startSmtpSink } from './lib/smtp.js';
import { organisation } from './lib/workflows.js';

const PUBLIC = 'https://learn.fabrikam.example';
const FROM = 'noreply@fabrikam.example';
const T0 = '2027-03-01T10:00:00Z';
const plus = (t, seconds) => iso(ms(t) + seconds * 1000);

describe('delivery guarantees of the outbox', () => {
  let server;
  let sink;
  let org;
  let orgName;

  before(async () => {
    server = await startClockedNotifyServer({ at: T0, args: ['--public-url', PUBLIC, '--smtp-from', FROM] });
    sink = await startSmtpSink();
    org = await organisation(server, 'fabrikam', {});
    orgName = org.admin.tenant.name;
    await withTokens(server, org);
  });
  after(async () => {
    await sink?.stop();
    await server?.stop();
  });

  const tick = (at, opts = {}) => tickAt(server, at, { smtp: sink, publicUrl: PUBLIC, smtpFrom: FROM, ...opts });

  // Invites someone at `at` (the server's clock); resolves to the invitation answer.
  async function invite(at, local) {
    await server.clock.set(at);
    const res = await org.admin.post(`${API}/users`, { email: `${local}@fabrikam.example`, name: `${local[0].toUpperCase()}${local.slice(1)} Person` });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async function rowFor(local) {
    const rows = (await outboxOf(org.admin)).filter((o) => o.recipient === `${local}@fabrikam.example`);
    assert.equal(rows.length, 1, `one outbox row for ${local}: ${JSON.stringify(rows)}`);
    assert.deepEqual(Object.keys(rows[0]).sort(), OUTBOX_FIELDS);
    return rows[0];
  }

  const attemptsFor = async (local) => (await sink.attempts()).filter((a) => a.rcpt_tos.includes(`${local}@fabrikam.example`));

  test('a temporary refusal is retried a minute later and delivered exactly once', async () => {
    const answer = await invite(T0, 'first');
    let row = await rowFor('first');
    assert.deepEqual({ ...row, id: 0 }, {
      id: 0, channel: 'email', kind: 'invitation', recipient: 'first@fabrikam.example',
      subject: `You're invited to Waymark at ${orgName}`, state: 'pending', attempts: 0, next_attempt_at: T0,
      last_error: null, created_at: T0, sent_at: null,
    });

    await sink.refuse('451', 1);
    await tick(T0);
    assert.deepEqual((await attemptsFor('first')).map((a) => a.outcome), ['451']);
    row = await rowFor('first');
    assert.equal(row.state, 'pending');
    assert.equal(row.attempts, 1);
    assert.equal(row.next_attempt_at, plus(T0, 60), 'tried again after a minute');
    assert.match(row.last_error ?? '', /451/, 'the relay\'s answer is kept');

    await tick(plus(T0, 30));
    assert.equal((await attemptsFor('first')).length, 1, 'not before its time');
    await tick(plus(T0, 60));
    assert.deepEqual((await attemptsFor('first')).map((a) => a.outcome), ['451', 'accepted']);
    row = await rowFor('first');
    assert.equal(row.state, 'sent');
    assert.equal(row.attempts, 2);
    assert.equal(row.sent_at, plus(T0, 60));
    await tick(plus(T0, 3600));
    assert.equal((await attemptsFor('first')).length, 2, 'sent once');

    const [m] = (await sink.messages()).filter((x) => x.to.address === 'first@fabrikam.example');
    assert.equal(m.subject, `You're invited to Waymark at ${orgName}`);
    // Invitations cannot be unsubscribed: a link, if there is one, answers 409.
    const { unsubscribeUrl } = assertEmailShape(m, { orgName, fromAddress: FROM, publicUrl: PUBLIC, unsubscribable: 'maybe' });
    if (unsubscribeUrl) {
      const local = unsubscribeUrl.replace(PUBLIC, server.url);
      const res = await fetch(local, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      assert.equal(res.status, 409, await res.text());
    }
    assert.ok(m.text.includes(`${PUBLIC}${answer.invitation_url}`), `the invitation carries the link the admin got:\n${m.text}`);
    const [a1, a2] = await attemptsFor('first');
    assert.equal(a1.raw.toString('latin1').match(/^Message-ID: (.*)$/im)?.[1], m.messageId, 'the retry is the same message');
    assert.ok(a2);
  });

  test('eight temporary refusals back off 1, 2, 4 … minutes, then fail for good', async () => {
    const t = plus(T0, 2 * 3600);
    await invite(t, 'eight');
    await sink.refuse('451', 8);
    let at = t;
    const gaps = [];
    for (let i = 1; i <= 8; i++) {
      await tick(at);
      const row = await rowFor('eight');
      assert.equal(row.attempts, i, `attempt ${i}`);
      if (i < 8) {
        assert.equal(row.state, 'pending', `after attempt ${i}`);
        gaps.push((ms(row.next_attempt_at) - ms(at)) / 60_000);
        // One second early is too early.
        await tick(plus(row.next_attempt_at, -1));
        assert.equal((await attemptsFor('eight')).length, i, `attempt ${i + 1} waits for its time`);
        at = row.next_attempt_at;
      } else {
        assert.equal(row.state, 'failed');
        assert.match(row.last_error ?? '', /451/);
      }
    }
    assert.deepEqual(gaps, [1, 2, 4, 8, 16, 32, 64]);
    await tick(plus(at, 86400));
    assert.equal((await attemptsFor('eight')).length, 8, 'a failed row is not tried again');
    await sink.reset();
  });

  test('a permanent refusal fails at once, keeps its error and is never sent again', async () => {
    const t = plus(T0, 6 * 3600);
    await invite(t, 'second');
    await sink.refuse('550', 1);
    await tick(t);
    let row = await rowFor('second');
    assert.equal(row.state, 'failed');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error ?? '', /550/);
    assert.equal(row.sent_at, null);
    for (const later of [plus(t, 60), plus(t, 3600), plus(t, 86400)]) await tick(later);
    assert.deepEqual((await attemptsFor('second')).map((a) => a.outcome), ['550'], 'never resent');
    row = await rowFor('second');
    assert.equal(row.state, 'failed');
    const failed = await outboxOf(org.admin, 'failed');
    assert.ok(failed.some((o) => o.id === row.id), 'the failed filter shows it');
    assert.ok(!(await outboxOf(org.admin, 'sent')).some((o) => o.id === row.id));
  });

  test('a tick killed while the relay holds the message loses nothing: a later tick sends it', async () => {
    const t = plus(T0, 8 * 3600);
    await invite(t, 'third');
    await sink.hang(1);
    const child = spawnWaymark(['tick', '--at', t, '--db', server.db.url, '--smtp-url', sink.url, '--public-url', PUBLIC, '--smtp-from', FROM]);
    const deadline = Date.now() + 20_000;
    while (!(await attemptsFor('third')).some((a) => a.outcome === 'hang')) {
      assert.ok(Date.now() < deadline, `the tick reached DATA: ${child.stderr()}`);
      await sleep(25);
    }
    await sleep(100);
    child.kill('SIGKILL');
    const exit = await child.exited;
    assert.equal(exit.signal, 'SIGKILL', 'killed mid-delivery');
    assertNoSanitizerReport(child.stderr(), 'the killed tick');

    let row = await rowFor('third');
    assert.equal(row.state, 'pending', 'the row is still there, leased');
    assert.equal(row.sent_at, null);
    // Inside the lease nobody takes it.
    await tick(plus(t, 60));
    await tick(plus(t, 119));
    assert.deepEqual((await attemptsFor('third')).map((a) => a.outcome), ['hang']);
    // After it another worker does, once.
    await tick(plus(t, 121));
    assert.deepEqual((await attemptsFor('third')).map((a) => a.outcome), ['hang', 'accepted']);
    await tick(plus(t, 3600));
    assert.deepEqual((await attemptsFor('third')).map((a) => a.outcome), ['hang', 'accepted'], 'exactly one accepted message');
    row = await rowFor('third');
    assert.equal(row.state, 'sent');
    assert.equal(row.sent_at, plus(t, 121));
    const [held, sent] = await attemptsFor('third');
    const id = (a) => a.raw.toString('latin1').match(/^Message-ID: (.*)$/im)?.[1];
    assert.ok(id(held), 'the held message had a Message-ID');
    assert.equal(id(sent), id(held), 'the same Message-ID, so the relay can recognise a duplicate');
  });

  test('with no relay the email fails at once; the organisation\'s own relay is used when set', async () => {
    const t = plus(T0, 10 * 3600);
    await invite(t, 'fourth');
    await tickAt(server, t, { publicUrl: PUBLIC }); // no --smtp-url
    const row = await rowFor('fourth');
    assert.equal(row.state, 'failed');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error ?? '', /no SMTP relay is configured/);
    assert.equal((await attemptsFor('fourth')).length, 0);

    // The organisation's own relay, with the deployment having none.
    const s = await setSettings(org.admin, { smtp: { url: sink.url, from: `Fabrikam Learning <${FROM}>` } });
    assert.equal(s.smtp.url, sink.url);
    assert.equal(s.smtp.password_set, false);
    assert.equal(s.smtp.uses_deployment_relay, false);
    await invite(plus(t, 60), 'fifth');
    await tickAt(server, plus(t, 60), { publicUrl: PUBLIC });
    assert.equal((await rowFor('fifth')).state, 'sent');
    const [m] = (await sink.messages()).filter((x) => x.to.address === 'fifth@fabrikam.example');
    assert.ok(m, 'sent through the organisation\'s relay');
    assert.equal(m.envelope.from, FROM);
    const back = await setSettings(org.admin, { smtp: { url: null } });
    assert.equal(back.smtp.uses_deployment_relay, true);
    assert.deepEqual((await settingsOf(org.admin)).smtp.uses_deployment_relay, true);
  });
});
