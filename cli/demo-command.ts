/**
 * Demo mode on the command line (engine/demo/): `flowkeeper run <flow.json> --demo <runId|bundle>`
 * and `flowkeeper demo <bundle>`. Every outside call is answered from a recorded run — a run of
 * this data folder, a stored reference run of the flow, or a reference inside a hand-over bundle
 * file — so a consultant can show a flow anywhere, offline, with no credentials: nothing is sent,
 * no keychain is opened. `demo <bundle>` imports nothing; the only thing written to the data
 * folder is the demo run itself (its trace in runs/, marked as a demo). Output says DEMO first.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { validateFlow, type Flow, type RunEvent, type RunOutcome } from '../engine/index.ts';
import { readBundleBytes } from '../engine/handover/index.ts';
import type { HandoverBundle } from '../engine/model/handover-bundle.ts';
import { demoFromBundle, findDemoReference, type DemoReference } from '../engine/demo/demo-reference.ts';
import { specs } from './command-specs.ts';
import { interruptSignal, openEngine, readInput, registry, UsageError, type CommandContext } from './context.ts';
import { demoSourceText, describeEvent, outcomeText } from './format.ts';
import { unreadableFileWhy } from './unreadable-file.ts';

/** A `--demo` value that names a file rather than a run id. */
function isBundlePath(target: string): boolean {
  return /\.(fkbundle|gz|json)$/i.test(target) || target.includes('/') || target.includes('\\');
}

async function readBundleFile(path: string): Promise<HandoverBundle> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`Could not read the hand-over bundle ${path}: ${unreadableFileWhy(error)}.`);
  }
  return readBundleBytes(bytes);
}

// The DEMO line's words live with the trace's (format.ts), so `run --demo` and `trace` say the same.
export { demoSourceText };

/** Runs `flow` as a demo answered from `reference` and prints the outcome, marked DEMO. */
async function runDemo(ctx: CommandContext, flow: Flow, reference: DemoReference, input: unknown): Promise<number> {
  const names = new Map(flow.nodes.map((n) => [n.id, n.name ?? n.id]));
  const quiet = ctx.json || ctx.values.quiet === true;
  const aiCalls: RunEvent[] = [];
  if (!ctx.json) ctx.io.err(`Running "${flow.name}" as a demo, answered from ${demoSourceText(reference.origin)}…`);
  const { engine, store } = openEngine(ctx, (_runId, event) => {
    if (event.type === 'external.result' && event.kind === 'llm') aiCalls.push(event);
    if (quiet || (event.type === 'external.result' && event.kind === 'llm' && !event.error)) return;
    const text = describeEvent(event, names);
    if (text && event.type !== 'run.finished') ctx.io.err(`  ${text}`);
  });
  const interrupt = interruptSignal(ctx.io);
  let outcome: RunOutcome;
  try {
    outcome = await engine.startRun(flow, { demo: reference, ...(input === undefined ? {} : { input }), signal: interrupt.signal, startedBy: 'cli' });
  } finally {
    interrupt.dispose();
  }
  const banner = `DEMO — answered from ${demoSourceText(reference.origin)}, nothing was sent.`;
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ demo: reference.origin, runId: outcome.runId, status: outcome.status, tracePath: store.locate(outcome.runId), outputs: outcome.outputs, ...(outcome.error ? { error: outcome.error } : {}) }, null, 2));
  } else {
    const ai = aiCalls.length > 0 ? `AI: ${aiCalls.length} call${aiCalls.length === 1 ? '' : 's'} answered from the recording, nothing paid` : undefined;
    ctx.io.out(`${banner}\n${outcomeText(outcome, store.locate(outcome.runId))}${ai ? `\n  ${ai}` : ''}`);
  }
  return outcome.status === 'succeeded' ? 0 : 1;
}

function demoInput(ctx: CommandContext): Promise<unknown> {
  // No --input: the recording's own input, so the demo "just works".
  return ctx.values.input === undefined ? Promise.resolve(undefined) : readInput(ctx.values.input as string);
}

/** `flowkeeper run <flow.json> --demo <runId|bundle>`: the flow file, answered from that recording. */
export async function runFlowAsDemo(ctx: CommandContext, flow: Flow): Promise<number> {
  const target = ctx.values.demo as string;
  const chosen = ctx.values.reference as string | undefined;
  let reference: DemoReference;
  if (isBundlePath(target)) {
    const bundle = await readBundleFile(target);
    if (bundle.flow.id !== flow.id) throw new UsageError(`The hand-over bundle ${target} is of flow “${bundle.flow.id}”, not “${flow.id}”, so its recordings cannot answer this flow. Run it with: flowkeeper demo ${target}`);
    reference = demoFromBundle(bundle, basename(target), chosen);
  } else {
    const { store, references } = openEngine(ctx);
    reference = await findDemoReference({ store, references, flowId: flow.id, runId: target });
  }
  return runDemo(ctx, flow, reference, await demoInput(ctx));
}

export const demoCommand = {
  ...specs.demo,
  async run(ctx: CommandContext): Promise<number> {
    const [file, extra] = ctx.positionals;
    if (file === undefined) throw new UsageError('Name the hand-over bundle to demo: flowkeeper demo <file.fkbundle>. To demo a flow file from one of its runs: flowkeeper run <flow.json> --demo <runId>.');
    if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}". Choose a reference run with --reference <runId>.`);
    const bundle = await readBundleFile(file);
    const checked = validateFlow(bundle.flow, registry);
    if (!checked.ok) {
      for (const p of checked.problems.filter((q) => q.severity === 'error')) ctx.io.err(`✖ ${p.path}: ${p.message}`);
      ctx.io.err(`The flow in ${file} has problems this Flowkeeper cannot run (a newer version may have made it).`);
      return 2;
    }
    const reference = demoFromBundle(bundle, basename(file), ctx.values.reference as string | undefined);
    return runDemo(ctx, checked.flow, reference, await demoInput(ctx));
  },
};
