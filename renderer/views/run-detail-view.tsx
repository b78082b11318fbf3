/**
 * One run: its status, the question it asks (if any), each step's state and output, and a
 * readable timeline from the trace. Cancel, continue, replay, or re-run from a step.
 */
import { useEffect, useMemo, useState } from 'react';
import type { RunDetail } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { JsonView } from '../components/json-view.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { describeRunSpend, describeStepSpend } from '../logic/ai-spend.ts';
import { choiceExplanation, choiceLabel, isRiskyChoice, orderChoices } from '../logic/attention.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { describePorts, formatDuration, formatElapsed, formatTimestamp, formatWhen, isFinalStatus, withoutStack } from '../logic/format.ts';
import { describeReplay, type ReplayView } from '../logic/replay.ts';
import { formatRoute } from '../logic/route.ts';
import { buildTimeline, nodeNames } from '../logic/timeline.ts';
import { go } from '../stores/nav-store.ts';
import { notify } from '../stores/notice-store.ts';
import { useRun } from '../stores/run-store.ts';

export function RunDetailView({ runId }: { runId: string }) {
  const { detail, error, open } = useRun();
  const current = useRun((s) => s.runId);

  useEffect(() => {
    void open(runId);
  }, [open, runId]);

  const shown = current === runId ? detail : undefined;

  return (
    <section className="view" aria-labelledby="run-title">
      <a className="back-link" href={formatRoute({ view: 'runs' })}>
        ← All runs
      </a>
      {error && !shown ? (
        <>
          <h1 id="run-title">Run</h1>
          <ErrorBox error={error} onRetry={() => void open(runId)} />
        </>
      ) : null}
      {!shown && !error ? (
        <>
          <h1 id="run-title" className="visually-hidden">
            Run
          </h1>
          <p className="muted loading">Loading the run…</p>
        </>
      ) : null}
      {shown ? <RunBody run={shown} /> : null}
    </section>
  );
}

interface FlowNodeInfo {
  id: string;
  name: string;
  type: string;
}

