/**
 * The node kit: what a node type file (nodes/**) is written against.
 * A node never reads the clock, randomness or the network directly; it asks `ctx`,
 * so the runner can record every value that may differ between two runs.
 */
import type { z } from 'zod';
import type { Item, RetryPolicy } from './flow.ts';
import type { FieldChange, ReviewRequest } from './review.ts';

export type Effects = 'pure' | 'read' | 'write';
export type NodeCategory = 'trigger' | 'integration' | 'transform' | 'flow' | 'llm' | 'review';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Already serialized body. */
  body?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** Raw body text; nodes parse it. */
  body: string;
  durationMs: number;
}

export interface ExternalCallOptions {
  /** Which input item this call is for; part of the key replay matches results by. */
  itemIndex: number;
  /** Present when repeating the call is safe (the receiver de-duplicates). */
  idempotencyKey?: string;
  /** Overrides the node's declared effects for this call (e.g. a GET inside a write node). */
  effects?: Effects;
  /**
   * Opt-in development cache: when the engine runs with a cache folder, a live call with the same
   * key (e.g. model + rendered prompt + settings) re-uses a stored answer instead of paying again.
   * Never used for `write` calls, in replay, or when the engine has no cache folder.
   */
  cacheKey?: string;
  /** Which answers are worth keeping in the development cache (default: every success). */
  cacheIf?: (result: unknown) => boolean;
}

export interface NodeLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}

export interface NodeContext {
  readonly runId: string;
  readonly flowId: string;
  readonly nodeId: string;
  readonly nodeName: string;
  readonly attempt: number;
  /** Aborted on cancellation or when the node's timeout passes. */
  readonly signal: AbortSignal;
  /** True while replaying a recorded run: external results come from the trace. */
  readonly replaying: boolean;
  readonly log: NodeLogger;
  /** Recorded wall clock (ms since epoch). */
  now(itemIndex?: number): Promise<number>;
  /** Recorded random number in [0, 1). */
  random(itemIndex?: number): Promise<number>;
  /** Waits until the given time; returns at once in replay. Honours the signal. */
  sleepUntil(epochMs: number): Promise<void>;
  /** A recorded HTTP call. Network errors reject with a NodeError (code NETWORK / TIMEOUT). */
  http(request: HttpRequest, options: ExternalCallOptions): Promise<HttpResponse>;
  /**
   * Any other recorded call to the outside world (LLM, SMTP, SQL...). `perform` runs live;
   * in replay or resume the recorded result is returned instead. Results must be JSON.
   */
  external<T>(kind: string, request: unknown, options: ExternalCallOptions, perform: () => Promise<T>): Promise<T>;
  /** Evaluates `{{ }}` templates anywhere inside a JSON value, for one item. */
  evaluate<T = unknown>(value: unknown, itemIndex: number): Promise<T>;
  /**
   * Evaluates a bare jsonata expression (no braces) for one item. `options.input` replaces `$`
   * (e.g. the whole item list); `options.bindings` adds variables; `options.field` names the
   * config field in error messages.
   */
  evaluateExpression(expression: string, itemIndex: number, options?: { input?: unknown; bindings?: Record<string, unknown>; field?: string }): Promise<unknown>;
  /**
   * Credential values by id. Every value returned is redacted from traces and logs. An OAuth2
   * credential gives `{ token }`, a current access token (use it as a Bearer token). After a 401,
   * ask again with `{ rejectedToken }`: a renewed token comes back (one renewal shared by all
   * steps asking at once), or the same one when it cannot be renewed (a fixed token).
   */
  secret(credentialId: string, options?: SecretOptions): Promise<Record<string, string>>;
  /**
   * Human review of one item. `{ request }` asks a person: the first time, `review.requested` is
   * synced to the trace and undefined comes back (the item waits); once decided, the recorded
   * decision comes back — also after a restart, months later. `{ auto: true }` records that
   * the item needed no person ("review only if") and answers approve at once.
   * A node with items still waiting throws `new AwaitingReview(...)`: the run pauses there.
   */
  review(itemIndex: number, ask: { request: ReviewRequest; item: Item } | { auto: true; emit?: 'each' }): Promise<ReviewAnswer | undefined>;
  /**
   * Processes items one by one (or `concurrency` at a time) with the node's retry policy applied
   * per item: a failing item is retried on its own, so items that already went out are never
   * sent again. An item that still fails goes to the `error` port. Results keep item order.
   */
  forEachItem(
    items: readonly Item[],
    fn: (item: Item, itemIndex: number) => Promise<Item | Item[] | PortRouting>,
    options?: { concurrency?: number; port?: string },
  ): Promise<PortItems>;
}

