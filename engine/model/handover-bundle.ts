/**
 * The hand-over bundle: one file a builder gives the team that will run a flow. It holds the
 * flow (one chosen version, its charter inside it), what credentials that team must provide
 * (type, field names, scopes, which steps use each — never a value), chosen reference runs with
 * secrets scrubbed and, on request, personal data masked, and a generated runbook.
 *
 * The file is plain JSON (UTF-8): a person can open and grep it, it diffs in version control,
 * and the import wizard, demo mode and drift checks read it with `readBundle` below. A `.gz`
 * file name gzips it for mail size limits (engine/handover/bundle-file.ts reads both).
 *
 * Pure (no node:*): the renderer's import wizard will share it.
 */
import { z } from 'zod';
import { FlowSchema } from './flow.ts';

export const HANDOVER_FORMAT = 'flowkeeper/handover';
export const HANDOVER_FORMAT_VERSION = 1;
export const HANDOVER_FILE_EXTENSION = '.fkbundle';

/** The stable mask that replaces the n-th distinct personal value: same value, same mask. */
export function maskLabel(n: number): string {
  return `«masked ${n}»`;
}

/** Where a credential is used: a step of the flow, or the charter's alert route. */
export const CredentialUseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('step'), nodeId: z.string(), title: z.string(), nodeType: z.string() }).strict(),
  z.object({ kind: z.literal('alerts'), channel: z.enum(['email', 'webhook']) }).strict(),
]);
export type CredentialUse = z.infer<typeof CredentialUseSchema>;

export const CredentialRequirementSchema = z
  .object({
    /** The id the flow refers to; the import wizard maps it to a credential on the new machine. */
    id: z.string().min(1).max(200),
    /** A type of engine/model/credential-types.ts, or a person's own ("Other") type. */
    type: z.string().max(100),
    typeTitle: z.string().max(300),
    /** `stored`: the builder's credential list (or the FLOWKEEPER_CREDENTIAL_<ID> variable) said so; `inferred`: from the step's settings; `unknown`: neither. */
    typeSource: z.enum(['stored', 'inferred', 'unknown']),
    /** Field names the credential needs (labels from the type's form); values never. */
    fields: z.array(z.object({ name: z.string(), label: z.string(), secret: z.boolean(), optional: z.boolean() }).strict()),
    /** OAuth2 permissions the builder's credential asks for (not secret). */
    scopes: z.array(z.string()).optional(),
    /** A person signs in once in the browser after the fields are saved. */
    connect: z.boolean(),
    usedBy: z.array(CredentialUseSchema).min(1),
  })
  .strict();
export type CredentialRequirement = z.infer<typeof CredentialRequirementSchema>;

const JsonObject = z.record(z.string(), z.unknown());

/**
 * A finished run kept as a reference: its trace header (with the flow as it ran) and events,
 * large values inlined, secrets scrubbed, chosen fields masked. The hash chain is dropped (the
 * scrubbing changes the lines); `flowHash` is the scrubbed flow's.
 */
export const ReferenceRunSchema = z
  .object({
    runId: z.string().min(1).max(128),
    flowVersion: z.number(),
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    createdAt: z.string(),
    startedBy: z.string().optional(),
    header: JsonObject,
    events: z.array(JsonObject),
  })
  .strict();
export type ReferenceRun = z.infer<typeof ReferenceRunSchema>;

export const HandoverBundleSchema = z
  .object({
    format: z.literal(HANDOVER_FORMAT),
    formatVersion: z.literal(HANDOVER_FORMAT_VERSION),
    createdAt: z.string(),
    /** "Flowkeeper 0.1.0": what made the file, for a person reading an old one. */
    generator: z.string().max(100),
    /** The flow at the chosen version; its charter (owner, metric, alert route) is `flow.charter`. */
    flow: FlowSchema,
    credentials: z.array(CredentialRequirementSchema),
    references: z.array(ReferenceRunSchema),
    privacy: z
      .object({
        /** Field paths whose values were masked in the reference runs (`email`, `customer.name`). */
        maskedFields: z.array(z.string()),
        /** How many distinct values were replaced by a mask. */
        maskedValues: z.number().int().min(0),
        /** Values the scrubber replaced (credential values, tokens, sign-in headers). */
        scrubbed: z.number().int().min(0),
      })
      .strict(),
    runbook: z.object({ markdown: z.string() }).strict(),
  })
  .strict();
export type HandoverBundle = z.infer<typeof HandoverBundleSchema>;

export class BundleReadError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'BundleReadError';
  }
}

/**
 * Reads a bundle's text back, with plain errors: not JSON or not ours, made by a newer
 * Flowkeeper, or damaged (which parts). The result is the validated bundle.
 */
export function readBundle(text: string): HandoverBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BundleReadError('This file is not a Flowkeeper hand-over bundle (it is not JSON text).', 'Ask the person who handed over the flow for the .fkbundle file made by "Export for hand-over" or `flowkeeper export`.');
  }
  const head = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  if (head.format !== HANDOVER_FORMAT) {
    const hint = head.format === 'flowkeeper/flow' ? 'This is a flow file: open it with "Import flow" (or `flowkeeper validate`) instead.' : 'Ask the person who handed over the flow for the .fkbundle file made by "Export for hand-over" or `flowkeeper export`.';
    throw new BundleReadError('This file is not a Flowkeeper hand-over bundle.', hint);
  }
  if (typeof head.formatVersion === 'number' && head.formatVersion > HANDOVER_FORMAT_VERSION) {
    throw new BundleReadError(`This hand-over bundle was made by a newer Flowkeeper (bundle format ${head.formatVersion}; this one reads up to ${HANDOVER_FORMAT_VERSION}): update it.`, 'Install the newest Flowkeeper, then open the bundle again.');
  }
  const parsed = HandoverBundleSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 20).map((issue) => `${issue.path.length ? issue.path.join('.') : '(the file)'}: ${issue.message}`);
    throw new BundleReadError('This hand-over bundle is damaged: some of its parts are missing or wrong.', 'Ask for a fresh export of the flow; a file edited by hand or cut short in transfer reads like this.', problems);
  }
  return parsed.data;
}
