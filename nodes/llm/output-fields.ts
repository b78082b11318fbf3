/**
 * Structured output for the AI step (not a node type). The operator lists the fields the answer
 * must have — name, type, description, required, options — and never writes JSON Schema. From that
 * list come both the JSON Schema sent to the provider (`response_format: json_schema`, strict) and
 * the zod validator every answer is checked against, plus plain-worded problems for the repair
 * attempt. Imports only zod.
 */
import { z } from 'zod';
import { field } from '../../engine/model/node-kit.ts';

export const FIELD_TYPES = ['text', 'number', 'boolean', 'list', 'choice'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const OutputFieldSchema = z
  .object({
    /** The key in the answer, e.g. `invoiceNumber`. */
    name: field(
      z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'use letters, digits and _ only, starting with a letter (e.g. invoiceNumber)' }),
      { title: 'Field name', description: 'The name the answer gets on the item, e.g. invoiceNumber (letters, digits and _).', placeholder: 'invoiceNumber', widget: 'plain' },
    ),
    type: field(z.enum(FIELD_TYPES).default('text'), {
      title: 'Kind',
      description: 'What the model must answer: text, a number, yes or no, a list of texts, or one of fixed options.',
      optionLabels: { text: 'Text', number: 'Number', boolean: 'Yes or no', list: 'List of texts', choice: 'One of these options' },
    }),
    /** Tells the model what belongs here; the better the words, the better the answer. */
    description: field(z.string().max(2000).optional(), {
      title: 'What belongs here',
      description: 'Tells the model what to put in this field; the clearer the words, the better the answer.',
      placeholder: 'The invoice number, as printed on the invoice',
      widget: 'plain',
    }),
    /** Optional fields may come back empty (null). */
    required: field(z.boolean().default(true), { title: 'Always answered', description: 'Off: the model may leave this field empty when the text does not say.' }),
    /** For `choice`: the allowed values. */
    options: field(z.array(z.string().min(1).max(200)).max(200).optional(), {
      title: 'Options',
      itemTitle: 'Option',
      description: 'The values the model may choose from.',
      placeholder: 'billing',
      widget: 'string-list',
      showWhen: { field: 'type', is: ['choice'] },
    }),
  })
  .strict()
  .refine((f) => f.type !== 'choice' || (f.options !== undefined && f.options.length > 0), { message: 'A choice field needs its options.', path: ['options'] });
export type OutputField = z.infer<typeof OutputFieldSchema>;

/** An output field plus bounds only presets set (confidence is a number from 0 to 1). */
export interface FieldSpec extends OutputField {
  min?: number;
  max?: number;
}

/** The strict JSON Schema for the answer object: every key present, optional ones nullable. */
export function answerJsonSchema(fields: readonly FieldSpec[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of fields) properties[field.name] = fieldJsonSchema(field);
  return { type: 'object', properties, required: fields.map((f) => f.name), additionalProperties: false };
}

function fieldJsonSchema(field: FieldSpec): Record<string, unknown> {
  const description = [field.description, boundsText(field)].filter(Boolean).join(' ');
  const nullable = !field.required;
  const base: Record<string, unknown> = (() => {
    switch (field.type) {
      case 'text':
        return { type: nullable ? ['string', 'null'] : 'string' };
      case 'number':
        return { type: nullable ? ['number', 'null'] : 'number' };
      case 'boolean':
        return { type: nullable ? ['boolean', 'null'] : 'boolean' };
      case 'list':
        return { type: nullable ? ['array', 'null'] : 'array', items: { type: 'string' } };
      case 'choice':
        return { type: nullable ? ['string', 'null'] : 'string', enum: nullable ? [...(field.options ?? []), null] : [...(field.options ?? [])] };
    }
  })();
  return description ? { ...base, description } : base;
}

function boundsText(field: FieldSpec): string {
  if (field.min !== undefined && field.max !== undefined) return `A number from ${field.min} to ${field.max}.`;
  return '';
}

