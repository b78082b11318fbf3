/**
 * Crash test: a child process runs a flow with HTTP writes against a local server that counts
 * requests. The test SIGKILLs it at many different points, resumes (sometimes killing the resume
 * too), and checks that the run completes, that nothing already written to the trace is lost, and
 * that no request without an idempotency key is ever sent twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTraceStore, replayRun, type RunEvent } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { startServer, type TestServer } from '../helpers/http-server.ts';

const CLI = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
const ITEMS = 6;

const flow = {
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'crash-test',
  name: 'Crash test',
  settings: { concurrency: 4 },
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'make', type: 'transform.jsonata', config: { mode: 'all', expression: `[1..${ITEMS}].{"n": $}` } },
    // A write without an idempotency key: must never be sent twice.
    { id: 'send_a', type: 'http.request', config: { method: 'POST', url: '{{ $input.base }}/a', bodyType: 'json', body: { n: '{{ n }}' } } },
    { id: 'skipped', type: 'transform.set', config: { fields: [{ name: 'skipped', value: true }] } },
    // A write with an idempotency key: may be re-sent on resume, the server de-duplicates.
    { id: 'send_b', type: 'http.request', config: { method: 'POST', url: '{{ $input.base }}/b', bodyType: 'json', body: { n: '{{ n }}' }, idempotencyKey: 'b-{{ n }}', concurrency: 2 } },
  ],
  edges: [
    { source: 'start', target: 'make' },
    { source: 'make', target: 'send_a' },
    { source: 'send_a', sourcePort: 'error', target: 'skipped' },
    { source: 'send_a', target: 'send_b' },
  ],
};

/**
 * kill-before: the request arrives and is processed, the caller dies before the answer.
 * kill-after: the caller dies right after hearing the answer.
 * kill-and-drop: the caller dies and the request is lost before the receiver processes it.
 */
type Action = 'kill-before' | 'kill-after' | 'kill-and-drop';

interface Ledger {
  a: Map<number, number>;
  bApplied: Map<string, number>;
  bDuplicates: number;
  total: number;
  onRequest?: (total: number) => Action | undefined;
}

let server: TestServer;
let ledger: Ledger;
let current: ChildProcess | undefined;

function newLedger(): Ledger {
  return { a: new Map(), bApplied: new Map(), bDuplicates: 0, total: 0 };
}

beforeAll(async () => {
  ledger = newLedger();
  server = await startServer(async (req, res) => {
    ledger.total++;
    const body = JSON.parse(req.body || '{}') as { n: number };
    const action = ledger.onRequest?.(ledger.total);
    if (action === 'kill-before' || action === 'kill-and-drop') current?.kill('SIGKILL');
    if (action === 'kill-and-drop') {
      res.destroy();
      return;
    }
    if (req.url === '/a') ledger.a.set(body.n, (ledger.a.get(body.n) ?? 0) + 1);
    if (req.url === '/b') {
      const key = String(req.headers['idempotency-key']);
      if (ledger.bApplied.has(key)) ledger.bDuplicates++;
      else ledger.bApplied.set(key, 1);
    }
    await new Promise((r) => setTimeout(r, 10));
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, n: body.n }));
    if (action === 'kill-after') setImmediate(() => current?.kill('SIGKILL'));
  });
});

afterAll(async () => {
  await server.close();
});

