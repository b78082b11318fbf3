/**
 * A spec's own bridge (`flowkeeper serve` in this process) over a fresh data folder, started
 * before its tests and closed, folder removed, after them; the specs in one file run in order.
 * `bridge()` is the running bridge (inside a test or hook).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '@playwright/test';
import { startBridge, type Bridge } from '../../cli/serve.ts';

export function ownBridge(name: string): () => Bridge {
  let bridge: Bridge | undefined;
  let dir: string | undefined;
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async () => {
    const staticDir = process.env.FLOWKEEPER_E2E_STATIC_DIR;
    if (!staticDir) throw new Error('FLOWKEEPER_E2E_STATIC_DIR is not set: run through playwright.config.ts (global setup).');
    dir = await mkdtemp(join(tmpdir(), `flowkeeper-${name}-e2e-`));
    bridge = await startBridge({ dataDir: join(dir, 'data'), port: 0, staticDir });
  });
  test.afterAll(async () => {
    await bridge?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!bridge) throw new Error('The bridge is not started yet: call bridge() inside a test or hook.');
    return bridge;
  };
}
