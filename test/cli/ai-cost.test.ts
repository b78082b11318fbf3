/**
 * The CLI and AI steps: `flowkeeper trace` shows each AI call with tokens, cost and request id and
 * a total; `flowkeeper run --dev-cache` re-uses answers from <data-dir>/cache.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/engine.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../helpers/openai-server.ts';

let dir: string;
let cleanup: () => Promise<void>;
let server: OpenAiTestServer;
let data: string;
let flowFile: string;

const cli = (...argv: string[]) => runCli(argv);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'data');
  server = await startOpenAiServer();
  server.fallback = (req) =>
    req.body.messages.at(-1)!.content.startsWith('Your answer')
      ? { kind: 'answer', content: '{"summary":"Fixed."}', promptTokens: 300, completionTokens: 20 }
      : { kind: 'answer', content: req.body.messages.at(-1)!.content === 'broken' ? 'no json here' : '{"summary":"Short."}', promptTokens: 1000, completionTokens: 200 };
  flowFile = join(dir, 'flow.json');
  await writeFile(
    flowFile,
    JSON.stringify({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'ai-cli',
      name: 'AI in the CLI',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        // A local, OpenAI-compatible server: no key. The model name is priced in the default table.
        { id: 'sum', type: 'llm.generate', name: 'Summarize', config: { provider: 'custom', baseUrl: server.baseUrl, model: 'gpt-4o-mini', task: 'summarize', prompt: '{{ text }}', maxRetries: 0 } },
      ],
      edges: [{ source: 'start', sourcePort: 'out', target: 'sum', targetPort: 'in' }],
    }),
  );
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

describe('flowkeeper and AI steps', () => {
  it('trace shows every AI call with tokens, cost and request id, a repair attempt, and the total', async () => {
    const run = await cli('run', flowFile, '--data-dir', data, '--json', '--input', JSON.stringify([{ text: 'long text' }, { text: 'broken' }]));
    expect(run.code).toBe(0);
    const { runId } = JSON.parse(run.out) as { runId: string };
    const trace = await cli('trace', runId, '--data-dir', data);
    expect(trace.code).toBe(0);
    expect(trace.out).toMatch(/"Summarize" AI answer for item 1: gpt-4o-mini, 1,000 in \+ 200 out tokens, \$0\.000270, request req_test_0001/);
    expect(trace.out).toMatch(/"Summarize" AI answer for item 2: gpt-4o-mini, 1,000 in \+ 200 out tokens, \$0\.000270, request req_test_0002/);
    expect(trace.out).toMatch(/"Summarize" AI answer for item 2 \(repair attempt\): gpt-4o-mini, 300 in \+ 20 out tokens, \$0\.000057, request req_test_0003/);
    // (1000*0.15 + 200*0.6)*2 + 300*0.15 + 20*0.6 = 597 micro-dollars
    expect(trace.out.trim().split('\n').at(-1)).toBe('AI: 3 calls, 2,300 in + 420 out tokens, $0.000597 (default prices as of 2025-06)');
  });

  it('run --dev-cache answers a repeated run from <data-dir>/cache, and trace says so', async () => {
    const before = server.requests.length;
    const input = JSON.stringify({ text: 'cache me' });
    const first = await cli('run', flowFile, '--data-dir', data, '--dev-cache', '--json', '--input', input);
    const second = await cli('run', flowFile, '--data-dir', data, '--dev-cache', '--json', '--input', input);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(server.requests.length - before).toBe(1);
    expect((await readdir(join(data, 'cache', 'llm'))).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const { runId } = JSON.parse(second.out) as { runId: string };
    const trace = await cli('trace', runId, '--data-dir', data);
    expect(trace.out).toContain('$0 (from the dev cache)');
    expect(trace.out).toContain('1 from the dev cache, not paid');
    // Without the flag the cache is not used.
    await cli('run', flowFile, '--data-dir', data, '--json', '--input', input);
    expect(server.requests.length - before).toBe(2);
  });

  it('run prints the AI total after the outcome, and no line per AI call while it runs', async () => {
    const run = await cli('run', flowFile, '--data-dir', data, '--input', JSON.stringify({ text: 'totals please' }));
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/\n {2}AI: 1 call, 1,000 in \+ 200 out tokens, \$0\.000270 \(default prices as of 2025-06\)\n?$/);
    expect(run.err).toContain('"Summarize" done in');
    expect(run.err).not.toContain('AI answer');
  });

  it('run --help explains --dev-cache', async () => {
    const help = await cli('run', '--help');
    expect(help.out).toMatch(/--dev-cache\s+while building a flow: re-use AI answers/);
  });
});
