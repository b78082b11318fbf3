// Lint: TypeScript rules plus the dependency rule of docs/architecture.md as import zones,
// so a wrong import fails `npm test`, not a review.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const zones = [
  { target: './engine/model', from: ['./engine', './nodes', './cli', './electron', './renderer'], except: ['./model'], message: 'engine/model imports nothing of the repo outside itself.' },
  { target: './engine', from: ['./nodes', './cli', './electron', './renderer'], message: 'The engine never imports node types or doors: they are injected.' },
  { target: './nodes', from: ['./engine'], except: ['./model'], message: 'Node types may import only the node kit (engine/model).' },
  { target: './nodes', from: ['./cli', './electron', './renderer'], message: 'Node types may import only the node kit (engine/model).' },
  { target: './cli', from: ['./electron', './renderer'], message: 'The CLI does not import the desktop app or the renderer.' },
  { target: './renderer', from: ['./engine', './nodes', './cli', './electron'], except: ['./model'], message: 'The renderer talks only to engine/model (the API contract).' },
  { target: './electron', from: ['./cli', './renderer'], message: 'The desktop shell uses the engine and the nodes, never the CLI or the renderer sources.' },
  // The sandboxed preload runs without Node and is bundled whole: only the contract and the channel names.
  { target: ['./electron/preload.ts', './electron/preload-api.ts'], from: ['./engine'], except: ['./model/contract.ts'], message: 'The preload may import only engine/model/contract.ts (and electron/channels.ts).' },
  { target: ['./electron/preload.ts', './electron/preload-api.ts'], from: ['./nodes', './cli', './renderer'], message: 'The preload may import only engine/model/contract.ts (and electron/channels.ts).' },
  { target: ['./electron/preload.ts', './electron/preload-api.ts'], from: ['./electron'], except: ['./channels.ts', './preload-api.ts'], message: 'The preload may import only engine/model/contract.ts (and electron/channels.ts).' },
];

// Outside engine/trace/ only its public face: the store interface and what it takes and throws.
// The reader, writer, lock and sinks are file-store details a database store will not have.
const traceZone = {
  target: './',
  from: './engine/trace',
  except: ['./index.ts', './trace-store.ts'],
  message: 'Outside engine/trace/, import the trace store through engine/trace/index.ts (or trace-store.ts), not its reader, writer, redactor, lock or sinks.',
};

// Node types stay replayable: the network only through ctx.http / ctx.external, the clock and
// randomness only through ctx.now() / ctx.random(), because those are recorded in the trace.
const networkModules = ['node:http', 'node:https', 'node:http2', 'node:net', 'node:tls', 'node:dgram', 'http', 'https', 'http2', 'net', 'tls', 'dgram', 'undici'];
const askCtxClock = 'Node types read the clock with ctx.now() (recorded, so replay agrees), not directly.';
const askCtxRandom = 'Node types draw random numbers with ctx.random() (recorded, so replay agrees), not directly.';
const askCtxNetwork = 'Node types call the network only through ctx.http / ctx.external (recorded and replayable).';

// The engine runs in the CLI, the web bridge and tests as well as the desktop app: no UI libraries.
const uiModules = ['electron', 'electron/*', 'react', 'react/*', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*'];
const noUiInEngine = { group: uiModules, message: 'The engine runs without the desktop app and the renderer: no electron, react or zustand.' };

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'url', 'util', 'stream', 'events', 'worker_threads'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'scratch/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
  {
    // Every file outside engine/trace/ (and its tests) also keeps off the trace internals.
    ignores: ['engine/trace/**', 'test/engine/trace/**'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: [...zones, traceZone] }] },
  },
  {
    files: ['engine/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noUiInEngine] }] },
  },
  {
    files: ['engine/model/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noUiInEngine, { group: nodeBuiltins, message: 'engine/model and the renderer run without Node: no node:* imports.' }] }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: nodeBuiltins, message: 'engine/model and the renderer run without Node: no node:* imports.' }] }],
    },
  },
  {
    files: ['nodes/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: networkModules, message: askCtxNetwork }] }],
      'no-restricted-globals': ['error', { name: 'fetch', message: askCtxNetwork }, { name: 'XMLHttpRequest', message: askCtxNetwork }, { name: 'WebSocket', message: askCtxNetwork }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: askCtxClock },
        { object: 'performance', property: 'now', message: askCtxClock },
        { object: 'Math', property: 'random', message: askCtxRandom },
        { object: 'crypto', property: 'randomUUID', message: askCtxRandom },
        { object: 'crypto', property: 'getRandomValues', message: askCtxRandom },
        { object: 'globalThis', property: 'fetch', message: askCtxNetwork },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: askCtxClock },
        { selector: "CallExpression[callee.name='Date']", message: askCtxClock },
      ],
    },
  },
  {
    files: ['electron/preload.ts', 'electron/preload-api.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: nodeBuiltins, message: 'The preload runs sandboxed: no node:* imports.' }] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
