/** Run ids become file names (and keys elsewhere): a closed alphabet, checked once here. */
const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$/;

export function assertRunId(runId: string): void {
  if (!RUN_ID_RE.test(runId)) throw new Error(`"${runId}" is not a valid run id.`);
}
