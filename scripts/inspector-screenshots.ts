/**
 * Screenshots of the inspector (HTTP request and AI step, 1400 and 800 px wide) into
 * docs/screenshots/inspector-*.png: builds test/renderer/inspector/harness with Vite, serves it on
 * 127.0.0.1 and drives Debian's Chromium. The page's catalogue and previews are the real node
 * definitions and expression evaluator, run here in Node. `npx tsx scripts/inspector-screenshots.ts`
 */
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { describeNodeType } from '../engine/index.ts';
import { evaluateDeep } from '../engine/expressions.ts';
import { builtinNodes } from '../nodes/index.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const out = await mkdtemp(join(tmpdir(), 'inspector-harness-'));
await build({ configFile: false, root: join(repo, 'test/renderer/inspector/harness'), base: './', plugins: [react()], envDir: false, logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  readFile(join(out, path === '/' ? 'index.html' : path))
    .then((body) => res.writeHead(200, { 'content-type': types[extname(path) || '.html'] ?? 'application/octet-stream' }).end(body))
    .catch(() => res.writeHead(404).end());
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

async function preview(args: { type: string; config: Record<string, unknown>; item?: Record<string, unknown> }) {
  const def = builtinNodes.find((d) => d.type === args.type);
  if (!def?.preview) return { available: false, problems: [] };
  const item = args.item ?? {};
  const parsed = def.config.safeParse(args.config);
  if (!parsed.success) return { available: true, problems: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, severity: 'error' })) };
  try {
    return { available: true, preview: await def.preview({ config: parsed.data, item, evaluate: (value) => evaluateDeep(value, { item, bindings: { input: item, nodes: {} } }) }), problems: [] };
  } catch (error) {
    throw new Error(error instanceof Error ? error.message : String(error));
  }
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const width of [1400, 800]) {
    const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: 'light' });
    await page.exposeFunction('harnessPreview', preview);
    await page.addInitScript((catalogue) => {
      (globalThis as unknown as { harnessCatalogue: unknown }).harnessCatalogue = catalogue;
    }, builtinNodes.map(describeNodeType));
    for (const scenario of ['http', 'ai']) {
      await page.goto(`http://127.0.0.1:${port}/#${scenario}`);
      await page.reload();
      await page.locator('.inspector').waitFor();
      if (scenario === 'ai') {
        await page.getByRole('button', { name: 'Preview what will be sent' }).click();
        await page.locator('.inspector-message').first().waitFor();
      } else {
        await page.locator('.expression-preview-value').first().waitFor();
        await page.locator('details.inspector-advanced summary').first().click();
      }
      // Every live preview has its answer before the picture is taken.
      await page.waitForFunction("!document.body.textContent.includes('Working it out')");
      const file = join(repo, 'docs/screenshots', `inspector-${scenario}-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file}`);
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
  await rm(out, { recursive: true, force: true });
}
