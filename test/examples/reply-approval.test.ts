/**
 * The reply-approval example: an AI step drafts, a person approves (with a correction) before the
 * HTTP post goes out; nothing is posted while the run waits, the post carries the corrected text
 * and goes out once; a rejected draft is never posted. Runs against a scripted OpenAI-compatible
 * server and the local demo API.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayRun, validateFlowText } from '../../engine/index.ts';
import { startDemoApi, type DemoApi } from '../../examples/demo-api/server.ts';
import { registry, testEngine } from '../helpers/engine.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../helpers/openai-server.ts';

let ai: OpenAiTestServer;
let api: DemoApi;
beforeAll(async () => {
  ai = await startOpenAiServer();
  ai.fallback = () => ({ kind: 'answer', content: JSON.stringify({ reply: 'Sorry for the wait, Ana. Your order ships today. — The Tea & Co team' }), promptTokens: 100, completionTokens: 20 });
  api = await startDemoApi(0);
});
afterAll(async () => {
  await ai.close();
  await api.close();
});

async function loadFlow() {
  const result = validateFlowText(await readFile(join(import.meta.dirname, '..', '..', 'examples', 'reply-approval', 'flow.json'), 'utf8'), registry);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.problems).toEqual([]);
  return result.flow;
}

describe('example: reply with approval', () => {
  it('posts only after a person approves, with their correction, once; a rejected draft is never posted', async () => {
    const flow = await loadFlow();
    const { engine, store, cleanup } = await testEngine();
    try {
      const input = { aiServer: ai.baseUrl, apiBase: api.url, from: 'ana@tea-and-co.example', subject: 'Where is my order?', body: 'Order 5531 has not arrived.' };
      const paused = await engine.startRun(flow, { input });
      expect(paused.status).toBe('paused');
      expect(api.stats.messages).toEqual([]);
      const id = paused.pause!.requests![0]!;
      const done = await engine.answerReview(paused.runId, { kind: 'decision', requestId: id, outcome: 'approve', by: 'pat', edits: { 'draft.reply': 'Sorry for the wait, Ana: order 5531 ships today. — The Tea & Co team' } });
      expect(done.status).toBe('succeeded');
      expect(api.stats.messages).toEqual([{ channel: 'support', to: 'ana@tea-and-co.example', text: 'Sorry for the wait, Ana: order 5531 ships today. — The Tea & Co team', approvedBy: 'pat' }]);
      expect((await replayRun(store, registry, paused.runId)).identical).toBe(true);

      const second = await engine.startRun(flow, { input });
      await engine.answerReview(second.runId, { kind: 'decision', requestId: second.pause!.requests![0]!, outcome: 'reject', by: 'pat', comment: 'We do not know that it ships today.' });
      expect(api.stats.messages).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });
});
