/** Retry decisions as pure functions: exponential backoff with full jitter, capped, honouring Retry-After. */
import type { RetryPolicy } from '../model/flow.ts';
import type { NodeErrorInfo } from '../model/node-kit.ts';

export const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: true };

/** The longest a server's Retry-After is obeyed; beyond it we try again after this long. */
export const RETRY_AFTER_CEILING_MS = 15 * 60_000;

/** Delay before attempt `attempt + 1`; `random` in [0, 1). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  // A server that says when to come back knows better than our guess: obey it exactly, since
  // retrying earlier against a rate limit only earns another 429.
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, Math.round(retryAfterMs)), RETRY_AFTER_CEILING_MS);
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
  return policy.jitter ? Math.floor(exponential * random) : Math.floor(exponential);
}

/** Never retried whatever the policy says: repeating cannot help. */
const FINAL_CODES = new Set(['CANCELLED', 'CONFIG', 'EXPRESSION', 'REPLAY_MISSING', 'INTERNAL_OUTPUT']);

export async function shouldRetry(
  policy: RetryPolicy,
  attempt: number,
  error: NodeErrorInfo,
  evaluateRetryIf: (expression: string, error: NodeErrorInfo) => Promise<unknown>,
): Promise<boolean> {
  // A write that may already have happened is never repeated, whatever a retry condition says.
  if (attempt >= policy.maxAttempts || FINAL_CODES.has(error.code) || error.details?.unsafeToRepeat === true) return false;
  if (policy.retryIf === undefined || policy.retryIf.trim() === '') return error.retryable;
  return Boolean(await evaluateRetryIf(policy.retryIf, error));
}
