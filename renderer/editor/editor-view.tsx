/**
 * The editor screen for one flow: palette on the left, canvas in the middle, the selected step's
 * panel on the right; a toolbar with save state, undo/redo, layout, run and help. With a run id
 * it shows that past run read-only with a timeline (time travel), and can fork or replay it.
 */
import '@xyflow/react/dist/style.css';
import './editor.css';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { MethodOutput } from '../../engine/model/contract.ts';
import type { Flow } from '../../engine/model/flow.ts';
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { liveNote } from '../logic/live-version.ts';
import { useCredentials } from '../stores/credentials-store.ts';
import { useFlows } from '../stores/flows-store.ts';
import { go } from '../stores/nav-store.ts';
import { notify } from '../stores/notice-store.ts';
import { RunDialog } from '../views/run-dialog.tsx';
import { DemoRunDialog } from './demo-run-dialog.tsx';
import { DemoBadge } from '../components/demo-badge.tsx';
import { flushSave, pauseAutosave, resolveConflict, startAutosave, useSave } from './autosave.ts';
import { Canvas, type Sizes } from './canvas.tsx';
import { useCatalog } from './catalog-store.ts';
import { autoLayout, copyNodes, duplicateNodes, nudge, pasteNodes, removeSelection, startSelectionPruning } from './editor-actions.ts';
import { updateNode, useEditor } from './editor-store.ts';
import { Palette } from './palette.tsx';
import { PinSection } from './pin-section.tsx';
import { ReviewStatsSection } from './review-stats-section.tsx';
import { usePins } from './pin-store.ts';
import { followRun, openPastRun, startRunEvents } from './run-controller.ts';
import { useRunView } from './run-view-store.ts';
import { SHORTCUTS } from './shortcuts.ts';
import { SidePanel, type SidePanelProps } from './side-panel.tsx';
import { Timeline } from './timeline.tsx';
import { useEditorUi } from './ui-store.ts';
import { FlowPage } from '../flow-page/flow-page.tsx';

type ReplayReport = MethodOutput<'runs.replay'>;

