/** Runs: newest first, filterable by status (and by flow from the Flows screen), updated live. */
import { useEffect, useId } from 'react';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { SetAsideRuns } from '../components/set-aside-runs.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { RUN_STATUSES, formatDuration, formatTimestamp, formatWhen, isFinalStatus, plural, runStatusLabel } from '../logic/format.ts';
import { formatRoute } from '../logic/route.ts';
import { describeRun } from '../logic/run-health.ts';
import { tidyEngineWords } from '../logic/plain-errors.ts';
import { useFlows } from '../stores/flows-store.ts';
import { go } from '../stores/nav-store.ts';
import { PAGE_SIZE, useRuns } from '../stores/runs-store.ts';
import { describeOrigin, pageRange } from '../logic/run-origin.ts';
import { DemoBadge } from '../components/demo-badge.tsx';

export function RunsView({ status, flowId }: { status?: string; flowId?: string }) {
  const { runs, loaded, error, load, page, hasNextPage, loading } = useRuns();
  const flows = useFlows((s) => s.flows);
  const loadFlows = useFlows((s) => s.load);
  const filterId = useId();

  useEffect(() => {
    void load({ ...(status ? { status } : {}), ...(flowId ? { flowId } : {}) });
  }, [load, status, flowId]);

  useEffect(() => {
    if (flowId && flows.length === 0) void loadFlows();
  }, [flowId, flows.length, loadFlows]);

  const flowName = flowId ? (flows.find((f) => f.id === flowId)?.name ?? flowId) : undefined;
  const filtered = Boolean(status || flowId);

  return (
    <section className="view" aria-labelledby="runs-title">
      <header className="view-header">
        <div>
          <h1 id="runs-title">Runs</h1>
          <p className="view-subtitle">Every run of every flow, newest first. Open one to see what happened, step by step.</p>
        </div>
      </header>

      <div className="toolbar">
        <label htmlFor={filterId} className="toolbar-label">
          Status
        </label>
        <select id={filterId} className="input input-inline" value={status ?? ''} onChange={(e) => go({ view: 'runs', ...(e.target.value ? { status: e.target.value } : {}), ...(flowId ? { flowId } : {}) })}>
          <option value="">All</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {runStatusLabel(s)}
            </option>
          ))}
        </select>
        {flowId ? (
          <span className="chip">
            Flow: {flowName}
            <button type="button" className="chip-remove" aria-label="Show runs of all flows" onClick={() => go({ view: 'runs', ...(status ? { status } : {}) })}>
              ×
            </button>
          </span>
        ) : null}
      </div>

      <SetAsideRuns reloadKey={runs} />
      {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}
      {!loaded && !error ? <p className="muted loading">Loading runs…</p> : null}

      {loaded && runs.length === 0 ? (
        filtered ? (
          <EmptyState title="No runs match">
            <p>Nothing here with this filter. Choose “All” to see every run.</p>
          </EmptyState>
        ) : (
          <EmptyState
            title="No runs yet"
            action={
              <button type="button" className="button button-primary" onClick={() => go({ view: 'flows' })}>
                Go to Flows
              </button>
            }
          >
            <p>Runs appear here as soon as a flow starts. Open Flows and press Run on one of them.</p>
          </EmptyState>
        )
      ) : null}

      {runs.length > 0 ? (
        <>
          <table className="table runs-table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Flow</th>
                <th scope="col">Started</th>
                <th scope="col">How</th>
                <th scope="col" className="num">
                  Took
                </th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const href = formatRoute({ view: 'run', runId: run.runId });
                const look = describeRun(run.status, run.failedItems);
                const origin = describeOrigin(run);
                const note = tidyEngineWords(run.attention ?? run.error ?? (look.note ? capitalFirst(look.note) : ''));
                const took = isFinalStatus(run.status) ? formatDuration(Date.parse(run.updatedAt) - Date.parse(run.createdAt)) : '';
                return (
                  <tr key={run.runId} className="clickable" onClick={() => go({ view: 'run', runId: run.runId })} data-run-id={run.runId}>
                    <td>
                      <StatusBadge status={run.status} look={look} state={look.note ? 'succeeded-with-failures' : run.status} />
                      {run.mode === 'demo' ? <DemoBadge /> : null}
                    </td>
                    <td>
                      <a href={href} className="cell-title row-link" onClick={(e) => e.stopPropagation()}>
                        {run.flowName}
                      </a>
                      <div className="cell-sub run-input-line" title={origin.input}>
                        v{run.flowVersion} · {origin.input}
                      </div>
                    </td>
                    <td title={formatTimestamp(run.createdAt)} className="nowrap">
                      {formatWhen(run.createdAt)}
                    </td>
                    <td className="cell-sub">{origin.how}</td>
                    <td className="num">{took}</td>
                    <td>
                      {/* Two lines at most, the whole sentence on hover: the table must fit an 800 px window. */}
                      <div className="cell-note" title={note}>
                        {note}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages of runs">
            <button type="button" className="button button-small" disabled={page === 0 || loading} onClick={() => void load(undefined, page - 1)}>
              ← Newer
            </button>
            <span className="muted" aria-live="polite">
              {page === 0 && !hasNextPage ? plural(runs.length, 'run') : pageRange(page, PAGE_SIZE, runs.length)}
            </span>
            <button type="button" className="button button-small" disabled={!hasNextPage || loading} onClick={() => void load(undefined, page + 1)}>
              Older →
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}

function capitalFirst(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
