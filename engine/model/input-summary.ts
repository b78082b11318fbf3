/**
 * A run's input in one short line, so twenty runs of the same flow can be told apart in a list:
 * `vendor: Paper & Co · amount: 120 · 3 more fields`. Pure; used by the run summary.
 */
import { isBlobRef } from './events.ts';

function scalar(value: unknown, max: number): string | undefined {
  if (typeof value === 'string') {
    const line = value.replace(/\s+/g, ' ').trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'empty';
  if (Array.isArray(value)) return `${value.length} ${value.length === 1 ? 'entry' : 'entries'}`;
  if (typeof value === 'object') return undefined;
  return undefined;
}

/** `undefined` for an empty input (nothing worth a line). */
export function summarizeInput(input: unknown, maxFields = 3, maxChars = 120): string | undefined {
  if (isBlobRef(input)) return `a large input (${Math.round(input.bytes / 1024)} KB)`;
  if (input === undefined || input === null) return undefined;
  if (typeof input !== 'object' || Array.isArray(input)) return scalar(input, maxChars);
  const entries = Object.entries(input as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== '');
  if (entries.length === 0) return undefined;
  const parts: string[] = [];
  for (const [key, value] of entries) {
    if (parts.length >= maxFields) break;
    const text = scalar(value, 40) ?? `${Object.keys(value as object).length} fields`;
    parts.push(`${key}: ${text}`);
  }
  const rest = entries.length - parts.length;
  const line = `${parts.join(' · ')}${rest > 0 ? ` · ${rest} more field${rest === 1 ? '' : 's'}` : ''}`;
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}
