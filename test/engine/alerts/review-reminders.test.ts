/**
 * Review reminders and escalations reach people: on a fake clock, the reminder of an open review
 * goes to its assignee's e-mail (a real SMTP server) and the desktop, the escalation to the new
 * assignee (every member of a group), each once — also across a restart — and a person without
 * an address is a failed delivery that says what to fill in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type ApiEvent, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { startSmtpServer, type TestSmtpServer } from '../../helpers/smtp-server.ts';

const HOUR = 3_600_000;
const STEP = 60_000;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const flow = (escalateTo: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'approve-refund',
  name: 'Approve refund',
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'check', name: 'Check refund', type: 'human.review', config: { title: 'Refund {{ order }}', assignee: 'ana', remindAfterHours: 1, escalateAfterHours: 2, escalateTo, dueAfterHours: 3 } },
    { id: 'ok', type: 'transform.set', config: { fields: [{ name: 'done', value: 'approved' }] } },
  ],
  edges: [
    { source: 'start', target: 'check' },
    { source: 'check', sourcePort: 'approve', target: 'ok' },
  ],
});

async function open(dir: string, clock: FakeClock, keychain: MemoryKeychain): Promise<{ service: FlowkeeperService; api: FlowkeeperApi; events: ApiEvent[] }> {
  const service = await createService({ dataDir: dir, registry, keychain, resumeOnStart: false, clock, triggers: false });
  let closed = false;
  const close = service.close.bind(service);
  service.close = async (o) => {
    if (closed) return;
    closed = true;
    await close(o);
  };
  cleanups.push(() => service.close());
  const events: ApiEvent[] = [];
  service.subscribe((e) => events.push(e));
  return { service, api: inProcessApi(service), events };
}

async function settle(service: FlowkeeperService): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await service.idle();
    await new Promise((r) => setImmediate(r));
  }
}

async function world(escalateTo: string) {
  const { dir, cleanup } = await tempDir('fk-reminders-');
  cleanups.push(cleanup);
  const smtp: TestSmtpServer = await startSmtpServer();
  cleanups.push(() => smtp.close());
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0));
  const keychain = new MemoryKeychain();
  const first = await open(dir, clock, keychain);
  await first.api.credentials.set({ id: 'review-mail', type: 'smtp', values: { host: '127.0.0.1', port: String(smtp.port), security: 'none', username: smtp.user, password: smtp.password, from: 'Flowkeeper <reviews@example.com>' } });
  await first.api.settings.update({ reminderCredential: 'review-mail', reviewerEmails: { ana: 'ana@example.com', ben: 'ben@example.com', cleo: 'cleo@example.com' }, reviewerGroups: { finance: ['ben', 'cleo'] } });
  await first.api.flows.save({ flow: flow(escalateTo) });
  await first.api.runs.start({ flowId: 'approve-refund', input: { order: 'R-1' } });
  await settle(first.service);
  return { dir, smtp, clock, keychain, ...first };
}

describe('review reminders', () => {
  it('the reminder e-mails the assignee, the escalation every member of the new group, once each across a restart', async () => {
    const w = await world('finance');
    await w.clock.advance(HOUR + STEP);
    await settle(w.service);
    expect(w.smtp.mails).toHaveLength(1);
    expect(w.smtp.mails[0]!.to).toEqual(['ana@example.com']);
    expect(w.smtp.mails[0]!.raw).toContain('Reminder: Refund R-1 waits for your review');
    expect(w.smtp.mails[0]!.raw).toMatch(/#\/inbox\/run-[^\s]+/); // the very item, not just the inbox
    expect(w.events.filter((e) => e.type === 'alerts.notify')).toMatchObject([{ title: 'Reminder: Refund R-1 waits for your review', link: expect.stringMatching(/^#\/inbox\/run-/) }]);

    // Restart before the escalation: the reminder is not sent again, the escalation goes out once.
    await w.service.close();
    const second = await open(w.dir, w.clock, w.keychain);
    await w.clock.advance(HOUR);
    await settle(second.service);
    expect(w.smtp.mails).toHaveLength(2);
    expect(w.smtp.mails[1]!.to.sort()).toEqual(['ben@example.com', 'cleo@example.com']);
    expect(w.smtp.mails[1]!.raw).toContain('Now yours to review: Refund R-1');
    const { reminders, failedDeliveries } = await second.api.alerts.list();
    expect(reminders.map((r) => [r.purpose, r.channel, r.status])).toEqual(
      expect.arrayContaining([
        ['reminder', 'email', 'sent'],
        ['reminder', 'desktop', 'sent'],
        ['escalation', 'email', 'sent'],
        ['escalation', 'desktop', 'sent'],
      ]),
    );
    expect(reminders).toHaveLength(4);
    expect(failedDeliveries).toEqual([]);

    await w.clock.advance(10 * HOUR);
    await settle(second.service);
    expect(w.smtp.mails).toHaveLength(2);
  });

  it('an assignee without an address is a failed delivery saying where to add it', async () => {
    const w = await world('dora');
    await w.clock.advance(HOUR + STEP);
    await settle(w.service);
    await w.clock.advance(HOUR);
    await settle(w.service);
    const { failedDeliveries, reminders } = await w.api.alerts.list();
    expect(reminders.filter((r) => r.purpose === 'reminder').map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(failedDeliveries).toMatchObject([{ purpose: 'escalation', channel: 'email', status: 'failed', error: { message: 'No e-mail address is known for "dora", so they were not told.', hint: 'Add the e-mail address of "dora" under Settings → Review reminders by e-mail.' } }]);
    // The desktop notice went out anyway.
    expect(w.events.filter((e) => e.type === 'alerts.notify').map((e) => (e as { title: string }).title)).toEqual(['Reminder: Refund R-1 waits for your review', 'Now yours to review: Refund R-1']);
  });

  it('a group member without an address: the others are e-mailed, the gap is a failed delivery naming them', async () => {
    const w = await world('finance');
    await w.api.settings.update({ reviewerEmails: { ana: 'ana@example.com', ben: 'ben@example.com' } });
    await w.clock.advance(HOUR + STEP);
    await settle(w.service);
    await w.clock.advance(HOUR);
    await settle(w.service);
    expect(w.smtp.mails.map((m) => m.to)).toEqual([['ana@example.com'], ['ben@example.com']]);
    const { failedDeliveries } = await w.api.alerts.list();
    expect(failedDeliveries).toMatchObject([{ purpose: 'escalation', error: { message: 'No e-mail address is known for "cleo", so they were not told.' } }]);
  });

  it('refuses a reviewer address that is not one', async () => {
    const w = await world('finance');
    await expect(w.api.settings.update({ reviewerEmails: { ana: 'not an address' } })).rejects.toMatchObject({ code: expect.any(String) });
  });
});
