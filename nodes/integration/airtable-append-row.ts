/**
 * Airtable: add a row (`airtable.append-row`): adds one record per item to an Airtable table
 * through its Web API (`POST /v0/{base}/{table}`), signed in with a personal access token.
 *
 * - With "Match existing rows on" it becomes an upsert (`PATCH` with `performUpsert`): a row
 *   with the same values in those fields is updated instead of added. That makes the call safe to
 *   repeat, so it carries an idempotency key and a resume after a crash sends it again. Without
 *   it a plain add is never repeated on its own when it may have gone through: the run asks.
 * - Airtable's errors (`{ error: { type, message } }`) become plain errors on the error port;
 *   429 waits (Retry-After, else the 30 seconds Airtable documents) and is retried.
 * - One recorded HTTP call per item; the API address is configurable for tests.
 */
import { z } from 'zod';
import { NodeError, defineNode, field, type HttpResponse, type Item } from '../../engine/model/index.ts';
import { requiredField } from '../shared/credential-fields.ts';
import { neverReachedServer } from '../shared/never-sent.ts';

const Field = z
  .object({
    name: field(z.string().min(1).max(300), { title: 'Column', description: 'The column\'s name exactly as in Airtable.', placeholder: 'Email', widget: 'plain' }),
    value: field(z.unknown(), { title: 'Value', description: 'What goes in the column; may use {{ expressions }} over the item.', placeholder: '{{ email }}' }),
  })
  .strict();

const Config = z
  .object({
    credential: field(z.string().min(1).max(200), {
      title: 'Airtable token',
      description: 'The stored Airtable personal access token (needs data.records:write on the base). It stays in the system keychain.',
      widget: 'credential',
    }),
    baseId: field(
      z.string().regex(/^app[A-Za-z0-9]{3,40}$/, 'A base id starts with "app", e.g. appAbC123dEf456gH (in the base\'s address in the browser).'),
      { title: 'Base', description: 'The base\'s id: it starts with "app" and is in the base\'s web address (airtable.com/appXXXX/…).', placeholder: 'appAbC123dEf456gH', widget: 'plain' },
    ),
    table: field(z.string().min(1).max(300), { title: 'Table', description: 'The table\'s name (e.g. Leads) or id (tblXXXX).', placeholder: 'Leads', widget: 'plain' }),
    fields: field(z.array(Field).min(1).max(500), {
      title: 'Columns',
      description: 'Which value goes into which column, e.g. Email = {{ email }}. Columns left out stay empty.',
      widget: 'key-value',
      itemTitle: 'Column',
    }),
    mergeOn: field(
      z
        .array(field(z.string().min(1).max(300), { title: 'Column', description: 'A column whose value identifies the row.', placeholder: 'Email' }))
        .max(3)
        .optional(),
      {
        title: 'Match existing rows on',
        description: 'Up to three columns that identify a row (e.g. Email). A row with the same values is updated instead of added, so repeating the step never makes duplicates.',
        placeholder: 'Email',
        widget: 'string-list',
        itemTitle: 'Column',
        advanced: true,
      },
    ),
    typecast: field(z.boolean().default(false), {
      title: 'Convert values',
      description: 'On: Airtable converts text to the column\'s type and adds missing choices to select columns. Off: values must already fit.',
      advanced: true,
    }),
    baseUrl: field(z.string().url().max(500).default('https://api.airtable.com'), {
      title: 'Airtable API address',
      description: 'Leave as it is unless your company routes Airtable through its own address.',
      placeholder: 'https://api.airtable.com',
      widget: 'plain',
      advanced: true,
    }),
    timeoutSeconds: field(z.number().min(1).max(120).default(30), { title: 'Time limit (seconds)', description: 'How long to wait for Airtable to answer one row.', advanced: true }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set(config.fields.map((f) => f.name));
    for (const [i, column] of (config.mergeOn ?? []).entries()) {
      if (!names.has(column)) ctx.addIssue({ code: 'custom', path: ['mergeOn', i], message: `"${column}" must also be one of the columns the step fills, so rows can be matched on it.` });
    }
  });

interface AirtableAnswer {
  records?: Array<{ id: string; createdTime?: string }>;
  createdRecords?: string[];
  error?: string | { type?: string; message?: string };
}

const HINTS: Record<string, string> = {
  AUTHENTICATION_REQUIRED: 'Check the token in the Airtable credential.',
  INVALID_AUTHORIZATION: 'Check the token in the Airtable credential.',
  INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND: 'Check the base id and table name, and that the token may write to this base (scope data.records:write, base added to the token).',
  INVALID_PERMISSIONS: 'Give the token access to this base (scope data.records:write).',
  NOT_FOUND: 'Check the base id and the table name.',
  UNKNOWN_FIELD_NAME: 'Check the column names: they must match Airtable exactly, including capitals.',
  INVALID_VALUE_FOR_COLUMN: 'Check the values, or turn on "Convert values".',
  INVALID_MULTIPLE_CHOICE_OPTIONS: 'Use one of the column\'s choices, or turn on "Convert values" to add it.',
};

export default defineNode({
  type: 'airtable.append-row',
  version: 1,
  title: 'Airtable: add a row',
  category: 'integration',
  icon: 'table',
  description: 'Adds a row to an Airtable table for each item, or updates the row that matches on the columns you choose.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'write',
  credentials: ['airtable.token'],
  defaultRetry: { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 60_000, multiplier: 2, jitter: true },
  async run({ items, config, ctx }) {
    return ctx.forEachItem(items, async (item, index) => {
      const fields: Record<string, unknown> = {};
      for (const { name, value } of config.fields) fields[name] = await ctx.evaluate(value, index);
      const upsert = config.mergeOn !== undefined && config.mergeOn.length > 0;
      const body = { records: [{ fields }], typecast: config.typecast, ...(upsert ? { performUpsert: { fieldsToMergeOn: config.mergeOn } } : {}) };
      // An upsert on the same key values lands on the same row however often it is sent.
      const idempotencyKey = upsert ? `airtable:${config.baseId}/${config.table}:${JSON.stringify(config.mergeOn!.map((c) => fields[c] ?? null))}` : undefined;
      const token = requiredField(await ctx.secret(config.credential), config.credential, 'token');
      const url = `${config.baseUrl.replace(/\/+$/, '')}/v0/${encodeURIComponent(config.baseId)}/${encodeURIComponent(config.table)}`;
      const where = `table "${config.table}"`;
      let response: HttpResponse;
      try {
        response = await ctx.http(
          { method: upsert ? 'PATCH' : 'POST', url, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body), timeoutMs: config.timeoutSeconds * 1000 },
          { itemIndex: index, ...(idempotencyKey ? { idempotencyKey } : {}) },
        );
      } catch (error) {
        if (!upsert && error instanceof NodeError && error.retryable && !neverReachedServer(error)) throw mayHaveAdded(error.message, where);
        throw error;
      }
      const record = toRecord(response, where, upsert);
      return { ...item, airtable: record } as Item;
    });
  },
});

