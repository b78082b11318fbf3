/**
 * The side panel's agreement stats for a selected review step (`inbox.stats` over the flow's last
 * runs), in plain words with an empty state. Reloads when a run finishes or a decision is made
 * (pushed `runs.changed` / `inbox.changed` events, coalesced), so it stays current while open.
 */
import { useEffect, useState } from 'react';
import type { ApiEvent, FlowkeeperApi, ReviewStats } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { coalesce } from '../stores/coalesce.ts';
import { plainError } from '../logic/plain-errors.ts';
import { describeReviewStats } from './review-stats.ts';

/** How many of the flow's recent runs the figures cover. */
export const STATS_RUNS = 100;

type StatsApi = { inbox: Pick<FlowkeeperApi['inbox'], 'stats'>; onEvent: FlowkeeperApi['onEvent'] };

export function ReviewStatsSection({ flowId, nodeId, api }: { flowId: string; nodeId: string; api?: StatsApi }) {
  const door = api ?? getApi();
  const [state, setState] = useState<{ stats: ReviewStats | undefined; loaded: boolean; error?: string }>({ stats: undefined, loaded: false });
  useEffect(() => {
    let live = true;
    const load = () =>
      door.inbox.stats({ flowId, nodeId, runs: STATS_RUNS }).then(
        (all) => live && setState({ stats: all.find((s) => s.nodeId === nodeId), loaded: true }),
        (error: unknown) => live && setState((s) => ({ ...s, loaded: true, error: plainError(error as { message: string }).sentence })),
      );
    void load();
    const reload = coalesce(() => void load(), 300);
    const off = door.onEvent((event: ApiEvent) => {
      if (event.type === 'inbox.changed' || (event.type === 'runs.changed' && event.status !== 'running')) reload();
    });
    return () => {
      live = false;
      off();
    };
  }, [door, flowId, nodeId]);

  const view = describeReviewStats(state.stats, STATS_RUNS);
  return (
    <section className="side-panel-stats" aria-label="How people decided" data-testid="review-stats">
      <h3>How people decided</h3>
      {state.error ? (
        <p className="field-error">The figures could not be loaded: {state.error}</p>
      ) : !state.loaded ? (
        <p className="muted">Counting the decisions…</p>
      ) : view.kind === 'empty' ? (
        <p className="muted">{view.text}</p>
      ) : (
        <>
          <p className="muted">{view.scope}</p>
          <table className="review-stats-table">
            <tbody>
              {view.lines.map((line) => (
                <tr key={line.label}>
                  <th scope="row">{line.label}</th>
                  <td className="review-stats-share">{line.share}</td>
                  <td className="muted">{line.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {view.median ? <p>{view.median}</p> : null}
          {view.notes.map((note) => (
            <p key={note} className="muted">
              {note}
            </p>
          ))}
          {view.advice ? <p className="review-stats-advice">{view.advice}</p> : null}
        </>
      )}
    </section>
  );
}
