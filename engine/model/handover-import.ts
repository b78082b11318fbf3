/**
 * Importing a hand-over bundle (issue 12 item 3): the shapes `handover.open`,
 * `handover.acceptance` and `handover.import` carry, shared by the engine
 * (engine/handover/import-*.ts), the CLI (`flowkeeper import`) and the renderer's import wizard.
 *
 * The rule they encode: a credential the bundle needs is never linked silently. Every
 * requirement is mapped by the person, to an existing credential of the same type (`use`) or to
 * a new one created in this machine's keychain (`create`); the preview lists candidates but
 * pre-selects none.
 *
 * Pure (no node:*): the renderer's import wizard shares it.
 */
import { z } from 'zod';
import { CharterPersonSchema, HandOverSchema, ReadinessSchema } from './charter.ts';

export { HandOverSchema, type HandOver } from './charter.ts';
import { CredentialRequirementSchema } from './handover-bundle.ts';
import type { Flow } from './flow.ts';

const FlowIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'use letters, digits, "_" or "-", starting with a letter');
const CredentialIdSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "-", "_" and ".", starting with a letter or digit');
const FlowJson = z.custom<Flow>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'A flow must be one JSON object.' });

/** The bundle file as the doors carry it: its text (plain JSON), or its bytes in base64 (a `.gz` file). */
export const BundleSourceSchema = z
  .object({
    text: z.string().max(256 * 1024 * 1024).optional(),
    base64: z.string().max(256 * 1024 * 1024).optional(),
  })
  .strict();
export type BundleSource = z.infer<typeof BundleSourceSchema>;

/** A credential of this machine offered for a requirement: same type; never its values. */
export const CredentialCandidateSchema = z.object({ id: z.string(), label: z.string() });
export type CredentialCandidate = z.infer<typeof CredentialCandidateSchema>;

export const RequirementPreviewSchema = CredentialRequirementSchema.extend({
  /** This machine's credentials of the same type (none when the type is unknown). None is pre-selected. */
  candidates: z.array(CredentialCandidateSchema),
  /** A credential with the requirement's own id exists here, but of another type (it cannot be used). */
  sameIdOtherType: z.string().optional(),
});
export type RequirementPreview = z.infer<typeof RequirementPreviewSchema>;

/** Something the bundle left out on purpose (a secret) that the person enters again. */
export const ReenterSchema = z.discriminatedUnion('kind', [
  /** The charter's alert webhook address (a Slack address is a secret): `alertWebhookUrl` of the import. */
  z.object({ kind: z.literal('alert-webhook-url'), format: z.enum(['json', 'slack']), origin: z.string(), message: z.string() }),
  /** A step setting replaced by the redaction mark: fill it in on the canvas after the import. */
  z.object({ kind: z.literal('step-setting'), nodeId: z.string(), title: z.string(), paths: z.array(z.string()), message: z.string() }),
]);
export type Reenter = z.infer<typeof ReenterSchema>;

export const HandoverPreviewSchema = z.object({
  /** When the builder made the bundle (ISO) and with what ("Flowkeeper 0.1.0"). */
  createdAt: z.string(),
  generator: z.string(),
  flow: z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    version: z.number(),
    steps: z.number(),
  }),
  /** The flow as the bundle holds it (for showing it on the canvas before importing). */
  flowDocument: FlowJson,
  charter: z.object({ owner: CharterPersonSchema, backupOwner: CharterPersonSchema }),
  credentials: z.array(RequirementPreviewSchema),
  references: z.array(z.object({ runId: z.string(), status: z.enum(['succeeded', 'failed', 'cancelled']), createdAt: z.string(), flowVersion: z.number() })),
  /**
   * A flow with the bundle's id already exists here: the import must say `target: { replace: true }`
   * (a new version of it, its history kept) or `target: { newId }`. null when there is none.
   */
  existing: z.object({ id: z.string(), name: z.string(), version: z.number(), active: z.boolean() }).nullable(),
  runbook: z.object({ markdown: z.string() }),
  reenter: z.array(ReenterSchema),
  privacy: z.object({ maskedFields: z.array(z.string()), maskedValues: z.number(), scrubbed: z.number() }),
  /** What the person should know before importing, in plain words. */
  warnings: z.array(z.string()),
});
export type HandoverPreview = z.infer<typeof HandoverPreviewSchema>;

