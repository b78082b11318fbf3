/** An EventSink that keeps events in memory: replays write nothing to disk. */
import type { RunEvent, RunEventBody } from '../model/events.ts';
import type { EventSink } from './trace-store.ts';

export class MemorySink implements EventSink {
  readonly events: RunEvent[] = [];
  private seq = 1;

  get lastSeq(): number {
    return this.seq - 1;
  }

  append(body: RunEventBody): RunEvent {
    const event = { seq: this.seq++, ts: new Date().toISOString(), ...body } as RunEvent;
    this.events.push(event);
    return event;
  }

  appendDurable(body: RunEventBody): Promise<RunEvent> {
    return Promise.resolve(this.append(body));
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
