/**
 * The trigger host through the real service: activation stored beside the flows, subscriptions
 * following activate / save / deactivate / delete / start / close, emits that start runs only
 * once durable and never twice for one dedupe key (also across restarts), the journal repairing
 * a crash between an event and its run, and one host per data folder.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ApiError, canonicalJson, createService, dataDirStores, defineNode, inProcessApi, NodeRegistry, sha256, type FlowkeeperApi, type FlowkeeperService, type TriggerEmit } from '../../../engine/index.ts';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type TraceHeader } from '../../../engine/model/events.ts';
import { FileTraceStore, Redactor } from '../../../engine/trace/index.ts';
import { builtinNodes } from '../../../nodes/index.ts';
import { main } from '../../../cli/main.ts';
import { tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { withReadyCharter } from '../../helpers/ready-charter.ts';

/** A trigger the test fires by hand: subscribe hands its emit to the test. */
interface Subscription {
  flowId: string;
  config: { label: string };
  emit: TriggerEmit;
  disposed: boolean;
  state: { get(key: string): unknown; set(key: string, value: unknown): Promise<void> };
}
const subscriptions: Subscription[] = [];
const pushTrigger = defineNode({
  type: 'test.push',
  version: 1,
  title: 'Pushed by the test',
  category: 'trigger',
  icon: 'zap',
  description: 'Fires when the test says so.',
  config: z.object({ label: z.string().default('first') }).strict(),
  inputs: [],
  outputs: ['out'],
  effects: 'pure',
  trigger: true,
  subscribe(ctx, emit) {
    const sub: Subscription = { flowId: ctx.flowId, config: ctx.config, emit, disposed: false, state: ctx.state };
    subscriptions.push(sub);
    return () => void (sub.disposed = true);
  },
  async run({ items }) {
    return { out: items };
  },
});
const registry = new NodeRegistry([...builtinNodes, pushTrigger]);

function flow(id: string, label = 'first', trigger = 'test.push') {
  // Switching on needs a complete charter (the activation gate); the gate's own tests take it apart.
  return withReadyCharter({
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id,
    name: `Flow ${id}`,
    nodes: [
      { id: 'source', type: trigger, config: trigger === 'test.push' ? { label } : {} },
      { id: 'mark', type: 'transform.set', config: { fields: [{ name: 'seen', value: 'yes' }] } },
    ],
    edges: [{ source: 'source', target: 'mark' }],
  });
}

let dir: string;
let cleanup: () => Promise<void>;
const open: FlowkeeperService[] = [];

async function start(): Promise<{ service: FlowkeeperService; api: FlowkeeperApi }> {
  const service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
  open.push(service);
  await service.idle();
  return { service, api: inProcessApi(service) };
}

async function stop(service: FlowkeeperService) {
  await service.idle();
  await service.close();
  open.splice(open.indexOf(service), 1);
}

const live = (flowId: string) => subscriptions.filter((s) => s.flowId === flowId && !s.disposed);

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  subscriptions.length = 0;
});
afterEach(async () => {
  for (const service of open.splice(0)) await service.close();
  await cleanup();
});

