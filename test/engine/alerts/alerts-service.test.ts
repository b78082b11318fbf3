/**
 * Alerts through the real service: one outage of 50 failing runs is one alert message and, after
 * the next successful run, one recovery message — delivered to a real SMTP server and a local
 * webhook receiver, and shown on the desktop channel. Mute and snooze hold messages back while
 * the counting goes on; grouping and mutes survive a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type ApiEvent, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { startSmtpServer, type TestSmtpServer } from '../../helpers/smtp-server.ts';
import { json, serveDuringTest, type TestServer } from '../../helpers/http-server.ts';

/** A header's MIME encoded-words (=?UTF-8?Q?…?=) and a quoted-printable body, as a mail program shows them. */
function decodeHeader(value: string): string {
  return value.replace(/=\?UTF-8\?Q\?([^?]*)\?=\s*/gi, (_m, q: string) => qp(q.replace(/_/g, ' ')));
}
function qp(text: string): string {
  return Buffer.from(text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}
const subject = (mail: { headers: Record<string, string> }) => decodeHeader(mail.headers.subject ?? '');
const body = (mail: { body: string }) => qp(mail.body);

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface World {
  dir: string;
  clock: FakeClock;
  keychain: MemoryKeychain;
  smtp: TestSmtpServer;
  target: TestServer;
  hook: TestServer;
  state: { healthy: boolean };
}

async function world(): Promise<World> {
  const { dir, cleanup } = await tempDir('fk-alerts-');
  cleanups.push(cleanup);
  const smtp = await startSmtpServer();
  cleanups.push(() => smtp.close());
  const state = { healthy: false };
  const target = await serveDuringTest((_req, res) => (state.healthy ? json(res, 200, { ok: true }) : json(res, 500, { error: 'invoice service down' })));
  const hook = await serveDuringTest((_req, res) => json(res, 200, { ok: true }));
  return { dir, clock: new FakeClock(Date.UTC(2026, 0, 5, 9, 12)), keychain: new MemoryKeychain(), smtp, target, hook, state };
}

async function open(w: World): Promise<{ service: FlowkeeperService; api: FlowkeeperApi; events: ApiEvent[] }> {
  const service = await createService({ dataDir: w.dir, registry, keychain: w.keychain, resumeOnStart: false, clock: w.clock, triggers: false });
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

function flow(w: World) {
  return {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'invoice-sync',
    name: 'Invoice sync',
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'post', name: 'Post invoice', type: 'http.request', config: { url: `${w.target.url}/invoices`, method: 'POST' }, retry: { maxAttempts: 1 } },
    ],
    edges: [{ source: 'start', target: 'post' }],
    charter: {
      owner: { name: 'Ana', email: 'ana@example.com' },
      backupOwner: { name: 'Ben', email: 'ben@example.com' },
      alerts: { email: { credential: 'alert-mail', to: [] }, webhook: { url: `${w.hook.url}/slack`, format: 'slack' }, desktop: true },
    },
  };
}

async function setUp(w: World) {
  const opened = await open(w);
  await opened.api.credentials.set({ id: 'alert-mail', type: 'smtp', values: { host: '127.0.0.1', port: String(w.smtp.port), security: 'none', username: w.smtp.user, password: w.smtp.password, from: 'Flowkeeper <alerts@example.com>' } });
  await opened.api.flows.save({ flow: flow(w) });
  return opened;
}

async function runs(api: FlowkeeperApi, service: FlowkeeperService, count: number, clock: FakeClock): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await api.runs.start({ flowId: 'invoice-sync' })).runId);
    await service.idle();
    // Time passes between runs, so first and last seen differ.
    await clock.advance(60_000);
  }
  await service.idle();
  return ids;
}

