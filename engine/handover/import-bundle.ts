/**
 * Importing a hand-over bundle (`handover.import`, the import wizard's last step,
 * `flowkeeper import`): the flow with its credentials linked as the person chose, its reference
 * runs, and the charter handed to the new owner.
 *
 * Everything is checked before anything is stored (the bundle, the target id, the owner, every
 * credential mapping, the alert webhook address, the flow against this machine's step types, the
 * acceptance replay). Then, in order: new credentials into the keychain, the reference runs,
 * the flow as a new version — the flow last, so a flow is never saved whose credentials or
 * references are missing. When a step fails, what was already stored is taken back (credentials
 * deleted, references removed or put back) and the error says what failed and what to do.
 *
 * The import never switches the flow on; `flows.activate` does, behind the same checklist as any
 * flow. An import as a new version of a flow that is switched on is refused (its triggers would
 * start running the imported version at once).
 *
 * May import: engine/model, engine/charter, engine/replay, engine/handover.
 */
import { ApiError, type CredentialInfo } from '../model/contract.ts';
import type { Flow } from '../model/flow.ts';
import type { Readiness } from '../model/charter.ts';
import type { HandoverBundle, ReferenceRun } from '../model/handover-bundle.ts';
import { HandoverImportRequestSchema, type Acceptance, type BundleSource, type CredentialMapping, type HandOver, type HandoverImportRequest, type HandoverImportResult } from '../model/handover-import.ts';
import { validateFlow } from '../model/validate.ts';
import { zodProblems } from '../model/validate.ts';
import { charterOf, isEmailAddress, readiness } from '../charter/readiness.ts';
import type { NodeRegistry } from '../runner/registry.ts';
import { acceptanceReplay, replayableReference } from './import-acceptance.ts';
import { resolveCredentials, mappedIds, withCredentialIds, type ResolvedCredential } from './import-mapping.ts';
import { bundleFromSource, existingFlow, reenterOf, type OpenDeps } from './import-open.ts';
import type { ReferenceSource, StoredReference } from './reference-store.ts';

export interface ImportDeps {
  flows: OpenDeps['flows'] & {
    save(raw: unknown, expectedVersion?: number, note?: { author?: string; message?: string }): Promise<{ flow: Record<string, unknown>; version: number }>;
  };
  vault: {
    list(): Promise<CredentialInfo[]>;
    set(id: string, type: string, label: string, values: Record<string, string>): Promise<CredentialInfo>;
    delete(id: string): Promise<void>;
  };
  references: {
    get(flowId: string, runId: string): Promise<StoredReference | undefined>;
    put(flowId: string, run: ReferenceRun, source: ReferenceSource): Promise<StoredReference>;
    remove(flowId: string, runId: string): Promise<boolean>;
  };
  activeFlowIds(): Promise<ReadonlySet<string>>;
  registry: NodeRegistry;
  now(): number;
  /** Who imports when the request names nobody (the name in Settings). */
  defaultAuthor(): Promise<string>;
}

/** `handover.acceptance`: the replay alone, credential ids as mapped so far (nothing stored). */
export async function handoverAcceptance(deps: Pick<ImportDeps, 'registry'>, request: BundleSource & { credentials?: Record<string, CredentialMapping> }): Promise<Acceptance> {
  const bundle = bundleFromSource(request);
  const flow = withCredentialIds(bundle.flow, mappedIds(request.credentials));
  // Replayed as it would run: each step's settings with their defaults filled in, as validation gives them.
  const checked = validateFlow(flow, deps.registry);
  return acceptanceReplay(deps.registry, checked.ok ? checked.flow : flow, bundle.references);
}

function badRequest(message: string, hint: string): ApiError {
  return new ApiError({ code: 'BAD_REQUEST', message, hint });
}

