/**
 * AI providers for the AI step (not a node type): presets for OpenAI-compatible endpoints, the one
 * place the openai SDK is called, and the translation of its errors into plain-worded NodeErrors.
 *
 * Exactly one retry layer: the SDK's own `maxRetries` (it honours Retry-After / retry-after-ms);
 * every error leaving here is `retryable: false`, so the runner never stacks a second loop on it.
 * Imports only the node kit and libraries.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, AzureOpenAI, OpenAIError } from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import { NodeError } from '../../engine/model/index.ts';

export const PROVIDERS = ['openai', 'azure', 'openrouter', 'ollama', 'lmstudio', 'vllm', 'custom'] as const;
export type ProviderId = (typeof PROVIDERS)[number];

export interface ProviderPreset {
  title: string;
  /** Used when neither the credential nor the step names a base URL. */
  defaultBaseUrl?: string;
  /** Sends `response_format: { type: "json_schema" }`; otherwise the format goes into the instructions. */
  jsonSchema: boolean;
  /** Whether calls without an API key make sense (servers on your own machines). */
  needsApiKey: boolean;
  /** Whether `seed` is passed on. */
  seed: boolean;
  /** The body field for the answer length limit. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** What to tell an operator whose local server cannot be reached. */
  startHint?: string;
}

export const PROVIDER_PRESETS: Record<ProviderId, ProviderPreset> = {
  openai: { title: 'OpenAI', defaultBaseUrl: 'https://api.openai.com/v1', jsonSchema: true, needsApiKey: true, seed: true, maxTokensField: 'max_completion_tokens' },
  azure: { title: 'Azure OpenAI', jsonSchema: true, needsApiKey: true, seed: true, maxTokensField: 'max_completion_tokens' },
  openrouter: { title: 'OpenRouter', defaultBaseUrl: 'https://openrouter.ai/api/v1', jsonSchema: true, needsApiKey: true, seed: true, maxTokensField: 'max_tokens' },
  ollama: { title: 'Ollama', defaultBaseUrl: 'http://127.0.0.1:11434/v1', jsonSchema: true, needsApiKey: false, seed: true, maxTokensField: 'max_tokens', startHint: 'Is Ollama running? Start it with "ollama serve" and fetch the model with "ollama pull <model>".' },
  lmstudio: { title: 'LM Studio', defaultBaseUrl: 'http://127.0.0.1:1234/v1', jsonSchema: true, needsApiKey: false, seed: true, maxTokensField: 'max_tokens', startHint: 'Is LM Studio\'s local server started (Developer tab → Start server) with the model loaded?' },
  vllm: { title: 'vLLM', defaultBaseUrl: 'http://127.0.0.1:8000/v1', jsonSchema: true, needsApiKey: false, seed: true, maxTokensField: 'max_tokens', startHint: 'Is the vLLM server running ("vllm serve <model>")?' },
  custom: { title: 'OpenAI-compatible server', jsonSchema: false, needsApiKey: false, seed: false, maxTokensField: 'max_tokens' },
};

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type ResponseFormat = 'text' | 'json_schema' | 'instructions';

/**
 * What is sent, as recorded in the trace (`external.intent` of kind `llm`): everything that
 * decides the answer, nothing secret, nothing about transport (retries, timeout) so that changing
 * those does not invalidate a replay.
 */
export interface LlmRequest {
  provider: ProviderId;
  model: string;
  messages: ChatMessage[];
  settings: {
    temperature?: number;
    maxTokens?: number;
    seed?: number;
    responseFormat: ResponseFormat;
    /** The JSON Schema sent as `response_format` (json_schema only). */
    schema?: Record<string, unknown>;
    stream: boolean;
    /** Azure: the deployment the call is routed to. */
    deployment?: string;
  };
  /** `answer`, or `repair` for the one retry with the validation problems. */
  purpose: 'answer' | 'repair';
}

/** What the provider answered, as recorded (`external.result` of kind `llm`). */
export interface LlmResult {
  text: string | null;
  refusal: string | null;
  finishReason: string | null;
  /** How many choices came back (0: an empty answer). */
  choices: number;
  usage: { promptTokens: number; completionTokens: number } | null;
  /** The provider's request id (`x-request-id`), for support tickets. */
  requestId: string | null;
  /** The model that answered, as the provider names it. */
  model: string;
  streamed: boolean;
}

/** How to reach the provider. Never recorded: it holds the API key. */
export interface Connection {
  provider: ProviderId;
  baseUrl: string | undefined;
  apiKey: string | undefined;
  credentialId: string | undefined;
  azure?: { deployment: string; apiVersion: string };
  maxRetries: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** `"Classify email" item 2`: where, for error messages. */
  where: string;
}

