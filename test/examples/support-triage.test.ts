/**
 * The support-triage example ("classify support emails → draft reply → review") runs end to end
 * against a scripted OpenAI-compatible server (standing in for a local Ollama): confident emails
 * pass the review step as auto-approved, unsure and sensitive ones wait for a person (who corrects
 * one draft and rejects the other), a failed AI step is set aside, and the run replays identically.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reduceRun, replayRun, validateFlowText, type Item } from '../../engine/index.ts';
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
  it('classifies, drafts, and has a person review unsure or sensitive emails; replays identically offline', async () => {
    server.reset();
    server.fallback = model;
    const flow = await loadFlow();
    const { engine, store, cleanup } = await testEngine();
    try {
      const paused = await engine.startRun(flow, { input: { aiServer: server.baseUrl } });
      // Unsure (m-103) and sensitive (m-104) emails wait for a person; the others passed on.
      expect(paused.status).toBe('paused');
      expect(paused.pause?.requests).toEqual([`${paused.runId}:review:2`, `${paused.runId}:review:3`]);
      const state = reduceRun((await store.load(paused.runId)).header, (await store.load(paused.runId)).events);
      expect([...state.reviews.values()].map((r) => [r.request.title, r.request.ai])).toEqual([
        ['question — from sam@example.org', { answer: 'other', reason: 'unsure (0.35): Too vague to tell.' }],
        ['Data breach notice — from legal@bigcorp.example', { answer: 'account', reason: 'sensitive: Possible data exposure.' }],
      ]);
      expect(state.autoApproved.size).toBe(2);
      await engine.answerReview(paused.runId, { kind: 'decision', requestId: `${paused.runId}:review:2`, outcome: 'approve', by: 'pat', edits: { 'draft.reply': 'Hi Sam, happy to call you. When suits you? — The Flowkeeper support team' } });
      const outcome = await engine.answerReview(paused.runId, { kind: 'decision', requestId: `${paused.runId}:review:3`, outcome: 'reject', by: 'pat', comment: 'Legal handles breach notices.' });
      expect(outcome.status).toBe('succeeded');
      const ready = outcome.outputs.ready?.out ?? [];
      const notSent = outcome.outputs.not_sent?.out ?? [];
      expect(ready.map((i) => [i.id, (i.triage as Item).label, (i.review as Item).outcome, (i.review as Item).by])).toEqual([
        ['m-101', 'billing', 'approve', 'auto'],
        ['m-102', 'bug', 'approve', 'auto'],
        ['m-103', 'other', 'edit', 'pat'],
      ]);
      expect((ready[2]!.draft as Item).reply).toBe('Hi Sam, happy to call you. When suits you? — The Flowkeeper support team');
      expect(notSent.map((i) => [i.id, (i.review as Item).outcome, (i.review as Item).comment])).toEqual([['m-104', 'reject', 'Legal handles breach notices.']]);
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
