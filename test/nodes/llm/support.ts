/** Shared set-up for the AI step tests: a scripted OpenAI-compatible server and flows around the step. */
import { EnvSecretResolver, type NodeErrorInfo, type RunEvent } from '../../../engine/index.ts';
import { makeFlow } from '../../helpers/engine.ts';
import type { OpenAiTestServer } from '../../helpers/openai-server.ts';
import { eventsOf, passThrough } from '../support.ts';

export const API_KEY = 'sk-test-flowkeeper-secret-4242';

/** Credentials as a headless run reads them: `openai` (key + the test server) and `local` (no key). */
export function secretsFor(server: OpenAiTestServer): EnvSecretResolver {
  return new EnvSecretResolver({
    FLOWKEEPER_CREDENTIAL_OPENAI: JSON.stringify({ apiKey: API_KEY, baseUrl: server.baseUrl }),
    FLOWKEEPER_CREDENTIAL_AZURE: JSON.stringify({ apiKey: API_KEY, baseUrl: server.origin }),
  });
}

/** An AI step on the test server as "OpenAI", fast timeouts, retries as given. */
export function aiConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { provider: 'openai', credential: 'openai', model: 'gpt-4o-mini', prompt: '{{ body }}', timeoutSeconds: 5, maxRetries: 0, ...extra };
}

/** start -> ai -> ok, and ai.error -> errors unless `errorPort: false`. */
export function aiFlow(config: Record<string, unknown>, options: { errorPort?: boolean; name?: string } = {}) {
  const errorPort = options.errorPort ?? true;
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'ai', type: 'llm.generate', config, ...(options.name ? { name: options.name } : {}) },
      passThrough('ok'),
      ...(errorPort ? [passThrough('errors')] : []),
    ],
    ['start -> ai', 'ai -> ok', ...(errorPort ? ['ai.error -> errors'] : [])],
  );
}

export type ErrorItem = { error: NodeErrorInfo; item: Record<string, unknown>; itemIndex: number };
export const asErrors = (items: Array<Record<string, unknown>>) => items as unknown as ErrorItem[];

/** The recorded `llm` calls of a node: intents (requests) and results. */
export function llmCalls(events: readonly RunEvent[], nodeId = 'ai') {
  return {
    intents: eventsOf(events, 'external.intent', nodeId).filter((e) => e.kind === 'llm'),
    results: eventsOf(events, 'external.result', nodeId).filter((e) => e.kind === 'llm'),
  };
}

/** A chat answer holding JSON. */
export const jsonAnswer = (value: unknown, extra: Record<string, unknown> = {}) => ({ kind: 'answer' as const, content: JSON.stringify(value), ...extra });
