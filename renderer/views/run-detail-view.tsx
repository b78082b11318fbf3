/**
 * One run: its status, the question it asks (if any), each step's state and output, and a
 * readable timeline from the trace. Cancel, continue, replay, or re-run from a step. The steps,
 * the timeline and the panels live in run-steps.tsx, run-timeline.tsx and run-panels.tsx.
 */
import { useEffect, useMemo, useState } from 'react';
import type { RunDetail } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { JsonView } from '../components/json-view.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { describeRunSpend } from '../logic/ai-spend.ts';
import { choiceLabel } from '../logic/attention.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { formatDuration, formatTimestamp, formatWhen, isFinalStatus } from '../logic/format.ts';
import { describeReplay, type ReplayView } from '../logic/replay.ts';
import { formatRoute } from '../logic/route.ts';
import { describeRun, detailFailedSteps } from '../logic/run-health.ts';
import { nodeNames } from '../logic/timeline.ts';
import { AttentionPanel, FailurePanel, ReplayPanel } from './run-panels.tsx';
import { RunSteps, flowNodes, type FlowNodeInfo } from './run-steps.tsx';
import { RunTimeline } from './run-timeline.tsx';
import { DemoBanner } from './demo-banner.tsx';
import { DemoBadge } from '../components/demo-badge.tsx';
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

function RunBody({ run }: { run: RunDetail }) {
  const [actionError, setActionError] = useState<ErrorView | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [replay, setReplay] = useState<ReplayView | undefined>();
  const [forkFrom, setForkFrom] = useState<FlowNodeInfo | undefined>();
  const nodes = useMemo(() => flowNodes(run.flow), [run.flow]);
  const names = useMemo(() => nodeNames(run.flow), [run.flow]);
  const look = describeRun(run.status, detailFailedSteps(run.nodes, names));
  const final = isFinalStatus(run.status);
  // A demo paid for nothing: its AI answers are the recording's.
  const spend = run.mode === 'demo' ? undefined : describeRunSpend(run.cost);

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
            <StatusBadge status={run.status} look={look} state={look.note ? 'succeeded-with-failures' : run.status} />
            {run.mode === 'demo' ? <DemoBadge /> : null}
            <span title={formatTimestamp(run.createdAt)}>Started {formatWhen(run.createdAt)}</span>
            {/* Same clock as the timeline: from the run's start to its last event. */}
            {final ? <span className="nowrap">Took {formatDuration(Date.parse(run.updatedAt) - Date.parse(run.createdAt))}</span> : null}
            {/* Opens the canvas with the flow exactly as this run ran it (that version, read-only). */}
            <a href={formatRoute({ view: 'editor', flowId: run.flowId, runId: run.runId })} title={`Open version ${run.flowVersion} of the flow, as this run ran it`} data-testid="run-flow-version">
              Flow version {run.flowVersion}
            </a>
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
          {look.note ? (
            <p className="run-failed-items" data-testid="run-failed-items">
              The run finished, but {look.note}
            </p>
          ) : null}
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

      {run.demo ? <DemoBanner demo={run.demo} /> : null}

      {actionError ? <ErrorBox error={actionError} /> : null}

      {run.status === 'needs-attention' ? <AttentionPanel run={run} names={names} busy={busy} onChoose={(c) => void resume(c)} /> : null}

      {run.status === 'failed' ? <FailurePanel run={run} names={names} /> : null}

      {replay ? <ReplayPanel replay={replay} onClose={() => setReplay(undefined)} /> : null}

      <div className="run-columns">
        <div className="run-col">
          <h2 className="section-title">Steps</h2>
          {/* A demo's steps never ran: re-running one "for real" is not what a demo offers. */}
          <RunSteps run={run} nodes={nodes} canFork={final && run.mode !== 'demo'} onFork={setForkFrom} />
          <details className="run-input">
            <summary>What the run started with</summary>
            <JsonView value={run.input} label="Run input" />
          </details>
        </div>
        <div className="run-col">
          <RunTimeline run={run} />
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

