/**
 * `flowkeeper drift check|status`: against a real local server, a run made a reference; the same
 * answers exit 0, a changed answer exits 1 with the sentences, a server that is gone exits 2 and
 * says so; status lists the checks. Bad usage is refused in plain words.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { dataDirStores } from '../../engine/index.ts';
import { referenceFromRun } from '../../engine/handover/export-bundle.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';

let dir: string;
let cleanup: () => Promise<void>;
let server: TestServer;
const state = { v2: false };

const cli = (...argv: string[]) => runCli([...argv, '--data-dir', dir]);

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  state.v2 = false;
  server = await startServer((_req, res) => json(res, 200, state.v2 ? { invoice: { number: 17, paid: 'yes' } } : { invoice: { number: 'INV-17', paid: true, customer: 'c-1' } }));
});
afterEach(async () => {
  await server.close();
  await cleanup();
});

const flow = () => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'invoices',
  name: 'Invoices',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'get', name: 'Get invoice', type: 'http.request', config: { url: `${server.url}/invoice`, method: 'GET' }, retry: { maxAttempts: 1 } },
  ],
  edges: [{ source: 'start', target: 'get' }],
});

async function withReference(): Promise<void> {
  const data = dataDirStores(dir, { catalog: registry });
  await data.flows.save(flow());
  const file = join(dir, 'invoices.json');
  await writeFile(file, JSON.stringify(flow()));
  const ran = await cli('run', file, '--quiet', '--json');
  expect(ran.code).toBe(0);
  const { runId } = JSON.parse(ran.out) as { runId: string };
  await data.references.put('invoices', await referenceFromRun({ traces: data.traces }, 'invoices', runId), { kind: 'local', chosenAt: new Date().toISOString() });
}

describe('flowkeeper drift', () => {
  it('check: 0 when nothing changed, 1 with the sentences on drift, 2 when the server is gone; status lists the checks', async () => {
    await withReference();
    // Before any check: how to run one (with this flow's id) and where a schedule is set.
    const before = await cli('drift', 'status', 'invoices');
    expect(before.out).toContain('No drift check has run yet. Run one with: flowkeeper drift check invoices');
    expect(before.out).toContain('the flow page, Overview tab, "Drift check"');
    const same = await cli('drift', 'check', 'invoices');
    expect(same.code).toBe(0);
    expect(same.out).toContain('No drift: “invoices” (version 1) answers as in its 1 reference run.');

    state.v2 = true;
    const changed = await cli('drift', 'check', 'invoices');
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('Drift found in “invoices” (version 1) against its 1 reference run:');
    expect(changed.out).toContain('  - `invoice.customer` is gone from Get invoice\'s answer.');
    expect(changed.out).toContain('  - `invoice.number` in Get invoice\'s answer changed from text to number.');
    expect(changed.out).toContain('  - `invoice.paid` in Get invoice\'s answer changed from true/false to text.');

    const asJson = await cli('drift', 'check', 'invoices', '--json');
    expect(asJson.code).toBe(1);
    expect((JSON.parse(asJson.out) as { outcome: string }).outcome).toBe('drift');

    await server.close();
    const down = await cli('drift', 'check', 'invoices');
    expect(down.code).toBe(2);
    expect(down.err).toContain('The drift check of “invoices” could not run:');
    expect(down.err).toContain('Get invoice got no answer');

    const status = await cli('drift', 'status', 'invoices');
    expect(status.code).toBe(0);
    expect(status.out).toContain('Schedule: none');
    expect(status.out).toContain('Reference runs: 1');
    expect(status.out.match(/by hand/g)).toHaveLength(4);
    expect(status.out).toContain('could not run');
  });

  it('refuses bad usage and unknown flows in plain words', async () => {
    expect((await cli('drift')).err).toContain('Say what to do: flowkeeper drift check <flowId> | status <flowId>.');
    expect((await cli('drift', 'check')).err).toContain('Name the flow');
    const unknown = await cli('drift', 'check', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/nope/);
    await dataDirStores(dir, { catalog: registry }).flows.save(flow());
    const none = await cli('drift', 'check', 'invoices');
    expect(none.code).toBe(2);
    expect(none.err).toContain('The flow has no reference runs yet');
  });
});
