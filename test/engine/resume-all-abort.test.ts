/**
 * Regression test for review finding 8: `engine.resumeAll({ signal })` stopped by its signal (Ctrl-C
 * during `flowkeeper resume`) leaves the interrupted runs it has not reached untouched - still
 * `running`, to be continued later - instead of resuming each one only to cancel it.
 *
 * Three runs hang at a test server; their traces are copied as they are on disk into a fresh data
 * folder (a crash: the intents were fdatasynced before the requests went out).
 */
import { cp, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine, FileTraceStore } from '../../engine/index.ts';
import { makeFlow, registry, tempDir } from '../helpers/engine.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';

let server: TestServer;
let answering: boolean;
let crashed: string;
let cleanups: Array<() => Promise<void>> = [];
let stopFirst: AbortController;
let firstRuns: Array<Promise<unknown>>;

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const engineAt = (dir: string) => new Engine({ store: new FileTraceStore(dir), registry });
const statuses = async (dir: string) => (await new FileTraceStore(dir).list()).runs.map((r) => r.status).sort();

beforeEach(async () => {
  answering = false;
  server = await startServer((_req, res) => {
    if (answering) json(res, 200, { ok: true });
  });
  const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'get', type: 'http.request', config: { url: `${server.url}/slow` } }], ['start -> get']);
  const first = await tempDir();
  const second = await tempDir();
  cleanups = [first.cleanup, second.cleanup];
  stopFirst = new AbortController();
  const engine = engineAt(first.dir);
  firstRuns = [1, 2, 3].map(() => engine.startRun(flow, { signal: stopFirst.signal }));
  await waitFor(() => server.requests.length === 3, 'three runs in flight');

  crashed = second.dir;
  await mkdir(join(crashed, 'runs'));
  for (const name of (await readdir(join(first.dir, 'runs'))).filter((n) => n.endsWith('.jsonl'))) {
    await cp(join(first.dir, 'runs', name), join(crashed, 'runs', name));
  }
  expect(await statuses(crashed)).toEqual(['running', 'running', 'running']);
});

afterEach(async () => {
  stopFirst.abort();
  await Promise.allSettled(firstRuns);
  await server.close();
  await Promise.all(cleanups.map((c) => c()));
});

describe('finding 8: resumeAll stopped by its signal', () => {
  it('with an already aborted signal touches no run; a later resumeAll continues all of them', async () => {
    const stop = new AbortController();
    stop.abort();
    const { resumed, skipped } = await engineAt(crashed).resumeAll({ signal: stop.signal });
    expect(resumed).toEqual([]);
    expect(skipped).toEqual([]);
    expect(server.requests).toHaveLength(3);
    expect(await statuses(crashed)).toEqual(['running', 'running', 'running']);

    answering = true;
    const later = await engineAt(crashed).resumeAll();
    expect(later.resumed.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(server.requests).toHaveLength(6);
  });

  it('stopped while resuming the first run leaves the other two running and resumable', async () => {
    const stop = new AbortController();
    const resuming = engineAt(crashed).resumeAll({ signal: stop.signal });
    await waitFor(() => server.requests.length === 4, 'the first resumed run to call out');
    stop.abort(); // Ctrl-C
    const { resumed } = await resuming;

    expect(resumed).toHaveLength(1);
    expect(server.requests).toHaveLength(4);
    const after = await new FileTraceStore(crashed).list();
    const untouched = after.runs.filter((r) => r.runId !== resumed[0]!.runId);
    expect(untouched.map((r) => r.status)).toEqual(['running', 'running']);

    answering = true;
    const later = await engineAt(crashed).resumeAll();
    expect(later.resumed.map((o) => o.runId).sort()).toEqual(untouched.map((r) => r.runId).sort());
    expect(later.resumed.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
  });
});
