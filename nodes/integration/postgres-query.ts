/**
 * PostgreSQL query (`postgres.query`): runs one SQL statement per input item against a PostgreSQL
 * database and turns the rows into items.
 *
 * - Parameterised only: the SQL text is fixed in the config (no `{{ }}` inside it); values come
 *   from the item through `$1`, `$2`… parameters, sent separately with the extended protocol, so
 *   an item's data can never change the statement. One statement per step.
 * - Effects: a statement that only reads (SELECT, WITH without a change, SHOW, VALUES, TABLE,
 *   EXPLAIN without ANALYZE) is `read` and runs inside a READ ONLY transaction, so a read can never
 *   change data by accident; anything else is `write` (sent at most once unless the flow gives an
 *   idempotency key, i.e. says running it twice is harmless, e.g. INSERT … ON CONFLICT DO NOTHING).
 * - Every statement is one recorded `postgres` call (request: server, database, SQL, parameters;
 *   result: command, row count, columns, rows as JSON), so replay and crash-resume answer from the
 *   trace without a database. The `pg` library is used only inside the recorded call.
 */
import { z } from 'zod';
import type { ClientConfig, Pool, PoolClient, PoolConfig, QueryConfig } from 'pg';
import { NodeError, defineNode, field, highestPlaceholder, sqlCodeOnly, type Effects, type Item, type NodeContext } from '../../engine/model/index.ts';
import { optionalField, portField, requiredField } from '../shared/credential-fields.ts';

const Config = z
  .object({
    credential: field(z.string().min(1).max(200), {
      title: 'Database connection',
      description: 'The stored PostgreSQL connection (server, database, user and password). The password stays in the system keychain.',
      widget: 'credential',
    }),
    sql: field(z.string().min(1).max(100_000), {
      title: 'SQL statement',
      description: 'One SQL statement. Write $1, $2… where values from the item go and fill them in under Parameters, e.g. SELECT * FROM orders WHERE customer = $1. Expressions are not allowed here, so data can never change the statement.',
      placeholder: 'SELECT id, total FROM orders WHERE customer_id = $1',
      widget: 'sql',
    }),
    params: field(
      z
        .array(
          field(z.unknown(), {
            title: 'Value',
            description: 'The value for one placeholder; may use {{ expressions }} over the item, e.g. {{ customerId }}.',
            placeholder: '{{ customerId }}',
          }),
        )
        .max(100)
        .default([]),
      {
        title: 'Parameters',
        description: 'One value for each $1, $2… in the statement, in order. Each may use {{ expressions }} over the item, e.g. {{ customerId }}.',
        placeholder: '{{ customerId }}',
        itemTitle: 'Parameter',
        widget: 'sql-parameters',
      },
    ),
    output: field(z.enum(['rows', 'result']).default('rows'), {
      title: 'Output',
      description: 'One item per row the statement returns (a statement without rows gives one item with the command and the row count), or one item per statement holding all its rows.',
      optionLabels: { rows: 'One item per row', result: 'One item per statement (with all rows)' },
    }),
    treatAsWrite: field(z.boolean().default(false), {
      title: 'Changes data',
      description: 'Turn on when a statement that starts with SELECT still changes data (for example it calls a function that writes). Otherwise reads run read-only.',
      advanced: true,
    }),
    idempotencyKey: field(z.string().min(1).max(500).optional(), {
      title: 'Safe to repeat (idempotency key)',
      description: 'Only for statements that change nothing when run twice, e.g. INSERT … ON CONFLICT DO NOTHING. With it, a statement cut off by a crash is run again on resume; without it, Flowkeeper asks you first.',
      placeholder: 'order-{{ id }}',
      advanced: true,
    }),
    maxRows: field(z.number().int().min(1).max(1_000_000).default(10_000), {
      title: 'Most rows',
      description: 'A statement returning more rows than this fails instead of flooding the run. Add a LIMIT or raise this number.',
      advanced: true,
    }),
    timeoutSeconds: field(z.number().min(1).max(3600).default(30), {
      title: 'Time limit (seconds)',
      description: 'How long connecting and running one statement may take before it counts as failed.',
      advanced: true,
    }),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.sql.includes('{{')) {
      ctx.addIssue({
        code: 'custom',
        path: ['sql'],
        message: 'The SQL statement cannot hold {{ expressions }}: write $1, $2… in their place and put the expressions under Parameters.',
      });
    }
    const used = highestPlaceholder(config.sql);
    if (used > config.params.length) {
      ctx.addIssue({ code: 'custom', path: ['params'], message: `The statement uses $${used} but only ${config.params.length} parameter${config.params.length === 1 ? ' is' : 's are'} given: add one per placeholder.` });
    } else if (used < config.params.length) {
      ctx.addIssue({ code: 'custom', path: ['params'], message: `${config.params.length} parameters are given but the statement only uses ${used === 0 ? 'none' : `$1 to $${used}`}: remove the extra ones or use them in the statement.` });
    }
  });
