/**
 * Credential mapping for an import: each requirement of the bundle is satisfied by a credential
 * the person chose explicitly — an existing one of the same type (`use`) or a new one for this
 * machine's keychain (`create`). Nothing is linked silently: a requirement left out is refused,
 * even when a credential of the same id or type exists here. Checks only; the import stores.
 *
 * Also rewrites a flow to the chosen ids (each step's `credential`, the charter's alert route).
 *
 * May import: engine/model, engine/handover.
 */
import { ApiError, type CredentialInfo } from '../model/contract.ts';
import { credentialTypeTitle, missingFields, presetFor } from '../model/credential-types.ts';
import type { CredentialRequirement, CredentialUse } from '../model/handover-bundle.ts';
import type { CredentialMapping } from '../model/handover-import.ts';
import type { Flow } from '../model/flow.ts';

/** One requirement, resolved: the credential id the flow will use, and what to create if new. */
export interface ResolvedCredential {
  requirement: CredentialRequirement;
  credentialId: string;
  type: string;
  create?: { id: string; type: string; label: string; values: Record<string, string> };
}

export function useText(use: CredentialUse): string {
  return use.kind === 'step' ? `step “${use.title}”` : use.channel === 'email' ? 'the alert e-mails' : 'the alert webhook';
}

/** "a Web API token", "an AI provider key", "an OAuth2 sign-in": the article the title is read with. */
export function withArticle(title: string): string {
  return `${/^[aeiou]/i.test(title) ? 'an' : 'a'} ${title}`;
}

export function typeText(type: string): string {
  return type === '' ? 'a credential of a type the bundle does not name' : `${withArticle(credentialTypeTitle(type))} credential (${type})`;
}

/** The words and data about a requirement nobody mapped (the CLI prints its flags from `details`). */
export function unmappedText(r: CredentialRequirement, local: readonly CredentialInfo[]): string {
  const candidates = r.type === '' ? [] : local.filter((c) => c.type === r.type);
  const offer = candidates.length > 0 ? `this computer has ${candidates.map((c) => `“${c.id}”${c.label ? ` (${c.label})` : ''}`).join(', ')} of that type: choose one, or create a new one` : 'this computer has none of that type: create one';
  return `“${r.id}” needs ${typeText(r.type)}, used by ${r.usedBy.map(useText).join(', ')}; ${offer}.`;
}

/**
 * Checks every mapping against the requirements and this machine's credentials. Refuses with all
 * problems at once: unmapped requirements (code CREDENTIALS_NOT_MAPPED, each with its candidates
 * in `details.unmapped`), else wrong mappings (CREDENTIAL_MAPPING_INVALID).
 */
