/**
 * "Check a web API regularly" through the real service, a real local HTTP server and a FakeClock:
 * the first check only remembers, later checks start runs for new items only, nothing old is
 * replayed after a restart or switching off and on, a crash before the seen ids were recorded
 * starts nothing twice, and a failing API shows as the trigger's last error.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';
import { withReadyCharter } from '../helpers/ready-charter.ts';

let dir: string;
let cleanup: () => Promise<void>;
let clock: FakeClock;
let service: FlowkeeperService;
let api: FlowkeeperApi;
let server: TestServer;
let orders: Array<{ number: number }>;
let failing = false;
let auth: string | undefined;
/** One keychain for the whole test, as the OS keychain outlives the app. */
let keychain: MemoryKeychain;

async function open() {
  service = await createService({ dataDir: dir, registry, keychain, resumeOnStart: false, clock });
  api = inProcessApi(service);
  await service.idle();
}

/** One check: the timer fires, the trigger calls the server (real I/O) and arms the next timer. */
async function nextCheck() {
  await clock.waitForTimers(1);
  await clock.advance(clock.pendingDelays()[0]!);
  await clock.waitForTimers(1);
  await service.idle();
}

async function started(): Promise<number[]> {
  const runs = await api.runs.list({ flowId: 'orders' });
  const inputs = await Promise.all(runs.map(async (r) => (await api.runs.get({ runId: r.runId })).input as Array<{ number: number }>));
  return inputs.flatMap((list) => list.map((o) => o.number)).sort((a, b) => a - b);
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  clock = new FakeClock();
  keychain = new MemoryKeychain();
  orders = [{ number: 1 }, { number: 2 }];
  failing = false;
  server = await startServer((req, res) => {
    auth = req.headers.authorization;
    return failing ? json(res, 503, { error: 'down' }) : json(res, 200, { data: { orders } });
  });
  await open();
  await api.flows.save({
    flow: withReadyCharter({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'orders',
      name: 'Orders',
      nodes: [
        { id: 'poll', type: 'trigger.poll', config: { url: `${server.url}/orders`, intervalSeconds: 60, itemsPath: 'data.orders', idField: 'number', auth: 'bearer', credential: 'shop' } },
        { id: 'mark', type: 'transform.set', config: { fields: [{ name: 'seen', value: 'yes' }] } },
      ],
      edges: [{ source: 'poll', target: 'mark' }],
    }),
  });
  await api.credentials.set({ id: 'shop', type: 'http.bearer', values: { token: 'poll-token' } });
});
afterEach(async () => {
  await service.close();
  await server.close();
  await cleanup();
});

describe('Check a web API regularly', () => {
  it('remembers what is there, then starts one run per new item, never an old one again', async () => {
    await api.flows.activate({ id: 'orders' });
    await clock.waitForTimers(1);
    await service.idle();
    expect(auth).toBe('Bearer poll-token');
    expect(await started()).toEqual([]);
    expect((await api.triggers.status())[0]!.triggers[0]!.lastMessage).toBe('First check: remembered 2 item(s) already there.');

    orders = [...orders, { number: 3 }, { number: 4 }];
    await nextCheck();
    expect(await started()).toEqual([3, 4]);
    await nextCheck();
    expect(await started()).toEqual([3, 4]);

    // Restart, and off and on again: nothing old is replayed.
    await service.close();
    await open();
    await clock.waitForTimers(1);
    await service.idle();
    await api.flows.deactivate({ id: 'orders' });
    orders = [...orders, { number: 5 }];
    await api.flows.activate({ id: 'orders' });
    await clock.waitForTimers(1);
    await service.idle();
    expect(await started()).toEqual([3, 4, 5]);
  });

  it('starts nothing twice after a crash before the seen ids were recorded', async () => {
    await api.flows.activate({ id: 'orders' });
    await clock.waitForTimers(1);
    orders = [...orders, { number: 3 }];
    await nextCheck();
    expect(await started()).toEqual([3]);
    await service.close();
    // What a crash between the run's durable start and recording the ids leaves behind.
    await writeFile(join(dir, 'triggers', 'state', 'orders', 'poll.json'), JSON.stringify({ seen: ['1', '2'] }));
    await open();
    await clock.waitForTimers(1);
    await service.idle();
    expect(await started()).toEqual([3]);
  });

  it('shows a failing API as the last error and goes on at the next check', async () => {
    await api.flows.activate({ id: 'orders' });
    await clock.waitForTimers(1);
    failing = true;
    orders = [...orders, { number: 3 }];
    await nextCheck();
    const [health] = (await api.triggers.status())[0]!.triggers;
    expect(health!.lastError?.message).toBe(`${server.url}/orders answered 503 Service Unavailable. Tried again at the next check.`);
    failing = false;
    await nextCheck();
    expect(await started()).toEqual([3]);
  });
});
