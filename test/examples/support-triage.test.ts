/**
 * The support-triage example ("classify support emails → draft reply → review") runs end to end
 * against a scripted OpenAI-compatible server (standing in for a local Ollama), routes unsure and
 * sensitive emails to review, keeps a failed AI step on the review path, and replays identically.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayRun, validateFlowText, type Item } from '../../engine/index.ts';
import { runCost } from '../../engine/cost.ts';
import { registry, testEngine } from '../helpers/engine.ts';
import { startOpenAiServer, type OpenAiTestServer, type ReceivedChatRequest, type Reply } from '../helpers/openai-server.ts';

let server: OpenAiTestServer;

beforeAll(async () => {
  server = await startOpenAiServer();
});
afterAll(() => server.close());

/** What a sensible model would answer for the four sample emails. */
function model(request: ReceivedChatRequest): Reply {
  const { body } = request;
  const email = body.messages.at(-1)!.content;
  const fields = Object.keys((body.response_format?.json_schema?.schema as { properties?: object } | undefined)?.properties ?? {});
  if (fields.includes('label')) {
    const answer = email.includes('charged twice')
      ? { label: 'billing', confidence: 0.93, reason: 'A double charge.', sensitive: false }
      : email.includes('CSV')
        ? { label: 'bug', confidence: 0.88, reason: 'A crash on export.', sensitive: false }
        : email.includes('breach')
          ? { label: 'account', confidence: 0.9, reason: 'Possible data exposure.', sensitive: true }
          : { label: 'other', confidence: 0.35, reason: 'Too vague to tell.', sensitive: false };
    return { kind: 'answer', content: JSON.stringify(answer), promptTokens: 180, completionTokens: 30 };
  }
  if (email.includes('EXPLODE')) return { kind: 'status', status: 500, message: 'model crashed', headers: { 'retry-after-ms': '5' } };
  return { kind: 'answer', content: JSON.stringify({ reply: `Thanks for writing about "${email.split('\n')[1]!.replace('Subject: ', '')}". — The Flowkeeper support team` }), promptTokens: 200, completionTokens: 40 };
}

async function loadFlow() {
  const result = validateFlowText(await readFile(join(import.meta.dirname, '..', '..', 'examples', 'support-triage', 'flow.json'), 'utf8'), registry);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.problems).toEqual([]);
  return result.flow;
}

describe('example: support triage', () => {
  it('classifies, drafts and routes unsure or sensitive emails to review; replays identically offline', async () => {
    server.reset();
    server.fallback = model;
    const flow = await loadFlow();
    const { engine, store, cleanup } = await testEngine();
    try {
      const outcome = await engine.startRun(flow, { input: { aiServer: server.baseUrl } });
      expect(outcome.status).toBe('succeeded');
      const ready = outcome.outputs.ready?.out ?? [];
      const review = outcome.outputs.to_review?.out ?? [];
      expect(ready.map((i) => [i.id, (i.triage as Item).label, i.needsReview])).toEqual([
        ['m-101', 'billing', false],
        ['m-102', 'bug', false],
      ]);
      expect(review.map((i) => [i.id, i.needsReview, i.reviewReason])).toEqual([
        ['m-103', true, 'unsure (0.35): Too vague to tell.'],
        ['m-104', true, 'sensitive: Possible data exposure.'],
      ]);
      expect((ready[0]!.draft as Item).reply).toBe('Thanks for writing about "Charged twice in March". — The Flowkeeper support team');
      expect(outcome.outputs.ai_failed).toBeUndefined();
      // 4 classifications + 4 drafts; the draft knew the label; the default model and settings were used.
      expect(server.requests).toHaveLength(8);
      const draftRequest = server.requests.find((r) => r.body.response_format?.json_schema?.schema && 'reply' in ((r.body.response_format.json_schema.schema as { properties: object }).properties))!;
      expect(draftRequest.body.messages[0]!.content).toMatch(/The email was classified as (billing|bug|account|other)\./);
      expect(server.requests.every((r) => r.body.model === 'llama3.1:8b' && r.headers.authorization === 'Bearer not-needed')).toBe(true);
      const cost = runCost((await store.load(outcome.runId)).events);
      expect(cost).toMatchObject({ calls: 8, promptTokens: 4 * 180 + 4 * 200, completionTokens: 4 * 30 + 4 * 40, unpricedModels: ['llama3.1:8b'] });

      await server.close();
      expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
    } finally {
      await cleanup();
      server = await startOpenAiServer();
    }
  });

  it('an email the AI step fails on goes to review with the reason, and the others go on', async () => {
    server.reset();
    server.fallback = model;
    const flow = await loadFlow();
    const { engine, cleanup } = await testEngine();
    try {
      const emails = [
        { id: 'm-201', from: 'a@example.com', subject: 'EXPLODE', body: 'This one breaks the drafting model.' },
        { id: 'm-202', from: 'b@example.com', subject: 'CSV export', body: 'The CSV export crashes.' },
      ];
      const outcome = await engine.startRun(flow, { input: { aiServer: server.baseUrl, emails } });
      expect(outcome.status).toBe('succeeded');
      expect(outcome.outputs.ready?.out?.map((i) => i.id)).toEqual(['m-202']);
      const [failed] = outcome.outputs.ai_failed?.out ?? [];
      expect(failed).toMatchObject({ needsReview: true, email: { id: 'm-201' } });
      expect(failed!.reviewReason).toMatch(/^the AI step failed \(LLM_SERVER_ERROR\): "Draft reply" item 1: Ollama \(127\.0\.0\.1:\d+\) had a server error \(500\) and still had it after 2 retries: model crashed$/);
    } finally {
      await cleanup();
    }
  });
});
