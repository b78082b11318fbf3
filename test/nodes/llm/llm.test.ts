/**
 * AI step (`llm.generate`): the real openai SDK over real HTTP against a scripted
 * OpenAI-compatible server on 127.0.0.1. Presets, structured output and its repair attempt,
 * providers, streaming, the trace (request id, usage, no API key), replay, the dev cache, the
 * inspector preview and routing on confidence. Faults are in faults.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine, evaluateDeep, replayRun, validateFlow, type FileTraceStore, type Item } from '../../../engine/index.ts';
import { runCost } from '../../../engine/cost.ts';
import llmNode from '../../../nodes/llm/llm.ts';
import { makeFlow, registry, testEngine } from '../../helpers/engine.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.ts';
import { eventsOf, filesBelow, itemsOf, passThrough, traceEvents } from '../support.ts';
import { API_KEY, aiConfig, aiFlow, asErrors, jsonAnswer, llmCalls, secretsFor } from './support.ts';

let server: OpenAiTestServer;
let engine: Engine;
let store: FileTraceStore;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  server = await startOpenAiServer();
  ({ engine, store, dir, cleanup } = await testEngine({ secrets: secretsFor(server) }));
});
afterAll(async () => {
  await server.close();
  await cleanup();
});
beforeEach(() => server.reset());

describe('llm.generate: tasks', () => {
  it('custom prompt: templates over the item, system prompt and settings reach the model; the text answer lands in ai.text', async () => {
    server.script({ kind: 'answer', content: 'Dear Ada, thanks for writing.' });
    const flow = aiFlow(
      aiConfig({ prompt: 'Write to {{ name }} about order {{ order.id }} ({{ $count(order.lines) }} lines).', systemPrompt: 'You work for {{ $input.shop }}.', temperature: 0.2, maxTokens: 300, seed: 7 }),
    );
    const outcome = await engine.startRun(flow, { input: { name: 'Ada', shop: 'Tea & Co', order: { id: 'A-1', lines: [1, 2] } } });
    expect(outcome.status).toBe('succeeded');
    const [request] = server.requests;
    expect(request!.url).toBe('/v1/chat/completions');
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You work for Tea & Co.' },
        { role: 'user', content: 'Write to Ada about order A-1 (2 lines).' },
      ],
      temperature: 0.2,
      max_completion_tokens: 300,
      seed: 7,
    });
    expect(request!.body.response_format).toBeUndefined();
    expect(request!.body.stream).toBeFalsy();
    expect(itemsOf(outcome, 'ok')).toEqual([{ name: 'Ada', shop: 'Tea & Co', order: { id: 'A-1', lines: [1, 2] }, ai: { text: 'Dear Ada, thanks for writing.' } }]);
  });

  it('classify: labels in a strict json_schema, label + confidence + reason come back; a label in other case is normalized', async () => {
    server.script(jsonAnswer({ label: 'Billing', confidence: 0.92, reason: 'Asks about an invoice.' }));
    const flow = aiFlow(aiConfig({ task: 'classify', labels: ['billing', 'bug', 'other'] }));
    const outcome = await engine.startRun(flow, { input: { body: 'Why was I charged twice?' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ body: 'Why was I charged twice?', ai: { label: 'billing', confidence: 0.92, reason: 'Asks about an invoice.' } }]);
    const body = server.requests[0]!.body;
    expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'answer', strict: true } });
    const schema = body.response_format!.json_schema!.schema as { properties: Record<string, { enum?: string[]; type: unknown }>; required: string[]; additionalProperties: boolean };
    expect(schema.required).toEqual(['label', 'confidence', 'reason']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.label!.enum).toEqual(['billing', 'bug', 'other']);
    expect(schema.properties.confidence!.type).toBe('number');
    expect(body.messages[0]!.content).toContain('exactly one of these labels: "billing", "bug", "other"');
  });

  it('extract: operator-defined fields (optional ones null when absent, extra keys dropped) plus confidence when asked', async () => {
    server.script(jsonAnswer({ invoiceNumber: 'INV-7', total: 120.5, paid: false, items: ['tea', 'cups'], currency: 'EUR', confidence: 0.8, note: 'extra' }));
    const flow = aiFlow(
      aiConfig({
        task: 'extract',
        askConfidence: true,
        outputFields: [
          { name: 'invoiceNumber', type: 'text', description: 'As printed' },
          { name: 'total', type: 'number' },
          { name: 'paid', type: 'boolean' },
          { name: 'items', type: 'list' },
          { name: 'currency', type: 'choice', options: ['EUR', 'USD'] },
          { name: 'dueDate', type: 'text', required: false },
        ],
      }),
    );
    const outcome = await engine.startRun(flow, { input: { body: 'Invoice INV-7 ...' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')[0]!.ai).toStrictEqual({ invoiceNumber: 'INV-7', total: 120.5, paid: false, items: ['tea', 'cups'], currency: 'EUR', dueDate: null, confidence: 0.8 });
    const schema = server.requests[0]!.body.response_format!.json_schema!.schema as { properties: Record<string, { type: unknown; description?: string }>; required: string[] };
    expect(schema.required).toEqual(['invoiceNumber', 'total', 'paid', 'items', 'currency', 'dueDate', 'confidence']);
    expect(schema.properties.dueDate!.type).toEqual(['string', 'null']);
    expect(schema.properties.items).toEqual({ type: 'array', items: { type: 'string' } });
    expect(schema.properties.invoiceNumber!.description).toBe('As printed');
  });

  it.each([
    ['summarize', { summary: 'Customer wants a refund for order 12.' }, 'Summarize the input'],
    ['draft-reply', { reply: 'Hello Ada, we have refunded order 12.' }, 'Draft a reply'],
  ])('%s: the preset field comes back under ai', async (task, answer, instruction) => {
    server.script(jsonAnswer(answer));
    const outcome = await engine.startRun(aiFlow(aiConfig({ task })), { input: { body: 'I want my money back for order 12.' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')[0]!.ai).toEqual(answer);
    expect(server.requests[0]!.body.messages[0]!.content).toContain(instruction);
    expect(Object.keys((server.requests[0]!.body.response_format!.json_schema!.schema as { properties: object }).properties)).toEqual(Object.keys(answer));
  });

  it('few-shot examples come between the system prompt and the item, answers as JSON; outputField "" merges the answer into the item', async () => {
    server.script(jsonAnswer({ label: 'bug', confidence: 0.7, reason: 'Crash report.' }));
    const flow = aiFlow(
      aiConfig({
        task: 'classify',
        labels: ['bug', 'billing'],
        outputField: '',
        examples: [{ input: 'The app crashes on start.', output: { label: 'bug', confidence: 0.95, reason: 'A crash.' } }, { input: 'Refund please', output: '{"label":"billing","confidence":0.9,"reason":"Money."}' }],
      }),
    );
    const outcome = await engine.startRun(flow, { input: { body: 'It freezes', id: 3 } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ body: 'It freezes', id: 3, label: 'bug', confidence: 0.7, reason: 'Crash report.' }]);
    expect(server.requests[0]!.body.messages.map((m) => [m.role, m.role === 'system' ? '…' : m.content])).toEqual([
      ['system', '…'],
      ['user', 'The app crashes on start.'],
      ['assistant', '{"label":"bug","confidence":0.95,"reason":"A crash."}'],
      ['user', 'Refund please'],
      ['assistant', '{"label":"billing","confidence":0.9,"reason":"Money."}'],
      ['user', 'It freezes'],
    ]);
  });

  it('an empty rendered prompt fails that item before anything is paid for', async () => {
    server.script({ kind: 'answer', content: 'ok' });
    const outcome = await engine.startRun(aiFlow(aiConfig()), { input: [{ subject: 'no body here' }, { body: 'hello' }] });
    expect(outcome.status).toBe('succeeded');
    const [error] = asErrors(itemsOf(outcome, 'errors'));
    expect(error!.error.code).toBe('LLM_EMPTY_PROMPT');
    expect(error!.error.message).toContain('"ai" item 1');
    expect(error!.error.hint).toMatch(/field names/);
    expect(itemsOf(outcome, 'ok')).toEqual([{ body: 'hello', ai: { text: 'ok' } }]);
    expect(server.requests).toHaveLength(1);
  });
});

describe('llm.generate: structured output and the repair attempt', () => {
  it('a provider without json_schema support gets the format as instructions, and a fenced JSON answer is accepted', async () => {
    server.script({ kind: 'answer', content: 'Here you go:\n```json\n{"label":"bug","confidence":0.6,"reason":"Crash."}\n```' });
    const flow = aiFlow(aiConfig({ provider: 'custom', credential: undefined, baseUrl: server.baseUrl, task: 'classify', labels: ['bug', 'billing'] }));
    const outcome = await engine.startRun(flow, { input: { body: 'It crashes' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')[0]!.ai).toEqual({ label: 'bug', confidence: 0.6, reason: 'Crash.' });
    const body = server.requests[0]!.body;
    expect(body.response_format).toBeUndefined();
    const system = body.messages[0]!.content;
    expect(system).toContain('Answer with one JSON object and nothing else');
    expect(system).toContain('- "label": one of "bug", "billing"');
    expect(system).toContain('- "confidence": a number from 0 to 1');
    expect(system).toContain('"additionalProperties":false');
    // No API key for a local server: the SDK's placeholder, never a real key.
    expect(server.requests[0]!.headers.authorization).toBe('Bearer not-needed');
    expect(body.max_tokens).toBeUndefined();
  });

  it('"structuredOutput: instructions" overrides a provider that supports json_schema', async () => {
    server.script(jsonAnswer({ summary: 'Short.' }));
    const outcome = await engine.startRun(aiFlow(aiConfig({ task: 'summarize', structuredOutput: 'instructions' })), { input: { body: 'Long text' } });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests[0]!.body.response_format).toBeUndefined();
    expect(server.requests[0]!.body.messages[0]!.content).toContain('"summary"');
  });

  it('an invalid answer gets one repair attempt with the problems; the corrected answer is used and both calls are recorded', async () => {
    server.script(jsonAnswer({ label: 'refund', confidence: 'high' }), jsonAnswer({ label: 'billing', confidence: 0.8, reason: 'Refund request.' }));
    const outcome = await engine.startRun(aiFlow(aiConfig({ task: 'classify', labels: ['billing', 'bug'] })), { input: { body: 'Refund please' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')[0]!.ai).toEqual({ label: 'billing', confidence: 0.8, reason: 'Refund request.' });
    expect(server.requests).toHaveLength(2);
    const repair = server.requests[1]!.body.messages;
    expect(repair.slice(0, -2)).toEqual(server.requests[0]!.body.messages);
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: '{"label":"refund","confidence":"high"}' });
    expect(repair.at(-1)!.role).toBe('user');
    expect(repair.at(-1)!.content).toContain('- "label" should be one of "billing", "bug", not "refund"');
    expect(repair.at(-1)!.content).toContain('- "confidence" should be a number from 0 to 1, not "high"');
    expect(repair.at(-1)!.content).toContain('- "reason" is missing');
    const { intents, results } = llmCalls(await traceEvents(store, outcome.runId));
    expect(intents.map((e) => [e.call, (e.request as { purpose: string }).purpose])).toEqual([
      [0, 'answer'],
      [1, 'repair'],
    ]);
    expect(results).toHaveLength(2);
  });

  it('still invalid after the repair → the error port, with the raw answer kept; the other items go on', async () => {
    server.fallback = (req) =>
      req.body.messages.at(-1)!.content === 'good'
        ? jsonAnswer({ label: 'bug', confidence: 0.9, reason: 'ok' })
        : { kind: 'answer', content: req.body.messages.length > 2 ? 'Honestly, I think it is a bug.' : 'It is a bug, I am fairly sure.' };
    const outcome = await engine.startRun(aiFlow(aiConfig({ task: 'classify', labels: ['bug', 'billing'] })), { input: [{ body: 'bad' }, { body: 'good' }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([{ body: 'good', ai: { label: 'bug', confidence: 0.9, reason: 'ok' } }]);
    const [failed] = asErrors(itemsOf(outcome, 'errors'));
    expect(failed!.itemIndex).toBe(0);
    expect(failed!.item).toEqual({ body: 'bad' });
    expect(failed!.error.code).toBe('LLM_BAD_ANSWER');
    expect(failed!.error.message).toMatch(/^"ai" item 1: the answer from gpt-4o-mini does not fit the answer fields, even after one repair attempt: the answer is not JSON/);
    expect(failed!.error.details).toMatchObject({ raw: 'Honestly, I think it is a bug.', firstAnswer: 'It is a bug, I am fairly sure.', requestId: 'req_test_0002' });
    expect(failed!.error.retryable).toBe(false);
    expect(server.requests).toHaveLength(3);
    // The failure replays identically from the trace.
    expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
  });

  it('flow validation explains a misconfigured step, field by field', () => {
    const raw = (config: Record<string, unknown>) => ({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'f',
      name: 'f',
      nodes: [{ id: 'ai', type: 'llm.generate', config }],
      edges: [],
    });
    const problems = (config: Record<string, unknown>) => {
      const result = validateFlow(raw(config), registry);
      return result.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems({ model: 'm', prompt: 'x', task: 'classify', labels: ['one'], credential: 'c' })).toEqual([expect.stringMatching(/^nodes\[0\]\.config\.labels: .*at least two labels/)]);
    expect(problems({ model: 'm', prompt: 'x', task: 'extract', credential: 'c' })).toEqual([expect.stringMatching(/config\.outputFields: .*at least one field/)]);
    expect(problems({ model: 'm', prompt: 'x', task: 'classify', labels: ['a', 'b'], outputFields: [{ name: 'confidence' }], credential: 'c' })).toEqual([expect.stringMatching(/outputFields\[0\]\.name: .*already part of the classify answer/)]);
    expect(problems({ model: 'm', prompt: 'x' })).toEqual([expect.stringMatching(/config\.credential: OpenAI needs a credential/)]);
    expect(problems({ model: 'm', prompt: 'x', provider: 'custom' })).toEqual([expect.stringMatching(/config\.baseUrl: Say where the server is/)]);
    expect(problems({ model: 'm', prompt: 'x', provider: 'azure', credential: 'c' })).toEqual([expect.stringMatching(/config\.azure: .*deployment/)]);
    expect(problems({ model: 'm', prompt: 'x', provider: 'ollama', outputFields: [{ name: 'total amount', type: 'choice' }] })).toEqual([
      expect.stringMatching(/outputFields\[0\]\.name: .*use letters, digits and _ only, starting with a letter \(e\.g\. invoiceNumber\)\.?$/),
      expect.stringMatching(/outputFields\[0\]\.options: A choice field needs its options/),
    ]);
    expect(problems({ model: 'm', prompt: 'x', provider: 'ollama' })).toEqual([]);
  });
});

describe('llm.generate: providers and streaming', () => {
  it('Azure OpenAI: the SDK routes to the deployment with the api-version and an api-key header', async () => {
    server.script({ kind: 'answer', content: 'hi' });
    const flow = aiFlow(aiConfig({ provider: 'azure', credential: 'azure', azure: { deployment: 'support-gpt4o', apiVersion: '2024-10-21' } }));
    const outcome = await engine.startRun(flow, { input: { body: 'hello' } });
    expect(outcome.status).toBe('succeeded');
    const [request] = server.requests;
    expect(request!.url).toBe('/openai/deployments/support-gpt4o/chat/completions?api-version=2024-10-21');
    expect(request!.headers['api-key']).toBe(API_KEY);
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.body.model).toBe('gpt-4o-mini');
    const [intent] = llmCalls(await traceEvents(store, outcome.runId)).intents;
    expect((intent!.request as { settings: { deployment: string } }).settings.deployment).toBe('support-gpt4o');
  });

  it('Ollama preset: no credential needed, max_tokens and json_schema sent to the base URL set on the step', async () => {
    server.script(jsonAnswer({ summary: 's' }));
    const flow = aiFlow({ provider: 'ollama', baseUrl: server.baseUrl, model: 'llama3.1:8b', prompt: '{{ body }}', task: 'summarize', maxTokens: 50, timeoutSeconds: 5, maxRetries: 0 });
    const outcome = await engine.startRun(flow, { input: { body: 'text' } });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests[0]!.body).toMatchObject({ model: 'llama3.1:8b', max_tokens: 50, response_format: { type: 'json_schema' } });
    expect(server.requests[0]!.body.max_completion_tokens).toBeUndefined();
  });

  it('a missing credential fails each item with how to add it, before anything is sent', async () => {
    const outcome = await engine.startRun(aiFlow(aiConfig({ credential: 'nowhere' })), { input: [{ body: 'a' }, { body: 'b' }] });
    const errors = asErrors(itemsOf(outcome, 'errors'));
    expect(errors.map((e) => e.error.code)).toEqual(['CREDENTIAL_MISSING', 'CREDENTIAL_MISSING']);
    expect(errors[0]!.error.hint).toContain('FLOWKEEPER_CREDENTIAL_NOWHERE');
    expect(server.requests).toHaveLength(0);
  });

  it('a seed is not sent to a provider that may not support it, with a warning in the trace', async () => {
    server.script({ kind: 'answer', content: 'ok' });
    const outcome = await engine.startRun(aiFlow(aiConfig({ provider: 'custom', credential: undefined, baseUrl: server.baseUrl, seed: 3 })), { input: { body: 'x' } });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests[0]!.body.seed).toBeUndefined();
    expect(eventsOf(await traceEvents(store, outcome.runId), 'node.log', 'ai').map((e) => e.message)).toEqual(['OpenAI-compatible server may not support "seed"; it is not sent.']);
  });

  it("the credential's baseUrl wins over the step's", async () => {
    server.script({ kind: 'answer', content: 'hi' });
    const flow = aiFlow(aiConfig({ baseUrl: 'http://127.0.0.1:9/v1' }));
    expect((await engine.startRun(flow, { input: { body: 'x' } })).status).toBe('succeeded');
    expect(server.requests).toHaveLength(1);
  });

  it('streaming: the answer is assembled from SSE chunks, with usage requested and recorded', async () => {
    server.script(jsonAnswer({ label: 'bug', confidence: 0.55, reason: 'It crashes when saving a long file.' }, { promptTokens: 42, completionTokens: 17 }));
    const outcome = await engine.startRun(aiFlow(aiConfig({ task: 'classify', labels: ['bug', 'billing'], stream: true })), { input: { body: 'crash' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')[0]!.ai).toEqual({ label: 'bug', confidence: 0.55, reason: 'It crashes when saving a long file.' });
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const [result] = llmCalls(await traceEvents(store, outcome.runId)).results;
    expect(result!.result).toMatchObject({ streamed: true, finishReason: 'stop', usage: { promptTokens: 42, completionTokens: 17 }, requestId: 'req_test_0001' });
  });
});

describe('llm.generate: trace, cost, replay and the dev cache', () => {
  it('records model, messages and settings (never the key), and the answer with finish reason, usage, request id and model', async () => {
    server.script({ kind: 'answer', content: 'Fine.', promptTokens: 1200, completionTokens: 300, model: 'gpt-4o-mini-2024-07-18' });
    const outcome = await engine.startRun(aiFlow(aiConfig({ temperature: 0 })), { input: { body: 'How are you?' } });
    const events = await traceEvents(store, outcome.runId);
    const { intents, results } = llmCalls(events);
    expect(intents).toHaveLength(1);
    expect(intents[0]!.effects).toBe('read');
    expect(intents[0]!.request).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'How are you?' }],
      settings: { temperature: 0, responseFormat: 'text', stream: false },
      purpose: 'answer',
    });
    expect(results[0]!.result).toEqual({
      text: 'Fine.',
      refusal: null,
      finishReason: 'stop',
      choices: 1,
      usage: { promptTokens: 1200, completionTokens: 300 },
      requestId: 'req_test_0001',
      model: 'gpt-4o-mini-2024-07-18',
      streamed: false,
    });
    // gpt-4o-mini: $0.15 / $0.60 per million tokens (default table).
    const cost = runCost(events);
    expect(cost).toMatchObject({ calls: 1, promptTokens: 1200, completionTokens: 300, unpricedModels: [] });
    expect(cost.costUsd).toBeCloseTo((1200 * 0.15 + 300 * 0.6) / 1e6, 12);
    expect(runCost(events, { 'gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 } }).costUsd).toBeCloseTo((1200 + 600) / 1e6, 12);
  });

  it('the API key never reaches the trace, blobs or run outputs, even when the model repeats it', async () => {
    server.script({ kind: 'answer', content: `Your key is ${API_KEY}. ${'x'.repeat(70_000)}` });
    const outcome = await engine.startRun(aiFlow(aiConfig()), { input: { body: 'tell me the key' } });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const files = await filesBelow(dir);
    expect(files.some((f) => f.path.includes('blobs'))).toBe(true);
    for (const file of files) expect(file.text).not.toContain(API_KEY);
    expect(files.filter((f) => f.text.includes('Your key is [redacted].')).length).toBeGreaterThan(0);
    expect(await readFile(store.locate(outcome.runId), 'utf8')).toContain('"fields":["apiKey","baseUrl"]');
  });

  it('replays identically with the server shut down: the recorded answers are reused', async () => {
    const local = await startOpenAiServer();
    local.script(jsonAnswer({ label: 'bug', confidence: 0.9, reason: 'r' }), { kind: 'answer', content: 'not json' }, jsonAnswer({ label: 'billing', confidence: 0.4, reason: 'r' }));
    const { engine: e, store: s, cleanup: done } = await testEngine({ secrets: secretsFor(local) });
    try {
      const outcome = await e.startRun(aiFlow(aiConfig({ task: 'classify', labels: ['bug', 'billing'], stream: true })), { input: [{ body: 'a' }, { body: 'b' }] });
      expect(outcome.status).toBe('succeeded');
      expect(itemsOf(outcome, 'ok')).toHaveLength(2);
      await local.close();
      const report = await replayRun(s, registry, outcome.runId);
      expect(report.identical).toBe(true);
      expect(local.requests).toHaveLength(3);
      // A changed prompt asks for something the recording does not have, and says so.
      const changed = aiFlow(aiConfig({ task: 'classify', labels: ['bug', 'billing'], stream: true, prompt: 'Ticket: {{ body }}' }));
      const diff = await replayRun(s, registry, outcome.runId, { flow: changed });
      expect(diff.identical).toBe(false);
      expect(diff.nodes.find((n) => n.nodeId === 'ai')!.changes.map((c) => c.path).join(' ')).toContain('error');
    } finally {
      await done();
    }
  });

  it('dev cache (opt-in): the same model, prompt and settings are answered from the cache, marked cached; a new prompt is paid for', async () => {
    const { engine: cached, store: s, dir: d, cleanup: done } = await testEngine({ secrets: secretsFor(server) });
    const withCache = new Engine({ store: s, registry, secrets: secretsFor(server), devCacheDir: join(d, 'cache') });
    try {
      server.fallback = (req) => ({ kind: 'answer', content: `answer ${server.requests.length} to ${req.body.messages.at(-1)!.content}`, promptTokens: 100, completionTokens: 10 });
      const flow = aiFlow(aiConfig());
      const first = await withCache.startRun(flow, { input: { body: 'one' } });
      const second = await withCache.startRun(flow, { input: { body: 'one' } });
      expect(server.requests).toHaveLength(1);
      expect(itemsOf(second, 'ok')).toEqual(itemsOf(first, 'ok'));
      const [hit] = llmCalls(await traceEvents(s, second.runId)).results;
      expect(hit!.cached).toBe(true);
      expect(hit!.result).toMatchObject({ text: 'answer 1 to one', requestId: 'req_test_0001' });
      expect(runCost(await traceEvents(s, second.runId))).toMatchObject({ calls: 1, cachedCalls: 1, costUsd: 0 });
      expect((await replayRun(s, registry, second.runId)).identical).toBe(true);
      // A different prompt is a miss; an engine without the cache always calls.
      await withCache.startRun(flow, { input: { body: 'two' } });
      await cached.startRun(flow, { input: { body: 'one' } });
      expect(server.requests.map((r) => r.body.messages.at(-1)!.content)).toEqual(['one', 'two', 'one']);
      const entries = (await filesBelow(join(d, 'cache'))).map((f) => f.path.slice(d.length));
      expect(entries).toEqual([expect.stringMatching(/^\/cache\/llm\/[0-9a-f]{64}\.json$/), expect.stringMatching(/^\/cache\/llm\/[0-9a-f]{64}\.json$/)]);
      for (const entry of await filesBelow(join(d, 'cache'))) expect(entry.text).not.toContain(API_KEY);
    } finally {
      await done();
    }
  });
});

describe('llm.generate: inspector preview and routing on confidence', () => {
  const preview = (config: Record<string, unknown>, item: Item) => {
    const parsed = llmNode.config.parse(config);
    return llmNode.preview!({ config: parsed, item, evaluate: (value) => evaluateDeep(value, { item, bindings: { input: {} } }) });
  };

  it('renders the messages an item would send, without calling anyone', async () => {
    const result = (await preview(aiConfig({ task: 'classify', labels: ['bug', 'billing'], systemPrompt: 'Team: {{ team }}', prompt: 'Subject: {{ subject }}\n{{ body }}' }), { subject: 'Crash', body: 'It fails', team: 'Support' })) as {
      messages: Array<{ role: string; content: string }>;
      responseFormat: string;
      answerFields: string[];
    };
    expect(result.responseFormat).toBe('json_schema');
    expect(result.answerFields).toEqual(['label', 'confidence', 'reason']);
    expect(result.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(result.messages[0]!.content).toMatch(/^Classify the input into exactly one of these labels: "bug", "billing"\..*\n\nTeam: Support$/s);
    expect(result.messages[1]!.content).toBe('Subject: Crash\nIt fails');
    const instructions = (await preview(aiConfig({ provider: 'custom', baseUrl: 'http://x', task: 'summarize' }), { body: 'b' })) as { messages: Array<{ content: string }>; responseFormat: string };
    expect(instructions.responseFormat).toBe('instructions');
    expect(instructions.messages[0]!.content).toContain('Answer with one JSON object');
    expect(server.requests).toHaveLength(0);
  });

  it('a classify answer routes on its confidence with flow.if: sure answers go on, unsure ones to review', async () => {
    server.fallback = (req) => {
      const text = req.body.messages.at(-1)!.content;
      return jsonAnswer(text.includes('invoice') ? { label: 'billing', confidence: 0.95, reason: 'invoice' } : { label: 'other', confidence: 0.35, reason: 'unclear' });
    };
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'ai', type: 'llm.generate', config: aiConfig({ task: 'classify', labels: ['billing', 'other'] }) },
        { id: 'sure', type: 'flow.if', config: { condition: '{{ ai.confidence >= 0.8 }}' } },
        passThrough('auto'),
        passThrough('review'),
      ],
      ['start -> ai', 'ai -> sure', 'sure.true -> auto', 'sure.false -> review'],
    );
    const outcome = await engine.startRun(flow, { input: [{ body: 'my invoice is wrong' }, { body: 'hmm' }, { body: 'second invoice' }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'auto').map((i) => i.body)).toEqual(['my invoice is wrong', 'second invoice']);
    expect(itemsOf(outcome, 'review')).toEqual([{ body: 'hmm', ai: { label: 'other', confidence: 0.35, reason: 'unclear' } }]);
  });
});
