/**
 * Every outside call of a run, grouped by step and item, with a step filter, "failed only" and
 * paging by items (renderer/logic/outside-calls.ts does the grouping).
 */
import { useId, useMemo, useState } from 'react';
import type { RunEvent } from '../../engine/model/events.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { plural } from '../logic/format.ts';
import { firstItems, groupCalls } from '../logic/outside-calls.ts';

const ITEMS_PER_PAGE = 25;

export function OutsideCalls({ events, names }: { events: readonly RunEvent[]; names: ReadonlyMap<string, string> }) {
  const [nodeId, setNodeId] = useState('');
  const [onlyFailed, setOnlyFailed] = useState(false);
  const [limit, setLimit] = useState(ITEMS_PER_PAGE);
  const stepFilterId = useId();
  const all = useMemo(() => groupCalls(events, names), [events, names]);
  const grouped = useMemo(() => groupCalls(events, names, { ...(nodeId ? { nodeId } : {}), onlyFailed }), [events, names, nodeId, onlyFailed]);
  const page = firstItems(grouped, limit);
  const total = grouped.reduce((n, s) => n + s.calls, 0);

  return (
    <section className="outside-calls" aria-labelledby="outside-calls-title">
      <h3 className="section-title" id="outside-calls-title">
        Outside calls
      </h3>
      <div className="toolbar">
        <label htmlFor={stepFilterId} className="toolbar-label">
          Step
        </label>
        <select
          id={stepFilterId}
          className="input input-inline"
          value={nodeId}
          onChange={(e) => {
            setNodeId(e.target.value);
            setLimit(ITEMS_PER_PAGE);
          }}
        >
          <option value="">All steps</option>
          {all.map((s) => (
            <option key={s.nodeId} value={s.nodeId}>
              {s.name} ({plural(s.calls, 'call')})
            </option>
          ))}
        </select>
        <label className="check check-small">
          <input
            type="checkbox"
            checked={onlyFailed}
            onChange={(e) => {
              setOnlyFailed(e.target.checked);
              setLimit(ITEMS_PER_PAGE);
            }}
          />
          Only failed calls
        </label>
        <span className="muted">{plural(total, 'call')}</span>
      </div>
      {grouped.length === 0 ? (
        <EmptyState title={onlyFailed ? 'No failed calls' : 'No outside calls'}>
          <p>{onlyFailed ? 'Every call to the outside world was answered.' : 'This run did not call anything outside Flowkeeper (yet).'}</p>
        </EmptyState>
      ) : (
        <ol className="call-steps" aria-label="Outside calls by step and item">
          {page.steps.map((step) => (
            <li key={step.nodeId} className="call-step" data-node-id={step.nodeId}>
              <h4 className="call-step-title">
                “{step.name}” <span className="muted">· {plural(step.calls, 'call')}{step.failed > 0 ? ` · ${step.failed} failed` : ''}</span>
              </h4>
              <ul className="call-items">
                {step.items.map((item) => (
                  <li key={item.itemIndex} className="call-item" data-item={item.itemIndex}>
                    <div className="call-item-label">{item.label}</div>
                    <ul className="call-lines">
                      {item.calls.map((call) => (
                        <li key={call.key} className={call.failed ? 'call-line tone-text-warning' : 'call-line'} title={call.technical}>
                          {call.text}
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
      {page.totalItems > page.shownItems ? (
        <div className="pager">
          <span className="muted">
            Showing {page.shownItems.toLocaleString('en-US')} of {plural(page.totalItems, 'item')}
          </span>
          <button type="button" className="button button-small" onClick={() => setLimit(limit + ITEMS_PER_PAGE)}>
            Show {Math.min(ITEMS_PER_PAGE, page.totalItems - page.shownItems)} more items
          </button>
        </div>
      ) : null}
    </section>
  );
}
