/**
 * The CLI's commands. Each one is a thin shell over the engine; output wording lives in format.ts,
 * names, options and help in command-specs.ts. main.ts loads this file only to run a command
 * (never for --help), and `serve` loads the web bridge only when it runs.
 */
import {
  ATTENTION_CHOICES,
  forkRun,
  loadFlowFile,
  replayRun,
  isBlobRef,
  summarize,
  publicSummary,
  validateFlowText,
  resolveDataDir,
  type AttentionChoice,
  type FileTraceStore,
  type RunEvent,
  type RunOutcome,
  type QuarantineNotice,
  TraceQuarantinedError,
  type RunIndex,
  type RunIndexQuery,
} from '../engine/index.ts';
import { readFile } from 'node:fs/promises';
import { interruptSignal, loadTarget, openEngine, readInput, registry, traceSource, UsageError, type CommandContext } from './context.ts';
import { specs, type CommandName, type CommandSpec } from './command-specs.ts';
import { DEFAULT_PORT } from './default-port.ts';
import { reviewersCommand } from './reviewers-command.ts';
import { spawn } from 'node:child_process';
import { credentialsCommand } from './credential-commands.ts';
import { flowsCommand } from './flow-commands.ts';
import { statusCommand } from './status-command.ts';
import { exportCommand } from './export-command.ts';
import { importCommand } from './import-command.ts';
import { aiTotal, describeEvent, outcomeText, replayText, runsTable, timeline } from './format.ts';
import { inboxCommand } from './inbox-command.ts';
import { alertsCommand } from './alerts-command.ts';

export interface Command extends CommandSpec {
  run(ctx: CommandContext): Promise<number>;
}

const OK = 0;
const FAILED = 1;
const INVALID = 2;
const ATTENTION = 3;

function exitFor(outcome: RunOutcome): number {
  if (outcome.status === 'succeeded') return OK;
  if (outcome.status === 'needs-attention' || outcome.status === 'paused') return ATTENTION;
  return FAILED;
}

function one(ctx: CommandContext, what: string): string {
  const [value, extra] = ctx.positionals;
  if (value === undefined) throw new UsageError(`Missing ${what}.`);
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
  return value;
}

/** `tracePath` comes from the file store's explicit method: the outcome itself carries no path. */
function outcomeJson(outcome: RunOutcome, store: FileTraceStore): string {
  return JSON.stringify({ runId: outcome.runId, status: outcome.status, tracePath: store.locate(outcome.runId), outputs: outcome.outputs, ...(outcome.error ? { error: outcome.error } : {}), ...(outcome.attention ? { attention: outcome.attention } : {}) }, null, 2);
}

/** Every set-aside trace: those the index found damaged now, and those set aside before (by any process). */
async function setAsideRuns(runIndex: RunIndex, store: FileTraceStore): Promise<QuarantineNotice[]> {
  const found = new Map<string, QuarantineNotice>();
  await runIndex.discover();
  for (const q of [...(await store.setAside()), ...runIndex.quarantined()]) if (!found.has(q.movedTo)) found.set(q.movedTo, q);
  return [...found.values()];
}

/** One plain sentence about a damaged trace: which run, why, and where the file is now. */
export function setAsideText(q: QuarantineNotice): string {
  return q.moved
    ? `The trace of run ${q.runId} is damaged (${q.reason}); it was set aside${q.setAsideAt ? ` on ${q.setAsideAt.replace('T', ' ').slice(0, 19)} UTC` : ''} to ${q.movedTo}, so no other run is affected.`
    : `The trace of run ${q.runId} is damaged (${q.reason}) and could not be set aside (the data folder may be read-only); it was left at ${q.movedTo}. The other runs are not affected.`;
}

/** Prints events as they happen (stderr), so stdout stays the result. */
function progress(ctx: CommandContext, names: Map<string, string>) {
  if (ctx.json || ctx.values.quiet === true) return undefined;
  return (_runId: string, event: Parameters<typeof describeEvent>[0]) => {
    // One line per AI call would drown a run of many items: `run` prints the AI total instead.
    if (event.type === 'external.result' && event.kind === 'llm' && !event.error) return;
    const text = describeEvent(event, names);
    if (text && event.type !== 'run.finished') ctx.io.err(`  ${text}`);
  };
}

