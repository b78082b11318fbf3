/**
 * "Drift check" on the flow page's Overview: the flow's reference runs (add one from a past run,
 * remove one), the drift schedule (kept in the charter: an ordinary, undoable, versioned edit),
 * the last check with its sentences, and Check now. Reads `references.*` and `drift.*`.
 */
import './drift-section.css';
import { useCallback, useEffect, useState } from 'react';
import type { MethodOutput } from '../../engine/model/contract.ts';
import type { DriftCheckResult, DriftStatus, ReferenceSummary } from '../../engine/model/drift.ts';
import type { Flow } from '../../engine/model/flow.ts';
import { getApi } from '../api.ts';
import { toErrorView } from '../logic/errors.ts';
import { notify } from '../stores/notice-store.ts';
import { updateCharter } from './charter-form.tsx';
import { charterOf } from './charter-logic.ts';
import { SCHEDULE_PRESETS, outcomeWords, presetOf, scheduleWords, when, type SchedulePreset } from './drift-logic.ts';

type RunSummary = MethodOutput<'runs.list'>[number];

export function DriftSection({ flowId, flow, savedVersion }: { flowId: string; flow: Flow; savedVersion: number | undefined }) {
  const [status, setStatus] = useState<DriftStatus | undefined>();
  const [references, setReferences] = useState<ReferenceSummary[] | undefined>();
  const [pastRuns, setPastRuns] = useState<RunSummary[]>([]);
  const [chosenRun, setChosenRun] = useState('');
  const [checking, setChecking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let live = true;
    const api = getApi();
    Promise.all([api.drift.status({ flowId }), api.references.list({ flowId }), api.runs.list({ flowId, status: 'succeeded', limit: 30 })])
      .then(([s, refs, runs]) => {
        if (!live) return;
        setStatus(s);
        setReferences(refs);
        setPastRuns(runs.filter((r) => r.mode === 'run'));
        setError(undefined);
      })
      .catch((e: unknown) => live && setError(toErrorView(e).message));
    return () => {
      live = false;
    };
  }, [flowId, savedVersion, tick]);

  const drift = charterOf(flow).drift;
  const [preset, setPreset] = useState<SchedulePreset>(presetOf(drift?.schedule));
  const [customCron, setCustomCron] = useState(drift?.schedule ?? '');
  useEffect(() => {
    setPreset(presetOf(drift?.schedule));
    setCustomCron(drift?.schedule ?? '');
  }, [drift?.schedule]);

  const setSchedule = (cron: string | undefined) =>
    updateCharter((c) => {
      const { drift: _old, ...rest } = c;
      return cron === undefined || cron.trim() === '' ? rest : { ...rest, drift: { schedule: cron.trim(), liveAi: c.drift?.liveAi ?? false, ...(c.drift?.timeZone ? { timeZone: c.drift.timeZone } : {}) } };
    });
  const choosePreset = (id: SchedulePreset) => {
    setPreset(id);
    if (id === 'custom') return; // waits for the cron line
    setSchedule(SCHEDULE_PRESETS.find((p) => p.id === id)?.cron);
  };
  const setLiveAi = (liveAi: boolean) => updateCharter((c) => (c.drift ? { ...c, drift: { ...c.drift, liveAi } } : c));

  const checkNow = async () => {
    setChecking(true);
    try {
      const result = await getApi().drift.check({ flowId });
      notify(outcomeWords(result), result.outcome === 'unchanged' ? 'success' : 'danger', result.outcome === 'unchanged' ? 5000 : 10_000);
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
    } finally {
      setChecking(false);
      reload();
    }
  };
  const addReference = async () => {
    if (!chosenRun) return;
    setBusy(true);
    try {
      await getApi().references.add({ flowId, runId: chosenRun });
      setChosenRun('');
      notify('The run is now a reference run of this flow.', 'success');
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
    } finally {
      setBusy(false);
      reload();
    }
  };
  const removeReference = async (runId: string) => {
    setBusy(true);
    try {
      await getApi().references.remove({ flowId, runId });
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
    } finally {
      setBusy(false);
      reload();
    }
  };

  const last: DriftCheckResult | undefined = status?.results[0];
  const refIds = new Set((references ?? []).map((r) => r.runId));
  const candidates = pastRuns.filter((r) => !refIds.has(r.runId));
  return (
    <section className="card drift-section" aria-labelledby="drift-title" data-testid="drift-section">
      <h3 className="card-title" id="drift-title">
        Drift check
      </h3>
      <p className="muted">
        Months later an outside system may answer differently, or an AI model may sort things differently. A drift check runs this flow again against its reference runs — reading from the real systems, but sending nothing: writes (and AI
        steps, unless you switch them on below) are answered from the recording — and tells the owner when the answers no longer look the same.
      </p>
      {error ? <div className="panel panel-danger">{error}</div> : null}

      <div className="drift-columns">
        <div className="drift-block">
          <h4 className="drift-subtitle">Reference runs</h4>
          {references === undefined ? (
            <p className="muted">Loading…</p>
          ) : references.length === 0 ? (
            <p data-testid="drift-no-references">No reference runs yet. A reference run is a finished run this flow is compared with: pick one of its past runs below, or import a hand-over bundle that has some.</p>
          ) : (
            <ul className="drift-list">
              {references.map((r) => (
                <li key={r.runId} className="drift-reference">
                  <span>
                    {/* A bundle's reference ran on another machine: there is no run here to open. */}
                    {r.source === 'local' ? <a href={`#/runs/${encodeURIComponent(r.runId)}`}>Run of {when(r.createdAt)}</a> : <span>Run of {when(r.createdAt)}</span>}{' '}
                    <span className="muted">
                      version {r.flowVersion} · {r.source === 'bundle' ? 'from a hand-over bundle' : 'chosen here'}
                    </span>
                  </span>
                  <button type="button" className="button button-small" disabled={busy} onClick={() => void removeReference(r.runId)} aria-label={`Remove the reference run of ${when(r.createdAt)}`}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="drift-add">
            <label className="field-label" htmlFor="drift-add-run">
              Add a past run as a reference
            </label>
            {candidates.length === 0 ? (
              <p className="muted" id="drift-add-run">
                {pastRuns.length === 0 ? 'No finished runs to choose from yet: run the flow once, then come back.' : 'Every recent finished run of this flow is a reference already.'}
              </p>
            ) : (
              <div className="drift-add-row">
                <select id="drift-add-run" className="input" value={chosenRun} onChange={(e) => setChosenRun(e.target.value)}>
                  <option value="">Choose a run that went well…</option>
                  {candidates.map((r) => (
                    <option key={r.runId} value={r.runId}>
                      {when(r.createdAt)} · version {r.flowVersion}
                      {r.inputSummary ? ` · ${r.inputSummary}` : ''}
                    </option>
                  ))}
                </select>
                <button type="button" className="button" disabled={busy || chosenRun === ''} onClick={() => void addReference()}>
                  Add
                </button>
              </div>
            )}
          </div>
        </div>

        <div className="drift-block">
          <h4 className="drift-subtitle">When it checks</h4>
          <label className="field-label" htmlFor="drift-schedule">
            Schedule
          </label>
          <select id="drift-schedule" className="input" value={preset} onChange={(e) => choosePreset(e.target.value as SchedulePreset)}>
            {SCHEDULE_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
          {preset === 'custom' ? (
            <div className="field">
              <label className="field-label" htmlFor="drift-cron">
                Cron line
              </label>
              <input
                id="drift-cron"
                className="input"
                value={customCron}
                placeholder="0 6 * * 1-5"
                onChange={(e) => setCustomCron(e.target.value)}
                onBlur={() => customCron.trim() !== (drift?.schedule ?? '') && setSchedule(customCron)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') setSchedule(customCron);
                }}
              />
              <p className="field-help">Minute, hour, day of month, month, day of week — e.g. “0 6 * * 1-5” for weekdays at 06:00.</p>
            </div>
          ) : null}
          {drift ? (
            <label className="drift-check">
              <input type="checkbox" checked={drift.liveAi} onChange={(e) => setLiveAi(e.target.checked)} /> Also ask the AI steps again (costs money; shows whether the model's answers moved)
            </label>
          ) : null}
          <p className="muted">{scheduleWords(drift?.schedule, drift?.timeZone)}</p>
          {status?.nextCheckAt ? <p className="muted">Next check: {when(status.nextCheckAt)}.</p> : status?.note && drift ? <p className="muted">{status.note}</p> : null}
          <p className="muted glance-small">Scheduled checks run while the flow is switched on, with the version that is live; the schedule is saved with the flow.</p>
        </div>
      </div>

      <div className="drift-block drift-last" data-testid="drift-last">
        <div className="drift-last-head">
          <h4 className="drift-subtitle">Last check</h4>
          <button type="button" className="button button-primary" disabled={checking || references?.length === 0} onClick={() => void checkNow()}>
            {checking ? 'Checking…' : 'Check now'}
          </button>
        </div>
        {last === undefined ? (
          <p className="muted">{references?.length === 0 ? 'Add a reference run first; then a check can compare with it.' : 'No check has run yet. Press Check now to run the first one.'}</p>
        ) : (
          <>
            <p className={`drift-outcome is-${last.outcome}`}>
              <strong>{outcomeWords(last)}</strong> <span className="muted">{when(last.at)} · {last.by === 'schedule' ? 'on schedule' : 'by hand'} · version {last.flowVersion}{last.missed ? ` · caught up ${last.missed} missed` : ''}</span>
            </p>
            {last.sentences.length > 0 ? (
              <ul className="drift-sentences">
                {last.sentences.map((s) => (
                  <li key={s}>
                    <Sentence text={s} />
                  </li>
                ))}
              </ul>
            ) : null}
            {last.problem ? (
              <ul className="drift-problems">
                {last.problem.split('\n').map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            ) : null}
            {[...new Set(last.references.flatMap((r) => r.notes))].map((n) => (
              <p key={n} className="muted glance-small">
                {n}
              </p>
            ))}
          </>
        )}
      </div>
    </section>
  );
}

/** A sentence whose `field paths` are shown as code. */
function Sentence({ text }: { text: string }) {
  const parts = text.split('`');
  return (
    <>
      {parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : <span key={i}>{part}</span>))}
    </>
  );
}
