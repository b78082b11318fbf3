import { describe, expect, it } from 'vitest';
import {
  countItems,
  describePorts,
  formatDuration,
  formatElapsed,
  formatWhen,
  nodeStatusLabel,
  prettyJson,
  runStatusLabel,
  runStatusTone,
  shortJson,
  withoutStack,
} from '../../renderer/logic/format.ts';

describe('status words', () => {
  it('gives every run status a plain label and a tone', () => {
    expect(runStatusLabel('needs-attention')).toBe('Needs your decision');
    expect(runStatusLabel('succeeded')).toBe('Succeeded');
    expect(runStatusTone('failed')).toBe('danger');
    expect(runStatusTone('needs-attention')).toBe('warning');
    expect(runStatusLabel('brand-new')).toBe('Brand new');
    expect(nodeStatusLabel('succeeded')).toBe('Done');
    expect(nodeStatusLabel('pending')).toBe('Not run');
  });
});

describe('durations and times', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(49)).toBe('49 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
    expect(formatDuration(-1)).toBe('');
    expect(formatElapsed(0)).toBe('+0 ms');
    expect(formatElapsed(212)).toBe('+212 ms');
  });

  it('says when, relative to now', () => {
    const now = new Date(2026, 10, 22, 14, 30, 0);
    const at = (d: Date) => formatWhen(d.toISOString(), now);
    expect(at(new Date(2026, 10, 22, 14, 29, 40))).toBe('just now');
    expect(at(new Date(2026, 10, 22, 14, 25, 0))).toBe('5 min ago');
    expect(at(new Date(2026, 10, 22, 9, 5, 0))).toBe('today 09:05');
    expect(at(new Date(2026, 10, 21, 23, 59, 0))).toBe('yesterday 23:59');
    expect(at(new Date(2026, 2, 3, 8, 0, 0))).toBe('3 Mar 08:00');
    expect(at(new Date(2025, 2, 3, 8, 0, 0))).toBe('3 Mar 2025');
    expect(formatWhen('not a date', now)).toBe('');
  });
});

describe('items and values', () => {
  it('counts items per port, leaving out empty ports', () => {
    expect(countItems([1])).toBe('1 item');
    expect(countItems({ $blob: 'x', bytes: 2 * 1024 * 1024 })).toBe('a large list stored aside (2.0 MB)');
    expect(describePorts({ out: [1, 2, 3, 4], error: [] })).toBe('4 items');
    expect(describePorts({ true: [1, 2], false: [1, 2], error: [] })).toBe('true: 2 items, false: 2 items');
    expect(describePorts({ out: [], error: [] })).toBe('no items');
    expect(describePorts(undefined)).toBe('no items');
  });

  it('strips stack lines from messages', () => {
    expect(withoutStack('Boom.\n    at a (x.ts:1:1)\n    at b (y.js:2:2)')).toBe('Boom.');
    expect(withoutStack('Line one\nLine two')).toBe('Line one\nLine two');
  });

  it('shortens and pretty-prints JSON safely', () => {
    expect(shortJson('abc')).toBe('"abc"');
    expect(shortJson(undefined)).toBe('(nothing)');
    expect(shortJson({ a: 'x'.repeat(100) }, 20)).toHaveLength(20);
    expect(prettyJson({ a: 1 })).toEqual({ text: '{\n  "a": 1\n}', truncated: false });
    expect(prettyJson({ a: 'x'.repeat(50) }, 11)).toEqual({ text: '{\n  "a": "x', truncated: true });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(prettyJson(loop).text).toBe('[object Object]');
  });
});
