/**
 * A Clock (engine/clock.ts) that moves only when a test says so. Give it to the engine
 * (`testEngine({ clock })`), wait until the run is waiting on it (`waitForTimers`), then
 * `advance` — no real sleeping, no timing assertions on a noisy machine.
 */
import type { Clock } from '../../engine/index.ts';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private wall: number;
  private mono = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  /** Starts at `startMs` wall-clock time (default 2026-01-01T00:00:00Z). */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.wall = startMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.mono + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    this.notify();
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.timers.length;
  }

  /** How long from now each pending timer has left, soonest first. */
  pendingDelays(): number[] {
    return this.sorted().map((t) => t.at - this.mono);
  }

  /** Resolves once at least `count` timers are pending: whatever the test started is now waiting on this clock. */
  waitForTimers(count = 1): Promise<void> {
    if (this.timers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way in order, with the
   * clock set to its due time; after each, pending promise callbacks run before the next fires.
   */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    for (;;) {
      const next = this.sorted()[0];
      if (!next || next.at > target) break;
      this.moveTo(next.at);
      this.timers = this.timers.filter((t) => t !== next);
      next.fn();
      await settle();
    }
    this.moveTo(target);
    await settle();
  }

  /** Sets the wall clock alone (the machine's clock was changed); timers and monotonic time stay. */
  setWallClock(ms: number): void {
    this.wall = ms;
  }

  private moveTo(mono: number): void {
    this.wall += mono - this.mono;
    this.mono = mono;
  }

  private sorted(): Timer[] {
    return [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  private notify(): void {
    const ready = this.waiters.filter((w) => this.timers.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.timers.length < w.count);
    for (const w of ready) w.resolve();
  }
}

/** Lets promise chains started by a fired timer run (one macrotask turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
