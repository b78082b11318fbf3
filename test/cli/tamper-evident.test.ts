/**
 * Issue 14 item 9: traces are tamper-evident. A real run's trace is edited in several ways;
 * `flowkeeper verify` (and every read) detects and names each, a torn last line is still
 * tolerated, and a trace written before hash chains stays readable, reported as such.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let flowFile: string;

const cli = (...argv: string[]) => runCli(argv);

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'data');
  flowFile = join(dir, 'flow.json');
  await writeFile(
    flowFile,
    JSON.stringify({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'f',
      name: 'F',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'set', type: 'transform.set', config: { fields: [{ name: 'total', value: '{{ amount * 2 }}' }] } },
      ],
      edges: [{ source: 'start', target: 'set' }],
    }),
  );
});
afterEach(() => cleanup());

async function recordRun(): Promise<{ runId: string; path: string; lines: string[] }> {
  const { runId } = JSON.parse((await cli('run', flowFile, '--input', '{"amount":21}', '--data-dir', data, '--json')).out) as { runId: string };
  const path = join(data, 'runs', `${runId}.jsonl`);
  return { runId, path, lines: (await readFile(path, 'utf8')).split('\n').slice(0, -1) };
}

const write = (path: string, lines: string[], end = '\n') => writeFile(path, lines.join('\n') + end);

describe('tamper-evident traces', () => {
  it('an intact trace verifies; so does one with a torn last line', async () => {
    const { runId, path, lines } = await recordRun();
    const ok = await cli('verify', runId, '--data-dir', data);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`✔ ${runId}: intact — ${lines.length - 1} events, each line's hash checked, and the flow matches its hash.`);
    await write(path, [...lines, lines[lines.length - 1]!.slice(0, 25)], '');
    const torn = await cli('verify', runId, '--data-dir', data);
    expect(torn.code).toBe(0);
    expect(torn.out).toContain('The last line was cut short by a crash; it is ignored.');
  });

  // The chain is sealed once per write batch: an edit is named by the first line of its batch.
  const edits: Array<[string, (lines: string[]) => string[], RegExp]> = [
    ['a changed value in an event', (l) => l.map((line, i) => (i === 3 ? line.replace('"amount":21', '"amount":99') : line)), /line [234]: a line whose hash does not follow/],
    ['a removed event, renumbered', (l) => [l[0]!, ...l.slice(2).map((line) => line.replace(/"seq":(\d+)/, (_m, n: string) => `"seq":${Number(n) - 1}`))], /line 2: a line whose hash does not follow/],
    ['two events swapped', (l) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)], /line 2: event number 2 follows 0|line 2: a line whose hash/],
    ['a renamed key in the header\'s flow', (l) => [l[0]!.replace('"total"', '"tOtal"'), ...l.slice(1)], /line 2: a line whose hash does not follow/],
    ['a changed duration', (l) => l.map((line) => line.replace(/"durationMs":\d+/, '"durationMs":"x"')), /a line whose hash does not follow/],
    // Lines inside a batch carry no hash of their own, so a line added by hand breaks its batch's seal.
    ['a line added by hand', (l) => [...l.slice(0, 3), l[2]!.replace('"seq":', '"note":"added","seq":'), ...l.slice(3)], /line [23]: a line whose hash does not follow/],
  ];

  it.each(edits)('detects and names %s', async (_name, edit, reason) => {
    const { runId, path, lines } = await recordRun();
    await write(path, edit(lines));
    const result = await cli('verify', runId, '--data-dir', data);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`✖ The trace of run ${runId} is damaged \\(`));
    expect(result.err).toMatch(reason);
    // Replay cannot call it "identical" any more: the run is set aside.
    const replay = await cli('replay', runId, '--data-dir', data);
    expect(replay.code).toBe(2);
    expect(replay.out).not.toContain('identical');
  });

  it('a last batch whose seal is missing is reported and ignored, like a line cut short by a crash', async () => {
    const { runId, path, lines } = await recordRun();
    const last = lines.length - 1;
    await write(path, lines.map((line, i) => (i === last ? line.replace(/,"h":"[0-9a-f]{32}"\}$/, '}') : line)));
    const result = await cli('verify', runId, '--data-dir', data);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/lines were written without the hash that seals them \(the process stopped mid-write\); they are ignored\./);
  });

  it('verify all: every run, the damaged ones named, exit 1', async () => {
    const good = await recordRun();
    const bad = await recordRun();
    await write(bad.path, bad.lines.map((line, i) => (i === 2 ? line.replace('"attempt":1', '"attempt":2') : line)));
    const result = await cli('verify', 'all', '--data-dir', data);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`✔ ${good.runId}: intact`);
    expect(result.err).toMatch(new RegExp(`✖ The trace of run ${bad.runId} is damaged \\(line [23]: `));
    expect(result.out).toContain('1 of 2 traces are damaged.');
  });

  it('a trace written before hash chains is still readable, reported as not tamper-evident', async () => {
    const { runId, path, lines } = await recordRun();
    const legacy = [lines[0]!.replace(/,"hashChain":"sha256-128"/, ''), ...lines.slice(1).map((line) => line.replace(/,"h":"[0-9a-f]{32}"\}$/, '}'))];
    expect(legacy.join('\n')).not.toContain('"h":');
    await write(path, legacy);
    const result = await cli('verify', runId, '--data-dir', data);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`! ${runId}: readable, but recorded before Flowkeeper chained hashes, so edits to its events cannot be detected`);
    const replay = await cli('replay', runId, '--data-dir', data);
    expect(replay.code).toBe(0);
    expect(replay.out).toContain('identical');
    // Its header's flow is still checked against the flow hash.
    await write(path, [legacy[0]!.replace('"total"', '"tOtal"'), ...legacy.slice(1)]);
    const changed = await cli('verify', runId, '--data-dir', data);
    expect(changed.code).toBe(1);
    expect(changed.err).toContain('line 1: the flow recorded in the header was changed: it no longer matches its hash');
  });
});
