/** references.*: a flow's reference runs (engine/handover/reference-store.ts), which drift checks, the acceptance replay and demo mode read. */
import { referenceFromRun } from '../../handover/export-bundle.ts';
import type { StoredReference } from '../../handover/reference-store.ts';
import type { ReferenceSummary } from '../../model/drift.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function referenceSummary(ref: StoredReference): ReferenceSummary {
  const { run, source } = ref;
  return {
    runId: run.runId,
    flowVersion: run.flowVersion,
    status: run.status,
    createdAt: run.createdAt,
    ...(run.startedBy === undefined ? {} : { startedBy: run.startedBy }),
    source: source.kind,
    addedAt: source.kind === 'bundle' ? source.importedAt : source.chosenAt,
  };
}

export function referenceHandlers({ data, clock, drift }: ServiceContext): GroupHandlers<'references'> {
  return {
    'references.list': async ({ flowId }) => (await data.references.list(flowId)).map(referenceSummary),
    'references.add': async ({ flowId, runId }) => {
      await data.flows.get(flowId); // a clear "no such flow" before anything else
      const run = await referenceFromRun({ traces: data.traces }, flowId, runId);
      const stored = await data.references.put(flowId, run, { kind: 'local', chosenAt: new Date(clock.now()).toISOString() });
      drift.replan();
      return referenceSummary(stored);
    },
    'references.remove': async ({ flowId, runId }) => {
      const removed = await data.references.remove(flowId, runId);
      drift.replan();
      return { ok: true as const, removed };
    },
  };
}
