/**
 * Reviewer links on the web bridge (a real bridge, a real service, real HTTP and WebSocket): a
 * reviewer's key opens only the inbox, and only their items; everything else is 403 with a plain
 * message; a withdrawn link is 401 (also on a socket already open); the owner keeps full access;
 * and links survive a restart of the bridge.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startBridge, type Bridge } from '../../cli/serve.ts';
import { addReviewer, removeReviewer } from '../../cli/reviewer-keys.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { tempDir } from '../helpers/engine.ts';

let bridge: Bridge;
let cleanup: () => Promise<void>;
let dataDir: string;
let dana: string;
let ben: string;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  dataDir = join(t.dir, 'data');
  dana = (await addReviewer(dataDir, { name: 'Dana', group: 'finance' })).key;
  ben = (await addReviewer(dataDir, { name: 'Ben' })).key;
  bridge = await startBridge({ dataDir, port: 0, staticDir: join(t.dir, 'app'), keychain: new MemoryKeychain() });
});
afterAll(async () => {
  await bridge.close();
  await cleanup();
});

/** A flow whose review step asks `assignee` (a person, a group, or anyone when absent). */
const reviewFlow = (id: string, assignee?: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id,
  name: `Invoices ${id}`,
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'check', name: 'Check invoice', type: 'human.review', config: { title: 'Invoice {{ number }}', body: 'From {{ supplier }}', fields: [{ name: 'amount', type: 'number', label: 'Amount' }], ...(assignee ? { assignee } : {}) } },
    { id: 'pay', type: 'transform.set', config: { fields: [{ name: 'paid', value: true }] } },
  ],
  edges: [
    { source: 'start', sourcePort: 'out', target: 'check', targetPort: 'in' },
    { source: 'check', sourcePort: 'approve', target: 'pay', targetPort: 'in' },
    { source: 'check', sourcePort: 'edit', target: 'pay', targetPort: 'in' },
  ],
});

