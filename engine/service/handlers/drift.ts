/** drift.*: check a flow for drift now, and what the last checks found (engine/drift/). */
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function driftHandlers({ data, drift }: ServiceContext): GroupHandlers<'drift'> {
  return {
    'drift.check': async ({ flowId }) => {
      await data.flows.get(flowId); // a clear "no such flow" first
      return drift.check(flowId, 'person');
    },
    'drift.status': async ({ flowId }) => {
      await data.flows.get(flowId);
      return drift.status(flowId);
    },
  };
}
