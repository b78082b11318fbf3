/**
 * Issue 14 item 1: no expression can freeze the runner. Each case runs the real `flowkeeper`
 * command in a child process under a wall-clock guard (killed after GUARD_MS), so a regression
 * fails the test instead of hanging the suite. No timing is asserted: only what the run printed
 * and how it ended.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../engine/expressions.ts';
import { NodeError } from '../../engine/model/node-kit.ts';
import { tempDir } from '../helpers/engine.ts';

const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
const GUARD_MS = 90_000;

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  guardFired: boolean;
}

/** Runs the CLI; `onErr` sees stderr as it arrives (to send Ctrl-C at the right moment). */
function flowkeeper(args: string[], onErr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Child> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let guardFired = false;
    const guard = setTimeout(() => {
      guardFired = true;
      child.kill('SIGKILL');
    }, GUARD_MS);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      onErr?.(err, child);
    });
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, out, err, guardFired });
    });
  });
}

async function ifFlow(name: string, condition: string, extra: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(
    file,
    JSON.stringify({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: name,
      name,
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'check', type: 'flow.if', name: 'Check e-mail', config: { condition }, ...extra },
      ],
      edges: [{ source: 'start', target: 'check' }],
    }),
  );
  return file;
}

const EVIL_INPUT = JSON.stringify({ email: `${'a'.repeat(36)}!` });

describe('a runaway expression', () => {
  it('a catastrophic-backtracking regex finishes at once (linear-time engine), with the right answer', async () => {
    const flow = await ifFlow('regex', '$contains(email, /^(a+)+$/)', { timeoutMs: 1000 });
    const result = await flowkeeper(['run', flow, '--input', EVIL_INPUT, '--data-dir', join(dir, 'data'), '--json']);
    expect(result.guardFired).toBe(false);
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.out) as { status: string; outputs: Record<string, Record<string, unknown[]>> };
    expect(outcome.status).toBe('succeeded');
    expect(outcome.outputs.check?.false).toHaveLength(1);
    expect(outcome.outputs.check?.true ?? []).toHaveLength(0);
  });

  it('a pattern the safe engine cannot run is refused before the run, naming the field', async () => {
    const flow = await ifFlow('backref', '$contains(email, /(a)\\1/)');
    const result = await flowkeeper(['run', flow, '--input', EVIL_INPUT, '--data-dir', join(dir, 'data')]);
    expect(result.guardFired).toBe(false);
    expect(result.code).toBe(2);
    expect(result.err).toContain('nodes[1].config.condition');
    expect(result.err).toContain('Check e-mail');
    expect(result.err).toContain('back-references');
    expect(result.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('a long loop stops at the node\'s own time limit, which is shorter than the expression limit', async () => {
    const flow = await ifFlow('loop', '$count($map([1..5000000], function($x) { $x * 2 })) > 0', { timeoutMs: 200, retry: { maxAttempts: 1 } });
    const result = await flowkeeper(['run', flow, '--data-dir', join(dir, 'data')]);
    expect(result.guardFired).toBe(false);
    expect(result.code).toBe(1);
    expect(result.err).toContain('took longer than its time limit of 0.2 s');
  });

  it('Ctrl-C stops a run while an expression is busy', async () => {
    const flow = await ifFlow('ctrl-c', '$count($map([1..5000000], function($x) { $x * 2 })) > 0');
    let sent = false;
    const result = await flowkeeper(['run', flow, '--data-dir', join(dir, 'data')], (err, child) => {
      if (!sent && err.includes('"Check e-mail" started')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(result.guardFired).toBe(false);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/cancelled/i);
    expect(result.err).not.toMatch(/expression timeout|Evaluation timeout/);
  });
});

describe('while an expression is busy', () => {
  it('timers and other work keep running, and an abort stops it with the abort\'s reason', async () => {
    const controller = new AbortController();
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks++;
      if (ticks === 3) controller.abort(new NodeError({ message: 'Stopped for the test.', code: 'TEST_ABORT', retryable: false }));
    }, 5);
    try {
      const error = await evaluateExpression('$count($map([1..5000000], function($x) { $x * 2 }))', { item: {}, bindings: {}, signal: controller.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NodeError);
      expect((error as NodeError).code).toBe('TEST_ABORT');
      expect(ticks).toBeGreaterThanOrEqual(3);
    } finally {
      clearInterval(ticker);
    }
  });
});