function flowNodes(flow: unknown): FlowNodeInfo[] {
  const nodes = (flow as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes
    .map((n) => n as { id?: unknown; name?: unknown; type?: unknown })
    .filter((n): n is { id: string; name?: unknown; type?: unknown } => typeof n.id === 'string')
    .map((n) => ({ id: n.id, name: typeof n.name === 'string' && n.name !== '' ? n.name : n.id, type: typeof n.type === 'string' ? n.type : '' }));
}

function RunBody({ run }: { run: RunDetail }) {
  const [actionError, setActionError] = useState<ErrorView | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [replay, setReplay] = useState<ReplayView | undefined>();
  const [forkFrom, setForkFrom] = useState<FlowNodeInfo | undefined>();
  const nodes = useMemo(() => flowNodes(run.flow), [run.flow]);
  const final = isFinalStatus(run.status);
  const spend = describeRunSpend(run.cost);

  useEffect(() => {
    setReplay(undefined);
    setActionError(undefined);
  }, [run.runId]);

  const act = async (name: string, action: () => Promise<void>) => {
    setBusy(name);
    setActionError(undefined);
    try {
      await action();
    } catch (e) {
      setActionError(toErrorView(e));
    } finally {
      setBusy(undefined);
    }
  };

  const cancel = () =>
    act('cancel', async () => {
      await getApi().runs.cancel({ runId: run.runId });
      notify('Cancelling the run…', 'info');
      await useRun.getState().refreshDetail();
    });
  const resume = (choice?: 'send-again' | 'skip-item' | 'cancel') =>
    act(choice ?? 'resume', async () => {
      await getApi().runs.resume({ runId: run.runId, ...(choice ? { choice } : {}) });
      notify(choice ? `Recorded your decision: ${choiceLabel(choice)}.` : 'Continuing the run…', 'info');
      await useRun.getState().refreshDetail();
    });
  const doReplay = () =>
    act('replay', async () => {
      setReplay(describeReplay(await getApi().runs.replay({ runId: run.runId })));
    });
  const fork = (node: FlowNodeInfo) =>
    act('fork', async () => {
      const { runId } = await getApi().runs.fork({ runId: run.runId, fromNodeId: node.id });
      setForkFrom(undefined);
      go({ view: 'run', runId });
    });

  return (
    <>
      <header className="view-header run-header">
        <div>
          <h1 id="run-title">{run.flowName}</h1>
          <div className="run-meta">
            <StatusBadge status={run.status} />
            <span title={formatTimestamp(run.createdAt)}>Started {formatWhen(run.createdAt)}</span>
            {final ? <span>Took {formatDuration(Date.parse(run.updatedAt) - Date.parse(run.createdAt))}</span> : null}
            <span>Flow version {run.flowVersion}</span>
            {run.parentRunId ? (
              <span>
                {run.mode === 'replay' ? 'replay of ' : 're-run of '}
                <a href={formatRoute({ view: 'run', runId: run.parentRunId })}>an earlier run</a>
              </span>
            ) : null}
            <code className="run-id" title="Run id">
              {run.runId}
            </code>
          </div>
          {spend ? (
            <p className="run-spend" data-testid="run-spend" title={spend.title}>
              {spend.headline}
              {spend.notes.map((note, i) => (
                <span key={note} className="run-spend-note">
                  {' · '}
                  {note}
                  {/* The unknown price comes first: the way to add one goes right after it. */}
                  {i === 0 && spend.unpriced ? (
                    <>
                      {' '}
                      (add a price under <a href={formatRoute({ view: 'settings' })}>Settings</a>)
                    </>
                  ) : null}
                </span>
              ))}
            </p>
          ) : null}
        </div>
        <div className="view-actions">
          {run.status === 'running' ? (
            <button type="button" className="button" onClick={() => void cancel()} disabled={busy !== undefined}>
              {busy === 'cancel' ? 'Cancelling…' : 'Cancel run'}
            </button>
          ) : null}
          {run.status === 'paused' ? (
            <button type="button" className="button button-primary" onClick={() => void resume()} disabled={busy !== undefined}>
              {busy === 'resume' ? 'Continuing…' : 'Continue'}
            </button>
          ) : null}
          {final ? (
            <button type="button" className="button" onClick={() => void doReplay()} disabled={busy !== undefined} title="Run it again offline with the recorded answers and compare">
              {busy === 'replay' ? 'Replaying…' : 'Replay'}
            </button>
          ) : null}
        </div>
      </header>

      {actionError ? <ErrorBox error={actionError} /> : null}

      {run.status === 'needs-attention' ? <AttentionPanel run={run} names={nodeNames(run.flow)} busy={busy} onChoose={(c) => void resume(c)} /> : null}

      {run.status === 'failed' && (run.errorInfo || run.error) ? (
        <div className="panel panel-danger" role="note">
          <h2 className="panel-title">Why it failed</h2>
          <p>
            {run.errorInfo?.nodeId ? <>At “{nodeNames(run.flow).get(run.errorInfo.nodeId) ?? run.errorInfo.nodeId}”: </> : null}
            {withoutStack(run.errorInfo?.message ?? run.error ?? '')}
          </p>
          {run.errorInfo?.hint ? <p className="error-hint">{run.errorInfo.hint}</p> : null}
        </div>
      ) : null}

      {replay ? <ReplayPanel replay={replay} onClose={() => setReplay(undefined)} /> : null}

      <div className="run-columns">
        <div className="run-col">
          <h2 className="section-title">Steps</h2>
          <NodeList run={run} nodes={nodes} canFork={final} onFork={setForkFrom} />
          <details className="run-input">
            <summary>What the run started with</summary>
            <JsonView value={run.input} label="Run input" />
          </details>
        </div>
        <div className="run-col">
          <Timeline run={run} />
        </div>
      </div>

      <Dialog open={forkFrom !== undefined} title="Re-run from this step?" onClose={() => setForkFrom(undefined)}>
        {forkFrom ? (
          <div className="stack">
            <p>
              A new run starts at <strong>“{forkFrom.name}”</strong>. The steps before it re-use what this run recorded; “{forkFrom.name}” and every step after it run again
              for real, so anything they send goes out again.
            </p>
            {actionError ? <ErrorBox error={actionError} /> : null}
            <div className="form-actions">
              <button type="button" className="button" onClick={() => setForkFrom(undefined)}>
                Keep things as they are
              </button>
              <button type="button" className="button button-primary" onClick={() => void fork(forkFrom)} disabled={busy !== undefined}>
                {busy === 'fork' ? 'Starting…' : 'Re-run from here'}
              </button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </>
  );
}

function AttentionPanel({ run, names, busy, onChoose }: { run: RunDetail; names: Map<string, string>; busy: string | undefined; onChoose(choice: 'send-again' | 'skip-item' | 'cancel'): void }) {
  const info = run.attentionInfo;
  const choices = orderChoices(info?.choices ?? ['send-again', 'skip-item', 'cancel']).filter((c): c is 'send-again' | 'skip-item' | 'cancel' => c === 'send-again' || c === 'skip-item' || c === 'cancel');
  return (
    <div className="panel panel-warning" role="region" aria-labelledby="attention-title">
      <h2 className="panel-title" id="attention-title">
        Did it go out? Flowkeeper needs your decision
      </h2>
      <p>
        {info?.nodeId ? <>At “{names.get(info.nodeId) ?? info.nodeId}”: </> : null}
        {info?.reason ?? run.attention ?? 'The run stopped while a step was sending something, and Flowkeeper cannot tell whether it arrived.'}
      </p>
      <p className="muted">If you can, check with the receiving system first. Then choose:</p>
      <div className="choices">
        {choices.map((choice) => (
          <div className="choice" key={choice}>
            <button type="button" className={isRiskyChoice(choice) ? 'button button-danger-outline' : 'button button-primary'} onClick={() => onChoose(choice)} disabled={busy !== undefined}>
              {busy === choice ? 'Recording…' : choiceLabel(choice)}
            </button>
            <span className="choice-text">{choiceExplanation(choice)}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

function ReplayPanel({ replay, onClose }: { replay: ReplayView; onClose(): void }) {
  return (
    <div className={`panel ${replay.identical ? 'panel-success' : 'panel-warning'}`} role="status" data-testid="replay-result">
      <div className="panel-head">
        <h2 className="panel-title">{replay.identical ? 'Replay: identical' : 'Replay: different'}</h2>
        <button type="button" className="icon-button" aria-label="Close the replay result" onClick={onClose}>
          ×
        </button>
      </div>
      <p>{replay.headline}</p>
      {replay.note ? <p className="muted">{replay.note}</p> : null}
      {replay.nodes.length > 0 ? (
        <ul className="diff-list">
          {replay.nodes.map((node) => (
            <li key={node.nodeId}>
              <div className="diff-node">
                “{node.name}”{node.statusChange ? <span className="muted"> — {node.statusChange}</span> : null}
              </div>
              {node.problem ? <p className="muted">{withoutStack(node.problem)}</p> : null}
              {node.changes.length > 0 ? (
                <table className="table diff-table">
                  <thead>
                    <tr>
                      <th scope="col">Where</th>
                      <th scope="col">Recorded</th>
                      <th scope="col">Replayed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {node.changes.map((c, i) => (
                      <tr key={`${c.path}-${i}`}>
                        <td>
                          <code>{c.path}</code>
                        </td>
                        <td>
                          <code>{c.recorded}</code>
                        </td>
                        <td>
                          <code>{c.replayed}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function NodeList({ run, nodes, canFork, onFork }: { run: RunDetail; nodes: FlowNodeInfo[]; canFork: boolean; onFork(node: FlowNodeInfo): void }) {
  const [openOutput, setOpenOutput] = useState<string | undefined>();
  if (nodes.length === 0) return <p className="muted">This run’s flow has no steps.</p>;
  return (
    <ol className="node-list">
      {nodes.map((node) => {
        const state = run.nodes[node.id];
        const status = state?.status ?? 'pending';
        const took = state?.startedAt && state.finishedAt ? formatDuration(Date.parse(state.finishedAt) - Date.parse(state.startedAt)) : '';
        const hasOutput = state?.outputs !== undefined;
        const spend = describeStepSpend(run.cost?.perNode[node.id]);
        const outputOpen = openOutput === node.id;
        return (
          <li key={node.id} className={`node node-${status}`} data-node-id={node.id}>
            <div className="node-head">
              <div className="node-name">{node.name}</div>
              <StatusBadge status={status} kind="node" />
            </div>
            <div className="node-foot">
              <div className="cell-sub">
                {hasOutput ? describePorts(state?.outputs) : status === 'pending' ? 'did not run' : ''}
                {took ? ` · ${took}` : ''}
                {state && state.attempt > 1 ? ` · attempt ${state.attempt}` : ''}
                {spend ? (
                  <span className="step-spend" title={spend.title}>
                    AI: <span className="nowrap">{spend.parts[0]}</span> · <span className="nowrap">{spend.parts[1]}</span>
                  </span>
                ) : null}
              </div>
              <div className="node-actions">
                {hasOutput ? (
                  <button type="button" className="button button-small button-quiet" aria-expanded={outputOpen} onClick={() => setOpenOutput(outputOpen ? undefined : node.id)}>
                    {outputOpen ? 'Hide output' : 'Show output'}
                  </button>
                ) : null}
                {canFork ? (
                  <button type="button" className="button button-small button-quiet" onClick={() => onFork(node)} aria-label={`Re-run from “${node.name}”`} title="Start a new run from this step">
                    Re-run from here
                  </button>
                ) : null}
              </div>
            </div>
            {state?.error ? (
              <div className="node-error">
                <p>{withoutStack(state.error.message)}</p>
                {state.error.hint ? <p className="error-hint">{state.error.hint}</p> : null}
              </div>
            ) : null}
            {outputOpen ? <JsonView value={state?.outputs} label={`Output of ${node.name}`} /> : null}
          </li>
        );
      })}
    </ol>
  );
}

function Timeline({ run }: { run: RunDetail }) {
  const events = useRun((s) => s.events);
  const hasMore = useRun((s) => s.hasMoreEvents);
  const eventsError = useRun((s) => s.eventsError);
  const loadEvents = useRun((s) => s.loadEvents);
  const [verbose, setVerbose] = useState(false);
  const names = useMemo(() => nodeNames(run.flow), [run.flow]);
  const entries = useMemo(() => buildTimeline(events, names, { verbose }), [events, names, verbose]);

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
                  {entry.note ? <span className="timeline-note"> · {entry.note}</span> : null}
                </div>
                {entry.detail ? <div className="timeline-detail">{entry.detail}</div> : null}
              </div>
            </li>
          ))}
        </ol>
      )}
      {hasMore ? (
        <button type="button" className="button button-small" onClick={() => void loadEvents()}>
          Show more
        </button>
      ) : null}
    </>
  );
}