/** What a field expects, in words: `a number from 0 to 1`, `one of "bug", "billing"`. */
export function expectation(field: FieldSpec): string {
  switch (field.type) {
    case 'text':
      return 'text';
    case 'number':
      return field.min !== undefined && field.max !== undefined ? `a number from ${field.min} to ${field.max}` : 'a number';
    case 'boolean':
      return 'true or false';
    case 'list':
      return 'a list of texts';
    case 'choice':
      return `one of ${(field.options ?? []).map((o) => JSON.stringify(o)).join(', ')}`;
  }
}

/** The zod validator for an answer. Choices match case-insensitively and come out as configured. */
export function answerValidator(fields: readonly FieldSpec[]): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const field of fields) {
    let schema: z.ZodType = fieldValidator(field);
    if (!field.required) schema = schema.nullable().optional();
    shape[field.name] = schema;
  }
  return z.object(shape) as unknown as z.ZodType<Record<string, unknown>>;
}

function fieldValidator(field: FieldSpec): z.ZodType {
  switch (field.type) {
    case 'text':
      return z.string();
    case 'number': {
      let n = z.number().refine(Number.isFinite);
      if (field.min !== undefined) n = n.refine((v) => v >= field.min!);
      if (field.max !== undefined) n = n.refine((v) => v <= field.max!);
      return n;
    }
    case 'boolean':
      return z.boolean();
    case 'list':
      return z.array(z.string());
    case 'choice': {
      const options = field.options ?? [];
      return z.preprocess((v) => (typeof v === 'string' ? (options.find((o) => o.toLowerCase() === v.trim().toLowerCase()) ?? v) : v), z.enum(options as [string, ...string[]]));
    }
  }
}

export type AnswerCheck = { ok: true; value: Record<string, unknown> } | { ok: false; problems: string[] };

/**
 * Parses and validates a model's answer text. Lenient where models commonly wrap JSON (code
 * fences, a sentence around the object); strict about the fields. Missing optional fields come out
 * as null, unknown extra keys are dropped, so downstream steps always see the same shape.
 */
export function checkAnswer(fields: readonly FieldSpec[], text: string): AnswerCheck {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
  const result = answerValidator(fields).safeParse(parsed.value, { reportInput: true });
  if (!result.success) {
    const byField = new Map<string, string>();
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '');
      const field = fields.find((f) => f.name === name);
      if (!field || byField.has(name)) continue;
      const given = (parsed.value as Record<string, unknown>)[name];
      byField.set(name, given === undefined || (given === null && field.required) ? `"${name}" is missing` : `"${name}" should be ${expectation(field)}, not ${brief(given)}`);
    }
    return { ok: false, problems: byField.size > 0 ? [...byField.values()] : result.error.issues.map((i) => i.message) };
  }
  const value: Record<string, unknown> = {};
  for (const field of fields) value[field.name] = result.data[field.name] ?? null;
  return { ok: true, value };
}

function parseJsonObject(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const trimmed = text.trim();
  const candidates = [trimmed];
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed);
  if (fenced) candidates.push(fenced[1]!);
  const first = trimmed.indexOf('{');
  const last = trimmed.lastIndexOf('}');
  if (first !== -1 && last > first) candidates.push(trimmed.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      const value = JSON.parse(candidate) as unknown;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { ok: true, value };
      return { ok: false, problem: `the answer is ${Array.isArray(value) ? 'a list' : 'a single value'}, not a JSON object with the fields` };
    } catch {
      // try the next way of reading it
    }
  }
  return { ok: false, problem: `the answer is not JSON (it starts with ${brief(trimmed.slice(0, 60))})` };
}

/** Instructions for providers without json_schema support: the format, spelled out. */
export function formatInstructions(fields: readonly FieldSpec[], schema: Record<string, unknown>): string {
  const lines = fields.map((f) => `- "${f.name}": ${expectation(f)}${f.required ? '' : ' or null'}${f.description ? ` — ${f.description}` : ''}`);
  return [
    'Answer with one JSON object and nothing else: no explanation, no code fences. Its fields:',
    ...lines,
    'The object must match this JSON Schema:',
    JSON.stringify(schema),
  ].join('\n');
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
