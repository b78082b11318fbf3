/**
 * Issue 14 item 2: a damaged trace is never set aside silently. A real run's trace gets a garbage
 * line in the middle; then resume, runs, trace and the JSON outputs all say which run, why and
 * where the file is now — also on later calls, after the file was moved.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let damagedRun: string;
let healthyRun: string;

const cli = (...argv: string[]) => runCli(argv);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'data');
  const flow = join(dir, 'flow.json');
  await writeFile(
    flow,
    JSON.stringify({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'f',
      name: 'F',
      nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'set', type: 'transform.set', config: { fields: [{ name: 'x', value: 1 }] } }],
      edges: [{ source: 'start', target: 'set' }],
    }),
  );
  damagedRun = (JSON.parse((await cli('run', flow, '--data-dir', data, '--json')).out) as { runId: string }).runId;
  healthyRun = (JSON.parse((await cli('run', flow, '--data-dir', data, '--json')).out) as { runId: string }).runId;
  const path = join(data, 'runs', `${damagedRun}.jsonl`);
  const lines = (await readFile(path, 'utf8')).split('\n');
  lines.splice(2, 0, 'garbage in the middle');
  await writeFile(path, lines.join('\n'));
});
afterAll(async () => cleanup());

describe('a set-aside trace is never silent', () => {
  it('resume says which run was set aside, why and where it is now', async () => {
    const result = await cli('resume', '--data-dir', data);
    expect(result.code).toBe(0);
    expect(result.out).toContain('No interrupted runs to continue.');
    expect(result.err).toMatch(new RegExp(`The trace of run ${damagedRun} is damaged \\(line 3: [^)]+\\); it was set aside on .* UTC to ${join(data, 'quarantine', damagedRun)}\\.\\d+\\.jsonl`));
  });

  it('runs (later, after the move) lists the healthy run and still reports the set-aside one', async () => {
    const result = await cli('runs', '--data-dir', data);
    expect(result.code).toBe(0);
    expect(result.out).toContain(healthyRun);
    expect(result.out).not.toContain(damagedRun);
    expect(result.err).toContain(`The trace of run ${damagedRun} is damaged (line 3`);
    const json = JSON.parse((await cli('runs', '--data-dir', data, '--json')).out) as { quarantined: Array<{ runId: string; movedTo: string; reason: string }> };
    expect(json.quarantined).toEqual([expect.objectContaining({ runId: damagedRun, reason: expect.stringMatching(/^line 3: /) as string })]);
  });

  it('trace and resume of that run explain it instead of "there is no run"', async () => {
    for (const argv of [['trace', damagedRun], ['resume', damagedRun]]) {
      const result = await cli(...argv, '--data-dir', data);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`The trace of run ${damagedRun} is damaged (line 3`);
      expect(result.err).toContain(join(data, 'quarantine'));
      expect(result.err).not.toContain('There is no run');
    }
  });
});
