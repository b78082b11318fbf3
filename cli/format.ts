/** Human-readable output: run timelines, summaries and replay diffs. Plain words, no stack traces. */
import { choiceIds, isBlobRef, type ReplayReport, type RunEvent, type RunOutcome, type RunSummary, type TraceHeader } from '../engine/index.ts';
import { DEFAULT_PRICES_AS_OF, formatUsd, llmCallCost, runCost, type PriceTable } from '../engine/cost.ts';

const STATUS_WORDS: Record<string, string> = {
  succeeded: '✔ succeeded',
  failed: '✖ failed',
  cancelled: '■ cancelled',
  'needs-attention': '? needs your decision',
  running: '… running (interrupted?)',
  paused: '‖ paused',
};

export function statusWord(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

function clock(ts: string, start: string): string {
  const ms = Date.parse(ts) - Date.parse(start);
  return `+${(ms / 1000).toFixed(3)}s`.padStart(10);
}

function count(items: unknown): string {
  if (Array.isArray(items)) return `${items.length} item${items.length === 1 ? '' : 's'}`;
  if (isBlobRef(items)) return `a large value (${sizeInWords(items.bytes)}, stored aside)`;
  return '';
}

/** Bytes as a person reads them: "820 bytes", "1.4 MB". */
export function sizeInWords(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'size unknown';
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

function ports(outputs: Record<string, unknown>): string {
  // The whole outputs object may itself be stored aside (a reference, not ports).
  if (isBlobRef(outputs)) return `a large result (${sizeInWords(outputs.bytes)}, stored aside)`;
  const parts = Object.entries(outputs)
    .filter(([, v]) => !Array.isArray(v) || v.length > 0)
    .map(([port, v]) => `${port}: ${count(v)}`);
  return parts.length > 0 ? parts.join(', ') : 'no items';
}

/** One line per event, or undefined for events not worth a line. */
/** `demo`: the run is a demo, so a `cached` AI answer came from the recording, not the dev cache. */
export function describeEvent(event: RunEvent, names: Map<string, string>, verbose = false, prices?: PriceTable, demo = false): string | undefined {
  const name = (id: string) => `"${names.get(id) ?? id}"`;
  switch (event.type) {
    case 'run.started':
      return 'run started';
    case 'run.resumed':
      return `run resumed (${event.reason})`;
    case 'node.started':
      return `${name(event.nodeId)} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'node.succeeded':
      return event.reusedFrom
        ? `${name(event.nodeId)} reused from run ${event.reusedFrom} → ${ports(event.outputs)}`
        : `${name(event.nodeId)} done in ${event.durationMs} ms → ${ports(event.outputs)}`;
    case 'node.failed':
      return `${name(event.nodeId)} failed: ${event.error.message}${event.willRetry ? ' (will retry)' : event.routedToErrorPort ? ' (sent to its error path)' : ''}${event.error.hint && !event.willRetry ? `\n${' '.repeat(12)}→ ${event.error.hint}` : ''}`;
    case 'node.retrying':
      return `${name(event.nodeId)} retrying in ${(event.delayMs / 1000).toFixed(1)} s`;
    case 'item.retrying':
      return `${name(event.nodeId)} item ${event.itemIndex + 1} failed (${event.error.message}); retrying in ${(event.delayMs / 1000).toFixed(1)} s`;
    case 'node.skipped':
      return `${name(event.nodeId)} skipped: ${event.reason}`;
    case 'node.log':
      return `${name(event.nodeId)} ${event.level === 'warn' ? 'warning' : 'says'}: ${event.message}`;
    case 'external.intent':
      return verbose ? `${name(event.nodeId)} calling ${event.kind} for item ${event.itemIndex + 1}${event.idempotencyKey ? ` (idempotency key ${event.idempotencyKey})` : ''}` : undefined;
    case 'external.result': {
      // A credential read (engine/runner/node-context.ts: kind `secret:<id>`, item -1, for the whole step) is no outside call: said as what it is.
      if (event.error && event.kind.startsWith('secret:')) return `${name(event.nodeId)} could not read the credential "${event.kind.slice(7)}": ${event.error.message}`;
      if (event.error) return `${name(event.nodeId)} ${event.kind} call for item ${event.itemIndex + 1} failed: ${event.error.message}`;
      const llm = event.kind === 'llm' ? llmCallCost(event, prices) : undefined;
      if (llm) return `${name(event.nodeId)} AI answer for item ${event.itemIndex + 1}${llm.call > 0 ? ' (repair attempt)' : ''}: ${llm.model}, ${tokens(llm.promptTokens, llm.completionTokens)}, ${llm.costUsd === undefined ? 'cost unknown' : formatUsd(llm.costUsd)}${llm.cached ? (demo ? ' (answered from the recording, not sent)' : ' (from the dev cache)') : ''}${llm.requestId ? `, request ${llm.requestId}` : ''}`;
      return verbose ? `${name(event.nodeId)} ${event.kind} answered${httpStatus(event.result)}` : undefined;
    }
    case 'run.needs-attention':
      return `run stopped for a decision at ${name(event.nodeId)}: ${event.reason}`;
    case 'run.attention-resolved':
      return `${event.by} chose "${event.choice}" for ${name(event.nodeId)}`;
    case 'review.requested':
      return `${name(event.nodeId)} asks for a review of item ${event.itemIndex + 1}: "${event.request.title}"${event.request.assignee ? ` (for ${event.request.assignee})` : ''}${event.request.dueAt ? `, due ${event.request.dueAt}` : ''} — inbox id ${event.requestId}`;
    case 'review.auto-approved':
      return verbose ? `${name(event.nodeId)} item ${event.itemIndex + 1} needed no review (auto-approved)` : undefined;
    case 'review.decided':
      return `${event.by === 'timer' ? 'nobody decided in time' : `${event.by} decided`} "${event.outcome}" for item ${event.itemIndex + 1} at ${name(event.nodeId)}${event.final ? '' : ' (more approvals needed)'}${event.comment ? `: "${event.comment}"` : ''}${event.changes.map((c) => `\n${' '.repeat(12)}${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join('')}`;
    case 'review.emitted':
      return `item ${event.itemIndex + 1} of ${name(event.nodeId)} went on in run ${event.runId}`;
    case 'review.reminded':
      return `reminder sent for ${event.requestId}${event.assignee ? ` to ${event.assignee}` : ''}`;
    case 'review.escalated':
      return `${event.requestId} escalated${event.from ? ` from ${event.from}` : ''} to ${event.to}`;
    case 'run.paused':
      return `run paused at ${name(event.nodeId)}: ${event.reason}`;
    case 'run.finished':
      return `run ${statusWord(event.status)}${event.error ? `: ${event.error.message}` : ''}`;
  }
}

function tokens(prompt: number, completion: number): string {
  return `${prompt.toLocaleString('en-US')} in + ${completion.toLocaleString('en-US')} out tokens`;
}

/** The AI total of a run: calls, tokens and money; undefined when the run made no AI calls. */
export function aiTotal(events: RunEvent[], prices?: PriceTable, demo = false): string | undefined {
  const cost = runCost(events, prices);
  if (cost.calls === 0) return undefined;
  const notes = [prices ? 'your price table' : `default prices as of ${DEFAULT_PRICES_AS_OF}`];
  if (cost.unpricedModels.length > 0) notes.push(`no price for ${cost.unpricedModels.join(', ')}`);
  if (cost.cachedCalls > 0) notes.push(`${cost.cachedCalls} ${demo ? 'answered from the recording' : 'from the dev cache'}, not paid`);
  return `AI: ${cost.calls} call${cost.calls === 1 ? '' : 's'}, ${tokens(cost.promptTokens, cost.completionTokens)}, ${formatUsd(cost.costUsd)} (${notes.join('; ')})`;
}

function httpStatus(result: unknown): string {
  const status = (result as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? ` ${status}` : '';
}

/** Where a demo's answers came from, in the words every DEMO line uses (run, trace). */
export function demoSourceText(origin: { runId: string; from: 'run' | 'reference' | 'bundle'; file?: string }): string {
  if (origin.from === 'bundle') return `recorded run ${origin.runId} in ${origin.file ?? 'a hand-over bundle'}`;
  if (origin.from === 'reference') return `reference run ${origin.runId}`;
  return `recorded run ${origin.runId}`;
}

export function timeline(header: TraceHeader, events: RunEvent[], verbose: boolean, prices?: PriceTable): string {
  const flowName = header.flowName;
  const names = new Map<string, string>();
  const flow = header.flow as { nodes?: Array<{ id: string; name?: string }> };
  for (const n of flow.nodes ?? []) names.set(n.id, n.name ?? n.id);
  const lines = [
    `Run ${header.runId} of flow "${flowName}" (${header.flowId}, version ${header.flowVersion})`,
    `Started ${header.createdAt}${header.startedBy ? ` by ${header.startedBy}` : ''}${header.parentRunId ? `, forked from run ${header.parentRunId} at "${header.forkFromNodeId}"` : ''}`,
    // A demo says so before anything else (engine/demo/).
    ...(header.demo ? [`DEMO — answered from ${demoSourceText(header.demo)}, nothing was sent.`] : []),
    '',
  ];
  for (const event of events) {
    const text = describeEvent(event, names, verbose, prices, header.demo !== undefined);
    if (text) lines.push(`${clock(event.ts, header.createdAt)}  ${text}`);
  }
  const ai = aiTotal(events, prices, header.demo !== undefined);
  if (ai) lines.push('', ai);
  return lines.join('\n');
}

/** `tracePath`: where the CLI's file store keeps the trace (the outcome itself carries no path). */
export function outcomeText(outcome: RunOutcome, tracePath: string): string {
  const lines = [`Run ${outcome.runId}: ${statusWord(outcome.status)}`];
  if (outcome.error) {
    lines.push(`  ${outcome.error.nodeId ? `At node "${outcome.error.nodeId}": ` : ''}${outcome.error.message}`);
    if (outcome.error.hint) lines.push(`  What to do: ${outcome.error.hint}`);
  }
  if (outcome.pause?.kind === 'review') {
    lines.push(`  ${outcome.pause.reason}`);
    for (const id of outcome.pause.requests ?? []) lines.push(`  Review it: flowkeeper inbox show ${id}`);
    lines.push(`  Decide with: flowkeeper inbox decide <id> --outcome <${choiceIds(outcome.pause).join('|')}>`);
  } else if (outcome.pause) {
    lines.push(`  ${outcome.pause.reason}`);
    lines.push(`  Decide with: flowkeeper resume ${outcome.runId} --choice <${choiceIds(outcome.pause).join('|')}>`);
  }
  for (const [nodeId, p] of Object.entries(outcome.outputs)) lines.push(`  Output of "${nodeId}": ${ports(p)}`);
  lines.push(`  Trace: ${tracePath}`);
  return lines.join('\n');
}

export function runsTable(runs: RunSummary[]): string {
  if (runs.length === 0) return 'No runs yet. Start one with: flowkeeper run <flow.json>';
  const rows = runs.map((r) => [r.runId, r.flowId, `${statusWord(r.status)}${r.mode === 'demo' ? ' (demo)' : ''}`, r.createdAt.replace('T', ' ').slice(0, 19), r.error ?? r.attention ?? '']);
  const header = ['RUN', 'FLOW', 'STATUS', 'STARTED (UTC)', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => Math.min(60, row[i]!.length))));
  const fmt = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell.slice(0, 80) : cell.padEnd(widths[i]!))).join('  ');
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

function show(value: unknown): string {
  if (value === undefined) return '(nothing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

export function replayText(report: ReplayReport): string {
  const lines: string[] = [];
  if (report.identical) {
    lines.push(`identical — replaying run ${report.runId} offline reproduced every node's output exactly (${report.nodes.length} nodes).`);
  } else {
    const differing = report.nodes.filter((n) => !n.identical);
    lines.push(`different — ${differing.length} of ${report.nodes.length} nodes produced something else when replaying run ${report.runId}:`);
    for (const node of differing) {
      lines.push('', `  Node "${node.name}" (${node.nodeId})${node.recordedStatus !== node.replayedStatus ? `: recorded ${node.recordedStatus}, replay ${node.replayedStatus}` : ''}`);
      if (node.replayError) lines.push(`    replay error: ${node.replayError}`);
      for (const change of node.changes) lines.push(`    ${change.path}: ${show(change.recorded)} → ${show(change.replayed)}`);
    }
  }
  if (report.note) lines.push('', report.note);
  return lines.join('\n');
}
