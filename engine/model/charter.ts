/**
 * The flow charter: who answers for a flow, what success means, and where alerts go. It is part
 * of the flow file (versioned with it) so a hand-over carries it and a version diff shows its
 * changes. Pure schemas only (no node:*, no DOM): the renderer, the engine and the CLI share them.
 *
 * The success metric is picked from a fixed set of forms computed from trace events (never a
 * typed formula), so the dashboard can compute it from the run index and a person can read it.
 */
import { z } from 'zod';

/** A person: a name people recognise and an address alerts reach. */
export const CharterPersonSchema = z
  .object({
    name: z.string().max(200).default(''),
    email: z.string().max(320).default(''),
  })
  .strict();
export type CharterPerson = z.infer<typeof CharterPersonSchema>;

/**
 * The forms a success metric can take. Each is computed from trace events of production runs
 * (runs a trigger started on an active flow; manual, test and failed runs excluded where the
 * form says so):
 * - `items-reached-step`: items that reached `stepId`, per `period`.
 * - `reviews-approved-unedited`: share (0–1) of decided reviews approved without edits.
 * - `median-trigger-to-done`: median milliseconds from the trigger firing to the run finishing.
 * - `runs-without-person`: share (0–1) of finished runs in which no person decided anything.
 * - `minutes-saved`: `minutesPerRun` × successful production runs, per `period`.
 */
export const METRIC_KINDS = [
  'items-reached-step',
  'reviews-approved-unedited',
  'median-trigger-to-done',
  'runs-without-person',
  'minutes-saved',
] as const;
export const MetricKindSchema = z.enum(METRIC_KINDS);
export type MetricKind = z.infer<typeof MetricKindSchema>;

export const MetricPeriodSchema = z.enum(['day', 'week']);
export type MetricPeriod = z.infer<typeof MetricPeriodSchema>;

export const SuccessMetricSchema = z
  .object({
    kind: MetricKindSchema,
    /** For `items-reached-step`: the step whose arrivals are counted. */
    stepId: z.string().max(64).optional(),
    /** For the per-period forms (`items-reached-step`, `minutes-saved`). */
    period: MetricPeriodSchema.optional(),
    /** For `minutes-saved`: what one run saves a person, in minutes. */
    minutesPerRun: z.number().min(0).max(100_000).optional(),
    /** The value that counts as success. For `median-trigger-to-done` lower is better. */
    target: z.number().min(0).max(1e12),
    /** The value before the flow existed, so the dashboard can show the change. */
    baseline: z.number().min(0).max(1e12).optional(),
    /** Days the metric is measured over when checking it against the target. */
    windowDays: z.number().int().min(1).max(365).default(7),
  })
  .strict();
export type SuccessMetric = z.infer<typeof SuccessMetricSchema>;

/** Where a flow's alerts go: e-mail through an SMTP credential, and/or a webhook (Slack or any). */
export const AlertRouteSchema = z
  .object({
    email: z
      .object({
        /**
         * Id of an `smtp` credential in the keychain. May be '' while a person is still filling the
         * form (a draft saves); readiness refuses it, so a flow is not switched on without one.
         */
        credential: z.string().max(100),
        /** Addresses; empty means the owner and the backup owner. */
        to: z.array(z.string().max(320)).max(50).default([]),
      })
      .strict()
      .optional(),
    webhook: z
      .object({
        /** May be '' in a draft (see `credential` above); readiness refuses anything but http(s). */
        url: z.string().max(2000),
        /** `slack` posts `{ text }` as a Slack incoming webhook expects; `json` posts the whole alert. */
        format: z.enum(['json', 'slack']).default('json'),
        /** Optional `http.bearer` / `http.header` credential for the receiver. */
        credential: z.string().max(100).optional(),
      })
      .strict()
      .optional(),
    /** Also show an OS notification in the desktop app. */
    desktop: z.boolean().default(true),
  })
  .strict();
export type AlertRoute = z.infer<typeof AlertRouteSchema>;

/** Readiness checks a person may waive, with a recorded reason (who, when, why). */
export const WAIVABLE_CHECKS = ['review-step', 'error-paths'] as const;
export const WaiverSchema = z
  .object({
    check: z.enum(WAIVABLE_CHECKS),
    reason: z.string().min(1).max(2000),
    by: z.string().max(200).default(''),
    at: z.string().max(40).default(''),
  })
  .strict();
export type Waiver = z.infer<typeof WaiverSchema>;

/**
 * A charter changing hands (a hand-over bundle imported, engine/handover/import-bundle.ts): who
 * answered for the flow before, who took it, who did the import and when. Kept on the charter so
 * the version diff and the flow page show it; the version note says it too.
 */
export const HandOverSchema = z
  .object({
    from: CharterPersonSchema,
    to: CharterPersonSchema,
    /** When the new owner took it (ISO). */
    at: z.string().max(40),
    /** Who did the import ('' when nobody was named). */
    by: z.string().max(200).default(''),
    /** When the bundle was made (ISO). */
    bundleCreatedAt: z.string().max(40),
  })
  .strict();
export type HandOver = z.infer<typeof HandOverSchema>;