type PostgresConfig = z.infer<typeof Config>;

/**
 * What is recorded for one statement. The connection is named by its credential id: its values
 * (server, user, password) are read live only, so replay matches without seeing them.
 */
interface PostgresRequest {
  credential: string;
  sql: string;
  params: unknown[];
  readOnly: boolean;
}

interface PostgresResult {
  command: string;
  rowCount: number;
  columns: string[];
  rows: Item[];
}

export default defineNode({
  type: 'postgres.query',
  version: 1,
  title: 'PostgreSQL query',
  category: 'integration',
  icon: 'database',
  description: 'Reads or changes rows in a PostgreSQL database with one SQL statement per item. Values from the item go in as parameters, never into the SQL text.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: (config: PostgresConfig): Effects => (config.treatAsWrite || !isReadOnlyStatement(config.sql) ? 'write' : 'read'),
  credentials: ['postgres'],
  // A dropped connection or a deadlock passes; a write is only repeated when that is provably safe.
  defaultRetry: { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 30_000, multiplier: 2, jitter: true },
  async run({ items, config, ctx }) {
    const readOnly = !config.treatAsWrite && isReadOnlyStatement(config.sql);
    const connection = new LazyPool(ctx, config);
    try {
      return await ctx.forEachItem(items, async (_item, index) => {
        const params = await Promise.all(config.params.map((value) => ctx.evaluate(value, index)));
        const idempotencyKey = config.idempotencyKey === undefined ? undefined : String(await ctx.evaluate(config.idempotencyKey, index));
        const request: PostgresRequest = { credential: config.credential, sql: config.sql, params: params.map(jsonSafe), readOnly };
        const result = await ctx.external<PostgresResult>(
          'postgres',
          request,
          { itemIndex: index, ...(idempotencyKey ? { idempotencyKey } : {}) },
          () => connection.query(config, params, readOnly, idempotencyKey !== undefined),
        );
        if (config.output === 'result') return [{ command: result.command, rowCount: result.rowCount, columns: result.columns, rows: result.rows }];
        if (result.columns.length === 0) return [{ command: result.command, rowCount: result.rowCount }];
        return result.rows;
      });
    } finally {
      await connection.close();
    }
  },
});

/** `pg` is loaded on the first live statement: the CLI and the app start without it, replay never needs it. */
const loadPg = () => import('pg').then((m) => m.default);

/**
 * One pool per run of the node, opened on the first live statement only: replay never connects
 * and never reads the credential (a failed lookup is recorded as that statement's answer).
 */
class LazyPool {
  private pool: Pool | undefined;
  private connection: Promise<{ place: string; config: PoolConfig }> | undefined;

  constructor(
    private readonly ctx: NodeContext,
    private readonly nodeConfig: PostgresConfig,
  ) {}

  private settings() {
    this.connection ??= this.ctx.secret(this.nodeConfig.credential).then((secret) => connectionSettings(secret, this.nodeConfig));
    return this.connection;
  }