function toRecord(response: HttpResponse, where: string, upsert: boolean): { id: string; createdTime: string; created: boolean } {
  let answer: AirtableAnswer = {};
  try {
    answer = JSON.parse(response.body || '{}') as AirtableAnswer;
  } catch {
    if (response.status < 400) throw new NodeError({ message: `Airtable answered ${response.status} with something that is not JSON.`, code: 'BAD_RESPONSE', retryable: false, hint: 'Check "Airtable API address".' });
  }
  if (response.status === 429) {
    const seconds = Number(response.headers['retry-after']);
    return fail({ message: 'Airtable is rate-limiting this token (at most 5 calls a second per base).', code: 'HTTP_STATUS', status: 429, retryable: true, retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : 30_000, hint: 'Retries wait as Airtable asks; send fewer items at once.' });
  }
  if (response.status >= 500) {
    const text = `Airtable answered ${response.status} ${response.statusText}.`;
    if (!upsert) throw mayHaveAdded(text, where);
    return fail({ message: text, code: 'HTTP_STATUS', status: response.status, retryable: true, hint: 'Airtable had a problem; retries may help.' });
  }
  if (response.status >= 400 || answer.error !== undefined) {
    const type = typeof answer.error === 'string' ? answer.error : (answer.error?.type ?? `HTTP_${response.status}`);
    const said = typeof answer.error === 'object' && answer.error?.message ? answer.error.message : type;
    return fail({
      message: `Airtable did not add the row to ${where}: ${said}`,
      code: 'AIRTABLE_ERROR',
      status: response.status,
      retryable: false,
      hint: HINTS[type] ?? 'Check the base, the table and the columns.',
      details: { airtableError: type },
    });
  }
  const record = answer.records?.[0];
  if (!record) throw new NodeError({ message: 'Airtable answered without the record it added.', code: 'BAD_RESPONSE', retryable: false });
  const created = !upsert || (answer.createdRecords ?? []).includes(record.id);
  return { id: record.id, createdTime: record.createdTime ?? '', created };
}

function fail(info: ConstructorParameters<typeof NodeError>[0]): never {
  throw new NodeError(info);
}

function mayHaveAdded(what: string, where: string): NodeError {
  return new NodeError({
    message: `${what} The row may or may not have been added to ${where}, so Flowkeeper did not send it again.`,
    code: 'AIRTABLE_UNCERTAIN',
    retryable: false,
    hint: 'Look in the table: if the row is missing, run the item again. Setting "Match existing rows on" makes repeats safe.',
    details: { unsafeToRepeat: true },
  });
}
