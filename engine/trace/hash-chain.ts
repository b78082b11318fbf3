/**
 * Tamper evidence for traces: every event line ends with `"h"`, the first 16 bytes (hex) of
 * sha256(previous h + the line as written without its `h`). The chain starts from the hash of
 * the header line, so changing, removing or reordering any line — header included — breaks the
 * chain at that line, and the reader names it. The `h` is appended as the line's last key, so
 * the reader recovers the exact hashed bytes by cutting it off again (no re-serialising).
 * Traces written before this (no `hashChain` in the header) stay readable, reported as
 * "not tamper-evident".
 */
import { hash } from 'node:crypto';

/** The header's `hashChain` value for traces written with this scheme. */
export const HASH_CHAIN = 'sha256-128';

const PREFIX = ',"h":"';
/** `,"h":"` + 32 hex characters + `"}`. */
const SUFFIX_LENGTH = PREFIX.length + 32 + 2;

export function chainHash(previous: string, line: string): string {
  // One-shot crypto.hash: about half the cost of a createHash object per line.
  return hash('sha256', previous + line, 'hex').slice(0, 32);
}

/** The hash that starts the chain: the header line itself. */
export function chainSeed(headerLine: string): string {
  return chainHash('', headerLine);
}

/** Adds `h` as the last key of a JSON object line (no newline). */
export function sealLine(previous: string, line: string): { line: string; h: string } {
  const h = chainHash(previous, line);
  return { line: `${line.slice(0, -1)}${PREFIX}${h}"}`, h };
}

/** The line as it was hashed and its `h`, or `h` undefined when the line carries none. */
export function unsealLine(line: string): { body: string; h: string | undefined } {
  if (line.length > SUFFIX_LENGTH && line.endsWith('"}')) {
    const start = line.length - SUFFIX_LENGTH;
    if (line.startsWith(PREFIX, start)) {
      const h = line.slice(start + PREFIX.length, line.length - 2);
      if (/^[0-9a-f]{32}$/.test(h)) return { body: `${line.slice(0, start)}}`, h };
    }
  }
  return { body: line, h: undefined };
}
