/**
 * Exporting a hand-over bundle (engine/model/handover-bundle.ts): the flow at a chosen version,
 * its credential requirements, chosen reference runs cleaned of secrets (and personal data on
 * request), and the generated runbook. Used by `handover.export` and `flowkeeper export`.
 *
 * The builder's credential values are read from the keychain here only to look for them in what
 * leaves: they go into the Scrubber and nowhere else. When the keychain cannot be read, the
 * export still goes on (traces were recorded with the values already removed) and says so in
 * `warnings`.
 *
 * May import: engine/model, engine/charter, engine/trace (public face), engine/handover.
 */
import { ApiError, type CredentialInfo } from '../model/contract.ts';
import { FlowSchema, type Flow } from '../model/flow.ts';
import type { NodeCatalog } from '../model/validate.ts';
import { presetFor } from '../model/credential-types.ts';
import { isBlobRef, type BlobRef, type RunEvent, type TraceHeader } from '../model/events.ts';
import { HANDOVER_FILE_EXTENSION, HANDOVER_FORMAT, HANDOVER_FORMAT_VERSION, HandoverBundleSchema, type HandoverBundle, type ReferenceRun } from '../model/handover-bundle.ts';
import { zodProblems } from '../model/validate.ts';
import { REDACTED } from '../trace/index.ts';
import { canonicalJson, sha256 } from '../canonical-json.ts';
import { EnvSecretResolver } from '../secrets.ts';
import { credentialRequirements, credentialUses, scopesOf, type KnownCredential } from './credential-requirements.ts';
import { buildRunbook } from './runbook.ts';
import { runbookMarkdown } from './runbook-render.ts';
import { Masker, Scrubber } from './scrub.ts';

export interface HandoverDeps {
  flows: { get(id: string, version?: number): Promise<{ flow: Record<string, unknown> }> };
  traces: { load(runId: string): Promise<{ header: TraceHeader; events: RunEvent[] }>; getPayload<T>(value: T | BlobRef): Promise<T> };
  vault: {
    list(): Promise<CredentialInfo[]>;
    settings(id: string): Promise<{ info: CredentialInfo; values: Record<string, string> }>;
    readTokens(id: string): Promise<{ accessToken?: string; refreshToken?: string } | undefined>;
  };
  catalog: NodeCatalog;
  now(): number;
  /** What made the file, e.g. "Flowkeeper 0.1.0". */
  generator?: string;
  /**
   * The environment, for credentials provided as FLOWKEEPER_CREDENTIAL_<ID> on a headless machine
   * (engine/secrets.ts): their values are searched for too, and their type read when they name one.
   */
  env?: NodeJS.ProcessEnv;
}

export interface HandoverExportRequest {
  flowId: string;
  version?: number;
  runIds?: readonly string[];
  mask?: readonly string[];
}

export interface HandoverExport {
  bundle: HandoverBundle;
  fileName: string;
  /** What the person should know: settings that were cleaned, values that could not be checked. */
  warnings: string[];
}

/** Fields of credentials that are not secret (as the runner's redaction treats them). */
const NOT_SECRET_FIELDS = new Set(['username', 'user', 'login', 'email', 'url', 'baseurl', 'host', 'port', 'region', 'header', 'headername', 'organization', 'account', 'database', 'sslmode', 'security', 'from', 'tokenurl', 'authorizeurl', 'clientid', 'scope', 'scopes', 'audience', 'clientauthentication']);
const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** The flow at the version asked for, as the flow format reads it. */
export async function flowForHandover(deps: Pick<HandoverDeps, 'flows'>, flowId: string, version?: number): Promise<Flow> {
  const stored = await deps.flows.get(flowId, version);
  const parsed = FlowSchema.safeParse(stored.flow);
  if (!parsed.success) {
    throw new ApiError({ code: 'FLOW_INVALID', message: `Flow "${flowId}" is damaged, so it cannot be handed over.`, hint: 'Open it in the editor, fix the problems listed, save, and export again.', problems: zodProblems(parsed.error, []) });
  }
  return parsed.data;
}

