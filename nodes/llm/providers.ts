/**
 * AI providers for the AI step (not a node type), as the node sees them: the presets, the
 * recorded request and result shapes, and `sendChat`. The pieces live beside it, one job each:
 * `provider-presets.ts` (data), `chat-types.ts` (shapes), `chat-client.ts` (the one place the
 * openai SDK is called) and `provider-errors.ts` (its errors in plain words).
 *
 * Exactly one retry layer: the SDK's own `maxRetries`; every error leaving here is
 * `retryable: false`. Imports only the node kit and libraries.
 */
import type { Connection, LlmRequest, LlmResult } from './chat-types.ts';

export { PROVIDERS, PROVIDER_PRESETS, resolveBaseUrl, type ProviderId, type ProviderPreset } from './provider-presets.ts';
export type { ChatMessage, Connection, LlmRequest, LlmResult, ResponseFormat } from './chat-types.ts';

/**
 * Sends one chat request (the SDK retries transient failures) and returns the recorded shape.
 * The SDK is loaded on the first call, not with the node: it is the largest module Flowkeeper
 * loads, and most commands (`flowkeeper --help`, `validate`, `runs`) never call a model.
 */
export async function sendChat(connection: Connection, request: LlmRequest): Promise<LlmResult> {
  const client = await import('./chat-client.ts');
  return client.sendChat(connection, request);
}
