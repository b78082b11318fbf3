/**
 * "Run as demo…" from the editor (engine/demo/): pick a reference run of this flow (handed over with
 * it in a bundle, or chosen for drift checks; `references.list`) or a finished run; the flow then
 * runs with every outside call answered from that run's recording — nothing is sent, no
 * credential is used — and the steps light up on the canvas as in any run. By default the demo
 * uses the chosen run's input; another input may be given, and whatever the recording cannot
 * answer for it is reported on the step.
 */
import { useEffect, useId, useState } from 'react';
import type { RunSummaryInfo } from '../../engine/model/contract.ts';
import type { ReferenceSummary } from '../../engine/model/drift.ts';
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { canAnswerDemo } from '../logic/demo-origin.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { formatTimestamp, formatWhen } from '../logic/format.ts';
import { parseJsonInput } from '../logic/input-form.ts';

export function DemoRunDialog({ flow, onClose, onStarted }: { flow: { id: string; name: string } | undefined; onClose(): void; onStarted(runId: string, referenceRunId: string): void }) {
  return (
    <Dialog open={flow !== undefined} title={flow ? `Run “${flow.name}” as a demo` : 'Run as a demo'} onClose={onClose}>
      {flow ? <DemoForm flow={flow} onClose={onClose} onStarted={onStarted} /> : null}
    </Dialog>
  );
}

/** One recording the demo can answer from: a stored reference run, or a run of this machine. */
interface Recording {
  key: string;
  from: 'reference' | 'run';
  runId: string;
  status: string;
  createdAt: string;
  flowVersion: number;
  /** Under the date: the version and what the run was about. */
  detail: string;
}

function fromReference(ref: ReferenceSummary): Recording {
  const where = ref.source === 'bundle' ? 'reference run, handed over with the flow' : 'reference run, chosen for drift checks';
  return { key: `reference:${ref.runId}`, from: 'reference', runId: ref.runId, status: ref.status, createdAt: ref.createdAt, flowVersion: ref.flowVersion, detail: `v${ref.flowVersion} · ${where}` };
}

function fromRun(run: RunSummaryInfo, isReference: boolean): Recording {
  const detail = `v${run.flowVersion} · ${run.inputSummary ?? 'no input'}${isReference ? ' · also a reference run' : ''}`;
  return { key: `run:${run.runId}`, from: 'run', runId: run.runId, status: run.status, createdAt: run.createdAt, flowVersion: run.flowVersion, detail };
}

function DemoForm({ flow, onClose, onStarted }: { flow: { id: string; name: string }; onClose(): void; onStarted(runId: string, referenceRunId: string): void }) {
  const [runs, setRuns] = useState<Recording[] | undefined>();
  const [chosen, setChosen] = useState<string | undefined>();
  const [otherInput, setOtherInput] = useState(false);
  const [json, setJson] = useState('{}');
  const [inputError, setInputError] = useState<string | undefined>();
  const [error, setError] = useState<ErrorView | undefined>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();

  useEffect(() => {
    let live = true;
    const api = getApi();
    Promise.all([api.references.list({ flowId: flow.id }), api.runs.list({ flowId: flow.id, limit: 100, offset: 0 })])
      .then(([references, list]) => {
        if (!live) return;
        // References first (newest first, like the runs): they are what a hand-over brought. A run
        // of this machine that is also a reference is listed once, as the run (its page is here).
        const own = list.filter(canAnswerDemo);
        const ownIds = new Set(own.map((r) => r.runId));
        const referenceIds = new Set(references.map((r) => r.runId));
        const refs = [...references].reverse().filter((r) => !ownIds.has(r.runId)).map(fromReference);
        const usable = [...refs, ...own.map((r) => fromRun(r, referenceIds.has(r.runId)))];
        setRuns(usable);
        setChosen(usable.find((r) => r.status === 'succeeded')?.key ?? usable[0]?.key);
      })
      .catch((e: unknown) => live && setError(toErrorView(e)));
    return () => {
      live = false;
    };
  }, [flow.id]);

  const start = async () => {
    const recording = runs?.find((r) => r.key === chosen);
    if (!recording) return;
    let input: unknown;
    if (otherInput) {
      const parsed = parseJsonInput(json);
      if (!parsed.ok) {
        setInputError(parsed.message);
        return;
      }
      input = parsed.input;
    }
    setBusy(true);
    setError(undefined);
    try {
      const { runId } = await getApi().runs.start({ flowId: flow.id, demo: { runId: recording.runId, from: recording.from }, ...(otherInput ? { input } : {}) });
      onStarted(runId, recording.runId);
      onClose();
    } catch (e) {
      setError(toErrorView(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <p>
        A demo runs this flow with every outside call — web requests, AI steps, e-mails, databases — answered from a run that already happened. <strong>Nothing is sent</strong> and no
        credential is used. Choose the run to answer from:
      </p>
      {runs === undefined && !error ? <p className="muted loading">Loading the flow's runs…</p> : null}
      {runs !== undefined && runs.length === 0 ? (
        <p className="muted" data-testid="demo-no-runs">
          This flow has no finished runs and no reference runs yet. Run it once for real; that run can then answer demos anywhere, even offline.
        </p>
      ) : null}
      {runs !== undefined && runs.length > 0 ? (
        <fieldset className="demo-runs">
          <legend className="visually-hidden">Run to answer from</legend>
          {runs.map((run) => (
            <label key={run.key} className="demo-run-choice" data-run-id={run.runId} data-from={run.from}>
              <input type="radio" name="demo-run" value={run.key} checked={chosen === run.key} onChange={() => setChosen(run.key)} />
              <StatusBadge status={run.status} />
              <span title={formatTimestamp(run.createdAt)}>{formatWhen(run.createdAt)}</span>
              <span className="cell-sub">{run.detail}</span>
            </label>
          ))}
        </fieldset>
      ) : null}
      {runs !== undefined && runs.length > 0 ? (
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={otherInput} onChange={(e) => setOtherInput(e.target.checked)} />
            Use a different input (anything the recording cannot answer for it is reported, not sent)
          </label>
          {otherInput ? (
            <>
              <label className="field-label" htmlFor={inputId}>
                Input (JSON)
              </label>
              <textarea id={inputId} className="input mono" rows={4} spellCheck={false} value={json} aria-invalid={inputError ? true : undefined} onChange={(e) => setJson(e.target.value)} />
              {inputError ? <p className="field-error">{inputError}</p> : null}
            </>
          ) : null}
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      <div className="form-actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy || !chosen}>
          {busy ? 'Starting…' : 'Start the demo'}
        </button>
      </div>
    </form>
  );
}
