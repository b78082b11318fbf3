/**
 * `flowkeeper credentials types | head -3`: the reader closes the pipe before everything is
 * written. A real process whose stdout is closed at once: no EPIPE crash with a stack trace on
 * stderr, and the command's own exit code.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/engine.ts';

const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');

describe('output to a closed pipe', () => {
  it('exits with the command\'s code and no stack trace', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const child = spawn(process.execPath, [BIN, 'credentials', 'types', '--data-dir', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
      expect(stderr).not.toContain('EPIPE');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(code).toBe(0);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
