/**
 * The translation of SDK and transport errors into NodeErrors that say what happened, where and
 * what to do. Every error leaving here is `retryable: false`: the SDK's own `maxRetries` (which
 * honours Retry-After / retry-after-ms) is the one retry layer, so the runner never stacks a
 * second loop on it.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } from 'openai';
import { NodeError } from '../../engine/model/index.ts';
import type { Connection, LlmRequest } from './chat-types.ts';
import { PROVIDER_PRESETS } from './provider-presets.ts';

export function stopped(connection: Connection, idle: boolean, requestId: string | null, partial: string): NodeError {
  if (!idle) return abortError(connection);
  return new NodeError({
    message: `${connection.where}: ${title(connection)} stopped sending the answer for ${seconds(connection.timeoutMs)} (after ${partial.length} characters).`,
    code: 'LLM_TIMEOUT',
    retryable: false,
    hint: 'Raise the step\'s "Timeout", or try again later; a busy or overloaded server stalls like this.',
    details: { requestId, partialAnswer: partial },
  });
}

export function truncated(connection: Connection, requestId: string | null, partial: string, why: string): NodeError {
  return new NodeError({
    message: `${connection.where}: the answer from ${title(connection)} was cut off: ${why} (after ${partial.length} characters).`,
    code: 'LLM_TRUNCATED',
    retryable: false,
    hint: 'Run the flow again for this item. If it keeps happening, turn streaming off or check proxies between you and the provider.',
    details: { requestId, partialAnswer: partial },
  });
}

export function badResponse(connection: Connection, requestId: string | null, body: string): NodeError {
  return new NodeError({
    message: `${connection.where}: ${title(connection)} answered with something that is not a chat completion (starts with ${JSON.stringify(body.slice(0, 80))}).`,
    code: 'LLM_BAD_RESPONSE',
    retryable: false,
    hint: 'Check the base URL: it must point at the OpenAI-compatible API (often ending in /v1), not at a web page or proxy.',
    details: { requestId, body: body.slice(0, 2000) },
  });
}

export function abortError(connection: Connection): NodeError {
  const reason: unknown = connection.signal.reason;
  // The runner's own time limit for the node: keep its wording.
  if (reason instanceof NodeError) return reason;
  return new NodeError({ message: 'The run was stopped.', code: 'CANCELLED', retryable: false });
}

export function isConnectionLoss(error: unknown): boolean {
  const e = error as { name?: string; message?: string; cause?: { code?: string } } | null;
  return e !== null && typeof e === 'object' && (e.message === 'terminated' || e.cause?.code === 'UND_ERR_SOCKET' || e.cause?.code === 'ECONNRESET');
}

/** SDK and transport errors → NodeErrors that say what happened, where, and what to do. */
export function toNodeError(error: unknown, connection: Connection, request: LlmRequest): NodeError {
  if (error instanceof NodeError) return error;
  const who = title(connection);
  const retries = connection.maxRetries === 0 ? 'with retries turned off' : `after ${connection.maxRetries} ${connection.maxRetries === 1 ? 'retry' : 'retries'}`;
  const where = connection.where;
  if (error instanceof APIUserAbortError || (connection.signal.aborted && !(error instanceof APIError && error.status !== undefined))) return abortError(connection);
  if (error instanceof APIConnectionTimeoutError) {
    return new NodeError({
      message: `${where}: ${who} did not answer within ${seconds(connection.timeoutMs)} (${retries}).`,
      code: 'LLM_TIMEOUT',
      retryable: false,
      hint: `Raise the step's "Timeout"${PROVIDER_PRESETS[connection.provider].startHint ? ' (a local model can take a while to load the first time)' : ''}, shorten the prompt, or try again later.`,
    });
  }
  if (error instanceof APIConnectionError) {
    const cause = describeCause(error);
    return new NodeError({
      message: `${where}: could not reach ${who} (${retries})${cause ? `: ${cause}` : ''}.`,
      code: 'LLM_CONNECTION',
      retryable: false,
      hint: PROVIDER_PRESETS[connection.provider].startHint ?? 'Check the network connection and the base URL; the provider may also be down.',
    });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const detail = error.message.replace(/^\d{3}\s*/, '');
    const requestId = error.requestID ?? null;
    const base = { retryable: false, status, details: { requestId, providerMessage: detail } };
    if (status === 429) {
      const after = retryAfterMs(error.headers);
      return new NodeError({
        ...base,
        message: `${where}: ${who} is rate-limiting requests (429) and still was ${retries}: ${detail}`,
        code: 'LLM_RATE_LIMITED',
        hint: /quota|billing|credit/i.test(detail) ? 'The account is out of quota or credit: check billing with the provider.' : 'Lower the step\'s "Concurrency", raise "Retries" (each waits as long as the provider asks), or check the plan\'s rate limits.',
        ...(after === undefined ? {} : { retryAfterMs: after }),
      });
    }
    if (status >= 500) {
      return new NodeError({ ...base, message: `${where}: ${who} had a server error (${status}) and still had it ${retries}: ${detail}`, code: 'LLM_SERVER_ERROR', hint: 'The provider has a problem; try again later, or raise "Retries".' });
    }
    if (status === 401 || status === 403) {
      return new NodeError({ ...base, message: `${where}: ${who} refused the API key (${status}): ${detail}`, code: 'LLM_AUTH', hint: `Check the "apiKey" in ${connection.credentialId ? `the credential "${connection.credentialId}"` : 'the credential'}: it may be wrong, expired or lack access to the model.` });
    }
    if (status === 404) {
      return new NodeError({ ...base, message: `${where}: ${who} does not know this model or address (404): ${detail}`, code: 'LLM_NOT_FOUND', hint: `Check the model name ("${request.model}")${connection.provider === 'azure' ? ' and the deployment' : ''} and the base URL (it usually ends in /v1).` });
    }
    return new NodeError({
      ...base,
      message: `${where}: ${who} rejected the request (${status}): ${detail}`,
      code: 'LLM_REQUEST_REJECTED',
      hint:
        request.settings.responseFormat === 'json_schema'
          ? 'If this provider or model does not support structured output, set "Structured output" to "instructions". Otherwise check the model name and settings.'
          : 'Check the model name and settings such as temperature and max tokens; some models accept only some of them.',
    });
  }
  if (error instanceof APIError) {
    return new NodeError({ message: `${where}: ${who} reported an error while answering: ${error.message}`, code: 'LLM_SERVER_ERROR', retryable: false, hint: 'Try again later.', details: { requestId: error.requestID ?? null } });
  }
  if (error instanceof SyntaxError) {
    return badResponse(connection, null, error.message);
  }
  if (error instanceof OpenAIError) {
    return new NodeError({ message: `${where}: the AI step could not be set up: ${error.message}`, code: 'CONFIG', retryable: false, hint: 'Check the provider settings of the step and its credential.' });
  }
  if (isConnectionLoss(error)) return truncated(connection, null, '', 'the connection was lost');
  const message = error instanceof Error ? error.message : String(error);
  return new NodeError({ message: `${where}: calling ${who} failed: ${message}`, code: 'LLM_FAILED', retryable: false });
}

function describeCause(error: APIConnectionError): string {
  const cause = (error as { cause?: { cause?: { code?: string; message?: string }; code?: string; message?: string } }).cause;
  const inner = cause?.cause ?? cause;
  const code = inner?.code;
  if (code === 'ECONNREFUSED') return 'nothing is listening at that address (connection refused)';
  if (code === 'ENOTFOUND') return 'the host name does not resolve';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return 'the connection was closed before an answer came';
  return inner?.message ?? '';
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const after = headers?.get('retry-after');
  if (!after) return undefined;
  const secondsValue = Number(after);
  return Number.isFinite(secondsValue) ? secondsValue * 1000 : undefined;
}

function title(connection: Connection): string {
  const preset = PROVIDER_PRESETS[connection.provider];
  let host = '';
  try {
    host = connection.baseUrl ? new URL(connection.baseUrl).host : '';
  } catch {
    host = '';
  }
  return host ? `${preset.title} (${host})` : preset.title;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`;
}