describe('alerts', () => {
  it('50 failing runs are one alert message, the next good run one recovery message, on e-mail, webhook and desktop', async () => {
    const w = await world();
    const { service, api, events } = await setUp(w);
    const ids = await runs(api, service, 50, w.clock);

    const list = await api.alerts.list();
    expect(list.open).toHaveLength(1);
    const [alert] = list.open;
    expect(alert).toMatchObject({ key: 'invoice-sync/run-failed/post', kind: 'run-failed', flowName: 'Invoice sync', stepName: 'Post invoice', title: 'Invoice sync failed at "Post invoice"', count: 50, state: 'open', runId: ids.at(-1), link: `#/runs/${ids.at(-1)}`, muted: false });
    expect(alert!.firstSeen).toBe('2026-01-05T09:12:00.000Z');
    expect(Date.parse(alert!.lastSeen) - Date.parse(alert!.firstSeen)).toBe(49 * 60_000);
    expect(alert!.detail).toContain('500');
    expect(alert!.deliveries.map((d) => [d.channel, d.status, d.purpose])).toEqual([
      ['email', 'sent', 'opened'],
      ['webhook', 'sent', 'opened'],
      ['desktop', 'sent', 'opened'],
    ]);

    expect(w.smtp.mails).toHaveLength(1);
    expect(w.smtp.mails[0]!.to.sort()).toEqual(['ana@example.com', 'ben@example.com']);
    expect(subject(w.smtp.mails[0]!)).toBe('Invoice sync failed at "Post invoice"');
    expect(body(w.smtp.mails[0]!)).toContain(`#/runs/${ids[0]}`);
    expect(w.hook.requests).toHaveLength(1);
    expect(JSON.parse(w.hook.requests[0]!.body).text).toContain('Invoice sync failed');
    expect(events.filter((e) => e.type === 'alerts.notify')).toHaveLength(1);
    expect(events.some((e) => e.type === 'alerts.changed')).toBe(true);

    // Fixed: the next run succeeds and clears it with one message per channel.
    w.state.healthy = true;
    const [good] = await runs(api, service, 1, w.clock);
    const after = await api.alerts.list();
    expect(after.open).toEqual([]);
    expect(after.recent[0]).toMatchObject({ key: 'invoice-sync/run-failed/post', state: 'resolved', count: 50, resolvedBy: 'the next run succeeded', link: `#/runs/${good}` });
    expect(w.smtp.mails).toHaveLength(2);
    expect(subject(w.smtp.mails[1]!)).toBe('Recovered: Invoice sync failed at "Post invoice"');
    expect(body(w.smtp.mails[1]!)).toContain('50 times between 2026-01-05 09:12 UTC and 2026-01-05 10:01 UTC');
    expect(w.hook.requests).toHaveLength(2);
    expect(JSON.parse(w.hook.requests[1]!.body).text).toContain('Recovered');
    expect(events.filter((e) => e.type === 'alerts.notify')).toHaveLength(2);

    // More good runs say nothing; a new outage is a new alert.
    await runs(api, service, 3, w.clock);
    expect(w.smtp.mails).toHaveLength(2);
    w.state.healthy = false;
    await runs(api, service, 2, w.clock);
    expect((await api.alerts.list()).open).toMatchObject([{ count: 2 }]);
    expect(w.smtp.mails).toHaveLength(3);

    // A restart keeps the grouping: more failures are counted, not sent.
    await service.close();
    const second = await open(w);
    await runs(second.api, second.service, 2, w.clock);
    expect((await second.api.alerts.list()).open).toMatchObject([{ count: 4 }]);
    expect(w.smtp.mails).toHaveLength(3);
    expect(w.hook.requests).toHaveLength(3);
  });

  it('mute and snooze hold the messages back and keep counting', async () => {
    const w = await world();
    const { service, api } = await setUp(w);
    await api.alerts.mute({ flowId: 'invoice-sync' });
    await runs(api, service, 3, w.clock);
    let list = await api.alerts.list();
    expect(list.open).toMatchObject([{ count: 3, muted: true, deliveries: [] }]);
    expect(list.muted).toMatchObject([{ flowId: 'invoice-sync', flowName: 'Invoice sync' }]);
    expect(w.smtp.mails).toHaveLength(0);

    // The mute survives a restart.
    await service.close();
    const second = await open(w);
    await second.api.alerts.unmute({ flowId: 'invoice-sync' });
    const key = (await second.api.alerts.list()).open[0]!.key;
    const snoozed = await second.api.alerts.snooze({ key, minutes: 60 });
    expect(snoozed.snoozedUntil).toBe(new Date(w.clock.now() + 3_600_000).toISOString());
    w.state.healthy = true;
    await runs(second.api, second.service, 1, w.clock);
    list = await second.api.alerts.list();
    expect(list.recent[0]).toMatchObject({ key, state: 'resolved', deliveries: [] });
    expect(w.smtp.mails).toHaveLength(0);
    expect(w.hook.requests).toHaveLength(0);

    await expect(second.api.alerts.snooze({ key: 'invoice-sync/run-failed/nope', minutes: 60 })).rejects.toMatchObject({ code: 'ALERT_NOT_FOUND' });
  });

  it('a failed delivery is shown with what to do; the password never reaches the alert files', async () => {
    const w = await world();
    const { service, api } = await setUp(w);
    // The mail server refuses the sign-in: final at once, listed with what to do.
    await api.credentials.set({ id: 'alert-mail', type: 'smtp', values: { host: '127.0.0.1', port: String(w.smtp.port), security: 'none', username: w.smtp.user, password: 'not-the-password', from: 'alerts@example.com' } });
    await runs(api, service, 1, w.clock);
    const list = await api.alerts.list();
    expect(list.failedDeliveries).toMatchObject([{ channel: 'email', status: 'failed', to: 'ana@example.com, ben@example.com', error: { message: expect.stringContaining('refused the sign-in') } }]);
    expect(list.failedDeliveries[0]!.error!.hint).toMatch(/password/);
    const { readFile } = await import('node:fs/promises');
    const files = (await readFile(`${w.dir}/alerts/outbox.jsonl`, 'utf8')) + (await readFile(`${w.dir}/alerts/alerts.json`, 'utf8'));
    expect(files).not.toContain('not-the-password');
    expect(files).not.toContain(w.smtp.password);
  });

  it('one process keeps the alerts of a data folder; a second one shows them and changes nothing', async () => {
    const w = await world();
    const first = await setUp(w);
    await runs(first.api, first.service, 2, w.clock);
    const second = await open(w);
    const list = await second.api.alerts.list();
    expect(list.elsewhere).toMatch(/Another Flowkeeper \(process \d+ on .*\) keeps the alerts of this data folder/);
    expect(list.open).toMatchObject([{ key: 'invoice-sync/run-failed/post', count: 2 }]);
    await expect(second.api.alerts.mute({ flowId: 'invoice-sync' })).rejects.toMatchObject({ code: 'ALERTS_ELSEWHERE' });
    // Runs in the second process are not alerted there (no second message, no second book).
    await runs(second.api, second.service, 1, w.clock);
    expect(w.smtp.mails).toHaveLength(1);
    await second.service.close();
    await first.service.close();
    // The next start keeps them again.
    const third = await open(w);
    expect((await third.api.alerts.list()).elsewhere).toBeUndefined();
  });
});
