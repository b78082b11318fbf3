/**
 * Layering beyond the folder zones: the engine imports no UI library, and nothing outside
 * engine/trace/ reaches into the trace internals (reader, writer, redactor, lock, sinks) — only
 * its public face, engine/trace/index.ts, and the store interface in trace-store.ts.
 */
import { describe, expect, it } from 'vitest';
import { restrictionProblems as problems } from './lint-probe.ts';

describe('the engine imports no UI library', () => {
  it.each([
    ["import { app } from 'electron';\nexport const x = app;\n"],
    ["import { useState } from 'react';\nexport const x = useState;\n"],
    ["import { createRoot } from 'react-dom/client';\nexport const x = createRoot;\n"],
    ["import { create } from 'zustand';\nexport const x = create;\n"],
  ])('refuses %s in engine/', async (code) => {
    expect(await problems('engine/runner/probe.ts', code)).toEqual([expect.stringMatching(/no electron, react or zustand/)]);
    expect(await problems('engine/probe.ts', code)).toEqual([expect.stringMatching(/no electron, react or zustand/)]);
  });

  it('keeps both rules in engine/model: no UI library and no node:*', async () => {
    expect(await problems('engine/model/probe.ts', "import { create } from 'zustand';\nexport const x = create;\n")).toEqual([expect.stringMatching(/no electron, react or zustand/)]);
    expect(await problems('engine/model/probe.ts', "import { join } from 'node:path';\nexport const x = join;\n")).toEqual([expect.stringMatching(/no node:\* imports/)]);
  });

  it('still lets the renderer and the desktop shell use them', async () => {
    expect(await problems('renderer/probe.ts', "import { create } from 'zustand';\nimport { useState } from 'react';\nexport const x = [create, useState];\n")).toEqual([]);
    expect(await problems('electron/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).toEqual([]);
  });
});

describe('only engine/trace/ imports the trace internals', () => {
  it.each([
    ['engine/probe.ts', "import { Redactor } from './trace/redactor.ts';\nexport const x = Redactor;\n"],
    ['engine/runner/probe.ts', "import { TraceWriter } from '../trace/trace-writer.ts';\nexport const x = TraceWriter;\n"],
    ['engine/probe.ts', "import { parseTraceText } from './trace/trace-reader.ts';\nexport const x = parseTraceText;\n"],
    ['engine/probe.ts', "import { claimRun } from './trace/run-lock.ts';\nexport const x = claimRun;\n"],
    ['cli/probe.ts', "import { MemorySink } from '../engine/trace/memory-sink.ts';\nexport const x = MemorySink;\n"],
    ['bench/probe.ts', "import { MemorySink } from '../engine/trace/memory-sink.ts';\nexport const x = MemorySink;\n"],
    ['test/engine/probe.test.ts', "import { claimRun } from '../../engine/trace/run-lock.ts';\nexport const x = claimRun;\n"],
  ])('refuses %s reaching into engine/trace/', async (file, code) => {
    expect(await problems(file, code)).toEqual([expect.stringMatching(/through engine\/trace\/index\.ts/)]);
  });

  it('allows the public face and the store interface, and the trace folder and its tests among themselves', async () => {
    expect(await problems('engine/probe.ts', "import { Redactor, RunLockedError } from './trace/index.ts';\nimport { FileTraceStore } from './trace/trace-store.ts';\nexport const x = [Redactor, RunLockedError, FileTraceStore];\n")).toEqual([]);
    expect(await problems('engine/trace/probe.ts', "import { TraceWriter } from './trace-writer.ts';\nimport { claimRun } from './run-lock.ts';\nexport const x = [TraceWriter, claimRun];\n")).toEqual([]);
    expect(await problems('test/engine/trace/probe.test.ts', "import { parseTraceText } from '../../../engine/trace/trace-reader.ts';\nexport const x = parseTraceText;\n")).toEqual([]);
  });

  it('keeps the folder zones in force where the trace rule applies', async () => {
    expect(await problems('engine/probe.ts', "import { builtinNodes } from '../nodes/index.ts';\nexport const x = builtinNodes;\n")).toEqual([expect.stringMatching(/never imports node types/)]);
  });
});
