/**
 * airtable.append-row against a local HTTP server that behaves like Airtable's records API:
 * token check, tables by name, unknown columns, upsert on chosen columns, 429 and 5xx.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSecretResolver, replayRun, validateFlow, type Engine, type FileTraceStore, type NodeErrorInfo, type RetryPolicy } from '../../../engine/index.ts';
import { makeFlow, registry, testEngine } from '../../helpers/engine.ts';
import { json, serveDuringTest, type ReceivedRequest } from '../../helpers/http-server.ts';
import { eventsOf, itemsOf, passThrough, traceEvents } from '../support.ts';

const TOKEN = 'patTESTtoken.0123456789abcdef';
const BASE = 'appTEST1234567890';
const FAST_RETRY: RetryPolicy = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: false };
type ErrorItem = { error: NodeErrorInfo; itemIndex: number };
type Row = { id: string; createdTime: string; fields: Record<string, unknown> };

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine({ secrets: new EnvSecretResolver({ FLOWKEEPER_CREDENTIAL_CRM: JSON.stringify({ token: TOKEN }), FLOWKEEPER_CREDENTIAL_STALE: JSON.stringify({ token: 'patSTALEtoken' }) }) }));
});
afterAll(() => cleanup());

/** One base with a "Leads" table whose columns are Name, Email and Score. */
function airtable() {
  const rows: Row[] = [];
  const columns = new Set(['Name', 'Email', 'Score']);
  const handler = (req: ReceivedRequest, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: { type: 'AUTHENTICATION_REQUIRED', message: 'Authentication required' } });
    const match = /^\/v0\/([^/]+)\/([^/?]+)$/.exec(req.url);
    if (!match || match[1] !== BASE || decodeURIComponent(match[2]!) !== 'Leads') return json(res, 404, { error: { type: 'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND', message: 'Invalid permissions, or the requested model was not found.' } });
    const body = JSON.parse(req.body) as { records: Array<{ fields: Record<string, unknown> }>; typecast?: boolean; performUpsert?: { fieldsToMergeOn: string[] } };
    const fields = body.records[0]!.fields;
    const unknown = Object.keys(fields).find((c) => !columns.has(c));
    if (unknown) return json(res, 422, { error: { type: 'UNKNOWN_FIELD_NAME', message: `Unknown field name: "${unknown}"` } });
    if (req.method === 'PATCH' && body.performUpsert) {
      const on = body.performUpsert.fieldsToMergeOn;
      const existing = rows.find((r) => on.every((c) => r.fields[c] === fields[c]));
      if (existing) {
        Object.assign(existing.fields, fields);
        return json(res, 200, { records: [existing], createdRecords: [], updatedRecords: [existing.id] });
      }
    }
    const row: Row = { id: `rec${String(rows.length + 1).padStart(14, '0')}`, createdTime: '2026-01-01T00:00:00.000Z', fields: { ...fields } };
    rows.push(row);
    json(res, 200, req.method === 'PATCH' ? { records: [row], createdRecords: [row.id], updatedRecords: [] } : { records: [row] });
  };
  return { rows, handler };
}

function airtableFlow(baseUrl: string, config: Record<string, unknown> = {}) {
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      {
        id: 'add',
        type: 'airtable.append-row',
        config: { credential: 'crm', baseId: BASE, table: 'Leads', baseUrl, fields: [{ name: 'Name', value: '{{ name }}' }, { name: 'Email', value: '{{ email }}' }, { name: 'Score', value: '{{ score }}' }], ...config },
        retry: FAST_RETRY,
      },
      passThrough('ok'),
      passThrough('errors'),
    ],
    ['start -> add', 'add -> ok', 'add.error -> errors'],
  );
}

