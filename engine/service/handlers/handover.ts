/** handover.*: the hand-over bundle of a flow and its runbook (engine/handover/). */
import { exportHandover, handoverRunbook } from '../../handover/index.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function handoverHandlers({ data, registry, clock }: ServiceContext): GroupHandlers<'handover'> {
  const deps = { flows: data.flows, traces: data.traces, vault: data.vault, catalog: registry, now: () => clock.now(), env: process.env };
  return {
    'handover.export': (request) => exportHandover(deps, request),
    'handover.runbook': ({ flowId, version, format }) => handoverRunbook(deps, { flowId, ...(version === undefined ? {} : { version }), format }),
  };
}
