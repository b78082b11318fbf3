/**
 * The service behind every door: implements the API contract on top of the engine and a data
 * folder (flows, runs, credentials, settings). Runs started here execute in this process; their
 * events are pushed to subscribers. On start, interrupted runs are resumed.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  ApiError,
  SettingsSchema,
  type ApiEvent,
  type MethodOutput,
  type NodeTypeInfo,
  type RunDetail,
  type Settings,
} from './model/contract.ts';
import type { Flow } from './model/flow.ts';
import { effectsOf, outputPortsOf, portsOf, type AnyNodeDefinition } from './model/node-kit.ts';
import { FINAL_STATUSES, type RunEvent } from './model/events.ts';
import { reduceRun } from './model/run-state.ts';
import { validateFlow } from './model/validate.ts';
import { configJsonSchema } from './model/json-schema.ts';
import type { ApiService, ServiceHandlers } from './dispatch.ts';
import { Engine, newRunId, type RunOutcome } from './engine.ts';
import { FlowStore } from './flow-store.ts';
import { prepareFork, replayRun } from './replay.ts';
import type { HttpTransport } from './runner/http-transport.ts';
import type { NodeRegistry } from './runner/registry.ts';
import { FileTraceStore, summarize } from './trace/trace-store.ts';
import { OsKeychain, Vault, type KeychainBackend } from './vault.ts';
import { Serial } from './serial.ts';
import { RunLockedError } from './trace/run-lock.ts';
import { flowCost, priceTable, runCost, type PriceTable } from './cost.ts';
import { evaluateDeep } from './expressions.ts';
import { zodProblems } from './model/validate.ts';

export interface ServiceOptions {
  dataDir: string;
  registry: NodeRegistry;
  keychain?: KeychainBackend;
  http?: HttpTransport;
  /** Continue interrupted runs when the service starts (default true). */
  resumeOnStart?: boolean;
  env?: NodeJS.ProcessEnv;
}

export class FlowkeeperService implements ApiService {
  readonly handlers: ServiceHandlers;
  readonly store: FileTraceStore;
  readonly flows: FlowStore;
  readonly vault: Vault;
  private readonly engine: Engine;
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  private readonly active = new Map<string, { controller: AbortController; done: Promise<RunOutcome | undefined> }>();
  private readonly shutdown = new AbortController();
  /** Runs whose resume is being checked (between the request and the start). */
  private readonly resuming = new Set<string>();
  private readonly serial = new Serial();
  private readonly settingsFile: string;
  private background: Promise<unknown> = Promise.resolve();
  /** Settings as last read or written; the engine reads the dev-cache switch from here. */
  private current: Settings = SettingsSchema.parse({});

