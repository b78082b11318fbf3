/**
 * The API contract: the one interface every door exposes (Electron preload, web bridge,
 * in-process). Each method has a zod schema for its arguments and its result; `FlowkeeperApi`
 * and the client proxies are derived from this table, so a method is written down once.
 *
 * Pure (no node:*, no DOM): the renderer, the preload and the engine all import it.
 */
import { z } from 'zod';
import { AlertListSchema } from './alerts.ts';
import type { RunEvent } from './events.ts';
import type { Flow, FlowInput } from './flow.ts';
import { FlowHeadlineSchema, MetricResultSchema, ReadinessSchema } from './charter.ts';
import { HandoverBundleSchema } from './handover-bundle.ts';
import { AcceptanceSchema, BundleSourceSchema, CredentialMappingsSchema, HandoverImportRequestSchema, HandoverImportResultSchema, HandoverPreviewSchema } from './handover-import.ts';
import { DashboardRunFilterSchema, DashboardSchema } from './dashboard.ts';

// ---------------------------------------------------------------------------------------------
// Shared shapes

const RunStatus = z.enum(['running', 'paused', 'needs-attention', 'succeeded', 'failed', 'cancelled']);
const Json = z.unknown();
const Problem = z.object({ path: z.string(), message: z.string(), severity: z.enum(['error', 'warning']), nodeId: z.string().optional() });
const ErrorInfo = z.object({
  message: z.string(),
  code: z.string(),
  retryable: z.boolean(),
  hint: z.string().optional(),
  status: z.number().optional(),
  nodeId: z.string().optional(),
  retryAfterMs: z.number().optional(),
  field: z.string().optional(),
  details: z.record(z.string(), Json).optional(),
});
const FlowId = z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'use letters, digits, "_" or "-", starting with a letter');
const RunId = z.string().min(1).max(128);
/**
 * A flow as the doors carry it: typed as the flow format, but not validated here, because a flow
 * with problems still saves and loads (the editor keeps it while the person fixes it). The
 * service checks it with validateFlow and returns the problems beside it.
 */
const FlowJson = z.custom<Flow>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'A flow must be one JSON object.' });
/** On the way in any JSON object goes (a half-built or broken flow is still saved, with its problems). */
const FlowInputJson = z.custom<FlowInput | Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'A flow must be one JSON object.' });

export const FlowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  owner: z.string(),
  version: z.number(),
  nodeCount: z.number(),
  updatedAt: z.string(),
  /** Set when the stored file no longer validates (e.g. a node type was removed). */
  problems: z.array(Problem).optional(),
  /** Switched on: its triggers fire by themselves while Flowkeeper runs (flows.activate). */
  active: z.boolean().optional(),
  /**
   * It has a trigger that fires by itself (schedule, webhook, poll, folder, e-mail: a node type with
   * `subscribe`), so switching it on means something; false for a flow that only starts by hand.
   */
  startsByItself: z.boolean().optional(),
  /** When on: the version whose triggers run (a pinned one, or the latest when it follows saves). */
  activeVersion: z.number().optional(),
  /** When on: switched on at a chosen version, so later saves do not change what runs. */
  pinned: z.boolean().optional(),
});
export type FlowSummary = z.infer<typeof FlowSummarySchema>;

// Versions (engine/flow-store.ts keeps them; engine/model/flow-diff.ts compares two).
export const FlowVersionInfoSchema = z.object({
  version: z.number(),
  savedAt: z.string(),
  /** Who saved it ('' when nobody was named: settings has no name and the door gave none). */
  author: z.string(),
  message: z.string().optional(),
  /** What changed since the version before, in one line ("added 2 steps, changed “Fetch invoices”"). */
  summary: z.string(),
  /** A rollback: the version whose content this one restores. */
  restoredFrom: z.number().optional(),
});
export type FlowVersionInfo = z.infer<typeof FlowVersionInfoSchema>;
const FieldChangeOfFlow = z.object({ path: z.string(), before: Json.optional(), after: Json.optional() });
const NodeRefSchema = z.object({ nodeId: z.string(), name: z.string(), type: z.string() });
const PointSchema = z.object({ x: z.number(), y: z.number() });
const EdgeRefSchema = z.object({ source: z.string(), sourcePort: z.string(), target: z.string(), targetPort: z.string() });
export const FlowDiffSchema = z.object({
  nodesAdded: z.array(NodeRefSchema),
  nodesRemoved: z.array(NodeRefSchema),
  nodesChanged: z.array(NodeRefSchema.extend({ changes: z.array(FieldChangeOfFlow) })),
  nodesMoved: z.array(NodeRefSchema.extend({ before: PointSchema, after: PointSchema })),
  edgesAdded: z.array(EdgeRefSchema),
  edgesRemoved: z.array(EdgeRefSchema),
  flow: z.array(FieldChangeOfFlow),
  charter: z.array(FieldChangeOfFlow),
  settings: z.array(FieldChangeOfFlow),
  identical: z.boolean(),
});

