/** The renderer imports only engine/model: lint fails anything else, and any Node built-in. */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function problems(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, 'renderer', 'views', 'probe.tsx') });
  return (result?.messages ?? []).filter((m) => m.ruleId?.includes('restricted')).map((m) => m.message);
}

describe('renderer dependency rule', () => {
  it('allows the API contract and the model', async () => {
    expect(await problems("import { buildApi } from '../../engine/model/contract.ts';\nexport const x = buildApi;\n")).toEqual([]);
  });

  it('refuses the engine, the nodes, the doors and Node built-ins', async () => {
    expect(await problems("import { Engine } from '../../engine/engine.ts';\nexport const x = Engine;\n")).toEqual([expect.stringMatching(/only to engine\/model/)]);
    expect(await problems("import { builtinNodes } from '../../nodes/index.ts';\nexport const x = builtinNodes;\n")).toEqual([expect.stringMatching(/only to engine\/model/)]);
    expect(await problems("import { startBridge } from '../../cli/serve.ts';\nexport const x = startBridge;\n")).toEqual([expect.stringMatching(/only to engine\/model/)]);
    expect(await problems("import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n")).toEqual([expect.stringMatching(/no node:\* imports/)]);
  });
});
