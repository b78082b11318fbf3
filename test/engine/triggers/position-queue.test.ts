/** The backlog's compact FIFO: order, chunk boundaries, interned sources, emptying. */
import { expect, it } from 'vitest';
import { PositionQueue } from '../../../engine/triggers/position-queue.ts';

it('gives the positions back in order across chunk boundaries, with their sources', () => {
  const a = { name: 'a' };
  const b = { name: 'b' };
  const q = new PositionQueue<{ name: string }>();
  const n = 8192 * 2 + 17;
  for (let i = 0; i < n; i++) q.push({ offset: i * 1000 + 2 ** 33, length: i % 500 }, i % 3 === 0 ? a : b);
  expect(q.length).toBe(n);
  for (let i = 0; i < n; i++) {
    const taken = q.shift()!;
    expect(taken.at).toEqual({ offset: i * 1000 + 2 ** 33, length: i % 500 });
    // The same object, not a copy: the host compares flows by identity.
    expect(taken.source).toBe(i % 3 === 0 ? a : b);
    // Pushing while taking keeps the order.
    if (i === 100) q.push({ offset: 1, length: 1 }, a);
  }
  expect(q.shift()).toEqual({ at: { offset: 1, length: 1 }, source: a });
  expect(q.length).toBe(0);
  expect(q.shift()).toBeUndefined();
});

it('starts afresh once emptied or cleared', () => {
  const q = new PositionQueue<string>();
  q.push({ offset: 5, length: 6 }, 's');
  q.clear();
  expect(q.length).toBe(0);
  expect(q.shift()).toBeUndefined();
  q.push({ offset: 7, length: 8 }, 't');
  expect(q.shift()).toEqual({ at: { offset: 7, length: 8 }, source: 't' });
});
