/** flows.*: saved flows with history, validation, import/export, AI spend. */
import { validateFlow } from '../../model/validate.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function flowHandlers({ data, registry, hub, projections }: ServiceContext): GroupHandlers<'flows'> {
  const { flows } = data;
  return {
    'flows.list': () => flows.list(),
    'flows.get': ({ id, version }) => flows.get(id, version),
    'flows.save': async ({ flow, expectedVersion }) => {
      const saved = await flows.save(flow, expectedVersion);
      hub.emit({ type: 'flows.changed', flowId: String(saved.flow.id) });
      return saved;
    },
    'flows.delete': async ({ id }) => {
      await flows.delete(id);
      hub.emit({ type: 'flows.changed', flowId: id });
      return { ok: true as const };
    },
    'flows.validate': async ({ flow }) => {
      const result = validateFlow(flow, registry);
      return { ok: result.ok, problems: result.problems };
    },
    'flows.import': async ({ text, overwrite }) => {
      const saved = await flows.import(text, overwrite);
      hub.emit({ type: 'flows.changed', flowId: String(saved.flow.id) });
      return saved;
    },
    'flows.export': async ({ id }) => {
      const { flow } = await flows.get(id);
      return { fileName: `${id}.flow.json`, text: `${JSON.stringify(flow, null, 2)}\n` };
    },
    'flows.versions': ({ id }) => flows.versions(id),
    'flows.cost': ({ id, limit }) => projections.flowCost(id, limit),
  };
}
