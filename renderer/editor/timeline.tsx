/**
 * Time travel: a slider over the events of a past run. Each position shows the canvas as the run
 * stood after that event (the run-state reducer over that prefix of the trace). Arrow keys step
 * one event; Home/End jump to the start or the end.
 */
import type { RunEvent } from '../../engine/model/events.ts';
import { useRunView } from './run-view-store.ts';
import { useEditor } from './editor-store.ts';

export function Timeline() {
  const events = useRunView((s) => s.events);
  const cursor = useRunView((s) => s.cursor);
  const seek = useRunView((s) => s.seek);
  const names = useEditor((s) => s.flow?.nodes);
  const nameOf = (id: string) => names?.find((n) => n.id === id)?.name || id;
  const current = cursor > 0 ? events[cursor - 1] : undefined;
  return (
    <div className="time-travel" data-testid="timeline">
      <button type="button" className="button button-small" onClick={() => seek(cursor - 1)} disabled={cursor <= 0} aria-label="One step back">
        ◀
      </button>
      <input
        type="range"
        className="time-travel-range"
        min={0}
        max={events.length}
        step={1}
        value={cursor}
        onChange={(e) => seek(Number(e.target.value))}
        aria-label="Moment in the run"
        aria-valuetext={`Step ${cursor} of ${events.length}: ${current ? describe(current, nameOf) : 'before the start'}`}
      />
      <button type="button" className="button button-small" onClick={() => seek(cursor + 1)} disabled={cursor >= events.length} aria-label="One step forward">
        ▶
      </button>
      <span className="time-travel-label" aria-live="polite" data-testid="timeline-label">
        {cursor} / {events.length} · {current ? describe(current, nameOf) : 'Before the start'}
      </span>
    </div>
  );
}

/** One event in plain words. */
export function describe(e: RunEvent, nameOf: (id: string) => string): string {
  switch (e.type) {
    case 'run.started':
      return 'The run started';
    case 'run.resumed':
      return 'The run continued after an interruption';
    case 'node.started':
      return `“${nameOf(e.nodeId)}” started`;
    case 'node.succeeded':
      if (e.pinnedFrom) return `“${nameOf(e.nodeId)}” did not run: it used pinned test data`;
      return e.reusedFrom ? `“${nameOf(e.nodeId)}” reused its earlier result` : `“${nameOf(e.nodeId)}” finished`;
    case 'node.failed':
      return `“${nameOf(e.nodeId)}” failed: ${e.error.message}`;
    case 'node.retrying':
      return `“${nameOf(e.nodeId)}” will try again`;
    case 'item.retrying':
      return `“${nameOf(e.nodeId)}” retries item ${e.itemIndex + 1}`;
    case 'node.skipped':
      return `“${nameOf(e.nodeId)}” was skipped`;
    case 'node.log':
      return `“${nameOf(e.nodeId)}”: ${e.message}`;
    case 'external.intent':
      return `“${nameOf(e.nodeId)}” is calling out (${e.kind})`;
    case 'external.result':
      return `“${nameOf(e.nodeId)}” got an answer (${e.kind})`;
    case 'run.needs-attention':
      return `The run needs a decision at “${nameOf(e.nodeId)}”`;
    case 'run.attention-resolved':
      return `${e.by} chose “${e.choice}”`;
    case 'run.finished':
      return e.status === 'succeeded' ? 'The run finished' : e.status === 'failed' ? 'The run failed' : 'The run was stopped';
    default:
      return 'Something happened';
  }
}
