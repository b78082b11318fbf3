/**
 * Builds the renderer into a temporary folder (top-level vite.config.ts, `--outDir` so a running
 * desktop build in dist/ is left alone), starts the demo API, a scripted OpenAI-compatible server
 * and the web bridge over a fresh data folder, and imports examples/invoice-triage/flow.json and a
 * small flow with two AI steps through the API. Tests read where everything is from
 * FLOWKEEPER_E2E_* environment variables; the returned function tears down.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge } from '../../cli/serve.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { startOpenAiServer, type OpenAiTestServer } from '../helpers/openai-server.ts';

const root = join(import.meta.dirname, '..', '..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'flowkeeper-e2e-'));
  const staticDir = join(dir, 'renderer');
  execFileSync(join(root, 'node_modules', '.bin', 'vite'), ['build', '--outDir', staticDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });

  const demo = await startDemoApi(0);
  const ai = await startAiServer();
  const bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });

  // Seed through the door the page uses: the HTTP API with the access key.
  const call = async (method: string, args: unknown): Promise<{ ok: boolean; error?: { message: string; hint?: string } }> => {
    const response = await fetch(`${bridge.origin}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    return (await response.json()) as { ok: boolean; error?: { message: string; hint?: string } };
  };
  const text = await readFile(join(root, 'examples', 'invoice-triage', 'flow.json'), 'utf8');
  const reply = await call('flows.import', { text });
  if (!reply.ok) throw new Error(`Could not import the example flow: ${reply.error?.message}`);
  const aiReply = await call('flows.import', { text: JSON.stringify(SUPPORT_FLOW) });
  if (!aiReply.ok) throw new Error(`Could not import the AI flow: ${aiReply.error?.message}`);

  // The AI steps' key: in the keychain through the API, like a person would store it. Without a
  // keychain (a CI container), the documented fallback for such machines: the environment
  // variable FLOWKEEPER_CREDENTIAL_AI, read by the bridge (this process).
  const values = { apiKey: 'sk-e2e-not-a-real-key', baseUrl: ai.baseUrl };
  const stored = await call('credentials.set', { id: 'ai', type: 'llm.api', label: 'Scripted test server', values });
  if (!stored.ok) process.env.FLOWKEEPER_CREDENTIAL_AI = JSON.stringify(values);

  process.env.FLOWKEEPER_E2E_URL = bridge.url;
  // For specs that need their own data folder (editor.spec.ts): the built renderer to serve.
  process.env.FLOWKEEPER_E2E_STATIC_DIR = staticDir;
  process.env.FLOWKEEPER_E2E_ORIGIN = bridge.origin;
  process.env.FLOWKEEPER_E2E_TOKEN = bridge.token;
  process.env.FLOWKEEPER_E2E_DEMO_API = demo.url;
  // For specs that start their own bridge over their own data folder (run-views.spec.ts).
  process.env.FLOWKEEPER_E2E_STATIC_DIR = staticDir;
  process.env.FLOWKEEPER_E2E_AI_CREDENTIAL = stored.ok ? 'keychain' : `environment (the keychain refused: ${stored.error?.message ?? 'unknown error'})`;

  return async () => {
    await bridge.close();
    await ai.close();
    await demo.close();
    await rm(dir, { recursive: true, force: true });
  };
}

/**
 * The AI server the support flow talks to: "Sort the email" (gpt-4o-mini, priced by the built-in
 * table) gets a classification worth 1,200 + 300 tokens, "Draft a reply" (llama3.1:8b, a local
 * model without a built-in price) a reply worth 1,400 + 100 tokens.
 */
async function startAiServer(): Promise<OpenAiTestServer> {
  const server = await startOpenAiServer();
  server.fallback = (request) =>
    request.body.model === 'gpt-4o-mini'
      ? { kind: 'answer', content: JSON.stringify({ label: 'delivery', confidence: 0.92, reason: 'The customer asks where the order is.' }), promptTokens: 1200, completionTokens: 300 }
      : { kind: 'answer', content: JSON.stringify({ reply: 'Sorry for the wait! Your lamp left our warehouse yesterday; you will have it within two days.' }), promptTokens: 1400, completionTokens: 100 };
  return server;
}

const SUPPORT_FLOW = {
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'support-replies',
  name: 'Support replies',
  description: 'Sorts a customer email and drafts a reply for a person to check before it is sent.',
  owner: 'support@example.com',
  version: 1,
  nodes: [
    {
      id: 'start',
      type: 'trigger.manual',
      name: 'Customer email',
      position: { x: 0, y: 0 },
      config: {
        fields: [
          { name: 'subject', label: 'Subject', type: 'text', default: 'Where is my order?' },
          { name: 'body', label: 'Message', type: 'text', default: 'I ordered a lamp two weeks ago and it has not arrived.' },
        ],
      },
    },
    {
      id: 'sort',
      type: 'llm.generate',
      name: 'Sort the email',
      position: { x: 240, y: 0 },
      config: { task: 'classify', labels: ['delivery', 'billing', 'other'], provider: 'openai', credential: 'ai', model: 'gpt-4o-mini', prompt: 'Subject: {{ subject }}\n\n{{ body }}', timeoutSeconds: 5, maxRetries: 0 },
    },
    {
      id: 'draft',
      type: 'llm.generate',
      name: 'Draft a reply',
      position: { x: 480, y: 0 },
      config: { task: 'draft-reply', provider: 'custom', credential: 'ai', model: 'llama3.1:8b', prompt: 'Subject: {{ subject }}\n\n{{ body }}', timeoutSeconds: 5, maxRetries: 0 },
    },
  ],
  edges: [
    { source: 'start', target: 'sort' },
    { source: 'sort', target: 'draft' },
  ],
};
