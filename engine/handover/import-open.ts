/**
 * Opening a hand-over bundle on the machine that takes a flow over (`handover.open`, the first
 * screen of the import wizard, `flowkeeper import --check-only`): what the bundle holds, what
 * this machine already has (same-type credentials as candidates, a flow with the same id), and
 * what the person must enter again. Reads only: nothing is stored, no keychain value is read.
 *
 * May import: engine/model, engine/charter, engine/trace (public face), engine/handover.
 */
import { ApiError, type CredentialInfo } from '../model/contract.ts';
import { BundleReadError, readBundle, type CredentialRequirement, type HandoverBundle } from '../model/handover-bundle.ts';
import type { BundleSource, HandoverPreview, Reenter, RequirementPreview } from '../model/handover-import.ts';
import { credentialTypeTitle } from '../model/credential-types.ts';
import { validateFlow, type NodeCatalog } from '../model/validate.ts';
import type { Flow } from '../model/flow.ts';
import { charterOf } from '../charter/readiness.ts';
import { REDACTED } from '../trace/index.ts';
import { readBundleBytes } from './bundle-file.ts';
import { withArticle } from './import-mapping.ts';

/** What opening a bundle reads of this machine. */
export interface OpenDeps {
  flows: { get(id: string): Promise<{ flow: Record<string, unknown> }> };
  vault: { list(): Promise<CredentialInfo[]> };
  /** Ids of the flows switched on here. */
  activeFlowIds(): Promise<ReadonlySet<string>>;
  catalog: NodeCatalog;
}

/** The bundle a door handed in (text, or base64 bytes: plain or gzipped), read with plain errors. */
export function bundleFromSource(source: BundleSource): HandoverBundle {
  const given = [source.text, source.base64].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new ApiError({ code: 'BAD_REQUEST', message: given === 0 ? 'No hand-over bundle was given.' : 'Give the bundle once: as text or as base64, not both.', hint: 'Pass the .fkbundle file\'s text as `text`, or its bytes in base64 as `base64` (a .fkbundle.gz file).' });
  }
  try {
    return source.text !== undefined ? readBundle(source.text) : readBundleBytes(Buffer.from(source.base64!, 'base64'));
  } catch (error) {
    if (error instanceof BundleReadError) throw bundleError(error);
    throw error;
  }
}

/** A BundleReadError as every door carries errors: the same plain words and hint. */
export function bundleError(error: BundleReadError): ApiError {
  return new ApiError({ code: 'BUNDLE_UNREADABLE', message: error.message, hint: error.hint, ...(error.problems.length > 0 ? { details: { problems: error.problems } } : {}) });
}

/** The flow stored here under an id, or undefined; a damaged one still counts as existing. */
export async function existingFlow(deps: Pick<OpenDeps, 'flows' | 'activeFlowIds'>, id: string): Promise<HandoverPreview['existing']> {
  let stored: Record<string, unknown>;
  try {
    stored = (await deps.flows.get(id)).flow;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'FLOW_NOT_FOUND') return null;
    if (error instanceof ApiError && error.code === 'FLOW_DAMAGED') stored = { name: id, version: 0 };
    else throw error;
  }
  const active = (await deps.activeFlowIds()).has(id);
  return { id, name: String(stored.name ?? id), version: Number(stored.version ?? 1), active };
}

/** This machine's credentials that can stand in for a requirement: the same type, values never read. */
export function candidatesFor(requirement: Pick<CredentialRequirement, 'id' | 'type'>, local: readonly CredentialInfo[]): RequirementPreview {
  const sameType = requirement.type === '' ? [] : local.filter((c) => c.type === requirement.type);
  const sameId = local.find((c) => c.id === requirement.id);
  return {
    ...(requirement as CredentialRequirement),
    candidates: sameType.map((c) => ({ id: c.id, label: c.label })),
    ...(sameId && requirement.type !== '' && sameId.type !== requirement.type ? { sameIdOtherType: sameId.type } : {}),
  };
}

