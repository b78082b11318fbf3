/**
 * The CLI's start-up bundle. Compiling the TypeScript sources on every start (tsx) costs most of
 * a second, so `cli/bin.js` runs `dist/cli/main.js` instead: cli/main.ts and everything it imports
 * from the repo in one ES module built by esbuild (packages stay external; code loaded on demand,
 * like the AI SDK, goes to chunks of its own). The bundle is a cache of the sources: it is rebuilt
 * when missing or when any file it was built from changed (sizes and mtimes in `inputs.json`), and
 * when it cannot be built or written (a read-only checkout) bin.js compiles the sources with tsx.
 *
 * Plain JavaScript: it runs before anything can load TypeScript.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bump when the build options change, so existing bundles count as stale. */
const BUILD_VERSION = 1;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @typedef {{ root: string, outDir: string, entry: string }} BundleLayout */

/** Where the benchmark's bundle goes: `npm run bench` measures the engine as the CLI runs it (bench/bin.js). */
export function benchLayout(root = repoRoot) {
  return { root, outDir: join(root, 'dist', 'bench'), entry: join(root, 'bench', 'run.ts') };
}

/** @returns {BundleLayout} Where the bundle of a checkout lives. */
export function bundleLayout(root = repoRoot) {
  return { root, outDir: join(root, 'dist', 'cli'), entry: join(root, 'cli', 'main.ts') };
}

/**
 * The bundle's path when it was built from exactly the files there are now; undefined when it is
 * missing, was built by another build version or in another folder, or any input changed.
 * @param {BundleLayout} layout
 */
export function freshBundle(layout = bundleLayout()) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(layout.outDir, 'inputs.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest.version !== BUILD_VERSION || manifest.root !== layout.root || typeof manifest.inputs !== 'object') return undefined;
  for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    try {
      const s = statSync(join(layout.root, file));
      if (s.mtimeMs !== mtimeMs || s.size !== size) return undefined;
    } catch {
      return undefined;
    }
  }
  return join(layout.outDir, 'main.js');
}

/**
 * Builds the bundle and returns its path. Safe with several processes building at once: each
 * builds into a folder of its own and renames its files into place, the entry file and then the
 * manifest last, so a reader that finds a fresh manifest also finds the matching bundle.
 * @param {BundleLayout} layout
 */
export async function buildBundle(layout = bundleLayout()) {
  const { build } = await import('esbuild');
  mkdirSync(layout.outDir, { recursive: true });
  const tmp = join(layout.outDir, `.build-${process.pid}-${randomUUID()}`);
  try {
    const result = await build({
      absWorkingDir: layout.root,
      entryPoints: { main: layout.entry },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node22.12',
      packages: 'external',
      chunkNames: 'chunks/[name]-[hash]',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      plugins: [sourceLocations(layout.root)],
    });
    const inputs = {};
    for (const file of Object.keys(result.metafile.inputs)) {
      const s = statSync(join(layout.root, file));
      inputs[file] = [s.mtimeMs, s.size];
    }
    // Chunks are named by content, so renaming over an existing one changes nothing.
    const chunksDir = join(layout.outDir, 'chunks');
    mkdirSync(chunksDir, { recursive: true });
    const chunks = readdirSync(join(tmp, 'chunks'), { withFileTypes: true }).filter((d) => d.isFile());
    for (const chunk of chunks) renameSync(join(tmp, 'chunks', chunk.name), join(chunksDir, chunk.name));
    renameSync(join(tmp, 'main.js.map'), join(layout.outDir, 'main.js.map'));
    renameSync(join(tmp, 'main.js'), join(layout.outDir, 'main.js'));
    writeFileSync(join(tmp, 'inputs.json'), JSON.stringify({ version: BUILD_VERSION, root: layout.root, inputs }));
    renameSync(join(tmp, 'inputs.json'), join(layout.outDir, 'inputs.json'));
    pruneChunks(chunksDir, new Set(chunks.map((c) => c.name)));
    return join(layout.outDir, 'main.js');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The bundle sits in another folder than the sources, so `import.meta.url` (and `.dirname`,
 * `.filename`) are replaced by the source file's own values: code that finds files next to itself
 * (the web bridge finds dist/renderer that way) behaves exactly as when run from the sources.
 */
function sourceLocations(root) {
  return {
    name: 'source-locations',
    setup(builder) {
      builder.onLoad({ filter: /\.[jt]s$/ }, (args) => {
        if (!args.path.startsWith(root) || args.path.includes(`${'/'}node_modules${'/'}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        const values = { url: pathToFileURL(args.path).href, dirname: dirname(args.path), filename: args.path };
        const contents = source.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, key) => JSON.stringify(values[key]));
        return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/** Removes chunks of earlier builds, once they are old enough that no running command still loads them. */
function pruneChunks(chunksDir, keep) {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(chunksDir)) {
    if (keep.has(name)) continue;
    try {
      if (statSync(join(chunksDir, name)).mtimeMs < hourAgo) rmSync(join(chunksDir, name), { force: true });
    } catch {
      // Another build removed it first.
    }
  }
}