export async function exportHandover(deps: HandoverDeps, request: HandoverExportRequest): Promise<HandoverExport> {
  const warnings: string[] = [];
  const mask = checkMask(request.mask ?? []);
  const flow = await flowForHandover(deps, request.flowId, request.version);
  const runs = await loadRuns(deps, flow.id, [...new Set(request.runIds ?? [])]);

  // Every credential of this machine, not only the flow's: an older run may have used another.
  const known = new Map<string, KnownCredential>();
  const secrets: string[] = [];
  const unreadable: string[] = [];
  for (const info of await deps.vault.list()) {
    known.set(info.id, { type: info.type, fields: info.fields });
    try {
      const { values } = await deps.vault.settings(info.id);
      const preset = presetFor(info.type);
      for (const [name, value] of Object.entries(values)) {
        const secret = preset ? preset.fields.find((f) => f.name === name)?.secret !== false : !NOT_SECRET_FIELDS.has(name.toLowerCase());
        if (secret) secrets.push(value);
      }
      const scopes = scopesOf(info.type, values);
      if (scopes) known.set(info.id, { type: info.type, fields: info.fields, scopes });
      const tokens = info.type.startsWith('oauth2.') ? await deps.vault.readTokens(info.id) : undefined;
      if (tokens?.accessToken) secrets.push(tokens.accessToken);
      if (tokens?.refreshToken) secrets.push(tokens.refreshToken);
    } catch {
      unreadable.push(info.id);
    }
  }
  // Credentials this flow uses that only the environment provides (a headless machine).
  if (deps.env !== undefined) {
    const env = new EnvSecretResolver(deps.env);
    for (const id of credentialUses(flow, deps.catalog).keys()) {
      if (known.has(id)) continue;
      const values = await env.get(id).catch(() => undefined);
      if (values === undefined) continue;
      const { type, ...fields } = values;
      const preset = type === undefined ? undefined : presetFor(type);
      for (const [name, value] of Object.entries(fields)) if (preset ? preset.fields.find((f) => f.name === name)?.secret !== false : !NOT_SECRET_FIELDS.has(name.toLowerCase())) secrets.push(value);
      if (type !== undefined) known.set(id, { type, fields: Object.keys(fields).sort(), ...(scopesOf(type, fields) ? { scopes: scopesOf(type, fields)! } : {}) });
    }
  }
  if (unreadable.length > 0) {
    warnings.push(
      `The keychain could not be read for ${unreadable.map((id) => `“${id}”`).join(', ')}, so the bundle was not searched for ${unreadable.length === 1 ? 'its value' : 'their values'}. Runs are recorded with credential values removed, and sign-in headers and token-shaped text were removed anyway.`,
    );
  }

  for (const run of runs) {
    if (run.flow.version !== flow.version) warnings.push(`Run “${run.header.runId}” ran version ${run.flow.version} of the flow; the bundle holds version ${flow.version}, so replaying it against this version may show differences.`);
  }
  const flows = [flow, ...runs.map((r) => r.flow)];
  const scrubber = new Scrubber(secrets, flows.flatMap(signInHeaderNames));
  const cleanFlow = cleanHandedFlow(flow, scrubber, warnings);

  const masker = new Masker(mask);
  let references: ReferenceRun[] = runs.map((run) => {
    const flowAsRan = run.flow.id === flow.id && run.flow.version === flow.version ? cleanFlow : (scrubber.value(run.flow) as Flow);
    return asReference(run, flowAsRan, (value) => masker.mask(scrubber.value(value)));
  });
  references = references.map((r) => ({ ...r, header: { ...r.header, input: masker.finish(r.header.input) }, events: masker.finish(r.events) }));

  const credentials = credentialRequirements(cleanFlow, deps.catalog, known);
  const createdAt = new Date(deps.now()).toISOString();
  const markdown = runbookMarkdown(buildRunbook({ flow: cleanFlow, catalog: deps.catalog, credentials, references: references.map((r) => ({ runId: r.runId, status: r.status, createdAt: r.createdAt })), generatedAt: createdAt }));
  const bundle = HandoverBundleSchema.parse({
    format: HANDOVER_FORMAT,
    formatVersion: HANDOVER_FORMAT_VERSION,
    createdAt,
    generator: deps.generator ?? 'Flowkeeper',
    flow: cleanFlow,
    credentials,
    references,
    privacy: { maskedFields: mask, maskedValues: masker.size, scrubbed: scrubber.count },
    runbook: { markdown },
  });
  for (const id of credentialUses(cleanFlow, deps.catalog).keys()) {
    if (!known.has(id)) warnings.push(`The credential “${id}” is not in this computer's credential list, so its type was ${credentials.find((c) => c.id === id)?.typeSource === 'inferred' ? 'worked out from the steps that use it' : 'not known: tell the team taking over which type it is'}.`);
  }
  return { bundle, fileName: `${flow.id}-v${flow.version}${HANDOVER_FILE_EXTENSION}`, warnings };
}

/** The bundle as the file's text: JSON, indented so a person can read and diff it. */
export function bundleText(bundle: HandoverBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

function checkMask(fields: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of fields) {
    const field = raw.trim();
    if (field === '') continue;
    if (!FIELD_PATH.test(field)) {
      throw new ApiError({ code: 'BAD_REQUEST', message: `“${raw}” is not a field path to mask.`, hint: 'Name fields as they appear in the items, e.g. email or customer.name (letters, digits, “_”, “-”, dots between levels).' });
    }
    if (!out.includes(field)) out.push(field);
  }
  return out;
}

/**
 * A finished run of this machine as a reference run (`references.add`): converted as the export
 * converts one — large values inline, hash chain dropped, flow hash recomputed — but not cleaned
 * or masked, since it does not leave the machine (its trace was written with secrets redacted).
 */
