/**
 * End-to-end tests: the real renderer, built with the top-level vite.config.ts, served by the real
 * web bridge (cli/serve.ts) over a temporary data folder, driven in Debian's Chromium.
 * `npm run test:e2e`. The global setup builds, seeds and starts everything; see test/e2e/README.md.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './test/e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/e2e/global-setup.ts',
  outputDir: './test-results/e2e',
  // One bridge, one browser: the tests share a data folder, and CI machines have two cores.
  workers: 1,
  fullyParallel: false,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [
    ['list'],
    ...(process.env.CI ? [['html', { open: 'never', outputFolder: './test-results/e2e-report' }] as const] : []),
    // CI adds the browser tests to its plain "N passed, N failed" line.
    ...(process.env.FLOWKEEPER_E2E_REPORT ? [['json', { outputFile: process.env.FLOWKEEPER_E2E_REPORT }] as const] : []),
  ],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
});
