import { z } from 'zod';
import { NodeError, defineNode, field, type Item } from '../../engine/model/index.ts';

const FieldSchema = z
  .object({
    name: field(z.string().min(1).max(100), { title: 'Field name', description: 'How later steps refer to the answer, e.g. $input.customerEmail.', placeholder: 'customerEmail', widget: 'plain' }),
    label: field(z.string().max(200).optional(), { title: 'Label', description: 'What the person starting the flow reads next to the box.', placeholder: 'Customer e-mail', widget: 'plain' }),
    type: field(z.enum(['text', 'number', 'boolean', 'date', 'list', 'object']).default('text'), {
      title: 'Kind of answer',
      description: 'What the person types: text, a number, yes or no, a date, a list or a group of fields.',
      optionLabels: { text: 'Text', number: 'Number', boolean: 'Yes or no', date: 'Date', list: 'List', object: 'Group of fields' },
    }),
    required: field(z.boolean().default(false), { title: 'Required', description: 'The flow does not start until this is filled in.' }),
    default: field(z.unknown().optional(), { title: 'Pre-filled value', description: 'What the box holds before the person types anything.', widget: 'plain' }),
    description: field(z.string().max(1000).optional(), { title: 'Help text', description: 'A sentence shown under the box to explain what to enter.', widget: 'plain' }),
  })
  .strict();

const Config = z
  .object({
    /** The form a person fills in when they start the flow by hand. */
    fields: field(z.array(FieldSchema).max(100).default([]), {
      title: 'Start form',
      itemTitle: 'Field',
      description: 'The boxes a person fills in when they start the flow by hand. Later steps read the answers as $input.<field name>.',
    }),
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
