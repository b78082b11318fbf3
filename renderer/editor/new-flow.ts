/**
 * Creating a flow: an empty one ("New flow") or a copy of a template. Either is saved at once as
 * version 1 under a fresh id, so the editor always edits a saved flow and autosave has a version
 * to guard.
 */
import type { FlowTemplate } from '../../engine/model/contract.ts';
import { FLOW_FORMAT, FLOW_FORMAT_VERSION, type Flow } from '../../engine/model/flow.ts';
import { getApi } from '../api.ts';
import { uniqueNodeId } from './graph-logic.ts';

export async function createFlow(template?: FlowTemplate): Promise<Flow> {
  const taken = new Set((await getApi().flows.list()).map((f) => f.id));
  const id = uniqueNodeId(template ? template.id : 'my-flow', taken);
  const flow: Flow = template
    ? { ...structuredClone(template.flow), id, version: 1 }
    : { format: FLOW_FORMAT, formatVersion: FLOW_FORMAT_VERSION, id, name: untitled(taken), description: '', owner: '', version: 1, settings: { concurrency: 4 }, nodes: [], edges: [] };
  const saved = await getApi().flows.save({ flow, expectedVersion: 0 });
  return saved.flow;
}

function untitled(taken: ReadonlySet<string>): string {
  const n = [...taken].filter((id) => /^my-flow(-\d+)?$/.test(id)).length;
  return n === 0 ? 'My flow' : `My flow ${n + 1}`;
}