export const RunSummarySchema = z.object({
  runId: z.string(),
  flowId: z.string(),
  flowName: z.string(),
  flowVersion: z.number(),
  status: RunStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  mode: z.enum(['run', 'fork', 'replay']),
  parentRunId: z.string().optional(),
  error: z.string().optional(),
  attention: z.string().optional(),
  /** Steps whose items went out on their error path: the run went on, but those items failed. */
  /** What started it (app, cli, fork, schedule, webhook …), the person when known, and its input in a line. */
  startedBy: z.string().optional(),
  startedByName: z.string().optional(),
  inputSummary: z.string().optional(),
  failedItems: z.array(z.object({ nodeId: z.string(), name: z.string(), failed: z.number(), total: z.number() })).optional(),
});
export type RunSummaryInfo = z.infer<typeof RunSummarySchema>;

/** A damaged trace that was set aside (or could not be moved): which run, why, where it is now. */
export const SetAsideRunSchema = z.object({
  runId: z.string(),
  reason: z.string(),
  /** Where the file is now (its old place when it could not be moved). */
  location: z.string(),
  moved: z.boolean(),
  setAsideAt: z.string().optional(),
});
export type SetAsideRun = z.infer<typeof SetAsideRunSchema>;

const NodeState = z.object({
  status: z.enum(['pending', 'running', 'retrying', 'succeeded', 'failed', 'skipped']),
  attempt: z.number(),
  outputs: Json.optional(),
  error: ErrorInfo.optional(),
  /** The failure's items went on along the `error` path: the step counts as done. */
  routedToErrorPort: z.boolean().optional(),
  /** Not run: its result is pinned test data from this earlier run (editor test runs only). */
  pinnedFrom: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});

const CostSummarySchema = z.object({
  calls: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  /** USD over calls whose model has a price. */
  costUsd: z.number(),
  /** Models without a price: their tokens count, their money does not. */
  unpricedModels: z.array(z.string()),
  cachedCalls: z.number(),
});

export const RunDetailSchema = RunSummarySchema.extend({
  /** Tokens and money spent on AI steps, in total and per node. */
  cost: CostSummarySchema.extend({ perNode: z.record(z.string(), CostSummarySchema) }),
  input: Json,
  nodes: z.record(z.string(), NodeState),
  outputs: Json.optional(),
  errorInfo: ErrorInfo.optional(),
  attentionInfo: z.object({ nodeId: z.string(), reason: z.string(), choices: z.array(z.string()) }).optional(),
  /** What a paused run waits for (engine/model/pause.ts): needs attention today, review next. */
  pause: z
    .object({
      kind: z.enum(['needs-attention', 'review']),
      nodeId: z.string(),
      reason: z.string(),
      waitsFor: z.literal('decision'),
      answeredBy: z.union([z.object({ anyone: z.literal(true) }), z.object({ people: z.array(z.string()) })]),
      choices: z.array(z.object({ id: z.string(), label: z.string() })),
      dueAt: z.string().optional(),
      /** Review: the inbox ids of the items still waiting. */
      requests: z.array(z.string()).optional(),
    })
    .optional(),
  /** The flow as it ran. */
  flow: FlowJson,
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

export const NodeTypeInfoSchema = z.object({
  type: z.string(),
  version: z.number(),
  title: z.string(),
  category: z.string(),
  icon: z.string(),
  description: z.string(),
  inputs: z.array(z.string()),
  /** Outputs for the default settings; some node types derive outputs from their settings. */
  outputs: z.array(z.string()),
  dynamicOutputs: z.boolean(),
  effects: z.enum(['pure', 'read', 'write', 'depends']),
  trigger: z.boolean(),
  credentials: z.array(z.string()),
  configSchema: z.record(z.string(), Json),
});
export type NodeTypeInfo = z.infer<typeof NodeTypeInfoSchema>;

/** A ready-made flow to start from (the examples that ship with Flowkeeper). */
export const FlowTemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  nodeCount: z.number(),
  /** Node types used, for a one-line preview. */
  nodeTypes: z.array(z.string()),
  flow: FlowJson,
});
export type FlowTemplate = z.infer<typeof FlowTemplateSchema>;

export const CredentialInfoSchema = z.object({
  id: z.string(),
  type: z.string(),
  label: z.string(),
  /** Names of the stored fields; the values never leave the vault. */
  fields: z.array(z.string()),
  updatedAt: z.string(),
  /** OAuth2 sign-ins: connected, or expired/revoked (reconnect); the tokens never leave the vault. */
  connection: z.object({ state: z.enum(['connected', 'expired']), at: z.string() }).optional(),
});
export type CredentialInfo = z.infer<typeof CredentialInfoSchema>;

/** One trigger of an active flow, as the trigger host sees it (engine/triggers/trigger-host.ts). */
export const TriggerHealthSchema = z.object({
  nodeId: z.string(),
  type: z.string(),
  title: z.string(),
  /** starting → listening; failed when it could not start (see lastError). */
  state: z.enum(['starting', 'listening', 'failed']),
  /** When the state last changed. */
  since: z.string(),
  /** Runs started by this trigger since it was (re)started. */
  fired: z.number(),
  lastFiredAt: z.string().optional(),
  lastRunId: z.string().optional(),
  /** The trigger said it is alive (a timer woke, a connection answered). */
  heartbeatAt: z.string().optional(),
  lastMessage: z.string().optional(),
  lastError: z.object({ message: z.string(), at: z.string() }).optional(),
});
export type TriggerHealth = z.infer<typeof TriggerHealthSchema>;

