/**
 * The "Run" form: a flow that starts by hand (`trigger.manual`) may describe its input as fields
 * (text, number, yes/no, date, list, object). These functions turn those fields into form
 * values and the filled-in form back into the run input, with plain messages per field.
 */

export type FieldType = 'text' | 'number' | 'boolean' | 'date' | 'list' | 'object';

export interface InputField {
  name: string;
  label: string;
  type: FieldType;
  required: boolean;
  default?: unknown;
  description?: string;
}

/** Text inputs hold strings; a yes/no field holds a boolean. */
export type FormValues = Record<string, string | boolean>;

export type BuiltInput = { ok: true; input: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

const TYPES: readonly FieldType[] = ['text', 'number', 'boolean', 'date', 'list', 'object'];

/** The input fields of the flow's manual trigger, or undefined when it declares none. */
export function manualInputFields(flow: unknown): InputField[] | undefined {
  const nodes = (flow as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return undefined;
  const trigger = nodes.find((n) => (n as { type?: unknown } | null)?.type === 'trigger.manual') as { config?: { fields?: unknown } } | undefined;
  const fields = trigger?.config?.fields;
  if (!Array.isArray(fields) || fields.length === 0) return undefined;
  const result: InputField[] = [];
  for (const raw of fields) {
    const f = (raw ?? {}) as Record<string, unknown>;
    if (typeof f.name !== 'string' || f.name === '') continue;
    const type = TYPES.includes(f.type as FieldType) ? (f.type as FieldType) : 'text';
    const field: InputField = { name: f.name, label: typeof f.label === 'string' && f.label !== '' ? f.label : f.name, type, required: f.required === true };
    if (f.default !== undefined) field.default = f.default;
    if (typeof f.description === 'string' && f.description !== '') field.description = f.description;
    result.push(field);
  }
  return result.length > 0 ? result : undefined;
}

export function initialFormValues(fields: readonly InputField[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const d = field.default;
    switch (field.type) {
      case 'boolean':
        values[field.name] = d === true || d === 'true' || d === 'yes';
        break;
      case 'list':
      case 'object':
        values[field.name] = d === undefined ? '' : JSON.stringify(d, null, 2);
        break;
      default:
        values[field.name] = d === undefined || d === null ? '' : String(d);
    }
  }
  return values;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const detail = error instanceof Error ? error.message : '';
    return { ok: false, message: `This is not valid JSON${detail ? ` (${detail})` : ''}.` };
  }
}

/**
 * The run input from a filled-in form. A blank field is left out so the flow's own default
 * applies; a blank required field without a default is an error.
 */
export function buildInput(fields: readonly InputField[], values: FormValues): BuiltInput {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name];
    if (field.type === 'boolean') {
      input[field.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      if (field.required && field.default === undefined) errors[field.name] = `Fill in “${field.label}”.`;
      continue;
    }
    switch (field.type) {
      case 'number': {
        const n = Number(text.replace(/\s/g, ''));
        if (Number.isFinite(n)) input[field.name] = n;
        else errors[field.name] = `“${field.label}” must be a number, like 500 or 12.5.`;
        break;
      }
      case 'date':
        if (Number.isNaN(Date.parse(text))) errors[field.name] = `“${field.label}” must be a date, like 2026-03-31.`;
        else input[field.name] = text;
        break;
      case 'list':
      case 'object': {
        const parsed = parseJson(text);
        if (!parsed.ok) errors[field.name] = parsed.message;
        else if (field.type === 'list' && !Array.isArray(parsed.value)) errors[field.name] = `“${field.label}” must be a list, like ["a", "b"].`;
        else if (field.type === 'object' && (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)))
          errors[field.name] = `“${field.label}” must be a group of fields, like {"name": "Ana"}.`;
        else input[field.name] = parsed.value;
        break;
      }
      default:
        input[field.name] = typeof raw === 'string' ? raw : text;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}

/** The run input typed as JSON (flows without a form). Blank means "no input". */
export function parseJsonInput(text: string): { ok: true; input: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, input: {} };
  const parsed = parseJson(text);
  return parsed.ok ? { ok: true, input: parsed.value } : { ok: false, message: `${parsed.message} Use {} for no input, or a list [...] to start with several items.` };
}
