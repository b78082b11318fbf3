/**
 * Plain words for statuses, times, durations and item counts. Pure: no DOM, no React, so the
 * unit tests (test/renderer/) run in Node.
 */

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

const RUN_STATUS: Record<string, { label: string; tone: Tone }> = {
  running: { label: 'Running', tone: 'info' },
  paused: { label: 'Paused', tone: 'neutral' },
  'needs-attention': { label: 'Needs your decision', tone: 'warning' },
  succeeded: { label: 'Succeeded', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
};

const NODE_STATUS: Record<string, { label: string; tone: Tone }> = {
  pending: { label: 'Not run', tone: 'neutral' },
  running: { label: 'Running', tone: 'info' },
  retrying: { label: 'Retrying', tone: 'warning' },
  succeeded: { label: 'Done', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
  skipped: { label: 'Skipped', tone: 'neutral' },
};

export const RUN_STATUSES = ['running', 'needs-attention', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatusName = (typeof RUN_STATUSES)[number];

export function runStatusLabel(status: string): string {
  return RUN_STATUS[status]?.label ?? capitalize(status);
}

export function runStatusTone(status: string): Tone {
  return RUN_STATUS[status]?.tone ?? 'neutral';
}

export function nodeStatusLabel(status: string): string {
  return NODE_STATUS[status]?.label ?? capitalize(status);
}

export function nodeStatusTone(status: string): Tone {
  return NODE_STATUS[status]?.tone ?? 'neutral';
}

export function isFinalStatus(status: string): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1).replaceAll('-', ' ');
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

/** 49 ms · 1.2 s · 2 min 5 s · 1 h 3 min */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * When something happened, for lists: "just now", "5 min ago", "today 14:03", "yesterday 09:12",
 * "3 Nov 14:03", "3 Nov 2025" (another year). Local time.
 */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const diff = now.getTime() - at.getTime();
  if (diff >= 0 && diff < 60_000) return 'just now';
  if (diff >= 0 && diff < 60 * 60_000) return `${Math.floor(diff / 60_000)} min ago`;
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  if (sameDay(at, now)) return `today ${time}`;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(at, yesterday)) return `yesterday ${time}`;
  if (at.getFullYear() === now.getFullYear()) return `${at.getDate()} ${MONTHS[at.getMonth()]} ${time}`;
  return `${at.getDate()} ${MONTHS[at.getMonth()]} ${at.getFullYear()}`;
}

/** Full local date and time, for tooltips and headers: "2026-11-22 14:03:07". */
export function formatTimestamp(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** A value stored beside the trace because it was large: `{ $blob, bytes }`. */
export function isStoredAside(value: unknown): value is { $blob: string; bytes: number } {
  return typeof value === 'object' && value !== null && typeof (value as { $blob?: unknown }).$blob === 'string';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "4 items", or "stored aside (120 KB)" for a large list. */
export function countItems(items: unknown): string {
  if (Array.isArray(items)) return plural(items.length, 'item');
  if (isStoredAside(items)) return `a large list stored aside (${formatBytes(items.bytes)})`;
  return 'no items';
}

/**
 * What a node produced, port by port: "4 items" for a single `out` port, "true: 2 items,
 * false: 2 items" otherwise. Empty ports are left out unless everything is empty.
 */
export function describePorts(outputs: unknown): string {
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) return 'no items';
  const entries = Object.entries(outputs as Record<string, unknown>);
  const filled = entries.filter(([, items]) => !Array.isArray(items) || items.length > 0);
  if (filled.length === 0) return 'no items';
  if (filled.length === 1 && filled[0]![0] === 'out') return countItems(filled[0]![1]);
  return filled.map(([port, items]) => `${port}: ${countItems(items)}`).join(', ');
}

/** Removes stack-trace lines ("    at foo (file.js:1:2)") from a message meant for people. */
export function withoutStack(message: string): string {
  return message
    .split('\n')
    .filter((line) => !/^\s+at\s/.test(line))
    .join('\n')
    .trim();
}

/** A short one-line rendering of any JSON value, for diffs: `"abc"`, `42`, `{"a":1,…}`. */
export function shortJson(value: unknown, max = 80): string {
  if (value === undefined) return '(nothing)';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Pretty JSON for the output viewer, cut at `maxChars` so a huge value never freezes the page. */
export function prettyJson(value: unknown, maxChars = 200_000): { text: string; truncated: boolean } {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? 'undefined';
  } catch {
    text = String(value);
  }
  if (text.length <= maxChars) return { text, truncated: false };
  return { text: text.slice(0, maxChars), truncated: true };
}

/** Time since the run started, for the timeline: "+0 ms", "+212 ms", "+1.4 s", "+2 h 5 min". */
export function formatElapsed(ms: number): string {
  return `+${formatDuration(Math.max(0, ms)) || '0 ms'}`;
}
