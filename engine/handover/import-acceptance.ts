/**
 * The acceptance replay of an import: each reference run of the bundle replayed offline against
 * the flow as it will be imported (credential ids as mapped). `replayRun` (engine/replay.ts)
 * answers every call from the recording — no network, no keychain (its secret resolver is
 * empty) — and compares each step's output with the recorded one. A step that now gives
 * something else is a difference, in the same words as `flowkeeper replay`:
 * `outputs.out[0].total: 12 → 13`.
 *
 * The references are read from the bundle itself through a small read-only trace store: their
 * values are inline, and a carried-item run finds its parent among the other references.
 *
 * May import: engine/model, engine/replay, engine/runner (types), engine/trace (types), engine/handover.
 */
import type { Flow } from '../model/flow.ts';
import type { ReferenceRun } from '../model/handover-bundle.ts';
import type { Acceptance, AcceptanceResult } from '../model/handover-import.ts';
import { replayRun, type ReplayReport } from '../replay.ts';
import type { NodeRegistry } from '../runner/registry.ts';
import type { LoadedTrace, TraceStore } from '../trace/trace-store.ts';
import { referenceAsTrace } from './reference-store.ts';

/** A trace store over the bundle's references: read-only, values inline. */
function referenceTraces(references: readonly ReferenceRun[]): TraceStore {
  const byId = new Map(references.map((r) => [r.runId, r]));
  const store = {
    load: async (runId: string): Promise<LoadedTrace> => {
      const run = byId.get(runId);
      if (run === undefined) throw new Error(`The run “${runId}” this reference depends on is not in the bundle.`);
      return referenceAsTrace(run);
    },
    getPayload: async <T>(value: T): Promise<T> => value,
  };
  // Replay reads a trace and payloads only; nothing is written.
  return store as unknown as TraceStore;
}

/** A mask label (engine/model/handover-bundle.ts maskLabel) inside a text. */
const MASK_IN_TEXT = /«masked \d+»/;

/**
 * A reference as a replay can match it. Masking replaces a personal value inside a recorded
 * address (`?email=ana@example.net` → `?email=«masked 1»`), but the replay builds that address
 * from the masked input, and an address encodes the mask's characters
 * (`?email=%C2%ABmasked%201%C2%BB`): the recorded request would no longer match and the replay
 * would report a difference that is only the mask's. So recorded requests' addresses holding a
 * mask are written as an address writes them. Only requests are touched: recorded answers and
 * outputs stay exactly as they were. Idempotent; the import stores references this way, so demo
 * mode and drift checks read replayable ones.
 */
export function replayableReference(run: ReferenceRun): ReferenceRun {
  let changed = false;
  const fix = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!MASK_IN_TEXT.test(value) || !/^https?:\/\//i.test(value)) return value;
      try {
        const href = new URL(value).href;
        if (href !== value) changed = true;
        return href;
      } catch {
        return value;
      }
    }
    if (Array.isArray(value)) return value.map(fix);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fix(v)]));
  };
  const events = run.events.map((event) => (event.type === 'external.intent' && event.request !== undefined ? { ...event, request: fix(event.request) } : event));
  return changed ? { ...run, events } : run;
}

function show(value: unknown): string {
  if (value === undefined) return '(nothing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** A replay report in words, as `flowkeeper replay` prints it (cli/format.ts replayText). */
export function reportLines(report: ReplayReport): string[] {
  if (report.identical) return [`Passed: replaying reference run ${report.runId} offline reproduced every step's output exactly (${report.nodes.length} steps).`];
  const differing = report.nodes.filter((n) => !n.identical);
  const lines = [`Different: ${differing.length} of ${report.nodes.length} steps produced something else when replaying reference run ${report.runId}:`];
  for (const node of differing) {
    lines.push(`Step “${node.name}” (${node.nodeId})${node.recordedStatus !== node.replayedStatus ? `: recorded ${node.recordedStatus}, replay ${node.replayedStatus}` : ''}`);
    if (node.replayError) lines.push(`  replay error: ${node.replayError}`);
    for (const change of node.changes) lines.push(`  ${change.path}: ${show(change.recorded)} → ${show(change.replayed)}`);
  }
  return lines;
}

export async function acceptanceReplay(registry: NodeRegistry, flow: Flow, references: readonly ReferenceRun[]): Promise<Acceptance> {
  const replayable = references.map(replayableReference);
  const store = referenceTraces(replayable);
  const results: AcceptanceResult[] = [];
  for (const run of replayable) {
    const base = { runId: run.runId, status: run.status, createdAt: run.createdAt };
    let report: ReplayReport;
    try {
      report = await replayRun(store, registry, referenceAsTrace(run), { flow });
    } catch (error) {
      // The replay itself could not run (a damaged reference, a step type unknown here): not passed, said why.
      const message = error instanceof Error ? error.message : String(error);
      results.push({ ...base, passed: false, differences: [], lines: [`Not replayed: reference run ${run.runId} could not be replayed: ${message}`], note: message });
      continue;
    }
    results.push({
      ...base,
      passed: report.identical,
      differences: report.nodes
        .filter((n) => !n.identical)
        .map((n) => ({ nodeId: n.nodeId, step: n.name, recordedStatus: n.recordedStatus, replayedStatus: n.replayedStatus, ...(n.replayError === undefined ? {} : { replayError: n.replayError }), changes: n.changes })),
      report,
      lines: reportLines(report),
      ...(report.note === undefined ? {} : { note: report.note }),
    });
  }
  return { passed: results.every((r) => r.passed), results };
}
