/**
 * The flow page's hand-over section: "Export for hand-over…" opens a dialog to pick reference
 * runs (recent finished runs of this flow) and fields to mask, then downloads the `.fkbundle`
 * made by `handover.export` and shows what was cleaned; "Download the runbook" saves the
 * runbook (`handover.runbook`) as a web page or Markdown, to read without the app.
 */
import './handover.css';
import { useEffect, useId, useState } from 'react';
import type { MethodOutput } from '../../engine/model/contract.ts';

type RunSummary = MethodOutput<'runs.list'>[number];
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { downloadText } from '../download.ts';
import { flushSave } from '../editor/autosave.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { formatWhen, runStatusLabel } from '../logic/format.ts';
import { notify } from '../stores/notice-store.ts';
import { FINISHED_STATUSES, parseMaskList } from './handover-logic.ts';

export function HandoverSection({ flowId, flowName }: { flowId: string; flowName: string }) {
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<'html' | 'markdown'>('html');
  const [busy, setBusy] = useState(false);
  const formatId = useId();
  const runbook = async () => {
    setBusy(true);
    try {
      if (!(await flushSave())) throw new Error('Save the flow first: see the message next to “Saved”.');
      const { fileName, text } = await getApi().handover.runbook({ flowId, format });
      downloadText(fileName, text, format === 'html' ? 'text/html' : 'text/markdown');
      notify(`Downloaded the runbook of “${flowName}” (${fileName}).`, 'success');
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card handover-section" aria-labelledby="handover-title" data-testid="handover-section">
      <h3 className="card-title" id="handover-title">
        Hand over
      </h3>
      <p className="muted">
        Give this flow to the team that will run it: one file with the flow, its charter, which credentials it needs (never their values), chosen runs to check it by, and a runbook. They
        open it with “Import hand-over file” on the Flows screen.
      </p>
      <div className="handover-actions">
        <button type="button" className="button button-primary" onClick={() => setOpen(true)}>
          Export for hand-over…
        </button>
        <span className="handover-runbook">
          <label htmlFor={formatId}>Runbook as</label>
          <select id={formatId} className="input" value={format} onChange={(e) => setFormat(e.target.value as 'html' | 'markdown')}>
            <option value="html">a web page (HTML)</option>
            <option value="markdown">Markdown text</option>
          </select>
          <button type="button" className="button" disabled={busy} onClick={() => void runbook()}>
            {busy ? 'Making the runbook…' : 'Download the runbook'}
          </button>
        </span>
      </div>
      <Dialog open={open} title={`Export “${flowName}” for hand-over`} onClose={() => setOpen(false)} wide>
        <ExportForm flowId={flowId} onClose={() => setOpen(false)} />
      </Dialog>
    </section>
  );
}

function ExportForm({ flowId, onClose }: { flowId: string; onClose(): void }) {
  const [runs, setRuns] = useState<RunSummary[] | undefined>();
  const [runsError, setRunsError] = useState<ErrorView | undefined>();
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [maskText, setMaskText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorView | undefined>();
  const [done, setDone] = useState<{ fileName: string; warnings: string[]; runs: number } | undefined>();
  const maskId = useId();
  const maskHelpId = useId();
  const mask = parseMaskList(maskText);

  useEffect(() => {
    let live = true;
    getApi()
      .runs.list({ flowId, limit: 50 })
      .then((list) => live && setRuns(list.filter((r) => FINISHED_STATUSES.has(r.status)).slice(0, 20)))
      .catch((e: unknown) => live && setRunsError(toErrorView(e)));
    return () => {
      live = false;
    };
  }, [flowId]);

  const toggle = (runId: string) =>
    setChosen((c) => {
      const next = new Set(c);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });

  const submit = async () => {
    if (mask.problems.length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      if (!(await flushSave())) throw new Error('Save the flow first: see the message next to “Saved”.');
      const runIds = (runs ?? []).filter((r) => chosen.has(r.runId)).map((r) => r.runId);
      const result = await getApi().handover.export({ flowId, ...(runIds.length > 0 ? { runIds } : {}), ...(mask.fields.length > 0 ? { mask: mask.fields } : {}) });
      downloadText(result.fileName, `${JSON.stringify(result.bundle, null, 2)}\n`);
      setDone({ fileName: result.fileName, warnings: result.warnings, runs: runIds.length });
    } catch (e) {
      setError(toErrorView(e));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <div className="stack" data-testid="export-done">
        <p>
          Downloaded <strong>{done.fileName}</strong> with {done.runs === 0 ? 'no reference runs' : done.runs === 1 ? '1 reference run' : `${done.runs} reference runs`}. Send it to the team
          that takes the flow over; they open it with “Import hand-over file” on the Flows screen.
        </p>
        {done.warnings.length > 0 ? (
          <div className="panel panel-warning" data-testid="export-warnings">
            <p className="panel-title">What Flowkeeper cleaned or could not check</p>
            <ul>
              {done.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="muted">Nothing to warn about: no secrets were found in what was exported.</p>
        )}
        <div className="form-actions">
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    );
  }

  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <fieldset className="handover-fieldset">
        <legend className="field-label">Reference runs</legend>
        <p className="field-help">
          The other team replays these runs on their machine to check the flow does the same there. Passwords and keys are removed from them; pick runs that show the usual cases and the
          errors you expect.
        </p>
        {runsError ? <ErrorBox error={runsError} /> : null}
        {runs === undefined && !runsError ? <p className="muted">Loading the runs…</p> : null}
        {runs && runs.length === 0 ? <p className="muted">This flow has no finished runs yet. You can export without any, or run it first so the other team has something to check it by.</p> : null}
        {runs && runs.length > 0 ? (
          <ul className="handover-runs" data-testid="export-runs">
            {runs.map((r) => (
              <li key={r.runId}>
                <label className="check">
                  <input type="checkbox" checked={chosen.has(r.runId)} onChange={() => toggle(r.runId)} />
                  <span>
                    {runStatusLabel(r.status)} · {formatWhen(r.createdAt)} · version {r.flowVersion}
                    {r.inputSummary ? <span className="muted"> · {r.inputSummary}</span> : null}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        ) : null}
      </fieldset>
      <div className="field">
        <label className="field-label" htmlFor={maskId}>
          Fields with personal data to hide (optional)
        </label>
        <input id={maskId} className="input" value={maskText} placeholder="email, customer.name" aria-describedby={maskHelpId} aria-invalid={mask.problems.length > 0} onChange={(e) => setMaskText(e.target.value)} />
        <span className="field-help" id={maskHelpId}>
          Names of fields in the runs’ items, separated by commas. Each value of such a field is replaced by a stand-in like «masked 1» — the same value gets the same stand-in
          everywhere, so the runs still replay. Use a dot for a field inside another: customer.name.
        </span>
        {mask.problems.map((p) => (
          <span key={p} className="field-error">
            {p}
          </span>
        ))}
      </div>
      {error ? <ErrorBox error={error} /> : null}
      <div className="form-actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy || mask.problems.length > 0} data-testid="export-download">
          {busy ? 'Making the file…' : 'Download hand-over file'}
        </button>
      </div>
    </form>
  );
}