  async query(config: PostgresConfig, params: unknown[], readOnly: boolean, keyed: boolean): Promise<PostgresResult> {
    const { place, config: poolConfig } = await this.settings();
    if (!this.pool) {
      const pg = await loadPg();
      this.pool = new pg.Pool(poolConfig);
      // An idle connection the server drops must not crash the process; the next query reconnects.
      this.pool.on('error', () => undefined);
    }
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw connectError(error, place, this.ctx.signal);
    }
    let executing = false;
    // A stopped run drops this connection at once (the step stops waiting) and asks the server,
    // over a second connection, to cancel the statement: a server does not notice a dropped
    // client while a statement runs, and a write must not go on after the run said "stopped".
    let closedByAbort = false;
    const onAbort = () => {
      closedByAbort = true;
      const pid = (client as unknown as { processID?: number | null }).processID;
      if (executing && typeof pid === 'number') void cancelOnServer(poolConfig, pid);
      client.release(new Error('The run was stopped.'));
    };
    this.ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (readOnly) await client.query('BEGIN READ ONLY');
      executing = true;
      const result = await client.query({ text: config.sql, values: params, queryMode: 'extended' } as QueryConfig);
      executing = false;
      if (readOnly) await client.query('COMMIT');
      const rows = (result.rows as Array<Record<string, unknown>>) ?? [];
      if (rows.length > config.maxRows) {
        throw new NodeError({
          message: `The statement returned ${rows.length} rows, more than the ${config.maxRows} this step allows.`,
          code: 'TOO_MANY_ROWS',
          retryable: false,
          hint: 'Add a LIMIT (or a narrower WHERE) to the statement, or raise "Most rows".',
        });
      }
      return {
        command: result.command ?? '',
        rowCount: result.rowCount ?? rows.length,
        columns: (result.fields ?? []).map((f) => f.name),
        rows: rows.map((row) => jsonSafe(row) as Item),
      };
    } catch (error) {
      if (error instanceof NodeError) throw error;
      if (readOnly) await client.query('ROLLBACK').catch(() => undefined);
      throw queryError(error, { place, readOnly, keyed, whileExecuting: executing, signal: this.ctx.signal });
    } finally {
      this.ctx.signal.removeEventListener('abort', onAbort);
      if (!closedByAbort) client.release();
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await pool.end().catch(() => undefined);
  }
}

/** Cancels a running statement by its server process id; best effort, errors ignored. */
async function cancelOnServer(config: PoolConfig, pid: number): Promise<void> {
  const pg = await loadPg();
  const canceller = new pg.Client({ ...config, connectionTimeoutMillis: 5000, statement_timeout: 5000 } as ClientConfig);
  canceller.on('error', () => undefined);
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // The statement then ends at its time limit (statement_timeout) instead.
  } finally {
    await canceller.end().catch(() => undefined);
  }
}

async function connectionSettings(secret: Record<string, string>, config: PostgresConfig) {
  const id = config.credential;
  const host = optionalField(secret, 'host') ?? 'localhost';
  const port = portField(secret, id, 'port', 5432);
  const database = requiredField(secret, id, 'database');
  const user = requiredField(secret, id, 'user');
  const password = optionalField(secret, 'password');
  const sslmode = (optionalField(secret, 'sslmode') ?? (isLocal(host) ? 'disable' : 'verify-full')).toLowerCase();
  if (!['disable', 'require', 'verify-full'].includes(sslmode)) {
    throw new NodeError({
      message: `The credential "${id}" has "${sslmode}" as its sslmode.`,
      code: 'CREDENTIAL_INVALID',
      retryable: false,
      hint: 'Use disable (only on the same machine or a trusted network), require (encrypted) or verify-full (encrypted, server certificate checked).',
    });
  }
  const ms = Math.round(config.timeoutSeconds * 1000);
  const poolConfig: PoolConfig = {
    host,
    port,
    database,
    user,
    ...(password === undefined ? {} : { password }),
    ssl: sslmode === 'disable' ? false : sslmode === 'require' ? { rejectUnauthorized: false } : true,
    max: 1,
    connectionTimeoutMillis: ms,
    statement_timeout: ms,
    query_timeout: ms + 1000,
    application_name: 'Flowkeeper',
  };
  return { place: `${user}@${host}:${port}/${database}`, config: poolConfig };
}

function isLocal(host: string): boolean {
  return host.startsWith('/') || host === 'localhost' || host === '127.0.0.1' || host === '::1';
}

/** Re-exported: the count is shared with the inspector (engine/model/sql-placeholders.ts). */
export { highestPlaceholder };

/** Whether a statement only reads. When in doubt: no (it then counts as a write). */
export function isReadOnlyStatement(sql: string): boolean {
  const code = sqlCodeOnly(sql).replace(/^[\s(]+/, '').toLowerCase();
  const first = /^[a-z]+/.exec(code)?.[0] ?? '';
  const changes = /\b(insert|update|delete|merge|truncate|create|drop|alter|grant|revoke|copy|call|do|lock|vacuum|refresh|nextval|setval)\b/;
  if (first === 'select' || first === 'with' || first === 'values' || first === 'table') {
    // SELECT … INTO creates a table; FOR UPDATE/SHARE takes locks; a WITH may hold a change.
    return !changes.test(code) && !/\binto\b/.test(code) && !/\bfor\s+(update|share|no\s+key|key)\b/.test(code);
  }
  if (first === 'show') return true;
  if (first === 'explain') return !/\banalyze\b/.test(code) && !/\banalyse\b/.test(code);
  return false;
}

/** Rows as plain JSON, the same live and in replay: dates as ISO text, bytes as hex, big numbers as text. */
function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return value;
}