/** The base URL a connection will use: credential, then the step's setting, then the preset. */
export function resolveBaseUrl(provider: ProviderId, fromCredential: string | undefined, fromConfig: string | undefined): string | undefined {
  return nonEmpty(fromCredential) ?? nonEmpty(fromConfig) ?? PROVIDER_PRESETS[provider].defaultBaseUrl;
}

/** Sends one chat request (the SDK retries transient failures) and returns the recorded shape. */
export async function sendChat(connection: Connection, request: LlmRequest): Promise<LlmResult> {
  const client = createClient(connection);
  const body = toBody(request);
  try {
    if (!request.settings.stream) {
      const { data, request_id } = await client.chat.completions.create({ ...body, stream: false }, { signal: connection.signal }).withResponse();
      return fromCompletion(data as unknown, request_id, request, connection);
    }
    return await readStream(client, body, request, connection);
  } catch (error) {
    throw toNodeError(error, connection, request);
  }
}

function createClient(connection: Connection): OpenAI {
  const preset = PROVIDER_PRESETS[connection.provider];
  const credentialNote = connection.credentialId ? `the credential "${connection.credentialId}"` : 'a credential';
  if (preset.needsApiKey && !nonEmpty(connection.apiKey)) {
    throw new NodeError({
      message: `${connection.where}: ${preset.title} needs an API key, and ${connection.credentialId ? `the credential "${connection.credentialId}" has no "apiKey"` : 'no credential is chosen'}.`,
      code: 'CREDENTIAL_INVALID',
      retryable: false,
      hint: `Choose ${credentialNote} with an "apiKey" field for this AI step.`,
    });
  }
  if (connection.baseUrl === undefined) {
    throw new NodeError({
      message: `${connection.where}: no address to send the request to: ${preset.title} has no default one.`,
      code: 'CONFIG',
      retryable: false,
      hint: connection.provider === 'azure' ? 'Set the Azure endpoint (https://<resource>.openai.azure.com) as the credential\'s "baseUrl" or the step\'s "Base URL".' : 'Set "Base URL" (e.g. http://127.0.0.1:8080/v1) on the step or as the credential\'s "baseUrl".',
    });
  }
  let url: URL;
  try {
    url = new URL(connection.baseUrl);
  } catch {
    throw new NodeError({ message: `${connection.where}: the base URL "${connection.baseUrl}" is not a web address.`, code: 'CONFIG', retryable: false, hint: 'Write the full address, e.g. http://127.0.0.1:11434/v1' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeError({ message: `${connection.where}: only http and https base URLs work, not "${url.protocol}".`, code: 'CONFIG', retryable: false });
  }
  // A local server ignores the key, but the SDK insists on one.
  const apiKey = nonEmpty(connection.apiKey) ?? 'not-needed';
  const common = {
    apiKey,
    maxRetries: connection.maxRetries,
    timeout: connection.timeoutMs,
    logLevel: 'off' as const,
    // Explicit, so nothing leaks in from OPENAI_* environment variables.
    organization: null,
    project: null,
  };
  if (connection.provider === 'azure' && connection.azure) {
    return new AzureOpenAI({ ...common, endpoint: connection.baseUrl, apiVersion: connection.azure.apiVersion, deployment: connection.azure.deployment });
  }
  return new OpenAI({
    ...common,
    baseURL: connection.baseUrl,
    ...(connection.provider === 'openrouter' ? { defaultHeaders: { 'X-Title': 'Flowkeeper' } } : {}),
  });
}

type Body = ChatCompletionCreateParamsBase;

function toBody(request: LlmRequest): Body {
  const { settings } = request;
  const preset = PROVIDER_PRESETS[request.provider];
  const body: Body = { model: request.model, messages: request.messages };
  if (settings.temperature !== undefined) body.temperature = settings.temperature;
  if (settings.maxTokens !== undefined) body[preset.maxTokensField] = settings.maxTokens;
  if (settings.seed !== undefined) body.seed = settings.seed;
  if (settings.responseFormat === 'json_schema' && settings.schema) {
    body.response_format = { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: settings.schema } };
  }
  return body;
}

function fromCompletion(data: unknown, requestId: string | null, request: LlmRequest, connection: Connection): LlmResult {
  const completion = data as Partial<ChatCompletion> | null;
  if (completion === null || typeof completion !== 'object' || !Array.isArray(completion.choices)) {
    throw badResponse(connection, requestId, typeof data === 'string' ? data : JSON.stringify(data) ?? '');
  }
  const choice = completion.choices[0];
  return {
    text: typeof choice?.message?.content === 'string' ? choice.message.content : null,
    refusal: typeof choice?.message?.refusal === 'string' ? choice.message.refusal : null,
    finishReason: choice?.finish_reason ?? null,
    choices: completion.choices.length,
    usage: completion.usage ? { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens } : null,
    requestId: requestId ?? null,
    model: typeof completion.model === 'string' && completion.model !== '' ? completion.model : request.model,
    streamed: false,
  };
}

/**
 * Reads a streamed answer. The SDK's timeout covers the wait for the first byte; after that, a
 * stream silent for as long as the timeout is cut off here. A stream that ends without a finish
 * reason (connection closed, reset, `[DONE]` missing) is truncated, never a short "success".
 */
async function readStream(client: OpenAI, body: Body, request: LlmRequest, connection: Connection): Promise<LlmResult> {
  const idle = new AbortController();
  const signal = AbortSignal.any([connection.signal, idle.signal]);
  const { data: stream, request_id: requestId } = await client.chat.completions
    .create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal })
    .withResponse();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), connection.timeoutMs);
  };
  let text = '';
  let sawText = false;
  let refusal: string | null = null;
  let finishReason: string | null = null;
  let usage: LlmResult['usage'] = null;
  let model = request.model;
  let choices = 0;
  let chunks = 0;
  arm();
  try {
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      arm();
      chunks++;
      if (typeof chunk.model === 'string' && chunk.model !== '') model = chunk.model;
      if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      choices = Math.max(choices, (chunk.choices ?? []).length);
      if (typeof choice.delta?.content === 'string') {
        text += choice.delta.content;
        sawText = true;
      }
      if (typeof choice.delta?.refusal === 'string') refusal = (refusal ?? '') + choice.delta.refusal;
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  } catch (error) {
    if (signal.aborted) throw stopped(connection, idle.signal.aborted, requestId, text);
    if (isConnectionLoss(error)) throw truncated(connection, requestId, text, 'the connection was lost');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // The SDK ends the loop quietly when its signal is aborted.
  if (signal.aborted) throw stopped(connection, idle.signal.aborted, requestId, text);
  if (finishReason === null) {
    if (chunks > 0 && choices === 0) return { text: null, refusal: null, finishReason: null, choices: 0, usage, requestId, model, streamed: true };
    throw truncated(connection, requestId, text, 'the stream ended before the answer was finished');
  }
  return { text: sawText ? text : null, refusal, finishReason, choices, usage, requestId, model, streamed: true };
}

