/**
 * Demo mode from the command line, as a consultant uses it: the real `flowkeeper` command in a
 * child process with no Secret Service (its D-Bus address points nowhere) and no credentials in
 * its environment. A flow with an HTTP step and an AI step runs once for real against two local
 * servers that count requests; then `run --demo <runId>`, `run --demo` with another input, and
 * `demo <bundle>` on a fresh data folder send nothing to either server and say DEMO.
 */
import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirStores, FileTraceStore } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../helpers/openai-server.ts';
import type { TestServer } from '../helpers/http-server.ts';
import { AI_KEY, TOKEN, orderFlow, startShop } from '../engine/demo/support.ts';

const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
const run = promisify(execFile);

let shop: TestServer;
let ai: OpenAiTestServer;
let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let flowFile: string;
let referenceId: string;
let referenceOutputs: unknown;

/** No Secret Service, no credentials: only what a demo machine has. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'no-bus')}` };
  for (const name of Object.keys(env)) if (name.startsWith('FLOWKEEPER_CREDENTIAL_')) delete env[name];
  return env;
}

/** The command, asynchronously: the test's servers must stay able to answer (and count) meanwhile. */
async function cli(args: string[], env: NodeJS.ProcessEnv = bareEnv()): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: e.stdout ?? '', err: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  shop = await startShop();
  ai = await startOpenAiServer();
  ai.fallback = (request) => ({ kind: 'answer', content: `Dear customer, re: ${request.body.messages.at(-1)?.content}` });
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'builder');
  flowFile = join(dir, 'order-reply.json');
  const flow = orderFlow(shop.url, ai.baseUrl);
  await writeFile(flowFile, JSON.stringify(flow));
  await dataDirStores(data, { catalog: registry }).flows.save(flow);
  // The builder's real run: credentials given the documented headless way.
  const env = { ...bareEnv(), FLOWKEEPER_CREDENTIAL_SHOP_API: JSON.stringify({ token: TOKEN }), FLOWKEEPER_CREDENTIAL_AI_KEY: JSON.stringify({ apiKey: AI_KEY }) };
  const real = await cli(['run', flowFile, '--data-dir', data, '--json', '--input', '{"orderId":"A-1"}'], env);
  expect(real, real.err).toMatchObject({ code: 0 });
  ({ runId: referenceId, outputs: referenceOutputs } = JSON.parse(real.out) as { runId: string; outputs: unknown });
  expect([shop.requests.length, ai.requests.length]).toEqual([1, 1]);
}, 180_000);
afterAll(async () => {
  await shop?.close();
  await ai?.close();
  await cleanup?.();
});

