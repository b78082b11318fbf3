/**
 * The right-hand panel of the editor for the selected step: headed by its type (icon, title, what
 * it does; the name is the inspector's first field, so it is shown once), its problems in plain
 * words, the settings form (the inspector, mounted below), and what it did in the run shown: the
 * items it got and produced, and its error in plain words with the setting it failed on.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { CredentialInfo, NodeTypeInfo } from '../../engine/model/contract.ts';
import type { Flow, FlowNode } from '../../engine/model/flow.ts';
import type { Problem } from '../../engine/model/validate.ts';
import type { NodeRunState } from '../../engine/model/run-state.ts';
import { Inspector, failedFieldTitle } from '../inspector/inspector.tsx';
import { ItemsView } from './items-view.tsx';
import { NodeIcon } from './node-icon.tsx';
import './side-panel.css';
import { nodeStatusLabel, nodeVisualStatus } from './run-status.ts';
import type { RunStatus } from '../../engine/model/events.ts';

export interface SidePanelProps {
  flow: Flow;
  node: FlowNode;
  nodeType: NodeTypeInfo | undefined;
  problems: readonly Problem[];
  credentials: readonly CredentialInfo[];
  run: { status: RunStatus; node: NodeRunState | undefined; inputs: unknown[] } | undefined;
  readOnly: boolean;
  onChange(patch: { name?: string; notes?: string; config?: Record<string, unknown> }): void;
  onClose(): void;
  /** What a replay found for this step, when one was made. */
  /** Pinned test data for this step (pin-section.tsx). */
  pinSection?: ReactNode;
  /** How people decided at this step, for a review step (review-stats-section.tsx). */
  reviewStats?: ReactNode;
  replayDiff?: { identical: boolean; changes: Array<{ path: string; recorded: unknown; replayed: unknown }>; replayError?: string };
}