export const FlowTriggerStatusSchema = z.object({
  flowId: z.string(),
  active: z.boolean(),
  /** False when another Flowkeeper on the same data folder runs the triggers (see note). */
  runsHere: z.boolean(),
  /** The version whose triggers listen (absent while nothing listens). */
  version: z.number().optional(),
  /** Switched on at a chosen version: later saves do not change what runs until it is switched on again. */
  pinned: z.boolean().optional(),
  /** Why nothing listens although the flow is on, in plain words. */
  note: z.string().optional(),
  triggers: z.array(TriggerHealthSchema),
});
export type FlowTriggerStatus = z.infer<typeof FlowTriggerStatusSchema>;

const ReviewFieldSchema = z.object({
  name: z.string(),
  label: z.string(),
  type: z.enum(['text', 'number', 'boolean', 'date', 'choice']),
  required: z.boolean(),
  options: z.array(z.string()).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
const FieldChangeSchema = z.object({ field: z.string(), from: Json, to: Json });
const ReviewDecisionSchema = z.object({
  outcome: z.string(),
  by: z.string(),
  at: z.string(),
  comment: z.string().optional(),
  changes: z.array(FieldChangeSchema),
  values: z.record(z.string(), Json),
  /** False for an approval that still waits for more approvers (four-eyes). */
  final: z.boolean(),
});

/**
 * One item waiting for a person (a review step's item in a paused run), as the inbox lists it:
 * what a list row, a filter, a badge or a notification needs — lean, because a list may hold
 * thousands. The form to decide with (fields, values, labelled outcomes, the item) comes from
 * inbox.get. Served from the inbox index (engine/inbox/), so listing never reads every trace.
 */
export const InboxItemSchema = z.object({
  /** `<runId>:<nodeId>:<itemIndex>`; what inbox.get / inbox.decide take. */
  id: z.string(),
  runId: z.string(),
  flowId: z.string(),
  /** Plain names for the list. */
  flowName: z.string(),
  nodeId: z.string(),
  stepName: z.string(),
  /** Which item of the step's batch (0-based). */
  itemIndex: z.number(),
  title: z.string(),
  /** When the review was asked (ISO). */
  createdAt: z.string(),
  /** Outcome ids the reviewer may choose (approve, edit when there are fields, reject, custom). */
  outcomes: z.array(z.string()),
  /** Who decides now: a person or a group (after an escalation, the new one). Absent: anyone. */
  assignee: z.string().optional(),
  /** Set after an escalation: who had it before. */
  escalatedFrom: z.string().optional(),
  escalatedAt: z.string().optional(),
  remindedAt: z.string().optional(),
  dueAt: z.string().optional(),
  /** The due time has passed (at the time of the answer). */
  overdue: z.boolean(),
  /** Four-eyes: how many distinct approvals are needed, and who approved already. */
  approvals: z.object({ needed: z.number(), given: z.array(z.object({ by: z.string(), at: z.string() })) }),
});
export type InboxItem = z.infer<typeof InboxItemSchema>;

/** One inbox item with everything a reviewer needs to decide: the form, the text, the data, the AI answer. */
export const InboxItemDetailSchema = InboxItemSchema.extend({
  /** The outcomes with plain labels for buttons. */
  choices: z.array(z.object({ id: z.string(), label: z.string() })),
  /** Editable fields, their current values, and which outcomes need a comment. */
  fields: z.array(ReviewFieldSchema),
  values: z.record(z.string(), Json),
  commentRequiredFor: z.array(z.string()),
  /** The person who started the run may not approve it. */
  forbidStarter: z.boolean(),
  body: z.string(),
  /** Line items, rows of objects (columns are their keys). */
  table: z.array(z.record(z.string(), Json)).optional(),
  /** The AI step's answer and reason as the review step shows them. */
  ai: z.object({ answer: Json, reason: Json.optional() }).optional(),
  /** The item as it arrived, whole. */
  item: Json,
  /** The main output of every step before the review, by step id (upstream data). */
  upstream: z.record(z.string(), z.array(Json)),
  /** Step names by id, for the upstream data's headings. */
  stepNames: z.record(z.string(), z.string()),
  startedBy: z.string().optional(),
  /** Decisions so far (four-eyes approvals waiting for more). */
  decisions: z.array(ReviewDecisionSchema),
  /** The run's status (paused while items wait). */
  runStatus: RunStatus,
});
export type InboxItemDetail = z.infer<typeof InboxItemDetailSchema>;

/** A decided review, for the history of decisions. */
export const InboxDecisionSchema = z.object({
  id: z.string(),
  runId: z.string(),
  flowId: z.string(),
  flowName: z.string(),
  nodeId: z.string(),
  stepName: z.string(),
  title: z.string(),
  createdAt: z.string(),
  decidedAt: z.string(),
  outcome: z.string(),
  by: z.string(),
  comment: z.string().optional(),
  changes: z.array(FieldChangeSchema),
});
export type InboxDecision = z.infer<typeof InboxDecisionSchema>;

/** How people answered one review step over recent runs: when could it move to sampling? */
export const ReviewStatsSchema = z.object({
  nodeId: z.string(),
  stepName: z.string(),
  /** Runs that reached the step. */
  runs: z.number(),
  /** Items the step saw: decided + auto-approved + still open. */
  items: z.number(),
  approvedUnedited: z.number(),
  edited: z.number(),
  rejected: z.number(),
  /** Custom outcomes, by name. */
  other: z.record(z.string(), z.number()),
  timedOut: z.number(),
  autoApproved: z.number(),
  open: z.number(),
  /** Shares of decided + auto-approved items (0..1); 0 when there are none. */
  shares: z.object({ approvedUnedited: z.number(), edited: z.number(), rejected: z.number(), autoApproved: z.number() }),
  /** Median time from the request to the final decision (ms), over decided items; absent when none. */
  medianDecisionMs: z.number().optional(),
});
export type ReviewStats = z.infer<typeof ReviewStatsSchema>;

const ReviewerEmail = z.string().max(320).regex(/^[^@\s<>]+@[^@\s<>]+$/, 'an e-mail address looks like ana@example.com');

export const SettingsSchema = z.object({
  /** Who decisions are recorded as, when the door does not know. */
  reviewerName: z.string().max(200).default(''),
  /** USD per million tokens, by model name; merged over the built-in defaults. */
  llmPrices: z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) })).default({}),
  /** Opt-in cache of LLM answers while building a flow. */
  llmDevCache: z.boolean().default(false),
  /** Named groups of reviewers a review step can be assigned to, e.g. `{ finance: ["Ana", "Ben"] }`. */
  reviewerGroups: z.record(z.string(), z.array(z.string().min(1).max(200))).default({}),
  notifications: z.object({ inbox: z.boolean().default(true), failedRuns: z.boolean().default(true) }).default({ inbox: true, failedRuns: true }),
  /** Reviewers' e-mail addresses by name (as assignees are written), for review reminders and escalations. */
  reviewerEmails: z.record(z.string(), ReviewerEmail).default({}),
  /** The SMTP login review reminders go out with when the flow's alert route has no e-mail login. */
  reminderCredential: z.string().max(100).default(''),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** Only what is sent changes: no defaults here, or an update would reset what it does not name. */
