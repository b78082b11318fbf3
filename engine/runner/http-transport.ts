/** The live HTTP transport behind ctx.http: fetch with a time limit and plain-worded failures. */
import type { HttpRequest, HttpResponse } from '../model/node-kit.ts';
import { NodeError } from '../model/node-kit.ts';

export type HttpTransport = (request: HttpRequest, signal: AbortSignal) => Promise<HttpResponse>;

const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

export const fetchTransport: HttpTransport = async (request, signal) => {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  const started = performance.now();
  let response: Response;
  try {
    const init: RequestInit = { method: request.method, signal: combined, redirect: 'follow' };
    if (request.headers) init.headers = request.headers;
    if (request.body !== undefined) init.body = request.body;
    response = await fetch(request.url, init);
    const body = await readLimited(response, request.url);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { status: response.status, statusText: response.statusText, headers, body, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    if (error instanceof NodeError) throw error;
    if (signal.aborted) throw new NodeError({ message: 'The request was stopped.', code: 'CANCELLED', retryable: false });
    if (timeout.aborted) {
      throw new NodeError({
        message: `${request.method} ${safeUrl(request.url)} did not answer within ${timeoutMs / 1000} s.`,
        code: 'TIMEOUT',
        retryable: true,
        hint: 'The service may be slow or down. Raise the timeout or try again later.',
      });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new NodeError({
      message: `Could not reach ${safeUrl(request.url)}: ${cause?.code ?? cause?.message ?? (error as Error).message}.`,
      code: 'NETWORK',
      retryable: true,
      hint: 'Check the address and that the service is running and reachable from this computer.',
      details: cause?.code ? { errno: cause.code } : {},
    });
  }
};

async function readLimited(response: Response, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw tooLarge(url);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > MAX_RESPONSE_BYTES) throw tooLarge(url);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(url: string): NodeError {
  return new NodeError({
    message: `The answer from ${safeUrl(url)} is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MB.`,
    code: 'RESPONSE_TOO_LARGE',
    retryable: false,
    hint: 'Ask the API for fewer records per call (paging) or a smaller format.',
  });
}

/** The URL without user info or query (which may hold keys), for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.slice(0, 80);
  }
}
