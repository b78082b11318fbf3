/**
 * Builds the Electron shell with Vite's build() API:
 *
 * - dist/electron/main.js — the main process, ESM for Node. Repo code AND every pure-JS package
 *   (electron-store, conf, ajv, jsonata, openai, zod …) are bundled into this one file: resolving
 *   ES-module packages from inside app.asar has regressed in several Electron releases (28, 29,
 *   35), and one file starts faster than ~1000. Only `electron` (provided by the runtime) and
 *   `@napi-rs/keyring` (native, unpacked from the asar, see electron-builder.yml) stay external;
 *   the keyring is loaded with `createRequire` — Node's CommonJS loader, whose asar support has
 *   never regressed — never with `import`. `checkMain` fails the build on anything else.
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
import { build, parseAst, type InlineConfig } from 'vite';

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

/** What the built main may import at run time: the runtime's own module … */
export const MAIN_ESM_EXTERNALS = ['electron'];
/** … and, through createRequire, the one native package. */
export const MAIN_REQUIRED_EXTERNALS = ['@napi-rs/keyring'];

const KEYRING = '@napi-rs/keyring';
const KEYRING_SHIM = '\0flowkeeper:keyring-require';

/**
 * `import('@napi-rs/keyring')` (engine/vault.ts) becomes a module that loads the package with
 * createRequire from the bundle's own location, re-exporting the names its index.js exports (read
 * from the file, so the native binary is not loaded at build time).
 */
async function keyringShim(root: string): Promise<string> {
  const index = join(root, 'node_modules', KEYRING, 'index.js');
  const source = await readFile(index, 'utf8').catch(() => {
    throw new Error(`${index} is missing: run npm ci before building the desktop app.`);
  });
  const names = [...new Set([...source.matchAll(/^module\.exports\.([A-Za-z_$][\w$]*)\s*=/gm)].map((match) => match[1]!))];
  if (!names.includes('AsyncEntry')) throw new Error(`${index} no longer exports AsyncEntry; engine/vault.ts needs it. Check the @napi-rs/keyring version.`);
  return [
    `import { createRequire } from 'node:module';`,
    `const keyring = createRequire(import.meta.url)(${JSON.stringify(KEYRING)});`,
    ...names.map((name) => `export const ${name} = keyring.${name};`),
    'export default keyring;',
  ].join('\n');
}

export async function buildElectron({ root = repoRoot, outDir = join(root, 'dist', 'electron'), logLevel = 'warn' }: ElectronBuildOptions = {}): Promise<ElectronBuildResult> {
  const common: InlineConfig = { configFile: false, root, logLevel, envDir: false, publicDir: false };

  // Main: an SSR (Node) build. ESM because the package is "type": "module" and electron-store 12
  // (with conf) is ESM-only; Electron loads an ESM main since version 28. Packages are bundled
  // (`noExternal: true`); see the header for the two exceptions.
  const shim = await keyringShim(root);
  await build({
    ...common,
    plugins: [
      {
        name: 'flowkeeper:keyring-require',
        enforce: 'pre',
        resolveId: (id) => (id === KEYRING ? KEYRING_SHIM : undefined),
        load: (id) => (id === KEYRING_SHIM ? shim : undefined),
      },
    ],
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
        external: (id) => nodeBuiltins.has(id) || MAIN_ESM_EXTERNALS.includes(id),
        platform: 'node',
        output: { format: 'es', entryFileNames: 'main.js', codeSplitting: false },
      },
    },
    ssr: { target: 'node', noExternal: true, external: MAIN_ESM_EXTERNALS },
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
  await checkMain(result.main);
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

/**
 * The packages a built ES module loads from outside itself, read from its syntax tree (a regex
 * would also match code inside strings, e.g. ajv's code generator): `imported` by import/export
 * declarations and `import()`, `required` by `require(…)`, `__require(…)` or
 * `createRequire(…)(…)` with a literal name. Node built-ins are left out.
 */
export function bundleExternals(source: string): { imported: string[]; required: string[] } {
  const imported = new Set<string>();
  const required = new Set<string>();
  const literal = (node: unknown): string | undefined => {
    const value = (node as { type?: string; value?: unknown } | undefined)?.type === 'Literal' ? (node as { value: unknown }).value : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  const add = (into: Set<string>, id: string | undefined) => {
    if (id !== undefined && isPackageImport(id) && !nodeBuiltins.has(id)) into.add(packageName(id));
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown> & { type?: string };
    if (n.type === 'ImportDeclaration' || n.type === 'ExportNamedDeclaration' || n.type === 'ExportAllDeclaration' || n.type === 'ImportExpression') add(imported, literal(n.source));
    if (n.type === 'CallExpression') {
      const callee = n.callee as { type?: string; name?: string; callee?: { type?: string; name?: string } };
      const isRequire = (callee.type === 'Identifier' && (callee.name === 'require' || callee.name === '__require')) || (callee.type === 'CallExpression' && callee.callee?.type === 'Identifier' && callee.callee.name === 'createRequire');
      if (isRequire) add(required, literal((n.arguments as unknown[])[0]));
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'type' && value && typeof value === 'object') visit(value);
  };
  visit(parseAst(source));
  return { imported: [...imported].sort(), required: [...required].sort() };
}

/** Fails the build when main would load a package from node_modules other than the two allowed. */
async function checkMain(file: string): Promise<void> {
  const { imported, required } = bundleExternals(await readFile(file, 'utf8'));
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((name, i) => name === [...b].sort()[i]);
  if (!same(imported, MAIN_ESM_EXTERNALS) || !same(required, MAIN_REQUIRED_EXTERNALS)) {
    throw new Error(
      `${file} must import only ${MAIN_ESM_EXTERNALS.join(', ')} and require only ${MAIN_REQUIRED_EXTERNALS.join(', ')} from outside the bundle, but it imports [${imported.join(', ')}] and requires [${required.join(', ')}]. ` +
        'Bundle pure-JS packages (scripts/build-electron.ts); load a native one with createRequire and list it in MAIN_REQUIRED_EXTERNALS and electron-builder.yml asarUnpack.',
    );
  }
}

function packageName(id: string): string {
  return id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]!;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const { main, preload } = await buildElectron({ logLevel: 'info' });
  console.log(`Built ${main} and ${preload} in ${Date.now() - started} ms.`);
}
