/**
 * Kill test for the webhook intake: a service in a child process takes concurrent requests and
 * is killed (SIGKILL) in the middle. After a restart on the same data folder, every request that
 * got a 2xx has exactly one finished run, and no request has two.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperService } from '../../engine/index.ts';
import { dataDirLayout } from '../../engine/storage/layout.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { withReadyCharter } from '../helpers/ready-charter.ts';

const CHILD = join(import.meta.dirname, '..', 'helpers', 'webhook-child.ts');
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

async function openService() {
  const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain() });
  services.push(service);
  return { service, api: inProcessApi(service) };
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await cleanup();
});

async function killMidway(runConcurrency?: number): Promise<void> {
  const port = await freePort();
  const first = await openService();
  const steps = Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, type: 'transform.set', config: { fields: [{ name: `step${i}`, value: 'done' }] } }));
  await first.api.flows.save({
    flow: withReadyCharter({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'hook',
      name: 'Hook',
      nodes: [{ id: 'hook', type: 'trigger.webhook', config: { port, path: '/in' } }, ...steps],
      edges: [{ source: 'hook', target: 's0' }, ...steps.slice(1).map((s, i) => ({ source: `s${i}`, target: s.id }))],
    }),
  });
  await first.api.flows.activate({ id: 'hook' });
  await first.service.close();
  services.length = 0;

  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, ...(runConcurrency === undefined ? [] : [String(runConcurrency)])], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('READY') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });

  const acked = new Map<number, string>();
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const id = next++;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
        if (res.status === 202) acked.set(id, ((await res.json()) as { runId: string }).runId);
      } catch {
        /* the process died under this request: not acknowledged */
      }
      if (acked.size >= 150 && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  expect(acked.size).toBeGreaterThanOrEqual(150);
  // With no run started, no trace exists: the acknowledged requests live only in the journal.
  if (runConcurrency === 0) expect((await readdir(dataDirLayout(dir).runs).catch(() => [])).filter((n) => n.endsWith('.jsonl'))).toEqual([]);

  // Restart on the same folder: journalled events without a trace start, interrupted runs resume.
  const second = await openService();
  await second.service.idle();
  const runs = await second.api.runs.list({ flowId: 'hook', limit: 1000 });
  const byRequest = new Map<number, string[]>();
  for (const run of runs) {
    const detail = await second.api.runs.get({ runId: run.runId });
    const id = ((detail.input as Array<{ body: { id: number } }>)[0]!).body.id;
    byRequest.set(id, [...(byRequest.get(id) ?? []), `${run.runId}:${detail.status}`]);
  }
  // (A kill between claiming a run's lock and creating its trace leaves an empty lock: the
  // restarted host retries that start once the lock counts as stale.)
  for (const [id, runId] of acked) expect(byRequest.get(id), `request ${id}`).toEqual([`${runId}:succeeded`]);
  for (const [id, list] of byRequest) expect(list, `request ${id}`).toHaveLength(1);
}

it('loses no acknowledged request and runs none twice when the process is killed mid-way', { timeout: 60_000 }, () => killMidway());

// Journalled starts create their trace without an fsync of their own: the 2xx rests on the intake
// journal alone. Killed after the 2xx and before any run has its trace, every acknowledged
// request is started from the journal at the restart, exactly once.
it('starts every acknowledged request from the journal exactly once when killed before any run had its trace', { timeout: 60_000 }, () => killMidway(0));
