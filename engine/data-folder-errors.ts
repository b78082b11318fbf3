/**
 * Turns file-system failures in the data folder into plain words: what went wrong, which
 * folder, what to do. Raw codes (`ENOTDIR: not a directory, mkdir …`) mean nothing to the
 * people who use Flowkeeper. Used by the CLI (exit 2) and by dispatch (the app, `serve`).
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

export type DataFolderProblem = 'DATA_FOLDER_NOT_A_FOLDER' | 'DATA_FOLDER_READ_ONLY' | 'DISK_FULL';

export class DataFolderError extends Error {
  constructor(
    readonly code: DataFolderProblem,
    message: string,
    readonly hint: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'DataFolderError';
  }
}

const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The plain-words version of a data-folder failure, or undefined when it is not one. */
export function describeDataFolderError(error: unknown): DataFolderError | undefined {
  if (error instanceof DataFolderError) return error;
  const e = error as NodeJS.ErrnoException | undefined;
  const code = e?.code;
  const path = typeof e?.path === 'string' ? e.path : undefined;
  if (!code) return undefined;
  if (FULL.has(code)) {
    return new DataFolderError(
      'DISK_FULL',
      `The disk is full${path ? ` (writing ${path})` : ''}: free some space, then start the run again (or resume it, if it had started).`,
      'Delete files you do not need on that disk, or choose a data folder on another disk with --data-dir.',
      path ?? '',
    );
  }
  if (!path) return undefined;
  if (code === 'ENOTDIR' || (code === 'EEXIST' && e?.syscall === 'mkdir')) {
    const file = firstFileOnPath(path) ?? path;
    return new DataFolderError(
      'DATA_FOLDER_NOT_A_FOLDER',
      `The data folder cannot be used: ${file} is a file, not a folder.`,
      `Move or rename that file, or choose another data folder with --data-dir (or FLOWKEEPER_DATA_DIR).`,
      file,
    );
  }
  if (READ_ONLY.has(code)) {
    return new DataFolderError(
      'DATA_FOLDER_READ_ONLY',
      `Flowkeeper may not write in the data folder: ${path} (${code === 'EROFS' ? 'the disk is read-only' : 'permission denied'}).`,
      'Give your user write access to the data folder, or choose another data folder with --data-dir (or FLOWKEEPER_DATA_DIR).',
      path,
    );
  }
  return undefined;
}

/** The first path, from the top, that exists and is not a folder (why mkdir said ENOTDIR). */
function firstFileOnPath(path: string): string | undefined {
  const chain: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of chain) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