export const SettingsUpdateSchema = z
  .object({
    reviewerName: z.string().max(200).optional(),
    llmPrices: z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) })).optional(),
    llmDevCache: z.boolean().optional(),
    reviewerGroups: z.record(z.string(), z.array(z.string().min(1).max(200))).optional(),
    notifications: z.object({ inbox: z.boolean().optional(), failedRuns: z.boolean().optional() }).strict().optional(),
    reviewerEmails: z.record(z.string(), ReviewerEmail).optional(),
    reminderCredential: z.string().max(100).optional(),
  })
  .strict();

export const ReplayReportSchema = z.object({
  runId: z.string(),
  flowId: z.string(),
  identical: z.boolean(),
  nodes: z.array(
    z.object({
      nodeId: z.string(),
      name: z.string(),
      recordedStatus: z.string(),
      replayedStatus: z.string(),
      identical: z.boolean(),
      changes: z.array(z.object({ path: z.string(), recorded: Json, replayed: Json })),
      replayError: z.string().optional(),
    }),
  ),
  note: z.string().optional(),
});

const Empty = z.object({}).strict().default({});
const Ok = z.object({ ok: z.literal(true) });

// ---------------------------------------------------------------------------------------------
// The method table

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}

/** A pinned step: where its result came from and how many items, never the items themselves. */
export const PinInfoSchema = z.object({
  nodeId: z.string(),
  runId: z.string(),
  pinnedAt: z.string(),
  /** Items per output port. */
  items: z.record(z.string(), z.number()),
});
export type PinInfo = z.infer<typeof PinInfoSchema>;

