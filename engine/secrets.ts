/**
 * Where credential values come from at run time. Flows hold credential ids only.
 * The desktop app resolves from the OS keychain; headless runs may use environment variables,
 * an explicit opt-in: FLOWKEEPER_CREDENTIAL_<ID> holding a JSON object of fields.
 */
import { NodeError } from './model/node-kit.ts';

export interface SecretResolver {
  /** `rejected`: an OAuth2 access token an API just refused (401), to be renewed once. */
  get(credentialId: string, options?: { rejected?: string }): Promise<Record<string, string>>;
}

export function envVarFor(credentialId: string): string {
  return `FLOWKEEPER_CREDENTIAL_${credentialId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export class EnvSecretResolver implements SecretResolver {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get(credentialId: string): Promise<Record<string, string>> {
    const name = envVarFor(credentialId);
    const raw = this.env[name];
    if (raw === undefined) {
      return Promise.reject(
        new NodeError({
          message: `Credential "${credentialId}" is not available.`,
          code: 'CREDENTIAL_MISSING',
          retryable: false,
          // Both ways a person at a terminal has, and the field names of the common types: an AI
          // key is {"apiKey":…}, not {"token":…}, and a wrong guess fails again one step later.
          hint: `Add it in the app under Credentials or with flowkeeper credentials set --name ${credentialId} --type <type> (flowkeeper credentials types lists the types); for a headless run without a keychain, set ${name} to a JSON object of its fields, such as {"token":"…"} for a web API token or {"apiKey":"…"} for an AI provider key.`,
        }),
      );
    }
    try {
      const value = JSON.parse(raw) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) out[k] = String(v);
      return Promise.resolve(out);
    } catch {
      return Promise.reject(
        new NodeError({
          message: `Credential "${credentialId}" in ${name} is not a JSON object.`,
          code: 'CREDENTIAL_INVALID',
          retryable: false,
          hint: `Set ${name} to something like {"token":"…"}.`,
        }),
      );
    }
  }
}