function runCli(args: string[], killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function traceFile(dataDir: string): Promise<string | undefined> {
  const names = await readdir(join(dataDir, 'runs')).catch(() => [] as string[]);
  const file = names.find((n) => n.endsWith('.jsonl'));
  return file && join(dataDir, 'runs', file);
}

/** The complete lines of a trace as it is on disk now (a torn last line excluded). */
async function intactLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

type Scenario = { name: string; killAt?: number; mode?: Action; timerMs?: number; killResumeAt?: number };

const scenarios: Scenario[] = [
  ...[1, 2, 3, 4, 6, 8, 10].map((k) => ({ name: `killed as request ${k} arrives`, killAt: k, mode: 'kill-before' as const })),
  ...[1, 3, 5, 7, 9].map((k) => ({ name: `killed right after answering request ${k}`, killAt: k, mode: 'kill-after' as const })),
  ...[1, 5, 9].map((k) => ({ name: `killed as request ${k} is lost on the way`, killAt: k, mode: 'kill-and-drop' as const })),
  ...[120, 260, 400].map((t) => ({ name: `killed ${t} ms after start`, timerMs: t })),
  { name: 'killed at request 2, then the resume killed at its first request too', killAt: 2, mode: 'kill-before', killResumeAt: 1 },
  { name: 'killed at request 8, then the resume killed right after its first answer', killAt: 8, mode: 'kill-after', killResumeAt: 1 },
];

const coverage = { 'skip-item': 0, 'send-again': 0, resumedMidRun: 0 };

describe('crash-resume', () => {
  it.each(scenarios)('$name', async (scenario) => {
    const { dir, cleanup } = await tempDir();
    try {
      ledger.a.clear();
      ledger.bApplied.clear();
      ledger.bDuplicates = 0;
      ledger.total = 0;
      const flowFile = join(dir, 'flow.json');
      await writeFile(flowFile, JSON.stringify(flow));
      const dataDir = join(dir, 'data');
      const input = JSON.stringify({ base: server.url });

      ledger.onRequest = (total) => (scenario.killAt === total ? scenario.mode : undefined);
      const first = await runCli(['run', flowFile, '--data-dir', dataDir, '--input', input, '--json', '--quiet'], scenario.timerMs);
      ledger.onRequest = undefined;

      const file = await traceFile(dataDir);
      if (!file) {
        // Killed before the run was created: nothing may have been sent.
        expect(first.signal).toBe('SIGKILL');
        expect(ledger.total).toBe(0);
        return;
      }
      const beforeResume = await intactLines(file);
      if (!beforeResume.some((l) => l.includes('"run.finished"'))) coverage.resumedMidRun++;

      // Resume until the run is finished, answering the "did it go out?" question like a person
      // who checked the receiving system would.
      let outcome: { status: string; runId: string; outputs: Record<string, Record<string, unknown[]>> } | undefined;
      let killResume = scenario.killResumeAt;
      let skipItems = 0;
      for (let round = 0; round < 10 && outcome?.status !== 'succeeded'; round++) {
        const runId = JSON.parse(beforeResume[0]!).runId as string;
        const args = ['resume', runId, '--data-dir', dataDir, '--json', '--quiet'];
        if (outcome?.status === 'needs-attention') {
          const events = (await intactLines(file)).slice(1).map((l) => JSON.parse(l) as RunEvent);
          const question = events.findLast((e) => e.type === 'run.needs-attention');
          if (question?.type !== 'run.needs-attention') throw new Error('needs-attention without a question');
          // The parked case: only the write WITHOUT an idempotency key may ever ask.
          expect(question.nodeId).toBe('send_a');
          const n = question.call!.itemIndex + 1;
          const choice = ledger.a.has(n) ? 'skip-item' : 'send-again';
          args.push('--choice', choice, '--by', 'crash-test');
          coverage[choice]++;
          if (choice === 'skip-item') skipItems++;
        }
        if (killResume !== undefined) {
          const at = ledger.total + killResume;
          ledger.onRequest = (total) => (total === at ? (scenario.mode ?? 'kill-before') : undefined);
          killResume = undefined;
        }
        const result = await runCli(args);
        ledger.onRequest = undefined;
        if (result.signal === 'SIGKILL') {
          outcome = undefined;
          continue;
        }
        outcome = JSON.parse(result.stdout) as typeof outcome;
      }

      expect(outcome?.status).toBe('succeeded');
      // No request without an idempotency key went out twice, and every item went out.
      for (let n = 1; n <= ITEMS; n++) expect(ledger.a.get(n), `item ${n} at /a`).toBe(1);
      // Items a person confirmed as already sent ("skip-item") end there; all others reached /b once.
      const confirmed = skipItems;
      expect(outcome!.outputs.skipped).toBeUndefined();
      expect(ledger.bApplied.size).toBe(ITEMS - confirmed);
      expect((outcome!.outputs.send_b?.out ?? []).length).toBe(ITEMS - confirmed);

      // Nothing that was in the trace when the process died has been lost or rewritten.
      const after = await intactLines(file);
      expect(after.slice(0, beforeResume.length)).toEqual(beforeResume);
      // Every request the server saw at /a was announced durably (an intent) before it was sent.
      const events = after.slice(1).map((l) => JSON.parse(l) as RunEvent);
      for (const n of ledger.a.keys()) {
        expect(events.some((e) => e.type === 'external.intent' && e.nodeId === 'send_a' && e.itemIndex === n - 1), `intent for item ${n}`).toBe(true);
      }
      // The finished run replays offline to exactly the same outputs.
      const store = new FileTraceStore(dataDir);
      const report = await replayRun(store, registry, await store.loadFile(file));
      expect(report.nodes.filter((node) => !node.identical)).toEqual([]);
    } finally {
      current?.kill('SIGKILL');
      await cleanup();
    }
  });

  it('exercised both answers to the "did it go out?" question and many mid-run crashes', () => {
    expect(coverage['skip-item']).toBeGreaterThan(0);
    expect(coverage['send-again']).toBeGreaterThan(0);
    expect(coverage.resumedMidRun).toBeGreaterThanOrEqual(10);
  });
});