/** How one requirement is satisfied on this machine. */
export const CredentialMappingSchema = z.union([
  z.object({ use: CredentialIdSchema }).strict(),
  z
    .object({
      create: z
        .object({
          /** Default: the requirement's id (refused when a credential of that id exists here). */
          id: CredentialIdSchema.optional(),
          label: z.string().max(200).optional(),
          /** Only when the bundle does not know the type (typeSource `unknown`). */
          type: z.string().min(1).max(100).optional(),
          values: z.record(z.string(), z.string().max(64 * 1024)),
        })
        .strict(),
    })
    .strict(),
]);
export type CredentialMapping = z.infer<typeof CredentialMappingSchema>;
export const CredentialMappingsSchema = z.record(z.string(), CredentialMappingSchema);

export const ValueChangeSchema = z.object({ path: z.string(), recorded: z.unknown(), replayed: z.unknown() });

/** One reference run replayed offline against the flow as it will be imported. */
export const AcceptanceResultSchema = z.object({
  runId: z.string(),
  /** How the reference run ended when it was recorded. */
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  createdAt: z.string(),
  passed: z.boolean(),
  /** Steps whose replayed result differs from the recording (empty when passed). */
  differences: z.array(
    z.object({
      nodeId: z.string(),
      step: z.string(),
      recordedStatus: z.string(),
      replayedStatus: z.string(),
      replayError: z.string().optional(),
      changes: z.array(ValueChangeSchema),
    }),
  ),
  /**
   * The whole replay report, in the shape of `runs.replay` (every step compared), so the wizard
   * can word it as the run view's replay does (renderer/logic/replay.ts). Absent when the run
   * could not be replayed at all (`note` says why).
   */
  report: z
    .object({
      runId: z.string(),
      flowId: z.string(),
      identical: z.boolean(),
      nodes: z.array(z.object({ nodeId: z.string(), name: z.string(), recordedStatus: z.string(), replayedStatus: z.string(), identical: z.boolean(), changes: z.array(ValueChangeSchema), replayError: z.string().optional() })),
      note: z.string().optional(),
    })
    .optional(),
  /** The result in words, one line per difference (`outputs.out[0].total: 12 → 13`). */
  lines: z.array(z.string()),
  note: z.string().optional(),
});
export type AcceptanceResult = z.infer<typeof AcceptanceResultSchema>;

export const AcceptanceSchema = z.object({
  /** Every reference run replayed identically (true when the bundle has none). */
  passed: z.boolean(),
  results: z.array(AcceptanceResultSchema),
});
export type Acceptance = z.infer<typeof AcceptanceSchema>;

export const HandoverImportRequestSchema = BundleSourceSchema.extend({
  /** One entry per credential requirement of the bundle, by requirement id; none may be left out. */
  credentials: CredentialMappingsSchema.default({}),
  /** The alert webhook's address, when the bundle left it out (preview `reenter`). */
  alertWebhookUrl: z.string().max(2000).optional(),
  /** Needed when a flow with the bundle's id exists here: a new version of it, or another id. */
  target: z.union([z.object({ replace: z.literal(true) }).strict(), z.object({ newId: FlowIdSchema }).strict()]).optional(),
  /** The person taking ownership: becomes the charter's owner. */
  owner: z.object({ name: z.string().min(1).max(200), email: z.string().min(3).max(320) }).strict(),
  /** A new backup owner; default: the bundle's backup stays. */
  backup: z.object({ name: z.string().min(1).max(200), email: z.string().min(3).max(320) }).strict().optional(),
  /** Who imports (the version's author); default the name in Settings. */
  by: z.string().max(200).optional(),
  /** Import even though a reference run replays differently (the differences are in the result). */
  acceptDifferences: z.boolean().optional(),
});
export type HandoverImportRequest = z.input<typeof HandoverImportRequestSchema>;

export const HandoverImportResultSchema = z.object({
  flowId: z.string(),
  version: z.number(),
  flow: FlowJson,
  /** How each requirement was satisfied. */
  credentials: z.array(z.object({ requirementId: z.string(), credentialId: z.string(), type: z.string(), created: z.boolean() })),
  /** Reference runs stored for this flow (`data.references`, source `bundle`). */
  references: z.array(z.string()),
  acceptance: AcceptanceSchema,
  handedOver: HandOverSchema,
  /** The production checklist of the imported version; switching on is `flows.activate` (the same gate as any flow). */
  readiness: ReadinessSchema,
  warnings: z.array(z.string()),
});
export type HandoverImportResult = z.infer<typeof HandoverImportResultSchema>;
