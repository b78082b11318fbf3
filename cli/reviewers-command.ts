/**
 * `flowkeeper reviewers add <name> [--group g] | list | remove <name>`: people who review on the
 * web bridge, each with their own link (cli/reviewer-keys.ts). The link is printed once, at
 * `add`; only a hash of its key is kept, so a lost link is replaced by removing and adding again.
 */
import { SettingsStore, dataDirLayout, resolveDataDir } from '../engine/index.ts';
import { UsageError, type CommandContext } from './context.ts';
import { addReviewer, listReviewers, removeReviewer, ReviewerKeyError } from './reviewer-keys.ts';
import { DEFAULT_PORT } from './default-port.ts';
import type { Command } from './commands.ts';
import { specs } from './command-specs.ts';

/**
 * A reviewer's group is a settings group (`reviewerGroups`), the one the engine checks a decision
 * against, so `--group` adds them to it there and `remove` takes them out of it again.
 */
async function joinGroup(dataDir: string, group: string, name: string, join: boolean): Promise<void> {
  const settings = new SettingsStore(dataDirLayout(dataDir).settings);
  const groups = { ...(await settings.read()).reviewerGroups };
  const members = (groups[group] ?? []).filter((m) => m.trim().toLowerCase() !== name.trim().toLowerCase());
  if (join) members.push(name);
  if (members.length > 0) groups[group] = members;
  else delete groups[group];
  await settings.update({ reviewerGroups: groups });
}

function linkFor(key: string, host: string, port: number): string {
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${port}/?token=${key}`;
}

async function run(ctx: CommandContext): Promise<number> {
  const [action, name, extra] = ctx.positionals;
  const dataDir = resolveDataDir(ctx.values['data-dir'] as string | undefined);
  const fail = (error: unknown): number => {
    if (error instanceof ReviewerKeyError) {
      ctx.io.err(error.message);
      return 2;
    }
    throw error;
  };
  switch (action) {
    case 'add': {
      if (name === undefined) throw new UsageError('Missing the reviewer\'s name, e.g. flowkeeper reviewers add "Dana Smith".');
      if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}". Put a name with spaces in quotes.`);
      const port = ctx.values.port === undefined ? DEFAULT_PORT : Number(ctx.values.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port must be a whole number from 1 to 65535.');
      const host = (ctx.values.host as string | undefined) ?? '127.0.0.1';
      try {
        const group = ctx.values.group as string | undefined;
        const { reviewer, key } = await addReviewer(dataDir, { name, ...(group === undefined ? {} : { group }) });
        if (reviewer.group) await joinGroup(dataDir, reviewer.group, reviewer.name, true);
        const link = linkFor(key, host, port);
        if (ctx.json) ctx.io.out(JSON.stringify({ name: reviewer.name, group: reviewer.group, createdAt: reviewer.createdAt, link }, null, 2));
        else {
          ctx.io.out(`Added ${reviewer.name}${reviewer.group ? ` (group ${reviewer.group})` : ''}. Give them this link — it is shown only now:\n\n  ${link}\n`);
          ctx.io.out('It opens only their inbox: the items assigned to them or their group. It works while "flowkeeper serve" runs');
          ctx.io.out(`${port === DEFAULT_PORT && host === '127.0.0.1' ? '' : ` on ${host}:${port}`}, across restarts, until you run "flowkeeper reviewers remove ${reviewer.name}".`);
        }
        return 0;
      } catch (error) {
        return fail(error);
      }
    }
    case 'list': {
      if (name !== undefined) throw new UsageError(`Unexpected argument "${name}".`);
      const reviewers = await listReviewers(dataDir);
      if (ctx.json) ctx.io.out(JSON.stringify(reviewers.map((r) => ({ name: r.name, group: r.group, createdAt: r.createdAt })), null, 2));
      else if (reviewers.length === 0) ctx.io.out('No reviewers yet. Add one with: flowkeeper reviewers add <name> [--group <group>]');
      else {
        const width = Math.max(4, ...reviewers.map((r) => r.name.length));
        ctx.io.out(`${'NAME'.padEnd(width)}  ${'GROUP'.padEnd(12)}  ADDED`);
        for (const r of reviewers) ctx.io.out(`${r.name.padEnd(width)}  ${(r.group ?? '—').padEnd(12)}  ${r.createdAt.replace('T', ' ').slice(0, 16)} UTC`);
      }
      return 0;
    }
    case 'remove': {
      if (name === undefined) throw new UsageError('Missing the name of the reviewer to remove.');
      if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}". Put a name with spaces in quotes.`);
      try {
        const removed = await removeReviewer(dataDir, name);
        if (removed.group) await joinGroup(dataDir, removed.group, removed.name, false);
        if (ctx.json) ctx.io.out(JSON.stringify({ removed: removed.name }));
        else ctx.io.out(`Removed ${removed.name}: their link stops working now, also in a browser tab that is already open.`);
        return 0;
      } catch (error) {
        return fail(error);
      }
    }
    case undefined:
      throw new UsageError('Say what to do: add, list or remove.');
    default:
      throw new UsageError(`Unknown action "${action}". Use add, list or remove.`);
  }
}

export const reviewersCommand: Command = {
  ...specs.reviewers,
  run,
};
