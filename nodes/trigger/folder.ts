/**
 * On a new file in a folder: while the flow is switched on, watches a folder (chokidar) and starts
 * the flow once per new or changed file, after the file has stopped changing (awaitWriteFinish).
 *
 * What was taken is kept in the trigger's durable state, per file: its content hash and a change
 * counter. A file whose content hash is the one already taken starts nothing (rewritten with the
 * same content, touched, or seen again at a restart); a file that appeared or changed while
 * Flowkeeper was closed is picked up once by the scan at start. Each event is emitted with the
 * dedupe key `<file>#<change number>:<hash>` before the state is advanced, so a crash between the
 * durable intake and the state write re-emits the same key at the next start, which the host
 * answers as a duplicate: no event is lost and none starts twice. The counter (not the hash
 * alone) is in the key so that content changed back to an earlier version is a new event.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, isAbsolute, matchesGlob, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { z } from 'zod';
import { defineNode, field, type Item, type TriggerContext, type TriggerEmit } from '../../engine/model/index.ts';

/** Files remembered; deleted files' entries (kept so a re-created file counts as new) are dropped first above this. */
const FILES_LIMIT = 20_000;

const Config = z
  .object({
    folder: field(z.string().min(1, 'Choose the folder to watch.').max(4000), {
      title: 'Folder',
      description: 'The folder to watch, as a full path (e.g. /home/anna/incoming or C:\\Incoming).',
      placeholder: '/home/anna/incoming',
      widget: 'plain',
    }),
    pattern: field(z.string().max(200).default(''), {
      title: 'File names',
      description: 'Only files whose name matches, e.g. *.csv or invoice-*.pdf, or *.{csv,xlsx} for several; empty for every file.',
      placeholder: '*.csv',
      widget: 'plain',
    }),
    subfolders: field(z.boolean().default(false), { title: 'Include sub-folders', description: 'Also watch the folders inside it, at any depth.' }),
    on: field(z.enum(['added-or-changed', 'added']).default('added-or-changed'), {
      title: 'Start for',
      description: 'New files and files whose content changed, or new files only.',
      optionLabels: { 'added-or-changed': 'New and changed files', added: 'New files only' },
    }),
    content: field(z.enum(['text', 'none']).default('text'), {
      title: 'File content',
      description: 'Put the text of small text files into the item (as "text"), or only the file details; later steps can still read the file.',
      optionLabels: { text: 'Include the text of small text files', none: 'Only name, size and time' },
    }),
    maxTextKb: field(z.number().int().min(1).max(10 * 1024).default(256), {
      title: 'Largest text (KB)',
      description: 'Text files larger than this come without their text (the item says so).',
      showWhen: { field: 'content', is: ['text'] },
      advanced: true,
    }),
    existing: field(z.enum(['remember', 'start']).default('remember'), {
      title: 'Files already there',
      description: 'When the flow is first switched on: only remember the files already in the folder, or start for each of them too.',
      optionLabels: { remember: 'Only remember them', start: 'Start for them too' },
      advanced: true,
    }),
    settleMs: field(z.number().int().min(50).max(10 * 60_000).default(2000), {
      title: 'Wait until unchanged (ms)',
      description: 'A file counts as written once its size has not changed for this long, e.g. 2000 for two seconds; raise it for slow copies.',
      advanced: true,
    }),
  })
  .strict();
type FolderConfig = z.infer<typeof Config>;

/** One remembered file: its content hash (null once deleted) and how many changes were taken. */
interface FileState {
  hash: string | null;
  n: number;
}
type Files = Record<string, FileState>;

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The text of a UTF-8 text file, or why it is left out. */
async function textOf(path: string, size: number, maxBytes: number): Promise<{ text: string } | { textLeftOut: string }> {
  if (size > maxBytes) return { textLeftOut: `larger than ${Math.round(maxBytes / 1024)} KB` };
  const bytes = await readFile(path);
  if (bytes.includes(0)) return { textLeftOut: 'not a text file' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { textLeftOut: 'not a text file' };
  }
}

