/** flows.*: saved flows with history, validation, import/export, AI spend. */
import { validateFlow } from '../../model/validate.ts';
import { diffFlows, summarizeDiff } from '../../model/flow-diff.ts';
import type { Flow } from '../../model/flow.ts';
import { loadTemplates } from '../../templates.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';
import type { TriggerMethod } from './triggers.ts';

export function flowHandlers({ data, registry, hub, projections, templatesDir, triggers }: ServiceContext): Omit<GroupHandlers<'flows'>, TriggerMethod> {
  const { flows } = data;
  // A save never fails because a trigger could not restart: that shows in triggers.status.
  const restartTriggers = (flowId: string) => triggers.flowSaved(flowId).catch(() => undefined);
  // Each version names who saved it: the door's name, else the person named in settings.
  const author = async (by: string | undefined) => by?.trim() || (await data.settings.read()).reviewerName;
  return {
    'flows.list': async () => {
      const [list, active] = await Promise.all([flows.list(), triggers.activeVersions()]);
      return list.map((f) => {
        const on = active.get(f.id);
        if (!on) return f;
        // Pinned: the chosen version runs; otherwise the latest saved one does.
        return { ...f, active: true, activeVersion: on.version ?? f.version, ...(on.version === undefined ? {} : { pinned: true }) };
      });
    },
    'flows.get': async ({ id, version }) => typedFlow(await flows.get(id, version)),
    'flows.save': async ({ flow, expectedVersion, message, by }) => {
      const saved = await flows.save(withCharterOwner(flow), expectedVersion, { author: await author(by), ...(message === undefined ? {} : { message }) });
      await restartTriggers(String(saved.flow.id));
      hub.emit({ type: 'flows.changed', flowId: String(saved.flow.id) });
      return typedFlow(saved);
    },
    'flows.delete': async ({ id }) => {
      await flows.delete(id);
      await triggers.flowDeleted(id);
      hub.emit({ type: 'flows.changed', flowId: id });
      return { ok: true as const };
    },
    'flows.validate': async ({ flow }) => {
      const result = validateFlow(flow, registry);
      return { ok: result.ok, problems: result.problems };
    },
    'flows.import': async ({ text, overwrite }) => {
      const saved = await flows.import(text, overwrite, { author: await author(undefined), message: 'Imported from a file' });
      await restartTriggers(String(saved.flow.id));
      hub.emit({ type: 'flows.changed', flowId: String(saved.flow.id) });
      return typedFlow(saved);
    },
    'flows.export': async ({ id }) => {
      const { flow } = await flows.get(id);
      // A relative "$schema" (the examples' "../../docs/flow.schema.json") only resolves inside
      // the repository; in a file handed to someone else it points nowhere, so it is dropped.
      const { $schema, ...rest } = flow as { $schema?: unknown };
      const portable = typeof $schema === 'string' && /^https?:\/\//.test($schema) ? flow : rest;
      return { fileName: `${id}.flow.json`, text: `${JSON.stringify(portable, null, 2)}\n` };
    },
    'flows.versions': ({ id }) => flows.versions(id),
    'flows.diff': async ({ id, from, to }) => {
      const [before, after] = await Promise.all([flows.get(id, from), flows.get(id, to)]);
      const diff = diffFlows(before.flow, after.flow, registry);
      return { from, to, summary: summarizeDiff(diff), diff };
    },
    'flows.rollback': async ({ id, version, message, by }) => {
      const saved = await flows.rollback(id, version, { author: await author(by), ...(message === undefined ? {} : { message }) });
      await restartTriggers(id);
      hub.emit({ type: 'flows.changed', flowId: id });
      return typedFlow(saved);
    },
    'flows.templates': () => loadTemplates(templatesDir),
    'flows.cost': ({ id, limit }) => projections.flowCost(id, limit),
  };
}

/**
 * The flow store hands back the stored JSON object; the contract calls it a Flow. A stored flow
 * with problems is still returned as one, its problems listed beside it.
 */
function typedFlow<T extends { flow: Record<string, unknown> }>(reply: T): Omit<T, 'flow'> & { flow: Flow } {
  return reply as unknown as Omit<T, 'flow'> & { flow: Flow };
}

/**
 * The older free-text `owner` follows the charter's owner (the charter wins), so tools that read
 * only `owner` name the same person. A flow without a charter owner keeps its own.
 */
function withCharterOwner<T extends Record<string, unknown>>(flow: T): T {
  const name = (flow.charter as { owner?: { name?: unknown } } | undefined)?.owner?.name;
  return typeof name === 'string' && name.trim() !== '' && flow.owner !== name.trim() ? { ...flow, owner: name.trim() } : flow;
}