export type PortItems = Record<string, Item[]>;

export interface SecretOptions {
  /** The access token an API just refused (401); a renewed one is returned if it can be made. */
  rejectedToken?: string;
}

/** A decision as a review step receives it. */
export interface ReviewAnswer {
  outcome: string;
  by: string;
  at: string;
  comment?: string;
  changes: FieldChange[];
  values: Record<string, unknown>;
  /** True when no person was asked ("review only if" said no). */
  auto?: boolean;
  /**
   * True when the item goes on in another run (a one-by-one review, `emit: "each"`): the step
   * gives nothing out for it here.
   */
  elsewhere?: boolean;
}

/** Thrown by a node whose items wait for people: the run pauses durably at this node. */
export class AwaitingReview extends Error {
  constructor(
    readonly nodeId: string,
    readonly requests: readonly string[],
    readonly title: string,
  ) {
    super(`Waiting for ${requests.length} review${requests.length === 1 ? '' : 's'}: ${title}`);
    this.name = 'AwaitingReview';
  }
}

const ROUTED = Symbol.for('flowkeeper.routed');

/** Result of one item sent to named ports instead of the default one (see `toPorts`). */
export interface PortRouting {
  readonly [ROUTED]: true;
  readonly ports: PortItems;
}

/** Inside `forEachItem`: send this item's results to the given ports, e.g. `toPorts({ error: [x] })`. */
export function toPorts(ports: PortItems): PortRouting {
  return { [ROUTED]: true, ports };
}

export function isPortRouting(value: unknown): value is PortRouting {
  return typeof value === 'object' && value !== null && (value as Partial<PortRouting>)[ROUTED] === true;
}

export interface RunArgs<C> {
  /** Items on each input port, e.g. `{ in: [...] }`. */
  inputs: PortItems;
  /** All input items concatenated in port order: what most nodes want. */
  items: Item[];
  /** Validated static config. Templates inside it are still text: use `ctx.evaluate`. */
  config: C;
  ctx: NodeContext;
}

export type NodeOutput = PortItems;

