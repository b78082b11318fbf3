/**
 * A credential that is not there says how to add it from a terminal too, and which fields the
 * common types have (an AI key is {"apiKey":…}, not {"token":…}).
 */
import { describe, expect, it } from 'vitest';
import { EnvSecretResolver } from '../../engine/index.ts';
import { NodeError } from '../../engine/model/node-kit.ts';

describe('EnvSecretResolver', () => {
  it('a missing credential names the CLI command, the variable and the fields of an AI key', async () => {
    const error = await new EnvSecretResolver({}).get('openai-key').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    const { message, hint } = (error as NodeError).toInfo();
    expect(message).toBe('Credential "openai-key" is not available.');
    expect(hint).toContain('flowkeeper credentials set --name openai-key --type <type>');
    expect(hint).toContain('FLOWKEEPER_CREDENTIAL_OPENAI_KEY');
    expect(hint).toContain('{"apiKey":"…"} for an AI provider key');
  });

  it('reads the fields from the variable', async () => {
    expect(await new EnvSecretResolver({ FLOWKEEPER_CREDENTIAL_OPENAI_KEY: '{"apiKey":"k"}' }).get('openai-key')).toEqual({ apiKey: 'k' });
  });
});
