/**
 * Builds the renderer into a temporary folder (top-level vite.config.ts, `--outDir` so a running
 * desktop build in dist/ is left alone), starts the demo API and the web bridge over a fresh data
 * folder, and imports examples/invoice-triage/flow.json through the API. Tests read where
 * everything is from FLOWKEEPER_E2E_* environment variables; the returned function tears down.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge } from '../../cli/serve.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';

const root = join(import.meta.dirname, '..', '..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'flowkeeper-e2e-'));
  const staticDir = join(dir, 'renderer');
  execFileSync(join(root, 'node_modules', '.bin', 'vite'), ['build', '--outDir', staticDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });

  const demo = await startDemoApi(0);
  const bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });

  // Seed through the door the page uses: the HTTP API with the access key.
  const text = await readFile(join(root, 'examples', 'invoice-triage', 'flow.json'), 'utf8');
  const response = await fetch(`${bridge.origin}/api/flows.import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  const reply = (await response.json()) as { ok: boolean; error?: { message: string } };
  if (!reply.ok) throw new Error(`Could not import the example flow: ${reply.error?.message}`);

  process.env.FLOWKEEPER_E2E_URL = bridge.url;
  process.env.FLOWKEEPER_E2E_ORIGIN = bridge.origin;
  process.env.FLOWKEEPER_E2E_TOKEN = bridge.token;
  process.env.FLOWKEEPER_E2E_DEMO_API = demo.url;

  return async () => {
    await bridge.close();
    await demo.close();
    await rm(dir, { recursive: true, force: true });
  };
}
