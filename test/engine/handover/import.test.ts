/**
 * Importing a hand-over bundle through the API, machine A → machine B: a flow that signed in to a
 * real local HTTP server with a bearer token, a charter with a Slack alert route, two reference
 * runs with personal fields masked. B has its own (in-memory) keychain and credentials of its
 * own. Checked: the preview (candidates offered, none chosen), refusals (unmapped, wrong type,
 * unknown credential, existing flow), the acceptance replay (passes offline; a real difference
 * when the bundle's flow was edited), the import itself (credential created in B's keychain,
 * ids rewritten, references stored, ownership recorded, readiness), and all-or-nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, KeychainUnavailableError, createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import { bundleText, importHandover, openHandover, handoverAcceptance, type ImportDeps } from '../../../engine/handover/index.ts';
import { withCredentialIds } from '../../../engine/handover/import-mapping.ts';
import { replayableReference } from '../../../engine/handover/import-acceptance.ts';
import { FlowSchema } from '../../../engine/model/flow.ts';
import type { HandoverBundle } from '../../../engine/model/handover-bundle.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { json, startServer, type TestServer } from '../../helpers/http-server.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';
import { runToEnd as runUntilEnd } from '../../helpers/run-to-end.ts';

const TOKEN = 'tok-4f9a8b7c6d5e4f3a2b1c';
const B_TOKEN = 'tok-b-machine-7d6c5b4a3f2e1d0c';
const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETPATH';
const CUSTOMERS: Record<string, { name: string; total: number }> = {
  'ana.lima@example.net': { name: 'Ana Lima', total: 12 },
  'ben@example.org': { name: 'Ben Ode', total: 7 },
};

let server: TestServer;
let a: { service: FlowkeeperService; api: FlowkeeperApi; cleanup: () => Promise<void> };
let bundle: HandoverBundle;
let text: string;
const opened: Array<{ service: FlowkeeperService; cleanup: () => Promise<void> }> = [];

const flow = (url: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'lookup',
  name: 'Customer lookup',
  description: 'Looks up the customer of a ticket.',
  charter: { ...readyCharter(), alerts: { webhook: { url: SLACK, format: 'slack' }, desktop: true } },
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'fetch', type: 'http.request', name: 'Fetch customer', config: { url: `${url}/customers?email={{ email }}`, auth: 'bearer', credential: 'shop-api', output: 'full' } },
  ],
  edges: [{ source: 'start', target: 'fetch' }],
});

async function machine(keychain = new MemoryKeychain()) {
  const temp = await tempDir();
  const service = await createService({ dataDir: temp.dir, registry, keychain, resumeOnStart: false, triggers: false });
  const entry = { service, api: inProcessApi(service), cleanup: temp.cleanup, dir: temp.dir, keychain };
  opened.push(entry);
  return entry;
}

function runToEnd(api: FlowkeeperApi, input: unknown): Promise<string> {
  return runUntilEnd(api, () => api.runs.start({ flowId: 'lookup', input }));
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a refusal').toBeInstanceOf(ApiError);
  return error as ApiError;
}

const owner = { name: 'Carla Client', email: 'carla@client.example' };

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: 'who are you?' });
    const email = new URL(req.url, 'http://x').searchParams.get('email') ?? '';
    // Echoes the sign-in and hands out a session token and cookie: scrubbed in the bundle, and the replay must still pass.
    json(res, 200, { customer: CUSTOMERS[email], email, seenAuthorization: req.headers.authorization, session: 'Bearer sess-abcdef123456' }, { 'set-cookie': 'sid=xyz-cookie-value; HttpOnly' });
  });
  const temp = await tempDir();
  const service = await createService({ dataDir: temp.dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, triggers: false });
  a = { service, api: inProcessApi(service), cleanup: temp.cleanup };
  await a.api.credentials.set({ id: 'shop-api', type: 'http.bearer', label: 'Shop', values: { token: TOKEN } });
  await a.api.flows.import({ text: JSON.stringify(flow(server.url)) });
  const runs = [await runToEnd(a.api, { email: 'ana.lima@example.net', ticket: 'T-1' }), await runToEnd(a.api, { email: 'ben@example.org', ticket: 'T-2' })];
  bundle = (await a.api.handover.export({ flowId: 'lookup', runIds: runs, mask: ['email', 'customer.name'] })).bundle;
  text = bundleText(bundle);
});
afterAll(async () => {
  for (const m of opened) {
    await m.service.close();
    await m.cleanup();
  }
  await a.service.close();
  await a.cleanup();
  await server.close();
});

describe('handover.open', () => {
  it('previews the bundle: same-type credentials offered, none chosen; the webhook address asked for again', async () => {
    const b = await machine();
    await b.api.credentials.set({ id: 'my-shop', type: 'http.bearer', label: 'Our shop', values: { token: B_TOKEN } });
    await b.api.credentials.set({ id: 'old-basic', type: 'http.basic', label: '', values: { username: 'u', password: 'p' } });
    const preview = await b.api.handover.open({ text });
    expect(preview.flow).toEqual({ id: 'lookup', name: 'Customer lookup', description: 'Looks up the customer of a ticket.', version: 1, steps: 2 });
    expect(preview.charter.owner).toEqual({ name: 'Ana Owner', email: 'ana@example.com' });
    expect(preview.existing).toBeNull();
    expect(preview.credentials).toHaveLength(1);
    expect(preview.credentials[0]).toMatchObject({ id: 'shop-api', type: 'http.bearer', candidates: [{ id: 'my-shop', label: 'Our shop' }] });
    expect(preview.credentials[0]).not.toHaveProperty('selected');
    expect(preview.references.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(preview.reenter).toEqual([expect.objectContaining({ kind: 'alert-webhook-url', format: 'slack', origin: 'https://hooks.slack.com' })]);
    expect(preview.runbook.markdown).toContain('Customer lookup');
    expect(JSON.stringify(preview)).not.toContain(B_TOKEN);
    // The same bundle gzipped, as base64 bytes.
    expect((await b.api.handover.open({ base64: gzipSync(Buffer.from(text)).toString('base64') })).flow.id).toBe('lookup');
  });

  it('refuses damaged, foreign and newer files in plain words', async () => {
    const b = await machine();
    expect((await refusal(b.api.handover.open({ text: 'hello' }))).message).toBe('This file is not a Flowkeeper hand-over bundle (it is not JSON text).');
    expect((await refusal(b.api.handover.open({ text: JSON.stringify({ format: 'flowkeeper/flow' }) }))).hint).toContain('Import flow');
    const newer = await refusal(b.api.handover.open({ text: JSON.stringify({ ...bundle, formatVersion: 99 }) }));
    expect(newer.code).toBe('BUNDLE_UNREADABLE');
    expect(newer.message).toContain('newer Flowkeeper');
    const damaged = await refusal(b.api.handover.open({ text: JSON.stringify({ ...bundle, references: 'x' }) }));
    expect(damaged.message).toContain('damaged');
    expect(damaged.details?.problems).toEqual([expect.stringContaining('references')]);
    expect((await refusal(b.api.handover.open({ base64: gzipSync(Buffer.from(text)).subarray(0, 40).toString('base64') }))).message).toContain('cut short');
  });
});

describe('handover.acceptance', () => {
  it('replays both reference runs offline and passes, masked fields included', async () => {
    const before = server.requests.length;
    const b = await machine();
    const result = await b.api.handover.acceptance({ text, credentials: { 'shop-api': { use: 'anything' } } });
    expect(result.passed).toBe(true);
    expect(result.results).toHaveLength(2);
    expect(result.results[0]!.lines[0]).toMatch(/^Passed: replaying reference run/);
    expect(server.requests.length).toBe(before); // nothing was sent
    expect(b.keychain.entries.size).toBe(0);
  });

  it('shows a real difference when the bundle\'s flow gives another output than recorded', async () => {
    const b = await machine();
    const edited = structuredClone(bundle);
    const fetch = edited.flow.nodes.find((n) => n.id === 'fetch')!;
    (fetch.config as Record<string, unknown>).output = 'body';
    const result = await b.api.handover.acceptance({ text: bundleText(edited) });
    expect(result.passed).toBe(false);
    const diff = result.results[0]!.differences;
    expect(diff).toEqual([expect.objectContaining({ nodeId: 'fetch', step: 'Fetch customer' })]);
    expect(diff[0]!.changes.some((c) => c.path === 'outputs.out[0].status' && c.recorded === 200 && c.replayed === undefined)).toBe(true);
    expect(result.results[0]!.lines.join('\n')).toContain('outputs.out[0].status: 200 → (nothing)');
  });
});

describe('handover.import', () => {
  it('refuses unmapped requirements, naming each with its candidates; stores nothing', async () => {
    const b = await machine();
    await b.api.credentials.set({ id: 'my-shop', type: 'http.bearer', label: 'Our shop', values: { token: B_TOKEN } });
    const error = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: 'https://hooks.slack.com/services/C/D/E' }));
    expect(error.code).toBe('CREDENTIALS_NOT_MAPPED');
    expect(error.message).toContain('“shop-api” needs a Web API token (Bearer) credential (http.bearer), used by step “Fetch customer”');
    expect(error.message).toContain('“my-shop” (Our shop)');
    expect(error.details?.unmapped).toEqual([expect.objectContaining({ requirementId: 'shop-api', candidates: [{ id: 'my-shop', label: 'Our shop' }] })]);
    expect(await b.api.flows.list({})).toEqual([]);
  });

  it('refuses a credential of another type (both types named) and one that does not exist', async () => {
    const b = await machine();
    await b.api.credentials.set({ id: 'old-basic', type: 'http.basic', label: '', values: { username: 'u', password: 'p' } });
    const wrong = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { use: 'old-basic' } } }));
    expect(wrong.code).toBe('CREDENTIAL_MAPPING_INVALID');
    expect(wrong.message).toContain('(http.bearer)');
    expect(wrong.message).toContain('(http.basic)');
    const missing = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { use: 'nope' } } }));
    expect(missing.message).toContain('no credential of that name');
    const fields = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { create: { values: {} } } } }));
    expect(fields.message).toContain('“Token” (token)');
    const extra = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { use: 'old-basic' }, typo: { use: 'x' } } }));
    expect(extra.message).toContain('The bundle needs no credential “typo”');
    expect(await b.api.flows.list({})).toEqual([]);
  });

  it('asks for the alert webhook address the bundle left out', async () => {
    const b = await machine();
    const error = await refusal(b.api.handover.import({ text, owner, credentials: { 'shop-api': { create: { values: { token: B_TOKEN } } } } }));
    expect(error.code).toBe('ALERT_WEBHOOK_URL_NEEDED');
    expect(b.keychain.entries.size).toBe(0);
  });

  it('imports: a new credential in the keychain, ids rewritten, references stored, ownership recorded, not switched on', async () => {
    const b = await machine();
    const result = await b.api.handover.import({
      text,
      owner,
      by: 'Carla',
      alertWebhookUrl: 'https://hooks.slack.com/services/C/D/E',
      credentials: { 'shop-api': { create: { id: 'client-shop', label: 'Client shop', values: { token: B_TOKEN } } } },
    });
    expect(result).toMatchObject({ flowId: 'lookup', version: 1, credentials: [{ requirementId: 'shop-api', credentialId: 'client-shop', type: 'http.bearer', created: true }] });
    expect(result.acceptance.passed).toBe(true);
    expect(b.keychain.entries.get('client-shop')).toBe(JSON.stringify({ token: B_TOKEN }));
    expect((await b.api.credentials.list({})).map((c) => c.id)).toEqual(['client-shop']);

    const stored = (await b.api.flows.get({ id: 'lookup' })).flow;
    expect(stored.nodes.find((n) => n.id === 'fetch')!.config).toMatchObject({ credential: 'client-shop' });
    expect(stored.charter!.owner).toEqual(owner);
    expect(stored.owner).toBe('Carla Client');
    expect(stored.charter!.alerts!.webhook!.url).toBe('https://hooks.slack.com/services/C/D/E');
    expect(stored.charter!.handedOver).toEqual([{ from: { name: 'Ana Owner', email: 'ana@example.com' }, to: owner, at: expect.any(String), by: 'Carla', bundleCreatedAt: bundle.createdAt }]);
    const [version] = await b.api.flows.versions({ id: 'lookup' });
    expect(version).toMatchObject({ author: 'Carla', message: `Imported from a hand-over bundle made ${bundle.createdAt.slice(0, 10)}; Carla Client took ownership from Ana Owner` });

    const references = await b.service.data.references.list('lookup');
    expect(references.map((r) => r.run.runId)).toEqual(bundle.references.map((r) => r.runId));
    expect(references[0]!.source).toMatchObject({ kind: 'bundle', bundleCreatedAt: bundle.createdAt });
    expect(result.references).toHaveLength(2);
    // Not runs of this machine.
    expect((await b.api.runs.list({})).length ?? 0).toBe(0);

    // Readiness says what the gate will say; the flow is not on.
    expect(result.readiness.flowId).toBe('lookup');
    expect(result.readiness.items.find((i) => i.check === 'owner')!.ok).toBe(true);
    expect(result.readiness.ready).toBe(false); // a manual trigger: nothing to switch on
    expect((await b.api.flows.list({}))[0]!.active).toBeUndefined();
    expect((await refusal(b.api.flows.activate({ id: 'lookup' }))).code).toBe('FLOW_HAS_NO_TRIGGER');

    // No secret in B's data folder.
    for (const file of await filesUnder(b.dir)) expect(await readFile(file, 'utf8'), file).not.toContain(B_TOKEN);
  });

  it('links an existing credential of the same type when told to', async () => {
    const b = await machine();
    await b.api.credentials.set({ id: 'my-shop', type: 'http.bearer', label: 'Our shop', values: { token: B_TOKEN } });
    const result = await b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { use: 'my-shop' } } });
    expect(result.credentials).toEqual([{ requirementId: 'shop-api', credentialId: 'my-shop', type: 'http.bearer', created: false }]);
    expect(b.keychain.entries.size).toBe(1);
  });

  it('asks before touching a flow with the same id: a new version (history kept) or a new id', async () => {
    const b = await machine();
    const request = { text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { create: { values: { token: B_TOKEN } } } } };
    await b.api.handover.import(request);
    const again = { ...request, credentials: { 'shop-api': { use: 'shop-api' } } };
    const exists = await refusal(b.api.handover.import(again));
    expect(exists.code).toBe('FLOW_EXISTS');
    expect(exists.hint).toContain('new version');
    expect((await b.api.handover.open({ text })).existing).toMatchObject({ id: 'lookup', version: 1, active: false });
    const replaced = await b.api.handover.import({ ...again, target: { replace: true } });
    expect(replaced.version).toBe(2);
    expect((await b.api.flows.versions({ id: 'lookup' })).map((v) => v.version)).toEqual([2, 1]);
    const copy = await b.api.handover.import({ ...again, target: { newId: 'lookup-client' } });
    expect(copy.flowId).toBe('lookup-client');
    const copied = await b.service.data.references.list('lookup-client');
    expect(copied.length).toBe(2);
    // Stored as runs of the new flow; the flow as it ran is kept as recorded.
    expect(copied.map((r) => r.run.header.flowId)).toEqual(['lookup-client', 'lookup-client']);
    expect(copied.every((r) => (r.run.header.flow as { id: string }).id === 'lookup')).toBe(true);
    expect((await b.service.data.references.list('lookup')).map((r) => r.run.header.flowId)).toEqual(['lookup', 'lookup']);
    expect((await refusal(b.api.handover.import({ ...again, target: { newId: 'lookup-client' } }))).code).toBe('FLOW_EXISTS');
  });

  it('refuses differences unless accepted, and then imports with them said', async () => {
    const b = await machine();
    const edited = structuredClone(bundle);
    (edited.flow.nodes.find((n) => n.id === 'fetch')!.config as Record<string, unknown>).output = 'body';
    const request = { text: bundleText(edited), owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { create: { values: { token: B_TOKEN } } } } };
    const error = await refusal(b.api.handover.import(request));
    expect(error.code).toBe('ACCEPTANCE_FAILED');
    expect(error.message).toContain('Step “Fetch customer”');
    expect(b.keychain.entries.size).toBe(0);
    const result = await b.api.handover.import({ ...request, acceptDifferences: true });
    expect(result.acceptance.passed).toBe(false);
    expect(result.warnings.join(' ')).toContain('you accepted the differences');
  });

  it('is all or nothing: a keychain that fails stores nothing and says what to do', async () => {
    const broken = new MemoryKeychain();
    broken.setPassword = async () => {
      throw new Error('the keyring is locked');
    };
    const b = await machine(broken);
    const error = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { create: { values: { token: B_TOKEN } } } } }));
    expect(error.message).toContain('keychain');
    expect(error.message).toContain('Nothing was imported.');
    expect(error.hint).toContain('link existing credentials');
    expect(await b.api.flows.list({})).toEqual([]);
    expect(await b.service.data.references.list('lookup')).toEqual([]);
    expect(await b.api.credentials.list({})).toEqual([]);
  });

  it('says how to fix a keychain that cannot be used, and stores nothing', async () => {
    const locked = new MemoryKeychain();
    locked.setPassword = async () => {
      throw new KeychainUnavailableError('no Secret Service');
    };
    const b = await machine(locked);
    const error = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { create: { values: { token: B_TOKEN } } } } }));
    expect(error.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(error.message).toBe('The import stopped while storing the new credential “shop-api” in this computer\'s keychain: The system keychain cannot be used, so credentials cannot be stored or read. Nothing was imported.');
    expect(error.hint).toContain('Secret Service keyring');
    expect(error.hint).toContain('Then import the bundle again, or link existing credentials instead of creating new ones.');
    expect(await b.api.flows.list({})).toEqual([]);
  });

  it('is all or nothing: a flow that cannot be saved takes back the new credential and the references', async () => {
    const b = await machine();
    b.service.data.flows.save = async () => {
      throw new Error('disk full');
    };
    const error = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { create: { values: { token: B_TOKEN } } } } }));
    expect(error.code).toBe('IMPORT_FAILED');
    expect(error.message).toBe('The import stopped while saving the flow: disk full Nothing was imported.');
    expect(b.keychain.entries.size).toBe(0);
    expect(await b.api.credentials.list({})).toEqual([]);
    expect(await b.service.data.references.list('lookup')).toEqual([]);
  });
});

describe('import rules', () => {
  const depsOf = (b: Awaited<ReturnType<typeof machine>>, active: string[] = []): ImportDeps => ({
    flows: b.service.data.flows,
    vault: b.service.data.vault,
    references: b.service.data.references,
    activeFlowIds: async () => new Set(active),
    registry,
    now: () => Date.parse('2026-12-01T10:00:00Z'),
    defaultAuthor: async () => 'Settings Name',
  });

  it('opens and replays without reading the keychain', async () => {
    const keychain = new MemoryKeychain();
    let reads = 0;
    const get = keychain.getPassword.bind(keychain);
    keychain.getPassword = async (account: string) => (reads++, get(account));
    const b = await machine(keychain);
    await b.api.credentials.set({ id: 'my-shop', type: 'http.bearer', label: '', values: { token: B_TOKEN } });
    reads = 0;
    await openHandover({ ...depsOf(b), catalog: registry }, { text });
    const acceptance = await handoverAcceptance(depsOf(b), { text, credentials: { 'shop-api': { use: 'my-shop' } } });
    expect(acceptance.passed).toBe(true);
    expect(acceptance.results[0]!.report).toMatchObject({ identical: true, nodes: [expect.objectContaining({ nodeId: 'start' }), expect.objectContaining({ nodeId: 'fetch', identical: true })] });
    expect(reads).toBe(0);
  });

  it('never uses a credential just because it has the same name', async () => {
    const b = await machine();
    await b.api.credentials.set({ id: 'shop-api', type: 'http.bearer', label: 'Same name', values: { token: B_TOKEN } });
    const preview = await b.api.handover.open({ text });
    expect(preview.credentials[0]!.candidates).toEqual([{ id: 'shop-api', label: 'Same name' }]);
    const error = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK }));
    expect(error.code).toBe('CREDENTIALS_NOT_MAPPED');
    // Creating one under the taken name is refused too (it would replace theirs).
    const taken = await refusal(b.api.handover.import({ text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { create: { values: { token: 'x-other' } } } } }));
    expect(taken.message).toContain('A credential named “shop-api” exists on this computer already');
    expect(b.keychain.entries.get('shop-api')).toBe(JSON.stringify({ token: B_TOKEN }));
  });

  it('refuses a new version of a flow that is switched on, and an address that is not one', async () => {
    const b = await machine();
    const request = { text, owner, alertWebhookUrl: SLACK, credentials: { 'shop-api': { create: { values: { token: B_TOKEN } } } } };
    await importHandover(depsOf(b), request);
    const onAgain = { ...request, credentials: { 'shop-api': { use: 'shop-api' } }, target: { replace: true as const } };
    const active = await refusal(importHandover(depsOf(b, ['lookup']), onAgain));
    expect(active.code).toBe('FLOW_ACTIVE');
    expect(active.hint).toContain('flowkeeper flows deactivate lookup');
    const url = await refusal(importHandover(depsOf(b), { ...onAgain, alertWebhookUrl: 'hooks.slack.com/x' }));
    expect(url.message).toContain('is not a web address');
    const badOwner = await refusal(importHandover(depsOf(b), { ...onAgain, owner: { name: 'Carla', email: 'carla' } }));
    expect(badOwner.message).toContain('is not an e-mail address');
    // The author defaults to the name in Settings.
    expect((await importHandover(depsOf(b), onAgain)).version).toBe(2);
    expect((await b.api.flows.versions({ id: 'lookup' }))[0]!.author).toBe('Settings Name');
  });

  it('creates a credential of a type the bundle does not know only when told the type', async () => {
    const b = await machine();
    const unknown = structuredClone(bundle);
    unknown.credentials = unknown.credentials.map((c) => ({ ...c, type: '', typeTitle: 'Unknown type: ask the builder', typeSource: 'unknown' as const, fields: [] }));
    const request = { text: bundleText(unknown), owner, alertWebhookUrl: SLACK };
    expect((await b.api.handover.open({ text: request.text })).warnings.join(' ')).toContain('does not say which type');
    const noType = await refusal(b.api.handover.import({ ...request, credentials: { 'shop-api': { create: { values: { token: B_TOKEN } } } } }));
    expect(noType.message).toContain('give the type of the credential to create');
    const made = await b.api.handover.import({ ...request, credentials: { 'shop-api': { create: { type: 'http.bearer', values: { token: B_TOKEN } } } } });
    expect(made.credentials[0]).toMatchObject({ credentialId: 'shop-api', type: 'http.bearer', created: true });
    const linked = await b.api.handover.import({ ...request, target: { newId: 'lookup-two' }, credentials: { 'shop-api': { use: 'shop-api' } } });
    expect(linked.warnings.join(' ')).toContain('could not be checked');
  });

  it('rewrites credential ids all at once, steps and alert route', () => {
    const flow = FlowSchema.parse({
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'f',
      name: 'F',
      charter: { alerts: { email: { credential: 'b', to: [] }, webhook: { url: 'https://x.example/h', format: 'json', credential: 'a' } } },
      nodes: [
        { id: 'one', type: 'http.request', config: { credential: 'a' } },
        { id: 'two', type: 'http.request', config: { credential: 'b' } },
      ],
      edges: [],
    });
    const out = withCredentialIds(flow, new Map([['a', 'b'], ['b', 'c']]));
    expect(out.nodes.map((n) => (n.config as { credential: string }).credential)).toEqual(['b', 'c']);
    expect(out.charter!.alerts!.email!.credential).toBe('c');
    expect(out.charter!.alerts!.webhook!.credential).toBe('b');
  });

  it('re-encodes masks inside recorded request addresses only', () => {
    const run = bundle.references[0]!;
    const fixed = replayableReference(run);
    const intent = fixed.events.find((e) => e.type === 'external.intent') as { request: { url: string } };
    expect(intent.request.url).toContain('email=%C2%ABmasked%20');
    expect(replayableReference(fixed)).toBe(fixed);
    // Answers and outputs stay as recorded.
    const outputsOf = (r: typeof run) => r.events.filter((e) => e.type !== 'external.intent');
    expect(outputsOf(fixed)).toEqual(outputsOf(run));
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}
