/**
 * What started a run, in words, for the runs list: how (by hand in the app, the command line, a
 * re-run from a step, a schedule, a webhook), who when known, and its input in a line. Pure.
 */

export interface RunOrigin {
  /** "Started in the app by Ana", "Started from the command line", "Re-run from a step". */
  how: string;
  /** The input in one line, or "no input". */
  input: string;
}

const HOW: Record<string, string> = {
  app: 'Started in the app',
  cli: 'Started from the command line',
  fork: 'Re-run from a step',
  schedule: 'Started on a schedule',
  webhook: 'Started by a webhook',
};

export function describeOrigin(run: { mode: string; startedBy?: string; startedByName?: string; inputSummary?: string }): RunOrigin {
  const started = HOW[run.startedBy ?? ''] ?? (run.startedBy ? `Started by ${run.startedBy}` : 'Started');
  // A demo says so first: its calls were answered from a recording (engine/demo/).
  const how = run.mode === 'fork' ? HOW.fork! : run.mode === 'replay' ? 'Replay of an earlier run' : run.mode === 'demo' ? `Demo · ${started}` : started;
  const who = run.startedByName ? ` by ${run.startedByName}` : '';
  return { how: `${how}${who}`, input: run.inputSummary ?? 'no input' };
}

/** Which runs a page shows: "Runs 51–100", given one extra run fetched to know about a next page. */
export function pageRange(page: number, pageSize: number, shown: number): string {
  if (shown === 0) return 'No runs';
  const first = page * pageSize + 1;
  return `Runs ${first.toLocaleString('en-US')}–${(first + shown - 1).toLocaleString('en-US')}`;
}
