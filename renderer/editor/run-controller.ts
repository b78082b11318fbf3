/**
 * Runs on the canvas: start (after saving), follow by pushed events (folded in run-view-store),
 * open a past run for time travel, fork from a node, replay. Pushed events of a run that is not
 * shown yet are kept briefly, because a run's first events can arrive before `runs.start` answers.
 */
import type { RunEvent } from '../../engine/model/events.ts';
import type { RunDetail } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { useRunView, type RunHeader } from './run-view-store.ts';

const EARLY_LIMIT = 2000;
const early = new Map<string, RunEvent[]>();

/** Subscribes to pushed run events; returns the unsubscribe function. */
export function startRunEvents(): () => void {
  return getApi().onEvent((event) => {
    if (event.type !== 'run.event') return;
    const view = useRunView.getState();
    if (view.runId === event.runId && view.mode === 'live') {
      view.push(event.runId, event.event);
      return;
    }
    const list = early.get(event.runId) ?? [];
    if (list.length < EARLY_LIMIT) list.push(event.event);
    early.set(event.runId, list);
    // Only the newest few runs are worth keeping for.
    if (early.size > 5) early.delete(early.keys().next().value!);
  });
}

/** All events of a run so far, a page at a time. */
export async function allEvents(runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await getApi().traces.events({ runId, afterSeq, limit: 5000 });
    events.push(...page.events);
    afterSeq = page.lastSeq;
    if (!page.hasMore || page.events.length === 0) return events;
  }
}

function headerOf(detail: Pick<RunDetail, 'runId' | 'flowId' | 'flowName' | 'flowVersion' | 'createdAt' | 'parentRunId'>): RunHeader {
  return { runId: detail.runId, flowId: detail.flowId, flowName: detail.flowName, flowVersion: detail.flowVersion, createdAt: detail.createdAt, ...(detail.parentRunId ? { parentRunId: detail.parentRunId } : {}) };
}

/** Shows a run that was just started, live: early events first, then a catch-up read of the trace. */
export async function followRun(runId: string, flow: { id: string; name: string; version: number }): Promise<void> {
  useRunView.getState().follow({ runId, flowId: flow.id, flowName: flow.name, flowVersion: flow.version, createdAt: new Date().toISOString() });
  useRunView.getState().merge(runId, early.get(runId) ?? []);
  early.delete(runId);
  // Anything pushed before this page subscribed (or lost on a reconnect) is in the trace.
  useRunView.getState().merge(runId, await allEvents(runId).catch(() => []));
}

/** A past run, read-only, for time travel; returns the flow as it ran. */
export async function openPastRun(runId: string): Promise<RunDetail> {
  const detail = await getApi().runs.get({ runId });
  const events = await allEvents(runId);
  useRunView.getState().openPast(headerOf(detail), events);
  return detail;
}
