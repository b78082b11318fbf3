/**
 * Opens a data folder: the one place that builds the stores on it. The service, the CLI and the
 * desktop app receive these stores; nothing else constructs its own from a path.
 *
 * May import: the stores (`engine/trace`, `engine/flow-store`, `engine/vault`), `node:*`.
 */
import { mkdir } from 'node:fs/promises';
import type { NodeCatalog } from '../model/validate.ts';
import { FlowStore } from '../flow-store.ts';
import { FileTraceStore, RunIndex } from '../trace/index.ts';
import { OsKeychain, Vault, type KeychainBackend } from '../vault.ts';
import { dataDirLayout, type DataDirLayout } from './layout.ts';
import { SettingsStore } from './settings-store.ts';
import { PinStore } from '../pins.ts';
import { ReferenceStore } from '../handover/reference-store.ts';

export interface DataDirOptions {
  /** Node types, so saved flows are checked against what can run. */
  catalog: NodeCatalog;
  keychain?: KeychainBackend;
  env?: NodeJS.ProcessEnv;
  /** The service's clock, for OAuth2 token expiry (a fake one in tests). */
  now?: () => number;
}

export interface DataDir {
  layout: DataDirLayout;
  traces: FileTraceStore;
  /** Run summaries derived from the traces (kept up to date by every process writing runs here). */
  runIndex: RunIndex;
  flows: FlowStore;
  vault: Vault;
  settings: SettingsStore;
  /** Pinned test data per flow (editor test runs only). */
  pins: PinStore;
  /** Reference runs per flow (imported with a hand-over bundle; acceptance replay, demo mode, drift checks). */
  references: ReferenceStore;
  /** The development cache folder (used only when the setting or `--dev-cache` asks for it). */
  devCacheDir: string;
}

/** Builds the stores without touching the disk (the CLI opens a data folder per command). */
export function dataDirStores(dir: string, options: DataDirOptions): DataDir {
  const layout = dataDirLayout(dir);
  const traces = new FileTraceStore(layout);
  return {
    layout,
    traces,
    runIndex: new RunIndex(traces, { journal: layout.runIndex }),
    flows: new FlowStore(layout, options.catalog),
    vault: new Vault(layout, options.keychain ?? new OsKeychain(), options.env, options.now ? { now: options.now } : {}),
    settings: new SettingsStore(layout.settings),
    pins: new PinStore(layout.pins),
    references: new ReferenceStore(layout.references),
    devCacheDir: layout.cache,
  };
}

/** Creates the folder if needed and reads the settings once, so a damaged file is reported early. */
export async function openDataDir(dir: string, options: DataDirOptions): Promise<DataDir> {
  const data = dataDirStores(dir, options);
  await mkdir(data.layout.root, { recursive: true });
  await data.settings.read();
  return data;
}
