/**
 * `flowkeeper status`: one headline per flow from the flow files and the run index — on/off,
 * checklist, owner, today's runs, the success metric against its target — and `--json`.
 * The fixture traces (test/engine/charter/metric-fixtures.ts) are moved so their "now" is now.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { dataDirStores } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { readyCharter } from '../helpers/ready-charter.ts';
import { FLOW, NOW, writeFixtureTraces } from '../engine/charter/metric-fixtures.ts';

let dir: string;
let cleanup: () => Promise<void>;
const zone = process.env.TZ;

/**
 * "Today" is the machine's calendar day, and the fixture's "now" is midday (12:00Z). Moving the
 * traces to the real now keeps their distances, not their calendar days: run at 13:00 the run
 * from 13 hours before would fall on today. So the zone is pinned where it is about midday now.
 */
function middayZone(now = new Date()): string {
  const offset = Math.round(12 - (now.getUTCHours() + now.getUTCMinutes() / 60)); // local = UTC + offset
  return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

const cli = (...argv: string[]) => runCli([...argv, '--data-dir', dir]);

beforeEach(async () => {
  process.env.TZ = middayZone();
  ({ dir, cleanup } = await tempDir());
  const { flows } = dataDirStores(dir, { catalog: registry });
  await flows.save({ ...FLOW, charter: { ...readyCharter(), metric: { kind: 'items-reached-step', stepId: 'send', period: 'day', target: 1, windowDays: 7 } } });
  await flows.save({ format: 'flowkeeper/flow', formatVersion: 1, id: 'draft', name: 'Draft', nodes: [{ id: 'start', type: 'trigger.manual', config: {} }], edges: [] });
  await writeFixtureTraces(join(dir, 'runs'), Date.now() - NOW);
});
afterEach(async () => {
  await cleanup();
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe('flowkeeper status', () => {
  it('prints one headline per flow', async () => {
    expect((await cli('flows', 'activate', 'replies')).code).toBe(0);
    const { code, out, err } = await cli('status');
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^FLOW\s+SWITCH\s+CHECKLIST\s+OWNER\s+TODAY\s+SUCCESS METRIC$/);
    expect(lines[1]).toMatch(/^draft\s+off\s+5 missing\s+no owner\s+no runs\s+none set$/);
    // Today only r8 started (an hour ago) and it is still going; 8 items reached "send" in 7 days.
    expect(lines[2]).toMatch(/^replies\s+on\s+ready\s+Ana Owner\s+1 run, none finished, 1 still going\s+1\.1\/day \(target ≥ 1\/day\) met$/);
  });

  it('--json gives the API\'s headlines; --flow picks one; an unknown flow is an error', async () => {
    const { code, out } = await cli('status', '--json', '--flow', 'replies');
    expect(code).toBe(0);
    const [headline, ...rest] = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(rest).toEqual([]);
    expect(headline).toMatchObject({ flowId: 'replies', active: false, ready: true, missing: [], owner: 'Ana Owner', metric: { kind: 'items-reached-step', value: 8 / 7, target: 1, met: true, runs: 4, period: 'day' } });
    const missing = await cli('status', '--flow', 'nope');
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/nope/);
  });
});
