/**
 * `flowkeeper credentials list | set | delete` on the real OS keychain (Secret Service). CI runs
 * this inside `dbus-run-session` with an unlocked gnome-keyring (see /work/wt/keyring-run.sh and
 * FLOWKEEPER_REQUIRE_KEYCHAIN=1); without one the keychain tests skip, the no-keychain test runs.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { OsKeychain } from '../../engine/index.ts';
import { tempDir } from '../helpers/engine.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';

const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
const keychain = new OsKeychain();
let available = false;
let whyNot = '';
let dir: string;
let cleanup: () => Promise<void>;
let server: TestServer;
const id = `cli-${randomUUID().slice(0, 8)}`;
const SECRET = `s3cret-${randomUUID()}`;

async function cli(argv: string[], secret?: string): Promise<{ code: number; out: string; err: string; prompts: string[] }> {
  let out = '';
  let err = '';
  const prompts: string[] = [];
  const io = { out: (s: string) => void (out += `${s}\n`), err: (s: string) => void (err += `${s}\n`), readSecret: async (prompt: string) => (prompts.push(prompt), secret ?? '') };
  const code = await main(argv, io);
  return { code, out, err, prompts };
}

async function allFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  return out;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  server = await startServer((req, res) => json(res, 200, { sawToken: req.headers.authorization === `Bearer ${SECRET}` }));
  try {
    await keychain.setPassword('flowkeeper-test-probe', 'probe');
    await keychain.deletePassword('flowkeeper-test-probe');
    available = true;
  } catch (error) {
    whyNot = (error as Error).message;
  }
});
afterAll(async () => {
  if (available) await keychain.deletePassword(id).catch(() => undefined);
  await server.close();
  await cleanup();
});

describe('credentials on the command line', () => {
  it('has a keychain where CI promises one', () => {
    if (process.env.FLOWKEEPER_REQUIRE_KEYCHAIN === '1') expect(whyNot).toBe('');
  });

  it('sets, lists, uses in a run and deletes a credential; the secret is never on disk', async (ctx) => {
    if (!available) ctx.skip();
    const data = join(dir, 'data');
    const set = await cli(['credentials', 'set', '--data-dir', data, '--name', id, '--type', 'http.bearer', '--label', 'Shop', '--field', 'region=eu'], SECRET);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(set.prompts).toEqual([`token for ${id}: `]);
    expect(set.out).toContain(`Stored credential "${id}"`);
    expect(set.out).not.toContain(SECRET);
    expect(JSON.parse((await keychain.getPassword(id))!)).toEqual({ region: 'eu', token: SECRET });

    const list = await cli(['credentials', 'list', '--data-dir', data, '--json']);
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ id, type: 'http.bearer', label: 'Shop', fields: ['region', 'token'] })]);
    expect((await cli(['credentials', 'list', '--data-dir', data])).out).toMatch(new RegExp(`${id}\\s+http.bearer\\s+fields: region, token`));

    // A flow run by the CLI gets the value from the same vault.
    const flowFile = join(dir, 'uses-credential.json');
    await writeFile(
      flowFile,
      JSON.stringify({
        format: 'flowkeeper/flow',
        formatVersion: 1,
        id: 'uses-credential',
        name: 'Uses a credential',
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          { id: 'call', type: 'http.request', config: { url: `${server.url}/check`, auth: 'bearer', credential: id } },
        ],
        edges: [{ source: 'start', target: 'call' }],
      }),
    );
    const run = await cli(['run', flowFile, '--data-dir', data, '--json', '--quiet']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out).outputs.call.out[0]).toEqual({ sawToken: true });
    expect(run.out).not.toContain(SECRET);

    // Nothing in the data folder (metadata, traces, blobs) holds the secret.
    const files = await allFiles(data);
    expect(files.some((f) => f.endsWith('.jsonl'))).toBe(true);
    for (const file of files) expect(await readFile(file, 'utf8'), file).not.toContain(SECRET);

    const del = await cli(['credentials', 'delete', id, '--data-dir', data]);
    expect(del.code).toBe(0);
    expect(await keychain.getPassword(id)).toBeNull();
    expect((await cli(['credentials', 'list', '--data-dir', data])).out).toContain('No credentials yet');
    const again = await cli(['credentials', 'delete', id, '--data-dir', data]);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`There is no credential "${id}"`);
  });

  it('reads the secret from stdin of the real command', (ctx) => {
    if (!available) ctx.skip();
    const data = join(dir, 'bin-data');
    const name = `${id}-bin`;
    try {
      const set = spawnSync(process.execPath, [BIN, 'credentials', 'set', '--data-dir', data, '--name', name, '--type', 'slack.bot'], { input: `${SECRET}\n`, encoding: 'utf8' });
      expect(set.stderr).toBe('');
      expect(set.status).toBe(0);
      const list = spawnSync(process.execPath, [BIN, 'credentials', 'list', '--data-dir', data, '--json'], { encoding: 'utf8' });
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: name, type: 'slack.bot', fields: ['token'] })]);
    } finally {
      spawnSync(process.execPath, [BIN, 'credentials', 'delete', name, '--data-dir', data], { encoding: 'utf8' });
    }
  });

  it('refuses a secret on the command line, an empty secret and an unknown type without a secret field', async () => {
    const data = join(dir, 'refusals');
    const onLine = await cli(['credentials', 'set', '--data-dir', data, '--name', 'x', '--type', 'http.bearer', '--field', 'token=abc'], SECRET);
    expect(onLine.code).toBe(2);
    expect(onLine.err).toContain('would put the secret on the command line');
    const empty = await cli(['credentials', 'set', '--data-dir', data, '--name', 'x', '--type', 'http.bearer'], '');
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('No token was given');
    const unknown = await cli(['credentials', 'set', '--data-dir', data, '--name', 'x', '--type', 'my-thing'], SECRET);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--secret-field');
    const badName = await cli(['credentials', 'set', '--data-dir', data, '--name', 'has space', '--type', 'http.bearer'], SECRET);
    expect(badName.code).toBe(2);
    expect(badName.err).toContain('is not a usable name');
    await expect(readdir(data)).rejects.toThrow(/ENOENT/);
  });

  it('checks --type and the fields against the shared list of credential types', async () => {
    const data = join(dir, 'type-checks');
    const typo = await cli(['credentials', 'set', '--data-dir', data, '--name', 'x', '--type', 'http.bearr'], SECRET);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('Type "http.bearr" is not one Flowkeeper knows (known types: http.bearer,');
    expect(typo.err).toContain('--secret-field <name>');
    const prompts: string[] = [];
    let err = '';
    const code = await main(['credentials', 'set', '--data-dir', data, '--name', 'db', '--type', 'postgres', '--field', 'host=localhost'], {
      out: () => undefined,
      err: (s: string) => void (err += s),
      readSecret: async (prompt: string) => (prompts.push(prompt), SECRET),
    } as never);
    expect(code).toBe(2);
    expect(err).toContain('Type "postgres" needs the fields "database" (Database name), "user" (User name), which were not given.');
    expect(err).toContain('Run: flowkeeper credentials set --name db --type postgres --field host=… --field database=<value> --field user=<value>');
    // Refused before the secret is asked for, and nothing is stored.
    expect(prompts).toEqual([]);
    const basic = await cli(['credentials', 'set', '--data-dir', data, '--name', 'y', '--type', 'http.basic'], SECRET);
    expect(basic.err).toContain('Type "http.basic" needs the field "username" (User name), which was not given.');
    await expect(readdir(data)).rejects.toThrow(/ENOENT/);
    const types = await cli(['credentials', 'types']);
    expect(types.out).toMatch(/postgres\s+PostgreSQL database connection/);
    expect(types.out).toMatch(/password\s+secret, from stdin or the prompt \(optional\)/);
  });

  it('says plainly when there is no Secret Service, and stores nothing', () => {
    const data = join(dir, 'no-keychain');
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'no-bus')}` };
    const set = spawnSync(process.execPath, [BIN, 'credentials', 'set', '--data-dir', data, '--name', 'crm', '--type', 'http.bearer'], { input: SECRET, encoding: 'utf8', env });
    expect(set.status).toBe(1);
    expect(set.stderr).toContain('The system keychain cannot be used, so credentials cannot be stored or read.');
    expect(set.stderr).toContain('FLOWKEEPER_CREDENTIAL_<ID>');
    expect(set.stderr).not.toContain(SECRET);
    expect(set.stderr).not.toMatch(/\n\s+at /);
    const list = spawnSync(process.execPath, [BIN, 'credentials', 'list', '--data-dir', data, '--json'], { encoding: 'utf8', env });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});