async function post(key: string, method: string, args: unknown = {}): Promise<{ status: number; body: { ok: boolean; result?: unknown; error?: { code: string; message: string; details?: { reason?: string } } } }> {
  const response = await fetch(`${bridge.origin}/api/${method}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(args) });
  return { status: response.status, body: (await response.json()) as never };
}

/** Starts a run of each flow as the owner and waits until they all pause at review. */
async function startReviews(): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [flowId, assignee] of [['for-dana', 'Dana'], ['for-finance', 'finance'], ['for-ben', 'Ben'], ['for-anyone', undefined]] as const) {
    expect((await post(bridge.token, 'flows.save', { flow: reviewFlow(flowId, assignee) })).body.ok).toBe(true);
    const started = await post(bridge.token, 'runs.start', { flowId, input: { number: flowId, supplier: 'ACME', amount: 10 } });
    ids[flowId] = `${(started.body.result as { runId: string }).runId}:check:0`;
  }
  await bridge.service.idle();
  await new Promise((r) => setImmediate(r));
  return ids;
}

describe('a reviewer link', () => {
  it("sees only the items assigned to them or their group, and is refused on others' items", async () => {
    const ids = await startReviews();
    const all = (await post(bridge.token, 'inbox.list')).body.result as Array<{ id: string }>;
    expect(all.map((i) => i.id).sort()).toEqual(Object.values(ids).sort());

    const danas = (await post(dana, 'inbox.list')).body.result as Array<{ id: string }>;
    expect(danas.map((i) => i.id).sort()).toEqual([ids['for-dana'], ids['for-finance']].sort());
    const bens = (await post(ben, 'inbox.list')).body.result as Array<{ id: string }>;
    expect(bens.map((i) => i.id)).toEqual([ids['for-ben']]);

    expect((await post(dana, 'inbox.get', { id: ids['for-dana'] })).body).toMatchObject({ ok: true, result: { id: ids['for-dana'], body: 'From ACME' } });
    for (const other of [ids['for-ben'], ids['for-anyone']]) {
      const get = await post(dana, 'inbox.get', { id: other });
      expect(get.status).toBe(403);
      expect(get.body.error).toMatchObject({ code: 'NOT_YOUR_ITEM', message: expect.stringMatching(/not assigned to you/) });
      const decide = await post(dana, 'inbox.decide', { id: other, outcome: 'approve' });
      expect(decide.status).toBe(403);
    }
    // Still open: nothing was decided by the refused calls.
    expect(((await post(bridge.token, 'inbox.list')).body.result as unknown[]).length).toBe(4);
  });

  it('a GET on an item never decides it; a POST decides it under the name of the key, not the one in the request', async () => {
    const items = (await post(dana, 'inbox.list')).body.result as Array<{ id: string; flowId: string }>;
    const id = items.find((i) => i.flowId === 'for-dana')!.id;
    for (const path of [`/api/inbox.decide?token=${dana}&id=${encodeURIComponent(id)}&outcome=approve`, `/api/inbox.get?token=${dana}&id=${encodeURIComponent(id)}`, `/?token=${dana}#/inbox/${encodeURIComponent(id)}`]) {
      await fetch(`${bridge.origin}${path}`);
    }
    expect(((await post(dana, 'inbox.list')).body.result as Array<{ id: string }>).map((i) => i.id)).toContain(id);

    const decided = await post(dana, 'inbox.decide', { id, outcome: 'approve', by: 'Mallory', edits: { amount: 12 } });
    expect(decided.body).toMatchObject({ ok: true, result: { decision: { by: 'Dana', outcome: 'edit' } } });
    const history = (await post(dana, 'inbox.history')).body.result as Array<{ id: string; by: string }>;
    expect(history).toEqual([expect.objectContaining({ id, by: 'Dana' })]);
    expect((await post(ben, 'inbox.history')).body.result).toEqual([]);
    // The owner still sees every decision.
    expect(((await post(bridge.token, 'inbox.history')).body.result as unknown[]).length).toBe(1);
  });

  it('is refused with 403 and plain words on flows, runs, credentials, settings and the catalog', async () => {
    for (const method of ['flows.list', 'flows.save', 'runs.list', 'runs.start', 'traces.events', 'credentials.list', 'credentials.set', 'settings.get', 'settings.update', 'catalog.list']) {
      const { status, body } = await post(dana, method, {});
      expect(status, method).toBe(403);
      expect(body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/opens only the inbox/) });
    }
  });

  it('the owner keeps full access', async () => {
    expect((await post(bridge.token, 'flows.list')).status).toBe(200);
    expect((await post(bridge.token, 'settings.get')).body.ok).toBe(true);
  });

  it('says who the key belongs to, for the page to show only the inbox', async () => {
    const session = async (key: string) => (await (await fetch(`${bridge.origin}/api/session`, { headers: { authorization: `Bearer ${key}` } })).json()) as { result: unknown };
    expect((await session(dana)).result).toEqual({ role: 'reviewer', name: 'Dana', group: 'finance' });
    expect((await session(bridge.token)).result).toMatchObject({ role: 'owner' });
  });

  it('over the WebSocket: only the inbox methods, and no run events pushed', async () => {
    const ws = new WebSocket(`${bridge.origin.replace('http', 'ws')}/api/ws?token=${ben}`);
    const messages: Array<{ id?: number; reply?: { ok: boolean; error?: { code: string } }; event?: { type: string } }> = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as never));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = (id: number) =>
      new Promise<(typeof messages)[number]['reply']>((resolve) => {
        const check = () => {
          const found = messages.find((m) => m.id === id);
          if (found) resolve(found.reply);
          else ws.once('message', check);
        };
        check();
      });
    ws.send(JSON.stringify({ id: 1, method: 'flows.list', args: {} }));
    expect(await reply(1)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    ws.send(JSON.stringify({ id: 2, method: 'inbox.list', args: {} }));
    expect(await reply(2)).toMatchObject({ ok: true, result: [expect.objectContaining({ flowId: 'for-ben' })] });
    // The owner saves a flow: the owner's page would hear about it, the reviewer's does not.
    const saved = await post(bridge.token, 'flows.import', { text: JSON.stringify({ format: 'flowkeeper/flow', formatVersion: 1, id: 'pushed', name: 'Pushed', nodes: [{ id: 't', type: 'trigger.manual', config: {} }], edges: [] }) });
    expect(saved.body.ok).toBe(true);
    ws.send(JSON.stringify({ id: 3, method: 'inbox.list', args: {} }));
    await reply(3);
    expect(messages.filter((m) => m.event && m.event.type !== 'inbox.changed')).toEqual([]);
    ws.close();
  });

  it('a GET never calls the API, so opening a link cannot decide anything', async () => {
    const response = await fetch(`${bridge.origin}/api/inbox.decide?token=${dana}&id=x:y:0&outcome=approve`);
    expect(response.status).toBe(405);
  });

  it('a withdrawn link gets 401 saying so, also on a socket that was already open', async () => {
    const { key } = await addReviewer(dataDir, { name: 'Temp' });
    expect((await post(key, 'inbox.list')).status).toBe(200);
    const ws = new WebSocket(`${bridge.origin.replace('http', 'ws')}/api/ws?token=${key}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await removeReviewer(dataDir, 'Temp');
    const refused = await post(key, 'inbox.list');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/withdrawn/), details: { reason: 'revoked' } });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 1, method: 'inbox.list', args: {} }));
    expect(await closed).toBe(4401);
    // A new socket with it is refused at the door.
    const again = new WebSocket(`${bridge.origin.replace('http', 'ws')}/api/ws?token=${key}`);
    const status = await new Promise<number>((resolve) => again.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).once('error', () => resolve(-1)));
    expect(status).toBe(401);
  });

  it('keeps working after the bridge restarts', async () => {
    await bridge.close();
    bridge = await startBridge({ dataDir, port: 0, keychain: new MemoryKeychain() });
    expect((await post(dana, 'inbox.list')).status).toBe(200);
    expect((await post(dana, 'flows.list')).status).toBe(403);
  });
});
