#!/usr/bin/env node
// The `flowkeeper` command. Sources are TypeScript; tsx compiles them on load, so the CLI runs
// straight from a checkout (`npx flowkeeper …`) with no build step.
import { register } from 'tsx/esm/api';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`Flowkeeper needs Node.js 22.12 or newer; this is ${process.versions.node}. Install a current Node.js LTS.\n`);
  process.exit(2);
}

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
