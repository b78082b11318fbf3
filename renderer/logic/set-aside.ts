/** Wording for runs whose record (trace) was damaged and set aside. */
import type { SetAsideRun } from '../../engine/model/contract.ts';

/** One plain sentence per set-aside run: which run, why, and where the file is now. */
export function describeSetAside(run: SetAsideRun): string {
  return run.moved
    ? `The record of run ${run.runId} is damaged (${run.reason}). It was set aside to ${run.location}, so no other run is affected. Send that file to support if you need the run recovered.`
    : `The record of run ${run.runId} is damaged (${run.reason}) and could not be set aside; it is still at ${run.location}. The other runs are not affected.`;
}
