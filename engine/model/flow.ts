/**
 * Flow format v1: the JSON a person saves, opens in the app and runs from the CLI.
 * Pure schemas and types only (no node:*, no DOM) so the renderer can share them.
 */
import { z } from 'zod';
import { CharterSchema } from './charter.ts';

export const FLOW_FORMAT = 'flowkeeper/flow';
export const FLOW_FORMAT_VERSION = 1;

/** Ids are used in expressions (`$nodes.fetch_invoices`) and file names, so keep them plain. */
export const IdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'use letters, digits, "_" or "-", starting with a letter');

export const RetryPolicySchema = z
  .object({
    /** Total attempts including the first one. 1 means "no retry". */
    maxAttempts: z.number().int().min(1).max(20).default(1),
    initialDelayMs: z.number().int().min(0).max(3_600_000).default(500),
    maxDelayMs: z.number().int().min(0).max(86_400_000).default(30_000),
    multiplier: z.number().min(1).max(10).default(2),
    /** Full jitter: each delay is drawn uniformly from [0, computed delay]. */
    jitter: z.boolean().default(true),
    /**
     * jsonata condition over the error (`$error.status`, `$error.code`, `$error.retryable`).
     * Without it, errors the node marks as retryable (timeouts, 429, 5xx, network) are retried.
     */
    retryIf: z.string().max(2000).optional(),
  })
  .strict();
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

export const PositionSchema = z.object({ x: z.number(), y: z.number() }).strict();

export const FlowNodeSchema = z
  .object({
    id: IdSchema,
    type: z.string().min(1).max(100),
    version: z.number().int().min(1).default(1),
    name: z.string().max(200).optional(),
    position: PositionSchema.default({ x: 0, y: 0 }),
    config: z.record(z.string(), z.unknown()).default({}),
    retry: RetryPolicySchema.optional(),
    /** Per-attempt time limit. The node's signal is aborted when it passes. */
    timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
    notes: z.string().max(10_000).optional(),
  })
  .strict();
export type FlowNode = z.infer<typeof FlowNodeSchema>;

export const EdgeSchema = z
  .object({
    id: z.string().min(1).max(100).optional(),
    source: IdSchema,
    sourcePort: z.string().min(1).max(64).default('out'),
    target: IdSchema,
    targetPort: z.string().min(1).max(64).default('in'),
  })
  .strict();
export type Edge = z.infer<typeof EdgeSchema>;

export const FlowSettingsSchema = z
  .object({
    /** How many nodes may run at the same time when branches allow it. */
    concurrency: z.number().int().min(1).max(64).default(4),
  })
  .strict();

export const FlowSchema = z
  .object({
    $schema: z.string().optional(),
    format: z.literal(FLOW_FORMAT),
    formatVersion: z.literal(FLOW_FORMAT_VERSION),
    id: IdSchema,
    name: z.string().min(1).max(200),
    description: z.string().max(10_000).default(''),
    /** Who answers for this flow when it breaks. */
    owner: z.string().max(200).default(''),
    /**
     * Owner, backup, success metric, alert route and waivers (engine/model/charter.ts). Optional
     * so older files load; a flow without one cannot be switched on (the activation gate).
     */
    charter: CharterSchema.optional(),
    /** Bumped by the editor on each save; recorded in every trace header. */
    version: z.number().int().min(1).default(1),
    settings: FlowSettingsSchema.default({ concurrency: 4 }),
    nodes: z.array(FlowNodeSchema).max(5000),
    edges: z.array(EdgeSchema).max(20_000),
  })
  .strict();

export type Flow = z.infer<typeof FlowSchema>;
export type FlowInput = z.input<typeof FlowSchema>;

/** A JSON item: the unit of data that travels along an edge. */
export type Item = Record<string, unknown>;
