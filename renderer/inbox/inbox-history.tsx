/** Decided items, newest first: what was decided, by whom, when, with which corrections and why. */
import { useEffect } from 'react';
import { OUTCOME_LABELS } from '../../engine/model/review.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { formatTimestamp, formatWhen } from '../logic/format.ts';
import { useInbox } from '../stores/inbox-store.ts';
import { showValue } from './field-values.ts';

export function InboxHistory({ reviewer }: { reviewer: boolean }) {
  const { history, historyLoaded, historyError, loadHistory } = useInbox();
  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);

  if (historyError) return <ErrorBox error={historyError} onRetry={() => void loadHistory()} />;
  if (!historyLoaded) return <p className="muted loading">Loading decisions…</p>;
  if (history.length === 0) {
    return (
      <EmptyState title="No decisions yet">
        <p>{reviewer ? 'The items you approve or reject are listed here, with any corrections you made.' : 'Every approval and rejection is listed here: who decided, when, what they corrected and why.'}</p>
      </EmptyState>
    );
  }
  return (
    <div className="table-scroll">
      <table className="table inbox-history" data-testid="inbox-history">
        <thead>
          <tr>
            <th scope="col">Decided</th>
            <th scope="col">Item</th>
            <th scope="col">Decision</th>
            <th scope="col">By</th>
            <th scope="col">Changes and comment</th>
          </tr>
        </thead>
        <tbody>
          {history.map((d) => (
            <tr key={`${d.id}:${d.decidedAt}`}>
              <td title={formatTimestamp(d.decidedAt)}>{formatWhen(d.decidedAt)}</td>
              <td>
                <div className="cell-title">{d.title}</div>
                <div className="cell-sub">
                  {d.flowName} · {d.stepName}
                </div>
              </td>
              <td>{OUTCOME_LABELS[d.outcome] ?? d.outcome}</td>
              <td>{d.by}</td>
              <td>
                {d.changes.map((c) => (
                  <div key={c.field} className="cell-sub">
                    {c.field}: {showValue(c.from)} → {showValue(c.to)}
                  </div>
                ))}
                {d.comment ? <div className="cell-sub">“{d.comment}”</div> : null}
                {d.changes.length === 0 && !d.comment ? <span className="muted">—</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
