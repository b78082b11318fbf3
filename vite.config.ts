/**
 * Builds the renderer (renderer/index.html → dist/renderer) for the desktop app, which loads it
 * with loadFile, and for the web bridge, which serves it. `base: './'` keeps asset URLs relative,
 * so the page works from file:// and under any path. The Electron main and preload bundles are
 * built by scripts/build-electron.ts; `npm run build` does both.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  // No .env files are read into the page.
  envDir: false,
  // The desktop app's dev mode: FLOWKEEPER_DEV_SERVER_URL=http://127.0.0.1:5173 (see electron/README.md).
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
});
