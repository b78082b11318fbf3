/** Retry decisions as pure functions: exponential backoff with full jitter, capped, honouring Retry-After. */
import type { RetryPolicy } from '../model/flow.ts';
import type { NodeErrorInfo } from '../model/node-kit.ts';

export const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: true };

/** Delay before attempt `attempt + 1`; `random` in [0, 1). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
  const delay = policy.jitter ? Math.floor(exponential * random) : Math.floor(exponential);
  // A server's Retry-After wins over our guess, up to the policy's ceiling.
  return retryAfterMs === undefined ? delay : Math.max(delay, Math.min(retryAfterMs, policy.maxDelayMs));
}

/** Never retried whatever the policy says: repeating cannot help. */
const FINAL_CODES = new Set(['CANCELLED', 'CONFIG', 'EXPRESSION', 'REPLAY_MISSING', 'INTERNAL_OUTPUT']);

export async function shouldRetry(
  policy: RetryPolicy,
  attempt: number,
  error: NodeErrorInfo,
  evaluateRetryIf: (expression: string, error: NodeErrorInfo) => Promise<unknown>,
): Promise<boolean> {
  if (attempt >= policy.maxAttempts || FINAL_CODES.has(error.code)) return false;
  if (policy.retryIf === undefined || policy.retryIf.trim() === '') return error.retryable;
  return Boolean(await evaluateRetryIf(policy.retryIf, error));
}
