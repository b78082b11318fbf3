/** credentials.*: write-only values in the keychain, metadata in the data folder. */
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function credentialHandlers({ data }: ServiceContext): GroupHandlers<'credentials'> {
  const { vault } = data;
  return {
    'credentials.list': () => vault.list(),
    'credentials.set': ({ id, type, label, values }) => vault.set(id, type, label, values),
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
