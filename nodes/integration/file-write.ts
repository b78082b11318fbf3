/**
 * Write file (`file.write`): writes all incoming items into one CSV, JSON or JSON Lines file in a
 * folder the user picked, replacing it or adding to its end. CSV is written with csv-stringify
 * (quotes and separators handled); appending to a CSV keeps the existing header's column order.
 *
 * One recorded `file` call per run of the step (request: the path, mode and rows). Replacing a
 * file is written to a temporary file and renamed, so a crash never leaves half a file, and it
 * is safe to repeat (an idempotency key): a resume writes it again. Appending is not: a resume
 * after a crash mid-append asks a person, like any other write that may have happened.
 * The CSV libraries (like every connector's library) load on first use, not at start-up.
 */
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as CsvParse from 'csv-parse/sync';
import { z } from 'zod';
import { NodeError, defineNode, field, type Item } from '../../engine/model/index.ts';
import { checkParentInside, checkRealPath, delimiterField, fileError, folderField, formatField, formatOf, pathField, pathInside, type FileFormat } from './file-folder.ts';

const Config = z
  .object({
    folder: folderField(),
    path: pathField(),
    format: formatField(),
    mode: field(z.enum(['overwrite', 'append']).default('overwrite'), {
      title: 'If the file exists',
      description: 'Replace it with the items, or add the items at its end (CSV rows, JSON list entries, JSON Lines).',
      optionLabels: { overwrite: 'Replace it', append: 'Add to its end' },
    }),
    delimiter: delimiterField(),
    columns: field(
      z
        .array(field(z.string().min(1).max(200), { title: 'Column', description: 'A field of the items, written as one column.', placeholder: 'email' }))
        .max(500)
        .optional(),
      {
        title: 'Columns (CSV)',
        description: 'Which fields become columns, in this order. Left empty: every field the items have, in the order they first appear.',
        placeholder: 'email',
        widget: 'string-list',
        itemTitle: 'Column',
        showWhen: { field: 'format', is: ['auto', 'csv'] },
      },
    ),
  })
  .strict();
type WriteConfig = z.infer<typeof Config>;

interface WriteRequest {
  folder: string;
  path: string;
  format: FileFormat;
  mode: 'overwrite' | 'append';
  delimiter?: string;
  columns?: string[];
  rows: Item[];
}

export default defineNode({
  type: 'file.write',
  version: 1,
  title: 'Write file',
  category: 'integration',
  icon: 'file-output',
  description: 'Writes the items into a CSV, JSON or JSON Lines file in a folder you pick, replacing it or adding to it.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'write',
  async run({ items, config, ctx }) {
    // The path may use expressions over the first item (e.g. a date in the name).
    const file = String(await ctx.evaluate(config.path, 0)).trim();
    const format = formatOf(config.format, file);
    const request: WriteRequest = { folder: config.folder, path: file, format, mode: config.mode, rows: items };
    if (format === 'csv') {
      request.delimiter = config.delimiter;
      if (config.columns?.length) request.columns = config.columns;
    }
    const result = await ctx.external<{ path: string; format: FileFormat; mode: string; rows: number }>(
      'file',
      request,
      // Replacing a file with the same content twice is harmless; adding to it twice is not.
      { itemIndex: 0, ...(config.mode === 'overwrite' ? { idempotencyKey: `overwrite:${file}` } : {}) },
      async () => {
        await write(config, request, ctx.runId);
        return { path: file, format, mode: config.mode, rows: items.length };
      },
    );
    return { out: [result] };
  },
});

async function write(config: WriteConfig, request: WriteRequest, runId: string): Promise<void> {
  const file = request.path;
  const { root, target } = await pathInside(config.folder, file);
  try {
    await mkdir(dirname(target), { recursive: true });
    await checkParentInside(root, target, file);
    await checkRealPath(root, target, file);
    const existing = request.mode === 'append' ? await readIfExists(target) : undefined;
    if (request.format === 'jsonl') {
      const lines = request.rows.map((row) => `${JSON.stringify(row)}\n`).join('');
      if (existing !== undefined) await appendFile(target, `${existing !== '' && !existing.endsWith('\n') ? '\n' : ''}${lines}`);
      else await replace(target, lines, runId);
    } else if (request.format === 'json') {
      const list = existing !== undefined && existing.trim() !== '' ? parseExistingJson(existing, file) : [];
      await replace(target, `${JSON.stringify([...list, ...request.rows], null, 2)}\n`, runId);
    } else if (existing !== undefined && existing.trim() !== '') {
      const { stringify } = await import('csv-stringify/sync');
      const header = existingHeader(existing, request.delimiter ?? ',', file, (await import('csv-parse/sync')).parse);
      const rows = stringify(request.rows.map(cells), { delimiter: request.delimiter ?? ',', columns: header, header: false });
      await appendFile(target, `${existing.endsWith('\n') ? '' : '\n'}${rows}`);
    } else {
      const { stringify } = await import('csv-stringify/sync');
      const columns = request.columns ?? columnsOf(request.rows);
      await replace(target, stringify(request.rows.map(cells), { delimiter: request.delimiter ?? ',', columns, header: true }), runId);
    }
  } catch (error) {
    throw fileError(error, file, 'write');
  }
}

/** Written next to the target and renamed over it, so readers never see half a file. */
async function replace(target: string, text: string, runId: string): Promise<void> {
  const temp = `${target}.${runId}.flowkeeper-tmp`;
  try {
    await writeFile(temp, text, { flush: true });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function readIfExists(target: string): Promise<string | undefined> {
  try {
    return await readFile(target, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseExistingJson(text: string, file: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new NodeError({ message: `"${file}" is not valid JSON, so items cannot be added to it.`, code: 'FILE_FORMAT', retryable: false, hint: 'Fix or remove the file, or choose "Replace it".' });
  }
  if (!Array.isArray(value)) {
    throw new NodeError({ message: `"${file}" holds a single JSON value, not a list, so items cannot be added to it.`, code: 'FILE_FORMAT', retryable: false, hint: 'Choose "Replace it", or JSON Lines for a file that grows.' });
  }
  return value;
}

function existingHeader(text: string, delimiter: string, file: string, parse: typeof CsvParse.parse): string[] {
  try {
    const [header] = parse(text, { bom: true, delimiter, to_line: 1 }) as string[][];
    if (header && header.length > 0) return header;
  } catch {
    // Falls through to the message below.
  }
  throw new NodeError({ message: `The first row of "${file}" is not a readable CSV header, so rows cannot be added to it.`, code: 'FILE_FORMAT', retryable: false, hint: 'Check the column separator, or choose "Replace it".' });
}

/** Every field of the items, in the order they first appear. */
function columnsOf(rows: readonly Item[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** CSV cells are text: nested values as JSON, nothing for null. */
function cells(row: Item): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}
