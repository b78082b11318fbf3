#!/usr/bin/env node
// `npm run bench`: measures the engine as the `flowkeeper` command runs it — bundled by esbuild
// (cli/bundle.js), not compiled file by file by tsx, whose keep-names wrappers (a property
// defined on every function created) would be counted as the runner's cost. The bench bundle is
// rebuilt when any input changed; BENCH_FROM_SOURCE=1 runs bench/run.ts through tsx instead.
import { pathToFileURL } from 'node:url';

if (process.env.BENCH_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./run.ts');
} else {
  const { benchLayout, buildBundle, freshBundle } = await import('../cli/bundle.js');
  const layout = benchLayout();
  await import(pathToFileURL(freshBundle(layout) ?? (await buildBundle(layout))).href);
}
