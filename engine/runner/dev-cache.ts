/**
 * The development cache on disk (opt-in: `flowkeeper run --dev-cache`, `EngineOptions.devCacheDir`):
 * while a flow is being built, a live call that carries a `cacheKey` (an AI step: model + rendered
 * prompt + settings) re-uses the answer stored under `<dir>/<kind>/<sha256(cacheKey)>.json` instead
 * of paying for it again. The call recorder decides when the cache applies (never for writes or in
 * replay) and marks a hit `cached: true` on its `external.result` line.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DevCache } from './call-recorder.ts';

export class FileDevCache implements DevCache {
  constructor(readonly dir: string) {}

  fileFor(kind: string, cacheKey: string): string {
    const hash = createHash('sha256').update(cacheKey).digest('hex');
    return join(this.dir, kind.replace(/[^a-zA-Z0-9._-]/g, '_'), `${hash}.json`);
  }

  /** The stored answer, or undefined on a miss (an unreadable entry counts as a miss). */
  async get(kind: string, cacheKey: string): Promise<unknown> {
    try {
      const entry = JSON.parse(await readFile(this.fileFor(kind, cacheKey), 'utf8')) as { result?: unknown };
      return entry.result;
    } catch {
      return undefined;
    }
  }

  /** Best effort, atomic: a cache that cannot be written only costs a second paid call later. */
  async put(kind: string, cacheKey: string, result: unknown): Promise<void> {
    if (result === undefined) return;
    const file = this.fileFor(kind, cacheKey);
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(temp, JSON.stringify({ result }));
      await rename(temp, file);
    } catch {
      // Ignored on purpose; see above.
    }
  }
}
