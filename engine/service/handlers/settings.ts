/** settings.*: read and change the app's settings (only what a change names). */
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function settingsHandlers({ data }: ServiceContext): GroupHandlers<'settings'> {
  return {
    'settings.get': () => data.settings.read(),
    'settings.update': (changes) => data.settings.update(changes),
  };
}
