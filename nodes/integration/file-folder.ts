/**
 * Shared by the file steps (`file.read`, `file.write`): the folder the user picked, a path inside
 * it, and the file formats. A path can never leave the folder: absolute paths and `..` that climb
 * out are refused, and so is a symbolic link pointing outside (checked on the real path).
 */
import { realpath } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { NodeError, field } from '../../engine/model/index.ts';

export const FORMATS = ['auto', 'csv', 'json', 'jsonl'] as const;
export type FileFormat = Exclude<(typeof FORMATS)[number], 'auto'>;

export const folderField = () =>
  field(z.string().min(1).max(4000), {
    title: 'Folder',
    description: 'The folder this step may read and write in, as a full path (e.g. /home/anna/exports or C:\\Exports). Files outside it can never be touched.',
    placeholder: '/home/anna/exports',
    widget: 'plain',
  });

export const pathField = () =>
  field(z.string().min(1).max(4000), {
    title: 'File',
    description: 'The file\'s path inside the folder, e.g. orders.csv or 2025/march.json; may use {{ expressions }}. It cannot leave the folder.',
    placeholder: 'orders.csv',
  });

export const formatField = () =>
  field(z.enum(FORMATS).default('auto'), {
    title: 'Format',
    description: 'CSV (a table, one row per item), JSON (a list of items) or JSON Lines (one item per line). Automatic goes by the file name\'s ending.',
    optionLabels: { auto: 'Automatic (by the file name)', csv: 'CSV table', json: 'JSON list', jsonl: 'JSON Lines' },
  });

export const delimiterField = () =>
  field(z.string().min(1).max(1).default(','), {
    title: 'Column separator (CSV)',
    description: 'The character between columns: a comma, or ; as many European spreadsheets use, or a tab.',
    placeholder: ',',
    widget: 'plain',
    showWhen: { field: 'format', is: ['auto', 'csv'] },
    advanced: true,
  });

export function formatOf(format: (typeof FORMATS)[number], path: string): FileFormat {
  if (format !== 'auto') return format;
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  throw new NodeError({
    message: `Flowkeeper cannot tell the format of "${path}" from its name.`,
    code: 'CONFIG',
    retryable: false,
    hint: 'Name the file .csv, .json or .jsonl, or choose the format on the step.',
  });
}

function outside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/** The checked path of `file` inside `folder` (the folder must exist). */
export async function pathInside(folder: string, file: string): Promise<{ root: string; target: string }> {
  if (!isAbsolute(folder)) {
    throw new NodeError({ message: `The folder "${folder}" is not a full path.`, code: 'CONFIG', retryable: false, hint: 'Pick the folder again; it must start at the drive or at / (e.g. /home/anna/exports).' });
  }
  let root: string;
  try {
    root = await realpath(folder);
  } catch {
    throw new NodeError({ message: `The folder "${folder}" does not exist.`, code: 'FILE_NOT_FOUND', retryable: false, hint: 'Create the folder or pick another one.' });
  }
  if (isAbsolute(file) || /^[A-Za-z]:[\\/]/.test(file)) {
    throw new NodeError({ message: `"${file}" is a full path; the file must be given relative to the folder.`, code: 'CONFIG', retryable: false, hint: `Write the path inside "${folder}", e.g. orders.csv.` });
  }
  const target = resolve(root, file);
  if (outside(root, target)) {
    throw new NodeError({ message: `"${file}" leads outside the folder "${folder}", which this step may not do.`, code: 'PATH_OUTSIDE_FOLDER', retryable: false, hint: 'Remove ".." from the path, or pick a folder that contains the file.' });
  }
  return { root, target };
}

/** After the fact: the real path of what exists at `path` (following links) must be in the folder. */
export async function checkRealPath(root: string, path: string, file: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return;
  }
  if (outside(root, real) && real !== root) {
    throw new NodeError({ message: `"${file}" is a link to a place outside the folder, which this step may not use.`, code: 'PATH_OUTSIDE_FOLDER', retryable: false, hint: 'Use the real file inside the folder instead of a link.' });
  }
}

export async function checkParentInside(root: string, target: string, file: string): Promise<void> {
  await checkRealPath(root, dirname(target), file);
}

export function fileError(error: unknown, file: string, doing: 'read' | 'write'): NodeError {
  if (error instanceof NodeError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new NodeError({ message: `There is no file "${file}" in the folder.`, code: 'FILE_NOT_FOUND', retryable: false, hint: 'Check the file name, or that an earlier step created it.' });
  if (code === 'EACCES' || code === 'EPERM') return new NodeError({ message: `Flowkeeper may not ${doing} "${file}" (permission denied).`, code: 'FILE_PERMISSION', retryable: false, hint: 'Check the file\'s permissions, or pick another folder.' });
  if (code === 'EISDIR') return new NodeError({ message: `"${file}" is a folder, not a file.`, code: 'CONFIG', retryable: false, hint: 'Give the path of a file inside it.' });
  if (code === 'ENOSPC') return new NodeError({ message: `The disk is full: "${file}" could not be written.`, code: 'FILE_DISK_FULL', retryable: false, hint: 'Free some space and run again.' });
  return new NodeError({ message: `Could not ${doing} "${file}": ${(error as Error).message}`, code: 'FILE_ERROR', retryable: false });
}