export function EditorView({ flowId, runId, tab }: { flowId: string; runId?: string; tab?: 'overview' }) {
  const [error, setError] = useState<ErrorView | undefined>();
  const [loaded, setLoaded] = useState(false);
  const readOnly = runId !== undefined;
  const loadCatalog = useCatalog((s) => s.load);
  const catalogError = useCatalog((s) => s.error);

  useEffect(() => startRunEvents(), []);

  useEffect(() => {
    let live = true;
    setLoaded(false);
    setError(undefined);
    useEditorUi.getState().select([]);
    pauseAutosave(true);
    void (async () => {
      try {
        // The catalogue and the flow are asked for together: one round trip less before the canvas shows.
        const catalog = loadCatalog();
        void usePins.getState().load(flowId);
        if (runId) {
          const [detail] = await Promise.all([openPastRun(runId), catalog]);
          if (!live) return;
          useEditor.getState().load(detail.flow, detail.flow.version, []);
        } else {
          const [{ flow, problems }] = await Promise.all([getApi().flows.get({ id: flowId }), catalog]);
          if (!live) return;
          useEditor.getState().load(flow, flow.version, problems);
          if (useRunView.getState().mode === 'past' || useRunView.getState().header?.flowId !== flowId) useRunView.getState().close();
        }
        if (live) setLoaded(true);
      } catch (e) {
        if (live) setError(toErrorView(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [flowId, runId, loadCatalog]);

  useEffect(() => {
    if (!loaded || readOnly) return;
    const stop = startAutosave();
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (!useEditor.getState().dirty) return;
      void flushSave();
      event.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      stop();
      // Leaving the editor saves first; if that fails the person is told, and the flow's
      // history keeps every version that was saved.
      const name = useEditor.getState().flow?.name ?? flowId;
      void flushSave().then((ok) => {
        if (!ok) notify(`Your latest changes to “${name}” could not be saved. Open the flow again to save them.`, 'danger', 12_000);
      });
    };
  }, [loaded, readOnly, flowId]);

  if (error || catalogError) {
    return (
      <section className="view">
        <ErrorBox error={(error ?? catalogError)!} />
        <button type="button" className="button" onClick={() => go({ view: 'flows' })}>
          Back to flows
        </button>
      </section>
    );
  }
  if (!loaded) return <p className="muted loading">Opening the flow…</p>;
  // The canvas makes its own React Flow store, with the flow's steps in it from the start (canvas.tsx).
  return <Editor flowId={flowId} runId={runId} readOnly={readOnly} overview={tab === 'overview' && !readOnly} />;
}

function Editor({ flowId, runId, readOnly, overview }: { flowId: string; runId: string | undefined; readOnly: boolean; overview: boolean }) {
  const flowName = useEditor((s) => s.flow?.name ?? '');
  const [canUndo, canRedo] = useEditor(useShallow((s) => [s.past.length > 0, s.future.length > 0]));
  const hasErrors = useEditor((s) => s.problems.some((p) => p.severity === 'error'));
  const selected = useEditorUi((s) => s.selected);
  const message = useEditorUi((s) => s.message);
  const helpOpen = useEditorUi((s) => s.helpOpen);
  const run = useRunView(useShallow((s) => ({ runId: s.runId, mode: s.mode, status: s.state?.status })));
  const [runOpen, setRunOpen] = useState(false);
  const [demoOpen, setDemoOpen] = useState(false);
  /** The demo run being followed, and the recorded run answering it. */
  const [demo, setDemo] = useState<{ runId: string; referenceRunId: string } | undefined>();
  const [replay, setReplay] = useState<ReplayReport | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const sizes = useRef<Sizes>(new Map());
  const onSizes = useCallback((s: Sizes) => (sizes.current = s), []);

  useEffect(() => {
    document.title = `${flowName || 'Flow'} — Flowkeeper`;
  }, [flowName]);
  useEffect(() => setReplay(undefined), [runId]);
  useEffect(() => startSelectionPruning(), []);
  // The canvas marks each step same / different on replay.
  useEffect(() => useRunView.getState().setReplay(replay ? Object.fromEntries(replay.nodes.map((n) => [n.nodeId, n.identical])) : undefined), [replay]);

  const startRun = async () => {
    if (!(await flushSave())) {
      notify('Save the flow first: see the message next to “Saved”.', 'danger');
      return;
    }
    setRunOpen(true);
  };

  const fork = async () => {
    const from = selected[0];
    if (!runId || !from) return;
    setBusy('fork');
    try {
      const { runId: forked } = await getApi().runs.fork({ runId, fromNodeId: from });
      const flow = useEditor.getState().flow!;
      go({ view: 'editor', flowId });
      await followRun(forked, { id: flow.id, name: flow.name, version: flow.version });
      notify('Started a new run from that step; the steps before it reuse their earlier results.');
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
    } finally {
      setBusy(undefined);
    }
  };

  const doReplay = async () => {
    if (!runId) return;
    setBusy('replay');
    try {
      setReplay(await getApi().runs.replay({ runId }));
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
    } finally {
      setBusy(undefined);
    }
  };

  // On the window, not the editor's element: after a delete or a click on empty space the focus
  // may sit on the page body, and the shortcuts must still work.
  useEffect(() => {
    const listener = (e: globalThis.KeyboardEvent) => onKey(e, readOnly, overview);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, [readOnly, overview]);


  const live = run.mode === 'live' && run.runId !== undefined;
  return (
    <div className={`editor${readOnly ? ' is-readonly' : ''}`} data-testid="editor">
      <header className="editor-bar">
        <button type="button" className="button button-quiet button-small" onClick={() => void flushSave().finally(() => go({ view: 'flows' }))}>
          ← Flows
        </button>
        <FlowName readOnly={readOnly} />
        {readOnly ? <span className="badge tone-info">Past run · read-only</span> : <SaveState />}
        {readOnly ? null : <LiveNote flowId={flowId} />}
        <div className="editor-bar-actions">
          {readOnly ? (
            <>
              <button type="button" className="button button-small" onClick={() => void fork()} disabled={selected.length !== 1 || busy !== undefined} title={selected.length === 1 ? 'Run again from the selected step, reusing what came before' : 'Select a step first'}>
                {busy === 'fork' ? 'Starting…' : 'Re-run from here'}
              </button>
              <button type="button" className="button button-small" onClick={() => void doReplay()} disabled={busy !== undefined} title="Run it again offline with the recorded answers and compare">
                {busy === 'replay' ? 'Replaying…' : 'Replay'}
              </button>
              <button type="button" className="button button-small" onClick={() => go({ view: 'editor', flowId })}>
                Back to editing
              </button>
            </>
          ) : (
            <>
              <button type="button" className="button button-small" onClick={() => useEditor.getState().undo()} disabled={!canUndo} aria-label="Undo" title="Undo (Ctrl+Z)">
                Undo
              </button>
              <button type="button" className="button button-small" onClick={() => useEditor.getState().redo()} disabled={!canRedo} aria-label="Redo" title="Redo (Ctrl+Shift+Z)">
                Redo
              </button>
              <button type="button" className="button button-small" onClick={() => void autoLayout(sizes.current)} title="Arrange the steps from left to right">
                Tidy up
              </button>
              <button
                type="button"
                className="button button-small"
                onClick={() => void flushSave().then((saved) => (saved ? setDemoOpen(true) : notify('Save the flow first: see the message next to “Saved”.', 'danger')))}
                disabled={hasErrors}
                title={hasErrors ? 'Fix the problems marked on the steps first' : 'Run it with every outside call answered from a past run: nothing is sent'}
              >
                Run as demo…
              </button>
              <button type="button" className="button button-primary button-small" onClick={() => void startRun()} disabled={hasErrors} title={hasErrors ? 'Fix the problems marked on the steps first' : 'Save and run this flow'}>
                Run
              </button>
            </>
          )}
          <button type="button" className="button button-quiet button-small" onClick={() => useEditorUi.getState().setHelpOpen(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
            ?
          </button>
        </div>
      </header>
      <ConflictBanner />
      {readOnly ? null : (
        <div className="editor-tabs" role="tablist" aria-label="Flow">
          <button type="button" role="tab" className="tab" aria-selected={!overview} onClick={() => go({ view: 'editor', flowId })}>
            Canvas
          </button>
          <button type="button" role="tab" className="tab" aria-selected={overview} onClick={() => void flushSave().finally(() => go({ view: 'editor', flowId, tab: 'overview' }))}>
            Overview
          </button>
        </div>
      )}
      {live ? <LiveRunBar flowId={flowId} {...(demo && demo.runId === run.runId ? { demoOf: demo.referenceRunId } : {})} /> : null}
      {replay ? <ReplayBanner report={replay} onClose={() => setReplay(undefined)} /> : null}
      {overview ? (
        <FlowPage
          flowId={flowId}
          onShowStep={(nodeId) => {
            useEditorUi.getState().select(nodeId ? [nodeId] : []);
            go({ view: 'editor', flowId });
          }}
        />
      ) : (
      <div className="editor-body">
        {readOnly ? null : <Palette readOnly={readOnly} />}
        <div className="editor-canvas">
          <Canvas readOnly={readOnly} onSizes={onSizes} />
          <EmptyCanvasHint />
          {message ? (
            <div className="canvas-message" role="alert">
              {message}
              <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => useEditorUi.getState().say(undefined)}>
                ×
              </button>
            </div>
          ) : null}
        </div>
        <SelectedPanel readOnly={readOnly} replay={replay} />
      </div>
      )}
      {readOnly ? <Timeline /> : null}
      <RunDialog
        flow={runOpen ? { id: flowId, name: flowName } : undefined}
        onClose={() => setRunOpen(false)}
        usePins
        onStarted={(started) => {
          const flow = useEditor.getState().flow!;
          void followRun(started, { id: flow.id, name: flow.name, version: flow.version });
        }}
      />
      <DemoRunDialog
        flow={demoOpen ? { id: flowId, name: flowName } : undefined}
        onClose={() => setDemoOpen(false)}
        onStarted={(started, referenceRunId) => {
          const flow = useEditor.getState().flow!;
          setDemo({ runId: started, referenceRunId });
          void followRun(started, { id: flow.id, name: flow.name, version: flow.version });
        }}
      />
      <Dialog open={helpOpen} title="Keyboard shortcuts" onClose={() => useEditorUi.getState().setHelpOpen(false)}>
        <dl className="shortcuts">
          {SHORTCUTS.map((s) => (
            <div key={s.keys} className="shortcut">
              <dt>
                <kbd>{s.keys}</kbd>
              </dt>
              <dd>{s.does}</dd>
            </div>
          ))}
        </dl>
      </Dialog>
    </div>
  );
}


/** The editor's keyboard shortcuts (listed in shortcuts.ts for the help panel). */
function onKey(e: globalThis.KeyboardEvent, readOnly: boolean, overview = false): void {
  const target = e.target as HTMLElement;
  if (target.closest('input, textarea, select, [contenteditable="true"], .cm-editor, dialog')) return;
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  const ui = useEditorUi.getState();
  if (key === '?' || (key === '/' && e.shiftKey)) {
    ui.setHelpOpen(true);
  } else if (readOnly) {
    return;
  } else if (overview && !(mod && ['z', 'y'].includes(key))) {
    // On the flow page only undo and redo: no step is on screen to copy, delete or move.
    return;
  } else if (mod && key === 'z' && !e.shiftKey) {
    useEditor.getState().undo();
  } else if (mod && (key === 'y' || (key === 'z' && e.shiftKey))) {
    useEditor.getState().redo();
  } else if (mod && key === 'c') {
    if (copyNodes(ui.selected)) notify(ui.selected.length === 1 ? 'Copied 1 step.' : `Copied ${ui.selected.length} steps.`, 'success', 2000);
  } else if (mod && key === 'v') {
    void pasteNodes();
  } else if (mod && key === 'd') {
    duplicateNodes(ui.selected);
  } else if (mod && key === 'a') {
    ui.select(useEditor.getState().flow?.nodes.map((n) => n.id) ?? []);
  } else if (key === 'delete' || key === 'backspace') {
    removeSelection(ui.selected, ui.selectedEdges);
  } else if (key.startsWith('arrow') && ui.selected.length > 0 && !target.closest('.react-flow__node')) {
    const step = e.shiftKey ? 50 : 10;
    nudge(ui.selected, key === 'arrowleft' ? -step : key === 'arrowright' ? step : 0, key === 'arrowup' ? -step : key === 'arrowdown' ? step : 0);
  } else if (key === 'escape') {
    ui.select([]);
  } else {
    return;
  }
  e.preventDefault();
}

function FlowName({ readOnly }: { readOnly: boolean }) {
  const name = useEditor((s) => s.flow?.name ?? '');
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  const commit = () => {
    const next = draft.trim();
    if (next && next !== name) useEditor.getState().commit((f) => ({ ...f, name: next }));
    else setDraft(name);
  };
  return (
    <input
      className="input editor-flow-name"
      value={draft}
      readOnly={readOnly}
      aria-label="Flow name"
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

/**
 * "Live: version 7" while the flow is switched on: the app pins the version it switches on, so
 * autosaved edits are not live until someone puts them live (on the Overview or the flows list).
 * Read from the flows list (kept current by its pushed `flows.changed` events).
 */
function LiveNote({ flowId }: { flowId: string }) {
  const { summary, loaded } = useFlows(useShallow((s) => ({ summary: s.flows.find((f) => f.id === flowId), loaded: s.loaded })));
  const savedVersion = useEditor((s) => s.savedVersion);
  useEffect(() => {
    if (!loaded) void useFlows.getState().load();
  }, [loaded]);
  const note = liveNote({ active: summary?.active, activeVersion: summary?.activeVersion });
  if (!note || summary?.activeVersion === undefined) return null;
  const behind = summary.activeVersion < savedVersion;
  return (
    <span className={`badge editor-live-note ${behind ? 'tone-warning' : 'tone-success'}`} data-testid="live-note" title={behind ? `Your edits since (version ${savedVersion}) are not live yet: put them live on the Overview.` : 'The version that runs when its triggers fire.'}>
      {note}
    </span>
  );
}

function SaveState() {
  const { status, message } = useSave(useShallow((s) => ({ status: s.status, message: s.message })));
  const text = { saved: 'All changes saved', unsaved: 'Unsaved changes…', saving: 'Saving…', error: 'Not saved', conflict: 'Not saved: changed elsewhere' }[status];
  return (
    <span className={`save-state save-${status}`} role="status" data-testid="save-state" title={message}>
      {text}
      {status === 'error' ? (
        <>
          {' '}
          — {message}{' '}
          <button type="button" className="button button-small" onClick={() => (useSave.setState({ status: 'unsaved' }), void flushSave())}>
            Try again
          </button>
        </>
      ) : null}
    </span>
  );
}

function ConflictBanner() {
  const { status, message, theirVersion } = useSave(useShallow((s) => ({ status: s.status, message: s.message, theirVersion: s.theirVersion })));
  if (status !== 'conflict') return null;
  return (
    <div className="banner tone-warning" role="alert" data-testid="conflict">
      <span>
        {message} {theirVersion ? `Their version is ${theirVersion}.` : ''} Your changes are kept here until you choose.
      </span>
      <button type="button" className="button button-small" onClick={() => void resolveConflict('mine')}>
        Keep mine (theirs stays in the history)
      </button>
      <button type="button" className="button button-small" onClick={() => void resolveConflict('theirs')}>
        Load theirs (Undo brings mine back)
      </button>
    </div>
  );
}

function LiveRunBar({ flowId, demoOf }: { flowId: string; demoOf?: string }) {
  const { runId, status, done, total } = useRunView(
    useShallow((s) => {
      const nodes = Object.values(s.state?.nodes ?? {});
      return { runId: s.runId!, status: s.state?.status, done: nodes.filter((n) => n.status === 'succeeded' || n.status === 'failed' || n.status === 'skipped').length, total: useEditor.getState().flow?.nodes.length ?? 0 };
    }),
  );
  const text =
    status === 'running' ? `Running… ${done} of ${total} steps done` : status === 'succeeded' ? 'The run finished. Click a step to see its items.' : status === 'failed' ? 'The run failed. The failed step is marked red; click it to see why.' : status === 'needs-attention' ? 'The run is waiting for a decision (see the Inbox or the run page).' : status === 'cancelled' ? 'The run was stopped.' : 'Run paused.';
  return (
    <div className={`banner run-bar tone-${status === 'failed' ? 'danger' : status === 'succeeded' ? 'success' : 'info'}`} role="status" data-testid="run-bar" data-run-status={status}>
      <span>
        {demoOf ? (
          <>
            <DemoBadge label="Demo run" />{' '}
          </>
        ) : null}
        {text}
        {demoOf ? ` Every outside call is answered from the recording of run ${demoOf}; nothing is sent.` : ''}
      </span>
      {status === 'running' ? <progress max={Math.max(total, 1)} value={done} aria-label="Steps done" /> : null}
      <button type="button" className="button button-small" onClick={() => go({ view: 'editor', flowId, runId })}>
        Step through this run
      </button>
      <button type="button" className="button button-quiet button-small" onClick={() => useRunView.getState().close()}>
        Hide
      </button>
    </div>
  );
}

function ReplayBanner({ report, onClose }: { report: ReplayReport; onClose(): void }) {
  const differing = report.nodes.filter((n) => !n.identical);
  return (
    <div className={`banner tone-${report.identical ? 'success' : 'warning'}`} role="status" data-testid="replay-result">
      <span>
        {report.identical
          ? 'Replay: identical. Running it again with the recorded answers gives exactly the same results.'
          : `Replay: ${differing.length === 1 ? '1 step differs' : `${differing.length} steps differ`} — ${differing.map((n) => `“${n.name}”`).join(', ')}. Select a step to see what changed.`}
        {report.note ? ` ${report.note}` : ''}
      </span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={onClose}>
        ×
      </button>
    </div>
  );
}

function EmptyCanvasHint() {
  const empty = useEditor((s) => (s.flow?.nodes.length ?? 0) === 0);
  if (!empty) return null;
  return (
    <div className="canvas-empty" data-testid="canvas-empty">
      <h2>Start with a trigger</h2>
      <p>Drag “Start by hand” from the list on the left onto this area, or click it. Then add the steps that should follow and connect them by dragging from a dot on the right of a step to the dot on the left of the next.</p>
    </div>
  );
}

/** Same flow apart from where its steps are on the canvas? */
function samePartsButPositions(a: Flow, b: Flow): boolean {
  if (a.nodes.length !== b.nodes.length || a.edges !== b.edges || a.name !== b.name || a.settings !== b.settings) return false;
  return a.nodes.every((n, i) => {
    const m = b.nodes[i]!;
    if (n === m) return true;
    const keys = new Set([...Object.keys(n), ...Object.keys(m)]);
    keys.delete('position');
    return [...keys].every((k) => (n as Record<string, unknown>)[k] === (m as Record<string, unknown>)[k]);
  });
}

/**
 * The flow for the side panel, which does not show positions: while a step is dragged (a new
 * flow object per frame), the panel and its inspector keep the flow they have and do not re-render.
 */
function useSettingsFlow(): Flow | undefined {
  const last = useRef<Flow | undefined>(undefined);
  return useEditor((s) => {
    const previous = last.current;
    if (previous && s.flow && previous !== s.flow && samePartsButPositions(previous, s.flow)) return previous;
    last.current = s.flow;
    return s.flow;
  });
}

/** The panel for the one selected step, with its props built from the stores. */
function SelectedPanel({ readOnly, replay }: { readOnly: boolean; replay: ReplayReport | undefined }) {
  const selected = useEditorUi((s) => (s.selected.length === 1 ? s.selected[0] : undefined));
  const flow = useSettingsFlow();
  const allProblems = useEditor((s) => s.problems);
  const nodeType = useCatalog((s) => (selected ? s.byType.get(flow?.nodes.find((n) => n.id === selected)?.type ?? '') : undefined));
  const credentials = useCredentials((s) => s.credentials);
  const loadCredentials = useCredentials((s) => s.load);
  const runStatus = useRunView((s) => s.state?.status);
  const runNodes = useRunView((s) => s.state?.nodes);
  useEffect(() => {
    void loadCredentials();
  }, [loadCredentials]);
  const node = flow?.nodes.find((n) => n.id === selected);
  if (!flow || !node) {
    // The panel's place stays reserved, so selecting a step does not shift the canvas under the pointer.
    return (
      <aside className="side-panel side-panel-empty" aria-label="Selected step">
        <h3>No step selected</h3>
        <p className="muted">{readOnly ? 'Click a step to see what it received and produced at this moment of the run.' : 'Click a step to name it, change its settings and, after a run, see the items it received and produced.'}</p>
      </aside>
    );
  }
  const problems = allProblems.filter((p) => p.nodeId === node.id);
  const inputs = runNodes
    ? flow.edges.filter((e) => e.target === node.id).flatMap((e) => {
        const items = runNodes[e.source]?.outputs?.[e.sourcePort];
        return Array.isArray(items) ? items : [];
      })
    : [];
  const diff = replay?.nodes.find((n) => n.nodeId === node.id);
  const props: SidePanelProps = {
    flow,
    node,
    nodeType,
    problems,
    credentials,
    run: runStatus ? { status: runStatus, node: runNodes?.[node.id], inputs } : undefined,
    readOnly,
    onChange: (patch) => updateNode(node.id, (n) => ({ ...n, ...patch })),
    onClose: () => useEditorUi.getState().select([]),
    pinSection: <PinSection flowId={flow.id} nodeId={node.id} />,
    ...(node.type === 'human.review' ? { reviewStats: <ReviewStatsSection flowId={flow.id} nodeId={node.id} /> } : {}),
    ...(diff ? { replayDiff: diff } : {}),
  };
  return <SidePanel key={node.id} {...props} />;
}
