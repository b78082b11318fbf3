/**
 * Refusal of a trigger event because Flowkeeper is over capacity (too many accepted events still
 * waiting to start). Nothing was recorded; the webhook intake answers it with 429 and
 * Retry-After, so the sender tries again later instead of treating it as a failure.
 */
export class IntakeBusyError extends Error {
  constructor(
    message: string,
    /** Seconds the sender is asked to wait. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'IntakeBusyError';
  }
}
