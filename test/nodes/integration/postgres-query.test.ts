/**
 * postgres.query against a real PostgreSQL (a throwaway cluster from test/helpers/postgres-server.ts).
 * Skipped with a message when PostgreSQL is not installed locally; CI installs it and fails if not.
 */
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, EnvSecretResolver, FileTraceStore, replayRun, validateFlow, type NodeErrorInfo, type RetryPolicy } from '../../../engine/index.ts';
import { makeFlow, registry, tempDir, testEngine } from '../../helpers/engine.ts';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../../helpers/postgres-server.ts';
import { isReadOnlyStatement, highestPlaceholder } from '../../../nodes/integration/postgres-query.ts';
import { eventsOf, itemsOf, passThrough, traceEvents } from '../support.ts';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(unavailable);

const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: false };
type ErrorItem = { error: NodeErrorInfo; itemIndex: number };

/** start -> db -> ok, db.error -> errors. */
function pgFlow(config: Record<string, unknown>, retry: RetryPolicy = NO_RETRY) {
  return makeFlow(
    [{ id: 'start', type: 'trigger.manual' }, { id: 'db', type: 'postgres.query', config: { credential: 'shop-db', ...config }, retry }, passThrough('ok'), passThrough('errors')],
    ['start -> db', 'db -> ok', 'db.error -> errors'],
  );
}

describe('postgres.query: which statements only read', () => {
  it('classifies reads and writes, in doubt a write', () => {
    expect(isReadOnlyStatement('SELECT * FROM t WHERE a = $1')).toBe(true);
    expect(isReadOnlyStatement('  -- list\n(select 1)')).toBe(true);
    expect(isReadOnlyStatement("WITH x AS (SELECT 'insert' AS w) SELECT * FROM x")).toBe(true);
    expect(isReadOnlyStatement('WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone')).toBe(false);
    expect(isReadOnlyStatement('SELECT * INTO copy FROM t')).toBe(false);
    expect(isReadOnlyStatement('SELECT * FROM t FOR UPDATE')).toBe(false);
    expect(isReadOnlyStatement('EXPLAIN SELECT 1')).toBe(true);
    expect(isReadOnlyStatement('EXPLAIN ANALYZE DELETE FROM t')).toBe(false);
    expect(isReadOnlyStatement('INSERT INTO t VALUES ($1)')).toBe(false);
    expect(isReadOnlyStatement('update t set a = 1')).toBe(false);
  });

  it('counts $n placeholders outside strings and comments', () => {
    expect(highestPlaceholder("SELECT $1, '$5', $2 -- $9\n")).toBe(2);
    expect(highestPlaceholder('SELECT $$ $7 $$, $3')).toBe(3);
  });
});

describe('postgres.query: configuration', () => {
  const check = (config: Record<string, unknown>) =>
    validateFlow(
      { format: 'flowkeeper/flow', formatVersion: 1, id: 'f', name: 'f', nodes: [{ id: 'db', type: 'postgres.query', config: { credential: 'c', ...config } }], edges: [] },
      registry,
    );

  it('refuses expressions inside the SQL text, naming where the values go instead', () => {
    const result = check({ sql: "SELECT * FROM t WHERE name = '{{ name }}'" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.message).join('\n')).toContain('write $1, $2… in their place');
  });

  it('refuses a parameter count that does not match the placeholders', () => {
    const missing = check({ sql: 'SELECT $1, $2', params: ['{{ a }}'] });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problems.map((p) => p.message).join('\n')).toContain('uses $2 but only 1 parameter is given');
    const extra = check({ sql: 'SELECT 1', params: ['{{ a }}'] });
    expect(extra.ok).toBe(false);
  });
});