export function SidePanel(props: SidePanelProps) {
  const { node, nodeType, problems, run, readOnly } = props;
  const [name, setName] = useState(node.name ?? '');
  useEffect(() => setName(node.name ?? ''), [node.id, node.name]);
  const commitName = () => {
    const next = name.trim();
    if (next !== (node.name ?? '')) props.onChange({ name: next });
  };
  const status = run ? nodeVisualStatus(run.node, run.status) : undefined;
  const error = run?.node?.error;
  const outputs = run?.node?.outputs ?? {};
  // The inspector shows the type, the name, the notes, the problems (on their fields too) and
  // the settings; without it (a node type this Flowkeeper does not know) the panel shows them.
  const inspectorProps = inspectorPropsOf(props);
  const failedSetting = props.nodeType ? failedFieldTitle(props.nodeType, error?.field) : undefined;
  return (
    <aside className="side-panel" aria-label="Selected step" data-testid="side-panel">
      <div className="side-panel-head">
        {/* The heading says what kind of step this is; its name is the first field below, shown once. */}
        {inspectorProps && nodeType ? (
          <h2 className="side-panel-title" aria-label={`${nodeType.title} step`}>
            <NodeIcon name={nodeType.icon} />
            <span>{nodeType.title}</span>
          </h2>
        ) : (
          <label className="side-panel-name">
            <span className="visually-hidden">Step name</span>
            <input
              className="input"
              value={name}
              readOnly={readOnly}
              placeholder={nodeType?.title ?? 'Step name'}
              onChange={(e) => setName(e.target.value)}
              onBlur={commitName}
              onKeyDown={(e) => {
                if (e.key === 'Enter') commitName();
                e.stopPropagation();
              }}
              aria-label="Step name"
            />
          </label>
        )}
        <button type="button" className="icon-button" aria-label="Close the panel" onClick={props.onClose}>
          ×
        </button>
      </div>
      {inspectorProps ? (
        <p className="side-panel-description">{nodeType?.description}</p>
      ) : (
        <p className="side-panel-type">
          <strong>{nodeType?.title ?? node.type}</strong> — {nodeType?.description ?? 'This step type is not known to this Flowkeeper; it cannot run until it is replaced.'}
        </p>
      )}
      <p className="muted side-panel-id">
        Other steps refer to its results as <code>$nodes.{node.id}</code>
      </p>
      {/* Near the top: a pinned step must be seen to be pinned before anything else about it. */}
      {props.pinSection}
      {/* A failed step's error first, above its settings: it is what the person came to see. */}
      {error ? (
        <div className="side-panel-error" role="alert">
          <p>
            <strong>
              {status === 'failed' ? 'This step failed: ' : ''}
              {error.message}
            </strong>
          </p>
          {failedSetting ? (
            <p data-testid="failed-setting">
              The setting it failed on: <strong>{failedSetting}</strong> (marked below).
            </p>
          ) : null}
          {error.hint ? <p>{error.hint}</p> : null}
        </div>
      ) : null}

      {!inspectorProps && problems.length > 0 ? (
        <div className="side-panel-problems" role="status">
          <h3>To fix before it can run</h3>
          <ul>
            {problems.map((p, i) => (
              <li key={i} className={`tone-${p.severity === 'error' ? 'danger' : 'warning'}`}>
                {plainProblem(p)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {props.reviewStats}

      <section className="side-panel-settings" aria-label="Settings">
        {inspectorProps ? <Inspector {...inspectorProps} /> : <p className="muted">There is no settings form for a step type this Flowkeeper does not know.</p>}
      </section>

      {props.replayDiff ? (
        <section className="side-panel-replay" aria-label="Replay" data-testid="replay-diff">
          <h3>Replay</h3>
          {props.replayDiff.identical ? (
            <p>Same result as recorded.</p>
          ) : (
            <>
              {props.replayDiff.replayError ? <p>{props.replayDiff.replayError}</p> : null}
              <ul>
                {props.replayDiff.changes.slice(0, 20).map((c, i) => (
                  <li key={i}>
                    <code>{c.path || '(whole result)'}</code>: was <code>{JSON.stringify(c.recorded)}</code>, now <code>{JSON.stringify(c.replayed)}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      ) : null}

      {run && status ? (
        <section className="side-panel-run" aria-label="In this run">
          <h3>
            In this run: <span className={`node-badge status-${status}`}>{nodeStatusLabel(status)}</span>
          </h3>
          {run.node?.pinnedFrom ? (
            <p className="side-panel-pinned" data-testid="pinned-in-run">
              <strong>Pinned test data:</strong> this step did not run in this test run; the items below were pinned from an earlier run.
            </p>
          ) : null}
          {run.inputs.length > 0 ? <ItemsView items={run.inputs} label="Items in" /> : null}
          {Object.entries(outputs).map(([port, items]) => (
            <ItemsView key={port} items={items} label={port === 'out' ? 'Items out' : port === 'error' ? 'Items sent on error' : `Items out on “${port}”`} />
          ))}
          {status === 'waiting' ? <p className="muted">This step has not started yet.</p> : null}
          {status === 'skipped' ? <p className="muted">This step did not run: nothing reached it.</p> : null}
        </section>
      ) : null}
    </aside>
  );
}

/**
 * The inspector's props (InspectorProps of renderer/inspector/inspector.tsx), built from the
 * panel's: the selected node, its catalogue entry, its problems, the credentials, the first item
 * it received in the run shown (for expression previews) and one-call-one-undo-step `onChange`.
 * Undefined for a node type the catalogue does not know (there is no schema to build a form from).
 */
export function inspectorPropsOf(props: SidePanelProps) {
  if (!props.nodeType) return undefined;
  const sampleItem = props.run?.inputs[0];
  const failedField = props.run?.node?.error?.field;
  return {
    flow: props.flow,
    node: props.node,
    nodeType: props.nodeType,
    problems: props.problems,
    credentials: props.credentials,
    ...(sampleItem !== undefined ? { sampleItem } : {}),
    ...(failedField !== undefined ? { failedField } : {}),
    readOnly: props.readOnly,
    typeShownAbove: true,
    onChange: props.onChange,
  };
}

/** "nodes[2].config.url: Required" reads as "Setting “url”: Required". */
function plainProblem(p: Problem): string {
  const field = /config\.([A-Za-z0-9_]+)/.exec(p.path)?.[1];
  return field && !p.message.includes(field) ? `Setting “${field}”: ${p.message}` : p.message;
}
