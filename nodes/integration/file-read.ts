/**
 * Read file (`file.read`): reads a CSV, JSON or JSON Lines file from a folder the user picked;
 * its rows (or list entries) become items. CSV is parsed with csv-parse (header row, quotes,
 * separators, a byte-order mark). Each read is one recorded `file` call whose result is the
 * items, so replay needs no file and shows what the run saw.
 */
import { readFile, stat } from 'node:fs/promises';
import type * as CsvParse from 'csv-parse/sync';
import { z } from 'zod';
import { NodeError, defineNode, field, type Item, type NodeContext } from '../../engine/model/index.ts';
import { checkRealPath, delimiterField, fileError, folderField, formatField, formatOf, pathField, pathInside, type FileFormat } from './file-folder.ts';

const Config = z
  .object({
    folder: folderField(),
    path: pathField(),
    format: formatField(),
    delimiter: delimiterField(),
    headerRow: field(z.boolean().default(true), {
      title: 'First row has the column names (CSV)',
      description: 'On: the first row names the fields of every item. Off: the fields are called col1, col2 and so on.',
      showWhen: { field: 'format', is: ['auto', 'csv'] },
    }),
    numbers: field(z.boolean().default(false), {
      title: 'Read numbers as numbers (CSV)',
      description: 'On: cells like 12.50 become numbers. Off: every cell stays text (safest for codes like 00123).',
      showWhen: { field: 'format', is: ['auto', 'csv'] },
      advanced: true,
    }),
    maxMegabytes: field(z.number().min(0.001).max(1024).default(50), {
      title: 'Largest file (MB)',
      description: 'A bigger file fails instead of filling the run history.',
      advanced: true,
    }),
  })
  .strict();
type ReadConfig = z.infer<typeof Config>;

export default defineNode({
  type: 'file.read',
  version: 1,
  title: 'Read file',
  category: 'integration',
  icon: 'file-input',
  description: 'Reads a CSV, JSON or JSON Lines file from a folder you pick; each row becomes an item.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'read',
  async run({ items, config, ctx }) {
    return ctx.forEachItem(items, async (_item, index) => {
      const file = String(await ctx.evaluate(config.path, index)).trim();
      const format = formatOf(config.format, file);
      const request = { folder: config.folder, path: file, format, ...(format === 'csv' ? { delimiter: config.delimiter, headerRow: config.headerRow, numbers: config.numbers } : {}) };
      return ctx.external<Item[]>('file', request, { itemIndex: index }, () => readItems(config, file, format, ctx));
    });
  },
});

async function readItems(config: ReadConfig, file: string, format: FileFormat, ctx: NodeContext): Promise<Item[]> {
  const { root, target } = await pathInside(config.folder, file);
  await checkRealPath(root, target, file);
  let text: string;
  try {
    const info = await stat(target);
    if (info.size > config.maxMegabytes * 1_000_000) {
      throw new NodeError({ message: `"${file}" is ${(info.size / 1_000_000).toFixed(1)} MB, more than the ${config.maxMegabytes} MB this step reads.`, code: 'FILE_TOO_LARGE', retryable: false, hint: 'Raise "Largest file", or split the file.' });
    }
    text = await readFile(target, { encoding: 'utf8', signal: ctx.signal });
  } catch (error) {
    throw fileError(error, file, 'read');
  }
  if (format === 'csv') return parseCsv(text, config, file, (await import('csv-parse/sync')).parse);
  if (format === 'jsonl') {
    return text
      .split(/\r?\n/)
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, i }) => asItem(parseJson(line, `${file}, line ${i + 1}`)));
  }
  const value = parseJson(text.replace(/^\uFEFF/, ''), file);
  return Array.isArray(value) ? value.map(asItem) : [asItem(value)];
}

/** csv-parse is loaded only when a CSV file is read: start-up and replay never pay for it. */
function parseCsv(text: string, config: ReadConfig, file: string, parse: typeof CsvParse.parse): Item[] {
  try {
    const rows = parse(text, {
      bom: true,
      delimiter: config.delimiter,
      skip_empty_lines: true,
      relax_column_count: true,
      cast: config.numbers,
      columns: config.headerRow ? (header: string[]) => header.map((name, i) => name.trim() || `col${i + 1}`) : (false as const),
    }) as Array<Record<string, unknown> | unknown[]>;
    return rows.map((row) => (Array.isArray(row) ? Object.fromEntries(row.map((v, i) => [`col${i + 1}`, v])) : row) as Item);
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new NodeError({
      message: `"${file}" is not a readable CSV file${e.lines ? ` (line ${e.lines})` : ''}: ${e.message}`,
      code: 'FILE_FORMAT',
      retryable: false,
      hint: 'Check the column separator and that quotes in the file are closed.',
    });
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new NodeError({ message: `${where} is not valid JSON: ${(error as Error).message}`, code: 'FILE_FORMAT', retryable: false, hint: 'Open the file and check it, or choose another format.' });
  }
}

function asItem(value: unknown): Item {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Item) : { value };
}
