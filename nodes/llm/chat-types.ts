/** What the AI step sends and gets back, as recorded in the trace, and how it reaches the provider. */
import type { ProviderId } from './provider-presets.ts';

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
