/**
 * fsync counting: a diagnostic wrapper around FileHandle.prototype.{datasync,sync}. One increment
 * per call; it does not change what the engine does. Installed once by the runner.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export const syncCalls = { datasync: 0, fsync: 0 };

export function syncCount(): number {
  return syncCalls.datasync + syncCalls.fsync;
}

let installed = false;

export async function installSyncCounter(dir: string): Promise<void> {
  if (installed) return;
  installed = true;
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as Pick<FileHandle, 'datasync' | 'sync'>;
  await probe.close();
  const { datasync, sync } = proto;
  proto.datasync = function (this: FileHandle) {
    syncCalls.datasync++;
    return datasync.call(this);
  };
  proto.sync = function (this: FileHandle) {
    syncCalls.fsync++;
    return sync.call(this);
  };
}