describe.skipIf(unavailable !== undefined)('postgres.query against a real PostgreSQL', () => {
  let server: PostgresServer;
  let engine: Engine;
  let store: FileTraceStore;
  let cleanup: () => Promise<void>;
  let secrets: EnvSecretResolver;

  beforeAll(async () => {
    server = await startPostgres();
    await server.psql(
      "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, joined date NOT NULL, note text); INSERT INTO customers VALUES (1, 'ACME', '2024-03-01', NULL), (2, 'Bob & Co', '2025-01-15', 'vip');" +
        'CREATE TABLE orders (id serial PRIMARY KEY, customer int NOT NULL, total numeric NOT NULL, ref text UNIQUE);' +
        'CREATE TABLE hits (n int); CREATE FUNCTION bump() RETURNS int LANGUAGE sql AS $$ INSERT INTO hits VALUES (1) RETURNING n $$;',
    );
    const cred = (extra: Record<string, string> = {}) => JSON.stringify({ host: server.host, port: String(server.port), database: server.database, user: server.user, password: server.password, ...extra });
    secrets = new EnvSecretResolver({
      FLOWKEEPER_CREDENTIAL_SHOP_DB: cred(),
      FLOWKEEPER_CREDENTIAL_WRONG_PASSWORD: cred({ password: 'not-the-password' }),
      // A port on which nothing listens: the server is "dead".
      FLOWKEEPER_CREDENTIAL_DEAD_DB: cred({ port: '1' }),
      FLOWKEEPER_CREDENTIAL_SOCKET_DB: cred({ host: server.socketDir }),
    });
    ({ engine, store, cleanup } = await testEngine({ secrets }));
  }, 180_000);
  afterAll(async () => {
    await cleanup?.();
    await server?.destroy();
  }, 60_000);

  it('SELECT with parameters from expressions: rows become items, dates as ISO text, a read in the trace', async () => {
    const flow = pgFlow({ sql: 'SELECT id, name, joined, note FROM customers WHERE id >= $1 AND name <> $2 ORDER BY id', params: ['{{ from }}', '{{ skip }}'] });
    const outcome = await engine.startRun(flow, { input: { from: 1, skip: 'nobody' } });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([
      { id: 1, name: 'ACME', joined: expect.stringMatching(/^2024-0[23]-\d\dT/), note: null },
      { id: 2, name: 'Bob & Co', joined: expect.stringMatching(/^2025-01-1\dT/), note: 'vip' },
    ]);
    const events = await traceEvents(store, outcome.runId);
    const [intent] = eventsOf(events, 'external.intent', 'db');
    expect(intent).toMatchObject({ kind: 'postgres', effects: 'read', request: { credential: 'shop-db', sql: expect.stringContaining('WHERE id >= $1'), params: [1, 'nobody'], readOnly: true } });
    expect(await readFile(store.locate(outcome.runId), 'utf8')).not.toContain(server.password);
  });

  it('an INSERT is a write; item text goes in as a value and can never change the statement', async () => {
    const evil = "x'); DROP TABLE customers; --";
    const flow = pgFlow({ sql: 'INSERT INTO orders (customer, total, ref) VALUES ($1, $2, $3) RETURNING id, customer, total, ref', params: ['{{ customer }}', '{{ total }}', '{{ ref }}'] });
    const outcome = await engine.startRun(flow, { input: [{ customer: 1, total: 12.5, ref: evil }, { customer: 2, total: 3, ref: 'r-2' }] });
    expect(outcome.status).toBe('succeeded');
    expect(itemsOf(outcome, 'ok')).toEqual([
      { id: expect.any(Number), customer: 1, total: '12.5', ref: evil },
      { id: expect.any(Number), customer: 2, total: '3', ref: 'r-2' },
    ]);
    expect(await server.psql('SELECT count(*) FROM customers')).toBe('2');
    expect(await server.psql("SELECT ref FROM orders WHERE customer = 1")).toBe(evil);
    const [intent] = eventsOf(await traceEvents(store, outcome.runId), 'external.intent', 'db');
    expect(intent).toMatchObject({ effects: 'write', request: { readOnly: false } });
  });

  it('a statement without rows gives one item with the command and the row count; "result" gives one item per statement', async () => {
    const update = await engine.startRun(pgFlow({ sql: "UPDATE customers SET note = $1 WHERE id = $2", params: ['{{ note }}', '{{ id }}'] }), { input: { id: 1, note: 'called' } });
    expect(itemsOf(update, 'ok')).toEqual([{ command: 'UPDATE', rowCount: 1 }]);
    expect(await server.psql('SELECT note FROM customers WHERE id = 1')).toBe('called');
    const result = await engine.startRun(pgFlow({ sql: 'SELECT id FROM customers ORDER BY id', output: 'result' }), { input: {} });
    expect(itemsOf(result, 'ok')).toEqual([{ command: 'SELECT', rowCount: 2, columns: ['id'], rows: [{ id: 1 }, { id: 2 }] }]);
    const none = await engine.startRun(pgFlow({ sql: 'SELECT id FROM customers WHERE id = $1', params: ['{{ id }}'] }), { input: { id: 99 } });
    expect(none.status).toBe('succeeded');
    expect(itemsOf(none, 'ok')).toEqual([]);
  });

  it('a SELECT that secretly writes is stopped by the read-only transaction; "Changes data" lets it run', async () => {
    const read = await engine.startRun(pgFlow({ sql: 'SELECT bump() AS n' }), { input: {} });
    const [failed] = itemsOf(read, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'SQL_READ_ONLY', retryable: false, hint: 'Turn on "Changes data" for this step.' });
    expect(await server.psql('SELECT count(*) FROM hits')).toBe('0');
    const write = await engine.startRun(pgFlow({ sql: 'SELECT bump() AS n', treatAsWrite: true }), { input: {} });
    expect(itemsOf(write, 'ok')).toEqual([{ n: 1 }]);
    expect(await server.psql('SELECT count(*) FROM hits')).toBe('1');
  });

  it('connects through a unix socket when the host is a folder', async () => {
    const outcome = await engine.startRun(pgFlow({ sql: 'SELECT current_database() AS db', credential: 'socket-db' }), { input: {} });
    expect(itemsOf(outcome, 'ok')).toEqual([{ db: server.database }]);
  });

  it('a syntax error goes to the error port with the server\'s words and where, tried once', async () => {
    const outcome = await engine.startRun(pgFlow({ sql: 'SELEC id FROM customers' }, { ...NO_RETRY, maxAttempts: 3 }), { input: {} });
    expect(outcome.status).toBe('succeeded');
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'SQL_ERROR', retryable: false, details: { sqlstate: '42601' } });
    expect(failed!.error.message).toBe('PostgreSQL rejected the statement (at character 1): syntax error at or near "SELEC".');
    expect(failed!.error.hint).toContain('Check the SQL statement');
    expect(eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'db')).toEqual([]);
  });

  it('several statements in one step are refused in plain words', async () => {
    const outcome = await engine.startRun(pgFlow({ sql: 'SELECT 1; DELETE FROM customers' }), { input: {} });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error.message).toBe('Only one SQL statement can run per step; this text holds several.');
    expect(await server.psql('SELECT count(*) FROM customers')).toBe('2');
  });

  it('a wrong password is a plain sign-in error, not retried', async () => {
    const outcome = await engine.startRun(pgFlow({ sql: 'SELECT 1 AS one', credential: 'wrong-password' }, { ...NO_RETRY, maxAttempts: 3 }), { input: {} });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'CREDENTIAL_REJECTED', retryable: false, hint: 'Check the user name and password in the database connection credential.' });
    expect(failed!.error.message).toContain(`PostgreSQL at flowkeeper@127.0.0.1:${server.port}/${server.database} refused the sign-in`);
    expect(await readFile(store.locate(outcome.runId), 'utf8')).not.toContain('not-the-password');
  });

  it('a dead server: a plain error on the error port after the retries', async () => {
    const fast: RetryPolicy = { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: false };
    const outcome = await engine.startRun(pgFlow({ sql: 'INSERT INTO orders (customer, total) VALUES (1, 1)', credential: 'dead-db' }, fast), { input: {} });
    expect(outcome.status).toBe('succeeded');
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'NETWORK', retryable: true, details: { errno: 'ECONNREFUSED' } });
    expect(failed!.error.message).toBe(`Could not connect to PostgreSQL at flowkeeper@127.0.0.1:1/${server.database}: nothing is listening there.`);
    expect(failed!.error.hint).toContain('database server is running');
    // A refused connection provably sent nothing, so the write was retried.
    expect(eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'db')).toHaveLength(1);
  });

  it('a too-large answer fails with a way out instead of flooding the run', async () => {
    const outcome = await engine.startRun(pgFlow({ sql: 'SELECT generate_series(1, 50) AS n', maxRows: 10 }), { input: {} });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'TOO_MANY_ROWS', message: 'The statement returned 50 rows, more than the 10 this step allows.' });
  });

  describe('a crash while a write is in flight', () => {
    /**
     * The test's own connection locks the table, so the step's INSERT waits inside the server;
     * meanwhile the trace is copied as it is on disk into a fresh data folder ("the process died
     * now") and the run is resumed there. The run left behind is stopped at the end.
     */
    async function crashDuringInsert(config: Record<string, unknown>, ref: string) {
      const locker = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
      await locker.connect();
      await locker.query('BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
      const { dir, cleanup: drop } = await tempDir();
      const { dir: copy, cleanup: dropCopy } = await tempDir();
      const stop = new AbortController();
      const first = new Engine({ store: new FileTraceStore(dir), registry, secrets: secrets });
      const running = first.startRun(pgFlow(config), { input: { ref }, signal: stop.signal });
      for (let i = 0; ; i++) {
        const waiting = await server.psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO orders%'");
        if (waiting === '1') break;
        if (i > 500) throw new Error('the INSERT never reached the server');
        await new Promise((r) => setTimeout(r, 20));
      }
      const runId = (await readdir(join(dir, 'runs'))).find((n) => n.endsWith('.jsonl'))!.replace(/\.jsonl$/, '');
      await mkdir(join(copy, 'runs'), { recursive: true });
      await cp(join(dir, 'runs', `${runId}.jsonl`), join(copy, 'runs', `${runId}.jsonl`));
      await cp(join(dir, 'blobs'), join(copy, 'blobs'), { recursive: true }).catch(() => undefined);
      return {
        runId,
        resumed: new Engine({ store: new FileTraceStore(copy), registry, secrets: secrets }),
        /** Lets the first run's INSERT through, as a server would after the client died. */
        async unlock() {
          await locker.query('COMMIT');
          await locker.end();
          await running.catch(() => undefined);
        },
        async end() {
          stop.abort();
          await running.catch(() => undefined);
          await drop();
          await dropCopy();
        },
      };
    }

    it('without an idempotency key the resume asks a person and does not run the INSERT again', async () => {
      const crash = await crashDuringInsert({ sql: 'INSERT INTO orders (customer, total, ref) VALUES (1, 5, $1)', params: ['{{ ref }}'] }, 'crash-1');
      try {
        await crash.unlock();
        expect(await server.psql("SELECT count(*) FROM orders WHERE ref = 'crash-1'")).toBe('1');
        const asked = await crash.resumed.resume(crash.runId);
        expect(asked.status).toBe('needs-attention');
        expect(asked.attention?.nodeId).toBe('db');
        const done = await crash.resumed.resume(crash.runId, { choice: 'skip-item', by: 'ops' });
        expect(done.status).toBe('succeeded');
        expect(await server.psql("SELECT count(*) FROM orders WHERE ref = 'crash-1'")).toBe('1');
      } finally {
        await crash.end();
      }
    });

    it('with an idempotency key (a statement safe to repeat) the resume runs it again on its own', async () => {
      const crash = await crashDuringInsert({ sql: 'INSERT INTO orders (customer, total, ref) VALUES (1, 5, $1) ON CONFLICT (ref) DO NOTHING', params: ['{{ ref }}'], idempotencyKey: 'order-{{ ref }}' }, 'crash-2');
      try {
        await crash.unlock();
        const resumed = await crash.resumed.resume(crash.runId);
        expect(resumed.status).toBe('succeeded');
        expect(itemsOf(resumed, 'ok')).toEqual([{ command: 'INSERT', rowCount: 0 }]);
        expect(await server.psql("SELECT count(*) FROM orders WHERE ref = 'crash-2'")).toBe('1');
      } finally {
        await crash.end();
      }
    });
  });

  it('stopping the run stops the statement on the server too', async () => {
    const stop = new AbortController();
    const running = engine.startRun(pgFlow({ sql: 'SELECT pg_sleep(60) AS slept', timeoutSeconds: 120 }), { input: {}, signal: stop.signal });
    const sleeping = () => server.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'");
    for (let i = 0; (await sleeping()) !== '1'; i++) {
      if (i > 500) throw new Error('the statement never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    stop.abort();
    const outcome = await running;
    expect(outcome.status).toBe('cancelled');
    for (let i = 0; (await sleeping()) !== '0'; i++) {
      if (i > 500) throw new Error('the statement kept running on the server after the run stopped');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('a replay answers from the trace with the server stopped, and is identical', async () => {
    const flow = pgFlow({ sql: 'SELECT id, name FROM customers WHERE id = $1', params: ['{{ id }}'] });
    const outcome = await engine.startRun(flow, { input: [{ id: 1 }, { id: 2 }] });
    expect(itemsOf(outcome, 'ok').map((i) => i.name)).toEqual(['ACME', 'Bob & Co']);
    await server.stop();
    try {
      const report = await replayRun(store, registry, outcome.runId);
      expect(report.identical).toBe(true);
      // And live, the stopped server is a plain connection error: the replay really did not connect.
      const live = await engine.startRun(flow, { input: [{ id: 1 }] });
      expect((itemsOf(live, 'errors')[0] as unknown as ErrorItem).error.code).toBe('NETWORK');
    } finally {
      await server.start();
    }
  });
});
