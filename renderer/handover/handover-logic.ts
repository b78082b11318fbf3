/**
 * The pure rules of the hand-over screens (export dialog and import wizard), kept apart from
 * React so each has a test: the mask list, the wizard's steps, what a person chose for each
 * credential requirement (nothing until they choose: never linked silently) and the request
 * `handover.import` gets from it, and what still stops each step.
 */
import { credentialIdProblem, presetFor } from '../../engine/model/credential-types.ts';
import type { CredentialUse } from '../../engine/model/handover-bundle.ts';
import type { CredentialMapping, HandoverImportRequest, RequirementPreview } from '../../engine/model/handover-import.ts';

/** Runs that can be reference runs: they ended. */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** "email, customer.name" → the field paths, with a plain problem for each one that cannot be a path. */
export function parseMaskList(text: string): { fields: string[]; problems: string[] } {
  const fields: string[] = [];
  const problems: string[] = [];
  for (const raw of text.split(/[,\n;]/)) {
    const field = raw.trim();
    if (field === '') continue;
    if (/\s/.test(field)) problems.push(`“${field}” has a space in it: a field name has none (use a comma between two fields).`);
    else if (field.length > 200) problems.push(`“${field.slice(0, 30)}…” is longer than 200 characters.`);
    else if (/^\.|\.$|\.\./.test(field)) problems.push(`“${field}”: a dot goes between two names, as in customer.name.`);
    else if (!fields.includes(field)) fields.push(field);
  }
  if (fields.length > 100) problems.push('At most 100 fields can be masked.');
  return { fields, problems };
}

export const WIZARD_STEPS = ['Open the file', 'Link credentials', 'Check the reference runs', 'Take ownership', 'Switch on'] as const;
export type WizardStep = 0 | 1 | 2 | 3 | 4;

/** A person's choice for one requirement; `undefined` until they choose. */
export type CredentialChoice =
  | { kind: 'use'; id: string }
  | { kind: 'create'; id: string; label: string; type: string; values: Record<string, string> };

/** "Used by the steps “Fetch invoices” and “Send reply”, and the alert webhook". */
export function usedByWords(usedBy: readonly CredentialUse[]): string {
  const steps = usedBy.filter((u): u is Extract<CredentialUse, { kind: 'step' }> => u.kind === 'step').map((u) => `“${u.title}”`);
  const alerts = usedBy.filter((u) => u.kind === 'alerts').map((u) => (u.kind === 'alerts' && u.channel === 'email' ? 'the alert e-mails' : 'the alert webhook'));
  const parts: string[] = [];
  if (steps.length === 1) parts.push(`the step ${steps[0]}`);
  else if (steps.length > 1) parts.push(`the steps ${steps.slice(0, -1).join(', ')} and ${steps.at(-1)}`);
  parts.push(...alerts);
  return parts.length === 0 ? 'Not used by any step.' : `Used by ${parts.join(', and ')}.`;
}

/** The fields a new credential for this requirement needs: the bundle's list, else the type's form. */
export function fieldsToCreate(requirement: RequirementPreview, type: string): Array<{ name: string; label: string; secret: boolean; optional: boolean }> {
  if (requirement.fields.length > 0 && (requirement.typeSource !== 'unknown' || type === requirement.type)) return requirement.fields;
  return (presetFor(type)?.fields ?? []).map((f) => ({ name: f.name, label: f.label, secret: f.secret, optional: f.optional === true }));
}

/** A new credential's starting point: the requirement's id when it is free here, else a free variant. */
export function newCredentialChoice(requirement: RequirementPreview, takenIds: ReadonlySet<string>): Extract<CredentialChoice, { kind: 'create' }> {
  let id = requirement.id;
  for (let n = 2; takenIds.has(id); n++) id = `${requirement.id}-${n}`;
  return { kind: 'create', id, label: requirement.typeTitle || requirement.id, type: requirement.typeSource === 'unknown' ? '' : requirement.type, values: {} };
}

/** What still stops this requirement from being linked, in plain words; undefined when it is fine. */
export function choiceProblem(requirement: RequirementPreview, choice: CredentialChoice | undefined, takenIds: ReadonlySet<string>): string | undefined {
  if (!choice) return requirement.candidates.length > 0 ? 'Choose one of your credentials or create a new one.' : 'Create it: fill in the fields below.';
  if (choice.kind === 'use') return requirement.candidates.some((c) => c.id === choice.id) ? undefined : 'That credential is not one of the same kind: choose another.';
  const idProblem = credentialIdProblem(choice.id);
  if (idProblem) return idProblem;
  if (takenIds.has(choice.id)) return `A credential named “${choice.id}” exists already here: give the new one another name, or use the existing one.`;
  if (choice.type === '') return 'Choose what kind of credential it is.';
  const missing = fieldsToCreate(requirement, choice.type).find((f) => !f.optional && (choice.values[f.name] ?? '') === '');
  return missing ? `Fill in “${missing.label}”.` : undefined;
}

/** The `credentials` of `handover.import` and `handover.acceptance`: only what was chosen. */
export function toMappings(requirements: readonly RequirementPreview[], choices: Readonly<Record<string, CredentialChoice | undefined>>): Record<string, CredentialMapping> {
  const out: Record<string, CredentialMapping> = {};
  for (const r of requirements) {
    const c = choices[r.id];
    if (!c) continue;
    if (c.kind === 'use') {
      out[r.id] = { use: c.id };
      continue;
    }
    const values: Record<string, string> = {};
    for (const f of fieldsToCreate(r, c.type)) if ((c.values[f.name] ?? '') !== '') values[f.name] = c.values[f.name]!;
    out[r.id] = { create: { id: c.id, ...(c.label.trim() ? { label: c.label.trim() } : {}), ...(r.typeSource === 'unknown' ? { type: c.type } : {}), values } };
  }
  return out;
}

export interface Ownership {
  name: string;
  email: string;
}

export function ownershipProblems(owner: Ownership): { name?: string; email?: string } {
  const problems: { name?: string; email?: string } = {};
  if (owner.name.trim() === '') problems.name = 'Write the name of the person who answers for this flow from now on.';
  if (owner.email.trim() === '') problems.email = 'Write their e-mail address: alerts and reminders go there.';
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(owner.email.trim())) problems.email = 'That does not look like an e-mail address (like ana@example.com).';
  return problems;
}

export type Target = { kind: 'replace' } | { kind: 'new-id'; id: string };

/** The whole `handover.import` request from what the person chose. */
export function importRequest(source: { text?: string; base64?: string }, input: { requirements: readonly RequirementPreview[]; choices: Readonly<Record<string, CredentialChoice | undefined>>; owner: Ownership; alertWebhookUrl?: string; target?: Target; acceptDifferences?: boolean }): HandoverImportRequest {
  return {
    ...source,
    credentials: toMappings(input.requirements, input.choices),
    owner: { name: input.owner.name.trim(), email: input.owner.email.trim() },
    ...(input.alertWebhookUrl?.trim() ? { alertWebhookUrl: input.alertWebhookUrl.trim() } : {}),
    ...(input.target ? { target: input.target.kind === 'replace' ? { replace: true as const } : { newId: input.target.id.trim() } } : {}),
    ...(input.acceptDifferences ? { acceptDifferences: true } : {}),
  };
}

/** Reads a chosen file for `handover.open`: plain JSON as text, a gzipped one (or anything not text) as base64. */
export function bundleSourceFromBytes(bytes: Uint8Array): { text: string } | { base64: string } {
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!gzip) {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      // Not UTF-8 text: let the engine say what it is.
    }
  }
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return { base64: btoa(binary) };
}
