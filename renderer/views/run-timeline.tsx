/**
 * A run's timeline: what happened, in order, in sentences (renderer/logic/timeline.ts), timed on
 * the same clock as the header's "Took".
 */
import { useMemo, useState } from 'react';
import type { RunDetail } from '../../engine/model/contract.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { formatDuration, formatElapsed, formatTimestamp } from '../logic/format.ts';
import { buildTimeline, nodeNames } from '../logic/timeline.ts';
import { useRun } from '../stores/run-store.ts';
import { OutsideCalls } from './run-outside-calls.tsx';

export function RunTimeline({ run }: { run: RunDetail }) {
  const events = useRun((s) => s.events);
  const hasMore = useRun((s) => s.hasMoreEvents);
  const eventsError = useRun((s) => s.eventsError);
  const loadEvents = useRun((s) => s.loadEvents);
  const [verbose, setVerbose] = useState(false);
  const names = useMemo(() => nodeNames(run.flow), [run.flow]);
  const entries = useMemo(() => buildTimeline(events, names, { startedAt: run.createdAt }), [events, names, run.createdAt]);

  return (
    <>
      <div className="section-head">
        <h2 className="section-title">Timeline</h2>
        <label className="check check-small">
          <input type="checkbox" checked={verbose} onChange={(e) => setVerbose(e.target.checked)} />
          Show every outside call
        </label>
      </div>
      {eventsError ? <ErrorBox error={eventsError} onRetry={() => void loadEvents()} /> : null}
      {entries.length === 0 && !eventsError ? (
        <EmptyState title="Nothing recorded yet">
          <p>The timeline fills in as the run goes.</p>
        </EmptyState>
      ) : (
        <ol className="timeline" aria-label="What happened, in order">
          {entries.map((entry) => (
            <li key={entry.seq} className={`timeline-entry tone-${entry.tone}`}>
              <span className="timeline-dot" aria-hidden="true" />
              <time className="timeline-time" dateTime={entry.ts} title={`${formatTimestamp(entry.ts)}: ${formatDuration(entry.elapsedMs) || '0 ms'} after the start`}>
                {formatElapsed(entry.elapsedMs)}
              </time>
              <div className="timeline-text">
                <div>
                  {entry.text}
                  {entry.note ? <span className="timeline-note nowrap"> · {entry.note}</span> : null}
                </div>
                {entry.detail ? <div className="timeline-detail">{entry.detail}</div> : null}
              </div>
            </li>
          ))}
        </ol>
      )}
      {verbose ? <OutsideCalls events={events} names={names} /> : null}
      {hasMore ? (
        <button type="button" className="button button-small" onClick={() => void loadEvents()}>
          Show more
        </button>
      ) : null}
    </>
  );
}
