/**
 * The run index opening while runs go on: its reconcile reads a trace, a run ends meanwhile, and
 * the entry read before the end must not be put back over the ended one (seen in the webhook
 * bench at high rates: finished runs listed as running until the next start).
 */
import { expect, it } from 'vitest';
import { Engine } from '../../../engine/index.ts';
import { FileTraceStore } from '../../../engine/trace/file-trace-store.ts';
import { RunIndex } from '../../../engine/trace/run-index.ts';
import { makeFlow, registry, tempDir } from '../../helpers/engine.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

it('a run that ends while the index is opening is listed as ended, not as it was read mid-run', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const clock = new FakeClock();
    const store = new FileTraceStore(dir);
    const engine = new Engine({ store, registry, clock });
    const flow = makeFlow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'wait', type: 'flow.delay', config: { seconds: 60 } },
      ],
      ['start -> wait'],
      { id: 'waits', name: 'Waits' },
    );
    // The index exists from the start (as in the service) but opens mid-run: its reconcile reads
    // the running trace and is held there while the run ends.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let readMidRun!: () => void;
    const reading = new Promise<void>((resolve) => (readMidRun = resolve));
    const slowStore = Object.create(store) as FileTraceStore;
    let first = true;
    slowStore.load = async (runId: string) => {
      const trace = await store.load(runId);
      if (first) {
        first = false;
        readMidRun();
        await held;
      }
      return trace;
    };
    const index = new RunIndex(slowStore);
    const finished = engine.startRun(flow, { input: {}, startedBy: 'test' });
    await clock.waitForTimers(1); // the run is in its wait: its trace says running

    const opened = index.list();
    await reading;
    await clock.advance(60_000);
    await finished;
    release();
    await opened;
    const { runId } = await finished;
    const entry = await index.get(runId);
    expect(entry?.status).toBe('succeeded');
    await index.close();
  } finally {
    await cleanup();
  }
});
