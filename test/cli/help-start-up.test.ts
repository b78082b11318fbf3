/**
 * Issue 8 item 8: `flowkeeper --help` loads only the commands' names and help. A real process
 * with a module hook that lists every module it loads: no package (zod, jsonata, ws…) and none of
 * the engine's or the nodes' code — those load when a command runs, which the second case shows.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/engine.ts';

const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
const HOOK = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; registerHooks({ load(url, context, next) { process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); } });",
)}`;

function loaded(args: string[], cwd: string): { status: number | null; modules: string[]; stdout: string } {
  const child = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FLOWKEEPER_CLI_FROM_SOURCE: '' } });
  const modules = child.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
  return { status: child.status, modules, stdout: child.stdout };
}

describe('flowkeeper --help start-up', () => {
  it('loads no package and no engine code', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const help = loaded(['--help'], dir);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('Usage: flowkeeper <command> [options]');
      expect(help.modules.some((m) => m.endsWith('/dist/cli/main.js'))).toBe(true);
      expect(help.modules.filter((m) => m.includes('/node_modules/'))).toEqual([]);
      // The sources bundled into what it loaded (esbuild heads each with a `// path` comment).
      const sources = help.modules
        .filter((m) => m.includes('/dist/cli/'))
        .flatMap((m) => readFileSync(fileURLToPath(m), 'utf8').match(/^\/\/ \S+\.ts$/gm) ?? [])
        .map((c) => c.slice(3))
        .sort();
      expect(sources).toEqual(['cli/command-specs.ts', 'cli/default-port.ts', 'cli/main.ts', 'engine/runner/attention-choices.ts']);

      // A command that runs loads its code (here `validate` of a missing file: exit 2).
      const validate = loaded(['validate', join(dir, 'missing.json')], dir);
      expect(validate.status).toBe(2);
      expect(validate.modules.some((m) => m.includes('/node_modules/zod/'))).toBe(true);
      expect(validate.modules.some((m) => m.includes('/node_modules/ws/'))).toBe(false);
    } finally {
      await cleanup();
    }
  });
});
