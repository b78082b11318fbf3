/** Issue 14 item 3: a deeply nested --input gets the flow files' depth limit, exit 2, and no trace. */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { RunInputInvalidError } from '../../engine/index.ts';
import { makeFlow, tempDir, testEngine } from '../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
let flowFile: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  flowFile = join(dir, 'flow.json');
  await writeFile(
    flowFile,
    JSON.stringify({ format: 'flowkeeper/flow', formatVersion: 1, id: 'deep', name: 'Deep', nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] }),
  );
});
afterAll(async () => cleanup());

const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

const cli = (...argv: string[]) => runCli(argv);

async function traceFiles(data: string): Promise<string[]> {
  return readdir(join(data, 'runs')).catch(() => []);
}

describe('a deeply nested run input', () => {
  it('--input 5,000 levels deep: plain words, exit 2, no trace', async () => {
    const data = join(dir, 'data-inline');
    const result = await cli('run', flowFile, '--input', deep(5000), '--data-dir', data);
    expect(result.code).toBe(2);
    expect(result.err).toContain('The --input value is nested more than 64 levels deep, the same limit as for flow files');
    expect(result.err).toContain('What to do: Flatten the input');
    expect(result.err).not.toMatch(/call stack/i);
    expect(await traceFiles(data)).toEqual([]);
  });

  it('--input @file names the file', async () => {
    const data = join(dir, 'data-file');
    const file = join(dir, 'deep-input.json');
    await writeFile(file, deep(5000));
    const result = await cli('run', flowFile, '--input', `@${file}`, '--data-dir', data);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`The input file ${file} is nested more than 64 levels deep`);
    expect(await traceFiles(data)).toEqual([]);
  });

  it('the engine itself refuses it before writing anything (the API door)', async () => {
    const { engine, dir: data, cleanup: done } = await testEngine();
    try {
      const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }]);
      const error = await engine.startRun(flow, { input: JSON.parse(deep(5000)) as unknown }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunInputInvalidError);
      expect(await traceFiles(data)).toEqual([]);
      // 64 levels is still fine.
      expect((await engine.startRun(flow, { input: JSON.parse(deep(63)) as unknown })).status).toBe('succeeded');
    } finally {
      await done();
    }
  });
});
