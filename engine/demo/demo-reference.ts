/**
 * The recording a demo run is answered from, and where it came from: a finished run of this
 * machine (`runs/`), a stored reference run of the flow (`references/`, e.g. from an imported
 * hand-over bundle), or a reference inside a bundle file that is not imported at all. Each is
 * read as a `LoadedTrace`; the checks here are the ones a person can act on (unfinished run,
 * another flow's run, a bundle without references), in plain words.
 *
 * May import: `engine/model`, the trace store interface, the reference store.
 */
import { ApiError } from '../model/contract.ts';
import { FINAL_STATUSES, type DemoOrigin } from '../model/events.ts';
import type { HandoverBundle, ReferenceRun } from '../model/handover-bundle.ts';
import { reduceRun } from '../model/run-state.ts';
import { referenceAsTrace, type ReferenceStore } from '../handover/reference-store.ts';
import { RunNotFoundError, type LoadedTrace, type TraceStore } from '../trace/trace-store.ts';

export interface DemoReference {
  /** The recorded run; values may be side-file references of the store the demo runs on. */
  trace: LoadedTrace;
  origin: DemoOrigin;
}

function demoError(message: string, hint: string, code = 'DEMO_REFERENCE'): ApiError {
  return new ApiError({ code, message, hint });
}

/** Only a finished recording can answer a whole run; a run that still waits would answer half of one. */
function checkFinished(trace: LoadedTrace, what: string): void {
  const state = reduceRun(trace.header, trace.events);
  if (!(FINAL_STATUSES as readonly string[]).includes(state.status)) {
    throw demoError(`${what} has not finished (it is ${state.status}), so it cannot answer a demo.`, 'Choose a run that succeeded or failed.');
  }
}

function checkFlow(trace: LoadedTrace, flowId: string | undefined, what: string): void {
  if (flowId !== undefined && trace.header.flowId !== flowId) {
    throw demoError(`${what} is a run of flow “${trace.header.flowId}”, not of “${flowId}”, so its recording cannot answer this flow's steps.`, `Choose a run of “${flowId}” (flowkeeper runs --flow ${flowId}).`);
  }
}

function origin(trace: LoadedTrace, from: DemoOrigin['from'], file?: string): DemoOrigin {
  return { runId: trace.header.runId, from, flowVersion: trace.header.flowVersion, ...(file === undefined ? {} : { file }) };
}

/** A finished run of this machine. */
export async function demoFromRun(store: TraceStore, runId: string, flowId?: string): Promise<DemoReference> {
  const trace = await store.load(runId);
  const what = `Run ${runId}`;
  checkFlow(trace, flowId, what);
  checkFinished(trace, what);
  return { trace, origin: origin(trace, 'run') };
}

/** A reference run stored for the flow (an imported bundle's, or one chosen on this machine). */
export async function demoFromReference(references: ReferenceStore, flowId: string, runId: string): Promise<DemoReference | undefined> {
  const stored = await references.get(flowId, runId);
  if (!stored) return undefined;
  const trace = referenceAsTrace(stored.run);
  checkFinished(trace, `The reference run ${runId}`);
  return { trace, origin: origin(trace, 'reference') };
}

/**
 * `runId` of a flow: its stored reference of that id first (what a hand-over brought), else the
 * run of this machine. `from` forces one of the two.
 */
export async function findDemoReference(options: { store: TraceStore; references: ReferenceStore; flowId: string; runId: string; from?: 'run' | 'reference' }): Promise<DemoReference> {
  const { store, references, flowId, runId, from } = options;
  if (from !== 'run') {
    const reference = await demoFromReference(references, flowId, runId);
    if (reference) return reference;
    if (from === 'reference') throw demoError(`Flow “${flowId}” has no reference run “${runId}”.`, 'Import the hand-over bundle that holds it, or choose one of the flow\'s own runs.', 'RUN_NOT_FOUND');
  }
  try {
    return await demoFromRun(store, runId, flowId);
  } catch (error) {
    if (error instanceof RunNotFoundError) throw demoError(`There is no run or reference run “${runId}” of flow “${flowId}” to answer the demo.`, 'Choose a finished run from the flow\'s runs, or give a hand-over bundle file.', 'RUN_NOT_FOUND');
    throw error;
  }
}

/** A reference inside a hand-over bundle (the first one, or `runId`); nothing is imported. */
export function demoFromBundle(bundle: HandoverBundle, fileName: string, runId?: string): DemoReference {
  const runs: ReferenceRun[] = bundle.references;
  if (runs.length === 0) throw demoError(`The hand-over bundle ${fileName} holds no reference runs, so there is nothing to answer a demo with.`, 'Export it again with --runs naming one or more finished runs.');
  const run = runId === undefined ? runs[0]! : runs.find((r) => r.runId === runId);
  if (!run) throw demoError(`The hand-over bundle ${fileName} has no reference run “${runId}”. It holds: ${runs.map((r) => r.runId).join(', ')}.`, 'Give one of those with --reference, or leave it out for the first.', 'RUN_NOT_FOUND');
  const trace = referenceAsTrace(run);
  checkFinished(trace, `The reference run ${run.runId}`);
  return { trace, origin: origin(trace, 'bundle', fileName) };
}