export const CharterSchema = z
  .object({
    owner: CharterPersonSchema.default({ name: '', email: '' }),
    backupOwner: CharterPersonSchema.default({ name: '', email: '' }),
    metric: SuccessMetricSchema.optional(),
    /** What the flow must never do, in the owner's words (shown on the flow page and in the runbook). */
    mustNever: z.string().max(5000).default(''),
    /** Who reviews the flow's risky output: a person or a group named in settings. */
    reviewers: z.string().max(200).default(''),
    alerts: AlertRouteSchema.optional(),
    waivers: z.array(WaiverSchema).max(20).default([]),
    /** Hand-overs of this flow, oldest first (optional: absent on a flow never handed over). */
    handedOver: z.array(HandOverSchema).max(100).optional(),
  })
  .strict();
export type Charter = z.infer<typeof CharterSchema>;
export type CharterInput = z.input<typeof CharterSchema>;

// ---------------------------------------------------------------------------------------------
// Readiness: the production checklist (computed by engine/charter/readiness.ts)

/** The checks of the production checklist, in the order the flow page lists them. */
export const READINESS_CHECKS = ['live-trigger', 'review-step', 'owner', 'backup-owner', 'metric', 'alert-route', 'error-paths'] as const;
export type ReadinessCheck = (typeof READINESS_CHECKS)[number];

/** Where a failing item is fixed: a field of the charter form, or a step on the canvas. */
export const ReadinessFixSchema = z.union([
  z.object({ kind: z.literal('charter'), field: z.enum(['owner', 'backupOwner', 'metric', 'alerts', 'waivers']) }),
  z.object({ kind: z.literal('node'), nodeId: z.string() }),
  z.object({ kind: z.literal('canvas') }),
]);
export type ReadinessFix = z.infer<typeof ReadinessFixSchema>;

export const ReadinessItemSchema = z.object({
  check: z.enum(READINESS_CHECKS),
  /** A short title for the checklist ("Starts by itself"). */
  title: z.string(),
  ok: z.boolean(),
  /** One plain sentence: what is there, or what is missing and what to do. */
  message: z.string(),
  fix: ReadinessFixSchema,
  /** The steps the item is about (the write steps without an error path, …). */
  nodeIds: z.array(z.string()).optional(),
  /** Passed because a person recorded a waiver (who, when, why). */
  waived: WaiverSchema.optional(),
});
export type ReadinessItem = z.infer<typeof ReadinessItemSchema>;

export const ReadinessSchema = z.object({
  flowId: z.string(),
  flowVersion: z.number(),
  ready: z.boolean(),
  items: z.array(ReadinessItemSchema),
  /** The failing items' messages, in checklist order. */
  missing: z.array(z.string()),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

// ---------------------------------------------------------------------------------------------
// The success metric, computed (engine/charter/metrics.ts)

export const MetricPointSchema = z.object({
  /** A calendar day (YYYY-MM-DD, in the time zone the figure was computed for). */
  day: z.string(),
  /** The form's figure for that day alone; null when no production run counts that day. */
  value: z.number().nullable(),
  /** Production runs that counted that day. */
  runs: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPointSchema>;

export const MetricResultSchema = z.object({
  kind: MetricKindSchema,
  /** The metric in words ("at least 40 items reach "Send reply" per day"). */
  label: z.string(),
  /** items, share (0–1), ms, minutes. */
  unit: z.enum(['items', 'share', 'ms', 'minutes']),
  /** Per-period forms: the value is an average per day or per week. */
  period: MetricPeriodSchema.optional(),
  /** `lower` for the median time: less is better. */
  better: z.enum(['higher', 'lower']),
  /** Over the window (the last `windowDays` × 24 h); null when no production run counts. */
  value: z.number().nullable(),
  target: z.number(),
  baseline: z.number().optional(),
  /** value meets target; null while there is nothing to judge. */
  met: z.boolean().nullable(),
  windowDays: z.number(),
  from: z.string(),
  to: z.string(),
  /** Production runs that counted in the window. */
  runs: z.number(),
  /** Runs of the flow in the window that do not count, and why. */
  excluded: z.object({ notProduction: z.number(), failed: z.number(), unfinished: z.number() }),
  /** One point per calendar day of the window, oldest first. */
  series: z.array(MetricPointSchema),
});
export type MetricResult = z.infer<typeof MetricResultSchema>;

/** A flow's headline (`charter.status`, `flowkeeper status`, the dashboard's first row). */
export const FlowHeadlineSchema = z.object({
  flowId: z.string(),
  name: z.string(),
  /** Switched on (its triggers fire by themselves). */
  active: z.boolean(),
  /** The production checklist passes (an active flow that stopped being ready stays on). */
  ready: z.boolean(),
  /** The checklist's missing items, in plain words. */
  missing: z.array(z.string()),
  /** The charter's owner (else the flow's older free-text owner); '' when nobody. */
  owner: z.string(),
  /** Runs started today (not forks or replays), and how those that finished ended. */
  today: z.object({ runs: z.number(), succeeded: z.number(), failed: z.number(), running: z.number() }),
  /** succeeded ÷ finished today; null when none finished. */
  successRate: z.number().nullable(),
  /** The success metric over its window; null when the charter has none. */
  metric: MetricResultSchema.nullable(),
  /** The stored flow has problems: its checklist could not be read. */
  problem: z.string().optional(),
});
export type FlowHeadline = z.infer<typeof FlowHeadlineSchema>;