export function resolveCredentials(requirements: readonly CredentialRequirement[], mappings: Readonly<Record<string, CredentialMapping>>, local: readonly CredentialInfo[]): ResolvedCredential[] {
  const problems: string[] = [];
  const known = new Map(requirements.map((r) => [r.id, r]));
  for (const key of Object.keys(mappings)) {
    if (!known.has(key)) problems.push(`The bundle needs no credential “${key}”${requirements.length > 0 ? `; it needs ${requirements.map((r) => `“${r.id}”`).join(', ')}` : ''}.`);
  }
  const unmapped = requirements.filter((r) => mappings[r.id] === undefined);
  if (unmapped.length > 0) {
    throw new ApiError({
      code: 'CREDENTIALS_NOT_MAPPED',
      message: `Say which credential to use for ${unmapped.length === 1 ? 'this requirement' : `each of these ${unmapped.length} requirements`} (nothing is linked without asking):\n${unmapped.map((r) => `- ${unmappedText(r, local)}`).join('\n')}${problems.length > 0 ? `\n${problems.map((p) => `- ${p}`).join('\n')}` : ''}`,
      hint: 'Map each one to an existing credential of the same type, or create a new one in this computer\'s keychain; nothing was imported.',
      details: {
        unmapped: unmapped.map((r) => ({
          requirementId: r.id,
          type: r.type,
          typeTitle: r.typeTitle,
          usedBy: r.usedBy,
          candidates: (r.type === '' ? [] : local.filter((c) => c.type === r.type)).map((c) => ({ id: c.id, label: c.label })),
        })),
      },
    });
  }

  const out: ResolvedCredential[] = [];
  const creating = new Map<string, string>();
  for (const r of requirements) {
    const mapping = mappings[r.id]!;
    if ('use' in mapping) {
      const existing = local.find((c) => c.id === mapping.use);
      if (existing === undefined) {
        problems.push(`“${r.id}” is to use the credential “${mapping.use}”, but this computer has no credential of that name${local.length > 0 ? ` (it has ${local.map((c) => `“${c.id}”`).join(', ')})` : ''}.`);
        continue;
      }
      if (r.type !== '' && existing.type !== r.type) {
        problems.push(`“${r.id}” needs ${typeText(r.type)}, but “${existing.id}” is ${typeText(existing.type)}: choose one of the same type, or create one.`);
        continue;
      }
      out.push({ requirement: r, credentialId: existing.id, type: existing.type });
      continue;
    }
    const { create } = mapping;
    const id = create.id ?? r.id;
    const type = r.type !== '' ? r.type : (create.type ?? '');
    if (create.type !== undefined && r.type !== '' && create.type !== r.type) {
      problems.push(`“${r.id}” needs ${typeText(r.type)}; a new credential for it cannot be ${typeText(create.type)}.`);
      continue;
    }
    if (type === '') {
      problems.push(`The bundle does not say which type “${r.id}” is: give the type of the credential to create (ask the person who handed the flow over).`);
      continue;
    }
    if (local.some((c) => c.id === id)) {
      problems.push(`A credential named “${id}” exists on this computer already, so a new one for “${r.id}” cannot take that name: use it instead, or give the new one another name.`);
      continue;
    }
    const twice = creating.get(id);
    if (twice !== undefined) {
      problems.push(`“${r.id}” and “${twice}” would both create a credential named “${id}”: give one of them another name, or let the second use the first.`);
      continue;
    }
    creating.set(id, r.id);
    // The same check as credentials.set: the type's required fields, by the shared list of types.
    const missing = missingFields(type, create.values);
    if (missing.length > 0) {
      problems.push(`A “${presetFor(type)!.title}” credential for “${r.id}” needs ${missing.map((f) => `“${f.label}” (${f.name})`).join(', ')}, which ${missing.length > 1 ? 'were' : 'was'} not given.`);
      continue;
    }
    if (Object.keys(create.values).length === 0) {
      problems.push(`The new credential for “${r.id}” has no values: fill in its fields.`);
      continue;
    }
    out.push({ requirement: r, credentialId: id, type, create: { id, type, label: create.label ?? '', values: create.values } });
  }
  if (problems.length > 0) {
    throw new ApiError({
      code: 'CREDENTIAL_MAPPING_INVALID',
      message: `The credentials cannot be linked as asked:\n${problems.map((p) => `- ${p}`).join('\n')}`,
      hint: 'Correct these choices and import again; nothing was imported.',
      details: { problems },
    });
  }
  return out;
}

/**
 * The flow with its credential ids replaced by the chosen ones, all at once (a → b and b → c
 * give a → b, b → c, never a → c).
 */
export function withCredentialIds(flow: Flow, ids: ReadonlyMap<string, string>): Flow {
  const swap = (id: unknown) => (typeof id === 'string' && ids.has(id) ? ids.get(id)! : id);
  const nodes = flow.nodes.map((node) => {
    const config = node.config as Record<string, unknown>;
    if (typeof config.credential !== 'string' || !ids.has(config.credential)) return node;
    return { ...node, config: { ...config, credential: swap(config.credential) } };
  });
  const alerts = flow.charter?.alerts;
  if (!flow.charter || !alerts) return { ...flow, nodes };
  return {
    ...flow,
    nodes,
    charter: {
      ...flow.charter,
      alerts: {
        ...alerts,
        ...(alerts.email ? { email: { ...alerts.email, credential: swap(alerts.email.credential) as string } } : {}),
        ...(alerts.webhook ? { webhook: { ...alerts.webhook, ...(alerts.webhook.credential === undefined ? {} : { credential: swap(alerts.webhook.credential) as string }) } } : {}),
      },
    },
  };
}

/** The id map of a (possibly partial) set of mappings, for the acceptance replay before importing. */
export function mappedIds(mappings: Readonly<Record<string, CredentialMapping>> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [requirement, mapping] of Object.entries(mappings ?? {})) out.set(requirement, 'use' in mapping ? mapping.use : (mapping.create.id ?? requirement));
  return out;
}