describe('switching flows on and off', () => {
  it('refuses a flow that only starts by hand, and one that does not exist, saying why', async () => {
    const { api } = await start();
    await api.flows.save({ flow: flow('by-hand', 'x', 'trigger.manual') });
    const manual = await api.flows.activate({ id: 'by-hand' }).catch((e: unknown) => e);
    expect(manual).toBeInstanceOf(ApiError);
    expect(manual).toMatchObject({ code: 'FLOW_HAS_NO_TRIGGER', message: expect.stringContaining('only starts by hand') });
    // The flows list says which flows have a trigger that fires by itself (the switch shows only there).
    await api.flows.save({ flow: flow('pushed') });
    await api.flows.save({ flow: flow('scheduled', 'x', 'trigger.schedule') });
    const listed = Object.fromEntries((await api.flows.list()).map((f) => [f.id, f.startsByItself]));
    expect(listed).toEqual({ 'by-hand': false, pushed: true, scheduled: true });
    expect((manual as ApiError).hint).toMatch(/On a schedule/);
    await expect(api.flows.activate({ id: 'nope' })).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
    expect(await api.triggers.status()).toEqual([]);
  });

  it('subscribes on activate, starts a run per emit, reports health, and keeps the flag out of the flow file', async () => {
    const { service, api } = await start();
    await api.flows.save({ flow: flow('orders') });
    expect(live('orders')).toHaveLength(0);
    const status = await api.flows.activate({ id: 'orders' });
    expect(status).toMatchObject({ flowId: 'orders', active: true, runsHere: true, triggers: [{ nodeId: 'source', type: 'test.push', state: 'listening', fired: 0 }] });
    const [sub] = live('orders');
    expect(sub!.config).toEqual({ label: 'first' });

    const result = await sub!.emit([{ order: 1 }, { order: 2 }]);
    expect(result.duplicate).toBe(false);
    // Resolved means durable: the journal holds the event before the run is even looked at.
    expect(await readFile(join(dir, 'triggers', 'intake.jsonl'), 'utf8')).toContain(result.runId);
    await service.idle();
    const run = await api.runs.get({ runId: result.runId });
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ mark: { out: [{ order: 1, seen: 'yes' }, { order: 2, seen: 'yes' }] } });

    const [health] = (await api.triggers.status({ flowId: 'orders' }))[0]!.triggers;
    expect(health).toMatchObject({ state: 'listening', fired: 1, lastRunId: result.runId, lastFiredAt: expect.any(String), heartbeatAt: expect.any(String) });
    expect((await api.flows.list()).find((f) => f.id === 'orders')).toMatchObject({ active: true });
    expect(JSON.parse(await readFile(join(dir, 'triggers', 'active.json'), 'utf8')).flows).toHaveProperty('orders');
    expect(await readFile(join(dir, 'flows', 'orders.json'), 'utf8')).not.toContain('active');
  });

  it('restarts on save, stops on deactivate and delete; emits after that are refused', async () => {
    const { api } = await start();
    await api.flows.save({ flow: flow('orders') });
    await api.flows.activate({ id: 'orders' });
    const [first] = live('orders');
    await api.flows.save({ flow: flow('orders', 'second') });
    expect(first!.disposed).toBe(true);
    expect(live('orders').map((s) => s.config.label)).toEqual(['second']);
    await expect(first!.emit([{}])).rejects.toThrow(/switched off or changed; the event was not taken/);

    await api.flows.deactivate({ id: 'orders' });
    expect(live('orders')).toHaveLength(0);
    expect((await api.flows.list()).find((f) => f.id === 'orders')?.active).toBeUndefined();
    expect(await api.triggers.status()).toEqual([]);

    await api.flows.activate({ id: 'orders' });
    expect(live('orders')).toHaveLength(1);
    await api.flows.delete({ id: 'orders' });
    expect(live('orders')).toHaveLength(0);
    expect(await api.triggers.status()).toEqual([]);
  });

  it('a saved version with problems stops the trigger and says why', async () => {
    const { api } = await start();
    await api.flows.save({ flow: flow('orders') });
    await api.flows.activate({ id: 'orders' });
    const broken = flow('orders');
    broken.edges = [{ source: 'source', target: 'missing' }];
    await api.flows.save({ flow: broken });
    expect(live('orders')).toHaveLength(0);
    const [status] = await api.triggers.status();
    expect(status).toMatchObject({ active: true, triggers: [], note: expect.stringMatching(/^Nothing listens: The flow "orders" has problems/) });
  });
});

