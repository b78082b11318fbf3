/**
 * `flowkeeper flows import <flow.json>`: a flow file saved into the data folder from the command
 * line (checked first; the same id only with --overwrite, as its next version), so a machine
 * without the app is set up from files: import, activate, serve.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { dataDirStores } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';

let dir: string;
let cleanup: () => Promise<void>;
const example = join(import.meta.dirname, '../../examples/lead-routing/flow.json');

const cli = (...argv: string[]) => runCli([...argv, '--data-dir', dir]);

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

it('saves a flow file as version 1, refuses the same id again, and with --overwrite saves its next version', async () => {
  const id = (JSON.parse(await readFile(example, 'utf8')) as { id: string }).id;
  const first = await cli('flows', 'import', example, '--by', 'Ana');
  expect(first).toMatchObject({ code: 0, err: '' });
  expect(first.out).toContain(`(${id}) as version 1. Switch it on with: flowkeeper flows activate ${id}`);
  const { flows } = dataDirStores(dir, { catalog: registry });
  expect((await flows.versions(id)).map((v) => ({ version: v.version, author: v.author, message: v.message }))).toEqual([{ version: 1, author: 'Ana', message: 'Imported from flow.json' }]);

  const again = await cli('flows', 'import', example);
  expect(again.code).toBe(2);
  expect(again.err).toContain(`A flow with the id "${id}" already exists.`);
  expect(again.err).toContain('Add --overwrite to save the file as the next version of that flow');

  const next = await cli('flows', 'import', example, '--overwrite', '-m', 'from the repository', '--json');
  expect(next.code).toBe(0);
  expect(JSON.parse(next.out)).toMatchObject({ flowId: id, version: 2 });
  expect((await flows.versions(id))[0]).toMatchObject({ version: 2, message: 'from the repository' });
});

it('lists every problem of a broken file with where it is, and saves nothing', async () => {
  const broken = JSON.parse(await readFile(example, 'utf8')) as { id: string; nodes: Array<{ type: string }> };
  broken.nodes[1]!.type = 'no.such-step';
  const file = join(dir, 'broken.json');
  await writeFile(file, JSON.stringify(broken));
  const { code, err } = await cli('flows', 'import', file);
  expect(code).toBe(2);
  expect(err).toMatch(/✖ nodes\[1\]\.type: .*no\.such-step/);
  expect(err).toContain('The flow file has problems; nothing was imported. Fix the problems listed and import again.');
  const { flows } = dataDirStores(dir, { catalog: registry });
  await expect(flows.get(broken.id)).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });

  const missing = await cli('flows', 'import', join(dir, 'nowhere.json'));
  expect(missing.code).toBe(2);
  expect(missing.err).toContain(`Could not read the flow file ${join(dir, 'nowhere.json')}`);
});
