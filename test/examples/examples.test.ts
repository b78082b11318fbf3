/** The example flows run end to end against the local demo API, and replay identically. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayRun, validateFlowText } from '../../engine/index.ts';
import { startDemoApi, type DemoApi } from '../../examples/demo-api/server.ts';
import { registry, testEngine } from '../helpers/engine.ts';

const examples = join(import.meta.dirname, '..', '..', 'examples');
let api: DemoApi;

beforeAll(async () => {
  api = await startDemoApi(0);
});
afterAll(() => api.close());

async function load(name: string) {
  const result = validateFlowText(await readFile(join(examples, name, 'flow.json'), 'utf8'), registry);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.problems).toEqual([]);
  return result.flow;
}

describe('examples', () => {
  it('invoice triage approves routine invoices and flags the rest, exactly once', async () => {
    const flow = await load('invoice-triage');
    const { engine, store, cleanup } = await testEngine();
    try {
      const outcome = await engine.startRun(flow, { input: { apiBase: api.url } });
      expect(outcome.status).toBe('succeeded');
      expect(api.stats.approvals.map((a) => (a as { invoiceId: string }).invoiceId).sort()).toEqual(['INV-1001', 'INV-1004']);
      expect(api.stats.flags).toEqual([
        { invoiceId: 'INV-1002', reason: 'Above the automatic limit' },
        { invoiceId: 'INV-1003', reason: 'Vendor not on the known list' },
      ]);
      const report = outcome.outputs.report?.out?.[0] as { a: unknown[]; b: unknown[] };
      expect(report.a).toHaveLength(2);
      expect(report.b).toHaveLength(2);
      // Running again does not approve twice: the idempotency keys are the same.
      const again = await engine.startRun(flow, { input: { apiBase: api.url } });
      expect(again.status).toBe('succeeded');
      expect(api.stats.approvals).toHaveLength(2);
      expect(api.stats.duplicatesIgnored).toBe(4);
      expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('lead routing creates contacts for larger companies and announces them', async () => {
    const flow = await load('lead-routing');
    const { engine, cleanup } = await testEngine();
    try {
      const outcome = await engine.startRun(flow, { input: { apiBase: api.url } });
      expect(outcome.status).toBe('succeeded');
      expect(api.stats.contacts).toEqual([
        { email: 'ana@bigcorp.example', company: 'BigCorp', owner: 'enterprise-team', priority: 'high' },
        { email: 'li@midsize.example', company: 'Midsize AG', owner: 'account-managers', priority: 'normal' },
      ]);
      expect(api.stats.messages.map((m) => (m as { text: string }).text)).toEqual([
        'New high lead: BigCorp (ana@bigcorp.example) → enterprise-team',
        'New normal lead: Midsize AG (li@midsize.example) → account-managers',
      ]);
      expect(outcome.outputs.nurture?.out).toEqual([expect.objectContaining({ company: 'Small Shop', track: 'newsletter' })]);
    } finally {
      await cleanup();
    }
  });
});
