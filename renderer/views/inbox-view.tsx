/** Inbox: items review steps are waiting on. Deciding on them arrives with the review issue. */
import { useEffect } from 'react';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { formatTimestamp, formatWhen } from '../logic/format.ts';
import { formatRoute } from '../logic/route.ts';
import { useInbox } from '../stores/inbox-store.ts';

export function InboxView() {
  const { items, loaded, error, load } = useInbox();

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="view" aria-labelledby="inbox-title">
      <header className="view-header">
        <div>
          <h1 id="inbox-title">Inbox</h1>
          <p className="view-subtitle">Things your flows want a person to check before they carry on.</p>
        </div>
      </header>

      {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}
      {!loaded ? <p className="muted loading">Loading the inbox…</p> : null}

      {loaded && !error && items.length === 0 ? (
        <EmptyState title="Nothing is waiting for you">
          <p>
            When a flow has a review step, each item it wants a person to look at — an invoice to approve, an AI-written reply to check — lands here. You approve, edit or
            reject it, and the run carries on from there, even days later.
          </p>
          <p>Add a review step to a flow to start using the inbox.</p>
        </EmptyState>
      ) : null}

      {items.length > 0 ? (
        <ul className="inbox-list">
          {items.map((item) => (
            <li key={item.id} className="inbox-item">
              <div>
                <div className="cell-title">{item.title}</div>
                <div className="cell-sub" title={formatTimestamp(item.createdAt)}>
                  Waiting since {formatWhen(item.createdAt)} · choices: {item.outcomes.join(', ')}
                </div>
              </div>
              <a className="button button-small" href={formatRoute({ view: 'run', runId: item.runId })}>
                Open the run
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
