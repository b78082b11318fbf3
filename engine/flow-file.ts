/** Loads a flow file from disk and validates it, keeping every problem for the caller to show. */
import { readFile } from 'node:fs/promises';
import type { Flow } from './model/flow.ts';
import { validateFlowText, type NodeCatalog, type Problem } from './model/validate.ts';

export class FlowInvalidError extends Error {
  constructor(readonly file: string, readonly problems: Problem[]) {
    super(`${file} is not a valid flow:\n${problems.map((p) => `  ${p.severity === 'error' ? '✖' : '!'} ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'FlowInvalidError';
  }
}

export interface LoadedFlow {
  flow: Flow;
  warnings: Problem[];
  migratedFrom?: number;
}

export async function loadFlowFile(file: string, catalog: NodeCatalog): Promise<LoadedFlow> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FlowInvalidError(file, [
      { path: '$', severity: 'error', message: code === 'ENOENT' ? 'There is no file at this path. Check the name and folder.' : `The file could not be read (${code ?? String(error)}).` },
    ]);
  }
  const result = validateFlowText(text, catalog);
  if (!result.ok) throw new FlowInvalidError(file, result.problems);
  const loaded: LoadedFlow = { flow: result.flow, warnings: result.problems };
  if (result.migratedFrom !== undefined) loaded.migratedFrom = result.migratedFrom;
  return loaded;
}
