/**
 * The app link of one inbox item, used by review reminders and overdue-review alerts: the inbox's
 * own item address (engine/inbox/inbox-link.ts), so a reminder opens the very item it is about.
 */
import { inboxItemLink } from '../inbox/inbox-link.ts';

export function reviewItemLink(itemId: string): string {
  return inboxItemLink(itemId);
}
