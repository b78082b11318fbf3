/**
 * Starts a run through the API and resolves with its id once it has finished (succeeded, failed
 * or cancelled), told by the pushed `runs.changed` events — no polling, no sleeps. The listener
 * is on before the start, so a run that finishes at once is not missed.
 */
import type { ApiEvent, FlowkeeperApi } from '../../engine/index.ts';

export async function runToEnd(api: Pick<FlowkeeperApi, 'onEvent'>, start: () => Promise<{ runId: string }>): Promise<string> {
  let runId: string | undefined;
  const finished = new Set<string>();
  let wake: (() => void) | undefined;
  const off = api.onEvent((event: ApiEvent) => {
    if (event.type === 'runs.changed' && ['succeeded', 'failed', 'cancelled'].includes(event.status)) {
      finished.add(event.runId);
      if (event.runId === runId) wake?.();
    }
  });
  try {
    runId = (await start()).runId;
    if (!finished.has(runId)) await new Promise<void>((resolve) => (wake = resolve));
  } finally {
    off();
  }
  return runId;
}
