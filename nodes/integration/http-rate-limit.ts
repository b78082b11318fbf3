/**
 * Rate-limit headers for the HTTP request step: how long an API asks us to wait, read from
 * `Retry-After` (on 429/503) and from `X-RateLimit-Remaining` / `X-RateLimit-Reset` (also the
 * IETF `RateLimit-Remaining` / `RateLimit-Reset` spelling). A reset given as a time (epoch
 * seconds) is measured against the answer's own Date header, never our clock, so a replay
 * computes the same wait from the same recorded answer.
 */
import { z } from 'zod';
import { field, type HttpResponse } from '../../engine/model/index.ts';

export const RateLimitConfig = z
  .object({
    waitWhenExhausted: field(z.boolean().default(true), {
      title: 'Wait when the limit is used up',
      description: 'When an answer says no calls are left (X-RateLimit-Remaining: 0), wait until the limit resets before the next call instead of being refused.',
    }),
    maxWaitSeconds: field(z.number().min(0).max(3600).default(120), {
      title: 'Longest wait (seconds)',
      description: 'If the API asks to wait longer than this, the item fails with a clear message instead of waiting.',
    }),
    retriesWhilePaging: field(z.number().int().min(0).max(20).default(5), {
      title: 'Retries of a page after "too many requests"',
      description: 'While reading several pages, a 429 answer is waited out and the same page asked again, up to this many times, without starting over at page one.',
    }),
  })
  .strict();
export type RateLimitSettings = z.infer<typeof RateLimitConfig>;
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { waitWhenExhausted: true, maxWaitSeconds: 120, retriesWhilePaging: 5 };

function header(response: HttpResponse, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = response.headers[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Milliseconds from the answer's time until `value` (seconds to wait, or an epoch time in seconds). */
function resetDelayMs(value: string, response: HttpResponse): number | undefined {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) return undefined;
  // Values this large are points in time (epoch seconds, as GitHub sends), smaller ones a wait.
  if (n < 1_000_000_000) return n * 1000;
  const answeredAt = Date.parse(response.headers.date ?? '');
  return Number.isNaN(answeredAt) ? undefined : Math.max(0, n * 1000 - answeredAt);
}

/** The wait the rate-limit headers ask for before the next call; undefined when calls are left. */
export function exhaustedWaitMs(response: HttpResponse): number | undefined {
  const remaining = header(response, 'x-ratelimit-remaining', 'ratelimit-remaining');
  if (remaining === undefined || Number(remaining) > 0) return undefined;
  const reset = header(response, 'x-ratelimit-reset', 'ratelimit-reset');
  return reset === undefined ? undefined : resetDelayMs(reset, response);
}

/** For a refused call (429/503) without Retry-After: the reset header's wait, if any. */
export function resetWaitMs(response: HttpResponse): number | undefined {
  const reset = header(response, 'x-ratelimit-reset', 'ratelimit-reset');
  return reset === undefined ? undefined : resetDelayMs(reset, response);
}

/** Retry-After in ms (seconds or an HTTP date, against the answer's Date header). */
export function retryAfterHeaderMs(response: HttpResponse): number | undefined {
  const value = header(response, 'retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  const answeredAt = Date.parse(response.headers.date ?? '');
  return Number.isNaN(at) || Number.isNaN(answeredAt) ? undefined : Math.max(0, at - answeredAt);
}
