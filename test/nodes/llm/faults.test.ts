/**
 * AI step faults, each against the real SDK over real HTTP: 429 with Retry-After, 5xx, a reset
 * connection, a hung request, a stream cut short or stalled, empty choices, bodies and answers that
 * are not JSON, refusals. Each ends as one clear error item on the error port — never a crash,
 * never a silent empty item — after exactly the SDK's retries (counted at the server), while the
 * other items carry on.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replayRun, type Engine, type FileTraceStore } from '../../../engine/index.ts';
import { registry, testEngine } from '../../helpers/engine.ts';
import { startOpenAiServer, type OpenAiTestServer, type Reply } from '../../helpers/openai-server.ts';
import { eventsOf, itemsOf, traceEvents } from '../support.ts';
import { aiConfig, aiFlow, asErrors, llmCalls, secretsFor } from './support.ts';

let server: OpenAiTestServer;
let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  server = await startOpenAiServer();
  ({ engine, store, cleanup } = await testEngine({ secrets: secretsFor(server) }));
});
afterAll(async () => {
  await server.close();
  await cleanup();
});
beforeEach(() => server.reset());

/** Runs two items: `bad` gets the scripted fault, `good` a normal answer. Returns the one error. */
async function faultFor(fault: Reply, config: Record<string, unknown> = {}, name?: string) {
  const good: Reply = config.task === 'summarize' ? { kind: 'answer', content: '{"summary":"fine"}' } : { kind: 'answer', content: 'fine' };
  server.fallback = (req) => (req.body.messages.at(-1)!.content === 'good' ? good : fault);
  const started = performance.now();
  const outcome = await engine.startRun(aiFlow(aiConfig(config), name ? { name } : {}), { input: [{ body: 'bad' }, { body: 'good' }] });
  const ms = performance.now() - started;
  expect(outcome.status).toBe('succeeded');
  // The healthy item is untouched by its neighbour's fault.
  expect(itemsOf(outcome, 'ok')).toEqual([{ body: 'good', ai: config.task === 'summarize' ? { summary: 'fine' } : { text: 'fine' } }]);
  const errors = asErrors(itemsOf(outcome, 'errors'));
  expect(errors).toHaveLength(1);
  expect(errors[0]!.itemIndex).toBe(0);
  expect(errors[0]!.item).toEqual({ body: 'bad' });
  const badRequests = server.requests.filter((r) => r.body.messages.some((m) => m.role === 'user' && m.content === 'bad')).length;
  return { error: errors[0]!.error, badRequests, ms, outcome };
}

