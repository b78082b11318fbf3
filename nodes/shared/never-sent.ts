/**
 * Whether a failed call provably never reached the other side (so sending it again is safe even
 * for a write without an idempotency key). The call recorder applies the same rule on resume.
 */
import type { NodeError } from '../../engine/model/index.ts';

const NEVER_SENT_ERRNOS = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];

export function neverReachedServer(error: NodeError): boolean {
  return error.code === 'NETWORK' && NEVER_SENT_ERRNOS.includes(String(error.details?.errno));
}
