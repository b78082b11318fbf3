/**
 * Flows: the saved flows with their owner, version, how they start (the on/off switch and their
 * triggers' health, live), AI spend and health; open, create, import, run and export.
 */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlowSummary, MethodOutput } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { startEmptyFlow, TemplatePicker } from '../editor/template-picker.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { describeFlowSpend } from '../logic/ai-spend.ts';
import { formatTimestamp, formatWhen, plural } from '../logic/format.ts';
import { problemCount } from '../logic/problems.ts';
import { describeLiveVersion } from '../logic/live-version.ts';
import { describeFlowStart } from '../logic/trigger-health.ts';
import { exportFlow } from '../stores/app-commands.ts';
import { useFlows } from '../stores/flows-store.ts';
import { go } from '../stores/nav-store.ts';
import { ImportDialog } from './import-dialog.tsx';
import { ImportWizardDialog } from '../handover/import-wizard.tsx';
import { RunDialog } from './run-dialog.tsx';
import './flows-view.css';

/**
 * How often the list re-reads its triggers' health while shown: "last fired 3 min ago" ages, and a
 * heartbeat changes nothing the pushed events announce. Fires and failures arrive as events.
 */
const HEALTH_REFRESH_MS = 30_000;

export function FlowsView() {
  const { flows, loaded, error, load, selectedId, select, importOpen, setImportOpen } = useFlows(
    useShallow((s) => ({ flows: s.flows, loaded: s.loaded, error: s.error, load: s.load, selectedId: s.selectedId, select: s.select, importOpen: s.importOpen, setImportOpen: s.setImportOpen })),
  );
  const [runFlow, setRunFlow] = useState<FlowSummary | undefined>();
  const [templatesOpen, setTemplatesOpen] = useState(false);
  const [handoverOpen, setHandoverOpen] = useState(false);

  useEffect(() => {
    void load();
  }, [load]);
  const anyActive = flows.some((f) => f.active);
  useEffect(() => {
    if (!anyActive) return;
    const timer = setInterval(() => void useFlows.getState().loadHealth(), HEALTH_REFRESH_MS);
    return () => clearInterval(timer);
  }, [anyActive]);

  const importButton = (
    <button type="button" className="button" onClick={() => setImportOpen(true)}>
      Import flow
    </button>
  );
  // A hand-over file (.fkbundle): the import wizard links credentials, replays, hands the charter over.
  const handoverButton = (
    <button type="button" className="button" onClick={() => setHandoverOpen(true)}>
      Import hand-over file
    </button>
  );
  const newButton = (
    <button type="button" className="button button-primary" onClick={() => void startEmptyFlow()}>
      New flow
    </button>
  );

  return (
    <section className="view" aria-labelledby="flows-title">
      <header className="view-header">
        <div>
          <h1 id="flows-title">Flows</h1>
          <p className="view-subtitle">Automations you can run. Each run leaves a trace you can inspect and replay.</p>
        </div>
        <div className="view-actions">
          {importButton}
          {handoverButton}
          {flows.length > 0 ? (
            <button type="button" className="button" onClick={() => setTemplatesOpen(true)}>
              Start from a template
            </button>
          ) : null}
          {newButton}
        </div>
      </header>

      {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}

      {!loaded && !error ? <p className="muted loading">Loading flows…</p> : null}

      {loaded && flows.length === 0 ? (
        <EmptyState title="No flows yet" action={newButton}>
          <p>Build one on a blank canvas with “New flow”, start from one of these templates (one click each), or import a flow file a colleague exported for you.</p>
          <TemplatePicker />
        </EmptyState>
      ) : null}

      {flows.length > 0 ? (
        <table className="table flows-table">
          <thead>
            <tr>
              <th scope="col">Flow</th>
              <th scope="col" className="col-owner">
                Owner
              </th>
              <th scope="col" className="num col-version">
                Version
              </th>
              <th scope="col" className="num">
                Steps
              </th>
              <th scope="col">Starts</th>
              <th scope="col" className="num">
                AI spend
              </th>
              <th scope="col">Health</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {flows.map((flow) => {
              const problems = flow.problems ?? [];
              const hasErrors = problems.some((p) => p.severity === 'error');
              return (
                <tr key={flow.id} className={`row-link${flow.id === selectedId ? ' selected' : ''}`} onClick={(e) => ((e.target as HTMLElement).closest('button, a') ? select(flow.id) : go({ view: 'editor', flowId: flow.id }))} onFocus={() => select(flow.id)} data-flow-id={flow.id}>
                  <td>
                    <div className="cell-title">
                      <a href={`#/flows/${encodeURIComponent(flow.id)}`} onClick={(e) => e.stopPropagation()}>
                        {flow.name}
                      </a>
                    </div>
                    {flow.description ? <div className="cell-sub clamp">{flow.description}</div> : null}
                  </td>
                  <td className="cell-owner col-owner">{flow.owner || <span className="muted">nobody</span>}</td>
                  <td className="num col-version" title={`Saved ${formatTimestamp(flow.updatedAt)}`}>
                    v{flow.version}
                    <div className="cell-sub">{formatWhen(flow.updatedAt)}</div>
                  </td>
                  <td className="num">{flow.nodeCount}</td>
                  <FlowStartCell flow={flow} />
                  <FlowSpendCell flowId={flow.id} loadedFlows={flows} />
                  <FlowHealthCell flow={flow} />
                  <td className="row-actions">
                    <button type="button" className="button button-primary button-small" onClick={() => setRunFlow(flow)} disabled={hasErrors} title={hasErrors ? 'Fix the problems first' : undefined} aria-label={`Run ${flow.name}`}>
                      Run
                    </button>
                    <button type="button" className="button button-small" onClick={() => go({ view: 'editor', flowId: flow.id, tab: 'overview' })} aria-label={`Overview of ${flow.name}: owner, checklist, success`}>
                      Overview
                    </button>
                    <button type="button" className="button button-small" onClick={() => go({ view: 'runs', flowId: flow.id })} aria-label={`Runs of ${flow.name}`}>
                      Runs
                    </button>
                    <button type="button" className="button button-small" onClick={() => void exportFlow(flow.id)} aria-label={`Export ${flow.name}`}>
                      Export
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {flows.length > 0 ? <p className="muted table-foot">{plural(flows.length, 'flow')}</p> : null}

      <ImportDialog open={importOpen} onClose={() => setImportOpen(false)} />
      <ImportWizardDialog open={handoverOpen} onClose={() => setHandoverOpen(false)} />
      <RunDialog flow={runFlow} onClose={() => setRunFlow(undefined)} />
      <Dialog open={templatesOpen} title="Start from a template" onClose={() => setTemplatesOpen(false)} wide>
        <p className="muted">Each template is copied into a new flow you can change freely.</p>
        {templatesOpen ? <TemplatePicker onDone={() => setTemplatesOpen(false)} /> : null}
      </Dialog>
    </section>
  );
}

/**
 * Whether a flow can go: its problems, else — for a flow that starts by itself and is off — how
 * much of the switch-on checklist is missing (so "Ready" never means "ready except that the
 * switch will refuse"), else Ready.
 */
export function FlowHealthCell({ flow }: { flow: FlowSummary }) {
  const problems = flow.problems ?? [];
  const hasErrors = problems.some((p) => p.severity === 'error');
  const todo = flow.startsByItself && !flow.active ? (flow.readinessMissing ?? 0) : 0;
  return (
    <td>
      {problems.length > 0 ? (
        <span className={`badge tone-${hasErrors ? 'danger' : 'warning'}`} title={problems.map((p) => `${p.path}: ${p.message}`).join('\n')}>
          {problemCount(problems)}
        </span>
      ) : todo > 0 ? (
        <button type="button" className="badge badge-button tone-warning" onClick={() => go({ view: 'editor', flowId: flow.id, tab: 'overview' })} title="Switching on needs its checklist complete first (owner, backup, success metric, alert route…): open it">
          {plural(todo, 'thing')} to do before switching on
        </button>
      ) : (
        <span className="badge tone-success" title={flow.startsByItself ? 'No problems, and the checklist for switching on is complete' : 'No problems: it can run'}>
          <span className="badge-dot" aria-hidden="true" />
          Ready
        </span>
      )}
    </td>
  );
}

/**
 * How a flow starts: "Starts by hand", or the on/off switch with its triggers' health in plain
 * words. A refused switch (the activation gate lists what is missing) shows the service's words
 * under it; the flow stays off.
 */
export function FlowStartCell({ flow }: { flow: FlowSummary }) {
  const { status, switching, refusal } = useFlows(useShallow((s) => ({ status: s.health[flow.id], switching: s.switching[flow.id] ?? false, refusal: s.switchErrors[flow.id] })));
  const view = describeFlowStart(flow, status);
  const behind = describeLiveVersion({ active: flow.active, activeVersion: flow.activeVersion, latest: flow.version });
  if (view.kind === 'by-hand') {
    return (
      <td className="cell-start">
        <span className="muted">{view.text}</span>
      </td>
    );
  }
  return (
    <td className="cell-start">
      <button
        type="button"
        role="switch"
        aria-checked={view.on}
        className={`switch${view.on ? ' is-on' : ''}`}
        disabled={switching}
        aria-label={`${flow.name} switched on`}
        title={view.on ? 'Switch off: its triggers stop (runs in progress finish)' : 'Switch on: its triggers fire by themselves while Flowkeeper runs'}
        // Switching on pins the version shown, so later saves do not go live by themselves.
        onClick={() => void useFlows.getState().setActive(flow.id, !view.on, view.on ? undefined : flow.version)}
      >
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
        <span className="switch-label">{switching ? (view.on ? 'Switching off…' : 'Switching on…') : view.on ? 'On' : 'Off'}</span>
      </button>
      <ul className="trigger-health" data-testid="trigger-health">
        {view.lines.map((line, i) => (
          <li key={i} className={`tone-text-${line.tone}`} title={line.detail}>
            {line.text}
          </li>
        ))}
      </ul>
      {behind ? (
        <div className="live-behind" data-testid="live-behind">
          <p>{behind.text}</p>
          <button type="button" className="button button-small" disabled={switching} onClick={() => void useFlows.getState().setActive(flow.id, true, behind.latest)}>
            {behind.button}
          </button>
        </div>
      ) : null}
      {refusal ? (
        <div className="switch-refusal" role="alert">
          <p>
            <strong>{refusal.tried === 'off' ? 'Not switched off:' : refusal.tried === 'live' ? 'Not put live:' : 'Not switched on:'}</strong> {refusal.message}
          </p>
          {refusal.hint ? <p>{refusal.hint}</p> : null}
          {refusal.problems && refusal.problems.length > 0 ? (
            <ul>
              {refusal.problems.map((p, i) => (
                <li key={i}>{p.message}</li>
              ))}
            </ul>
          ) : null}
          <button type="button" className="button button-small button-quiet" onClick={() => useFlows.getState().dismissSwitchError(flow.id)}>
            OK
          </button>
        </div>
      ) : null}
    </td>
  );
}

/** How many recent runs the "AI spend" column adds up (one `flows.cost` call per flow shown). */
const SPEND_RUNS = 100;

type FlowCost = MethodOutput<'flows.cost'>;

/**
 * A flow's AI spend over its recent runs, fetched when the list is (re)loaded. Quiet on failure:
 * the column is extra information, the list must not break for it.
 */
function FlowSpendCell({ flowId, loadedFlows }: { flowId: string; loadedFlows: readonly FlowSummary[] }) {
  const [cost, setCost] = useState<FlowCost | undefined>();
  useEffect(() => {
    let current = true;
    getApi()
      .flows.cost({ id: flowId, limit: SPEND_RUNS })
      .then((reply) => {
        if (current) setCost(reply);
      })
      .catch(() => {
        if (current) setCost(undefined);
      });
    return () => {
      current = false;
    };
  }, [flowId, loadedFlows]);
  const spend = describeFlowSpend(cost, SPEND_RUNS);
  return (
    <td className="num cell-spend" title={spend?.title}>
      {spend ? (
        <>
          {spend.money}
          <div className="cell-sub">{spend.runs}</div>
        </>
      ) : (
        <span className="muted" aria-label="No AI spend">
          —
        </span>
      )}
    </td>
  );
}
