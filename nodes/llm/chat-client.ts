/**
 * The one place the openai SDK is called: builds a client for the connection (OpenAI, Azure or
 * any OpenAI-compatible server), sends one chat request, plain or streamed, and returns the
 * recorded shape. Loaded on the first AI call (see providers.ts).
 */
import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import { NodeError } from '../../engine/model/index.ts';
import type { Connection, LlmRequest, LlmResult } from './chat-types.ts';
import { badResponse, isConnectionLoss, stopped, toNodeError, truncated } from './provider-errors.ts';
import { PROVIDER_PRESETS, nonEmpty } from './provider-presets.ts';

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
