/**
 * Durable pause across processes: a child process runs a flow until it waits for a review and
 * is SIGKILLed while holding it; new processes (the CLI) list the inbox, decide with a corrected
 * value, and the run finishes on the right path with it. The HTTP step before the review was
 * called once, the one after it once, with the corrected value.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTraceStore, reduceRun } from '../../engine/index.ts';
import { tempDir } from '../helpers/engine.ts';
import { startServer, type TestServer } from '../helpers/http-server.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'cli', 'bin.js');
const CHILD = join(import.meta.dirname, 'fixtures', 'review-service-child.ts');

let server: TestServer;
beforeAll(async () => {
  // Echoes what it is sent, so the item goes on through the HTTP step unchanged.
  server = await startServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.body || '{}');
  });
});
afterAll(() => server.close());

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('review across a crash', () => {
  it('pauses, survives SIGKILL, and a new process decides; the run finishes on the edit path with the corrected value', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const flow = {
        format: 'flowkeeper/flow',
        formatVersion: 1,
        id: 'pay',
        name: 'Pay invoices',
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          { id: 'fetch', type: 'http.request', config: { method: 'POST', url: `${server.url}/before`, bodyType: 'json', body: { number: '{{ number }}', amount: '{{ amount }}' } } },
          { id: 'check', type: 'human.review', config: { title: 'Invoice {{ number }}', fields: [{ name: 'amount', type: 'number', label: 'Amount' }] } },
          { id: 'pay', type: 'http.request', config: { method: 'POST', url: `${server.url}/approved`, bodyType: 'json', body: { amount: '{{ amount }}' } } },
          { id: 'payEdited', type: 'http.request', config: { method: 'POST', url: `${server.url}/edited`, bodyType: 'json', body: { amount: '{{ amount }}', by: '{{ review.by }}' } } },
        ],
        edges: [
          { source: 'start', target: 'fetch' },
          { source: 'fetch', target: 'check' },
          { source: 'check', sourcePort: 'approve', target: 'pay' },
          { source: 'check', sourcePort: 'edit', target: 'payEdited' },
        ],
      };
      await mkdir(join(dir, 'flows'), { recursive: true });
      await writeFile(join(dir, 'flows', 'pay.json'), JSON.stringify(flow));

      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, 'pay', JSON.stringify({ number: 'INV-7', amount: 120 })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const runId = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const match = /PAUSED (\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.on('exit', (code) => reject(new Error(`child exited (${code}) before pausing: ${stderr}`)));
      });
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;

      const listed = await cli(['inbox', 'list', '--json', '--data-dir', dir]);
      expect(listed.code, listed.stderr).toBe(0);
      const items = JSON.parse(listed.stdout) as Array<{ id: string; title: string }>;
      // The list entry is lean; the value to correct is shown by `inbox show` (next).
      expect(items).toMatchObject([{ id: `${runId}:check:0`, title: 'Invoice INV-7' }]);
      // Where a person opens it: the app's address and the bridge's, without any key.
      const linkId = encodeURIComponent(`${runId}:check:0`);
      expect(items[0]).toMatchObject({ links: { app: `#/inbox/${linkId}`, bridge: `http://127.0.0.1:7654/#/inbox/${linkId}` } });

      const shown = await cli(['inbox', 'show', items[0]!.id, '--data-dir', dir]);
      expect(shown.stdout).toContain('Invoice INV-7');
      expect(shown.stdout).toContain('amount (Amount, number) = 120');
      expect(shown.stdout).toContain(`in a browser (flowkeeper serve) at http://127.0.0.1:7654/#/inbox/${linkId}`);

      const refused = await cli(['inbox', 'decide', items[0]!.id, '--outcome', 'reject', '--by', 'bob', '--data-dir', dir]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('needs a comment');

      const decided = await cli(['inbox', 'decide', items[0]!.id, '--outcome', 'approve', '--set', 'amount=99.5', '--by', 'bob', '--data-dir', dir]);
      expect(decided.code, decided.stderr).toBe(0);
      expect(decided.stdout).toContain('Recorded: edit by bob');
      expect(decided.stdout).toContain('amount: 120 → 99.5');

      expect(server.requests.filter((r) => r.url === '/before')).toHaveLength(1);
      expect(server.requests.filter((r) => r.url === '/approved')).toHaveLength(0);
      const edited = server.requests.filter((r) => r.url === '/edited');
      expect(edited.map((r) => JSON.parse(r.body) as unknown)).toEqual([{ amount: 99.5, by: 'bob' }]);

      const trace = await new FileTraceStore(dir).load(runId);
      expect(reduceRun(trace.header, trace.events).status).toBe('succeeded');
      for (const nodeId of ['start', 'fetch']) expect(trace.events.filter((e) => e.type === 'node.succeeded' && e.nodeId === nodeId)).toHaveLength(1);

      const again = await cli(['inbox', 'decide', items[0]!.id, '--outcome', 'approve', '--by', 'carol', '--data-dir', dir]);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/already succeeded/);
      const timeline = await cli(['trace', runId, '--data-dir', dir]);
      expect(timeline.stdout).toContain('bob decided "edit" for item 1');
      expect(timeline.stdout).toContain('amount: 120 → 99.5');
      expect((await cli(['inbox', 'list', '--data-dir', dir])).stdout).toContain('Nothing waits for a review.');
    } finally {
      await cleanup();
    }
  }, 60_000);
});