describe('llm.generate: faults end on the error port, after exactly the SDK retries', () => {
  it('429 with Retry-After: retried by the SDK as asked, then LLM_RATE_LIMITED with the provider message', async () => {
    const { error, badRequests, outcome } = await faultFor({ kind: 'status', status: 429, message: 'Rate limit reached for gpt-4o-mini', headers: { 'retry-after-ms': '20' } }, { maxRetries: 2 }, 'Classify');
    expect(badRequests).toBe(3);
    expect(error).toMatchObject({ code: 'LLM_RATE_LIMITED', status: 429, retryable: false, retryAfterMs: 20 });
    expect(error.message).toBe('"Classify" item 1: OpenAI (127.0.0.1:' + server.origin.split(':')[2] + ') is rate-limiting requests (429) and still was after 2 retries: Rate limit reached for gpt-4o-mini');
    expect(error.hint).toMatch(/Concurrency/);
    expect(error.details).toMatchObject({ requestId: 'req_test_0003' });
    // One retry layer: no item or node retries were stacked on the SDK's.
    const events = await traceEvents(store, outcome.runId);
    expect(eventsOf(events, 'item.retrying')).toEqual([]);
    expect(eventsOf(events, 'node.retrying')).toEqual([]);
    expect(llmCalls(events).results.map((r) => r.error?.code ?? 'ok')).toEqual(['LLM_RATE_LIMITED', 'ok']);
  });

  it('a 429 that clears within the retries is one successful call in the trace', async () => {
    server.script({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }, { kind: 'answer', content: 'made it' });
    const outcome = await engine.startRun(aiFlow(aiConfig({ maxRetries: 1 })), { input: { body: 'x' } });
    expect(itemsOf(outcome, 'ok')).toEqual([{ body: 'x', ai: { text: 'made it' } }]);
    expect(server.requests).toHaveLength(2);
    const { results } = llmCalls(await traceEvents(store, outcome.runId));
    expect(results).toHaveLength(1);
    expect(results[0]!.result).toMatchObject({ requestId: 'req_test_0002' });
  });

  it.each([500, 503])('%i: LLM_SERVER_ERROR after the retries', async (status) => {
    const { error, badRequests } = await faultFor({ kind: 'status', status, message: 'The server had an error', headers: { 'retry-after-ms': '5' } }, { maxRetries: 2 });
    expect(badRequests).toBe(3);
    expect(error).toMatchObject({ code: 'LLM_SERVER_ERROR', status, retryable: false });
    expect(error.message).toContain(`had a server error (${status}) and still had it after 2 retries: The server had an error`);
  });

  it('maxRetries 0 means one request and no retry', async () => {
    const { error, badRequests } = await faultFor({ kind: 'status', status: 503, headers: { 'retry-after-ms': '5' } }, { maxRetries: 0 });
    expect(badRequests).toBe(1);
    expect(error.message).toContain('with retries turned off');
  });

  it('a 401 is not retried: LLM_AUTH pointing at the credential', async () => {
    const { error, badRequests } = await faultFor({ kind: 'status', status: 401, message: 'Incorrect API key provided' }, { maxRetries: 2 });
    expect(badRequests).toBe(1);
    expect(error).toMatchObject({ code: 'LLM_AUTH', status: 401 });
    expect(error.hint).toContain('"apiKey" in the credential "openai"');
  });

  it('a 400 on structured output suggests switching to instructions', async () => {
    server.script({ kind: 'status', status: 400, message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model." });
    const outcome = await engine.startRun(aiFlow(aiConfig({ task: 'summarize', maxRetries: 2 })), { input: { body: 'x' } });
    const [failed] = asErrors(itemsOf(outcome, 'errors'));
    expect(failed!.error.code).toBe('LLM_REQUEST_REJECTED');
    expect(failed!.error.hint).toMatch(/"Structured output" to "instructions"/);
    expect(server.requests).toHaveLength(1);
  });

  it('connection reset before an answer: retried, then LLM_CONNECTION', async () => {
    const { error, badRequests } = await faultFor({ kind: 'reset' }, { maxRetries: 1 });
    expect(badRequests).toBe(2);
    expect(error).toMatchObject({ code: 'LLM_CONNECTION', retryable: false });
    expect(error.message).toMatch(/could not reach OpenAI \(127\.0\.0\.1:\d+\) \(after 1 retry\): the connection was closed before an answer came\.$/);
  });

  it('a hung request: the SDK timeout per attempt, retried once, then LLM_TIMEOUT — well within the budget', async () => {
    const { error, badRequests, ms } = await faultFor({ kind: 'hang' }, { maxRetries: 1, timeoutSeconds: 0.3 });
    expect(badRequests).toBe(2);
    expect(error).toMatchObject({ code: 'LLM_TIMEOUT', retryable: false });
    expect(error.message).toContain('did not answer within 300 ms (after 1 retry)');
    expect(ms).toBeLessThan(3000);
  });

  it('nothing listening (a local server that is not started): LLM_CONNECTION with how to start it', async () => {
    const port = await freePort();
    const flow = aiFlow({ provider: 'ollama', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'llama3.1', prompt: '{{ body }}', maxRetries: 0, timeoutSeconds: 2 });
    const outcome = await engine.startRun(flow, { input: { body: 'x' } });
    const [failed] = asErrors(itemsOf(outcome, 'errors'));
    expect(failed!.error.code).toBe('LLM_CONNECTION');
    expect(failed!.error.message).toContain('could not reach Ollama');
    expect(failed!.error.message).toContain('connection refused');
    expect(failed!.error.hint).toContain('ollama serve');
  });

  it.each([
    ['ends', 'end'],
    ['is reset', 'reset'],
  ] as const)('a stream that %s before finishing: LLM_TRUNCATED with the partial answer, not retried, never a short success', async (_what, how) => {
    const { error, badRequests } = await faultFor({ kind: 'truncated-stream', content: 'Dear customer, we are so', how }, { stream: true, maxRetries: 2 });
    expect(badRequests).toBe(1);
    expect(error.code).toBe('LLM_TRUNCATED');
    expect(error.message).toContain('was cut off');
    expect(error.details).toMatchObject({ partialAnswer: 'Dear customer, we are so', requestId: 'req_test_0001' });
  });

  it('a stream that stalls: cut off after the timeout with LLM_TIMEOUT', async () => {
    const { error, ms } = await faultFor({ kind: 'stalled-stream', content: 'Dear customer, we' }, { stream: true, timeoutSeconds: 0.3 });
    expect(error.code).toBe('LLM_TIMEOUT');
    expect(error.message).toContain('stopped sending the answer for 300 ms');
    expect(error.details).toMatchObject({ partialAnswer: 'Dear c' });
    expect(ms).toBeLessThan(3000);
    expect(server.open).toBe(0);
  });

  it.each([false, true])('empty choices (stream: %s): LLM_EMPTY, with usage still recorded', async (stream) => {
    const { error, outcome } = await faultFor({ kind: 'empty-choices' }, { stream });
    expect(error.code).toBe('LLM_EMPTY');
    expect(error.message).toContain('sent back no answer at all');
    const [result] = llmCalls(await traceEvents(store, outcome.runId)).results;
    expect(result!.result).toMatchObject({ choices: 0, text: null, usage: { completionTokens: 0 } });
  });

  it('an answer with empty text: LLM_EMPTY, not an empty item', async () => {
    const { error } = await faultFor({ kind: 'answer', content: '' });
    expect(error.code).toBe('LLM_EMPTY');
  });

  it.each([
    ['an HTML page', { kind: 'raw', contentType: 'text/html', body: '<html><body>502 Bad Gateway</body></html>' }],
    ['broken JSON', { kind: 'raw', contentType: 'application/json', body: '{"choices": [' }],
  ] as const)('a body that is not a chat completion (%s): LLM_BAD_RESPONSE pointing at the base URL', async (_what, reply) => {
    const { error } = await faultFor(reply);
    expect(error.code).toBe('LLM_BAD_RESPONSE');
    expect(error.hint).toMatch(/base URL/);
  });

  it('an answer that is not JSON where fields are expected: one repair, then LLM_BAD_ANSWER with the raw answer', async () => {
    const { error, badRequests } = await faultFor({ kind: 'answer', content: 'I cannot answer in JSON, sorry.' }, { task: 'summarize' });
    expect(badRequests).toBe(2);
    expect(error.code).toBe('LLM_BAD_ANSWER');
    expect(error.details).toMatchObject({ raw: 'I cannot answer in JSON, sorry.', problems: ['the answer is not JSON (it starts with "I cannot answer in JSON, sorry.")'] });
  });

  it('an answer cut off at the token limit: LLM_TRUNCATED with the raw text, no repair', async () => {
    const { error, badRequests } = await faultFor({ kind: 'answer', content: '{"summary": "The customer', finishReason: 'length' }, { task: 'summarize', maxTokens: 5 });
    expect(badRequests).toBe(1);
    expect(error.code).toBe('LLM_TRUNCATED');
    expect(error.hint).toMatch(/Max tokens/);
    expect(error.details).toMatchObject({ raw: '{"summary": "The customer' });
  });

  it('a refusal: LLM_REFUSED with the model\'s words', async () => {
    const { error } = await faultFor({ kind: 'answer', content: null, refusal: 'I can not help with that.' }, { task: 'summarize' });
    expect(error.code).toBe('LLM_REFUSED');
    expect(error.message).toContain('I can not help with that.');
  });

  it('without an error path, a fault fails the run naming the node, the item and what to do', async () => {
    server.script({ kind: 'status', status: 503, headers: { 'retry-after-ms': '5' } });
    const outcome = await engine.startRun(aiFlow(aiConfig(), { errorPort: false, name: 'Draft reply' }), { input: { body: 'x' } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({ nodeId: 'ai', code: 'LLM_SERVER_ERROR' });
    expect(outcome.error!.message).toContain('1 of 1 item failed in node "Draft reply". First: "Draft reply" item 1: OpenAI');
    expect(outcome.error!.hint).toMatch(/try again later/);
  });

  it('cancelling the run stops a hung request at once, and it is not recorded as the provider\'s answer', async () => {
    server.fallback = () => ({ kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const outcome = await engine.startRun(aiFlow(aiConfig({ timeoutSeconds: 30 })), { input: { body: 'x' }, signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
    expect(performance.now() - started).toBeLessThan(2000);
    const { intents, results } = llmCalls(await traceEvents(store, outcome.runId));
    expect(intents).toHaveLength(1);
    expect(results).toEqual([]);
  });

  it('a fault replays identically offline', async () => {
    const { outcome } = await faultFor({ kind: 'status', status: 429, headers: { 'retry-after-ms': '5' } }, { maxRetries: 1 });
    const before = server.requests.length;
    expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
    expect(server.requests).toHaveLength(before);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