describe('airtable.append-row', () => {
  it('adds one row per item with typed values; the output carries the record id; the token is never on disk', async () => {
    const table = airtable();
    const server = await serveDuringTest(table.handler);
    const outcome = await engine.startRun(airtableFlow(server.url), { input: [{ name: 'Ann', email: 'ann@example.org', score: 7 }, { name: 'Bob', email: 'bob@example.org', score: 3 }] });
    expect(outcome.status).toBe('succeeded');
    expect(table.rows.map((r) => r.fields)).toEqual([
      { Name: 'Ann', Email: 'ann@example.org', Score: 7 },
      { Name: 'Bob', Email: 'bob@example.org', Score: 3 },
    ]);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`POST /v0/${BASE}/Leads`, `POST /v0/${BASE}/Leads`]);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ records: [{ fields: { Name: 'Ann', Email: 'ann@example.org', Score: 7 } }], typecast: false });
    expect(itemsOf(outcome, 'ok')[0]).toEqual({ name: 'Ann', email: 'ann@example.org', score: 7, airtable: { id: 'rec00000000000001', createdTime: '2026-01-01T00:00:00.000Z', created: true } });
    expect(await readFile(store.locate(outcome.runId), 'utf8')).not.toContain(TOKEN);
    const [intent] = eventsOf(await traceEvents(store, outcome.runId), 'external.intent', 'add');
    expect(intent!.idempotencyKey).toBeUndefined();
  });

  it('"Match existing rows on" updates the matching row instead of adding one, and makes the call safe to repeat', async () => {
    const table = airtable();
    const server = await serveDuringTest(table.handler);
    const flow = airtableFlow(server.url, { mergeOn: ['Email'] });
    await engine.startRun(flow, { input: { name: 'Ann', email: 'ann@example.org', score: 1 } });
    const second = await engine.startRun(flow, { input: { name: 'Ann B.', email: 'ann@example.org', score: 9 } });
    expect(table.rows.map((r) => r.fields)).toEqual([{ Name: 'Ann B.', Email: 'ann@example.org', Score: 9 }]);
    expect(server.requests.map((r) => r.method)).toEqual(['PATCH', 'PATCH']);
    expect((itemsOf(second, 'ok')[0] as { airtable: { created: boolean } }).airtable.created).toBe(false);
    const [intent] = eventsOf(await traceEvents(store, second.runId), 'external.intent', 'add');
    expect(intent!.idempotencyKey).toBe(`airtable:${BASE}/Leads:["ann@example.org"]`);
  });

  it('Airtable\'s errors in plain words on the error port: token, table, column', async () => {
    const table = airtable();
    const server = await serveDuringTest(table.handler);
    const item = { name: 'Ann', email: 'a@example.org', score: 1 };
    const stale = await engine.startRun(airtableFlow(server.url, { credential: 'stale' }), { input: item });
    expect((itemsOf(stale, 'errors')[0] as unknown as ErrorItem).error).toMatchObject({ code: 'AIRTABLE_ERROR', status: 401, retryable: false, message: 'Airtable did not add the row to table "Leads": Authentication required', hint: 'Check the token in the Airtable credential.' });
    const wrongTable = await engine.startRun(airtableFlow(server.url, { table: 'Laeds' }), { input: item });
    expect((itemsOf(wrongTable, 'errors')[0] as unknown as ErrorItem).error.hint).toContain('Check the base id and table name');
    const column = await engine.startRun(airtableFlow(server.url, { fields: [{ name: 'Nmae', value: '{{ name }}' }] }), { input: item });
    expect((itemsOf(column, 'errors')[0] as unknown as ErrorItem).error).toMatchObject({ message: 'Airtable did not add the row to table "Leads": Unknown field name: "Nmae"', details: { airtableError: 'UNKNOWN_FIELD_NAME' } });
    expect(table.rows).toEqual([]);
  });

  it('429: waited out and retried, the row added once', async () => {
    const table = airtable();
    let calls = 0;
    const server = await serveDuringTest((req, res) => {
      if (++calls === 1) return json(res, 429, { errors: [{ error: 'RATE_LIMIT_REACHED' }] }, { 'retry-after': '0' });
      table.handler(req, res);
    });
    const outcome = await engine.startRun(airtableFlow(server.url), { input: { name: 'Ann', email: 'a@example.org', score: 1 } });
    expect(outcome.status).toBe('succeeded');
    expect(table.rows).toHaveLength(1);
    const [retry] = eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'add');
    expect(retry!.error).toMatchObject({ status: 429, retryAfterMs: 0 });
  });

  it('a 5xx: a plain add is never sent again (it may have landed); an upsert is retried', async () => {
    const table = airtable();
    let fail = true;
    const server = await serveDuringTest((req, res) => {
      if (fail) {
        fail = false;
        return json(res, 502, { error: 'SERVER_ERROR' });
      }
      table.handler(req, res);
    });
    const plain = await engine.startRun(airtableFlow(server.url), { input: { name: 'Ann', email: 'a@example.org', score: 1 } });
    expect((itemsOf(plain, 'errors')[0] as unknown as ErrorItem).error).toMatchObject({ code: 'AIRTABLE_UNCERTAIN', retryable: false });
    expect(server.requests).toHaveLength(1);
    fail = true;
    const upsert = await engine.startRun(airtableFlow(server.url, { mergeOn: ['Email'] }), { input: { name: 'Ann', email: 'a@example.org', score: 1 } });
    expect(upsert.status).toBe('succeeded');
    expect(itemsOf(upsert, 'ok')).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
  });

  it('checks its configuration: a base id that is not one, a match column the step does not fill', () => {
    const result = validateFlow(
      { format: 'flowkeeper/flow', formatVersion: 1, id: 'f', name: 'f', nodes: [{ id: 'a', type: 'airtable.append-row', config: { credential: 'crm', baseId: 'Leads base', table: 'Leads', fields: [{ name: 'Name', value: 'x' }], mergeOn: ['Email'] } }], edges: [] },
      registry,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const messages = result.problems.map((p) => p.message).join('\n');
      expect(messages).toContain('A base id starts with "app"');
      expect(messages).toContain('"Email" must also be one of the columns the step fills');
    }
  });

  it('a replay answers from the trace with the server gone, and is identical', async () => {
    const table = airtable();
    const server = await serveDuringTest(table.handler);
    const outcome = await engine.startRun(airtableFlow(server.url), { input: [{ name: 'Ann', email: 'a@example.org', score: 1 }] });
    await server.close();
    expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
  });
});