function stopped(connection: Connection, idle: boolean, requestId: string | null, partial: string): NodeError {
  if (!idle) return abortError(connection);
  return new NodeError({
    message: `${connection.where}: ${title(connection)} stopped sending the answer for ${seconds(connection.timeoutMs)} (after ${partial.length} characters).`,
    code: 'LLM_TIMEOUT',
    retryable: false,
    hint: 'Raise the step\'s "Timeout", or try again later; a busy or overloaded server stalls like this.',
    details: { requestId, partialAnswer: partial },
  });
}

function truncated(connection: Connection, requestId: string | null, partial: string, why: string): NodeError {
  return new NodeError({
    message: `${connection.where}: the answer from ${title(connection)} was cut off: ${why} (after ${partial.length} characters).`,
    code: 'LLM_TRUNCATED',
    retryable: false,
    hint: 'Run the flow again for this item. If it keeps happening, turn streaming off or check proxies between you and the provider.',
    details: { requestId, partialAnswer: partial },
  });
}

function badResponse(connection: Connection, requestId: string | null, body: string): NodeError {
  return new NodeError({
    message: `${connection.where}: ${title(connection)} answered with something that is not a chat completion (starts with ${JSON.stringify(body.slice(0, 80))}).`,
    code: 'LLM_BAD_RESPONSE',
    retryable: false,
    hint: 'Check the base URL: it must point at the OpenAI-compatible API (often ending in /v1), not at a web page or proxy.',
    details: { requestId, body: body.slice(0, 2000) },
  });
}

function abortError(connection: Connection): NodeError {
  const reason: unknown = connection.signal.reason;
  // The runner's own time limit for the node: keep its wording.
  if (reason instanceof NodeError) return reason;
  return new NodeError({ message: 'The run was stopped.', code: 'CANCELLED', retryable: false });
}

function isConnectionLoss(error: unknown): boolean {
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