export const METHODS = {
  'flows.list': method(Empty, z.array(FlowSummarySchema), 'All saved flows.'),
  'flows.get': method(z.object({ id: FlowId, version: z.number().int().min(1).optional() }).strict(), z.object({ flow: FlowJson, problems: z.array(Problem) }), 'One flow (the latest version, or a given one).'),
  'flows.save': method(
    z
      .object({
        flow: FlowInputJson,
        expectedVersion: z.number().int().min(0).optional(),
        /** A note for the version list ("new supplier address"). */
        message: z.string().max(2000).optional(),
        /** Who saves; default: the name in settings (`reviewerName`, the person at this desktop). */
        by: z.string().max(200).optional(),
      })
      .strict(),
    z.object({ flow: FlowJson, version: z.number(), problems: z.array(Problem) }),
    'Saves a flow as a new version. Refuses when someone saved a newer version meanwhile.',
  ),
  'flows.delete': method(z.object({ id: FlowId }).strict(), Ok, 'Deletes a flow (its runs and history stay).'),
  'flows.validate': method(z.object({ flow: FlowInputJson }).strict(), z.object({ ok: z.boolean(), problems: z.array(Problem) }), 'Checks a flow without saving it.'),
  'flows.import': method(z.object({ text: z.string().max(20 * 1024 * 1024), overwrite: z.boolean().default(false) }).strict(), z.object({ flow: FlowJson, version: z.number(), problems: z.array(Problem) }), 'Imports flow JSON text.'),
  'flows.export': method(z.object({ id: FlowId }).strict(), z.object({ fileName: z.string(), text: z.string() }), 'The flow as a file to hand over.'),
  'flows.cost': method(
    z.object({ id: FlowId, limit: z.number().int().min(1).max(10_000).default(1000) }).strict(),
    CostSummarySchema.extend({ runs: z.array(CostSummarySchema.extend({ runId: z.string() })) }),
    'Tokens and money a flow spent on AI steps over its recent runs.',
  ),
  'flows.versions': method(z.object({ id: FlowId }).strict(), z.array(FlowVersionInfoSchema), 'Saved versions of a flow, newest first, with who saved each, their message and what changed.'),
  'flows.diff': method(
    z.object({ id: FlowId, from: z.number().int().min(1), to: z.number().int().min(1) }).strict(),
    z.object({ from: z.number(), to: z.number(), summary: z.string(), diff: FlowDiffSchema }),
    'What changed from one saved version to another: steps added, removed, changed field by field, moved; connections; charter; settings.',
  ),
  'flows.rollback': method(
    z.object({ id: FlowId, version: z.number().int().min(1), message: z.string().max(2000).optional(), by: z.string().max(200).optional() }).strict(),
    z.object({ flow: FlowJson, version: z.number(), problems: z.array(Problem) }),
    'Saves the content of an earlier version as a new version ("Rolled back to version K"); history is never rewritten.',
  ),
  'flows.templates': method(Empty, z.array(FlowTemplateSchema), 'Ready-made flows to start from (copies; saving one makes a new flow).'),
  'flows.activate': method(
    z.object({ id: FlowId, version: z.number().int().min(1).optional() }).strict(),
    FlowTriggerStatusSchema,
    'Switches a flow on: its triggers fire by themselves while Flowkeeper runs. Without `version` it follows each new save; with one, that saved version runs until the flow is switched on again.',
  ),
  'flows.deactivate': method(z.object({ id: FlowId }).strict(), Ok, 'Switches a flow off: its triggers stop (runs in progress continue).'),

  'runs.start': method(
    z.object({ flowId: FlowId, input: Json.optional(), usePins: z.boolean().optional() }).strict(),
    z.object({ runId: z.string() }),
    'Starts a run of a saved flow; returns at once. `usePins`: a test run from the editor, where pinned steps give their pinned result instead of running (never used otherwise).',
  ),
  'runs.list': method(
    z
      .object({ status: RunStatus.optional(), flowId: FlowId.optional(), limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) })
      .strict()
      .default({ limit: 100, offset: 0 }),
    z.array(RunSummarySchema),
    'Runs, newest first; `offset` skips that many (pages: ask for one more than you show to know whether a next page exists).',
  ),
  'runs.setAside': method(
    z.object({}).strict().default({}),
    z.array(SetAsideRunSchema),
    'Damaged traces that were set aside (quarantined): which run, why, and where the file is now.',
  ),
  'runs.get': method(z.object({ runId: RunId }).strict(), RunDetailSchema, 'A run with the state of each node.'),
  'runs.cancel': method(z.object({ runId: RunId }).strict(), Ok, 'Stops a run that is in progress.'),
  'runs.resume': method(z.object({ runId: RunId, choice: z.enum(['send-again', 'skip-item', 'cancel']).optional() }).strict(), z.object({ runId: z.string() }), 'Continues an interrupted run, or answers its question.'),
  'runs.replay': method(z.object({ runId: RunId, flow: FlowInputJson.optional() }).strict(), ReplayReportSchema, 'Re-executes a run offline and compares.'),
  'runs.fork': method(z.object({ runId: RunId, fromNodeId: z.string().min(1), flow: FlowInputJson.optional() }).strict(), z.object({ runId: z.string() }), 'A new run from a node on, re-using recorded results before it.'),

  'pins.list': method(z.object({ flowId: FlowId }).strict(), z.array(PinInfoSchema), 'The steps of a flow whose result is pinned test data (for test runs from the editor).'),
  'pins.set': method(
    z.object({ flowId: FlowId, nodeId: z.string().min(1).max(200), runId: RunId }).strict(),
    PinInfoSchema,
    'Pins a step\'s result from a past run of the flow, so editor test runs use it instead of running the step.',
  ),
  'pins.remove': method(z.object({ flowId: FlowId, nodeId: z.string().min(1).max(200) }).strict(), Ok, 'Unpins a step: test runs run it again.'),

  'traces.events': method(
    z.object({ runId: RunId, afterSeq: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(5000).default(500) }).strict(),
    z.object({ events: z.array(z.custom<RunEvent>()), lastSeq: z.number(), hasMore: z.boolean() }),
    'Events of a run, a page at a time.',
  ),

  'triggers.status': method(z.object({ flowId: FlowId.optional() }).strict().default({}), z.array(FlowTriggerStatusSchema), 'Health of the triggers of active flows: listening or failed, last fired, last error, heartbeat.'),

  // charter.*: the production checklist and the success metric (engine/charter/).
  'charter.readiness': method(
    z.object({ flowId: FlowId, flow: FlowInputJson.optional() }).strict(),
    ReadinessSchema.extend({ active: z.boolean() }),
    'The production checklist of a flow (the saved version, or the draft given): each item ok or what is missing, in plain words, and where to fix it. `active`: the flow is switched on (an active flow whose saved version stopped being ready stays on).',
  ),
  'charter.metric': method(
    z
      .object({
        flowId: FlowId,
        /** Days of the window; default the metric's own `windowDays`. */
        days: z.number().int().min(1).max(365).optional(),
        /** IANA time zone for the series' calendar days; default the machine's. */
        timeZone: z.string().min(1).max(100).optional(),
      })
      .strict(),
    MetricResultSchema.nullable(),
    'The success metric of a flow over its window, from production runs (trigger-started, succeeded; manual, test, forked, replayed and failed runs left out): value, target, baseline, met, and one point per day. Null when the charter names no metric.',
  ),
  'charter.status': method(
    z.object({ flowId: FlowId.optional(), timeZone: z.string().min(1).max(100).optional() }).strict().default({}),
    z.array(FlowHeadlineSchema),
    'Per flow: on or off, ready or what is missing, owner, runs today and their success rate, and the success metric against its target.',
  ),

  // dashboard.*: overall and per-flow figures from the run index (engine/dashboard/).
  'dashboard.get': method(
    z
      .object({
        /** Only this flow's row (the overall figures are then that flow's). */
        flowId: FlowId.optional(),
        /** Days of the window, up to now; default 14. */
        days: z.number().int().min(1).max(365).default(14),
        /** IANA time zone for calendar days; default the machine's. */
        timeZone: z.string().min(1).max(100).optional(),
      })
      .strict()
      .default({ days: 14 }),
    DashboardSchema,
    'The dashboard: runs by day, success rate, failures by step, p50/p95 duration, AI tokens and cost, review queue and agreement, and each flow\'s success metric against its target (flows failing or below target first). Runs started by a trigger, by hand or as a test count; forks and replays do not.',
  ),
  'dashboard.runs': method(
    DashboardRunFilterSchema.extend({
      days: z.number().int().min(1).max(365).default(14),
      timeZone: z.string().min(1).max(100).optional(),
      limit: z.number().int().min(1).max(1000).default(100),
      offset: z.number().int().min(0).default(0),
    }).strict(),
    z.object({ runs: z.array(RunSummarySchema), total: z.number() }),
    'The runs behind a dashboard figure (same window and counting), newest first, a page at a time; `total` counts them all.',
  ),

  'inbox.list': method(
    z
      .object({
        flowId: FlowId.optional(),
        /** Items assigned to this person (directly or through a group) or to anyone. */
        assignee: z.string().min(1).max(200).optional(),
        /** Only items due before this time (ISO), or already overdue. */
        dueBefore: z.string().datetime({ offset: true }).optional(),
        overdue: z.boolean().optional(),
        /** `due`: soonest due first, items without a due time last (then oldest first); `created`: oldest first. */
        sort: z.enum(['due', 'created']).default('due'),
        limit: z.number().int().min(1).max(10_000).default(1000),
      })
      .strict()
      .default({ sort: 'due', limit: 1000 }),
    z.array(InboxItemSchema),
    'Items waiting for a person, across all runs.',
  ),
  'inbox.get': method(z.object({ id: z.string().min(1) }).strict(), InboxItemDetailSchema, 'One inbox item with its text, data, upstream steps and the AI answer.'),
  'inbox.decide': method(
    z
      .object({
        id: z.string().min(1),
        outcome: z.string().min(1),
        comment: z.string().max(10_000).optional(),
        /** New values for editable fields, by field name (typed or as text). */
        edits: z.record(z.string(), Json).optional(),
        /** Who decides; default: the reviewer name in Settings. */
        by: z.string().min(1).max(200).optional(),
      })
      .strict(),
    Ok.extend({
      decision: ReviewDecisionSchema,
      /** True when more approvals are needed (four-eyes) or other items of the step still wait. */
      stillWaiting: z.boolean(),
    }),
    'Records a decision (synced to the trace); the run continues on the matching path once the step\'s items are decided. Refuses a second decision, a finished run, or someone else\'s item.',
  ),
  'inbox.history': method(
    z.object({ flowId: FlowId.optional(), limit: z.number().int().min(1).max(1000).default(100) }).strict().default({ limit: 100 }),
    z.array(InboxDecisionSchema),
    'Decided reviews, newest first.',
  ),
  'inbox.stats': method(
    z.object({ flowId: FlowId, nodeId: z.string().min(1).optional(), runs: z.number().int().min(1).max(10_000).default(100) }).strict(),
    z.array(ReviewStatsSchema),
    'Per review step of a flow: approved unedited, edited, rejected, auto-approved and median time to decision over its last runs.',
  ),

  'credentials.list': method(Empty, z.array(CredentialInfoSchema), 'Stored credentials (names and fields, never values).'),
  'credentials.set': method(
    z.object({ id: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), type: z.string().min(1).max(100), label: z.string().max(200).default(''), values: z.record(z.string(), z.string().max(64 * 1024)) }).strict(),
    CredentialInfoSchema,
    'Creates or replaces a credential. Values go to the OS keychain and can never be read back.',
  ),
  'credentials.status': method(
    Empty,
    z.object({ keychain: z.enum(['available', 'missing']), message: z.string().optional(), hint: z.string().optional(), fromEnvironment: z.array(z.string()) }),
    'Whether the system keychain can be used (and how to fix it if not), and which credentials come from environment variables (names only).',
  ),
  'credentials.delete': method(z.object({ id: z.string().min(1) }).strict(), Ok, 'Deletes a credential.'),
  // OAuth2 sign-in as a person (oauth2.authorization-code): the tokens never leave the vault.
  'credentials.connect': method(
    z.object({ id: z.string().min(1) }).strict(),
    z.object({ url: z.string(), redirectUri: z.string() }),
    'Starts connecting an OAuth2 sign-in: returns the provider\'s sign-in page to open in the browser; a listener on 127.0.0.1 receives the answer and the tokens go to the keychain.',
  ),
  'credentials.connectResult': method(
    z.object({ id: z.string().min(1), waitSeconds: z.number().min(0).max(25).default(0) }).strict(),
    z.discriminatedUnion('state', [
      z.object({ state: z.literal('waiting') }),
      z.object({ state: z.literal('connected'), credential: CredentialInfoSchema }),
      z.object({ state: z.literal('failed'), message: z.string(), hint: z.string().optional() }),
    ]),
    'Where a started sign-in stands (waiting, connected or failed with the reason); waits up to waitSeconds for it to finish.',
  ),

  'catalog.list': method(Empty, z.array(NodeTypeInfoSchema), 'The node types this Flowkeeper knows.'),
  'catalog.preview': method(
    z.object({ type: z.string().min(1), config: z.record(z.string(), Json), item: z.record(z.string(), Json).default({}) }).strict(),
    z.object({ available: z.boolean(), preview: Json.optional(), problems: z.array(Problem) }),
    'What a node would send for one item (e.g. an AI step\'s rendered prompt), without calling anything.',
  ),

  // Alerts (engine/alerts/): one alert per problem of a flow, and the messages sent about it.
  'alerts.list': method(
    z.object({ recent: z.number().int().min(0).max(200).default(50) }).strict().default({ recent: 50 }),
    AlertListSchema,
    'Open alerts and recently resolved ones, each with its count, first and last seen, and the messages sent about it; muted flows; messages that could not be delivered.',
  ),
  'alerts.mute': method(z.object({ flowId: FlowId }).strict(), Ok, 'Stops the messages about a flow\'s alerts (they are still recorded and listed).'),
  'alerts.unmute': method(z.object({ flowId: FlowId }).strict(), Ok, 'Sends messages about the flow\'s alerts again.'),
  'alerts.snooze': method(
    z.object({ key: z.string().min(1).max(400), minutes: z.number().int().min(0).max(60 * 24 * 90) }).strict(),
    z.object({ ok: z.literal(true), snoozedUntil: z.string().optional() }),
    'Holds back the messages of one open alert for that many minutes (0 ends the snooze); it is still counted.',
  ),

  // handover.*: the hand-over bundle and its runbook (engine/handover/, engine/model/handover-bundle.ts).
  'handover.export': method(
    z
      .object({
        flowId: FlowId,
        /** A saved version of the flow; default the latest. */
        version: z.number().int().min(1).optional(),
        /** Finished runs of the flow to include as reference runs (secrets scrubbed). */
        runIds: z.array(RunId).max(50).optional(),
        /** Field paths whose values are masked in the reference runs, e.g. email, customer.name. */
        mask: z.array(z.string().min(1).max(200)).max(100).optional(),
      })
      .strict(),
    z.object({ fileName: z.string(), bundle: HandoverBundleSchema, warnings: z.array(z.string()) }),
    'The hand-over bundle of a flow: the flow at a version with its charter, the credentials it needs (type, fields, scopes, steps; never values), chosen reference runs with secrets scrubbed and chosen fields masked, and the runbook. `warnings`: what was cleaned or could not be checked, in plain words.',
  ),
  'handover.runbook': method(
    z.object({ flowId: FlowId, version: z.number().int().min(1).optional(), format: z.enum(['markdown', 'html']).default('markdown') }).strict(),
    z.object({ fileName: z.string(), text: z.string() }),
    'The runbook of a flow, generated from the flow, the catalogue and the charter: Markdown, or one self-contained HTML page (no scripts) to read without the app.',
  ),

  // Importing a bundle (engine/handover/import-*.ts, shapes in engine/model/handover-import.ts).
  'handover.open': method(
    BundleSourceSchema,
    HandoverPreviewSchema,
    'Reads a hand-over bundle (its text, or its bytes in base64 for a .gz file) without importing it: the flow, its charter\'s owners, each credential it needs with the same-type credentials of this machine as candidates (none chosen), the reference runs, whether a flow with its id exists here, the runbook, what must be entered again and warnings. A damaged, foreign or newer file is refused in plain words.',
  ),
  'handover.acceptance': method(
    BundleSourceSchema.extend({ credentials: CredentialMappingsSchema.optional() }).strict(),
    AcceptanceSchema,
    'Replays each reference run of a bundle offline against its flow (credential ids as mapped, when given): every call is answered from the recording, nothing is sent and no keychain is read. Per run: passed, or the differences (step, field, recorded → replayed).',
  ),
  'handover.import': method(
    HandoverImportRequestSchema.strict(),
    HandoverImportResultSchema,
    'Imports a bundle: every credential requirement mapped explicitly (an existing credential of the same type, or a new one stored in the keychain), step settings and the alert route rewritten to those credentials, the flow saved as a new version (or under a new id), its reference runs stored, the charter handed to the new owner (recorded), and the acceptance replay run. All or nothing. It never switches the flow on: flows.activate does, behind the same checklist as any flow.',
  ),

  'settings.get': method(Empty, SettingsSchema, 'Current settings.'),
  'settings.update': method(SettingsUpdateSchema, SettingsSchema, 'Changes the settings given; the others stay as they are.'),
} as const;