export interface NodeDefinition<C = Record<string, unknown>> {
  type: string;
  version: number;
  title: string;
  category: NodeCategory;
  icon: string;
  /** One or two sentences in plain words, shown to operators in the catalogue. */
  description: string;
  config: z.ZodType<C>;
  inputs: readonly string[] | ((config: C) => string[]);
  /** Every node also has an `error` output, which the runner adds when not listed. */
  outputs: readonly string[] | ((config: C) => string[]);
  effects: Effects | ((config: C) => Effects);
  credentials?: readonly string[];
  /** Retry policy used when the flow sets none for this node (e.g. HTTP retries 429 and 5xx). */
  defaultRetry?: RetryPolicy;
  /** Marks an entry node; the run input becomes its single item. */
  trigger?: boolean;
  /**
   * Config fields holding a bare jsonata expression (no `{{ }}` needed), e.g. `condition` or
   * `rules[].condition` (`[]`: every entry of a list). Validation parses them; `{{ }}` templates
   * in any other text field are found and parsed without being listed.
   */
  expressionFields?: readonly string[];
  /**
   * For a trigger that fires on its own (schedule, webhook, polling…): called while the flow is
   * active; returns what stops it. The trigger host (engine/triggers/) calls it when a flow is
   * activated or saved and at service start, and disposes it when the flow is deactivated,
   * saved again or deleted, and at shutdown. See TriggerContext and TriggerEmit.
   */
  subscribe?(ctx: TriggerContext<C>, emit: TriggerEmit): TriggerDispose | Promise<TriggerDispose>;
  /**
   * Whether the node runs when none of its inputs received any item. Default false: the node
   * is skipped and its outputs stay empty (this is what makes `if` branches exclusive).
   */
  runWhenEmpty?: boolean;
  /** Upgrades configs saved by older versions of this node type: index k upgrades k+1 → k+2. */
  migrations?: ReadonlyArray<(config: Record<string, unknown>) => Record<string, unknown>>;
  run(args: RunArgs<C>): Promise<NodeOutput>;
  /**
   * What the node would send for one item, for the inspector's live preview (e.g. an AI step's
   * rendered prompt for the last run's data). Must not call the outside world. `evaluate` renders
   * `{{ }}` templates inside a value for that item.
   */
  preview?(args: PreviewArgs<C>): Promise<unknown>;
}

/** Stops a subscription: timers cleared, listeners closed. May be async (a server closing). */
export type TriggerDispose = () => void | Promise<void>;

export interface TriggerEmitOptions {
  /**
   * The event's identity at its source (a scheduled time, a message id, a file's content hash):
   * an event with a key this trigger already emitted starts no second run, even after a restart.
   */
  dedupeKey?: string;
  /**
   * The trigger will wait for this run's result (`ctx.runResult`): it starts ahead of the events
   * waiting in the backlog, even while a burst is being taken.
   */
  awaitResult?: boolean;
}

export interface TriggerEmitResult {
  runId: string;
  /** True when the dedupe key was seen before: no new run started; `runId` is the earlier run's. */
  duplicate: boolean;
}

/**
 * Starts one run with `items` as its input. Resolves only once the run's start is durable (on
 * disk, fsynced): acknowledge the source or advance its position only after that. Rejects when
 * the flow was switched off or Flowkeeper is closing — the event is then not taken.
 */
export type TriggerEmit = (items: Item[], options?: TriggerEmitOptions) => Promise<TriggerEmitResult>;

/** A small durable key-value store per trigger (positions, last fire, seen ids); survives restarts. */
export interface TriggerStateStore {
  get<T = unknown>(key: string): T | undefined;
  /** Resolves once the value is on disk (fsynced). Values must be JSON. */
  set(key: string, value: unknown): Promise<void>;
}

/** Time for a trigger: the same injected clock as the runner's (a fake one in tests). */
export interface TriggerClock {
  now(): number;
  monotonic(): number;
  setTimer(ms: number, fn: () => void): () => void;
}

/** An HTTP request that reached a webhook route, already checked (auth, signature, size). */
export interface WebhookRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names; auth and signature headers are left out. */
  headers: Record<string, string>;
  /** The raw body text (what a signature was computed over). */
  body: string;
}

export interface WebhookReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Checks the webhook intake makes before a request reaches the trigger (engine/triggers/webhook-intake.ts). */
export interface WebhookRoute {
  port: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** e.g. /hooks/orders */
  path: string;
  method: string;
  /** Requests above this size are refused with 413 before they are read on. */
  maxBodyBytes: number;
  /** Requests in progress on this route above this get 429 with Retry-After. */
  maxConcurrent: number;
  auth?: { kind: 'bearer'; token: string } | { kind: 'header'; name: string; value: string };
  /** HMAC of the raw body, hex, in `header` (optionally after a prefix such as "sha256="). */
  signature?: { header: string; secret: string; algorithm: 'sha256' | 'sha1' | 'sha512'; prefix?: string };
}