function isWebAddress(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The calendar day of an ISO time, for a version message ("made 2026-11-30"). */
function day(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.exec(iso)?.[0] ?? iso;
}

export async function importHandover(deps: ImportDeps, raw: HandoverImportRequest): Promise<HandoverImportResult> {
  const parsed = HandoverImportRequestSchema.safeParse(raw);
  if (!parsed.success) throw new ApiError({ code: 'INVALID_ARGUMENTS', message: 'The import request is not complete.', problems: zodProblems(parsed.error, []) });
  const request = parsed.data;
  const bundle = bundleFromSource(request);
  const warnings: string[] = [];

  // Where the flow goes: a flow already here is never overwritten without being asked.
  const existing = await existingFlow(deps, bundle.flow.id);
  const target = request.target;
  let flowId = bundle.flow.id;
  let expectedVersion: number | undefined;
  if (target !== undefined && 'newId' in target) {
    flowId = target.newId;
    const taken = flowId === bundle.flow.id ? existing : await existingFlow(deps, flowId);
    if (taken) throw new ApiError({ code: 'FLOW_EXISTS', message: `A flow with the id “${flowId}” (“${taken.name}”) already exists on this computer.`, hint: 'Choose another id for the imported flow, or import it as a new version of that flow.' });
  } else if (existing) {
    if (target === undefined) {
      throw new ApiError({
        code: 'FLOW_EXISTS',
        message: `A flow with the id “${flowId}” (“${existing.name}”, version ${existing.version}) already exists on this computer.`,
        hint: 'Choose: import the bundle as a new version of that flow (its history is kept), or import it under a new id. Nothing was imported.',
        details: { existing },
      });
    }
    if (existing.active) {
      throw new ApiError({
        code: 'FLOW_ACTIVE',
        message: `The flow “${existing.name}” (${flowId}) is switched on here, so the bundle cannot become its new version: its triggers would start running the imported flow at once.`,
        hint: `Switch it off first (flowkeeper flows deactivate ${flowId}), or import the bundle under a new id. Nothing was imported.`,
      });
    }
    expectedVersion = existing.version;
  }

  // The new owner: a name people recognise and an address alerts reach.
  const owner = { name: request.owner.name.trim(), email: request.owner.email.trim() };
  if (owner.name === '') throw badRequest('The new owner needs a name.', 'Give the name of the person who answers for the flow from now on.');
  if (!isEmailAddress(owner.email)) throw badRequest(`“${owner.email}” is not an e-mail address, so alerts could not reach the new owner.`, 'Give the new owner\'s e-mail address, like ana@example.com.');
  const backup = request.backup ? { name: request.backup.name.trim(), email: request.backup.email.trim() } : undefined;
  if (backup && !isEmailAddress(backup.email)) throw badRequest(`“${backup.email}” is not an e-mail address, so alerts could not reach the backup owner.`, 'Give the backup owner\'s e-mail address, like ben@example.com.');

  // Every credential mapped explicitly, each checked against this machine's list.
  const resolved = resolveCredentials(bundle.credentials, request.credentials, await deps.vault.list());
  for (const r of resolved) {
    if (r.requirement.type === '' && !r.create) warnings.push(`The bundle does not say which type “${r.requirement.id}” is, so linking it to “${r.credentialId}” (${r.type}) could not be checked: make sure it is the right kind of credential before switching the flow on.`);
  }

  // What the bundle left out: the alert webhook's address must be given again.
  const reenter = reenterOf(bundle.flow);
  const webhookNeeded = reenter.find((r) => r.kind === 'alert-webhook-url');
  const webhookUrl = request.alertWebhookUrl?.trim();
  if (webhookNeeded && !webhookUrl) {
    throw new ApiError({ code: 'ALERT_WEBHOOK_URL_NEEDED', message: webhookNeeded.message, hint: 'Give the webhook address (alertWebhookUrl; flowkeeper import --alert-webhook-url <address>). Nothing was imported.' });
  }
  if (webhookUrl !== undefined && webhookUrl !== '') {
    if (!bundle.flow.charter?.alerts?.webhook) throw badRequest('The bundle\'s charter sends no alerts to a webhook, so there is no webhook address to set.', 'Leave the webhook address out; add a webhook on the flow page after importing if you want one.');
    if (!isWebAddress(webhookUrl)) throw badRequest(`“${webhookUrl}” is not a web address (http:// or https://), so alerts could not be posted to it.`, 'Give the full address of the webhook, e.g. https://hooks.slack.com/services/….');
  }
  for (const r of reenter) if (r.kind === 'step-setting') warnings.push(r.message);

  // The flow as it will be saved: ids linked, owner changed, the hand-over recorded.
  const now = new Date(deps.now()).toISOString();
  const by = request.by?.trim() || (await deps.defaultAuthor());
  const before = charterOf(bundle.flow);
  const handedOver: HandOver = { from: before.owner, to: owner, at: now, by, bundleCreatedAt: bundle.createdAt };
  const flow = importedFlow(bundle, flowId, resolved, { owner, ...(backup ? { backup } : {}), handedOver, ...(webhookUrl ? { webhookUrl } : {}) });
  const checked = validateFlow(flow, deps.registry);
  if (!checked.ok) {
    throw new ApiError({
      code: 'FLOW_INVALID',
      message: `The bundle's flow cannot run on this Flowkeeper: ${checked.problems.filter((p) => p.severity === 'error').slice(0, 5).map((p) => p.message).join('; ')}.`,
      hint: 'Update Flowkeeper (a step type may be newer than this one), or ask for a fresh export. Nothing was imported.',
      problems: checked.problems,
    });
  }
  if (!backup && before.backupOwner.name !== '') warnings.push(`The backup owner is still ${before.backupOwner.name}${before.backupOwner.email ? ` (${before.backupOwner.email})` : ''}, as in the bundle: change it on the flow page if someone on your side stands in.`);

  // The acceptance replay, before anything is stored.
  const acceptance = await acceptanceReplay(deps.registry, checked.flow, bundle.references);
  if (!acceptance.passed) {
    const failing = acceptance.results.filter((r) => !r.passed);
    if (request.acceptDifferences !== true) {
      throw new ApiError({
        code: 'ACCEPTANCE_FAILED',
        message: `${failing.length} of ${acceptance.results.length} reference runs replay differently from their recording:\n${failing.flatMap((r) => r.lines).join('\n')}`,
        hint: 'Ask the person who handed the flow over about these differences. To import it anyway, confirm that you accept them (--accept-differences). Nothing was imported.',
        details: { acceptance },
      });
    }
    warnings.push(`Imported although ${failing.length} of ${acceptance.results.length} reference runs replay differently (you accepted the differences).`);
  }

  // Storing, with each step taken back when a later one fails.
  const undo: Array<{ what: string; run: () => Promise<unknown> }> = [];
  let stage = '';
  try {
    for (const r of resolved) {
      if (!r.create) continue;
      stage = `storing the new credential “${r.create.id}” in this computer's keychain`;
      await deps.vault.set(r.create.id, r.create.type, r.create.label, r.create.values);
      const id = r.create.id;
      undo.push({ what: `the credential “${id}” (delete it under Credentials)`, run: () => deps.vault.delete(id) });
    }
    const source: ReferenceSource = { kind: 'bundle', importedAt: now, bundleCreatedAt: bundle.createdAt };
    // Under a new id the references are this flow's runs: their header says so (the flow as it ran,
    // `header.flow`, stays as recorded, so its hash still matches).
    const references = bundle.references.map(replayableReference).map((run) => (run.header.flowId === flowId ? run : { ...run, header: { ...run.header, flowId } }));
    for (const run of references) {
      stage = `storing the reference run “${run.runId}”`;
      const previous = await deps.references.get(flowId, run.runId).catch(() => undefined);
      await deps.references.put(flowId, run, source);
      undo.push({ what: `the reference run “${run.runId}” (references/${flowId}/${run.runId}.json in the data folder)`, run: () => (previous ? deps.references.put(flowId, previous.run, previous.source) : deps.references.remove(flowId, run.runId)) });
    }
    stage = 'saving the flow';
    const message = `Imported from a hand-over bundle made ${day(bundle.createdAt)}; ${owner.name} took ownership${before.owner.name ? ` from ${before.owner.name}` : ''}`;
    const saved = await deps.flows.save(flow, expectedVersion, { author: by, message });
    const savedFlow = saved.flow as unknown as Flow;
    const ready: Readiness = readiness(savedFlow, deps.registry);
    return {
      flowId,
      version: saved.version,
      flow: savedFlow,
      credentials: resolved.map((r) => ({ requirementId: r.requirement.id, credentialId: r.credentialId, type: r.type, created: r.create !== undefined })),
      references: bundle.references.map((r) => r.runId),
      acceptance,
      handedOver,
      readiness: ready,
      warnings,
    };
  } catch (error) {
    const left: string[] = [];
    for (const step of undo.reverse()) {
      try {
        await step.run();
      } catch {
        left.push(step.what);
      }
    }
    const cause = error instanceof ApiError ? error : undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError({
      code: cause?.code === 'KEYCHAIN_UNAVAILABLE' ? 'KEYCHAIN_UNAVAILABLE' : 'IMPORT_FAILED',
      message: `The import stopped while ${stage}: ${reason} ${left.length === 0 ? 'Nothing was imported.' : `It was taken back, except: ${left.join('; ')}.`}`,
      hint: `${cause?.hint ? `${cause.hint} ` : ''}Then import the bundle again${resolved.some((r) => r.create) ? ', or link existing credentials instead of creating new ones' : ''}.`,
      ...(cause?.details ? { details: cause.details } : {}),
    });
  }
}

/** The bundle's flow made this machine's: id, linked credentials, new owner, the hand-over recorded. */
function importedFlow(bundle: HandoverBundle, flowId: string, resolved: readonly ResolvedCredential[], change: { owner: { name: string; email: string }; backup?: { name: string; email: string }; handedOver: HandOver; webhookUrl?: string }): Flow {
  const linked = withCredentialIds(bundle.flow, new Map(resolved.map((r) => [r.requirement.id, r.credentialId])));
  const charter = charterOf(linked);
  const webhook = charter.alerts?.webhook;
  const alerts = charter.alerts && webhook && change.webhookUrl ? { ...charter.alerts, webhook: { ...webhook, url: change.webhookUrl } } : charter.alerts;
  const { version: _version, ...rest } = linked;
  return {
    ...rest,
    id: flowId,
    // The older free-text owner follows the charter's (as flows.save does).
    owner: change.owner.name,
    charter: {
      ...charter,
      owner: change.owner,
      ...(change.backup ? { backupOwner: change.backup } : {}),
      ...(alerts ? { alerts } : {}),
      handedOver: [...(charter.handedOver ?? []), change.handedOver],
    },
  } as Flow;
}
