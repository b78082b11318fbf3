/**
 * The dashboard's figures (`dashboard.get`) and the runs behind one of them (`dashboard.runs`):
 * overall and per flow, computed from the run index and the inbox index (engine/dashboard/).
 * Pure schemas (no node:*, no DOM): the renderer, the engine and the CLI share them.
 */
import { z } from 'zod';
import { MetricResultSchema } from './charter.ts';

/** One calendar day of the window (in the time zone asked for). */
export const DashboardDaySchema = z.object({
  /** YYYY-MM-DD. */
  day: z.string(),
  succeeded: z.number(),
  /** Failed or stopped (cancelled). */
  failed: z.number(),
  /** Still running or waiting (for a person, a retry). */
  unfinished: z.number(),
  /** Trigger-to-end time of that day's finished runs; null when none finished. */
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  /** Money spent on AI that day (priced with today's table). */
  costUsd: z.number(),
});
export type DashboardDay = z.infer<typeof DashboardDaySchema>;

export const DashboardStepFailureSchema = z.object({
  nodeId: z.string(),
  /** The step's name as the run recorded it (its id when the flow had none). */
  name: z.string(),
  /** Runs that stopped failed at this step. */
  runs: z.number(),
  /** Items the step sent out on its error path (the run went on). */
  items: z.number(),
});

export const DashboardFiguresSchema = z.object({
  runs: z.object({ total: z.number(), succeeded: z.number(), failed: z.number(), cancelled: z.number(), unfinished: z.number() }),
  /** Succeeded ÷ ended (succeeded, failed, stopped); null when none ended. */
  successRate: z.number().nullable(),
  /** Trigger-to-end time of the ended runs (nearest rank); null when none ended. */
  duration: z.object({ p50Ms: z.number().nullable(), p95Ms: z.number().nullable(), runs: z.number() }),
  /** Steps that failed, most failures first. */
  failuresByStep: z.array(DashboardStepFailureSchema),
  ai: z.object({ calls: z.number(), cachedCalls: z.number(), promptTokens: z.number(), completionTokens: z.number(), costUsd: z.number(), unpricedModels: z.array(z.string()) }),
  reviews: z.object({
    /** Items waiting for a person now (whatever the window). */
    open: z.number(),
    overdue: z.number(),
    /** The item waiting longest: when it was asked, and its run. */
    oldest: z.object({ id: z.string(), runId: z.string(), flowId: z.string(), stepName: z.string(), createdAt: z.string() }).nullable(),
    /** Decisions by people in the window's runs (time-outs and auto-approvals apart). */
    decided: z.number(),
    approvedUnedited: z.number(),
    autoApproved: z.number(),
    timedOut: z.number(),
    /** approvedUnedited ÷ decided: how often people agreed with what was proposed; null without decisions. */
    agreement: z.number().nullable(),
  }),
  days: z.array(DashboardDaySchema),
});
export type DashboardFigures = z.infer<typeof DashboardFiguresSchema>;

/** Why a flow's row is red (or not): plain sentences. */
export const DashboardHealthSchema = z.object({
  state: z.enum(['ok', 'failing', 'below-target', 'idle']),
  reasons: z.array(z.string()),
});
export type DashboardHealth = z.infer<typeof DashboardHealthSchema>;

export const DashboardFlowSchema = DashboardFiguresSchema.extend({
  flowId: z.string(),
  name: z.string(),
  /** The flow file is gone; its runs stay. */
  deleted: z.boolean(),
  health: DashboardHealthSchema,
  /** The charter's metric over its own window, with one point per day (headline, health, chart); null when it names none. */
  metric: MetricResultSchema.nullable(),
});
export type DashboardFlow = z.infer<typeof DashboardFlowSchema>;

export const DashboardSchema = z.object({
  from: z.string(),
  to: z.string(),
  windowDays: z.number(),
  overall: DashboardFiguresSchema.extend({ health: DashboardHealthSchema }),
  /** Flows with runs in the window or a saved file, red ones first, then by name. */
  flows: z.array(DashboardFlowSchema),
});
export type Dashboard = z.infer<typeof DashboardSchema>;

/** Which runs a figure stands for (every figure links here). */
export const DashboardRunFilterSchema = z
  .object({
    flowId: z.string().min(1).max(200).optional(),
    /** `failed` includes stopped runs, as the figures count them. */
    status: z.enum(['succeeded', 'failed', 'unfinished']).optional(),
    /** One calendar day (YYYY-MM-DD) in `timeZone`. */
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is written YYYY-MM-DD')
      .optional(),
    /** Runs that failed at this step, or whose items failed there. */
    failedStep: z.string().min(1).max(200).optional(),
    /** Runs that called an AI model. */
    usedAi: z.boolean().optional(),
    /** Runs with review decisions by people. */
    reviewed: z.boolean().optional(),
    /** Runs the success metric counts (trigger-started, succeeded). */
    production: z.boolean().optional(),
  })
  .strict();
export type DashboardRunFilter = z.infer<typeof DashboardRunFilterSchema>;
