/**
 * Back-pressure of the trigger intake: accepted events wait (journalled) for a run slot; above
 * the backlog cap the webhook answers 429 with Retry-After and records nothing. The waiting
 * events survive a close and start at the next start, each exactly once.
 */
import { createServer } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperService } from '../../../engine/index.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';

let dir: string;
let cleanup: () => Promise<void>;
const services: FlowkeeperService[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await cleanup();
});

it('answers 429 with Retry-After above the backlog cap, and starts every accepted event once after a restart', { timeout: 30_000 }, async () => {
  const port = await freePort();
  // No run slot: accepted events stay in the backlog (and the journal) until the cap is reached.
  const first = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, triggerLimits: { backlogLimit: 3, runConcurrency: 0 } });
  services.push(first);
  const api = inProcessApi(first);
  await api.flows.save({
    flow: {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'hook',
      name: 'Hook',
      charter: readyCharter(),
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: { port, path: '/in' } },
        { id: 'mark', type: 'transform.set', config: { fields: [{ name: 'n', value: '{{ body.n }}' }] } },
      ],
      edges: [{ source: 'hook', target: 'mark' }],
    },
  });
  await api.flows.activate({ id: 'hook' });
  const post = (n: number) => fetch(`http://127.0.0.1:${port}/in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });

  const accepted: string[] = [];
  for (let n = 0; n < 3; n++) {
    const res = await post(n);
    expect(res.status).toBe(202);
    accepted.push(((await res.json()) as { runId: string }).runId);
  }
  const refused = await post(3);
  expect(refused.status).toBe(429);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(((await refused.json()) as { error: string }).error).toMatch(/3 accepted events are still waiting to start; try again shortly/);
  expect(await api.runs.list({ flowId: 'hook' })).toEqual([]);
  await first.close();
  services.length = 0;

  // The next start (default limits) starts the three journalled events, and nothing for the refused one.
  const second = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain() });
  services.push(second);
  await second.idle();
  const runs = await inProcessApi(second).runs.list({ flowId: 'hook' });
  expect(runs.map((r) => r.runId).sort()).toEqual([...accepted].sort());
  expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
});
