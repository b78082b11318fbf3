/**
 * A real, throwaway PostgreSQL cluster for integration tests: initdb into a temp folder, pg_ctl
 * start on a free loopback port (password sign-in), pg_ctl stop and delete afterwards. Uses
 * Debian's binaries in /usr/lib/postgresql/<version>/bin; PostgreSQL refuses to run as root, so
 * as root every command runs as the `postgres` user (runuser). `.ci/run` installs the package.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresServer {
  host: string;
  /** The folder holding the server's unix socket (a host starting with / connects through it). */
  socketDir: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Runs SQL as the superuser through psql (test set-up and checks, not the code under test). */
  psql(sql: string): Promise<string>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and deletes the cluster. */
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL bin folder, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. In CI a missing server is a failure, not a skip. */
export function postgresUnavailable(): string | undefined {
  if (postgresBinDir() !== undefined) return undefined;
  const why = 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): the PostgreSQL tests are skipped. Install it with `apt-get install -y postgresql` (.ci/run does).';
  if (process.env.CI) throw new Error(`${why} In CI they must run.`);
  return why;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresUnavailable() ?? 'PostgreSQL is not installed.');
  const asRoot = userInfo().uid === 0;
  const dir = await mkdtemp(join(tmpdir(), 'flowkeeper-pg-'));
  const data = join(dir, 'data');
  const user = 'flowkeeper';
  const password = 'pg-test-Pa55word';
  const database = 'flowkeeper_test';
  await writeFile(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chown(join(dir, 'pwfile'), Number(stdout.trim()), Number(gid.trim()));
  }
  const exec = (tool: string, args: string[], env: Record<string, string> = {}) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    return run(command, argv, { env: { ...process.env, ...env }, cwd: dir, timeout: 120_000 });
  };
  const port = await freePort();
  await exec('initdb', ['-D', data, '-U', user, '--auth=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '-E', 'UTF8', '--no-sync', '--locale=C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '120', 'start']);
  };
  const stop = async () => {
    await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
  };
  const psql = async (sql: string, db = database) => {
    const { stdout } = await exec('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], { PGPASSWORD: password });
    return stdout.trim();
  };
  await start();
  await psql(`CREATE DATABASE ${database}`, 'postgres');
  return {
    host: '127.0.0.1',
    socketDir: dir,
    port,
    user,
    password,
    database,
    psql,
    start,
    stop,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
