/**
 * `flowkeeper inbox list | show <id> | decide <id>`: the reviewers' inbox on the command line.
 * Reads the inbox index without keeping it (read-only: a running app may hold it), decides under
 * the run's lease like any process, and marks the index for a rebuild after a change.
 */
import {
  ApiError,
  DecisionRefused,
  Engine,
  InboxIndex,
  bridgeBase,
  inboxItemLink,
  runListerOf,
  dataDirStores,
  inboxItemDetail,
  invalidateInboxIndex,
  publicItem,
  resolveDataDir,
  type InboxItem,
  type InboxItemDetail,
} from '../engine/index.ts';
import { registry, UsageError, type CommandContext } from './context.ts';
import { DEFAULT_PORT } from './default-port.ts';

const OK = 0;
const FAILED = 1;

function stores(ctx: CommandContext) {
  return dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry });
}

const REFUSED = 2;

export async function inboxCommand(ctx: CommandContext): Promise<number> {
  try {
    return await inboxSubcommand(ctx);
  } catch (error) {
    // A refused decision or an unknown item: plain words and what to do, no stack.
    if (error instanceof DecisionRefused || error instanceof ApiError) {
      ctx.io.err(`${error.message}${error.hint ? `\n  What to do: ${error.hint}` : ''}`);
      return REFUSED;
    }
    throw error;
  }
}

async function inboxSubcommand(ctx: CommandContext): Promise<number> {
  const [sub, id, extra] = ctx.positionals;
  if (sub === 'list') {
    if (id !== undefined) throw new UsageError(`Unexpected argument "${id}". Filter with --flow or --assignee.`);
    return list(ctx);
  }
  if (sub === 'show' || sub === 'decide') {
    if (id === undefined) throw new UsageError(`Missing the inbox item id. List them with "flowkeeper inbox list".`);
    if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
    return sub === 'show' ? show(ctx, id) : decide(ctx, id);
  }
  throw new UsageError(sub === undefined ? 'Say what to do: flowkeeper inbox list | show <id> | decide <id> --outcome <outcome>.' : `Unknown inbox command "${sub}". Use list, show or decide.`);
}

async function list(ctx: CommandContext): Promise<number> {
  const data = stores(ctx);
  const runs = await runListerOf(data.runIndex, data.layout.runIndex);
  const index = new InboxIndex({ dir: data.layout.inbox, traces: data.traces, ...(runs ? { runs } : {}), readOnly: true });
  await index.load();
  const groups = (await data.settings.read()).reviewerGroups;
  const now = Date.now();
  const filter = {
    ...(ctx.values.flow === undefined ? {} : { flowId: ctx.values.flow as string }),
    ...(ctx.values.assignee === undefined ? {} : { assignee: ctx.values.assignee as string }),
  };
  const items = index.list(filter, groups, now).map((item) => publicItem(item, now));
  if (ctx.json) {
    ctx.io.out(JSON.stringify(items.map((item) => ({ ...item, links: itemLinks(item.id) })), null, 2));
    return OK;
  }
  if (items.length === 0) {
    ctx.io.out(Object.keys(filter).length === 0 ? 'Nothing waits for a review.' : 'Nothing waits for a review with these filters.');
    return OK;
  }
  for (const item of items) ctx.io.out(listLine(item));
  ctx.io.out(`\n${items.length} item${items.length === 1 ? '' : 's'} wait${items.length === 1 ? 's' : ''} for a review. Show one with: flowkeeper inbox show <id>`);
  return OK;
}

function listLine(item: InboxItem): string {
  const who = item.assignee ? `for ${item.assignee}` : 'for anyone';
  const due = item.dueAt ? (item.overdue ? `OVERDUE since ${item.dueAt}` : `due ${item.dueAt}`) : 'no due time';
  return `${item.id}\n  ${item.title} — ${item.flowName} › ${item.stepName}, ${who}, ${due}`;
}

/**
 * Where a person opens the item: the desktop app's address, and the web bridge's on this machine
 * (`flowkeeper serve` on its default port) — without any key, so output that ends up in a log
 * holds none; the browser tab that opened the reviewer's own link has it.
 */
function itemLinks(id: string): { app: string; bridge: string } {
  return { app: inboxItemLink(id), bridge: inboxItemLink(id, { base: bridgeBase(DEFAULT_PORT) }) };
}

async function show(ctx: CommandContext, id: string): Promise<number> {
  const data = stores(ctx);
  const detail = await inboxItemDetail(data.traces, registry, Date.now(), id);
  const links = itemLinks(detail.id);
  ctx.io.out(ctx.json ? JSON.stringify({ ...detail, links }, null, 2) : `${detailText(detail)}\n\n  Open it in the app at ${links.app}, or in a browser (flowkeeper serve) at ${links.bridge}`);
  return OK;
}

