/**
 * Which failed calls provably never reached the other side. The HTTP node (may it send an
 * unkeyed write again?) and the call recorder (may a resume send it again?) must agree, so the
 * list is kept here once.
 */
import type { NodeErrorInfo } from './node-kit.ts';

/** Network errors raised before a single byte reached the server: refused, unknown host, no route. */
export const NEVER_SENT_ERRNOS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A `NETWORK` error whose errno is one of NEVER_SENT_ERRNOS. */
export function neverReachedServer(error: Pick<NodeErrorInfo, 'code' | 'details'>): boolean {
  return error.code === 'NETWORK' && NEVER_SENT_ERRNOS.has(String(error.details?.errno ?? ''));
}
