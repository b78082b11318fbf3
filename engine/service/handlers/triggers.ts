/** flows.activate / flows.deactivate and triggers.status: switching flows on and their triggers' health. */
import type { ServiceHandlers } from '../../dispatch.ts';
import type { ServiceContext } from '../service-context.ts';
import { assertReady } from '../../charter/activation-gate.ts';

export type TriggerMethod = 'flows.activate' | 'flows.deactivate' | 'triggers.status';

export function triggerHandlers({ hub, triggers: host, data, registry }: ServiceContext): Pick<ServiceHandlers, TriggerMethod> {
  return {
    'flows.activate': async ({ id, version }) => {
      // The production checklist first (engine/charter/activation-gate.ts), of the version that
      // is to run: refused with each missing item.
      assertReady(await data.flows.runnable(id, version), registry);
      const status = await host.activate(id, version);
      hub.emit({ type: 'flows.changed', flowId: id });
      return status;
    },
    'flows.deactivate': async ({ id }) => {
      await host.deactivate(id);
      hub.emit({ type: 'flows.changed', flowId: id });
      return { ok: true as const };
    },
    'triggers.status': ({ flowId }) => host.status(flowId),
  };
}
