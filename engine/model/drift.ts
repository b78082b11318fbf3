/**
 * Drift checks as the API shows them (engine/drift/): the result of one check of a flow against
 * its reference runs, in sentences a person reads. Pure schemas (no node:*, no DOM): the engine,
 * the doors and the renderer share them. A flow's drift settings are part of its charter
 * (`charter.drift`, engine/model/charter.ts).
 */
import { z } from 'zod';

export const DRIFT_RULES = ['field-gone', 'field-new', 'type-changed', 'status-changed', 'count-changed', 'labels-moved', 'error-new', 'step-not-run', 'error-path'] as const;

export const DriftFindingSchema = z.object({
  nodeId: z.string(),
  stepName: z.string(),
  rule: z.enum(DRIFT_RULES),
  /** One sentence, e.g. "`customer.email` is gone from Fetch customer's answer." */
  sentence: z.string(),
  path: z.string().optional(),
});
export type DriftFindingInfo = z.infer<typeof DriftFindingSchema>;

export const DriftReferenceResultSchema = z.object({
  runId: z.string(),
  /** When the reference ran. */
  createdAt: z.string(),
  findings: z.array(DriftFindingSchema),
  /** What a person should know that is not drift (writes answered from the recording, …). */
  notes: z.array(z.string()),
  /** Steps whose live calls got no answer at all: the check could not judge them. */
  unreachable: z.array(z.object({ nodeId: z.string(), stepName: z.string(), message: z.string() })),
});

/**
 * `unchanged`: the answers look as in the references; `drift`: at least one sentence;
 * `could-not-run`: a server could not be reached, a credential is missing, the flow cannot be
 * read (`problem` says which); `no-references`: nothing to compare with.
 */
export const DriftOutcomeSchema = z.enum(['unchanged', 'drift', 'could-not-run', 'no-references']);
export type DriftOutcome = z.infer<typeof DriftOutcomeSchema>;

export const DriftCheckResultSchema = z.object({
  flowId: z.string(),
  /** The version of the flow that was checked (its live version). */
  flowVersion: z.number(),
  at: z.string(),
  /** `schedule` (the charter's drift schedule) or `person` (Check now, the CLI). */
  by: z.enum(['schedule', 'person']),
  /** The scheduled time this check was for; with `missed` > 0 it caught up missed times once. */
  scheduledFor: z.string().optional(),
  missed: z.number().optional(),
  liveAi: z.boolean(),
  outcome: DriftOutcomeSchema,
  /** Every drift sentence of the check, de-duplicated across references. */
  sentences: z.array(z.string()),
  problem: z.string().optional(),
  references: z.array(DriftReferenceResultSchema),
});
export type DriftCheckResult = z.infer<typeof DriftCheckResultSchema>;

export const DriftStatusSchema = z.object({
  flowId: z.string(),
  /** The charter's drift settings of the live version, when it has some. */
  schedule: z.object({ cron: z.string(), timeZone: z.string().optional(), liveAi: z.boolean() }).optional(),
  /** When the next scheduled check is due (only for a switched-on flow with references). */
  nextCheckAt: z.string().optional(),
  /** Why no check is scheduled, in words ("The flow is switched off", …). */
  note: z.string().optional(),
  references: z.number(),
  /** Newest first. */
  results: z.array(DriftCheckResultSchema),
});
export type DriftStatus = z.infer<typeof DriftStatusSchema>;

/** A reference run of a flow as lists show it (engine/handover/reference-store.ts holds the run itself). */
export const ReferenceSummarySchema = z.object({
  runId: z.string(),
  flowVersion: z.number(),
  status: z.string(),
  createdAt: z.string(),
  startedBy: z.string().optional(),
  /** `bundle`: came with an imported hand-over bundle; `local`: a run of this machine chosen as one. */
  source: z.enum(['bundle', 'local']),
  /** When it was imported or chosen. */
  addedAt: z.string(),
});
export type ReferenceSummary = z.infer<typeof ReferenceSummarySchema>;
