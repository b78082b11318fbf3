/** credentials.*: write-only values in the keychain, metadata in the data folder. */
import { ApiError } from '../../model/contract.ts';
import { missingFields, presetFor } from '../../model/credential-types.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function credentialHandlers({ data }: ServiceContext): GroupHandlers<'credentials'> {
  const { vault } = data;
  return {
    'credentials.list': () => vault.list(),
    'credentials.set': ({ id, type, label, values }) => {
      // Known types are checked against the one list the app's forms and the CLI use.
      const missing = missingFields(type, values);
      if (missing.length > 0) {
        throw new ApiError({
          code: 'CREDENTIAL_FIELDS_MISSING',
          message: `A "${presetFor(type)!.title}" credential needs ${missing.map((f) => `“${f.label}” (${f.name})`).join(', ')}, which ${missing.length > 1 ? 'were' : 'was'} not given.`,
          hint: 'Fill in the missing fields and save again; nothing was stored.',
          details: { missing: missing.map((f) => f.name) },
        });
      }
      return vault.set(id, type, label, values);
    },
    'credentials.status': () => vault.status(),
    'credentials.connect': async ({ id }) => {
      const { url, redirectUri } = await vault.connections.start(id);
      return { url, redirectUri };
    },
    'credentials.connectResult': ({ id, waitSeconds }) => vault.connections.result(id, waitSeconds * 1000),
    'credentials.delete': async ({ id }) => {
      await vault.delete(id);
      return { ok: true as const };
    },
  };
}