export type MethodName = keyof typeof METHODS;
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];
export type MethodInput<M extends MethodName> = z.input<(typeof METHODS)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<(typeof METHODS)[M]['output']>;

// ---------------------------------------------------------------------------------------------
// Events pushed to every door

export type ApiEvent =
  | { type: 'run.event'; runId: string; event: RunEvent }
  | { type: 'runs.changed'; runId: string; status: string }
  | { type: 'flows.changed'; flowId: string }
  | { type: 'inbox.changed' }
  /** Alerts or their deliveries changed (alerts.list has the news). */
  | { type: 'alerts.changed' }
  /** A message for the person at this computer: the desktop app shows it as an OS notification, the app in its alerts list. */
  | { type: 'alerts.notify'; messageId: string; title: string; body: string; link?: string }
  /** A native menu command of the desktop app, for the renderer to carry out (only the Electron door sends it). */
  | { type: 'app.command'; command: 'flow.new' | 'flow.open' | 'flow.save' | 'flow.export' };
export type ApiEventType = ApiEvent['type'];

// ---------------------------------------------------------------------------------------------
// The typed API: `api.flows.list({})`, derived from the table.

type Group<N extends string> = N extends `${infer G}.${string}` ? G : never;
type Member<N extends string, G extends string> = N extends `${G}.${infer M}` ? M : never;

