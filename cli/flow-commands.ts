/**
 * `flowkeeper flows activate|deactivate|status`: switches flows on and off in the data folder
 * (triggers/active.json). The process that runs triggers — the desktop app or `flowkeeper serve`
 * on the same folder — follows the change at once; without one, the flow fires from its next start.
 *
 * `flowkeeper flows versions|diff|rollback`: the flow's saved versions (engine/flow-store.ts),
 * compared in plain words (engine/model/flow-diff.ts); a rollback is a new version.
 *
 * `flowkeeper flows import <flow.json>`: saves a flow file into the data folder (checked first,
 * nothing saved when it has problems; a flow with the same id only with --overwrite, as its next
 * version), so a machine without the app can be set up from files: import, activate, serve.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ActiveFlows, ApiError, assertReady, dataDirStores, describeDiff, diffFlows, resolveDataDir, selfFiringTriggers, summarizeDiff } from '../engine/index.ts';
import type { Command } from './commands.ts';
import { specs } from './command-specs.ts';
import { registry, UsageError, type CommandContext } from './context.ts';
import { unreadableFileWhy } from './unreadable-file.ts';

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
  const [action, id, ...more] = ctx.positionals;
  const wanted = action === 'diff' ? 2 : action === 'rollback' ? 1 : 0;
  if (action === 'import') return importFlow(ctx, id, more);
  if (more.length > wanted) throw new UsageError(`Unexpected argument "${more[wanted]}".`);
  const data = dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry });
  const active = new ActiveFlows(data.layout.triggers);
  switch (action) {
    case 'activate':
    case 'deactivate': {
      if (id === undefined) throw new UsageError(`Missing the id of the flow to ${action === 'activate' ? 'switch on' : 'switch off'}.`);
      if (action === 'activate') {
        const pin = ctx.values.version === undefined ? undefined : versionArg(ctx.values.version as string, 'chosen');
        const flow = await data.flows.runnable(id, pin);
        // The same production checklist as flows.activate, of the version that is to run: each missing item, exit 2.
        assertReady(flow, registry);
        const triggers = selfFiringTriggers(flow, registry);
        await active.set(id, true, new Date(), pin);
        const which = pin === undefined ? `Version ${flow.version} runs, and each new save takes over.` : `Version ${pin} runs; later saves change nothing until you switch it on again.`;
        ctx.io.out(
          ctx.json
            ? JSON.stringify({ flowId: id, active: true, ...(pin === undefined ? {} : { version: pin, pinned: true }), triggers: triggers.map((t) => ({ nodeId: t.nodeId, type: t.def.type })) })
            : `Switched on "${flow.name}" (${triggers.map((t) => t.def.title).join(', ')}). ${which} It fires while the desktop app or "flowkeeper serve" runs on this data folder.`,
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
      else {
        for (const [flowId, f] of Object.entries(flows)) {
          const latest = await data.flows.get(flowId).then(({ flow }) => Number(flow.version ?? 1), () => undefined);
          const runs = f.version === undefined ? `follows the latest version${latest === undefined ? '' : ` (${latest})`}` : `version ${f.version}${latest !== undefined && latest !== f.version ? ` (latest ${latest})` : ''}`;
          ctx.io.out(`${flowId.padEnd(32)} on since ${f.activatedAt}: ${runs}`);
        }
      }
      return 0;
    }
    case 'versions': {
      if (id === undefined) throw new UsageError('Missing the id of the flow whose versions to list.');
      const versions = await data.flows.versions(id);
      if (ctx.json) ctx.io.out(JSON.stringify(versions, null, 2));
      else {
        for (const v of versions) {
          const who = v.author ? ` by ${v.author}` : '';
          ctx.io.out(`version ${v.version}  ${v.savedAt}${who}  ${v.summary}${v.message ? `  — “${v.message}”` : ''}`);
        }
      }
      return 0;
    }
    case 'diff': {
      if (id === undefined || more.length < 2) throw new UsageError('Say which flow and which two versions: flowkeeper flows diff <flowId> <from> <to>.');
      const [from, to] = [versionArg(more[0], 'from'), versionArg(more[1], 'to')];
      const [before, after] = await Promise.all([data.flows.get(id, from), data.flows.get(id, to)]);
      const diff = diffFlows(before.flow, after.flow, registry);
      if (ctx.json) ctx.io.out(JSON.stringify({ from, to, summary: summarizeDiff(diff), diff }, null, 2));
      else ctx.io.out([`From version ${from} to version ${to} of "${String(after.flow.name ?? id)}": ${summarizeDiff(diff)}.`, ...describeDiff(diff)].join('\n'));
      return 0;
    }
    case 'rollback': {
      if (id === undefined || more.length < 1) throw new UsageError('Say which flow and which version to go back to: flowkeeper flows rollback <flowId> <version>.');
      const version = versionArg(more[0], 'version');
      const by = (ctx.values.by as string | undefined)?.trim() || (await data.settings.read()).reviewerName;
      const message = ctx.values.message as string | undefined;
      const saved = await data.flows.rollback(id, version, { author: by, ...(message === undefined ? {} : { message }) });
      ctx.io.out(
        ctx.json
          ? JSON.stringify({ flowId: id, version: saved.version, restoredFrom: version })
          : `Saved version ${saved.version} of "${String(saved.flow.name ?? id)}" with the content of version ${version}. Earlier versions are kept.`,
      );
      return 0;
    }
    default:
      throw new UsageError(action === undefined ? 'Say what to do: import, activate, deactivate, status, versions, diff or rollback.' : `Unknown action "${action}": use import, activate, deactivate, status, versions, diff or rollback.`);
  }
}

async function importFlow(ctx: CommandContext, file: string | undefined, more: string[]): Promise<number> {
  if (file === undefined) throw new UsageError('Name the flow file to save: flowkeeper flows import <flow.json>.');
  if (more.length > 0) throw new UsageError(`Unexpected argument "${more[0]}".`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Could not read the flow file ${file}: ${unreadableFileWhy(error)}.`);
  }
  const data = dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry });
  const by = (ctx.values.by as string | undefined)?.trim() || (await data.settings.read()).reviewerName;
  const message = (ctx.values.message as string | undefined)?.trim() || `Imported from ${basename(file)}`;
  try {
    const saved = await data.flows.import(text, ctx.values.overwrite === true, { ...(by ? { author: by } : {}), message });
    const id = String(saved.flow.id);
    const warnings = saved.problems.filter((p) => p.severity !== 'error');
    if (ctx.json) ctx.io.out(JSON.stringify({ flowId: id, version: saved.version, problems: saved.problems }, null, 2));
    else {
      for (const p of warnings) ctx.io.out(`! ${p.path}: ${p.message}`);
      ctx.io.out(`Saved "${String(saved.flow.name ?? id)}" (${id}) as version ${saved.version}. Switch it on with: flowkeeper flows activate ${id}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'FLOW_EXISTS' && !ctx.json) {
      ctx.io.err(`${error.message} Add --overwrite to save the file as the next version of that flow (its history is kept), or change the id in the file.`);
      return 2;
    }
    // The file's problems, each with where it is, as `flowkeeper validate` lists them.
    if (!(error instanceof ApiError) || ctx.json || !error.problems?.length) throw error;
    for (const p of error.problems) (p.severity === 'error' ? ctx.io.err : ctx.io.out)(`${p.severity === 'error' ? '✖' : '!'} ${p.path}: ${p.message}`);
    ctx.io.err(`${error.message} ${error.hint ?? ''}`.trim());
    return 2;
  }
}

/** A version number from the command line: a whole number from 1. */
function versionArg(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`The ${what} version must be a whole number from 1 (got "${text ?? ''}"); see them with: flowkeeper flows versions <flowId>.`);
  return n;
}
