/**
 * Where a request made now parts from the recorded one, in a line a person can read (a demo's
 * "the recording asked for X, this run for Y"): the first differing field and both values,
 * instead of two whole requests. Recorded strings that held a secret were redacted, so they match
 * whatever stands in that place now (as `matchesRecording` does).
 */
import { REDACTED } from '../trace/index.ts';

export interface RequestDifference {
  /** e.g. `url`, `messages[1].content`; empty for the whole value. */
  path: string;
  recorded: unknown;
  now: unknown;
}

export function firstDifference(recorded: unknown, now: unknown, path = ''): RequestDifference | undefined {
  if (typeof recorded === 'string' && recorded.includes(REDACTED)) return typeof now === 'string' ? undefined : { path, recorded, now };
  if (recorded === null || now === null || typeof recorded !== 'object' || typeof now !== 'object' || Array.isArray(recorded) !== Array.isArray(now)) {
    return Object.is(recorded, now) ? undefined : { path, recorded, now };
  }
  const a = recorded as Record<string, unknown>;
  const b = now as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const child = Array.isArray(recorded) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    const found = firstDifference(a[key], b[key], child);
    if (found) return found;
  }
  return undefined;
}

/** "url “…/orders/A-1”" style halves of a sentence; long values are cut. */
export function describeDifference(difference: RequestDifference): { recorded: string; now: string } {
  const show = (value: unknown) => {
    if (value === undefined) return 'nothing';
    const text = typeof value === 'string' ? `“${value}”` : (JSON.stringify(value) ?? 'nothing');
    return text.length > 160 ? `${text.slice(0, 157)}…` : text;
  };
  const where = difference.path === '' ? '' : `${difference.path} `;
  return { recorded: `${where}${show(difference.recorded)}`, now: show(difference.now) };
}
