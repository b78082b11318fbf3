/**
 * The reviewer's corrections: the text typed into each editable field, checked with the same
 * rule the engine applies to a decision (`coerceField`, engine/model/review.ts), so a wrong
 * value is explained beside the field before anything is sent. Pure; tested in test/renderer/.
 */
import { DecisionRefused, coerceField, type ReviewField } from '../../engine/model/review.ts';

/** What a field shows in its input: numbers and dates as text, booleans as checkboxes. */
export function draftOf(field: ReviewField, value: unknown): string | boolean {
  if (field.type === 'boolean') return value === true;
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface CheckedEdits {
  /** Only the fields whose value changed, typed. */
  edits: Record<string, unknown>;
  /** Plain words per field that does not fit its type. */
  errors: Record<string, string>;
}

/** Turns the drafts into typed edits, keeping only real changes (the engine records the diff). */
export function checkEdits(fields: readonly ReviewField[], values: Record<string, unknown>, drafts: Record<string, string | boolean>): CheckedEdits {
  const edits: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const draft = drafts[field.name];
    if (draft === undefined) continue;
    if (draft === draftOf(field, values[field.name])) continue;
    try {
      const typed = coerceField(field, draft);
      if (JSON.stringify(typed) !== JSON.stringify(values[field.name] ?? null)) edits[field.name] = typed;
    } catch (error) {
      errors[field.name] = error instanceof DecisionRefused ? error.message.replace(/, not .*$/, '.') : 'This value does not fit the field.';
    }
  }
  return { edits, errors };
}

/** A value for reading (a list, the history): plain text, not JSON where avoidable. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}
