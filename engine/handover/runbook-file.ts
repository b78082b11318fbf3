/**
 * The runbook of a saved flow on its own (`handover.runbook`, `flowkeeper export --runbook`):
 * the same text the bundle carries, as Markdown or one HTML page. Reads the credential list for
 * types and, for OAuth2 credentials, their scopes; a keychain that cannot be read only leaves the
 * scopes out.
 *
 * May import: engine/model, engine/handover.
 */
import { credentialRequirements, scopesOf, type KnownCredential } from './credential-requirements.ts';
import { flowForHandover, type HandoverDeps } from './export-bundle.ts';
import { buildRunbook } from './runbook.ts';
import { runbookHtml, runbookMarkdown } from './runbook-render.ts';

export async function handoverRunbook(deps: Omit<HandoverDeps, 'traces'>, request: { flowId: string; version?: number; format: 'markdown' | 'html' }): Promise<{ fileName: string; text: string }> {
  const flow = await flowForHandover(deps, request.flowId, request.version);
  const known = new Map<string, KnownCredential>();
  for (const info of await deps.vault.list()) {
    let scopes: string[] | undefined;
    if (info.type.startsWith('oauth2.')) scopes = await deps.vault.settings(info.id).then((s) => scopesOf(info.type, s.values), () => undefined);
    known.set(info.id, { type: info.type, fields: info.fields, ...(scopes ? { scopes } : {}) });
  }
  const doc = buildRunbook({ flow, catalog: deps.catalog, credentials: credentialRequirements(flow, deps.catalog, known), generatedAt: new Date(deps.now()).toISOString() });
  return request.format === 'html' ? { fileName: `${flow.id}-runbook.html`, text: runbookHtml(doc) } : { fileName: `${flow.id}-runbook.md`, text: runbookMarkdown(doc) };
}
