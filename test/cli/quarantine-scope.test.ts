/**
 * Regression test for review finding 14: `flowkeeper trace <file>` on a damaged trace outside the
 * data folder reports the damage and leaves the file where it is; only the data folder's own
 * run files are moved to quarantine/.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'data');
});
afterEach(() => cleanup());

const cli = (...argv: string[]) => runCli(argv);

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

const DAMAGED = 'not json at all\n{"seq":1}\n';

describe('finding 14: quarantine only the data folder\'s own traces', () => {
  it('reports a damaged trace outside runs/ and leaves it where it is, while one inside runs/ is still quarantined', async () => {
    // Someone's copy of a trace, e.g. attached to a support ticket.
    const elsewhere = join(dir, 'some', 'other', 'dir');
    await mkdir(elsewhere, { recursive: true });
    const outside = join(elsewhere, 'damaged.jsonl');
    await writeFile(outside, DAMAGED);

    const r = await cli('trace', outside, '--data-dir', data);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`The trace ${outside} is damaged (line 1:`);
    expect(r.err).toMatch(/left where it is/);
    expect(r.err).not.toMatch(/moved to/);
    expect(await readFile(outside, 'utf8')).toBe(DAMAGED);
    expect(await exists(join(data, 'quarantine'))).toBe(false);

    // The data folder's own damaged run file is still moved aside, by run id or by its path.
    const runs = join(data, 'runs');
    await mkdir(runs, { recursive: true });
    for (const [runId, target] of [
      ['run-by-id', 'run-by-id'],
      ['run-by-path', join(runs, 'run-by-path.jsonl')],
    ] as const) {
      await writeFile(join(runs, `${runId}.jsonl`), DAMAGED);
      const own = await cli('trace', target, '--data-dir', data);
      expect(own.code).toBe(2);
      expect(own.err).toMatch(new RegExp(`The trace of run ${runId} is damaged .* moved to .*quarantine`));
      expect(await exists(join(runs, `${runId}.jsonl`))).toBe(false);
    }
    const quarantined = await readdir(join(data, 'quarantine'));
    expect(quarantined.filter((n) => n.endsWith('.jsonl')).map((n) => n.split('.')[0]).sort()).toEqual(['run-by-id', 'run-by-path']);
  });
});
