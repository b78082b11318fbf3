import { z } from 'zod';
import { NodeError, defineNode, type Item } from '../../engine/model/index.ts';

const FieldSchema = z
  .object({
    name: z.string().min(1).max(100),
    label: z.string().max(200).optional(),
    type: z.enum(['text', 'number', 'boolean', 'date', 'list', 'object']).default('text'),
    required: z.boolean().default(false),
    default: z.unknown().optional(),
    description: z.string().max(1000).optional(),
  })
  .strict();

const Config = z
  .object({
    /** The form a person fills in when they start the flow by hand. */
    fields: z.array(FieldSchema).max(100).default([]),
  })
  .strict();
type Field = z.infer<typeof FieldSchema>;

function coerce(field: Field, value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const label = field.label ?? field.name;
  switch (field.type) {
    case 'text':
      return typeof value === 'string' ? { ok: true, value } : { ok: true, value: String(value) };
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: `"${label}" must be a number.` };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'yes') return { ok: true, value: true };
      if (value === 'false' || value === 'no') return { ok: true, value: false };
      return { ok: false, message: `"${label}" must be yes or no.` };
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? { ok: true, value } : { ok: false, message: `"${label}" must be a date like 2026-03-31.` };
    case 'list':
      return Array.isArray(value) ? { ok: true, value } : { ok: false, message: `"${label}" must be a list.` };
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ok: true, value } : { ok: false, message: `"${label}" must be a group of fields (an object).` };
  }
}

export default defineNode({
  type: 'trigger.manual',
  version: 1,
  title: 'Start by hand',
  category: 'trigger',
  icon: 'play',
  description: 'Starts the flow when someone presses Run, with an optional form for the input.',
  config: Config,
  inputs: [],
  outputs: ['out'],
  effects: 'pure',
  trigger: true,
  async run({ items, config }) {
    if (config.fields.length === 0) return { out: items };
    const out: Item[] = [];
    const problems: string[] = [];
    items.forEach((item, index) => {
      const result: Item = { ...item };
      for (const field of config.fields) {
        const given = item[field.name];
        // A blank form field counts as not filled in, so the default applies.
        const value = given === undefined || given === null || given === '' ? field.default : given;
        if (value === undefined || value === null || value === '') {
          if (field.required) problems.push(`"${field.label ?? field.name}" is required${items.length > 1 ? ` (item ${index + 1})` : ''}.`);
          continue;
        }
        const coerced = coerce(field, value);
        if (coerced.ok) result[field.name] = coerced.value;
        else problems.push(coerced.message);
      }
      out.push(result);
    });
    if (problems.length > 0) {
      throw new NodeError({ message: `The input does not fit the start form: ${problems.join(' ')}`, code: 'INPUT_INVALID', retryable: false, hint: 'Fill in the form again, or pass --input with these fields.' });
    }
    return { out };
  },
});
