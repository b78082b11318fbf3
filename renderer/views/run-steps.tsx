/**
 * A run's steps in flow order: each step's badge (derived with the run's status, so a step never
 * says "Running" in a run that waits for a decision), its facts, its error in plain words, its
 * output on request, and "Re-run from here" for a finished run.
 */
import { useState } from 'react';
import type { RunDetail } from '../../engine/model/contract.ts';
import { JsonView } from '../components/json-view.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { describeStepSpend } from '../logic/ai-spend.ts';
import { describeStep } from '../logic/run-health.ts';
import { PlainError } from '../components/plain-error.tsx';

export interface FlowNodeInfo {
  id: string;
  name: string;
  type: string;
}

export function flowNodes(flow: unknown): FlowNodeInfo[] {
  const nodes = (flow as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes
    .map((n) => n as { id?: unknown; name?: unknown; type?: unknown })
    .filter((n): n is { id: string; name?: unknown; type?: unknown } => typeof n.id === 'string')
    .map((n) => ({ id: n.id, name: typeof n.name === 'string' && n.name !== '' ? n.name : n.id, type: typeof n.type === 'string' ? n.type : '' }));
}

export function RunSteps({ run, nodes, canFork, onFork }: { run: RunDetail; nodes: FlowNodeInfo[]; canFork: boolean; onFork(node: FlowNodeInfo): void }) {
  const [openOutput, setOpenOutput] = useState<string | undefined>();
  if (nodes.length === 0) return <p className="muted">This run’s flow has no steps.</p>;
  return (
    <ol className="node-list">
      {nodes.map((node) => {
        const state = run.nodes[node.id];
        const look = describeStep(node.id, state, run.status);
        const hasOutput = state?.outputs !== undefined;
        const spend = describeStepSpend(run.cost?.perNode[node.id]);
        const outputOpen = openOutput === node.id;
        // A stopped step's "error" is only that it was stopped: the badge says so already.
        const error = look.state === 'stopped' ? undefined : state?.error;
        return (
          <li key={node.id} className={`node node-${state?.status ?? 'pending'}`} data-node-id={node.id} data-state={look.state}>
            <div className="node-head">
              <div className="node-name">{node.name}</div>
              <StatusBadge status={state?.status ?? 'pending'} kind="node" look={look} state={look.state} />
            </div>
            <div className="node-foot">
              <div className="cell-sub">
                {look.facts.map((fact, i) => (
                  <span key={fact} className="nowrap">
                    {i > 0 ? ' · ' : ''}
                    {fact}
                  </span>
                ))}
                {spend ? (
                  <span className="step-spend" title={spend.title}>
                    AI: <span className="nowrap">{spend.parts[0]}</span> · <span className="nowrap">{spend.parts[1]}</span>
                  </span>
                ) : null}
              </div>
              <div className="node-actions">
                {hasOutput ? (
                  <button type="button" className="button button-small button-quiet" aria-expanded={outputOpen} onClick={() => setOpenOutput(outputOpen ? undefined : node.id)}>
                    {outputOpen ? 'Hide output' : 'Show output'}
                  </button>
                ) : null}
                {canFork ? (
                  // The accessible name starts with the visible words (WCAG 2.5.3), then names the step.
                  <button type="button" className="button button-small button-quiet" onClick={() => onFork(node)} aria-label={`Re-run from here: “${node.name}”`} title="Start a new run from this step">
                    Re-run from here
                  </button>
                ) : null}
              </div>
            </div>
            {error ? (
              <div className="node-error">
                <PlainError error={error} />
              </div>
            ) : null}
            {outputOpen ? <JsonView value={state?.outputs} label={`Output of ${node.name}`} /> : null}
          </li>
        );
      })}
    </ol>
  );
}
