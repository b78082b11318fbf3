/**
 * What credentials a flow needs, for the hand-over bundle: for each credential id the flow refers
 * to (a step's `credential` setting, the charter's alert route), its type, the fields the type
 * needs (names and labels from engine/model/credential-types.ts), OAuth2 scopes, and the steps
 * that use it. Never a value: the scopes are the only setting read, and they are permissions,
 * not secrets. Pure: the caller passes what the builder's credential list says.
 *
 * May import: engine/model.
 */
import type { Flow, FlowNode } from '../model/flow.ts';
import type { NodeCatalog } from '../model/validate.ts';
import { credentialTypeTitle, presetFor } from '../model/credential-types.ts';
import type { CredentialRequirement, CredentialUse } from '../model/handover-bundle.ts';

/** What the builder's machine knows of a credential (its list entry, and its scopes if OAuth2). */
export interface KnownCredential {
  type: string;
  fields: readonly string[];
  scopes?: readonly string[];
}

/**
 * A step's sign-in choice → the credential type it takes, for a credential the builder's list
 * does not have (provided through the environment). Steps whose node type takes one credential
 * type need no entry.
 */
const AUTH_TYPES: Record<string, string> = { bearer: 'http.bearer', basic: 'http.basic', header: 'http.header' };

/** Credential ids a flow refers to, each with where it is used, in the order of the flow. */
export function credentialUses(flow: Flow, catalog: NodeCatalog): Map<string, { uses: CredentialUse[]; nodes: FlowNode[] }> {
  const out = new Map<string, { uses: CredentialUse[]; nodes: FlowNode[] }>();
  const add = (id: unknown, use: CredentialUse, node?: FlowNode) => {
    if (typeof id !== 'string' || id.trim() === '') return;
    const entry = out.get(id) ?? { uses: [], nodes: [] };
    entry.uses.push(use);
    if (node) entry.nodes.push(node);
    out.set(id, entry);
  };
  for (const node of flow.nodes) {
    const config = node.config as Record<string, unknown>;
    // A step that signs in with nothing keeps a credential id it no longer uses.
    if (config.auth === 'none') continue;
    const def = catalog.get(node.type);
    add(config.credential, { kind: 'step', nodeId: node.id, title: node.name || def?.title || node.type, nodeType: node.type }, node);
  }
  add(flow.charter?.alerts?.email?.credential, { kind: 'alerts', channel: 'email' });
  add(flow.charter?.alerts?.webhook?.credential, { kind: 'alerts', channel: 'webhook' });
  return out;
}

export function credentialRequirements(flow: Flow, catalog: NodeCatalog, known: ReadonlyMap<string, KnownCredential>): CredentialRequirement[] {
  const out: CredentialRequirement[] = [];
  for (const [id, { uses, nodes }] of credentialUses(flow, catalog)) {
    const stored = known.get(id);
    const inferred = stored === undefined ? inferType(uses, nodes, catalog) : undefined;
    const type = stored?.type ?? inferred ?? '';
    const preset = presetFor(type);
    const fields = preset
      ? preset.fields.map((f) => ({ name: f.name, label: f.label, secret: f.secret, optional: f.optional === true }))
      : (stored?.fields ?? []).map((name) => ({ name, label: name, secret: true, optional: false }));
    out.push({
      id,
      type,
      typeTitle: type === '' ? 'Unknown type: ask the builder' : credentialTypeTitle(type),
      typeSource: stored ? 'stored' : inferred ? 'inferred' : 'unknown',
      fields,
      ...(stored?.scopes && stored.scopes.length > 0 ? { scopes: [...stored.scopes] } : {}),
      connect: preset?.connect === true,
      usedBy: uses,
    });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** OAuth2 scopes from a credential's settings (`scope` or `scopes`, separated by spaces). */
export function scopesOf(type: string, settings: Readonly<Record<string, string>>): string[] | undefined {
  if (!type.startsWith('oauth2.')) return undefined;
  const text = settings.scopes ?? settings.scope ?? '';
  const scopes = text.split(/[\s,]+/).filter((s) => s !== '');
  return scopes.length > 0 ? scopes : undefined;
}

function inferType(uses: readonly CredentialUse[], nodes: readonly FlowNode[], catalog: NodeCatalog): string | undefined {
  const candidates = new Set<string>();
  for (const node of nodes) {
    const auth = (node.config as Record<string, unknown>).auth;
    const byAuth = typeof auth === 'string' ? AUTH_TYPES[auth] : undefined;
    const accepted = catalog.get(node.type)?.credentials ?? [];
    if (byAuth !== undefined && (accepted.length === 0 || accepted.includes(byAuth))) candidates.add(byAuth);
    else if (accepted.length === 1) candidates.add(accepted[0]!);
  }
  if (uses.some((u) => u.kind === 'alerts' && u.channel === 'email')) candidates.add('smtp');
  // Two steps disagreeing (or an OAuth2 step, which takes two types) leave it to the person.
  return candidates.size === 1 ? [...candidates][0] : undefined;
}
