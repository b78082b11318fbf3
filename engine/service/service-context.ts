/** What every handler file receives: the stores, the queue, the events. Built once by createService. */
import type { DataDir } from '../storage/open-data-dir.ts';
import type { NodeRegistry } from '../runner/registry.ts';
import type { RunQueue } from '../queue/run-queue.ts';
import type { EventHub } from './event-hub.ts';
import type { RunProjections } from './run-projections.ts';
import type { TriggerHost } from '../triggers/trigger-host.ts';
import type { InboxIndex } from '../inbox/inbox-index.ts';
import type { Clock } from '../clock.ts';
import type { Alerts } from '../alerts/alerts.ts';
import type { DriftChecks } from '../drift/drift-checks.ts';

export interface ServiceContext {
  data: DataDir;
  registry: NodeRegistry;
  queue: RunQueue;
  hub: EventHub;
  projections: RunProjections;
  /** Active flows' triggers: told about saves and deletes (engine/triggers/trigger-host.ts). */
  triggers: TriggerHost;
  /** Where the flow templates live (`flows.templates`). */
  templatesDir: string;
  /** Open review items (inbox.list without reading traces). */
  inbox: InboxIndex;
  /** The service's clock (the engine's too): due times, timers. */
  clock: Clock;
  /** Grouped alerts and their deliveries (alerts.*). */
  alerts: Alerts;
  /** Drift checks and their schedule (drift.*; told when references change). */
  drift: DriftChecks;
}