export const commands: Record<CommandName, Command> = {
  validate: {
    ...specs.validate,
    async run(ctx) {
      const file = one(ctx, 'the flow file to check');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        ctx.io.err(`Could not read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
        return INVALID;
      }
      const result = validateFlowText(text, registry);
      if (ctx.json) {
        ctx.io.out(JSON.stringify({ ok: result.ok, problems: result.problems }, null, 2));
      } else {
        for (const p of result.problems) (p.severity === 'error' ? ctx.io.err : ctx.io.out)(`${p.severity === 'error' ? '✖' : '!'} ${p.path}: ${p.message}`);
        if (result.ok) ctx.io.out(`✔ ${file} is a valid flow ("${result.flow.name}", ${result.flow.nodes.length} nodes).`);
        else ctx.io.err(`${file} has ${result.problems.filter((p) => p.severity === 'error').length} problem(s).`);
      }
      return result.ok ? OK : INVALID;
    },
  },

  run: {
    ...specs.run,
    async run(ctx) {
      const file = one(ctx, 'the flow file to run');
      const input = await readInput(ctx.values.input as string | undefined);
      const { flow, warnings, migratedFrom } = await loadFlowFile(file, registry);
      if (!ctx.json) {
        for (const w of warnings) ctx.io.err(`! ${w.path}: ${w.message}`);
        if (migratedFrom !== undefined) ctx.io.err(`! ${file} uses flow format ${migratedFrom}; it was upgraded in memory (save it from the app to keep the upgrade).`);
        ctx.io.err(`Running "${flow.name}"…`);
      }
      const names = new Map(flow.nodes.map((n) => [n.id, n.name ?? n.id]));
      const show = progress(ctx, names);
      const aiCalls: RunEvent[] = [];
      const { engine, store } = openEngine(ctx, (runId, event) => {
        if (event.type === 'external.result' && event.kind === 'llm') aiCalls.push(event);
        show?.(runId, event);
      });
      const interrupt = interruptSignal(ctx.io);
      try {
        const outcome = await engine.startRun(flow, { input, signal: interrupt.signal, startedBy: 'cli' });
        const ai = ctx.json ? undefined : aiTotal(aiCalls);
        ctx.io.out(ctx.json ? outcomeJson(outcome, store) : `${outcomeText(outcome, store.locate(outcome.runId))}${ai ? `\n  ${ai}` : ''}`);
        return exitFor(outcome);
      } finally {
        interrupt.dispose();
      }
    },
  },

  resume: {
    ...specs.resume,
    async run(ctx) {
      const [runId] = ctx.positionals;
      const choice = ctx.values.choice as string | undefined;
      if (choice !== undefined && !(ATTENTION_CHOICES as readonly string[]).includes(choice)) {
        throw new UsageError(`"${choice}" is not a choice. Choose one of: ${ATTENTION_CHOICES.join(', ')}.`);
      }
      if (choice !== undefined && runId === undefined) throw new UsageError('--choice needs the run id it answers.');
      const { engine, store, runIndex } = openEngine(ctx, progress(ctx, new Map()));
      const interrupt = interruptSignal(ctx.io);
      try {
        if (runId !== undefined) {
          const outcome = await engine.resume(runId, { signal: interrupt.signal, ...(choice ? { choice: choice as AttentionChoice, by: (ctx.values.by as string | undefined) ?? process.env.USER ?? 'cli' } : {}) });
          ctx.io.out(ctx.json ? outcomeJson(outcome, store) : outcomeText(outcome, store.locate(outcome.runId)));
          return exitFor(outcome);
        }
        // The run index says which runs were left running or wait for a decision (no trace is parsed for it).
        const { resumed, skipped } = await engine.resumeAll({ signal: interrupt.signal, running: await runIndex.list({ status: 'running' }) });
        const waiting = await runIndex.list({ status: 'needs-attention' });
        const quarantined = await setAsideRuns(runIndex, store);
        if (ctx.json) {
          ctx.io.out(JSON.stringify({ resumed: resumed.map((o) => ({ runId: o.runId, status: o.status, tracePath: store.locate(o.runId) })), skipped, needsAttention: waiting.map((r) => ({ runId: r.runId, reason: r.attention })), setAside: quarantined }, null, 2));
        } else {
          // A damaged trace is never skipped without a word: which run, why, where it is now.
          for (const q of quarantined) ctx.io.err(`! ${setAsideText(q)}`);
          if (resumed.length === 0) ctx.io.out('No interrupted runs to continue.');
          for (const outcome of resumed) ctx.io.out(outcomeText(outcome, store.locate(outcome.runId)));
          for (const s of skipped) ctx.io.out(`Skipped ${s.runId}: ${s.reason}`);
          for (const r of waiting) ctx.io.out(`Run ${r.runId} waits for a decision: ${r.attention ?? ''}\n  Answer with: flowkeeper resume ${r.runId} --choice <${ATTENTION_CHOICES.join('|')}>`);
        }
        return resumed.some((o) => o.status === 'failed' || o.status === 'cancelled') ? FAILED : waiting.length > 0 ? ATTENTION : OK;
      } finally {
        interrupt.dispose();
      }
    },
  },

  replay: {
    ...specs.replay,
    async run(ctx) {
      const target = one(ctx, 'the run id or trace file to replay');
      const flowFile = ctx.values.flow as string | undefined;
      const flow = flowFile ? (await loadFlowFile(flowFile, registry)).flow : undefined;
      const from = ctx.values.from as string | undefined;
      if (from !== undefined) {
        const { engine, store } = openEngine(ctx, progress(ctx, new Map()));
        const interrupt = interruptSignal(ctx.io);
        try {
          const outcome = await forkRun(engine, await traceSource(store, target), from, { ...(flow ? { flow } : {}), signal: interrupt.signal, startedBy: 'cli' });
          ctx.io.out(ctx.json ? outcomeJson(outcome, store) : outcomeText(outcome, store.locate(outcome.runId)));
          return exitFor(outcome);
        } finally {
          interrupt.dispose();
        }
      }
      const { store } = openEngine(ctx);
      const report = await replayRun(store, registry, await traceSource(store, target), flow ? { flow } : {});
      ctx.io.out(ctx.json ? JSON.stringify(report, null, 2) : replayText(report));
      return report.identical ? OK : FAILED;
    },
  },

  runs: {
    ...specs.runs,
    async run(ctx) {
      if (ctx.positionals.length > 0) throw new UsageError(`Unexpected argument "${ctx.positionals[0]}".`);
      const limit = Number(ctx.values.limit ?? 50);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number of at least 1.');
      // From the run index (rebuilt from the traces when missing), not by reading every trace.
      const { runIndex, store } = openEngine(ctx);
      const status = ctx.values.status as RunIndexQuery['status'];
      const flowId = ctx.values.flow as string | undefined;
      const filtered = (await runIndex.list({ ...(status !== undefined ? { status } : {}), ...(flowId !== undefined ? { flowId } : {}), limit })).map(publicSummary);
      const quarantined = await setAsideRuns(runIndex, store);
      if (ctx.json) ctx.io.out(JSON.stringify({ runs: filtered, quarantined }, null, 2));
      else {
        ctx.io.out(runsTable(filtered));
        for (const q of quarantined) ctx.io.err(`! ${setAsideText(q)}`);
      }
      return OK;
    },
  },

  reviewers: reviewersCommand,

  serve: {
    ...specs.serve,
    async run(ctx) {
      if (ctx.positionals.length > 0) throw new UsageError(`Unexpected argument "${ctx.positionals[0]}".`);
      const port = ctx.values.port === undefined ? DEFAULT_PORT : Number(ctx.values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a whole number from 0 to 65535.');
      const host = ctx.values.host as string | undefined;
      const dataDir = resolveDataDir(ctx.values['data-dir'] as string | undefined);
      if (host !== undefined && !['127.0.0.1', '::1', 'localhost'].includes(host)) {
        ctx.io.err(`! Listening on ${host}: anyone who can reach this address and has the link can run flows and see credentials' names. Use only on a network you trust.`);
      }
      const { startBridge } = await import('./serve.ts');
      const bridge = await startBridge({
        dataDir,
        port,
        ...(host ? { host, allowRemote: true } : {}),
        ...(ctx.values['static-dir'] ? { staticDir: ctx.values['static-dir'] as string } : {}),
        newKey: ctx.values['new-key'] === true,
      });
      if (ctx.json) ctx.io.out(JSON.stringify({ url: bridge.url, port: bridge.port, dataDir }));
      else {
        const about =
          ctx.values['new-key'] === true
            ? 'it contains a new access key; links with the old key no longer work'
            : bridge.key === 'new'
              ? 'it contains the access key, which stays the same for this data folder until you start with --new-key'
              : 'the same access key as last time; --new-key replaces it';
        ctx.io.out(`Flowkeeper is running. Open this link (${about}):\n\n  ${bridge.url}\n`);
        ctx.io.out(`Data folder: ${dataDir}\nPress Ctrl-C to stop. Runs still in progress continue the next time Flowkeeper starts.`);
      }
      if (ctx.values.open === true) openInBrowser(bridge.url);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await bridge.close();
      return OK;
    },
  },

  verify: {
    ...specs.verify,
    async run(ctx) {
      const target = one(ctx, 'the run id to check, or "all"');
      const { store } = openEngine(ctx);
      const results: Array<{ runId: string; ok: boolean; text: string }> = [];
      const check = async (runId: string) => {
        try {
          const trace = await store.load(runId);
          const unsealed = trace.tornTail?.unsealedLines;
          const torn = !trace.tornTail
            ? ''
            : unsealed
              ? ` The last ${unsealed === 1 ? 'line was' : `${unsealed} lines were`} written without the hash that seals ${unsealed === 1 ? 'it' : 'them'} (the process stopped mid-write); ${unsealed === 1 ? 'it is' : 'they are'} ignored.`
              : ' The last line was cut short by a crash; it is ignored.';
          results.push(
            trace.chained
              ? { runId, ok: true, text: `✔ ${runId}: intact — ${trace.events.length} events, each line's hash checked, and the flow matches its hash.${torn}` }
              : { runId, ok: true, text: `! ${runId}: readable, but recorded before Flowkeeper chained hashes, so edits to its events cannot be detected (its flow matches its hash).${torn}` },
          );
        } catch (error) {
          if (!(error instanceof TraceQuarantinedError)) throw error;
          results.push({ runId, ok: false, text: `✖ ${setAsideText(error.notice)}` });
        }
      };
      if (target === 'all') {
        const { runs, quarantined } = await store.list();
        for (const run of [...runs].reverse()) await check(run.runId);
        for (const q of quarantined) results.push({ runId: q.runId, ok: false, text: `✖ ${setAsideText(q)}` });
        if (results.length === 0) results.push({ runId: '', ok: true, text: 'There are no runs to check.' });
      } else {
        await check(target);
      }
      const ok = results.every((r) => r.ok);
      if (ctx.json) ctx.io.out(JSON.stringify({ ok, results }, null, 2));
      else {
        for (const r of results) (r.ok ? ctx.io.out : ctx.io.err)(r.text);
        if (target === 'all') ctx.io.out(ok ? `All ${results.length} traces are intact.` : `${results.filter((r) => !r.ok).length} of ${results.length} traces are damaged.`);
      }
      return ok ? OK : FAILED;
    },
  },
  credentials: credentialsCommand,
  flows: flowsCommand,
  status: statusCommand,
  export: exportCommand,
  import: importCommand,
  inbox: {
    ...specs.inbox,
    run: inboxCommand,
  },
  alerts: {
    ...specs.alerts,
    run: alertsCommand,
  },

  trace: {
    ...specs.trace,
    async run(ctx) {
      const target = one(ctx, 'the run id or trace file');
      const { store } = openEngine(ctx);
      const trace = await loadTarget(store, target);
      if (ctx.json) {
        ctx.io.out(JSON.stringify({ summary: summarize(trace), header: trace.header, events: trace.events, ...(trace.tornTail ? { tornTail: trace.tornTail } : {}) }, null, 2));
        return OK;
      }
      const header = { ...trace.header, flow: await store.getPayload(trace.header.flow) };
      // AI answers stored aside (very long ones) are read back so their tokens and cost count.
      const events = await Promise.all(
        trace.events.map(async (e) => (e.type === 'external.result' && e.kind === 'llm' && isBlobRef(e.result) ? { ...e, result: await store.getPayload(e.result) } : e)),
      );
      ctx.io.out(timeline(header, events, ctx.values.verbose === true));
      if (trace.tornTail) ctx.io.out(`\n(The last line was cut short — the process stopped mid-write. It is ignored; "flowkeeper resume" continues the run.)`);
      return OK;
    },
  },
};

function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    spawn(command, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  } catch {
    /* the link is printed; opening it is a convenience */
  }
}
