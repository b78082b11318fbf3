/**
 * runs.*: start, follow, cancel, resume, replay and fork runs. Starting anything is a job on the
 * run queue; this file checks the request (so mistakes are answered at once) and enqueues.
 */
import { ApiError } from '../../model/contract.ts';
import type { Flow } from '../../model/flow.ts';
import { FINAL_STATUSES } from '../../model/events.ts';
import { reduceRun } from '../../model/run-state.ts';
import { chooseHint } from '../../model/pause.ts';
import { validateFlow } from '../../model/validate.ts';
import { newRunId } from '../../engine.ts';
import { prepareFork, replayRun } from '../../replay.ts';
import { findDemoReference } from '../../demo/demo-reference.ts';
import { publicSummary, type QuarantineNotice } from '../../trace/index.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

function closing(): ApiError {
  return new ApiError({ code: 'SERVICE_CLOSING', message: 'Flowkeeper is closing, so no run starts now.', hint: 'Open Flowkeeper again and start it there.' });
}

function busy(runId: string): ApiError {
  return new ApiError({ code: 'RUN_BUSY', message: `Run ${runId} is already in progress.`, hint: 'Wait for it to finish or stop it first.' });
}

export function runHandlers({ data, registry, queue, projections }: ServiceContext): GroupHandlers<'runs'> {
  const { traces } = data;
  /** Runs whose resume is being checked (between the request and the enqueue). */
  const resuming = new Set<string>();
  const validFlow = (raw: unknown): Flow => {
    const result = validateFlow(raw, registry);
    if (!result.ok) throw new ApiError({ code: 'FLOW_INVALID', message: 'The flow has problems.', problems: result.problems });
    return result.flow;
  };
  /** A run paused at review is not active, but can be cancelled: a job records it. */
  const cancelWaiting = async (runId: string): Promise<boolean> => {
    const trace = await traces.load(runId);
    if (reduceRun(trace.header, trace.events).status !== 'paused') return false;
    const by = (await data.settings.read()).reviewerName || 'app';
    const result = new Promise<boolean>((resolve) => {
      const off = queue.onOutcome((outcome) => {
        if (outcome.runId !== runId || outcome.kind !== 'cancel-waiting') return;
        off();
        resolve(outcome.ok && outcome.status === 'cancelled');
      });
      if (!queue.enqueue({ kind: 'cancel-waiting', runId, by })) {
        off();
        resolve(false);
      }
    });
    return result;
  };
  return {
    'runs.start': async ({ flowId, input, usePins, demo }) => {
      const flow = await data.flows.runnable(flowId);
      const runId = newRunId();
      const person = (await data.settings.read()).reviewerName;
      if (demo) {
        // Found and checked now, so a wrong choice is answered at once; a run of this machine is
        // read again where the job runs, a stored reference travels with the job.
        const reference = await findDemoReference({ store: traces, references: data.references, flowId, runId: demo.runId, ...(demo.from ? { from: demo.from } : {}) });
        const recording = reference.origin.from === 'run' ? {} : { recording: { header: reference.trace.header, events: reference.trace.events } };
        if (!queue.enqueue({ kind: 'start', runId, flow, input, startedBy: 'app', ...(person ? { startedByName: person } : {}), demo: { origin: reference.origin, ...recording } })) throw closing();
        return { runId };
      }
      // Pinned test data only when the editor asks for a test run; pins of removed steps are ignored.
      const pins = usePins ? (await data.pins.list(flowId)).filter((p) => flow.nodes.some((n) => n.id === p.nodeId)) : [];
      const pinned = pins.length > 0 ? Object.fromEntries(pins.map((p) => [p.nodeId, { runId: p.runId, outputs: p.outputs }])) : undefined;
      if (!queue.enqueue({ kind: 'start', runId, flow, input: input ?? {}, startedBy: 'app', ...(person ? { startedByName: person } : {}), ...(pinned ? { pinned } : {}) })) throw closing();
      return { runId };
    },
    // Set-aside (damaged) traces are listed with where the file now is: the person needs it to
    // look at it or send it to support. Those the index found now, and those set aside before.
    'runs.setAside': async () => {
      const found = new Map<string, QuarantineNotice>();
      await data.runIndex.discover();
      for (const q of [...((await traces.setAside?.()) ?? []), ...data.runIndex.quarantined()]) if (!found.has(q.movedTo)) found.set(q.movedTo, q);
      return [...found.values()].map((q) => ({ runId: q.runId, reason: q.reason, location: q.movedTo, moved: q.moved, ...(q.setAsideAt ? { setAsideAt: q.setAsideAt } : {}) }));
    },
    'runs.list': async ({ status, flowId, limit, offset }) => {
      // From the run index: no trace is read (engine/trace/run-index.ts).
      const runs = await data.runIndex.list({ ...(status ? { status } : {}), ...(flowId ? { flowId } : {}), limit, offset });
      return runs.map(publicSummary);
    },
    'runs.get': ({ runId }) => projections.runDetail(runId),
    'runs.cancel': async ({ runId }) => {
      if (!(await queue.cancel(runId)) && !(await cancelWaiting(runId))) {
        throw new ApiError({ code: 'RUN_NOT_ACTIVE', message: `Run ${runId} is not in progress here, so there is nothing to stop.`, hint: 'A run waiting for a decision can be cancelled by answering "cancel".' });
      }
      return { ok: true as const };
    },
    'runs.resume': async ({ runId, choice }) => {
      if (queue.isActive(runId) || resuming.has(runId)) throw busy(runId);
      resuming.add(runId);
      try {
        const trace = await traces.load(runId);
        const state = reduceRun(trace.header, trace.events);
        if ((FINAL_STATUSES as readonly string[]).includes(state.status)) {
          throw new ApiError({ code: 'RUN_FINISHED', message: `Run ${runId} already ${state.status}; there is nothing to continue.`, hint: 'Use "Re-run from a step" to run part of it again.' });
        }
        if (state.status === 'paused' && state.pause?.kind === 'review') {
          throw new ApiError({ code: 'DECISION_NEEDED', message: state.pause.reason, hint: 'It continues by itself once its items are decided in the inbox.' });
        }
        if (state.status === 'needs-attention' && choice === undefined) {
          throw new ApiError({ code: 'DECISION_NEEDED', message: state.pause?.reason ?? 'This run waits for a decision.', hint: state.pause ? chooseHint(state.pause) : 'Choose send-again, skip-item or cancel.' });
        }
        const by = (await data.settings.read()).reviewerName || 'app';
        if (!queue.enqueue({ kind: 'resume', runId, ...(choice ? { choice, by } : {}) })) throw queue.isActive(runId) ? busy(runId) : closing();
        return { runId };
      } finally {
        resuming.delete(runId);
      }
    },
    'runs.replay': async ({ runId, flow }) => replayRun(traces, registry, runId, flow === undefined ? {} : { flow: validFlow(flow) }),
    'runs.fork': async ({ runId, fromNodeId, flow }) => {
      const newId = newRunId();
      const changed = flow === undefined ? undefined : validFlow(flow);
      // Checked here so a fork that cannot be made is answered now; the job prepares it again
      // where it runs (possibly another process).
      await prepareFork(traces, runId, fromNodeId, { runId: newId, startedBy: 'app', ...(changed ? { flow: changed } : {}) });
      if (!queue.enqueue({ kind: 'fork', runId: newId, parentRunId: runId, fromNodeId, startedBy: 'app', ...(changed ? { flow: changed } : {}) })) throw closing();
      return { runId: newId };
    },
  };
}
