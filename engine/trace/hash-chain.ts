/**
 * Tamper evidence for traces: a chain of sha256-128 hashes (the first 16 bytes, hex), sealed once
 * per write batch. The trace writer group-commits the lines of one event-loop turn in one write();
 * the batch's last line ends with `"h"` = sha256(previous seal + every byte of the batch up to that
 * line's own `h`); the batch's other lines carry no `h`. One hash per batch instead of one per line
 * keeps the chain's cost to a few percent of writing the lines (bench figure 3).
 *
 * A batch of one line is exactly the per-line chain traces were first written with
 * (h = sha256(previous + line)), so those traces read and verify unchanged. The chain starts from
 * the hash of the header line, so changing, removing or reordering any line — header included —
 * breaks the chain at that line's batch, and the reader names the batch. Lines after the last seal
 * are a batch whose write was cut short (a crash): like a torn line they are dropped and reported.
 * The `h` is the line's last key, so the reader recovers the exact hashed bytes by cutting it off
 * again (no re-serialising). Traces written before hash chains (no `hashChain` in the header) stay
 * readable, reported as "not tamper-evident".
 */
import { hash } from 'node:crypto';

/** The header's `hashChain` value for traces written with this scheme. */
export const HASH_CHAIN = 'sha256-128';

const PREFIX = ',"h":"';
/** `,"h":"` + 32 hex characters + `"}`. */
const SUFFIX_LENGTH = PREFIX.length + 32 + 2;

export function chainHash(previous: string, text: string): string {
  // One-shot crypto.hash over the whole batch: about half the cost of a createHash object.
  return hash('sha256', previous + text, 'hex').slice(0, 32);
}

/** The hash that starts the chain: the header line itself. */
export function chainSeed(headerLine: string): string {
  return chainHash('', headerLine);
}

const PLACEHOLDER = '0'.repeat(32);
/** After the `}` that ends the hashed bytes: `"h":"` + 32 hex characters + `"}` + newline. */
const SEAL_TAIL_BYTES = 5 + 32 + 3;

/**
 * The bytes of one write batch, sealed. `open` holds each line's JSON without its closing `}`
 * (the writer keeps them that way so the `h` key costs no copy of the line). Returns the bytes to
 * write (newline-terminated lines) and the batch's seal, where the chain continues.
 */
export function sealBatch(previous: string, open: readonly string[]): { bytes: Buffer; h: string } {
  // The previous seal is ASCII hex: its bytes are its length, cut off again below.
  const joined = open.length === 1 ? open[0]! : open.join('}\n');
  // One UTF-8 encoding for both the hash and the write: previous seal + batch + `}` are hashed in
  // place, then that `}` becomes the `,` before the seal's `h`.
  const buffer = Buffer.from(`${previous}${joined}}"h":"${PLACEHOLDER}"}\n`, 'utf8');
  const close = buffer.length - SEAL_TAIL_BYTES - 1;
  const h = hash('sha256', buffer.subarray(0, close + 1), 'hex').slice(0, 32);
  buffer[close] = 0x2c; // ','
  buffer.write(h, close + 6, 'latin1');
  return { bytes: buffer.subarray(previous.length), h };
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
