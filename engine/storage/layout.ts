/**
 * The data folder's layout, written down once. Only `engine/storage/` decides where things live;
 * the stores receive the paths they need and never join folder names of their own.
 *
 *   <data>/flows/<id>.json                    latest version of each saved flow
 *   <data>/flows/history/<id>/v<N>.json       every saved version
 *   <data>/runs/<runId>.jsonl, .lock          one trace per run, its owner's lock
 *   <data>/blobs/<ab>/<sha256>.json           large payloads, content-addressed
 *   <data>/quarantine/                        damaged traces, moved aside with a note
 *   <data>/run-index.jsonl                    derived run summaries (rebuilt from runs/ when lost)
 *   <data>/cache/                             opt-in development cache (AI answers)
 *   <data>/inbox/index.json, in-use           the inbox index (derived from traces, rebuildable), its in-use marker
 *   <data>/credentials.json                   credential metadata (values: OS keychain)
 *   <data>/settings.json                      app settings
 *   <data>/triggers/active.json               which flows are switched on (not in the flow file)
 *   <data>/triggers/intake.jsonl              trigger events, fsynced before a run starts (journal)
 *   <data>/triggers/state/<flow>/<node>.json  each trigger's durable state (last fire, positions)
 *   <data>/triggers/host.lock                 the one process that runs triggers on this folder
 *   <data>/pins/<flowId>.json                 pinned test data of a flow (engine/pins.ts)
 *   <data>/alerts/outbox.jsonl                messages to send and every attempt (engine/alerts/outbox.ts)
 *   <data>/alerts/alerts.json                 open and recent alerts, mutes, snoozes (engine/alerts/alerts.ts)
 *   <data>/alerts/owner.lock                  the one process that keeps the alerts on this folder
 *   <data>/references/<flowId>/<runId>.json   reference runs of a flow (imported from a hand-over bundle; engine/handover/reference-store.ts)
 *   <data>/drift/<flowId>.json                the last drift checks of a flow and its schedule's bookkeeping (engine/drift/drift-store.ts)
 *
 * May import: `node:path` only.
 */
import { join, resolve } from 'node:path';

export interface DataDirLayout {
  root: string;
  flows: string;
  flowHistory: string;
  runs: string;
  blobs: string;
  quarantine: string;
  runIndex: string;
  cache: string;
  inbox: string;
  credentials: string;
  settings: string;
  triggers: string;
  pins: string;
  alerts: string;
  references: string;
  drift: string;
}

/** Where each store keeps its files inside a data folder. */
export function dataDirLayout(dir: string): DataDirLayout {
  const root = resolve(dir);
  return {
    root,
    flows: join(root, 'flows'),
    flowHistory: join(root, 'flows', 'history'),
    runs: join(root, 'runs'),
    blobs: join(root, 'blobs'),
    quarantine: join(root, 'quarantine'),
    runIndex: join(root, 'run-index.jsonl'),
    cache: join(root, 'cache'),
    inbox: join(root, 'inbox'),
    credentials: join(root, 'credentials.json'),
    settings: join(root, 'settings.json'),
    triggers: join(root, 'triggers'),
    pins: join(root, 'pins'),
    alerts: join(root, 'alerts'),
    references: join(root, 'references'),
    drift: join(root, 'drift'),
  };
}

/** The trace store's part of the layout. */
export type TraceLayout = Pick<DataDirLayout, 'runs' | 'blobs' | 'quarantine'>;
/** The flow store's part of the layout. */
export type FlowLayout = Pick<DataDirLayout, 'flows' | 'flowHistory'>;
