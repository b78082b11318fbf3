import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeWithin, countActiveRunsOfService, createQuitGuard, quitQuestion, type QuitQuestion } from '../../electron/quit.ts';

describe('the quit question', () => {
  it('says how many runs, what happens to them, and defaults to staying open', () => {
    expect(quitQuestion(3)).toEqual({
      type: 'question',
      message: '3 runs are still running. Quit anyway?',
      detail: 'They stop at a safe point and continue next time you open Flowkeeper.',
      buttons: ['Quit anyway', 'Keep Flowkeeper open'],
      defaultId: 1,
      cancelId: 1,
    });
    expect(quitQuestion(1).message).toBe('1 run is still running. Quit anyway?');
  });
});

describe('counting the runs quitting would stop', () => {
  it("asks the service for its own active runs", async () => {
    let active = 2;
    const count = countActiveRunsOfService({ activeRunCount: () => active });
    expect(await count()).toBe(2);
    active = 0;
    expect(await count()).toBe(0);
  });
});

describe('the quit guard', () => {
  const setup = (count: () => Promise<number>, answers: number[]) => {
    const asked: QuitQuestion[] = [];
    const logs: string[] = [];
    const guard = createQuitGuard({ countActiveRuns: count, ask: async (question) => (asked.push(question), answers.shift() ?? 0), log: (message) => logs.push(message) });
    return { guard, asked, logs };
  };

  it('lets quitting go on without a question when nothing runs', async () => {
    const { guard, asked } = setup(async () => 0, []);
    expect(await guard.confirm()).toBe(true);
    expect(guard.confirmed).toBe(true);
    expect(asked).toEqual([]);
  });

  it('asks when runs are running; "Keep open" stops the quit and the next quit asks again', async () => {
    const { guard, asked } = setup(async () => 2, [1, 0]);
    expect(await guard.confirm()).toBe(false);
    expect(guard.confirmed).toBe(false);
    expect(await guard.confirm()).toBe(true);
    expect(asked.map((q) => q.message)).toEqual(['2 runs are still running. Quit anyway?', '2 runs are still running. Quit anyway?']);
    // Once confirmed, the before-quit that follows a window close does not ask again.
    expect(await guard.confirm()).toBe(true);
    expect(asked).toHaveLength(2);
  });

  it('asks once when quit is requested twice while the question is open', async () => {
    const { guard, asked } = setup(async () => 1, [0]);
    const [a, b] = await Promise.all([guard.confirm(), guard.confirm()]);
    expect([a, b]).toEqual([true, true]);
    expect(asked).toHaveLength(1);
  });

  it('quits (and says why) when the runs cannot be counted', async () => {
    const { guard, asked, logs } = setup(async () => Promise.reject(new Error('disk gone')), []);
    expect(await guard.confirm()).toBe(true);
    expect(asked).toEqual([]);
    expect(logs).toEqual([expect.stringMatching(/Could not count the runs in progress before quitting: Error: disk gone/)]);
  });
});

describe('closing the service within a bounded time', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns when the service has closed', async () => {
    const logs: string[] = [];
    expect(await closeWithin(async () => {}, 1000, (m) => logs.push(m))).toBe('closed');
    expect(logs).toEqual([]);
  });

  it('gives up after the timeout, and says so', async () => {
    vi.useFakeTimers();
    const logs: string[] = [];
    const outcome = closeWithin(() => new Promise<void>(() => {}), 15_000, (m) => logs.push(m));
    await vi.advanceTimersByTimeAsync(14_999);
    expect(logs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe('timed-out');
    expect(logs).toEqual(['The service did not close within 15 s; quitting anyway (runs in progress continue next time).']);
  });

  it('reports a failed close and still lets quitting go on', async () => {
    const logs: string[] = [];
    expect(await closeWithin(() => Promise.reject(new Error('trace sync failed')), 1000, (m) => logs.push(m))).toBe('failed');
    expect(logs).toEqual(['Closing the service failed: Error: trace sync failed']);
  });
});
