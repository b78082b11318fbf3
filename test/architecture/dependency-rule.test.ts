/**
 * The dependency rule of docs/architecture.md is enforced by lint. These tests lint small
 * snippets as if they lived in each folder, proving a wrong import fails `npm test`.
 */
import { describe, expect, it } from 'vitest';
import { restrictionProblems as problems } from './lint-probe.ts';

describe('dependency rule', () => {
  it('keeps engine/model free of the rest of the repo and of Node', async () => {
    expect(await problems('engine/model/probe.ts', "import { Engine } from '../engine.ts';\nexport const x = Engine;\n")).toEqual([
      expect.stringMatching(/engine\/model imports nothing of the repo/),
    ]);
    expect(await problems('engine/model/probe.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n")).toEqual([expect.stringMatching(/no node:\* imports/)]);
    expect(await problems('engine/model/probe.ts', "import { z } from 'zod';\nimport { FlowSchema } from './flow.ts';\nexport const x = [z, FlowSchema];\n")).toEqual([]);
  });

  it('never lets the engine import node types or the CLI', async () => {
    expect(await problems('engine/probe.ts', "import { builtinNodes } from '../nodes/index.ts';\nexport const x = builtinNodes;\n")).toEqual([expect.stringMatching(/never imports node types/)]);
    expect(await problems('engine/runner/probe.ts', "import { main } from '../../cli/main.ts';\nexport const x = main;\n")).toEqual([expect.stringMatching(/never imports node types or doors/)]);
  });

  it('lets node types import only the node kit', async () => {
    expect(await problems('nodes/flow/probe.ts', "import { Engine } from '../../engine/engine.ts';\nexport const x = Engine;\n")).toEqual([expect.stringMatching(/only the node kit/)]);
    expect(await problems('nodes/flow/probe.ts', "import { defineNode } from '../../engine/model/index.ts';\nexport const x = defineNode;\n")).toEqual([]);
  });

  it('lets the CLI use the engine and the nodes', async () => {
    expect(await problems('cli/probe.ts', "import { Engine } from '../engine/index.ts';\nimport { builtinNodes } from '../nodes/index.ts';\nexport const x = [Engine, builtinNodes];\n")).toEqual([]);
  });
});
