/** What every CLI command gets: parsed options, output streams and an engine on the data folder. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { checkRunInput, Engine, NodeRegistry, dataDirStores, isInboxEvent, resolveDataDir, type FileTraceStore, type LoadedTrace, type RunEvent, type RunIndex } from '../engine/index.ts';
import { builtinNodes } from '../nodes/index.ts';
import type { ReferenceStore } from '../engine/handover/index.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandContext {
  values: Record<string, unknown>;
  positionals: string[];
  io: Io;
  json: boolean;
}

export { UsageError } from './usage-error.ts';
import { UsageError } from './usage-error.ts';

export const registry = new NodeRegistry(builtinNodes);

export function openEngine(ctx: CommandContext, onEvent?: (runId: string, event: RunEvent) => void): { engine: Engine; store: FileTraceStore; runIndex: RunIndex; dataDir: string; references: ReferenceStore } {
  const dataDir = resolveDataDir(ctx.values['data-dir'] as string | undefined);
  const data = dataDirStores(dataDir, { catalog: registry });
  const store = data.traces;
  const durability = ctx.values.durable === true ? 'durable' : 'buffered';
  const watch = (runId: string, event: RunEvent) => {
    // A review asked or answered here: the inbox index (kept by the app) is rebuilt from traces.
    if (isInboxEvent(event)) markInboxStale(data.layout.inbox);
    onEvent?.(runId, event);
  };
  // Credentials come from the same vault as the app's (keychain, then the documented env fallback).
  const engine = new Engine({ store, registry, durability, secrets: data.vault, onEvent: watch, reviewerGroups: () => data.settings.current.reviewerGroups ?? {}, ...(ctx.values['dev-cache'] === true ? { devCacheDir: data.devCacheDir } : {}) });
  return { engine, store, runIndex: data.runIndex, dataDir, references: data.references };
}

/** Synchronous on purpose: it happens inside the engine's event callback, before the command exits. */
function markInboxStale(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stale'), `${process.pid}\n`);
    rmSync(join(dir, 'index.json'), { force: true });
  } catch {
    /* the index is only a cache of the traces; at worst it lists an item late */
  }
}

/**
 * A command's run argument: a run id (looked up in the data folder) or a trace file's path
 * (read by the file store's explicit file method; the TraceStore itself knows ids only).
 */
export async function traceSource(store: FileTraceStore, target: string): Promise<string | LoadedTrace> {
  return isTracePath(target) ? store.loadFile(target) : target;
}

export function loadTarget(store: FileTraceStore, target: string): Promise<LoadedTrace> {
  return isTracePath(target) ? store.loadFile(target) : store.load(target);
}

function isTracePath(target: string): boolean {
  return target.endsWith('.jsonl') || target.includes('/') || target.includes('\\');
}

/** `--input '{"a":1}'` or `--input @input.json`. */
export async function readInput(raw: string | undefined): Promise<unknown> {
  if (raw === undefined) return {};
  let text = raw;
  let where = 'the --input value';
  if (raw.startsWith('@')) {
    where = raw.slice(1);
    try {
      text = await readFile(where, 'utf8');
    } catch (error) {
      throw new UsageError(`Could not read the input file ${where} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${where} is not valid JSON (${(error as Error).message}). Example: --input '{"customer":"ACME"}' or --input @input.json`);
  }
  checkRunInput(value, raw.startsWith('@') ? `The input file ${where}` : 'The --input value');
  return value;
}

/** Ctrl-C once cancels the run cleanly (recorded in the trace); twice quits at once, leaving it resumable. */
export function interruptSignal(io: Io): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses === 1) {
      io.err('Cancelling… steps in progress finish, nothing new starts. Press Ctrl-C again to quit at once instead: the run then stays unfinished and "flowkeeper resume" continues it.');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