export interface TriggerContext<C> {
  readonly flowId: string;
  readonly nodeId: string;
  /** Validated config of the trigger node. */
  readonly config: C;
  readonly clock: TriggerClock;
  readonly state: TriggerStateStore;
  readonly log: NodeLogger;
  /** Aborted when the subscription is disposed. */
  readonly signal: AbortSignal;
  /** Credential values by id (never logged); OAuth2 credentials as for `NodeContext.secret`. */
  secret(credentialId: string, options?: SecretOptions): Promise<Record<string, string>>;
  /** Says the trigger is alive (shown as its heartbeat). */
  heartbeat(): void;
  /** Reports a problem that did not end the subscription (shown as its last error). */
  reportError(message: string): void;
  /**
   * Serves a webhook route (a listener shared by every route on the same port); the intake
   * answers bad requests itself (401, 404, 405, 413, 429) and calls `handle` for good ones.
   * Resolves once listening; stopped with the subscription.
   */
  listen(route: WebhookRoute, handle: (request: WebhookRequest) => Promise<WebhookReply>): Promise<void>;
  /** An HTTP call from the trigger (polling); not recorded — what it finds becomes the run's input. */
  http(request: HttpRequest): Promise<HttpResponse>;
  /** Waits for a run this trigger started to finish: its status and each end node's outputs. */
  runResult(runId: string): Promise<{ status: string; outputs: Record<string, unknown> }>;
}

export interface PreviewArgs<C> {
  config: C;
  item: Item;
  evaluate: (value: unknown) => Promise<unknown>;
}

/** Erased node definition as stored in a registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNodeDefinition = NodeDefinition<any>;

export function defineNode<C>(def: NodeDefinition<C>): NodeDefinition<C> {
  return def;
}

export function portsOf(list: readonly string[] | ((config: never) => string[]), config: unknown): string[] {
  return typeof list === 'function' ? (list as (c: unknown) => string[])(config) : [...list];
}

export function effectsOf(def: AnyNodeDefinition, config: unknown): Effects {
  return typeof def.effects === 'function' ? def.effects(config) : def.effects;
}

/** Output ports including the implicit `error` port. */
export function outputPortsOf(def: AnyNodeDefinition, config: unknown): string[] {
  const ports = portsOf(def.outputs, config);
  return ports.includes('error') ? ports : [...ports, 'error'];
}

export interface NodeErrorInfo {
  message: string;
  /** Machine-readable kind: TIMEOUT, NETWORK, HTTP_STATUS, CANCELLED, EXPRESSION, CONFIG, ... */
  code: string;
  retryable: boolean;
  status?: number;
  /** What the operator should do next, in plain words. */
  hint?: string;
  /** A server asked us to wait this long before trying again (Retry-After). */
  retryAfterMs?: number;
  /**
   * The config field the error is about, as a path inside the node's config: `url`,
   * `headers[0].value`. The inspector highlights it after a failed run; absent when no one field
   * is to blame (a server answered 500). The runner fills it in for expression errors it can place.
   */
  field?: string;
  details?: Record<string, unknown>;
}

/** An error a node throws on purpose: message for people, code and retryable for the runner. */
export class NodeError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly status?: number;
  readonly hint?: string;
  readonly retryAfterMs?: number;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(info: NodeErrorInfo) {
    super(info.message);
    this.name = 'NodeError';
    this.code = info.code;
    this.retryable = info.retryable;
    if (info.status !== undefined) this.status = info.status;
    if (info.hint !== undefined) this.hint = info.hint;
    if (info.retryAfterMs !== undefined) this.retryAfterMs = info.retryAfterMs;
    if (info.field !== undefined) this.field = info.field;
    if (info.details !== undefined) this.details = info.details;
  }

  toInfo(): NodeErrorInfo {
    const info: NodeErrorInfo = { message: this.message, code: this.code, retryable: this.retryable };
    if (this.status !== undefined) info.status = this.status;
    if (this.hint !== undefined) info.hint = this.hint;
    if (this.retryAfterMs !== undefined) info.retryAfterMs = this.retryAfterMs;
    if (this.field !== undefined) info.field = this.field;
    if (this.details !== undefined) info.details = this.details;
    return info;
  }
}

