/**
 * The alert outbox against a real SMTP server and a real local HTTP receiver, on a fake clock:
 * deliveries are recorded with their attempts, retried with back-off, survive a restart (pending
 * ones are sent, sent ones never again), permanent failures are shown as failed, and no secret
 * reaches the journal.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, RETRY_DELAYS_MS, type OutboxMessage } from '../../../engine/alerts/outbox.ts';
import { channelSender, type DesktopNotice } from '../../../engine/alerts/channels.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { startSmtpServer, type TestSmtpServer } from '../../helpers/smtp-server.ts';
import { json, serveDuringTest } from '../../helpers/http-server.ts';

let dir: string;
let smtp: TestSmtpServer;
const desktop: DesktopNotice[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fk-outbox-'));
  smtp = await startSmtpServer();
  desktop.length = 0;
});
afterEach(async () => {
  await smtp.close();
  await rm(dir, { recursive: true, force: true });
});

function secrets(extra: Record<string, Record<string, string>> = {}) {
  const all: Record<string, Record<string, string>> = {
    mail: { host: '127.0.0.1', port: String(smtp.port), security: 'none', username: smtp.user, password: smtp.password, from: 'Flowkeeper <alerts@example.com>' },
    ...extra,
  };
  return {
    get: async (id: string) => {
      const value = all[id];
      if (!value) throw Object.assign(new Error(`There is no credential "${id}".`), { code: 'CREDENTIAL_MISSING' });
      return value;
    },
  };
}

async function openOutbox(clock: FakeClock, extra: Record<string, Record<string, string>> = {}) {
  const outbox = new Outbox({ dir, clock, deliver: channelSender({ secrets: secrets(extra), desktop: (n) => desktop.push(n) }) });
  await outbox.load();
  return outbox;
}

const content = { subject: 'Invoice sync failed', text: 'Invoice sync failed 3 times since 09:12.', link: '#/runs/run-1' };

describe('outbox', () => {
  it('sends an e-mail through the SMTP login and records it as sent, with no secret in the journal', async () => {
    const clock = new FakeClock();
    const outbox = await openOutbox(clock);
    const queued = await outbox.enqueue({ purpose: 'opened', target: { channel: 'email', credential: 'mail', to: ['ana@example.com'] }, content, alertKey: 'invoices/run-failed' });
    await outbox.settled();
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(['ana@example.com']);
    expect(smtp.mails[0]!.headers.subject).toBe('Invoice sync failed');
    expect(smtp.mails[0]!.headers['message-id']).toBe(`<${queued.id}@example.com>`);
    const delivery = outbox.delivery(outbox.get(queued.id)!);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1, channel: 'email', to: 'ana@example.com' });
    const journal = await readFile(outbox.file, 'utf8');
    expect(journal).not.toContain(smtp.password);
    expect(journal).toContain('"final":"sent"');
  });

  it('retries a webhook that fails twice and records the delivery on the third attempt', async () => {
    let calls = 0;
    const receiver = await serveDuringTest((_req, res) => (++calls <= 2 ? json(res, 503, { error: 'busy' }) : json(res, 200, { ok: true })));
    const clock = new FakeClock();
    const outbox = await openOutbox(clock);
    const queued = await outbox.enqueue({ purpose: 'opened', target: { channel: 'webhook', url: `${receiver.url}/hook`, format: 'json' }, content });
    await outbox.settled();
    expect(outbox.get(queued.id)).toMatchObject({ status: 'pending', attempts: [{ ok: false }] });
    expect(outbox.delivery(outbox.get(queued.id)!).error?.message).toContain('503');
    // Nothing happens before the back-off is over.
    await clock.advance(RETRY_DELAYS_MS[0]! - 1);
    await outbox.settled();
    expect(receiver.requests).toHaveLength(1);
    await clock.advance(1);
    await outbox.settled();
    expect(receiver.requests).toHaveLength(2);
    await clock.advance(RETRY_DELAYS_MS[1]!);
    await outbox.settled();
    expect(receiver.requests).toHaveLength(3);
    const message = outbox.get(queued.id)!;
    expect(message.status).toBe('sent');
    expect(message.attempts.map((a) => a.ok)).toEqual([false, false, true]);
    expect(JSON.parse(receiver.requests[2]!.body)).toMatchObject({ subject: 'Invoice sync failed', link: '#/runs/run-1' });
    // The record survives a restart: the sent message is never sent again.
    await outbox.close();
    const again = await openOutbox(clock);
    await clock.advance(RETRY_DELAYS_MS.at(-1)!);
    await again.settled();
    expect(receiver.requests).toHaveLength(3);
    expect(again.delivery(again.get(queued.id)!)).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('marks a permanent failure as failed at once, with what to do', async () => {
    const receiver = await serveDuringTest((_req, res) => json(res, 404, { error: 'no_service' }));
    const clock = new FakeClock();
    const outbox = await openOutbox(clock);
    const queued = await outbox.enqueue({ purpose: 'opened', target: { channel: 'webhook', url: `${receiver.url}/services/T0/B0/gone`, format: 'slack' }, content });
    await outbox.settled();
    await clock.advance(RETRY_DELAYS_MS[0]! * 10);
    await outbox.settled();
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]!.body)).toEqual({ text: '*Invoice sync failed*\nInvoice sync failed 3 times since 09:12.' });
    const delivery = outbox.delivery(outbox.get(queued.id)!);
    expect(delivery.status).toBe('failed');
    expect(delivery.error?.message).toContain('answered 404');
    expect(delivery.error?.hint).toMatch(/make a new one/);
    expect(delivery.to).toBe(`webhook at 127.0.0.1:${receiver.port}`);
  });

  it('a refused sign-in fails for good; a missing credential says where to add it; a secret in an echo is scrubbed', async () => {
    const clock = new FakeClock();
    const receiver = await serveDuringTest((req, res) => json(res, 401, { got: req.headers.authorization }));
    const outbox = await openOutbox(clock, { bad: { host: '127.0.0.1', port: String(smtp.port), security: 'none', username: smtp.user, password: 'wrong-password', from: 'a@example.com' }, hook: { token: 'tok-secret-123' } });
    const refused = await outbox.enqueue({ purpose: 'opened', target: { channel: 'email', credential: 'bad', to: ['ana@example.com'] }, content });
    const missing = await outbox.enqueue({ purpose: 'opened', target: { channel: 'email', credential: 'nope', to: ['ana@example.com'] }, content });
    const signed = await outbox.enqueue({ purpose: 'opened', target: { channel: 'webhook', url: receiver.url, format: 'json', credential: 'hook' }, content });
    await outbox.settled();
    expect(outbox.delivery(outbox.get(refused.id)!)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('refused the sign-in') } });
    expect(outbox.delivery(outbox.get(missing.id)!)).toMatchObject({ status: 'failed', error: { hint: expect.stringContaining('Credentials') } });
    expect(receiver.requests[0]!.headers.authorization).toBe('Bearer tok-secret-123');
    expect(outbox.delivery(outbox.get(signed.id)!).status).toBe('failed');
    expect(await readFile(outbox.file, 'utf8')).not.toContain('tok-secret-123');
    expect(smtp.mails).toHaveLength(0);
  });

  it('sends after a restart what was queued and not yet sent', async () => {
    const clock = new FakeClock();
    // First life: the mail server is down (a port nothing listens on).
    const down = new Outbox({ dir, clock, deliver: channelSender({ secrets: { get: async () => ({ host: '127.0.0.1', port: '1', security: 'none', from: 'a@example.com' }) }, desktop: () => undefined }) });
    await down.load();
    const queued = await down.enqueue({ purpose: 'opened', target: { channel: 'email', credential: 'mail', to: ['ana@example.com'] }, content });
    await down.settled();
    expect(down.get(queued.id)!.status).toBe('pending');
    await down.close();
    // Second life: the same journal, the server is up.
    const outbox = await openOutbox(clock);
    expect(outbox.get(queued.id)).toMatchObject({ status: 'pending', attempts: [{ ok: false }] });
    await clock.advance(RETRY_DELAYS_MS[0]!);
    await outbox.settled();
    expect(smtp.mails).toHaveLength(1);
    expect(outbox.get(queued.id)!.status).toBe('sent');
  });

  it('shows a desktop notice once and records it', async () => {
    const clock = new FakeClock();
    const outbox = await openOutbox(clock);
    const queued: OutboxMessage = await outbox.enqueue({ purpose: 'opened', target: { channel: 'desktop' }, content });
    await outbox.settled();
    expect(desktop).toEqual([{ messageId: queued.id, title: 'Invoice sync failed', body: content.text, link: '#/runs/run-1' }]);
    await outbox.close();
    const again = await openOutbox(clock);
    await again.settled();
    expect(desktop).toHaveLength(1);
  });

  it('tolerates a torn last line', async () => {
    const clock = new FakeClock();
    const outbox = await openOutbox(clock);
    const queued = await outbox.enqueue({ purpose: 'opened', target: { channel: 'desktop' }, content });
    await outbox.settled();
    await outbox.close();
    const { appendFile } = await import('node:fs/promises');
    await appendFile(outbox.file, '{"v":1,"attempt":{"id":"x"');
    const again = await openOutbox(clock);
    expect(again.get(queued.id)!.status).toBe('sent');
  });

  it('compacts a long journal at start: pending messages and the newest finished ones stay', async () => {
    const clock = new FakeClock();
    const outbox = await openOutbox(clock);
    const sent: string[] = [];
    for (let i = 0; i < 12; i++) {
      sent.push((await outbox.enqueue({ purpose: 'opened', target: { channel: 'desktop' }, content: { ...content, subject: `n${i}` } })).id);
      await clock.advance(1000);
    }
    await outbox.settled();
    // One more that cannot go out yet (nothing listens at its address).
    const pending = await outbox.enqueue({ purpose: 'opened', target: { channel: 'webhook', url: 'http://127.0.0.1:1/hook', format: 'json' }, content });
    await outbox.settled();
    await outbox.close();
    const again = new Outbox({ dir, clock, deliver: channelSender({ secrets: secrets(), desktop: () => undefined }), compactAfterLines: 10, keepFinished: 3 });
    await again.load();
    expect(again.all().map((m) => m.id).sort()).toEqual([...sent.slice(-3), pending.id].sort());
    expect(again.get(pending.id)).toMatchObject({ status: 'pending', attempts: [{ ok: false }] });
    expect((await readFile(again.file, 'utf8')).trim().split('\n')).toHaveLength(4);
    await again.close();
    // The compacted journal reads back the same.
    const third = await openOutbox(clock);
    expect(third.all()).toHaveLength(4);
    expect(third.get(sent.at(-1)!)!.status).toBe('sent');
    await third.close();
  });
});
