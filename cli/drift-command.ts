/**
 * `flowkeeper drift check <flowId>` and `flowkeeper drift status <flowId>` (engine/drift/): check a
 * flow's live version against its reference runs now — reads live, writes and (unless the
 * charter's drift settings say `liveAi`) AI calls answered from the recording — and print the
 * sentences; or print the schedule and the last checks. Reads the data folder directly (like
 * `export`), so it works whether or not the app is open. The check is recorded with the others;
 * alerts are raised by the process that keeps them (the app or `flowkeeper serve`), at its
 * scheduled checks.
 *
 * Exit codes: 0 nothing changed, 1 drift found, 2 the check could not run, no references, or bad usage.
 */
import { ApiError } from '../engine/model/contract.ts';
import type { DriftCheckResult, DriftStatus } from '../engine/model/drift.ts';
import { dataDirStores, fetchTransport, resolveDataDir } from '../engine/index.ts';
import { DriftChecks } from '../engine/drift/drift-checks.ts';
import { DriftStore } from '../engine/drift/drift-store.ts';
import { ActiveFlows } from '../engine/triggers/active-flows.ts';
import type { Command } from './commands.ts';
import { EXIT, specs } from './command-specs.ts';
import { registry, UsageError, type CommandContext } from './context.ts';

function checks(ctx: CommandContext): DriftChecks {
  const data = dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry });
  const active = new ActiveFlows(data.layout.triggers);
  return new DriftChecks({
    flows: data.flows,
    references: data.references,
    store: new DriftStore(data.layout.drift),
    registry,
    secrets: data.vault,
    http: fetchTransport,
    clock: { now: () => Date.now(), monotonic: () => performance.now(), setTimer: (ms, fn) => { const t = setTimeout(fn, ms); return () => clearTimeout(t); } },
    active: () => active.read(),
  });
}

export function checkText(flowId: string, r: DriftCheckResult): string[] {
  const refs = `${r.references.length} reference run${r.references.length === 1 ? '' : 's'}`;
  const lines: string[] = [];
  switch (r.outcome) {
    case 'unchanged':
      lines.push(`No drift: “${flowId}” (version ${r.flowVersion}) answers as in its ${refs}.`);
      break;
    case 'drift':
      lines.push(`Drift found in “${flowId}” (version ${r.flowVersion}) against its ${refs}:`);
      for (const s of r.sentences) lines.push(`  - ${s}`);
      break;
    case 'could-not-run':
      lines.push(`The drift check of “${flowId}” could not run:`);
      for (const p of (r.problem ?? '').split('\n').filter((l) => l !== '')) lines.push(`  - ${p}`);
      break;
    case 'no-references':
      lines.push(r.problem ?? 'The flow has no reference runs yet.');
      break;
  }
  if (r.outcome === 'drift' && r.problem) for (const p of r.problem.split('\n')) lines.push(`  (not judged) ${p}`);
  const notes = [...new Set(r.references.flatMap((ref) => ref.notes))];
  for (const n of notes) lines.push(`Note: ${n}`);
  if (!r.liveAi && r.outcome !== 'no-references') lines.push('AI steps were answered from the recording (live AI checks are off in the flow\'s drift settings).');
  return lines;
}

function statusText(s: DriftStatus): string[] {
  const lines: string[] = [];
  lines.push(s.schedule ? `Schedule: ${s.schedule.cron}${s.schedule.timeZone ? ` (${s.schedule.timeZone})` : ''}${s.schedule.liveAi ? ', AI steps checked live' : ''}` : 'Schedule: none');
  if (s.nextCheckAt) lines.push(`Next check: ${s.nextCheckAt}`);
  if (s.note) lines.push(s.note);
  // The CLI cannot set one: say where it is set.
  if (!s.schedule) lines.push('To check on a schedule, set one in the app: the flow page, Overview tab, "Drift check" (a cron line such as 0 6 * * 1).');
  lines.push(`Reference runs: ${s.references}`);
  if (s.results.length === 0) lines.push(`No drift check has run yet. Run one with: flowkeeper drift check ${s.flowId}`);
  for (const r of s.results) {
    const what = r.outcome === 'drift' ? `drift (${r.sentences.length} change${r.sentences.length === 1 ? '' : 's'})` : r.outcome === 'unchanged' ? 'no drift' : r.outcome === 'could-not-run' ? 'could not run' : 'no references';
    lines.push(`${r.at}  ${r.by === 'schedule' ? 'scheduled' : 'by hand  '}  version ${r.flowVersion}  ${what}${r.missed ? ` (caught up ${r.missed} missed)` : ''}`);
    for (const sentence of r.sentences.slice(0, 10)) lines.push(`    - ${sentence}`);
  }
  return lines;
}

export const driftCommand: Command = {
  ...specs.drift,
  async run(ctx) {
    const [sub, flowId, extra] = ctx.positionals;
    if (sub !== 'check' && sub !== 'status') throw new UsageError(sub === undefined ? 'Say what to do: flowkeeper drift check <flowId> | status <flowId>.' : `Unknown drift command "${sub}". Use check or status.`);
    if (flowId === undefined) throw new UsageError(`Name the flow: flowkeeper drift ${sub} <flowId> (flowkeeper status lists them).`);
    if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
    const drift = checks(ctx);
    try {
      if (sub === 'status') {
        const status = await drift.status(flowId);
        if (ctx.json) ctx.io.out(JSON.stringify(status, null, 2));
        else for (const line of statusText(status)) ctx.io.out(line);
        return EXIT.ok;
      }
      const result = await drift.check(flowId, 'person');
      const unchecked = result.outcome === 'could-not-run' || result.outcome === 'no-references';
      if (ctx.json) ctx.io.out(JSON.stringify(result, null, 2));
      else for (const line of checkText(flowId, result)) (unchecked ? ctx.io.err : ctx.io.out)(line);
      return result.outcome === 'drift' ? EXIT.failed : unchecked ? EXIT.invalid : EXIT.ok;
    } catch (error) {
      if (error instanceof ApiError) {
        ctx.io.err(`${error.message}${error.hint ? `\n  What to do: ${error.hint}` : ''}`);
        return EXIT.invalid;
      }
      throw error;
    }
  },
};
