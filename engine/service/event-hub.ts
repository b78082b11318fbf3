/**
 * The service's events: run events as the engine writes them (secrets already redacted) and
 * "something changed" notices (runs.changed, flows.changed) for lists. Every door subscribes here.
 */
import type { ApiEvent } from '../model/contract.ts';
import type { RunEvent } from '../model/events.ts';

export class EventHub {
  private readonly listeners = new Set<(event: ApiEvent) => void>();

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ApiEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        /* a broken subscriber must not break the run */
      }
    }
  }

  /** A run event from the engine, plus the list notice it implies. */
  runEvent(runId: string, event: RunEvent): void {
    this.emit({ type: 'run.event', runId, event });
    if (event.type === 'run.started' || event.type === 'run.resumed') this.emit({ type: 'runs.changed', runId, status: 'running' });
    if (event.type === 'run.needs-attention') this.emit({ type: 'runs.changed', runId, status: 'needs-attention' });
    if (event.type === 'run.paused') this.emit({ type: 'runs.changed', runId, status: 'paused' });
    if (event.type === 'run.finished') this.emit({ type: 'runs.changed', runId, status: event.status });
  }

  clear(): void {
    this.listeners.clear();
  }
}
