/**
 * Reading fields of a stored credential inside a node, with the same plain error everywhere when
 * one is missing. Values come from `ctx.secret`, so they are redacted from traces and logs.
 */
import { NodeError, type SecretOptions } from '../../engine/model/index.ts';

/** Credential types that give a Bearer access token through the vault (fetched and renewed there). */
export const OAUTH2_TYPES = ['oauth2.client-credentials', 'oauth2.authorization-code'] as const;

/**
 * After a 401 on `sent` ("Bearer …"): the Authorization value with a renewed token, or undefined
 * when there is none (a fixed token: the 401 stands). Steps refused at the same time share one
 * renewal (the vault's single flight).
 */
export async function renewedBearer(ctx: { secret(id: string, options?: SecretOptions): Promise<Record<string, string>> }, credentialId: string, sent: string | undefined): Promise<string | undefined> {
  const token = sent?.startsWith('Bearer ') ? sent.slice('Bearer '.length) : undefined;
  if (token === undefined) return undefined;
  const renewed = (await ctx.secret(credentialId, { rejectedToken: token })).token;
  return renewed === undefined || renewed === '' || renewed === token ? undefined : `Bearer ${renewed}`;
}

export function requiredField(secret: Record<string, string>, credentialId: string, field: string): string {
  const value = secret[field];
  if (value === undefined || value === '') {
    throw new NodeError({
      message: `The credential "${credentialId}" has no "${field}".`,
      code: 'CREDENTIAL_INVALID',
      retryable: false,
      hint: `Edit the credential under Credentials and fill in "${field}".`,
    });
  }
  return value;
}

export function optionalField(secret: Record<string, string>, field: string): string | undefined {
  const value = secret[field];
  return value === undefined || value === '' ? undefined : value;
}

/** A port number from a credential field, or the default when the field is empty. */
export function portField(secret: Record<string, string>, credentialId: string, field: string, fallback: number): number {
  const raw = optionalField(secret, field);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new NodeError({
      message: `The credential "${credentialId}" has "${raw}" as its ${field}, which is not a port number.`,
      code: 'CREDENTIAL_INVALID',
      retryable: false,
      hint: `Edit the credential and write a number between 1 and 65535 (or leave it empty for ${fallback}).`,
    });
  }
  return port;
}
