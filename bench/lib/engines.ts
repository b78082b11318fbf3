/**
 * The bench's node types, flows and stores: `bench.noop` and `bench.sleep` registered beside the
 * built-in nodes, chain flows validated like any flow, engines on a FileTraceStore exactly as the
 * CLI builds them, and an in-memory store that isolates the runner from trace I/O.
 */
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { Engine, FileTraceStore, NodeRegistry, defineNode, validateFlow, type BlobRef, type EngineOptions, type EventSink, type Flow, type TraceStore } from '../../engine/index.ts';
import { MemorySink } from '../../engine/trace/index.ts';
import { builtinNodes } from '../../nodes/index.ts';

export type Durability = NonNullable<EngineOptions['durability']>;

export const noopNode = defineNode({
  type: 'bench.noop',
  version: 1,
  title: 'No-op',
  category: 'transform',
  icon: 'dot',
  description: 'Passes its items on unchanged (benchmark).',
  config: z.object({}).strict(),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  run: ({ items }) => Promise.resolve({ out: items }),
});

export const sleepNode = defineNode({
  type: 'bench.sleep',
  version: 1,
  title: 'Sleep',
  category: 'flow',
  icon: 'clock',
  description: 'Waits a fixed number of milliseconds on a plain timer, then passes its items on (benchmark).',
  config: z.object({ ms: z.number().int().min(0) }).strict(),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    await sleep(config.ms, undefined, { signal: ctx.signal });
    return { out: items };
  },
});

export const registry = new NodeRegistry([...builtinNodes, noopNode, sleepNode]);

/** A chain n0 -> n1 -> … of `count` nodes of one type. */
export function chainFlow(id: string, count: number, type: string, config: Record<string, unknown> = {}): Flow {
  const nodes = Array.from({ length: count }, (_, i) => ({ id: `n${i}`, type, config }));
  const edges = nodes.slice(1).map((node, i) => ({ source: `n${i}`, target: node.id }));
  const result = validateFlow({ format: 'flowkeeper/flow', formatVersion: 1, id, name: id, nodes, edges }, registry);
  if (!result.ok) throw new Error(`bench flow ${id} is invalid: ${result.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return result.flow;
}

/** A TraceStore that keeps nothing on disk: isolates the runner's own cost from trace I/O. */
export class MemoryStore implements TraceStore {
  create(): Promise<EventSink> {
    return Promise.resolve(new MemorySink());
  }
  reopen(): Promise<never> {
    return Promise.reject(new Error('MemoryStore cannot reopen runs'));
  }
  load(): Promise<never> {
    return Promise.reject(new Error('MemoryStore cannot load runs'));
  }
  list(): ReturnType<TraceStore['list']> {
    return Promise.resolve({ runs: [], quarantined: [] });
  }
  readEvents(): Promise<never> {
    return Promise.reject(new Error('MemoryStore cannot read runs'));
  }
  readonly leases = { claim: () => Promise.resolve({ release: () => Promise.resolve() }) };
  putPayload<T>(value: T): Promise<T | BlobRef> {
    return Promise.resolve(value);
  }
  getPayload<T>(value: T | BlobRef): Promise<T> {
    return Promise.resolve(value as T);
  }
}

export async function fileEngine(dir: string, durability: Durability): Promise<Engine> {
  await mkdir(dir, { recursive: true });
  return new Engine({ store: new FileTraceStore(dir), registry, durability });
}

export async function runOnce(engine: Engine, flow: Flow): Promise<void> {
  const outcome = await engine.startRun(flow, { input: { i: 1 }, startedBy: 'bench' });
  if (outcome.status !== 'succeeded') throw new Error(`bench run of ${flow.id} ended ${outcome.status}: ${outcome.error?.message ?? ''}`);
}
