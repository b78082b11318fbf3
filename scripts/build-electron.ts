/**
 * Builds the Electron shell with Vite's build() API:
 *
 * - dist/electron/main.js — the main process, ESM for Node. Repo code (engine, nodes, electron/)
 *   is bundled; `electron`, `@napi-rs/keyring` (native) and every other package stay external
 *   and are loaded from node_modules (unpacked from the asar for the native one, see
 *   electron-builder.yml).
 * - dist/electron/preload.cjs — the preload, one self-contained CommonJS file: a sandboxed
 *   preload cannot load ES modules and can require only a few Electron modules, so everything
 *   but `electron` is inlined.
 *
 * Run: `npm run build:electron` (tsx scripts/build-electron.ts). Tests call `buildElectron()`.
 */
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type InlineConfig } from 'vite';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface ElectronBuildOptions {
  root?: string;
  outDir?: string;
  logLevel?: InlineConfig['logLevel'];
}

export interface ElectronBuildResult {
  main: string;
  preload: string;
}

/** Node built-ins and package imports: anything that is not a relative or absolute path. */
export function isPackageImport(id: string): boolean {
  return !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !/^[A-Za-z]:[\\/]/.test(id);
}

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

export async function buildElectron({ root = repoRoot, outDir = join(root, 'dist', 'electron'), logLevel = 'warn' }: ElectronBuildOptions = {}): Promise<ElectronBuildResult> {
  const common: InlineConfig = { configFile: false, root, logLevel, envDir: false, publicDir: false };

  // Main: an SSR (Node) build. ESM because the package is "type": "module" and electron-store 12
  // (with conf) is ESM-only; Electron loads an ESM main since version 28.
  await build({
    ...common,
    build: {
      ssr: join(root, 'electron', 'main.ts'),
      outDir,
      emptyOutDir: false,
      target: 'node22',
      minify: false,
      sourcemap: true,
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: {
        external: (id) => isPackageImport(id),
        output: { format: 'es', entryFileNames: 'main.js', codeSplitting: false },
      },
    },
    ssr: { target: 'node' },
  });

  // Preload: a library build (the preload is a renderer-side script), CommonJS, only `electron`
  // external.
  await build({
    ...common,
    build: {
      outDir,
      emptyOutDir: false,
      target: 'chrome140',
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      lib: { entry: join(root, 'electron', 'preload.ts'), formats: ['cjs'], fileName: () => 'preload.cjs' },
      rolldownOptions: {
        external: ['electron'],
        output: { codeSplitting: false },
      },
    },
  });

  const result = { main: join(outDir, 'main.js'), preload: join(outDir, 'preload.cjs') };
  await checkPreload(result.preload);
  return result;
}

/** Every `require("…")` in a CommonJS file, and whether it still has ESM syntax. */
export function scanCommonJs(source: string): { requires: string[]; hasEsmSyntax: boolean } {
  const requires = [...source.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((match) => match[2]!);
  const hasEsmSyntax = /^\s*(import\s[^(]|export\s)/m.test(source) || /\bimport\.meta\b/.test(source);
  return { requires, hasEsmSyntax };
}

/** Fails the build when the preload would not load in a sandbox. */
async function checkPreload(file: string): Promise<void> {
  const { requires, hasEsmSyntax } = scanCommonJs(await readFile(file, 'utf8'));
  const foreign = requires.filter((id) => id !== 'electron');
  if (foreign.length > 0 || hasEsmSyntax) {
    throw new Error(
      `${file} would not load in a sandboxed preload: ${foreign.length > 0 ? `it requires ${foreign.join(', ')} (only 'electron' is allowed)` : 'it contains ES module syntax'}. Import only engine/model/contract.ts from the preload.`,
    );
  }
}

/** The packages a built main bundle imports (bare specifiers, without Node built-ins). */
export function externalPackages(source: string): string[] {
  const patterns = [
    /^\s*import\s[^;]*?\sfrom\s*(["'])([^"']+)\1/gm, // import x from "p"
    /^\s*export\s[^;]*?\sfrom\s*(["'])([^"']+)\1/gm, // export { x } from "p"
    /^\s*import\s*(["'])([^"']+)\1/gm, // import "p"
    /\bimport\(\s*(["'])([^"']+)\1\s*\)/g, // import("p")
  ];
  const ids = patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[2]!));
  const names = ids.filter((id) => isPackageImport(id) && !nodeBuiltins.has(id)).map((id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]!));
  return [...new Set(names)].sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const { main, preload } = await buildElectron({ logLevel: 'info' });
  console.log(`Built ${main} and ${preload} in ${Date.now() - started} ms.`);
}
