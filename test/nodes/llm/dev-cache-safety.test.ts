/**
 * The development cache keeps only answers worth repeating: an answer that failed (no choices,
 * cut off, refused) is asked again next time, and an answer holding the API key is never written
 * to the cache folder (which is not redacted the way the trace is).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine, FileTraceStore } from '../../../engine/index.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.ts';
import { API_KEY, aiConfig, aiFlow, secretsFor } from './support.ts';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await startOpenAiServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

async function cachedEngine() {
  const { dir, cleanup } = await tempDir();
  const cacheDir = join(dir, 'cache');
  const store = new FileTraceStore(dir);
  const engine = new Engine({ store, registry, secrets: secretsFor(server), devCacheDir: cacheDir });
  return { engine, store, cacheDir, cleanup };
}

async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  return out;
}

describe('llm.generate with the development cache', () => {
  it.each([
    ['no choices', { kind: 'empty-choices' as const }, 'LLM_EMPTY'],
    ['cut off at the token limit', { kind: 'answer' as const, content: 'partial', finishReason: 'length' }, 'LLM_TRUNCATED'],
  ])('asks again next time after an answer with %s', async (_name, bad, code) => {
    const { engine, cacheDir, cleanup } = await cachedEngine();
    try {
      server.script(bad, { kind: 'answer', content: 'A good answer.' });
      const flow = aiFlow(aiConfig({ task: 'custom' }));
      const first = await engine.startRun(flow, { input: { body: 'hello' } });
      expect(JSON.stringify(first.outputs.errors)).toContain(code);
      const second = await engine.startRun(flow, { input: { body: 'hello' } });
      expect(server.requests).toHaveLength(2);
      expect(JSON.stringify(second.outputs.ok)).toContain('A good answer.');
      // Now the good answer is cached: a third run does not ask.
      await engine.startRun(flow, { input: { body: 'hello' } });
      expect(server.requests).toHaveLength(2);
      expect((await filesIn(cacheDir)).length).toBe(1);
    } finally {
      await cleanup();
    }
  });

  it('never writes an answer holding the API key to the cache folder', async () => {
    const { engine, store, cacheDir, cleanup } = await cachedEngine();
    try {
      server.fallback = () => ({ kind: 'answer', content: `Your key is ${API_KEY}.` });
      const outcome = await engine.startRun(aiFlow(aiConfig({ task: 'custom' })), { input: { body: 'what is my key?' } });
      expect(outcome.status).toBe('succeeded');
      expect(JSON.stringify(outcome)).not.toContain(API_KEY);
      for (const file of await filesIn(cacheDir)) expect(await readFile(file, 'utf8')).not.toContain(API_KEY);
      expect(await readFile(store.locate(outcome.runId), 'utf8')).not.toContain(API_KEY);
    } finally {
      await cleanup();
    }
  });
});
