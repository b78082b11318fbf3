/**
 * Two saved versions of a flow compared on the canvas (`#/flows/<id>/compare/<from>/<to>`,
 * opened from the flow page's version list): the newer version's steps with what was added,
 * changed or moved marked, the removed steps as ghosts where they were, connections added and
 * removed, and beside it the list of changes in words. Read-only; nothing here edits the flow.
 *
 * The answer is `flows.diff` (engine/model/flow-diff.ts, the one the CLI prints), drawn by the
 * pure diff-marks.ts and diff-words.ts.
 */
import '@xyflow/react/dist/style.css';
import '../editor/editor.css';
import './version-diff.css';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import type { FlowVersionInfo, MethodOutput } from '../../engine/model/contract.ts';
import type { Flow } from '../../engine/model/flow.ts';
import { getApi } from '../api.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { useCatalog } from '../editor/catalog-store.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { formatWhen } from '../logic/format.ts';
import { go } from '../stores/nav-store.ts';
import { DiffCanvas } from './diff-canvas.tsx';
import { diffPicture } from './diff-marks.ts';
import { DiffPanel } from './diff-panel.tsx';
import { changeGroups, withoutEmptyChanges } from './diff-words.ts';

interface Loaded {
  older: Flow;
  newer: Flow;
  diff: MethodOutput<'flows.diff'>['diff'];
}

export function VersionDiffView({ flowId, from, to }: { flowId: string; from: number; to: number }) {
  // Any two, in either order: the older one is always "before".
  const [older, newer] = from <= to ? [from, to] : [to, from];
  const [versions, setVersions] = useState<FlowVersionInfo[] | undefined>();
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<ErrorView | undefined>();
  const loadCatalog = useCatalog((s) => s.load);
  const catalog = useCatalog((s) => s.byType);
  const catalogError = useCatalog((s) => s.error);

  useEffect(() => {
    let live = true;
    setLoaded(undefined);
    setError(undefined);
    void (async () => {
      try {
        const [list, a, b, d] = await Promise.all([getApi().flows.versions({ id: flowId }), getApi().flows.get({ id: flowId, version: older }), getApi().flows.get({ id: flowId, version: newer }), getApi().flows.diff({ id: flowId, from: older, to: newer }), loadCatalog()]);
        if (!live) return;
        setVersions(list);
        setLoaded({ older: a.flow, newer: b.flow, diff: withoutEmptyChanges(d.diff) });
      } catch (e) {
        if (live) setError(toErrorView(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [flowId, older, newer, loadCatalog]);

  useEffect(() => {
    document.title = `Compare versions — ${loaded?.newer.name ?? 'Flow'} — Flowkeeper`;
  }, [loaded]);

  const back = () => go({ view: 'editor', flowId, tab: 'overview' });
  return (
    <div className="editor is-readonly version-diff" data-testid="version-diff">
      <header className="editor-bar">
        <button type="button" className="button button-quiet button-small" onClick={back}>
          ← Back to the flow
        </button>
        <h1 className="version-diff-title">Compare versions{loaded ? ` of “${loaded.newer.name}”` : ''}</h1>
        <span className="badge tone-info">Read-only</span>
        {versions ? <VersionPickers flowId={flowId} versions={versions} older={older} newer={newer} /> : null}
      </header>
      <Legend />
      {error || catalogError ? (
        <div className="view">
          <ErrorBox error={(error ?? catalogError)!} />
          <button type="button" className="button" onClick={back}>
            Back to the flow
          </button>
        </div>
      ) : !loaded ? (
        <p className="muted loading">Comparing version {older} with version {newer}…</p>
      ) : (
        <ReactFlowProvider>
          <Compared loaded={loaded} older={older} newer={newer} catalog={catalog} />
        </ReactFlowProvider>
      )}
    </div>
  );
}

function Compared({ loaded, older, newer, catalog }: { loaded: Loaded; older: number; newer: number; catalog: ReturnType<typeof useCatalog.getState>['byType'] }) {
  const [selected, setSelected] = useState<string | undefined>();
  const { fitView } = useReactFlow();
  const picture = useMemo(() => diffPicture(loaded.older, loaded.newer, loaded.diff), [loaded]);
  const groups = useMemo(() => changeGroups(loaded.diff, loaded.older, loaded.newer, catalog), [loaded, catalog]);
  const moved = loaded.diff.nodesMoved.filter((m) => !loaded.diff.nodesChanged.some((c) => c.nodeId === m.nodeId)).map((m) => m.name);
  const show = (nodeId: string) => {
    setSelected(nodeId);
    void fitView({ nodes: [{ id: nodeId }], duration: 300, maxZoom: 1.1, padding: 0.6 });
  };
  return (
    <div className="editor-body">
      <div className="editor-canvas">
        <DiffCanvas picture={picture} catalog={catalog} olderVersion={older} selected={selected} onSelect={setSelected} />
      </div>
      <DiffPanel diff={loaded.diff} groups={groups} from={older} to={newer} moved={moved} selected={selected} onShow={show} />
    </div>
  );
}

function VersionPickers({ flowId, versions, older, newer }: { flowId: string; versions: FlowVersionInfo[]; older: number; newer: number }) {
  const option = (v: FlowVersionInfo) => (
    <option key={v.version} value={v.version}>
      Version {v.version} · {formatWhen(v.savedAt)}
      {v.author ? ` · ${v.author}` : ''}
    </option>
  );
  return (
    <div className="version-diff-pickers">
      <label className="version-diff-picker">
        <span>Compare version</span>
        <select className="input" value={older} onChange={(e) => go({ view: 'compare', flowId, from: Number(e.target.value), to: newer })}>
          {versions.map(option)}
        </select>
      </label>
      <label className="version-diff-picker">
        <span>with version</span>
        <select className="input" value={newer} onChange={(e) => go({ view: 'compare', flowId, from: older, to: Number(e.target.value) })}>
          {versions.map(option)}
        </select>
      </label>
    </div>
  );
}

function Legend() {
  return (
    <div className="diff-legend" aria-label="What the marks mean">
      <span className="diff-legend-item">
        <span className="node-badge diff-badge diff-badge-added">+ Added</span> new in the later version
      </span>
      <span className="diff-legend-item">
        <span className="node-badge diff-badge diff-badge-removed">− Removed</span> shown faded where it was
      </span>
      <span className="diff-legend-item">
        <span className="node-badge diff-badge diff-badge-changed">✎ Changed</span> settings differ
      </span>
      <span className="diff-legend-item">
        <span className="node-badge diff-badge diff-badge-moved">↔ Moved</span> only its place on the canvas
      </span>
    </div>
  );
}