  constructor(private readonly options: ServiceOptions) {
    this.store = new FileTraceStore(options.dataDir);
    this.flows = new FlowStore(options.dataDir, options.registry);
    this.vault = new Vault(options.dataDir, options.keychain ?? new OsKeychain(), options.env);
    this.settingsFile = join(options.dataDir, 'settings.json');
    this.engine = new Engine({
      store: this.store,
      registry: options.registry,
      secrets: this.vault,
      ...(options.http ? { http: options.http } : {}),
      onEvent: (runId, event) => this.onRunEvent(runId, event),
      devCacheDir: () => (this.current.llmDevCache ? join(options.dataDir, 'cache') : undefined),
    });
    this.handlers = this.createHandlers();
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ApiEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        /* a broken subscriber must not break the run */
      }
    }
  }

  private onRunEvent(runId: string, event: RunEvent): void {
    this.emit({ type: 'run.event', runId, event });
    if (event.type === 'run.started' || event.type === 'run.resumed') this.emit({ type: 'runs.changed', runId, status: 'running' });
    if (event.type === 'run.needs-attention') this.emit({ type: 'runs.changed', runId, status: 'needs-attention' });
    if (event.type === 'run.finished') this.emit({ type: 'runs.changed', runId, status: event.status });
  }

  /**
   * Resumes interrupted runs in the background; returns at once. Each is tracked like any run,
   * so it can be followed and cancelled; runs another process owns are left to it.
   */
  start(): this {
    if (this.options.resumeOnStart !== false) {
      this.background = (async () => {
        const { runs } = await this.store.list();
        for (const run of runs.filter((r) => r.status === 'running')) {
          if (this.shutdown.signal.aborted) break;
          const entry = this.track(run.runId, (signal) => this.engine.resume(run.runId, { signal }));
          await entry?.done;
        }
      })().catch(() => undefined);
    }
    return this;
  }

  /** Waits for work started by the service (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await this.background;
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /**
   * Stops accepting work. Runs in progress are left as they are: if the process ends now they
   * are interrupted, and the next start resumes them. `cancelRuns` cancels them instead.
   */
  async close(options: { cancelRuns?: boolean } = {}): Promise<void> {
    this.shutdown.abort();
    if (options.cancelRuns) {
      for (const run of this.active.values()) run.controller.abort();
      await this.idle();
    }
    this.listeners.clear();
  }

  /**
   * Runs work for a run in the background, cancellable through runs.cancel. Refuses (undefined)
   * when the run is already in progress here. Call it before any await, so two requests for the
   * same run cannot both pass the check.
   */
  private track(runId: string, work: (signal: AbortSignal) => Promise<RunOutcome>): { done: Promise<RunOutcome | undefined> } | undefined {
    if (this.active.has(runId)) return undefined;
    const controller = new AbortController();
    const entry: { controller: AbortController; done: Promise<RunOutcome | undefined> } = { controller, done: Promise.resolve(undefined) };
    this.active.set(runId, entry);
    entry.done = Promise.resolve()
      .then(() => work(controller.signal))
      .catch((error: unknown) => {
        // Another process runs it: not a failure of the run, just not ours to run.
        if (error instanceof RunLockedError) return undefined;
        this.emit({ type: 'runs.changed', runId, status: 'failed' });
        // The trace holds the story; a failure to even start is reported on the run's channel.
        this.emit({ type: 'run.event', runId, event: { seq: 0, ts: new Date().toISOString(), type: 'node.log', nodeId: '', level: 'warn', message: error instanceof Error ? error.message : String(error) } });
        return undefined;
      })
      .finally(() => {
        if (this.active.get(runId) === entry) this.active.delete(runId);
      });
    return entry;
  }

  private busy(runId: string): ApiError {
    return new ApiError({ code: 'RUN_BUSY', message: `Run ${runId} is already in progress.`, hint: 'Wait for it to finish or stop it first.' });
  }

  async settings(): Promise<Settings> {
    let text: string;
    try {
      text = await readFile(this.settingsFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.current = SettingsSchema.parse({});
      return this.current;
    }
    try {
      this.current = SettingsSchema.parse(JSON.parse(text));
    } catch {
      // Never silently replaced by defaults: the next save would throw the person's settings away.
      throw new ApiError({ code: 'SETTINGS_DAMAGED', message: 'The settings file (settings.json in the data folder) cannot be read.', hint: 'Fix or delete that file; deleting it restores the defaults.' });
    }
    return this.current;
  }

  private async prices(): Promise<PriceTable> {
    const { llmPrices } = await this.settings();
    return priceTable(Object.fromEntries(Object.entries(llmPrices).map(([model, p]) => [model, { inputPerMillion: p.input, outputPerMillion: p.output }])));
  }

  /** Events with large results read back, so costs see every AI answer. */
  private async loadedEvents(runId: string): Promise<RunEvent[]> {
    const trace = await this.store.load(runId);
    const out: RunEvent[] = [];
    for (const event of trace.events) {
      out.push(event.type === 'external.result' && event.kind === 'llm' && event.result !== undefined ? { ...event, result: await this.store.getPayload(event.result) } : event);
    }
    return out;
  }

  private async runDetail(runId: string): Promise<RunDetail> {
    const trace = await this.store.load(runId);
    const state = reduceRun(trace.header, trace.events);
    const nodes: RunDetail['nodes'] = {};
    for (const [id, n] of Object.entries(state.nodes)) {
      nodes[id] = {
        status: n.status,
        attempt: n.attempt,
        ...(n.outputs ? { outputs: await this.store.getPayload(n.outputs) } : {}),
        ...(n.error ? { error: n.error } : {}),
        ...(n.routedToErrorPort ? { routedToErrorPort: true } : {}),
        ...(n.startedAt ? { startedAt: n.startedAt } : {}),
        ...(n.finishedAt ? { finishedAt: n.finishedAt } : {}),
      };
    }
    const outputs: Record<string, unknown> = {};
    for (const [id, ports] of Object.entries(state.outputs ?? {})) outputs[id] = await this.store.getPayload(ports);
    const { perCall: _perCall, ...cost } = runCost(await this.loadedEvents(runId), await this.prices());
    const { location: _location, ...summary } = summarize(trace);
    return {
      ...summary,
      cost,
      ...(state.error ? { errorInfo: state.error } : {}),
      ...(state.attention ? { attentionInfo: { nodeId: state.attention.nodeId, reason: state.attention.reason, choices: state.attention.choices } } : {}),
      input: trace.header.input,
      nodes,
      outputs,
      flow: await this.store.getPayload(trace.header.flow),
    };
  }

  private validFlow(raw: unknown): Flow {
    const result = validateFlow(raw, this.options.registry);
    if (!result.ok) throw new ApiError({ code: 'FLOW_INVALID', message: 'The flow has problems.', problems: result.problems });
    return result.flow;
  }

  private createHandlers(): ServiceHandlers {
    const { registry } = this.options;
    return {
      'flows.list': () => this.flows.list(),
      'flows.get': ({ id, version }) => this.flows.get(id, version),
      'flows.save': async ({ flow, expectedVersion }) => {
        const saved = await this.flows.save(flow, expectedVersion);
        this.emit({ type: 'flows.changed', flowId: String(saved.flow.id) });
        return saved;
      },
      'flows.delete': async ({ id }) => {
        await this.flows.delete(id);
        this.emit({ type: 'flows.changed', flowId: id });
        return { ok: true as const };
      },
      'flows.validate': async ({ flow }) => {
        const result = validateFlow(flow, registry);
        return { ok: result.ok, problems: result.problems };
      },
      'flows.import': async ({ text, overwrite }) => {
        const saved = await this.flows.import(text, overwrite);
        this.emit({ type: 'flows.changed', flowId: String(saved.flow.id) });
        return saved;
      },
      'flows.export': async ({ id }) => {
        const { flow } = await this.flows.get(id);
        // A relative "$schema" (the examples' "../../docs/flow.schema.json") only resolves inside
        // the repository; in a file handed to someone else it points nowhere, so it is dropped.
        const { $schema, ...rest } = flow as { $schema?: unknown };
        const portable = typeof $schema === 'string' && /^https?:\/\//.test($schema) ? flow : rest;
        return { fileName: `${id}.flow.json`, text: `${JSON.stringify(portable, null, 2)}\n` };
      },
      'flows.versions': ({ id }) => this.flows.versions(id),
      'flows.cost': async ({ id, limit }) => {
        const { runs } = await this.store.list();
        const mine = runs.filter((r) => r.flowId === id).slice(0, limit);
        const loaded = [];
        for (const run of mine) loaded.push({ runId: run.runId, events: await this.loadedEvents(run.runId) });
        return flowCost(loaded, await this.prices());
      },

      'runs.start': async ({ flowId, input }) => {
        const flow = await this.flows.runnable(flowId);
        const runId = newRunId();
        const person = (await this.settings()).reviewerName;
        this.track(runId, (signal) => this.engine.startRun(flow, { runId, input: input ?? {}, signal, startedBy: 'app', ...(person ? { startedByName: person } : {}) }));
        return { runId };
      },
      'runs.list': async ({ status, flowId, limit, offset }) => {
        const { runs } = await this.store.list();
        return runs
          .filter((r) => status === undefined || r.status === status)
          .filter((r) => flowId === undefined || r.flowId === flowId)
          .slice(offset, offset + limit)
          .map(({ location: _location, ...summary }) => summary);
      },
      'runs.get': ({ runId }) => this.runDetail(runId),
      'runs.cancel': async ({ runId }) => {
        const run = this.active.get(runId);
        if (!run) {
          throw new ApiError({ code: 'RUN_NOT_ACTIVE', message: `Run ${runId} is not in progress here, so there is nothing to stop.`, hint: 'A run waiting for a decision can be cancelled by answering "cancel".' });
        }
        run.controller.abort();
        await run.done;
        return { ok: true as const };
      },
      'runs.resume': async ({ runId, choice }) => {
        if (this.active.has(runId) || this.resuming.has(runId)) throw this.busy(runId);
        this.resuming.add(runId);
        try {
          const trace = await this.store.load(runId);
          const state = reduceRun(trace.header, trace.events);
          if ((FINAL_STATUSES as readonly string[]).includes(state.status)) {
            throw new ApiError({ code: 'RUN_FINISHED', message: `Run ${runId} already ${state.status}; there is nothing to continue.`, hint: 'Use "Re-run from a step" to run part of it again.' });
          }
          if (state.status === 'needs-attention' && choice === undefined) {
            throw new ApiError({ code: 'DECISION_NEEDED', message: state.attention?.reason ?? 'This run waits for a decision.', hint: 'Choose send-again, skip-item or cancel.' });
          }
          const by = (await this.settings()).reviewerName || 'app';
          if (!this.track(runId, (signal) => this.engine.resume(runId, { signal, ...(choice ? { choice, by } : {}) }))) throw this.busy(runId);
          return { runId };
        } finally {
          this.resuming.delete(runId);
        }
      },
      'runs.replay': async ({ runId, flow }) => replayRun(this.store, registry, runId, flow === undefined ? {} : { flow: this.validFlow(flow) }),
      'runs.fork': async ({ runId, fromNodeId, flow }) => {
        const newId = newRunId();
        const plan = await prepareFork(this.store, runId, fromNodeId, { runId: newId, startedBy: 'app', ...(flow === undefined ? {} : { flow: this.validFlow(flow) }) });
        this.track(newId, (signal) => this.engine.startRun(plan.flow, { ...plan.start, signal }));
        return { runId: newId };
      },

      'traces.events': async ({ runId, afterSeq, limit }) => {
        const trace = await this.store.load(runId);
        const after = trace.events.filter((e) => e.seq > afterSeq);
        const page = after.slice(0, limit);
        return { events: page, lastSeq: page.length > 0 ? page[page.length - 1]!.seq : afterSeq, hasMore: after.length > page.length };
      },

      // The inbox engine side arrives with human review; until then it is honestly empty.
      'inbox.list': async () => [],
      'inbox.get': async ({ id }) => {
        throw new ApiError({ code: 'INBOX_ITEM_NOT_FOUND', message: `There is no inbox item "${id}".` });
      },
      'inbox.decide': async ({ id }) => {
        throw new ApiError({ code: 'INBOX_ITEM_NOT_FOUND', message: `There is no inbox item "${id}" to decide.` });
      },

      'credentials.list': () => this.vault.list(),
      'credentials.set': ({ id, type, label, values }) => this.vault.set(id, type, label, values),
      'credentials.status': () => this.vault.status(),
      'credentials.delete': async ({ id }) => {
        await this.vault.delete(id);
        return { ok: true as const };
      },

      'catalog.list': async () => registry.all().map(describeNodeType),
      'catalog.preview': async ({ type, config, item }) => {
        const def = registry.get(type);
        if (!def) throw new ApiError({ code: 'NODE_TYPE_NOT_FOUND', message: `There is no node type "${type}".` });
        if (!def.preview) return { available: false, problems: [] };
        const parsed = def.config.safeParse(config, { reportInput: true });
        if (!parsed.success) return { available: true, problems: zodProblems(parsed.error, ['config']) };
        // Expressions see the item; the clock and randomness are not recorded here (nothing runs).
        const preview = await def.preview({ config: parsed.data, item, evaluate: (value) => evaluateDeep(value, { item, bindings: { input: item, nodes: {} } }) });
        return { available: true, preview, problems: [] };
      },

      'settings.get': () => this.settings(),
      'settings.update': (changes) => this.serial.run('settings', async () => {
        const before = await this.settings();
        const next = SettingsSchema.parse({ ...before, ...changes, notifications: { ...before.notifications, ...changes.notifications } });
        this.current = next;
        await mkdir(this.options.dataDir, { recursive: true });
        const tmp = `${this.settingsFile}.${randomUUID()}.tmp`;
        await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
        await rename(tmp, this.settingsFile);
        return next;
      }),
    };
  }
}

/** A node type as the catalogue shows it: no code, just what the editor needs. */
export function describeNodeType(def: AnyNodeDefinition): NodeTypeInfo {
  const defaults = def.config.safeParse({});
  const config: unknown = defaults.success ? defaults.data : {};
  let outputs: string[];
  try {
    outputs = outputPortsOf(def, config);
  } catch {
    outputs = ['error'];
  }
  return {
    type: def.type,
    version: def.version,
    title: def.title,
    category: def.category,
    icon: def.icon,
    description: def.description,
    inputs: portsOf(def.inputs, config),
    outputs,
    dynamicOutputs: typeof def.outputs === 'function',
    effects: typeof def.effects === 'function' ? 'depends' : effectsOf(def, config),
    trigger: def.trigger === true,
    credentials: [...(def.credentials ?? [])],
    configSchema: configJsonSchema(def.config),
  };
}

export async function createService(options: ServiceOptions): Promise<FlowkeeperService> {
  await mkdir(options.dataDir, { recursive: true });
  const service = new FlowkeeperService(options);
  await service.settings();
  return service.start();
}

export type { MethodOutput };
