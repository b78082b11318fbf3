/**
 * Read models over traces: a run's detail (state, outputs, cost) and AI spend per run and per
 * flow. Pure reads; nothing here writes or runs anything.
 */
import type { RunDetail } from '../model/contract.ts';
import type { RunEvent } from '../model/events.ts';
import { reduceRun } from '../model/run-state.ts';
import { choiceIds, type Pause } from '../model/pause.ts';
import { flowCostFromUsage, priceTable, runCost, type PriceTable } from '../cost.ts';
import { summarize, type TraceStore } from '../trace/trace-store.ts';
import type { RunIndex } from '../trace/index.ts';
import type { SettingsStore } from '../storage/settings-store.ts';

export class RunProjections {
  constructor(
    private readonly traces: TraceStore,
    private readonly settings: SettingsStore,
    private readonly index: RunIndex,
  ) {}

  /** The price table: built-in prices with the person's overrides from the settings. */
  async prices(): Promise<PriceTable> {
    const { llmPrices } = await this.settings.read();
    return priceTable(Object.fromEntries(Object.entries(llmPrices).map(([model, p]) => [model, { inputPerMillion: p.input, outputPerMillion: p.output }])));
  }

  /** Events with large results read back, so costs see every AI answer. */
  async loadedEvents(runId: string): Promise<RunEvent[]> {
    const trace = await this.traces.load(runId);
    const out: RunEvent[] = [];
    for (const event of trace.events) {
      out.push(event.type === 'external.result' && event.kind === 'llm' && event.result !== undefined ? { ...event, result: await this.traces.getPayload(event.result) } : event);
    }
    return out;
  }

  async runDetail(runId: string): Promise<RunDetail> {
    const trace = await this.traces.load(runId);
    const state = reduceRun(trace.header, trace.events);
    const nodes: RunDetail['nodes'] = {};
    for (const [id, n] of Object.entries(state.nodes)) {
      nodes[id] = {
        status: n.status,
        attempt: n.attempt,
        ...(n.outputs ? { outputs: await this.traces.getPayload(n.outputs) } : {}),
        ...(n.error ? { error: n.error } : {}),
        ...(n.routedToErrorPort ? { routedToErrorPort: true } : {}),
        ...(n.pinnedFrom ? { pinnedFrom: n.pinnedFrom } : {}),
        ...(n.startedAt ? { startedAt: n.startedAt } : {}),
        ...(n.finishedAt ? { finishedAt: n.finishedAt } : {}),
      };
    }
    const outputs: Record<string, unknown> = {};
    for (const [id, ports] of Object.entries(state.outputs ?? {})) outputs[id] = await this.traces.getPayload(ports);
    const { perCall: _perCall, ...cost } = runCost(await this.loadedEvents(runId), await this.prices());
    return {
      ...summarize(trace),
      cost,
      ...(state.error ? { errorInfo: state.error } : {}),
      ...(state.pause ? { attentionInfo: { nodeId: state.pause.nodeId, reason: state.pause.reason, choices: choiceIds(state.pause) }, pause: publicPause(state.pause) } : {}),
      input: trace.header.input,
      nodes,
      outputs,
      flow: await this.traces.getPayload(trace.header.flow),
    };
  }

  /** AI spend of a flow's latest runs, from the run index (AI use per model, priced now). */
  async flowCost(flowId: string, limit: number | undefined) {
    const mine = await this.index.list({ flowId, ...(limit !== undefined ? { limit } : {}) });
    return flowCostFromUsage(
      mine.map((run) => ({ runId: run.runId, usage: run.ai })),
      await this.prices(),
    );
  }
}

/** The pause as the API shows it: the recorded call key is the engine's business. */
function publicPause(pause: Pause): Omit<Pause, 'call'> {
  const { call: _call, ...shown } = pause;
  return shown;
}