export type FlowkeeperApi = {
  [G in Group<MethodName>]: {
    [M in Member<MethodName, G>]: `${G}.${M}` extends infer N extends MethodName
      ? (args?: MethodInput<N>) => Promise<MethodOutput<N>>
      : never;
  };
} & {
  /** Subscribes to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
};

/** What a door provides: a way to call a method by name, and event subscription. */
export interface ApiTransport {
  invoke(method: MethodName, args: unknown): Promise<unknown>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

/** Builds the nested `FlowkeeperApi` object over any transport. */
export function buildApi(transport: ApiTransport): FlowkeeperApi {
  const api: Record<string, unknown> = { onEvent: (listener: (event: ApiEvent) => void) => transport.subscribe(listener) };
  for (const name of METHOD_NAMES) {
    const [group, member] = name.split('.') as [string, string];
    const target = (api[group] ??= {}) as Record<string, unknown>;
    target[member] = (args?: unknown) => transport.invoke(name, args ?? {});
  }
  return api as FlowkeeperApi;
}

// ---------------------------------------------------------------------------------------------
// Errors: one shape on every door

export const ApiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  /** Where: a JSON path, a node id, a field. */
  problems: z.array(Problem).optional(),
  details: z.record(z.string(), Json).optional(),
});
export type ApiErrorInfo = z.infer<typeof ApiErrorSchema>;

/** The error every door rejects with; `code` is stable, `message` is for people. */
export class ApiError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly problems?: ApiErrorInfo['problems'];
  readonly details?: Record<string, unknown>;

  constructor(info: ApiErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    if (info.hint !== undefined) this.hint = info.hint;
    if (info.problems !== undefined) this.problems = info.problems;
    if (info.details !== undefined) this.details = info.details;
  }

  toInfo(): ApiErrorInfo {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.problems === undefined ? {} : { problems: this.problems }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }

  static from(value: unknown): ApiError {
    if (value instanceof ApiError) return value;
    const parsed = ApiErrorSchema.safeParse(value);
    if (parsed.success) return new ApiError(parsed.data);
    return new ApiError({ code: 'INTERNAL', message: value instanceof Error ? value.message : 'Something went wrong.' });
  }
}

/** The reply envelope used by the byte-oriented doors (IPC, WebSocket, HTTP). */
export type ApiReply = { ok: true; result: unknown } | { ok: false; error: ApiErrorInfo };
