/**
 * pins.*: pinned test data (engine/pins.ts). A step's result is copied from a past run of the
 * same flow; only `runs.start` with `usePins` (the editor's test runs) uses it.
 */
import { ApiError, type PinInfo } from '../../model/contract.ts';
import { reduceRun } from '../../model/run-state.ts';
import type { PortItems } from '../../model/node-kit.ts';
import type { Pin } from '../../pins.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

/** A pin is test data, not a data store: past this size the person should use a smaller run. */
const MAX_PIN_BYTES = 5 * 1024 * 1024;

export function pinInfo(pin: Pin): PinInfo {
  return { nodeId: pin.nodeId, runId: pin.runId, pinnedAt: pin.pinnedAt, items: Object.fromEntries(Object.entries(pin.outputs).map(([port, items]) => [port, items.length])) };
}

export function pinHandlers({ data }: ServiceContext): GroupHandlers<'pins'> {
  return {
    'pins.list': async ({ flowId }) => (await data.pins.list(flowId)).map(pinInfo),
    'pins.set': async ({ flowId, nodeId, runId }) => {
      const flow = await data.flows.runnable(flowId);
      const node = flow.nodes.find((n) => n.id === nodeId);
      if (!node) throw new ApiError({ code: 'NODE_NOT_FOUND', message: `Flow "${flow.name}" has no step "${nodeId}".`, hint: 'Save the flow with that step first.' });
      const trace = await data.traces.load(runId);
      if (trace.header.flowId !== flowId) {
        throw new ApiError({ code: 'PIN_WRONG_FLOW', message: `Run ${runId} is a run of another flow ("${trace.header.flowName}").`, hint: 'Pin a result from a run of this flow.' });
      }
      const state = reduceRun(trace.header, trace.events).nodes[nodeId];
      const label = node.name ?? nodeId;
      if (state?.status !== 'succeeded') {
        throw new ApiError({
          code: 'PIN_NOT_DONE',
          message: `Step "${label}" did not finish in that run, so there is no result to pin.`,
          hint: 'Run the flow until this step succeeds, then pin its result from that run.',
        });
      }
      const outputs = (await data.traces.getPayload(state.outputs ?? {})) as PortItems;
      if (JSON.stringify(outputs).length > MAX_PIN_BYTES) {
        throw new ApiError({ code: 'PIN_TOO_LARGE', message: `The result of step "${label}" is larger than 5 MB, too large to pin.`, hint: 'Pin it from a run with fewer items.' });
      }
      // Pinning a result that was itself pinned keeps where it really came from.
      const pin = await data.pins.set(flowId, { nodeId, runId: state.pinnedFrom ?? runId, pinnedAt: new Date().toISOString(), outputs });
      return pinInfo(pin);
    },
    'pins.remove': async ({ flowId, nodeId }) => {
      await data.pins.remove(flowId, nodeId);
      return { ok: true as const };
    },
  };
}