export function toErrorInfo(error: unknown): NodeErrorInfo {
  if (error instanceof NodeError) return error.toInfo();
  if (isErrorInfo(error)) return error;
  if (error instanceof Error) return { message: error.message, code: 'INTERNAL', retryable: false };
  return { message: String(error), code: 'INTERNAL', retryable: false };
}

/** The item a node puts on its `error` port for one failed input item. */
export function errorItem(error: NodeErrorInfo, item: Item | undefined, itemIndex: number): Item {
  return { error, itemIndex, ...(item === undefined ? {} : { item }) };
}

function isErrorInfo(value: unknown): value is NodeErrorInfo {
  const v = value as NodeErrorInfo | null;
  return typeof v === 'object' && v !== null && typeof v.message === 'string' && typeof v.code === 'string' && typeof v.retryable === 'boolean';
}

/**
 * Field metadata: what the inspector shows for one config field. It rides on the zod schema as
 * `.meta()` (see `field`), so it reaches the catalogue's JSON Schema with the types — one source,
 * and the inspector never has to show a bare key like `authHeaderName`.
 */
export interface FieldMeta {
  /** A short label in plain words, e.g. "Header name". */
  title: string;
  /** One or two plain sentences: what the field does, with an example where it helps. */
  description: string;
  /** Greyed example text in an empty input. */
  placeholder?: string;
  /** Shown only while a sibling field (same object) has one of the given values. */
  showWhen?: ShowWhen;
  /** Which editor the inspector uses where the JSON type alone does not say (see FieldWidget). */
  widget?: FieldWidget;
  /** Plain labels for the values of a choice, e.g. `{ byKey: 'Match items by a key field' }`. */
  optionLabels?: Record<string, string>;
  /** Rarely changed: the inspector tucks it under "More settings". */
  advanced?: boolean;
  /** For lists: what one entry is called, e.g. "Rule" (→ "Rule 2", "Add rule"). */
  itemTitle?: string;
}

export interface ShowWhen {
  field: string;
  is: ReadonlyArray<string | number | boolean>;
}

/**
 * - `template`: text that may hold `{{ expressions }}` (the default for text).
 * - `expression`: a bare jsonata expression (conditions, transforms), always edited as code.
 * - `multiline`: longer text (prompts), may hold `{{ expressions }}`.
 * - `credential`: the id of a stored credential, picked by name.
 * - `key-value`: a list of `{ name, value }` pairs (headers, query, fields to set).
 * - `string-list`: a list of short texts (labels, field names).
 * - `plain`: text without expressions (names, ids).
 * - `http-body`: the HTTP request body, edited according to the body type.
 * - `sql`: a SQL statement, edited as code; never holds expressions (values go in parameters).
 * - `sql-parameters`: the values for `$1`, `$2`… of the sibling `sql` field, in order; each may
 *   hold `{{ expressions }}`.
 * - `email-addresses`: e-mail addresses separated by commas (`Name <a@example.com>`), may hold
 *   `{{ expressions }}`; the inspector says which addresses it read and which look wrong.
 */
export type FieldWidget = 'template' | 'expression' | 'multiline' | 'credential' | 'key-value' | 'string-list' | 'plain' | 'http-body' | 'sql' | 'sql-parameters' | 'email-addresses';

/** Attaches field metadata to a zod schema: `field(z.string(), { title, description })`. */
export function field<T extends z.ZodType>(schema: T, meta: FieldMeta): T {
  return schema.meta({ ...meta }) as T;
}
