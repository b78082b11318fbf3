/**
 * `flowkeeper flows activate|deactivate|status`: switches flows on and off in the data folder
 * (triggers/active.json). The process that runs triggers — the desktop app or `flowkeeper serve`
 * on the same folder — follows the change at once; without one, the flow fires from its next start.
 */
import { ActiveFlows, ApiError, assertReady, dataDirStores, resolveDataDir, selfFiringTriggers } from '../engine/index.ts';
import type { Command } from './commands.ts';
import { specs } from './command-specs.ts';
import { registry, UsageError, type CommandContext } from './context.ts';

export const flowsCommand: Command = {
  ...specs.flows,
  async run(ctx) {
    try {
      return await flows(ctx);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      ctx.io.err(ctx.json ? JSON.stringify({ error: error.toInfo() }, null, 2) : `${error.message}${error.hint ? `\n${error.hint}` : ''}`);
      return 2;
    }
  },
};

async function flows(ctx: CommandContext): Promise<number> {
  const [action, id, extra] = ctx.positionals;
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
  const data = dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry });
  const active = new ActiveFlows(data.layout.triggers);
  switch (action) {
    case 'activate':
    case 'deactivate': {
      if (id === undefined) throw new UsageError(`Missing the id of the flow to ${action === 'activate' ? 'switch on' : 'switch off'}.`);
      if (action === 'activate') {
        const flow = await data.flows.runnable(id);
        // The same production checklist as flows.activate: each missing item, exit 2.
        assertReady(flow, registry);
        const triggers = selfFiringTriggers(flow, registry);
        await active.set(id, true, new Date());
        ctx.io.out(
          ctx.json
            ? JSON.stringify({ flowId: id, active: true, triggers: triggers.map((t) => ({ nodeId: t.nodeId, type: t.def.type })) })
            : `Switched on "${flow.name}" (${triggers.map((t) => t.def.title).join(', ')}). It fires while the desktop app or "flowkeeper serve" runs on this data folder.`,
        );
      } else {
        await data.flows.get(id);
        const changed = await active.set(id, false, new Date());
        ctx.io.out(ctx.json ? JSON.stringify({ flowId: id, active: false }) : changed ? `Switched off "${id}". Runs in progress continue.` : `"${id}" was not switched on.`);
      }
      return 0;
    }
    case 'status': {
      if (id !== undefined) throw new UsageError(`Unexpected argument "${id}".`);
      const flows = await active.read();
      if (ctx.json) ctx.io.out(JSON.stringify(Object.entries(flows).map(([flowId, f]) => ({ flowId, ...f })), null, 2));
      else if (Object.keys(flows).length === 0) ctx.io.out('No flow is switched on. Switch one on with: flowkeeper flows activate <flowId>');
      else for (const [flowId, f] of Object.entries(flows)) ctx.io.out(`${flowId.padEnd(32)} on since ${f.activatedAt}`);
      return 0;
    }
    default:
      throw new UsageError(action === undefined ? 'Say what to do: activate, deactivate or status.' : `Unknown action "${action}": use activate, deactivate or status.`);
  }
}
