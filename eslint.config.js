// Lint: TypeScript rules plus the dependency rule of docs/architecture.md as import zones,
// so a wrong import fails `npm test`, not a review.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

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
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
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
          ],
        },
      ],
    },
  },
  {
    files: ['engine/model/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: nodeBuiltins, message: 'engine/model and the renderer run without Node: no node:* imports.' }] }],
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