describe('across restarts', () => {
  it('subscribes active flows at start and disposes them at close', async () => {
    const first = await start();
    await first.api.flows.save({ flow: flow('orders') });
    await first.api.flows.activate({ id: 'orders' });
    await stop(first.service);
    expect(live('orders')).toHaveLength(0);
    await start();
    expect(live('orders')).toHaveLength(1);
  });

  it('never starts two runs for one dedupe key, also after a restart', async () => {
    const first = await start();
    await first.api.flows.save({ flow: flow('orders') });
    await first.api.flows.activate({ id: 'orders' });
    const [a, b] = await Promise.all([live('orders')[0]!.emit([{ id: 7 }], { dedupeKey: 'order-7' }), live('orders')[0]!.emit([{ id: 7 }], { dedupeKey: 'order-7' })]);
    expect(b).toEqual({ runId: a.runId, duplicate: true });
    await stop(first.service);

    const second = await start();
    const again = await live('orders')[0]!.emit([{ id: 7 }], { dedupeKey: 'order-7' });
    expect(again).toEqual({ runId: a.runId, duplicate: true });
    await second.service.idle();
    expect((await second.api.runs.list({ flowId: 'orders' })).map((r) => r.runId)).toEqual([a.runId]);
  });

  it('starts a journalled event whose run never started (a crash in between), under its run id', async () => {
    const first = await start();
    await first.api.flows.save({ flow: flow('orders') });
    await first.api.flows.activate({ id: 'orders' });
    await stop(first.service);
    // What a crash right after the journal's fsync leaves: the entry, no trace.
    const runId = 'run-20260101T000000Z-deadbeef';
    await writeFile(join(dir, 'triggers', 'intake.jsonl'), `${JSON.stringify({ trigger: 'orders/source', runId, flowId: 'orders', flowVersion: 1, input: [{ crashed: true }], at: '2026-01-01T00:00:00.000Z', dedupeKey: 'k1' })}\n{"trigger":"orders/so`);
    const second = await start();
    await second.service.idle();
    expect((await second.api.runs.get({ runId })).outputs).toEqual({ mark: { out: [{ crashed: true, seen: 'yes' }] } });
    expect(await live('orders')[0]!.emit([{}], { dedupeKey: 'k1' })).toEqual({ runId, duplicate: true });
  });

  it('compacts a journal of more than 1,000 entries at start to the last 1,000 per trigger plus every entry without a trace, asking the run index rather than reading each trace', async () => {
    const first = await start();
    await first.api.flows.save({ flow: flow('orders') });
    await first.api.flows.activate({ id: 'orders' });
    const saved = (await first.service.data.flows.get('orders')).flow;
    await stop(first.service);
    // What a burst leaves: 1,150 entries whose runs have traces (written as the CLI would, with the
    // run index kept), and before them one entry whose run never started.
    const data = dataDirStores(dir, { catalog: registry });
    const runIdOf = (n: number) => `run-20260101T000000Z-${n.toString(16).padStart(8, '0')}`;
    const lost = { trigger: 'orders/source', runId: runIdOf(99_999), flowId: 'orders', flowVersion: Number(saved.version), input: [{ lost: true }], at: '2026-01-01T00:00:00.000Z', dedupeKey: 'lost' };
    const lines = [JSON.stringify(lost)];
    const traced = new Set<string>();
    for (let n = 0; n < 1150; n++) {
      const runId = runIdOf(n);
      traced.add(runId);
      lines.push(JSON.stringify({ ...lost, runId, input: [{ n }], dedupeKey: `k${n}` }));
      const header: TraceHeader = { kind: 'header', format: TRACE_FORMAT, formatVersion: TRACE_FORMAT_VERSION, runId, flowId: 'orders', flowName: String(saved.name), flowVersion: Number(saved.version), flowHash: sha256(canonicalJson(saved)), flow: saved as never, input: [{ n }], createdAt: '2026-01-01T00:00:00.000Z', mode: 'run', startedBy: 'trigger:source' };
      const sink = await data.traces.create(header, { durability: 'buffered', redactor: new Redactor(), journalled: true });
      sink.append({ type: 'run.started', input: [{ n }] });
      sink.append({ type: 'run.finished', status: 'succeeded', outputs: {} });
      await sink.close();
    }
    await data.runIndex.writes();
    await data.runIndex.close();
    await writeFile(join(dir, 'triggers', 'intake.jsonl'), `${lines.join('\n')}\n`);
    const load = vi.spyOn(FileTraceStore.prototype, 'load');
    try {
      const second = await start();
      await second.service.idle();
      expect(load.mock.calls.filter(([runId]) => traced.has(runId))).toEqual([]);
      const kept = (await readFile(join(dir, 'triggers', 'intake.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { runId: string; dedupeKey: string });
      expect(kept).toHaveLength(1001);
      expect(kept[0]!.dedupeKey).toBe('lost');
      expect(kept[1]!.dedupeKey).toBe('k150');
      expect(kept.at(-1)!.dedupeKey).toBe('k1149');
      // The event whose run never started ran, under its id.
      expect((await second.api.runs.get({ runId: lost.runId })).outputs).toEqual({ mark: { out: [{ lost: true, seen: 'yes' }] } });
      // The window still knows the last 1,000 keys; older ones are forgotten.
      expect(await live('orders')[0]!.emit([{}], { dedupeKey: 'k1149' })).toEqual({ runId: runIdOf(1149), duplicate: true });
      expect(await live('orders')[0]!.emit([{}], { dedupeKey: 'k150' })).toEqual({ runId: runIdOf(150), duplicate: true });
      expect((await live('orders')[0]!.emit([{}], { dedupeKey: 'k149' })).duplicate).toBe(false);
    } finally {
      load.mockRestore();
    }
  });

  it('keeps each trigger\'s state durably', async () => {
    const first = await start();
    await first.api.flows.save({ flow: flow('orders') });
    await first.api.flows.activate({ id: 'orders' });
    await live('orders')[0]!.state.set('position', { page: 3 });
    await stop(first.service);
    await start();
    expect(live('orders')[0]!.state.get('position')).toEqual({ page: 3 });
  });

  it('lets only one process run the triggers of a data folder, and says so in the other', async () => {
    const first = await start();
    await first.api.flows.save({ flow: flow('orders') });
    await first.api.flows.activate({ id: 'orders' });
    const second = await start();
    expect(live('orders')).toHaveLength(1);
    const [status] = await second.api.triggers.status();
    expect(status).toMatchObject({ flowId: 'orders', active: true, runsHere: false, note: expect.stringMatching(/Another Flowkeeper .* runs the triggers of this data folder/) });
  });
});

describe('flowkeeper flows activate | deactivate | status', () => {
  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await main([...argv, '--data-dir', dir], { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) });
    return { code, out, err };
  }
  const scheduled = { ...flow('every-morning'), nodes: [{ id: 'source', type: 'trigger.schedule', config: { cron: '0 9 * * *', timezone: 'Europe/Berlin' } }, flow('x').nodes[1]!] };

  it('switches a flow on and off; a running service follows at once', async () => {
    const { api } = await start();
    await api.flows.save({ flow: scheduled });
    await api.flows.save({ flow: flow('by-hand', 'x', 'trigger.manual') });
    const on = await cli('flows', 'activate', 'every-morning');
    expect(on).toMatchObject({ code: 0, err: '' });
    expect(on.out).toContain('Switched on "Flow every-morning" (On a schedule)');
    await vi.waitFor(async () => expect((await api.triggers.status())[0]?.triggers[0]?.state).toBe('listening'));
    expect((await cli('flows', 'status')).out).toMatch(/^every-morning\s+on since /);

    const off = await cli('flows', 'deactivate', 'every-morning');
    expect(off.out).toContain('Switched off "every-morning"');
    await vi.waitFor(async () => expect(await api.triggers.status()).toEqual([]));
    expect((await cli('flows', 'status')).out).toContain('No flow is switched on');

    const refused = await cli('flows', 'activate', 'by-hand');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('only starts by hand, so there is nothing to switch on.\nAdd a trigger that fires by itself');
    const missing = await cli('flows', 'activate', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope/);
  });
});

describe('switching on a chosen version', () => {
  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await main([...argv, '--data-dir', dir], { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) });
    return { code, out, err };
  }

  async function runVersion(api: FlowkeeperApi, service: FlowkeeperService): Promise<{ flowVersion: number; label: string }> {
    const [sub] = live('orders');
    const { runId } = await sub!.emit([{ n: 1 }]);
    await service.idle();
    const [summary] = (await api.runs.list({ flowId: 'orders' })).filter((r) => r.runId === runId);
    return { flowVersion: summary!.flowVersion, label: sub!.config.label };
  }

  it('activate v1, save v2: v1 still runs; activate v2: v2 runs; without a version it follows saves again', async () => {
    const { service, api } = await start();
    await api.flows.save({ flow: flow('orders', 'one') });
    const status = await api.flows.activate({ id: 'orders', version: 1 });
    expect(status).toMatchObject({ active: true, version: 1, pinned: true });
    await api.flows.save({ flow: flow('orders', 'two') });
    expect(live('orders').map((s) => s.config.label)).toEqual(['one']);
    expect(await runVersion(api, service)).toEqual({ flowVersion: 1, label: 'one' });
    expect((await api.flows.list()).find((f) => f.id === 'orders')).toMatchObject({ version: 2, active: true, activeVersion: 1, pinned: true });
    expect(JSON.parse(await readFile(join(dir, 'triggers', 'active.json'), 'utf8')).flows.orders).toMatchObject({ version: 1 });
    expect((await cli('flows', 'status')).out).toMatch(/^orders\s+on since \S+: version 1 \(latest 2\)$/m);

    await api.flows.activate({ id: 'orders', version: 2 });
    expect(live('orders').map((s) => s.config.label)).toEqual(['two']);
    expect(await runVersion(api, service)).toEqual({ flowVersion: 2, label: 'two' });

    // Switched on without a version: it follows the latest save again.
    await api.flows.activate({ id: 'orders' });
    await api.flows.save({ flow: flow('orders', 'three') });
    expect(live('orders').map((s) => s.config.label)).toEqual(['three']);
    expect((await api.flows.list()).find((f) => f.id === 'orders')).toMatchObject({ version: 3, activeVersion: 3 });
    expect((await api.flows.list()).find((f) => f.id === 'orders')?.pinned).toBeUndefined();
  });

  it('the gate checks the chosen version, and a pin survives a restart', async () => {
    const first = await start();
    // Version 1 has no charter: not ready; version 2 is.
    const { charter: _c, ...bare } = flow('orders', 'bare');
    await first.api.flows.save({ flow: bare });
    await first.api.flows.save({ flow: flow('orders', 'ready') });
    await expect(first.api.flows.activate({ id: 'orders', version: 1 })).rejects.toMatchObject({ code: 'FLOW_NOT_READY' });
    await expect(first.api.flows.activate({ id: 'orders', version: 5 })).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND', message: 'Flow "orders" has no saved version 5.' });
    await first.api.flows.activate({ id: 'orders', version: 2 });
    await first.api.flows.save({ flow: flow('orders', 'later') });
    await stop(first.service);
    const second = await start();
    expect(live('orders').map((s) => s.config.label)).toEqual(['ready']);
    expect(await runVersion(second.api, second.service)).toEqual({ flowVersion: 2, label: 'ready' });
  });

  it('the CLI pins a version and a running service follows at once', async () => {
    const { api } = await start();
    // The CLI knows only the built-in nodes: a schedule trigger, at 9 and then at 10.
    const at = (hour: number) => ({ ...flow('orders'), nodes: [{ id: 'source', type: 'trigger.schedule', config: { cron: `0 ${hour} * * *`, timezone: 'Europe/Berlin' } }, flow('x').nodes[1]!] });
    await api.flows.save({ flow: at(9) });
    await api.flows.activate({ id: 'orders' });
    await api.flows.save({ flow: at(10) });
    expect((await api.triggers.status({ flowId: 'orders' }))[0]).toMatchObject({ version: 2 });
    const on = await cli('flows', 'activate', 'orders', '--version', '1');
    expect(on).toMatchObject({ code: 0, err: '' });
    expect(on.out).toContain('Switched on "Flow orders" (On a schedule). Version 1 runs; later saves change nothing until you switch it on again.');
    await vi.waitFor(async () => expect((await api.triggers.status({ flowId: 'orders' }))[0]).toMatchObject({ version: 1, pinned: true, triggers: [{ state: 'listening' }] }));
    const bad = await cli('flows', 'activate', 'orders', '--version', 'latest');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/The chosen version must be a whole number from 1 \(got "latest"\)/);
  });

  it('a rollback from the CLI reaches a running service: a flow that follows its saves restarts, a pinned one stays', async () => {
    const { api } = await start();
    const at = (hour: number) => ({ ...flow('orders'), nodes: [{ id: 'source', type: 'trigger.schedule', config: { cron: `0 ${hour} * * *`, timezone: 'Europe/Berlin' } }, flow('x').nodes[1]!] });
    await api.flows.save({ flow: at(9) });
    await api.flows.save({ flow: at(10) });
    await api.flows.activate({ id: 'orders' });
    expect((await api.triggers.status({ flowId: 'orders' }))[0]).toMatchObject({ version: 2 });
    expect(await cli('flows', 'rollback', 'orders', '1')).toMatchObject({ code: 0, err: '' });
    await vi.waitFor(async () => expect((await api.triggers.status({ flowId: 'orders' }))[0]).toMatchObject({ version: 3, triggers: [{ state: 'listening' }] }));

    await api.flows.activate({ id: 'orders', version: 3 });
    expect(await cli('flows', 'rollback', 'orders', '2')).toMatchObject({ code: 0 });
    await vi.waitFor(async () => expect((await api.flows.list()).find((f) => f.id === 'orders')).toMatchObject({ version: 4 }));
    expect((await api.triggers.status({ flowId: 'orders' }))[0]).toMatchObject({ version: 3, pinned: true });
  });
});
