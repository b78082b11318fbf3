/**
 * `flowkeeper export`: writes the bundle (plain or gzipped), the runbook alone as Markdown or
 * HTML, masks chosen fields of the reference runs, and refuses bad options in plain words.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { dataDirStores } from '../../engine/index.ts';
import { readBundleBytes } from '../../engine/handover/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { readyCharter } from '../helpers/ready-charter.ts';

let dir: string;
let cleanup: () => Promise<void>;

const cli = (...argv: string[]) => runCli([...argv, '--data-dir', dir]);

const FLOW = {
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'greet',
  name: 'Greet customers',
  description: 'Writes a greeting for each customer.',
  charter: readyCharter(),
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'greet', type: 'transform.set', name: 'Write greeting', config: { fields: [{ name: 'greeting', value: 'Hello {{ customer.name }}' }] } },
  ],
  edges: [{ source: 'start', target: 'greet' }],
};

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await dataDirStores(dir, { catalog: registry }).flows.save(FLOW);
});
afterEach(() => cleanup());

describe('flowkeeper export', () => {
  it('writes the bundle with masked reference runs, and the runbook as a page', async () => {
    const flowFile = join(dir, 'greet.json');
    await writeFile(flowFile, JSON.stringify(FLOW));
    const ran = await cli('run', flowFile, '--quiet', '--json', '--input', JSON.stringify({ customer: { name: 'Zoë Quist' } }));
    expect(ran.code).toBe(0);
    const runId = (JSON.parse(ran.out) as { runId: string }).runId;

    const out = join(dir, 'greet.fkbundle.gz');
    const page = join(dir, 'greet.html');
    const result = await cli('export', 'greet', '--runs', runId, '--mask', 'customer.name', '--out', out, '--runbook', page);
    expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: '' });
    expect(result.out).toContain(`Wrote the hand-over bundle of “Greet customers” (version 1) to ${out}`);
    expect(result.out).toContain('1 reference run, secrets removed; 1 value of customer.name masked');
    expect(result.out).toContain(`Wrote the runbook to ${page}`);

    const bytes = await readFile(out);
    expect(bytes[0]).toBe(0x1f); // gzipped, as the name asks
    const bundle = readBundleBytes(bytes);
    expect(bundle.flow.id).toBe('greet');
    const text = JSON.stringify(bundle);
    expect(text).not.toContain('Zoë Quist');
    const finished = bundle.references[0]!.events.find((e) => e.type === 'node.succeeded' && e.nodeId === 'greet') as { outputs: { out: Array<{ greeting: string }> } };
    expect(finished.outputs.out[0]!.greeting).toBe('Hello «masked 1»');

    const html = await readFile(page, 'utf8');
    expect(html).toContain('<h1>Runbook: Greet customers</h1>');
    expect(html).toContain('flowkeeper flows deactivate greet');
  });

  it('writes Markdown by default name, and --json says what it wrote', async () => {
    const md = join(dir, 'runbook.md');
    const out = join(dir, 'b.fkbundle');
    const result = await cli('export', 'greet', '--out', out, '--runbook', md, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ file: out, runbook: md, flowId: 'greet', version: 1, credentials: [], references: [], warnings: [] });
    expect(await readFile(md, 'utf8')).toMatch(/^# Runbook: Greet customers\n/);
    expect(readBundleBytes(await readFile(out)).flow.name).toBe('Greet customers');
  });

  it('refuses what it cannot do, saying what to do instead', async () => {
    expect((await cli('export')).err).toContain('Name the flow to export');
    expect((await cli('export', 'greet', '--runbook', 'x.pdf')).err).toContain('end the file name in .md (Markdown) or .html');
    expect((await cli('export', 'greet', '--version', 'two')).err).toContain('give a saved version number');
    const missing = await cli('export', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('There is no saved flow "nope"');
    expect(missing.err).toContain('What to do: Check the id');
  });
});
