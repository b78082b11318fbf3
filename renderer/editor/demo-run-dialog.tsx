/**
 * "Run as demo…" from the editor (engine/demo/): pick a finished run of this flow; the flow then
 * runs with every outside call answered from that run's recording — nothing is sent, no
 * credential is used — and the steps light up on the canvas as in any run. By default the demo
 * uses the chosen run's input; another input may be given, and whatever the recording cannot
 * answer for it is reported on the step.
 */
import { useEffect, useId, useState } from 'react';
import type { RunSummaryInfo } from '../../engine/model/contract.ts';
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

function DemoForm({ flow, onClose, onStarted }: { flow: { id: string; name: string }; onClose(): void; onStarted(runId: string, referenceRunId: string): void }) {
  const [runs, setRuns] = useState<RunSummaryInfo[] | undefined>();
  const [chosen, setChosen] = useState<string | undefined>();
  const [otherInput, setOtherInput] = useState(false);
  const [json, setJson] = useState('{}');
  const [inputError, setInputError] = useState<string | undefined>();
  const [error, setError] = useState<ErrorView | undefined>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();

  useEffect(() => {
    let live = true;
    getApi()
      .runs.list({ flowId: flow.id, limit: 100, offset: 0 })
      .then((list) => {
        if (!live) return;
        const usable = list.filter(canAnswerDemo);
        setRuns(usable);
        setChosen(usable.find((r) => r.status === 'succeeded')?.runId ?? usable[0]?.runId);
      })
      .catch((e: unknown) => live && setError(toErrorView(e)));
    return () => {
      live = false;
    };
  }, [flow.id]);

  const start = async () => {
    if (!chosen) return;
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
      const { runId } = await getApi().runs.start({ flowId: flow.id, demo: { runId: chosen }, ...(otherInput ? { input } : {}) });
      onStarted(runId, chosen);
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
          This flow has no finished runs yet. Run it once for real; that run can then answer demos anywhere, even offline.
        </p>
      ) : null}
      {runs !== undefined && runs.length > 0 ? (
        <fieldset className="demo-runs">
          <legend className="visually-hidden">Run to answer from</legend>
          {runs.map((run) => (
            <label key={run.runId} className="demo-run-choice" data-run-id={run.runId}>
              <input type="radio" name="demo-run" value={run.runId} checked={chosen === run.runId} onChange={() => setChosen(run.runId)} />
              <StatusBadge status={run.status} />
              <span title={formatTimestamp(run.createdAt)}>{formatWhen(run.createdAt)}</span>
              <span className="cell-sub">
                v{run.flowVersion} · {run.inputSummary ?? 'no input'}
              </span>
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
