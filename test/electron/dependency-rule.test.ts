/**
 * The desktop shell's part of the dependency rule (eslint.config.js): electron/ may use the
 * engine, the nodes and electron; the sandboxed preload only the API contract.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId?.includes('restricted')).map((m) => m.message);
}

describe('dependency rule for electron/', () => {
  it('lets the main process use the engine, the nodes and electron', async () => {
    expect(await problems('electron/probe.ts', "import { app } from 'electron';\nimport { Engine } from '../engine/index.ts';\nimport { builtinNodes } from '../nodes/index.ts';\nexport const x = [app, Engine, builtinNodes];\n")).toEqual([]);
  });

  it('keeps the CLI and the renderer sources out of the shell', async () => {
    expect(await problems('electron/probe.ts', "import { main } from '../cli/main.ts';\nexport const x = main;\n")).toEqual([expect.stringMatching(/never the CLI or the renderer/)]);
  });

  it('lets the preload import only the contract and the channel names', async () => {
    expect(await problems('electron/preload.ts', "import { buildApi } from '../engine/model/contract.ts';\nimport { INVOKE_CHANNEL } from './channels.ts';\nexport const x = [buildApi, INVOKE_CHANNEL];\n")).toEqual([]);
    expect(await problems('electron/preload-api.ts', "import { FlowSchema } from '../engine/model/flow.ts';\nexport const x = FlowSchema;\n")).toEqual([expect.stringMatching(/preload may import only/)]);
    expect(await problems('electron/preload.ts', "import { dispatch } from '../engine/dispatch.ts';\nexport const x = dispatch;\n")).toEqual([expect.stringMatching(/preload may import only/)]);
    expect(await problems('electron/preload.ts', "import { registerIpc } from './ipc.ts';\nexport const x = registerIpc;\n")).toEqual([expect.stringMatching(/preload may import only/)]);
    expect(await problems('electron/preload-api.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n")).toEqual([expect.stringMatching(/sandboxed: no node/)]);
  });
});
