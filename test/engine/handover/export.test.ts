/**
 * Exporting a hand-over bundle through the API: a flow that signed in to a real local HTTP server
 * with a bearer token kept in the (in-memory) keychain, two reference runs, personal fields
 * masked. The bundle text is searched for every secret and personal value; it must hold none,
 * the masks must be consistent, and the credential requirement must say type, fields and steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import { bundleText, readBundleBytes, encodeBundle, exportHandover } from '../../../engine/handover/index.ts';
import { readBundle } from '../../../engine/model/handover-bundle.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { json, startServer, type TestServer } from '../../helpers/http-server.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';
import { runToEnd as runUntilEnd } from '../../helpers/run-to-end.ts';

const TOKEN = 'tok-4f9a8b7c6d5e4f3a2b1c';
const CUSTOMERS: Record<string, { name: string; email: string }> = {
  'ana.lima@example.net': { name: 'Ana Lima', email: 'ana.lima@example.net' },
  'ben@example.org': { name: 'Ben Ode', email: 'ben@example.org' },
};

let server: TestServer;
let service: FlowkeeperService;
let api: FlowkeeperApi;
let cleanup: () => Promise<void>;
const runs: string[] = [];

const flow = (url: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'lookup',
  name: 'Customer lookup',
  description: 'Looks up the customer of a ticket.',
  charter: readyCharter(),
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'fetch', type: 'http.request', name: 'Fetch customer', config: { url: `${url}/customers?email={{ email }}`, auth: 'bearer', credential: 'shop-api', output: 'full' } },
  ],
  edges: [{ source: 'start', target: 'fetch' }],
});

function runToEnd(input: unknown, flowId = 'lookup'): Promise<string> {
  return runUntilEnd(api, () => api.runs.start({ flowId, input }));
}

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: 'who are you?' });
    const email = new URL(req.url, 'http://x').searchParams.get('email') ?? '';
    // The server echoes the sign-in and hands out a session token and cookie: all must stay out.
    json(res, 200, { customer: CUSTOMERS[email], seenAuthorization: req.headers.authorization, session: 'Bearer sess-abcdef123456' }, { 'set-cookie': 'sid=xyz-cookie-value; HttpOnly' });
  });
  const temp = await tempDir();
  cleanup = temp.cleanup;
  service = await createService({ dataDir: temp.dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false, triggers: false });
  api = inProcessApi(service);
  await api.credentials.set({ id: 'shop-api', type: 'http.bearer', label: 'Shop', values: { token: TOKEN } });
  await api.flows.import({ text: JSON.stringify(flow(server.url)) });
  runs.push(await runToEnd({ email: 'ana.lima@example.net', ticket: 'T-1' }));
  runs.push(await runToEnd({ email: 'ben@example.org', ticket: 'T-2' }));
  runs.push(await runToEnd({ email: 'ana.lima@example.net', ticket: 'T-3' }));
});
afterAll(async () => {
  await service.close();
  await cleanup();
  await server.close();
});

describe('handover.export', () => {
  it('holds no secret, no token and no masked value; masks are consistent across runs', async () => {
    expect(server.requests).toHaveLength(3);
    expect((await api.runs.get({ runId: runs[0]! })).status).toBe('succeeded');
    const { bundle, fileName, warnings } = await api.handover.export({ flowId: 'lookup', runIds: runs, mask: ['email', 'customer.name'] });
    expect(fileName).toBe('lookup-v1.fkbundle');
    expect(warnings).toEqual([]);
    const text = bundleText(bundle);
    for (const needle of [TOKEN, 'sess-abcdef123456', 'xyz-cookie-value', 'ana.lima@example.net', 'ana.lima%40example.net', 'ben@example.org', 'Ana Lima', 'Ben Ode']) expect(text, needle).not.toContain(needle);
    expect(text).toContain('T-1'); // unmasked data stays

    const [a, b, c] = bundle.references;
    const inputOf = (r: typeof a) => (r!.header.input as { email: string }).email;
    expect(inputOf(a)).toMatch(/^«masked \d+»$/);
    expect(inputOf(c)).toBe(inputOf(a));
    expect(inputOf(b)).not.toBe(inputOf(a));
    const fetched = (r: typeof a) => {
      const done = r!.events.find((e) => e.type === 'node.succeeded' && e.nodeId === 'fetch') as { outputs: { out: Array<{ body: { customer: { name: string; email: string } }; headers: Record<string, unknown> }> } };
      return done.outputs.out[0]!;
    };
    expect(fetched(a).body.customer.email).toBe(inputOf(a));
    expect(fetched(c).body.customer.name).toBe(fetched(a).body.customer.name);
    expect(fetched(b).body.customer.name).not.toBe(fetched(a).body.customer.name);
    expect(fetched(a).headers['set-cookie']).toBe('[redacted]');
    expect(bundle.privacy).toMatchObject({ maskedFields: ['email', 'customer.name'], maskedValues: 4 });
    expect(bundle.privacy.scrubbed).toBeGreaterThan(0);
    expect(a!.events.some((e) => 'h' in e)).toBe(false);

    expect(bundle.credentials).toEqual([
      {
        id: 'shop-api',
        type: 'http.bearer',
        typeTitle: 'Web API token (Bearer)',
        typeSource: 'stored',
        fields: [{ name: 'token', label: 'Token', secret: true, optional: false }],
        connect: false,
        usedBy: [{ kind: 'step', nodeId: 'fetch', title: 'Fetch customer', nodeType: 'http.request' }],
      },
    ]);
    expect(bundle.runbook.markdown).toContain('## Credentials it needs');
    expect(bundle.runbook.markdown).toContain(runs[0]);

    // Read back, plain and gzipped, as the import wizard will.
    expect(readBundle(text)).toEqual(bundle);
    expect(readBundleBytes(encodeBundle(bundle, 'x.fkbundle.gz'))).toEqual(bundle);
  });

  it('exports a chosen version and the runbook alone as a page', async () => {
    await api.flows.save({ flow: { ...flow(server.url), name: 'Customer lookup v2' } });
    expect((await api.handover.export({ flowId: 'lookup' })).bundle.flow).toMatchObject({ version: 2, name: 'Customer lookup v2' });
    const first = await api.handover.export({ flowId: 'lookup', version: 1 });
    expect(first.bundle.flow).toMatchObject({ version: 1, name: 'Customer lookup' });
    const mixed = await api.handover.export({ flowId: 'lookup', runIds: [runs[0]!] });
    expect(mixed.warnings).toEqual([`Run “${runs[0]}” ran version 1 of the flow; the bundle holds version 2, so replaying it against this version may show differences.`]);
    expect(mixed.bundle.references[0]!.flowVersion).toBe(1);
    expect((mixed.bundle.references[0]!.header.flow as { version: number }).version).toBe(1);
    const page = await api.handover.runbook({ flowId: 'lookup', format: 'html' });
    expect(page.fileName).toBe('lookup-runbook.html');
    expect(page.text).toContain('<h2>Credentials it needs</h2>');
    expect(page.text).not.toContain(TOKEN);
    expect(page.text).not.toMatch(/<script/i);
  });

  it('removes a credential value that reached a trace unredacted (typed into a step by hand), and says which step', async () => {
    // No step reads the credential here, so the runner never learns the value: it is recorded as is.
    const leaky = { ...flow(server.url), id: 'leaky', name: 'Leaky', nodes: [flow(server.url).nodes[0], { id: 'fetch', type: 'http.request', name: 'Fetch by hand', config: { url: `${server.url}/customers?email={{ email }}`, headers: [{ name: 'X-Debug', value: TOKEN }] } }] };
    await api.flows.import({ text: JSON.stringify(leaky) });
    const runId = await runToEnd({ email: 'ben@example.org' }, 'leaky');
    const raw = await api.traces.events({ runId, limit: 5000 });
    expect(JSON.stringify(raw.events)).toContain(TOKEN); // the premise: the trace holds it
    const { bundle, warnings } = await api.handover.export({ flowId: 'leaky', runIds: [runId] });
    expect(bundleText(bundle)).not.toContain(TOKEN);
    expect(warnings).toContain('Step “Fetch by hand” had a secret-looking value in its settings (a token or a sign-in header); it was replaced by [redacted]: the team taking over fills it in, or better, moves it to a credential.');
    expect((bundle.flow.nodes[1]!.config.headers as Array<{ value: string }>)[0]!.value).toBe('[redacted]');
  });

  it('searches for credentials given only through the environment (a headless machine) too', async () => {
    const envFlow = { ...flow(server.url), id: 'from-env', name: 'From env', nodes: [flow(server.url).nodes[0], { id: 'fetch', type: 'http.request', name: 'Fetch', config: { url: `${server.url}/customers?email=x&k=ENVSECRET-123456`, auth: 'bearer', credential: 'env-api' } }] };
    await api.flows.import({ text: JSON.stringify(envFlow) });
    const deps = { flows: service.data.flows, traces: service.data.traces, vault: service.data.vault, catalog: registry, now: () => Date.now(), env: { FLOWKEEPER_CREDENTIAL_ENV_API: JSON.stringify({ type: 'http.bearer', token: 'ENVSECRET-123456' }) } };
    const { bundle } = await exportHandover(deps, { flowId: 'from-env' });
    expect(bundleText(bundle)).not.toContain('ENVSECRET-123456');
    expect(bundle.credentials).toMatchObject([{ id: 'env-api', type: 'http.bearer', typeSource: 'stored', fields: [{ name: 'token' }] }]);
  });

  it('refuses runs of another flow, unknown runs and bad field paths, in plain words', async () => {
    await api.flows.import({ text: JSON.stringify({ ...flow(server.url), id: 'other', name: 'Other' }) });
    const otherRun = await runToEnd({ email: 'x@y.z' }, 'other');
    await expect(api.handover.export({ flowId: 'lookup', runIds: [otherRun] })).rejects.toMatchObject({ message: `Run “${otherRun}” is a run of the flow “other”, not of “lookup”.` });
    await expect(api.handover.export({ flowId: 'lookup', runIds: ['nope-run'] })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    await expect(api.handover.export({ flowId: 'lookup', mask: ['customer..name'] })).rejects.toMatchObject({ message: '“customer..name” is not a field path to mask.' });
    await expect(api.handover.export({ flowId: 'missing' })).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
  });
});
