/**
 * The flow page's version list: every save is a version (who saved it, when, their note and
 * what changed, from `flows.versions`), newest first, with the live one marked. "What changed"
 * compares a version with the one before it on the canvas; "Compare" any two. "Roll back to
 * this" saves that content as a new version (history is never rewritten) and loads it into the
 * editor; while the flow is on, "Put this version live" runs a chosen version (`flows.activate`
 * with it, behind the same checklist).
 */
import { useEffect, useId, useState } from 'react';
import type { FlowVersionInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { flushSave } from '../editor/autosave.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { formatTimestamp, formatWhen } from '../logic/format.ts';
import { useEditor } from '../editor/editor-store.ts';
import { go } from '../stores/nav-store.ts';
import { notify } from '../stores/notice-store.ts';

/** How many versions show before "Show all". */
const FIRST = 8;

export interface VersionListProps {
  flowId: string;
  savedVersion: number;
  /** The live version while the flow is on; undefined while it is off. */
  activeVersion: number | undefined;
  /** A rollback or a version put live changed what the flow page shows. */
  onChanged(): void;
}

export function VersionList({ flowId, savedVersion, activeVersion, onChanged }: VersionListProps) {
  const [versions, setVersions] = useState<FlowVersionInfo[] | undefined>();
  const [error, setError] = useState<ErrorView | undefined>();
  const [all, setAll] = useState(false);
  const [pick, setPick] = useState<{ from: number; to: number } | undefined>();
  const [busy, setBusy] = useState<number | undefined>();
  const fromId = useId();
  const toId = useId();

  useEffect(() => {
    let live = true;
    getApi()
      .flows.versions({ id: flowId })
      .then((list) => {
        if (!live) return;
        setVersions(list);
        setError(undefined);
      })
      .catch((e: unknown) => live && setError(toErrorView(e)));
    return () => {
      live = false;
    };
  }, [flowId, savedVersion]);

  // The default pair: the latest against the one before it.
  const latest = versions?.[0]?.version;
  const chosen = pick ?? (latest !== undefined ? { from: Math.max(1, latest - 1), to: latest } : undefined);
  const compare = (from: number, to: number) => void flushSave().finally(() => go({ view: 'compare', flowId, from, to }));
  const shown = all ? versions : versions?.slice(0, FIRST);

  const rollBack = async (version: number) => {
    setBusy(version);
    try {
      if (!(await flushSave())) throw new Error('Save the flow first: see the message next to “Saved”.');
      const result = await getApi().flows.rollback({ id: flowId, version });
      useEditor.getState().load(result.flow, result.version, result.problems);
      notify(`Rolled back: version ${result.version} has the content of version ${version}. Nothing was deleted; the versions in between stay in the list.`, 'success');
      onChanged();
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
    } finally {
      setBusy(undefined);
    }
  };
  const putLive = async (version: number) => {
    setBusy(version);
    try {
      await getApi().flows.activate({ id: flowId, version });
      notify(`Version ${version} is live now.`, 'success');
    } catch (e) {
      const details = (e as { details?: { missing?: unknown } }).details;
      const missing = Array.isArray(details?.missing) ? details.missing.filter((m): m is string => typeof m === 'string') : [];
      notify(missing.length > 0 ? `Version ${version} was not put live: ${missing.join(' ')}` : `Version ${version} was not put live: ${toErrorView(e).message}`, 'danger', 12_000);
    } finally {
      setBusy(undefined);
      onChanged();
    }
  };

  return (
    <section className="card version-list" aria-labelledby="versions-title" data-testid="version-list">
      <h3 className="card-title" id="versions-title">
        Versions
      </h3>
      <p className="muted">Every save is kept as a version. Compare two to see on the canvas what was added, removed or changed.</p>
      {error ? <div className="panel panel-danger">{error.message}</div> : null}
      {versions === undefined && !error ? <p className="muted">Loading the versions…</p> : null}
      {versions && versions.length < 2 ? <p className="muted">Only one version so far: there is nothing to compare yet. Each save adds one.</p> : null}
      {versions && versions.length >= 2 && chosen ? (
        <div className="version-compare">
          <label htmlFor={fromId}>Compare version</label>
          <select id={fromId} className="input" value={chosen.from} onChange={(e) => setPick({ ...chosen, from: Number(e.target.value) })}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
              </option>
            ))}
          </select>
          <label htmlFor={toId}>with version</label>
          <select id={toId} className="input" value={chosen.to} onChange={(e) => setPick({ ...chosen, to: Number(e.target.value) })}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
              </option>
            ))}
          </select>
          <button type="button" className="button button-small button-primary" onClick={() => compare(chosen.from, chosen.to)} data-testid="compare-versions">
            Compare
          </button>
        </div>
      ) : null}
      {shown && shown.length > 0 ? (
        <ol className="version-rows">
          {shown.map((v) => (
            <li key={v.version} className="version-row" data-version={v.version}>
              <div className="version-row-head">
                <strong>Version {v.version}</strong>
                {v.version === activeVersion ? <span className="badge tone-success">Live</span> : null}
                <span className="muted" title={formatTimestamp(v.savedAt)}>
                  {formatWhen(v.savedAt)}
                  {v.author ? ` · ${v.author}` : ''}
                </span>
              </div>
              {v.message ? <div className="version-row-message">“{v.message}”</div> : null}
              <div className="muted version-row-summary">{v.restoredFrom !== undefined ? `Rolled back to version ${v.restoredFrom}` : v.version === 1 ? 'The first version.' : v.summary}</div>
              <div className="version-row-actions">
                {v.version > 1 ? (
                  <button type="button" className="button button-small" onClick={() => compare(v.version - 1, v.version)} aria-label={`What changed in version ${v.version}`}>
                    What changed
                  </button>
                ) : null}
                {v.version !== latest ? (
                  <button type="button" className="button button-small button-quiet" disabled={busy !== undefined} onClick={() => void rollBack(v.version)} aria-label={`Roll back to this: version ${v.version}`}>
                    Roll back to this
                  </button>
                ) : null}
                {activeVersion !== undefined && v.version !== activeVersion ? (
                  <button type="button" className="button button-small button-quiet" disabled={busy !== undefined} onClick={() => void putLive(v.version)} aria-label={`Put this version live: version ${v.version}`}>
                    Put this version live
                  </button>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      ) : null}
      {versions && versions.length > FIRST ? (
        <button type="button" className="button button-small button-quiet" onClick={() => setAll((a) => !a)}>
          {all ? 'Show fewer' : `Show all ${versions.length} versions`}
        </button>
      ) : null}
    </section>
  );
}
