/** handover.*: the hand-over bundle of a flow, its runbook, and importing a bundle (engine/handover/). */
import { exportHandover, handoverAcceptance, handoverRunbook, importHandover, openHandover, type ImportDeps } from '../../handover/index.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function handoverHandlers({ data, registry, clock, triggers, hub }: ServiceContext): GroupHandlers<'handover'> {
  const deps = { flows: data.flows, traces: data.traces, vault: data.vault, catalog: registry, now: () => clock.now(), env: process.env };
  const importDeps: ImportDeps = {
    flows: data.flows,
    vault: data.vault,
    references: data.references,
    activeFlowIds: async () => new Set((await triggers.activeVersions()).keys()),
    registry,
    now: () => clock.now(),
    defaultAuthor: async () => (await data.settings.read()).reviewerName,
  };
  return {
    'handover.export': (request) => exportHandover(deps, request),
    'handover.runbook': ({ flowId, version, format }) => handoverRunbook(deps, { flowId, ...(version === undefined ? {} : { version }), format }),
    'handover.open': (source) => openHandover({ ...importDeps, catalog: registry }, source),
    'handover.acceptance': (request) => handoverAcceptance(importDeps, request),
    'handover.import': async (request) => {
      const result = await importHandover(importDeps, request);
      // Not switched on by the import; a saved flow's triggers are told as after any save.
      await triggers.flowSaved(result.flowId).catch(() => undefined);
      hub.emit({ type: 'flows.changed', flowId: result.flowId });
      return result;
    },
  };
}
