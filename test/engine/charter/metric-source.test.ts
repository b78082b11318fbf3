/**
 * The seam between the charter's metrics and the alerts: the reading the "metric below target"
 * rule gets is the charter's figure over the run index (metric-fixtures.ts, worked out in
 * metrics.test.ts), and nothing to judge reads as "no reading" so a new flow raises no alert.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runIndexMetricSource } from '../../../engine/charter/metric-source.ts';
import { FileTraceStore, RunIndex } from '../../../engine/trace/index.ts';
import type { RunIndexEntry } from '../../../engine/index.ts';
import { tempDir } from '../../helpers/engine.ts';
import { FLOW, NOW, writeFixtureTraces } from './metric-fixtures.ts';

let cleanup: () => Promise<void>;
let entries: RunIndexEntry[];

beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir());
  await writeFixtureTraces(join(dir, 'runs'));
  const index = new RunIndex(new FileTraceStore(dir));
  entries = await index.list({ flowId: 'replies' });
  index.close();
});
afterEach(() => cleanup());

it('reads the charter metric from the run index: 2 of 4 runs needed no person, below a 60 % target', async () => {
  const source = runIndexMetricSource({ entries: async () => entries, flow: async () => FLOW });
  const reading = await source.read('replies', { kind: 'runs-without-person', target: 0.6, windowDays: 7 }, NOW);
  expect(reading).toMatchObject({ value: 0.5, target: 0.6, met: false, windowDays: 7 });
  expect(reading?.summary).toMatch(/no person/);
  expect(await source.read('replies', { kind: 'runs-without-person', target: 0.5, windowDays: 7 }, NOW)).toMatchObject({ met: true });
});

it('gives no reading when no production run is in the window (a new flow is not "below target")', async () => {
  const source = runIndexMetricSource({ entries: async () => [], flow: async () => FLOW });
  expect(await source.read('replies', { kind: 'runs-without-person', target: 0.6, windowDays: 7 }, NOW)).toBeUndefined();
});
