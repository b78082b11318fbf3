/**
 * The hand-over through the command line, end to end, on the real OS keychain (Secret Service;
 * CI runs this inside `dbus-run-session` with an unlocked gnome-keyring, see
 * /work/wt/keyring-run.sh and FLOWKEEPER_REQUIRE_KEYCHAIN=1): data folder A runs a flow that
 * signs in with a bearer credential to a real local server, twice, and exports the bundle; data
 * folder B (its own credential list) imports it. A same-type credential of B is offered but
 * never chosen by itself (exit 2 naming it and the flag), the acceptance replay passes offline,
 * ownership changes hands, and `flowkeeper flows activate` switches it on — refused while the
 * charter is not ready. No secret of either side is in B's data folder.
 *
 * One process has one keyring, so A and B share it; B sees only the credentials its own list
 * names, as on another computer. A third computer, C, imports in a keyring of its own (a second
 * D-Bus session with its own gnome-keyring and home), as the issue asks: a fresh data folder and a
 * fresh keyring. Names are random so a rerun never meets an old entry.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { dataDirStores, OsKeychain } from '../../engine/index.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';
import { readyCharter } from '../helpers/ready-charter.ts';

const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
const keychain = new OsKeychain();
const tag = randomUUID().slice(0, 8);
const NEEDED = `shop-${tag}`;
const OURS = `our-shop-${tag}`;
const CREATED = `new-shop-${tag}`;
const PIPED = `piped-shop-${tag}`;
const SECRET_A = `a-secret-${randomUUID()}`;
const SECRET_B = `b-secret-${randomUUID()}`;
const SECRET_C = `c-secret-${randomUUID()}`;
const SLACK_B = 'https://hooks.slack.com/services/TB/BB/client-side-hook';

let available = false;
let whyNot = '';
let server: TestServer;
let root: string;
let cleanup: () => Promise<void>;
let a: string;
let b: string;
let bundleFile: string;

async function cli(argv: string[], secret?: string): Promise<{ code: number; out: string; err: string; prompts: string[] }> {
  let out = '';
  let err = '';
  const prompts: string[] = [];
  const io = { out: (s: string) => void (out += `${s}\n`), err: (s: string) => void (err += `${s}\n`), readSecret: async (prompt: string) => (prompts.push(prompt), secret ?? '') };
  const code = await main(argv, io);
  return { code, out, err, prompts };
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  return out;
}

const FLOW = (url: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'lookup',
  name: 'Customer lookup',
  description: 'Every morning, looks up a customer.',
  charter: { ...readyCharter(), alerts: { webhook: { url: 'https://hooks.slack.com/services/TA/BA/builder-secret-hook', format: 'slack' }, desktop: true } },
  nodes: [
    { id: 'clock', type: 'trigger.schedule', name: 'Every morning', config: { cron: '0 9 * * *', timezone: 'UTC' } },
    { id: 'fetch', type: 'http.request', name: 'Fetch customer', config: { url: `${url}/customers?email={{ email }}`, auth: 'bearer', credential: NEEDED } },
  ],
  edges: [{ source: 'clock', target: 'fetch' }],
});

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  a = join(root, 'a');
  b = join(root, 'b');
  bundleFile = join(root, 'lookup.fkbundle');
  server = await startServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${SECRET_A}`) return json(res, 401, { error: 'who are you?' });
    const email = new URL(req.url, 'http://x').searchParams.get('email') ?? '';
    json(res, 200, { customer: { email, name: email === 'ana@shop.example' ? 'Ana Lima' : 'Ben Ode', orders: 3 } });
  });
  try {
    await keychain.setPassword('flowkeeper-test-probe', 'probe');
    await keychain.deletePassword('flowkeeper-test-probe');
    available = true;
  } catch (error) {
    whyNot = (error as Error).message;
  }
});
afterAll(async () => {
  if (available) for (const id of [NEEDED, OURS, CREATED, PIPED]) await keychain.deletePassword(id).catch(() => undefined);
  await server.close();
  await cleanup();
});

describe('flowkeeper export → flowkeeper import', () => {
  it('has a keychain where CI promises one', () => {
    if (process.env.FLOWKEEPER_REQUIRE_KEYCHAIN === '1') expect(whyNot).toBe('');
  });

  it('hands a flow over: credential mapping asked for, acceptance replay, ownership, activation', async (ctx) => {
    if (!available) ctx.skip();
    // Machine A: the builder's credential, the flow, two runs, the bundle.
    expect((await cli(['credentials', 'set', '--data-dir', a, '--name', NEEDED, '--type', 'http.bearer', '--label', 'Builder shop'], SECRET_A)).code).toBe(0);
    await dataDirStores(a, { catalog: registry }).flows.save(FLOW(server.url));
    const flowFile = join(root, 'lookup.json');
    await writeFile(flowFile, JSON.stringify(FLOW(server.url)));
    const runs: string[] = [];
    for (const email of ['ana@shop.example', 'ben@shop.example']) {
      const ran = await cli(['run', flowFile, '--data-dir', a, '--quiet', '--json', '--input', JSON.stringify({ email })]);
      expect(ran.err).toBe('');
      expect(ran.code).toBe(0);
      runs.push((JSON.parse(ran.out) as { runId: string }).runId);
    }
    expect(server.requests).toHaveLength(2);
    const exported = await cli(['export', 'lookup', '--data-dir', a, '--runs', runs.join(','), '--mask', 'email', '--out', bundleFile]);
    expect(exported.err).toBe('');
    expect(exported.code).toBe(0);

    // Machine B: a credential of its own, of the same type.
    expect((await cli(['credentials', 'set', '--data-dir', b, '--name', OURS, '--type', 'http.bearer', '--label', 'Our shop'], SECRET_B)).code).toBe(0);

    // Without the mapping: exit 2, the requirement, the candidate and the exact flags; nothing imported.
    const asked = await cli(['import', bundleFile, '--data-dir', b]);
    expect(asked.code).toBe(2);
    expect(asked.err).toContain(`${NEEDED}: Web API token (Bearer) (http.bearer), used by step “Fetch customer”`);
    expect(asked.err).toContain(`same-type credentials on this computer: ${OURS} (Our shop)`);
    expect(asked.err).toContain(`--credential ${NEEDED}=${OURS}`);
    expect(asked.err).toContain(`--create-credential ${NEEDED}`);
    expect(asked.err).toContain('--owner-name');
    expect(asked.err).toContain('--alert-webhook-url');
    expect((await cli(['flows', 'status', '--data-dir', b, '--json'])).out.trim()).toBe('[]');
    expect(await dataDirStores(b, { catalog: registry }).flows.list()).toEqual([]);

    // Check only: the replay passes offline, nothing stored, no request sent.
    const checked = await cli(['import', bundleFile, '--data-dir', b, '--check-only', '--credential', `${NEEDED}=${OURS}`]);
    expect(checked.err).toBe('');
    expect(checked.code).toBe(0);
    expect(checked.out).toContain('2 of 2 reference runs passed');
    expect(server.requests).toHaveLength(2);
    expect(await dataDirStores(b, { catalog: registry }).flows.list()).toEqual([]);

    const common = ['--data-dir', b, '--credential', `${NEEDED}=${OURS}`, '--alert-webhook-url', SLACK_B];
    // Owner = the bundle's backup: imported, but the checklist says why it cannot be switched on, and the gate refuses.
    const notReady = await cli(['import', bundleFile, ...common, '--as', 'lookup-ben', '--owner-name', 'Ben Backup', '--owner-email', 'ben@example.com']);
    expect(notReady.err).toBe('');
    expect(notReady.code).toBe(0);
    expect(notReady.out).toContain('Not ready to switch on yet');
    expect(notReady.out).toContain('The backup owner is the owner');
    const refused = await cli(['flows', 'activate', 'lookup-ben', '--data-dir', b]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('The backup owner is the owner');

    // The real import.
    const imported = await cli(['import', bundleFile, ...common, '--owner-name', 'Carla Client', '--owner-email', 'carla@client.example', '--by', 'Carla']);
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.out).toContain('Imported “Customer lookup” as the flow lookup, version 1.');
    expect(imported.out).toContain(`${NEEDED} → ${OURS} (existing)`);
    expect(imported.out).toContain('2 of 2 reference runs passed');
    expect(imported.out).toContain('Carla Client (carla@client.example) took over from Ana Owner');
    expect(imported.out).toContain('It stays off until you run: flowkeeper flows activate lookup');
    expect(server.requests).toHaveLength(2);

    const stored = dataDirStores(b, { catalog: registry });
    const flow = (await stored.flows.get('lookup')).flow as { charter: { owner: unknown; handedOver: unknown[]; alerts: { webhook: { url: string } } }; nodes: Array<{ config: { credential?: string } }> };
    expect(flow.charter.owner).toEqual({ name: 'Carla Client', email: 'carla@client.example' });
    expect(flow.charter.handedOver).toEqual([expect.objectContaining({ from: { name: 'Ana Owner', email: 'ana@example.com' }, by: 'Carla' })]);
    expect(flow.charter.alerts.webhook.url).toBe(SLACK_B);
    expect(flow.nodes[1]!.config.credential).toBe(OURS);
    expect((await stored.flows.versions('lookup'))[0]).toMatchObject({ author: 'Carla', message: expect.stringMatching(/^Imported from a hand-over bundle made \d{4}-\d{2}-\d{2}; Carla Client took ownership from Ana Owner$/) });
    expect((await stored.references.list('lookup')).map((r) => r.run.runId).sort()).toEqual([...runs].sort());

    // The same gate as any flow: it switches on now.
    const on = await cli(['flows', 'activate', 'lookup', '--data-dir', b]);
    expect(on.err).toBe('');
    expect(on.code).toBe(0);
    expect(on.out).toContain('Switched on "Customer lookup"');

    // A new credential instead: the secret from the prompt (never an argument) into the keychain.
    const created = await cli(['import', bundleFile, '--data-dir', b, '--create-credential', `${NEEDED}=${CREATED}`, '--as', 'lookup-new', '--alert-webhook-url', SLACK_B, '--owner-name', 'Carla Client', '--owner-email', 'carla@client.example'], SECRET_C);
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.prompts).toEqual([`token for the new credential ${CREATED} (needed as ${NEEDED}): `]);
    expect(created.out).toContain(`${NEEDED} → ${CREATED} (new, stored in this computer's keychain)`);
    expect(created.out).not.toContain(SECRET_C);
    expect(JSON.parse((await keychain.getPassword(CREATED))!)).toEqual({ token: SECRET_C });

    // The real command reads the secret from stdin.
    const piped = spawnSync(process.execPath, [BIN, 'import', bundleFile, '--data-dir', b, '--create-credential', `${NEEDED}=${PIPED}`, '--as', 'lookup-piped', '--alert-webhook-url', SLACK_B, '--owner-name', 'Carla Client', '--owner-email', 'carla@client.example'], { input: `${SECRET_C}\n`, encoding: 'utf8' });
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(JSON.parse((await keychain.getPassword(PIPED))!)).toEqual({ token: SECRET_C });

    // A bundle whose flow was changed after its runs: the replay shows the difference, exit 1.
    const edited = JSON.parse(await readFile(bundleFile, 'utf8')) as { flow: { nodes: Array<{ id: string; config: Record<string, unknown> }> } };
    edited.flow.nodes.find((n) => n.id === 'fetch')!.config.output = 'full';
    const editedFile = join(root, 'edited.fkbundle');
    await writeFile(editedFile, JSON.stringify(edited));
    const differs = await cli(['import', editedFile, '--data-dir', b, '--check-only']);
    expect(differs.code).toBe(1);
    expect(differs.out).toContain('0 of 2 reference runs passed');
    expect(differs.out).toContain('Step “Fetch customer” (fetch)');
    expect(differs.out).toMatch(/outputs\.out\[0\]\.status: \(nothing\) → 200/);
    const refusedImport = await cli(['import', editedFile, ...common, '--as', 'lookup-edited', '--owner-name', 'Carla Client', '--owner-email', 'carla@client.example']);
    expect(refusedImport.code).toBe(1);
    expect(refusedImport.err).toContain('--accept-differences');
    expect((await dataDirStores(b, { catalog: registry }).flows.list()).map((f) => f.id)).not.toContain('lookup-edited');

    // No secret of either machine in B's data folder (nor the builder's Slack address).
    const files = await allFiles(b);
    expect(files.some((f) => f.includes('references'))).toBe(true);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const secret of [SECRET_A, SECRET_B, SECRET_C, 'builder-secret-hook']) expect(text, file).not.toContain(secret);
    }
  });

  it('on another computer with a keyring of its own (a second D-Bus session), the import creates its credential there and leaves the builder\'s alone', async (ctx) => {
    if (!available) ctx.skip();
    const tools = spawnSync('sh', ['-c', 'command -v dbus-run-session && command -v gnome-keyring-daemon'], { encoding: 'utf8' });
    if (tools.status !== 0) {
      if (process.env.FLOWKEEPER_REQUIRE_KEYCHAIN === '1') throw new Error('dbus-run-session and gnome-keyring-daemon are needed for this test (CI installs them).');
      ctx.skip();
    }
    // The bundle of the first test; computer C starts from nothing: its own home, data folder, keyring.
    const home = join(root, 'home-c');
    const c = join(root, 'computer-c');
    await mkdir(join(home, '.local', 'share'), { recursive: true });
    await mkdir(join(home, 'run'), { recursive: true, mode: 0o700 });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, '.local', 'share'), XDG_RUNTIME_DIR: join(home, 'run'), SECRET: SECRET_C };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const fk = (args: string) => `"${process.execPath}" "${BIN}" ${args} --data-dir "${c}"`;
    const script = [
      'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 90',
      `printf %s "$SECRET" | ${fk(`import "${bundleFile}" --create-credential ${NEEDED} --alert-webhook-url ${SLACK_B} --owner-name "Dana Client" --owner-email dana@client.example`)} || exit 91`,
      `${fk('credentials list --json')} || exit 92`,
      `${fk('flows activate lookup')} || exit 93`,
    ].join('\n');
    const ran = spawnSync('dbus-run-session', ['--', 'sh', '-c', script], { env, encoding: 'utf8' });
    // dbus-daemon's own notices (e.g. it may not raise its file limit in a container) are not ours.
    expect(ran.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('dbus-daemon[')).join('\n')).toBe('');
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain(`"id": "${NEEDED}"`);
    expect(ran.stdout).toContain('Switched on');
    // The builder's keychain entry of the same name is untouched: C's credential went to C's keyring.
    expect(JSON.parse((await keychain.getPassword(NEEDED))!)).toEqual({ token: SECRET_A });
    for (const file of await allFiles(c)) expect(await readFile(file, 'utf8'), file).not.toContain(SECRET_C);
  });

  it('refuses a damaged file and a wrong mapping in plain words, exit 2', async () => {
    const bad = join(root, 'not-a-bundle.fkbundle');
    await writeFile(bad, 'hello');
    const damaged = await cli(['import', bad, '--data-dir', join(root, 'c')]);
    expect(damaged.code).toBe(2);
    expect(damaged.err).toContain('This file is not a Flowkeeper hand-over bundle (it is not JSON text).');
    const missing = await cli(['import', join(root, 'nowhere.fkbundle'), '--data-dir', join(root, 'c')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Could not read the bundle');
    expect(missing.err).toContain('nowhere.fkbundle: there is no such file.');
    expect(missing.err).not.toContain('ENOENT');
  });
});

describe('flowkeeper import: secrets from a pipe', () => {
  it('says that a pipe carries one secret, and both ways out, when several new credentials need one', async () => {
    const { pipedSecretsProblem } = await import('../../cli/import-command.ts');
    const text = pipedSecretsProblem(['helpdesk-api', 'openai-key']);
    expect(text).toContain('Piped input can carry only one secret, but 2 new credentials need one (helpdesk-api, openai-key).');
    expect(text).toContain('flowkeeper credentials set --name <name> --type <type>');
    expect(text).toContain('run flowkeeper import in a terminal, where it asks for each secret without echo');
  });
});