/** What the bundle left out on purpose and the person enters again. */
export function reenterOf(flow: Flow): Reenter[] {
  const out: Reenter[] = [];
  const webhook = flow.charter?.alerts?.webhook;
  if (webhook && webhook.url.includes(REDACTED)) {
    const origin = webhook.url.slice(0, webhook.url.indexOf(REDACTED)).replace(/\/$/, '');
    out.push({ kind: 'alert-webhook-url', format: webhook.format, origin, message: `The alert webhook's address${webhook.format === 'slack' ? ' (a Slack incoming webhook)' : ''} is a secret, so the bundle left it out${origin ? ` (it was on ${origin})` : ''}: enter the address alerts should go to on this side.` });
  }
  for (const node of flow.nodes) {
    const paths: string[] = [];
    collectRedacted(node.config, 'config', paths);
    if (paths.length > 0) {
      const title = node.name || node.id;
      out.push({ kind: 'step-setting', nodeId: node.id, title, paths, message: `The step “${title}” had a secret typed into its settings (${paths.join(', ')}); the bundle replaced it by ${REDACTED}. After importing, fill it in on the canvas, or better, move it to a credential.` });
    }
  }
  return out;
}

function collectRedacted(value: unknown, path: string, out: string[]): void {
  if (typeof value === 'string') {
    if (value.includes(REDACTED)) out.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collectRedacted(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectRedacted(v, `${path}.${k}`, out);
  }
}

export async function openHandover(deps: OpenDeps, source: BundleSource): Promise<HandoverPreview> {
  const bundle = bundleFromSource(source);
  const { flow } = bundle;
  const local = await deps.vault.list();
  const existing = await existingFlow(deps, flow.id);
  const charter = charterOf(flow);
  const warnings: string[] = [];

  const credentials = bundle.credentials.map((r) => candidatesFor(r, local));
  for (const r of credentials) {
    if (r.type === '') warnings.push(`The bundle does not say which type the credential “${r.id}” is; ask the person who handed it over, and create it with that type.`);
    if (r.sameIdOtherType !== undefined) warnings.push(`This computer has a credential named “${r.id}”, but it is ${withArticle(credentialTypeTitle(r.sameIdOtherType))} (${r.sameIdOtherType}) and the flow needs ${withArticle(r.typeTitle)} (${r.type}): it cannot be used for it.`);
  }
  if (existing) {
    warnings.push(
      existing.active
        ? `A flow with the id “${flow.id}” (“${existing.name}”) is switched on here. Import this one under another id, or switch that one off first to import the bundle as a new version of it.`
        : `A flow with the id “${flow.id}” (“${existing.name}”, version ${existing.version}) already exists here: import the bundle as a new version of it (its history is kept), or under another id.`,
    );
  }
  const checked = validateFlow(flow, deps.catalog);
  const errors = checked.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) warnings.push(`This Flowkeeper cannot run the bundle's flow as it is: ${errors.slice(0, 5).map((p) => p.message).join('; ')}${errors.length > 5 ? ` (and ${errors.length - 5} more)` : ''}. Update Flowkeeper, or ask for a fresh export.`);
  for (const r of bundle.references) {
    if (r.flowVersion !== flow.version) warnings.push(`Reference run “${r.runId}” ran version ${r.flowVersion} of the flow; the bundle holds version ${flow.version}, so its replay may show differences.`);
  }
  if (bundle.references.length === 0) warnings.push('The bundle holds no reference runs, so there is nothing to replay as an acceptance test.');

  return {
    createdAt: bundle.createdAt,
    generator: bundle.generator,
    flow: { id: flow.id, name: flow.name, description: flow.description ?? '', version: flow.version ?? 1, steps: flow.nodes.length },
    flowDocument: flow,
    charter: { owner: charter.owner, backupOwner: charter.backupOwner },
    credentials,
    references: bundle.references.map((r) => ({ runId: r.runId, status: r.status, createdAt: r.createdAt, flowVersion: r.flowVersion })),
    existing,
    runbook: { markdown: bundle.runbook.markdown },
    reenter: reenterOf(flow),
    privacy: bundle.privacy,
    warnings,
  };
}
