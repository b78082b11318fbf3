/**
 * `flowkeeper alerts [--json]` reads the data folder's alerts without sending anything: an open
 * alert in plain words with its count and times, a message that could not be sent with what to
 * do, and the same as JSON.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { Alerts } from '../../engine/alerts/alerts.ts';
import { Outbox } from '../../engine/alerts/outbox.ts';
import { channelSender } from '../../engine/alerts/channels.ts';
import type { AlertList, RunEvent } from '../../engine/index.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { tempDir } from '../helpers/engine.ts';
import { json, serveDuringTest } from '../helpers/http-server.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const cli = (...argv: string[]) => runCli(argv);

describe('flowkeeper alerts', () => {
  it('lists open alerts and failed deliveries in plain words, and as JSON', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const receiver = await serveDuringTest((_req, res) => json(res, 404, {}));
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 12));
    const outbox = new Outbox({ dir: join(dir, 'alerts'), clock, deliver: channelSender({ secrets: { get: async () => ({}) }, desktop: () => undefined }) });
    await outbox.load();
    const alerts = new Alerts({
      dir: join(dir, 'alerts'),
      clock,
      outbox,
      flow: async () => ({ id: 'invoices', name: 'Invoice sync', nodes: [{ id: 'post', name: 'Post invoice' }], charter: { owner: { name: 'Ana', email: '' }, backupOwner: { name: '', email: '' }, mustNever: '', reviewers: '', waivers: [], alerts: { webhook: { url: `${receiver.url}/gone`, format: 'json' }, desktop: false } } }),
      run: async () => ({ flowId: 'invoices', flowName: 'Invoice sync', mode: 'run' }),
      triggerStatus: async () => [],
      openReviews: () => [],
    });
    for (let i = 0; i < 3; i++) {
      alerts.runEvent(`run-${i}`, { seq: 9, ts: '', type: 'run.finished', status: 'failed', outputs: {}, error: { message: 'The accounting API answered 500.', code: 'HTTP_500', retryable: true, nodeId: 'post' } } as RunEvent);
      await alerts.settled();
      await clock.advance(60_000);
    }
    await outbox.settled();

    const text = await cli('alerts', '--data-dir', dir);
    expect(text.code).toBe(0);
    expect(text.out).toContain('● Invoice sync failed at "Post invoice" — 3 times since 2026-01-05 09:12 UTC · last 2026-01-05 09:14 UTC');
    expect(text.out).toContain('The accounting API answered 500.');
    expect(text.out).toContain('#/runs/run-2');
    expect(text.out).toContain('1 message could not be sent:');
    expect(text.out).toMatch(/answered 404[\s\S]*What to do: .*make a new one/);

    const asJson = await cli('alerts', '--data-dir', dir, '--json');
    const list = JSON.parse(asJson.out) as AlertList;
    expect(list.open).toMatchObject([{ key: 'invoices/run-failed/post', count: 3 }]);
    expect(list.failedDeliveries).toHaveLength(1);
    // Reading never sends: the receiver saw the one attempt only.
    expect(receiver.requests).toHaveLength(1);
  });

  it('says so when nothing is open', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const result = await cli('alerts', '--data-dir', dir);
    expect(result).toMatchObject({ code: 0, out: 'No open alerts: every watched flow is fine.\n' });
  });
});
