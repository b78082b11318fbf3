/**
 * The flow page's version list: every save is a version (who saved it, when, their note and
 * what changed, from `flows.versions`), newest first, with the live one marked. "What changed"
 * compares a version with the one before it on the canvas; "Compare" any two.
 */
import { useEffect, useId, useState } from 'react';
import type { FlowVersionInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { flushSave } from '../editor/autosave.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { formatTimestamp, formatWhen } from '../logic/format.ts';
import { go } from '../stores/nav-store.ts';

/** How many versions show before "Show all". */
const FIRST = 8;

export function VersionList({ flowId, savedVersion, activeVersion }: { flowId: string; savedVersion: number; activeVersion: number | undefined }) {
  const [versions, setVersions] = useState<FlowVersionInfo[] | undefined>();
  const [error, setError] = useState<ErrorView | undefined>();
  const [all, setAll] = useState(false);
  const [pick, setPick] = useState<{ from: number; to: number } | undefined>();
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
              {v.version > 1 ? (
                <button type="button" className="button button-small" onClick={() => compare(v.version - 1, v.version)} aria-label={`What changed in version ${v.version}`}>
                  What changed
                </button>
              ) : null}
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
