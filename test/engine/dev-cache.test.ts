/**
 * The opt-in development cache (EngineOptions.devCacheDir): live calls with a cache key re-use a
 * stored answer; writes never do; without the option nothing is cached; replay never reads it.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine, FileTraceStore, NodeRegistry, defineNode, replayRun, validateFlow, type Flow } from '../../engine/index.ts';
import { FileDevCache } from '../../engine/runner/dev-cache.ts';
import { builtinNodes } from '../../nodes/index.ts';
import { tempDir } from '../helpers/engine.ts';
import { eventsOf, passThrough } from '../nodes/support.ts';

let performed: string[] = [];

/** A node that makes one recorded call per item, with a cache key unless `key` is empty. */
const probe = defineNode({
  type: 'test.cached-call',
  version: 1,
  title: 'Cached call probe',
  category: 'integration',
  icon: 'flask',
  description: 'Makes one recorded call per item for the dev-cache tests.',
  config: z.object({ effects: z.enum(['read', 'write']).default('read'), key: z.string().default('') }).strict(),
  inputs: ['in'],
  outputs: ['out'],
  effects: (c: { effects: 'read' | 'write' }) => c.effects,
  async run({ items, config, ctx }) {
    return ctx.forEachItem(items, async (item, index) => {
      const key = String(await ctx.evaluate(config.key, index));
      const answer = await ctx.external('thing', { key }, { itemIndex: index, ...(key ? { cacheKey: key } : {}) }, () => {
        performed.push(key);
        return Promise.resolve({ answer: `live ${performed.length}` });
      });
      return { ...item, ...answer };
    });
  },
});

const registry = new NodeRegistry([...builtinNodes, probe]);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  performed = [];
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function setup(withCache: boolean) {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = new FileTraceStore(dir);
  const cacheDir = join(dir, 'cache');
  const engine = new Engine({ store, registry, ...(withCache ? { devCacheDir: cacheDir } : {}) });
  return { engine, store, cacheDir };
}

function flow(config: Record<string, unknown>): Flow {
  const result = validateFlow(
    {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'cache-flow',
      name: 'Cache flow',
      nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, { id: 'call', type: 'test.cached-call', config }, passThrough('sink')],
      edges: [
        { source: 'start', sourcePort: 'out', target: 'call', targetPort: 'in' },
        { source: 'call', sourcePort: 'out', target: 'sink', targetPort: 'in' },
      ],
    },
    registry,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.flow;
}

describe('development cache', () => {
  it('a read with a cache key is answered from the cache the second time, marked cached in the trace', async () => {
    const { engine, store, cacheDir } = await setup(true);
    const first = await engine.startRun(flow({ key: 'k-{{ n }}' }), { input: [{ n: 1 }, { n: 2 }] });
    const second = await engine.startRun(flow({ key: 'k-{{ n }}' }), { input: [{ n: 2 }, { n: 3 }] });
    expect(performed).toEqual(['k-1', 'k-2', 'k-3']);
    expect(first.outputs.sink?.out).toEqual([{ n: 1, answer: 'live 1' }, { n: 2, answer: 'live 2' }]);
    expect(second.outputs.sink?.out).toEqual([{ n: 2, answer: 'live 2' }, { n: 3, answer: 'live 3' }]);
    const events = (await store.load(second.runId)).events;
    // Intent and result are still recorded for the hit, so replay and resume work as usual.
    expect(eventsOf(events, 'external.intent', 'call').map((e) => e.itemIndex)).toEqual([0, 1]);
    expect(eventsOf(events, 'external.result', 'call').map((e) => [e.itemIndex, e.cached === true])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect((await readdir(join(cacheDir, 'thing'))).filter((f) => f.endsWith('.json'))).toHaveLength(3);
    // Replay answers from the trace and never consults (or fills) the cache.
    expect((await replayRun(store, registry, second.runId)).identical).toBe(true);
    expect(performed).toHaveLength(3);
  });

  it('never caches a write, a call without a key, or when the engine has no cache folder', async () => {
    const cached = await setup(true);
    await cached.engine.startRun(flow({ effects: 'write', key: 'same' }), { input: {} });
    await cached.engine.startRun(flow({ effects: 'write', key: 'same' }), { input: {} });
    await cached.engine.startRun(flow({ key: '' }), { input: {} });
    await cached.engine.startRun(flow({ key: '' }), { input: {} });
    const plain = await setup(false);
    await plain.engine.startRun(flow({ key: 'same' }), { input: {} });
    await plain.engine.startRun(flow({ key: 'same' }), { input: {} });
    expect(performed).toEqual(['same', 'same', '', '', 'same', 'same']);
  });

  it('an unreadable entry counts as a miss and is replaced', async () => {
    const { engine, cacheDir } = await setup(true);
    const file = new FileDevCache(cacheDir).fileFor('thing', 'k');
    await engine.startRun(flow({ key: 'k' }), { input: {} });
    await writeFile(file, '{ torn');
    await engine.startRun(flow({ key: 'k' }), { input: {} });
    await engine.startRun(flow({ key: 'k' }), { input: {} });
    expect(performed).toEqual(['k', 'k']);
  });
});