export function detailText(d: InboxItemDetail): string {
  const lines = [`${d.title}`, `  ${d.flowName} › ${d.stepName} (run ${d.runId}, item ${d.itemIndex + 1}), run ${d.runStatus}`];
  lines.push(`  Asked ${d.createdAt}${d.assignee ? `, assigned to ${d.assignee}` : ''}${d.escalatedFrom ? ` (escalated from ${d.escalatedFrom})` : ''}${d.dueAt ? `, due ${d.dueAt}${d.overdue ? ' (overdue)' : ''}` : ''}`);
  if (d.body) lines.push('', ...d.body.split('\n').map((l) => `  ${l}`));
  if (d.table && d.table.length > 0) {
    lines.push('', '  Line items:');
    for (const row of d.table) lines.push(`    ${Object.entries(row).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(' · ')}`);
  }
  if (d.ai) lines.push('', `  AI answer: ${JSON.stringify(d.ai.answer)}${d.ai.reason === undefined ? '' : `\n  AI reason: ${JSON.stringify(d.ai.reason)}`}`);
  if (d.fields.length > 0) {
    lines.push('', '  Fields you may correct (--set name=value):');
    for (const f of d.fields) lines.push(`    ${f.name} (${f.label}, ${f.type}${f.required ? ', required' : ''}${f.options ? `: ${f.options.join(' | ')}` : ''}) = ${JSON.stringify(d.values[f.name])}`);
  }
  if (d.approvals.needed > 1) lines.push('', `  Needs ${d.approvals.needed} different approvers; approved so far by: ${d.approvals.given.map((g) => g.by).join(', ') || 'nobody'}`);
  for (const decision of d.decisions) {
    lines.push('', `  Decided ${decision.outcome} by ${decision.by} at ${decision.at}${decision.comment ? `: "${decision.comment}"` : ''}`);
    for (const c of decision.changes) lines.push(`    ${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
  }
  const open = d.runStatus === 'paused' || d.runStatus === 'running';
  if (open && !d.decisions.some((x) => x.final)) {
    lines.push('', `  Outcomes: ${d.choices.map((c) => `${c.id} (${c.label})`).join(', ')}${d.commentRequiredFor.length ? `; a comment is required for ${d.commentRequiredFor.join(', ')}` : ''}`);
    lines.push(`  Decide with: flowkeeper inbox decide ${d.id} --outcome <${d.outcomes.join('|')}> [--set field=value] [--comment "…"]`);
  }
  return lines.join('\n');
}

/** `--set amount=99.5 --set note=ok`: the text after the first "=" is the value (typed by the field). */
function parseSets(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (raw as string[] | undefined) ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--set needs field=value, not "${entry}". Example: --set amount=99.5`);
    out[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return out;
}

async function decide(ctx: CommandContext, id: string): Promise<number> {
  const outcome = ctx.values.outcome as string | undefined;
  if (outcome === undefined) throw new UsageError('Say what you decide: --outcome approve, reject, or another outcome of the step (see "flowkeeper inbox show <id>").');
  const edits = parseSets(ctx.values.set);
  const data = stores(ctx);
  const settings = await data.settings.read();
  const by = (ctx.values.by as string | undefined) ?? (settings.reviewerName || process.env.USER || '');
  const ref = /^(.+):([^:]+):(\d+)$/.exec(id);
  if (!ref) throw new UsageError(`"${id}" is not an inbox item id (they look like <run id>:<step id>:<item number>). List them with "flowkeeper inbox list".`);
  const engine = new Engine({ store: data.traces, registry, secrets: data.vault, reviewerGroups: () => settings.reviewerGroups });
  try {
    const result = await engine.answerReview(ref[1]!, { kind: 'decision', requestId: id, outcome, by, ...(ctx.values.comment === undefined ? {} : { comment: ctx.values.comment as string }), ...(Object.keys(edits).length ? { edits } : {}) });
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ id, decision: result.decision, runId: result.runId, runStatus: result.status, outputs: result.outputs }, null, 2));
    } else {
      const d = result.decision!;
      ctx.io.out(`Recorded: ${d.outcome} by ${d.by}${d.comment ? ` ("${d.comment}")` : ''}.`);
      for (const c of d.changes) ctx.io.out(`  ${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
      ctx.io.out(result.status === 'paused' ? `Run ${result.runId} still waits for ${d.final ? 'other items of this step' : 'more approvals'}.` : `Run ${result.runId} continued and ${result.status}.`);
    }
    return result.status === 'failed' || result.status === 'cancelled' ? FAILED : OK;
  } finally {
    // The index of a running app (or the next start) re-reads the traces.
    await invalidateInboxIndex(data.layout.inbox);
  }
}
