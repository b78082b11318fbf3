/**
 * Flow templates: the example flows that ship with Flowkeeper (`examples/<name>/flow.json`),
 * offered by the editor's "Start from a template". Read from disk on each call so a folder of
 * templates can be edited without a restart; a broken file is skipped, never fatal, because one
 * bad template must not hide the others.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlowTemplate } from './model/contract.ts';
import { FlowSchema } from './model/flow.ts';
import { parseFlowText } from './model/validate.ts';

/**
 * `<repo>/examples`, next to the engine folder (the CLI and tests run from the sources). A
 * bundled build (the desktop app) should pass `templatesDir` to the service instead.
 */
export function defaultTemplatesDir(): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), '..', 'examples');
}

export async function loadTemplates(dir: string): Promise<FlowTemplate[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
  const templates: FlowTemplate[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = await readFile(join(dir, name, 'flow.json'), 'utf8');
    } catch {
      continue; // a folder without a flow (e.g. a demo server)
    }
    const parsed = parseFlowText(text);
    if (!parsed.ok) continue;
    const flow = FlowSchema.safeParse(parsed.value);
    if (!flow.success) continue;
    templates.push({
      id: flow.data.id,
      name: flow.data.name,
      description: flow.data.description,
      nodeCount: flow.data.nodes.length,
      nodeTypes: [...new Set(flow.data.nodes.map((n) => n.type))],
      flow: flow.data,
    });
  }
  return templates;
}
