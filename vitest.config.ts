import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Crash and server tests start child processes; two cores on CI machines.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI asks for a JSON report too, to print a plain "N passed, N failed" line.
    reporters: process.env.FLOWKEEPER_TEST_REPORT ? ['default', 'json'] : ['default'],
    ...(process.env.FLOWKEEPER_TEST_REPORT ? { outputFile: { json: process.env.FLOWKEEPER_TEST_REPORT } } : {}),
  },
});
