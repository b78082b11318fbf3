/** inbox.*: the engine side arrives with human review; until then the inbox is honestly empty. */
import { ApiError } from '../../model/contract.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function inboxHandlers(_context: ServiceContext): GroupHandlers<'inbox'> {
  return {
    'inbox.list': async () => [],
    'inbox.get': async ({ id }) => {
      throw new ApiError({ code: 'INBOX_ITEM_NOT_FOUND', message: `There is no inbox item "${id}".` });
    },
    'inbox.decide': async ({ id }) => {
      throw new ApiError({ code: 'INBOX_ITEM_NOT_FOUND', message: `There is no inbox item "${id}" to decide.` });
    },
  };
}
