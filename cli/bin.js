#!/usr/bin/env node
// The `flowkeeper` command. Sources are TypeScript and run straight from a checkout
// (`npx flowkeeper …`) with no build step: the first start bundles them (cli/bundle.js,
// dist/cli/), later starts load the bundle, and a start after a source changed rebuilds it.
// When the bundle cannot be built (or FLOWKEEPER_CLI_FROM_SOURCE=1), tsx compiles the sources.
import { enableCompileCache } from 'node:module';
import { pathToFileURL } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`Flowkeeper needs Node.js 22.12 or newer; this is ${process.versions.node}. Install a current Node.js LTS.\n`);
  process.exit(2);
}

// V8's code cache for the bundle and the packages it loads (Node's own cache folder in the temp dir).
enableCompileCache?.();
if (process.env.FLOWKEEPER_DEBUG) process.setSourceMapsEnabled(true);

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));

async function loadMain() {
  if (process.env.FLOWKEEPER_CLI_FROM_SOURCE !== '1') {
    try {
      const { buildBundle, freshBundle } = await import('./bundle.js');
      const entry = freshBundle() ?? (await buildBundle());
      return (await import(pathToFileURL(entry).href)).main;
    } catch (error) {
      if (process.env.FLOWKEEPER_DEBUG) process.stderr.write(`flowkeeper: no start-up bundle (${error instanceof Error ? error.message : String(error)}); compiling the sources instead.\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('./main.ts')).main;
}