async function subscribe(ctx: TriggerContext<FolderConfig>, emit: TriggerEmit) {
  const { config } = ctx;
  const root = config.folder;
  if (!isAbsolute(root)) throw new Error(`The folder "${root}" is not a full path. Pick the folder again; it must start at the drive or at / (e.g. /home/anna/incoming).`);
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new Error(`The folder "${root}" does not exist. Create it or pick another folder.`);
  }
  if (!info.isDirectory()) throw new Error(`"${root}" is a file, not a folder. Pick the folder that holds the files.`);

  const stored = ctx.state.get<Files>('files');
  /** First time switched on (nothing remembered yet) and told to only remember what is there. */
  let remembering = stored === undefined && config.existing === 'remember';
  let files: Files = { ...(stored ?? {}) };
  const seenInScan = new Set<string>();
  let ready = false;
  let stopped = false;
  /** Events are handled one at a time, in the order they came (state writes stay ordered). */
  let queue: Promise<void> = Promise.resolve();

  const relName = (path: string) => relative(root, path).split(sep).join('/');
  const matches = (rel: string) => {
    if (config.pattern === '') return true;
    // A pattern with a "/" is matched against the path inside the folder, otherwise the name.
    return config.pattern.includes('/') ? matchesGlob(rel, config.pattern) : matchesGlob(basename(rel), config.pattern);
  };

  const save = async () => {
    const entries = Object.entries(files);
    if (entries.length > FILES_LIMIT) {
      let drop = entries.length - FILES_LIMIT;
      for (const [rel, s] of entries) {
        if (drop === 0) break;
        if (s.hash === null) {
          delete files[rel];
          drop--;
        }
      }
    }
    await ctx.state.set('files', files);
  };

  const handle = async (path: string) => {
    const rel = relName(path);
    if (!matches(rel)) return;
    if (!ready) seenInScan.add(rel);
    let size: number;
    let modified: Date;
    let hash: string;
    try {
      const s = await stat(path);
      if (!s.isFile()) return;
      size = s.size;
      modified = s.mtime;
      hash = await hashFile(path);
    } catch (error) {
      // Gone again before it could be read (a temporary file): nothing to start.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`The file "${rel}" cannot be read: ${(error as Error).message}`);
    }
    const before = files[rel];
    if (before?.hash === hash) {
      if (ready) ctx.log.info(`"${rel}" was written with the same content as before; nothing started.`);
      return;
    }
    const change = (before?.n ?? 0) + 1;
    const isNew = before === undefined || before.hash === null;
    if (remembering || (!isNew && config.on === 'added')) {
      files = { ...files, [rel]: { hash, n: change } };
      if (ready) {
        await save();
        ctx.log.info(`"${rel}" changed; nothing started (this trigger starts for new files only).`);
      }
      return;
    }
    ctx.heartbeat();
    const item: Item = {
      path,
      relativePath: rel,
      name: basename(path),
      folder: root,
      size,
      modifiedAt: modified.toISOString(),
      event: isNew ? 'added' : 'changed',
      hash,
      ...(config.content === 'text' ? await textOf(path, size, config.maxTextKb * 1024) : {}),
    };
    // Durable first; only then is the file marked as taken (see the header).
    await emit([item], { dedupeKey: `${rel}#${change}:${hash}` });
    files = { ...files, [rel]: { hash, n: change } };
    await save();
  };

  const enqueue = (what: () => Promise<void>) => {
    queue = queue.then(async () => {
      if (stopped) return;
      try {
        await what();
      } catch (error) {
        if (!stopped) ctx.reportError(`${(error as Error).message} It is tried again when the file changes or Flowkeeper starts again.`);
      }
    });
  };

  const watcher: FSWatcher = watch(root, {
    ignoreInitial: false,
    ...(config.subfolders ? {} : { depth: 0 }),
    awaitWriteFinish: { stabilityThreshold: config.settleMs, pollInterval: Math.min(100, Math.max(10, Math.floor(config.settleMs / 4))) },
    // Hidden files and office lock files ("~$report.docx") are not documents.
    ignored: (path: string) => path !== root && /(^|[\\/])(\.|~\$)[^\\/]*$/.test(path),
  });
  watcher.on('add', (path) => enqueue(() => handle(path)));
  watcher.on('change', (path) => enqueue(() => handle(path)));
  watcher.on('unlink', (path) =>
    enqueue(async () => {
      const rel = relName(path);
      const before = files[rel];
      if (!before || before.hash === null) return;
      files = { ...files, [rel]: { hash: null, n: before.n } };
      await save();
    }),
  );
  watcher.on('error', (error) => {
    if (!stopped) ctx.reportError(`Watching "${root}" failed: ${(error as Error).message}`);
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  // After the scan: files remembered but no longer there were deleted while Flowkeeper was closed.
  enqueue(async () => {
    ready = true;
    for (const [rel, s] of Object.entries(files)) if (s.hash !== null && !seenInScan.has(rel)) files = { ...files, [rel]: { hash: null, n: s.n } };
    const first = remembering;
    remembering = false;
    await save();
    const count = Object.values(files).filter((s) => s.hash !== null).length;
    ctx.log.info(first ? `Watching ${root}; remembered ${count} file(s) already there.` : `Watching ${root} (${count} file(s) known).`);
  });
  await queue;

  return async () => {
    stopped = true;
    await watcher.close();
    await queue;
  };
}

export default defineNode({
  type: 'trigger.folder',
  version: 1,
  title: 'On a new file in a folder',
  category: 'trigger',
  icon: 'folder',
  description: 'While the flow is switched on, starts it once for every new or changed file in a folder, after the file has finished being written.',
  config: Config,
  inputs: [],
  outputs: ['out'],
  effects: 'pure',
  trigger: true,
  subscribe,
  // The file's details ({ path, name, size, modifiedAt, event, hash, text? }) are the run input.
  async run({ items }) {
    return { out: items };
  },
});