type PgError = Error & { code?: string; errno?: string | number; position?: string; detail?: string; hint?: string; severity?: string };

function cancelledError(): NodeError {
  return new NodeError({ message: 'The run was stopped.', code: 'CANCELLED', retryable: false });
}

/** Errors before the statement was sent: it never ran, so trying again is always safe. */
function connectError(error: unknown, place: string, signal: AbortSignal): NodeError {
  if (signal.aborted) return cancelledError();
  const e = error as PgError;
  if (e.code === '28P01' || e.code === '28000') {
    return new NodeError({
      message: `PostgreSQL at ${place} refused the sign-in: ${e.message}.`,
      code: 'CREDENTIAL_REJECTED',
      retryable: false,
      hint: 'Check the user name and password in the database connection credential.',
    });
  }
  if (e.code === '3D000') {
    return new NodeError({ message: `PostgreSQL at ${place}: ${e.message}.`, code: 'CONFIG', retryable: false, hint: 'Check the database name in the connection credential.' });
  }
  const errno = typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : undefined;
  const timedOut = /timeout/i.test(e.message);
  const reason = errno === 'ECONNREFUSED' ? 'nothing is listening there' : e.message || errno || 'no answer';
  return new NodeError({
    message: `Could not connect to PostgreSQL at ${place}: ${reason}.`,
    // A refused or unresolvable connection provably sent nothing; the recorder knows these errnos.
    code: timedOut ? 'TIMEOUT' : 'NETWORK',
    retryable: true,
    hint: 'Check that the database server is running and that host and port in the connection credential are right.',
    details: { ...(errno ? { errno } : {}), neverSent: true },
  });
}

/** SQLSTATE classes that mean the statement was rolled back and did nothing. */
const ROLLED_BACK = new Set(['40001', '40P01', '55P03', '57014']);

function queryError(error: unknown, context: { place: string; readOnly: boolean; keyed: boolean; whileExecuting: boolean; signal: AbortSignal }): NodeError {
  if (context.signal.aborted) return cancelledError();
  const e = error as PgError;
  const sqlstate = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  if (sqlstate === '25006') {
    return new NodeError({
      message: `This statement changes data, but it was run read-only because it reads like a query: ${e.message}.`,
      code: 'SQL_READ_ONLY',
      retryable: false,
      hint: 'Turn on "Changes data" for this step.',
    });
  }
  if (sqlstate) {
    const where = e.position ? ` (at character ${e.position})` : '';
    const multiple = /multiple commands/i.test(e.message);
    const serverGone = sqlstate.startsWith('08') || sqlstate.startsWith('57P');
    // A write that failed with an error is rolled back, except when the connection itself broke.
    const safeToRepeat = context.readOnly || context.keyed || ROLLED_BACK.has(sqlstate) || !serverGone;
    const retryable = (ROLLED_BACK.has(sqlstate) || serverGone) && safeToRepeat;
    return new NodeError({
      message: multiple ? 'Only one SQL statement can run per step; this text holds several.' : `PostgreSQL rejected the statement${where}: ${e.message}.`,
      code: 'SQL_ERROR',
      retryable,
      hint: multiple
        ? 'Split the statements into separate steps.'
        : sqlstate.startsWith('42')
          ? `Check the SQL statement${e.hint ? ` (${e.hint})` : ''}.`
          : ROLLED_BACK.has(sqlstate)
            ? 'The database cancelled the statement because of other work going on; retries usually help.'
            : (e.hint ?? 'Check the statement and the values sent in its parameters.'),
      details: { sqlstate, ...(e.detail ? { detail: e.detail } : {}) },
    });
  }
  // The connection broke mid-statement: a write may or may not have been applied.
  const unknownOutcome = context.whileExecuting && !context.readOnly && !context.keyed;
  return new NodeError({
    message: unknownOutcome
      ? `The connection to PostgreSQL at ${context.place} broke while the statement ran (${e.message}). It may or may not have been applied, so Flowkeeper did not run it again.`
      : `The connection to PostgreSQL at ${context.place} broke: ${e.message}.`,
    code: 'NETWORK',
    retryable: !unknownOutcome,
    hint: unknownOutcome ? 'Check the database. To let Flowkeeper repeat such statements, make them safe to run twice and set an idempotency key.' : 'Check that the database server is running.',
    details: { errno: 'ECONNRESET', ...(unknownOutcome ? { unsafeToRepeat: true } : {}) },
  });
}