export async function referenceFromRun(deps: Pick<HandoverDeps, 'traces'>, flowId: string, runId: string): Promise<ReferenceRun> {
  const [run] = await loadRuns(deps, flowId, [runId]);
  return asReference(run!, run!.flow, (value) => value);
}

/** A loaded run in the bundle's reference format; `clean` is applied to the input and every event. */
function asReference(run: LoadedRun, flowAsRan: Flow, clean: (value: unknown) => unknown): ReferenceRun {
  const { hashChain: _chain, ...header } = run.header;
  const events = run.events.map(({ h: _h, ...event }) => clean(event));
  return {
    runId: run.header.runId,
    flowVersion: run.header.flowVersion,
    status: run.status,
    createdAt: run.header.createdAt,
    ...(run.header.startedBy === undefined ? {} : { startedBy: run.header.startedBy }),
    header: { ...header, flow: flowAsRan, flowHash: sha256(canonicalJson(flowAsRan)), input: clean(run.header.input) },
    events,
  } as ReferenceRun;
}

interface LoadedRun {
  header: TraceHeader;
  events: Array<RunEvent & { h?: string }>;
  flow: Flow;
  status: ReferenceRun['status'];
}

async function loadRuns(deps: Pick<HandoverDeps, 'traces'>, flowId: string, runIds: string[]): Promise<LoadedRun[]> {
  const out: LoadedRun[] = [];
  for (const runId of runIds) {
    const trace = await deps.traces.load(runId);
    if (trace.header.flowId !== flowId) {
      throw new ApiError({ code: 'BAD_REQUEST', message: `Run “${runId}” is a run of the flow “${trace.header.flowId}”, not of “${flowId}”.`, hint: 'Pick reference runs of the flow you hand over (the Runs list can show one flow\'s runs).' });
    }
    const finished = [...trace.events].reverse().find((e) => e.type === 'run.finished');
    if (finished === undefined || finished.type !== 'run.finished') {
      throw new ApiError({ code: 'BAD_REQUEST', message: `Run “${runId}” has not finished, so it cannot be a reference run.`, hint: 'Wait until it ends (or pick another run): a reference shows a whole run from start to end.' });
    }
    const header = (await inlineBlobs(deps, trace.header)) as TraceHeader;
    const flow = FlowSchema.safeParse(header.flow);
    if (!flow.success) throw new ApiError({ code: 'TRACE_DAMAGED', message: `The flow recorded in run “${runId}” cannot be read, so the run cannot be handed over.`, hint: 'Pick another run.' });
    out.push({ header, events: (await inlineBlobs(deps, trace.events)) as LoadedRun['events'], flow: flow.data, status: finished.status });
  }
  return out;
}

/** Large values live beside the trace; a bundle is one file, so they are put back inline. */
async function inlineBlobs(deps: Pick<HandoverDeps, 'traces'>, value: unknown): Promise<unknown> {
  if (isBlobRef(value)) return inlineBlobs(deps, await deps.traces.getPayload(value));
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) out.push(await inlineBlobs(deps, v));
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = await inlineBlobs(deps, v);
  return out;
}

/** Header names a flow's steps carry a key in (a step's own "key in a header" name). */
function signInHeaderNames(flow: Flow): string[] {
  const names: string[] = [];
  for (const node of flow.nodes) {
    const c = node.config as Record<string, unknown>;
    for (const key of ['authHeaderName', 'authHeader', 'signatureHeader']) if (typeof c[key] === 'string' && c[key] !== '') names.push(c[key] as string);
  }
  return names;
}

/**
 * The flow as handed over: each step's settings cleaned (a token typed into a header by hand),
 * and a Slack alert webhook's address, which is itself a secret, replaced. Each change is a
 * warning naming the step, so the builder knows what the other team must fill in.
 */
function cleanHandedFlow(flow: Flow, scrubber: Scrubber, warnings: string[]): Flow {
  const nodes = flow.nodes.map((node) => {
    const before = scrubber.count;
    const config = scrubber.value(node.config);
    if (scrubber.count !== before) warnings.push(`Step “${node.name || node.id}” had a secret-looking value in its settings (a token or a sign-in header); it was replaced by ${REDACTED}: the team taking over fills it in, or better, moves it to a credential.`);
    return { ...node, config, ...(node.notes === undefined ? {} : { notes: scrubber.text(node.notes) }) };
  });
  let charter = flow.charter;
  const webhook = charter?.alerts?.webhook;
  if (charter?.alerts && webhook && webhook.format === 'slack' && webhook.url !== '') {
    let origin = '';
    try {
      origin = new URL(webhook.url).origin;
    } catch {
      /* not an address: replaced whole */
    }
    charter = { ...charter, alerts: { ...charter.alerts, webhook: { ...webhook, url: `${origin}/${REDACTED}` } } };
    scrubber.count += 1;
    warnings.push('The Slack alert webhook address is a secret, so it was left out: the team taking over sets its own on the flow page.');
  }
  return { ...flow, nodes, ...(charter === undefined ? {} : { charter }) };
}