describe('flowkeeper run --demo / flowkeeper demo', () => {
  it('run --demo <runId>: the same outputs, nothing sent, no keychain, marked DEMO', async () => {
    const demo = await cli(['run', flowFile, '--demo', referenceId, '--data-dir', data]);
    expect(demo, demo.err).toMatchObject({ code: 0 });
    expect(demo.out).toContain(`DEMO — answered from recorded run ${referenceId}, nothing was sent.`);
    expect(demo.out).toMatch(/Run run-\S+: ✔ succeeded/);
    // The recording's AI answer cost nothing now.
    expect(demo.out).toContain('AI: 1 call answered from the recording, nothing paid');
    expect(demo.err).toContain(`Running "Order reply" as a demo, answered from recorded run ${referenceId}…`);
    expect([shop.requests.length, ai.requests.length]).toEqual([1, 1]);
    const json = await cli(['run', flowFile, '--demo', referenceId, '--data-dir', data, '--json']);
    const parsed = JSON.parse(json.out) as { demo: unknown; outputs: unknown; runId: string };
    expect(parsed.demo).toEqual({ runId: referenceId, from: 'run', flowVersion: 1 });
    expect(parsed.outputs).toEqual(referenceOutputs);
    expect((await new FileTraceStore(data).load(parsed.runId)).header).toMatchObject({ mode: 'demo', demo: { runId: referenceId, from: 'run' } });
    // `trace` and `runs` say it too.
    const trace = await cli(['trace', parsed.runId, '--data-dir', data]);
    expect(trace.out).toContain(`DEMO — answered from recorded run ${referenceId}, nothing was sent.`);
    // Its AI answer came from the recording, not from the dev cache (both are marked `cached`).
    expect(trace.out).not.toContain('dev cache');
    expect(trace.out).toContain('(answered from the recording, not sent)');
    expect(trace.out).toContain('1 answered from the recording, not paid');
    const runs = await cli(['runs', '--data-dir', data]);
    expect(runs.out.split('\n').find((line) => line.startsWith(parsed.runId))).toContain('(demo)');
    expect(runs.out.split('\n').find((line) => line.startsWith(referenceId))).not.toContain('(demo)');
    expect([shop.requests.length, ai.requests.length]).toEqual([1, 1]);
  }, 180_000);

  it('run --demo with another input reports what the recording lacks, exits 1, sends nothing', async () => {
    const demo = await cli(['run', flowFile, '--demo', referenceId, '--data-dir', data, '--input', '{"orderId":"B-7"}']);
    expect(demo.code).toBe(1);
    expect(demo.out).toContain('DEMO — answered from recorded run');
    expect(demo.out).toContain(`This demo has no recorded answer for the HTTP request of node "Fetch order" (item 1) (the recording asked for url “${shop.url}/orders/A-1”, this run for “${shop.url}/orders/B-7”). Nothing was sent.`);
    expect([shop.requests.length, ai.requests.length]).toEqual([1, 1]);
  }, 180_000);

  it('demo <bundle> on a fresh data folder with no credentials: works, imports nothing, writes only the demo run', async () => {
    const bundle = join(dir, 'order-reply.fkbundle');
    const exported = await cli(['export', 'order-reply', '--runs', referenceId, '--out', bundle, '--data-dir', data]);
    expect(exported, exported.err).toMatchObject({ code: 0 });
    const fresh = join(dir, 'laptop');
    const demo = await cli(['demo', bundle, '--data-dir', fresh, '--json']);
    expect(demo, demo.err).toMatchObject({ code: 0 });
    const parsed = JSON.parse(demo.out) as { demo: unknown; outputs: unknown; status: string; runId: string };
    expect(parsed.status).toBe('succeeded');
    expect(parsed.demo).toEqual({ runId: referenceId, from: 'bundle', flowVersion: 1, file: 'order-reply.fkbundle' });
    expect(parsed.outputs).toEqual(referenceOutputs);
    expect([shop.requests.length, ai.requests.length]).toEqual([1, 1]);
    // Nothing imported: no flow, no reference, no credential; the demo run is the only run.
    const entries = await readdir(fresh);
    expect(entries).not.toContain('flows');
    expect(entries).not.toContain('references');
    expect(entries).not.toContain('credentials.json');
    const runs = (await readdir(join(fresh, 'runs'))).filter((f) => f.endsWith('.jsonl'));
    expect(runs).toEqual([`${parsed.runId}.jsonl`]);
    const text = await cli(['demo', bundle, '--data-dir', fresh]);
    expect(text.out).toContain(`DEMO — answered from recorded run ${referenceId} in order-reply.fkbundle, nothing was sent.`);
    // The flow file demoed from the bundle's recording: the same, said the same way.
    const fromFile = await cli(['run', flowFile, '--demo', bundle, '--data-dir', fresh]);
    expect(fromFile, fromFile.err).toMatchObject({ code: 0 });
    expect(fromFile.out).toContain(`DEMO — answered from recorded run ${referenceId} in order-reply.fkbundle, nothing was sent.`);
    expect([shop.requests.length, ai.requests.length]).toEqual([1, 1]);
    // A bundle without that reference, or a missing file, is said plainly.
    const wrong = await cli(['demo', bundle, '--data-dir', fresh, '--reference', 'run-nope']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toContain(`has no reference run “run-nope”. It holds: ${referenceId}.`);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('What to do: Give one of those with --reference');
    const missing = await cli(['demo', join(dir, 'nothing.fkbundle'), '--data-dir', fresh]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Could not read the hand-over bundle');
    expect(missing.err).toContain('nothing.fkbundle: there is no such file.');
    expect(missing.err).not.toContain('ENOENT');
  }, 180_000);
});
